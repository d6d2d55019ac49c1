// RFC 9457 problem details. `code` mirrors the GraphQL extensions.code of the same error,
// and `errors` lists the fields at fault for invalid input.
import { STATUS_CODES } from 'node:http';
import type { Response } from 'express';
import type { FieldError } from '../errors.js';

export interface Problem {
  status: number;
  code: string;
  detail: string;
  errors?: (FieldError & { pointer: string })[];
}

export function sendProblem(res: Response, problem: Problem, instance?: string): void {
  const { status, code, detail, errors } = problem;
  res
    .status(status)
    .type('application/problem+json')
    .send(JSON.stringify({
      type: 'about:blank',
      title: STATUS_CODES[status] ?? 'Error',
      status,
      detail,
      code,
      ...(instance ? { instance } : {}),
      ...(errors ? { errors } : {}),
    }));
}

export function fieldErrors(fields: FieldError[]): (FieldError & { pointer: string })[] {
  // JSON Pointer into the request body (RFC 6901), as RFC 9457's own example does.
  return fields.map((f) => ({ ...f, pointer: `#/${f.field.replace(/~/g, '~0').replace(/\//g, '~1')}` }));
}
