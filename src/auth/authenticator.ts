// Who is calling, from the Authorization header value (or graphql-ws connection_init's copy of it).
import { UnauthenticatedError } from '../errors.js';
import { apiKeyDigest } from './apiKeys.js';
import { authenticationRequired, type AuthSettings } from './authSettings.js';
import { bearerToken, looksLikeJws } from './bearer.js';
import { anonymousCaller, type Caller } from './caller.js';
import { createJwtVerifier } from './jwt.js';

export interface Authenticator {
  readonly required: boolean;
  /**
   * The caller for an HTTP Authorization header value (or the same string from a graphql-ws
   * connection_init payload). Not required: always anonymousCaller (a header, if any, is ignored).
   * Required: UnauthenticatedError('missing') without a value, ('invalid') for a bad scheme/format,
   * an unknown key or a bad token, ('expired') for an expired JWT. A JWKS that cannot be fetched
   * (down, timeout) is UnavailableError (the server's problem, not the caller's), never a 401.
   */
  authenticate(authorization: string | undefined): Promise<Caller>;
}

export function createAuthenticator(settings: AuthSettings): Authenticator {
  if (!authenticationRequired(settings)) {
    return { required: false, authenticate: async () => anonymousCaller };
  }
  const apiKeys = new Map(settings.apiKeys);
  const jwt = settings.jwt ? createJwtVerifier(settings.jwt) : null;
  return {
    required: true,
    async authenticate(authorization) {
      const token = bearerToken(authorization);
      if (apiKeys.size > 0) {
        const id = apiKeys.get(apiKeyDigest(token));
        if (id !== undefined) return { id, expiresAt: null };
      }
      if (jwt && looksLikeJws(token)) return jwt.verify(token);
      throw new UnauthenticatedError('invalid');
    },
  };
}
