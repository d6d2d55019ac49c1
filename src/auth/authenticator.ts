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
  // With both configured, a token's `sub` must not name an API key's caller: whoever can get a
  // token with any `sub` from the identity provider would otherwise own that caller's work.
  const keyCallers = new Set(apiKeys.values());
  const jwt = settings.jwt ? createJwtVerifier(settings.jwt) : null;
  return {
    required: true,
    async authenticate(authorization) {
      const token = bearerToken(authorization);
      if (apiKeys.size > 0) {
        const id = apiKeys.get(apiKeyDigest(token));
        if (id !== undefined) return { id, expiresAt: null };
      }
      if (jwt && looksLikeJws(token)) {
        const caller = await jwt.verify(token);
        if (keyCallers.has(caller.id)) throw new UnauthenticatedError('invalid');
        return caller;
      }
      throw new UnauthenticatedError('invalid');
    },
  };
}
