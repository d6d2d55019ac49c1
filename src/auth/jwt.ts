// JWT verification with jose: signature, algorithm, issuer, audience, expiry, then `sub` as the caller.
import { createRemoteJWKSet, errors, jwtVerify, type JWTPayload, type JWTVerifyGetKey, type JWTVerifyOptions, type KeyObject } from 'jose';
import { ConfigError } from '../configError.js';
import { UnauthenticatedError, UnavailableError } from '../errors.js';
import type { JwtSettings } from './authSettings.js';
import { anonymousCallerId, type Caller } from './caller.js';
import { jwksAlgorithms, publicKeyFromPem, secretAlgorithms } from './jwtKeys.js';

export const clockToleranceSeconds = 5;
export const signingKeysUnavailableMessage = 'The keys that sign tokens could not be fetched; try again shortly.';

// sub: 1 to 255 characters, none of them control, format, surrogate or unassigned code points.
const subjectPattern = /^\P{C}{1,255}$/u;

export interface JwtVerifier {
  /** The caller of a JWS compact token; UnauthenticatedError or, when the JWKS cannot be had, UnavailableError. */
  verify(token: string): Promise<Caller>;
}

export interface JwtVerifierOptions {
  /** How long a JWKS fetch may take (jose's default: 5 s). */
  jwksTimeoutMs?: number;
}

/** The JWKS could not be fetched or used: the server's problem, not the token's. */
class SigningKeysUnavailable extends Error {}

/**
 * A remote JWKS resolver whose failures to produce keys at all (down, timeout, not 200, not a key
 * set) are SigningKeysUnavailable, apart from those that are about the token: no key or several
 * keys for its kid and alg.
 */
function remoteKeys(url: string, timeoutDuration: number): JWTVerifyGetKey {
  const jwks = createRemoteJWKSet(new URL(url), { timeoutDuration });
  return async (protectedHeader, token) => {
    try {
      return await jwks(protectedHeader, token);
    } catch (error) {
      if (error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys || error instanceof errors.JOSENotSupported) throw error;
      throw new SigningKeysUnavailable('JWKS unavailable', { cause: error });
    }
  };
}

function callerOf(payload: JWTPayload): Caller {
  const { sub, exp } = payload;
  if (typeof sub !== 'string' || !subjectPattern.test(sub) || sub === anonymousCallerId) throw new UnauthenticatedError('invalid');
  if (exp === undefined) return { id: sub, expiresAt: null };
  const expiresAt = new Date(exp * 1000);
  if (Number.isNaN(expiresAt.getTime())) throw new UnauthenticatedError('invalid');
  return { id: sub, expiresAt };
}

export function createJwtVerifier(settings: JwtSettings, options: JwtVerifierOptions = {}): JwtVerifier {
  const sources = [settings.jwksUrl, settings.publicKeyPem, settings.secret].filter((source) => source !== undefined);
  if (sources.length !== 1) throw new ConfigError('Exactly one of JWT_JWKS_URL, JWT_PUBLIC_KEY and JWT_SECRET must be set');
  let key: KeyObject | Uint8Array | JWTVerifyGetKey;
  const verifyOptions: JWTVerifyOptions = { clockTolerance: clockToleranceSeconds };
  if (settings.jwksUrl !== undefined) {
    key = remoteKeys(settings.jwksUrl, options.jwksTimeoutMs ?? 5000);
    verifyOptions.algorithms = jwksAlgorithms;
  } else if (settings.publicKeyPem !== undefined) {
    const publicKey = publicKeyFromPem(settings.publicKeyPem);
    key = publicKey.key;
    verifyOptions.algorithms = publicKey.algorithms;
  } else {
    key = new TextEncoder().encode(settings.secret);
    verifyOptions.algorithms = secretAlgorithms;
  }
  if (settings.issuer !== undefined) verifyOptions.issuer = settings.issuer;
  if (settings.audience !== undefined) verifyOptions.audience = settings.audience;

  async function verifiedPayload(token: string): Promise<JWTPayload> {
    try {
      return (await jwtVerify(token, key, verifyOptions)).payload;
    } catch (error) {
      // No kid and several keys of the JWKS fit the alg (e.g. during a rotation): try each.
      if (!(error instanceof errors.JWKSMultipleMatchingKeys)) throw error;
      for await (const candidate of error) {
        try {
          return (await jwtVerify(token, candidate, verifyOptions)).payload;
        } catch (inner) {
          if (!(inner instanceof errors.JWSSignatureVerificationFailed)) throw inner;
        }
      }
      throw new errors.JWSSignatureVerificationFailed();
    }
  }

  return {
    async verify(token) {
      let payload: JWTPayload;
      try {
        payload = await verifiedPayload(token);
      } catch (error) {
        if (error instanceof SigningKeysUnavailable) throw new UnavailableError(signingKeysUnavailableMessage, { cause: error.cause });
        if (error instanceof errors.JWTExpired) throw new UnauthenticatedError('expired');
        if (error instanceof errors.JOSEError) throw new UnauthenticatedError('invalid');
        throw error;
      }
      return callerOf(payload);
    },
  };
}
