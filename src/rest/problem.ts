// RFC 9457 problem details. `code` mirrors the GraphQL extensions.code of the same error,
// and `errors` lists the fields at fault for invalid input.
import { STATUS_CODES } from 'node:http';
import type { Response } from 'express';
import type { FieldError } from '../errors.js';

export interface Problem {
  status: number;
  code: string;
  detail: string;
  errors?: (FieldError & { pointer?: string })[];
  /** Extension members, e.g. the id of the task in the way of a conflict. */
  extra?: Record<string, unknown>;
}

/** The problem document as JSON text. */
export function problemJson(problem: Problem, instance?: string): string {
  const { status, code, detail, errors, extra } = problem;
  // Extension members first: none may replace a member RFC 9457 defines (a task's `status`
  // among a conflict's details once replaced the HTTP status; see restExtensions).
  return JSON.stringify({
    ...extra,
    type: 'about:blank',
    title: STATUS_CODES[status] ?? 'Error',
    status,
    detail,
    code,
    ...(instance ? { instance } : {}),
    ...(errors ? { errors } : {}),
  });
}

export function sendProblem(res: Response, problem: Problem, instance?: string): void {
  res.status(problem.status).type('application/problem+json').send(problemJson(problem, instance));
}

/**
 * A service error's details as problem extension members. A detail named like a member RFC 9457
 * defines is renamed: a conflict's task `status` ("RUNNING") becomes `taskStatus`, so `status`
 * stays the HTTP status number.
 */
export function restExtensions(details: Record<string, unknown>): Record<string, unknown> {
  const reserved = new Set(['type', 'title', 'status', 'detail', 'instance', 'code', 'errors']);
  return Object.fromEntries(Object.entries(details).map(([name, value]) => [
    reserved.has(name) ? `task${name[0]!.toUpperCase()}${name.slice(1)}` : name,
    value,
  ]));
}

export function fieldErrors(fields: FieldError[]): (FieldError & { pointer?: string })[] {
  // Body fields get a JSON Pointer (RFC 6901), as RFC 9457's own example does; query
  // parameters and headers are named by `in`.
  return fields.map((f) => (f.in ? f : { ...f, pointer: `#/${f.field.replace(/~/g, '~0').replace(/\//g, '~1')}` }));
}

/** An HTTP-level refusal (416 Range Not Satisfiable, 412 Precondition Failed) with its headers. */
export class HttpProblem extends Error {
  constructor(readonly status: number, readonly headers: Record<string, string>, detail: string) {
    super(detail);
  }
}
