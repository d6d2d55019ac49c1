// Errors the services raise on purpose. Interfaces translate them: GraphQL to extensions.code,
// REST to problem+json. Anything else reaching an interface is unexpected and gets masked.

export interface FieldError {
  /** Name of the input field at fault, e.g. "title". */
  field: string;
  message: string;
  /** Where the field is, when not in the body or input object. */
  in?: 'query' | 'header';
}

export abstract class AppError extends Error {
  abstract readonly code: 'BAD_USER_INPUT' | 'NOT_FOUND' | 'CONFLICT' | 'UNAVAILABLE';
}

export class ValidationError extends AppError {
  readonly code = 'BAD_USER_INPUT' as const;
  constructor(readonly fields: FieldError[]) {
    super(`Invalid input: ${fields.map((f) => `${f.field} ${f.message}`).join('; ')}`);
  }
}

export class NotFoundError extends AppError {
  readonly code = 'NOT_FOUND' as const;
  constructor(readonly resource: 'task' | 'video' | 'media', readonly id: string) {
    super(`No ${resource} with id ${JSON.stringify(id)}`);
  }
}

export class ConflictError extends AppError {
  readonly code = 'CONFLICT' as const;
  /** Machine-readable facts about the conflict, e.g. the id of the task in the way. */
  constructor(message: string, readonly details: Record<string, unknown> = {}) {
    super(message);
  }
}

/** An Idempotency-Key reused with a different request (REST answers 422, as the IETF draft says). */
export class IdempotencyKeyReusedError extends ConflictError {
  constructor(key: string) {
    super(`The idempotency key ${JSON.stringify(key)} was already used with a different request.`, { idempotencyKey: key });
  }
}

/** The server is starting or stopping and cannot take the request now. */
export class UnavailableError extends AppError {
  readonly code = 'UNAVAILABLE' as const;
}
