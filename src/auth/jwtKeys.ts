// The keys a JWT may be verified with, and the algorithms each key may verify: a token's "alg"
// header is only ever checked against this list, so an RSA public key is never used as an HMAC
// secret and "none" is never accepted.
import { createPublicKey, type KeyObject } from 'node:crypto';
import type { JWSAlgorithm } from 'jose';
import { ConfigError } from '../configError.js';

/** JWT_SECRET: HMAC with SHA-256 only. */
export const secretAlgorithms: JWSAlgorithm[] = ['HS256'];
export const minSecretLength = 32;

const rsaAlgorithms: JWSAlgorithm[] = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512'];
const rsaPssAlgorithms: JWSAlgorithm[] = ['PS256', 'PS384', 'PS512'];
const ecAlgorithms: Record<string, JWSAlgorithm> = { prime256v1: 'ES256', secp384r1: 'ES384', secp521r1: 'ES512' };
const ed25519Algorithms: JWSAlgorithm[] = ['EdDSA', 'Ed25519'];

/** JWT_JWKS_URL: every asymmetric signature algorithm; never an HMAC (HS*), never "none". */
export const jwksAlgorithms: JWSAlgorithm[] = [...rsaAlgorithms, 'ES256', 'ES384', 'ES512', ...ed25519Algorithms];

export interface PublicKeyWithAlgorithms {
  key: KeyObject;
  algorithms: JWSAlgorithm[];
}

/**
 * The public key of a PEM (`-----BEGIN PUBLIC KEY-----`, or an RSA PUBLIC KEY) and the algorithms it
 * can verify. Literal `\n` sequences, as an environment variable often carries them, are newlines.
 * A ConfigError naming JWT_PUBLIC_KEY for anything else, a private key included.
 */
export function publicKeyFromPem(value: string): PublicKeyWithAlgorithms {
  const pem = value.replaceAll('\\n', '\n').trim();
  const label = /^-----BEGIN ([A-Z0-9 ]+)-----/.exec(pem)?.[1];
  if (label === undefined) throw new ConfigError('JWT_PUBLIC_KEY must be a PEM public key (-----BEGIN PUBLIC KEY----- ...)');
  if (label.includes('PRIVATE')) throw new ConfigError('JWT_PUBLIC_KEY holds a private key: give the public key only');
  let key: KeyObject;
  try {
    key = createPublicKey({ key: pem, format: 'pem' });
  } catch {
    throw new ConfigError('JWT_PUBLIC_KEY is not a PEM public key that can be read');
  }
  const type = key.asymmetricKeyType;
  const details = key.asymmetricKeyDetails ?? {};
  if (type === 'rsa' || type === 'rsa-pss') {
    if ((details.modulusLength ?? 0) < 2048) throw new ConfigError('JWT_PUBLIC_KEY: an RSA key must have at least 2048 bits');
    return { key, algorithms: type === 'rsa' ? rsaAlgorithms : rsaPssAlgorithms };
  }
  if (type === 'ec') {
    const algorithm = ecAlgorithms[details.namedCurve ?? ''];
    if (!algorithm) throw new ConfigError(`JWT_PUBLIC_KEY: the EC curve ${details.namedCurve ?? '(unknown)'} is not supported; use P-256, P-384 or P-521`);
    return { key, algorithms: [algorithm] };
  }
  if (type === 'ed25519') return { key, algorithms: ed25519Algorithms };
  throw new ConfigError(`JWT_PUBLIC_KEY: ${type ?? 'this'} keys cannot verify JWTs; use an RSA, EC (P-256, P-384, P-521) or Ed25519 key`);
}
