// Server refusals made readable: an RFC 9457 problem+json (REST) as "title (code): detail" plus
// one line per field at fault.
import { CliError, ExitCode } from './exitCodes.js';

interface FieldProblem {
  field: string;
  message: string;
  in?: string;
}

function fieldsOf(errors: unknown): FieldProblem[] {
  if (!Array.isArray(errors)) return [];
  return errors.flatMap((entry: unknown) => {
    if (typeof entry !== 'object' || entry === null) return [];
    const { field, message, in: where } = entry as Record<string, unknown>;
    if (typeof field !== 'string' || typeof message !== 'string') return [];
    return [{ field, message, ...(typeof where === 'string' ? { in: where } : {}) }];
  });
}

/** The error for a non-2xx answer; `body` is its text, a problem document when the server wrote it. */
export function refusal(status: number, statusText: string, body: string): CliError {
  let problem: Record<string, unknown> = {};
  try {
    const parsed: unknown = JSON.parse(body);
    if (typeof parsed === 'object' && parsed !== null) problem = parsed as Record<string, unknown>;
  } catch {
    // not JSON: a proxy's page, or another server altogether
  }
  const title = typeof problem.title === 'string' ? problem.title : statusText || `HTTP ${status}`;
  const code = typeof problem.code === 'string' ? ` (${problem.code})` : '';
  const detail = typeof problem.detail === 'string' ? `: ${problem.detail}` : '';
  const fields = fieldsOf(problem.errors).map((f) => `${f.field}${f.in ? ` (${f.in})` : ''}: ${f.message}`);
  return new CliError(`${status} ${title}${code}${detail}`, ExitCode.refused, fields);
}
