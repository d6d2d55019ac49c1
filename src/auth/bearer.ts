// The token in `Authorization: Bearer <token>` (RFC 6750 section 2.1).
import { UnauthenticatedError } from '../errors.js';

/** Longer tokens are refused before any parsing, hashing or signature check. */
export const maxTokenLength = 8192;

// RFC 7235 token68: the only characters a Bearer token may have.
const token68 = /^[A-Za-z0-9\-._~+/]+=*$/;

/** Whether `value` could be sent as a Bearer token (token68 characters only). */
export function isToken68(value: string): boolean {
  return token68.test(value);
}

/**
 * The token of an Authorization header value. No value (or only whitespace) is 'missing'; any other
 * scheme, no token, more than one token, a character outside token68 or a token over 8 KB is 'invalid'.
 */
export function bearerToken(authorization: string | undefined): string {
  if (authorization === undefined) throw new UnauthenticatedError('missing');
  // "Bearer", spaces and a maximal token: anything longer is refused without looking further.
  if (authorization.length > maxTokenLength + 64) throw new UnauthenticatedError('invalid');
  const value = authorization.trim();
  if (value === '') throw new UnauthenticatedError('missing');
  const match = /^([A-Za-z]+) +(\S+)$/.exec(value);
  if (!match || match[1]!.toLowerCase() !== 'bearer') throw new UnauthenticatedError('invalid');
  const token = match[2]!;
  if (token.length > maxTokenLength || !isToken68(token)) throw new UnauthenticatedError('invalid');
  return token;
}

/** Whether a token has the shape of a JWS compact serialization: three base64url parts. */
export function looksLikeJws(token: string): boolean {
  return /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/.test(token);
}
