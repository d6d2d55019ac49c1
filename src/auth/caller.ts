// Who is calling: the identity every request carries once the authenticator has looked at it.

export interface Caller {
  /** The caller's id: an API key's name, a JWT's `sub`, or 'anonymous'. Tasks and videos belong to it. */
  id: string;
  /** When the credential stops being valid (a JWT's exp); null for API keys and the anonymous caller. */
  expiresAt: Date | null;
}

/** The caller when the server requires no credentials. API keys and JWTs can never claim this id. */
export const anonymousCallerId = 'anonymous';

export const anonymousCaller: Caller = Object.freeze({ id: anonymousCallerId, expiresAt: null });
