// Which credentials the server accepts, read from the environment.
import { ConfigError } from '../configError.js';
import { loadApiKeys } from './apiKeys.js';
import { minSecretLength, publicKeyFromPem } from './jwtKeys.js';

/** How JWTs are verified: exactly one of jwksUrl, publicKeyPem and secret is set. */
export interface JwtSettings {
  /** JWT_JWKS_URL: an http(s) URL serving a JSON Web Key Set. */
  jwksUrl?: string;
  /** JWT_PUBLIC_KEY: a PEM public key (RSA, EC or Ed25519), with real newlines. */
  publicKeyPem?: string;
  /** JWT_SECRET: an HS256 secret of at least 32 characters. */
  secret?: string;
  /** JWT_ISSUER: the `iss` every token must have. */
  issuer?: string;
  /** JWT_AUDIENCE: a token's `aud` must name one of these. */
  audience?: string[];
}

export interface AuthSettings {
  /** sha256 hex digest of each key -> caller id. Empty when no API keys are configured. */
  apiKeys: Map<string, string>;
  jwt: JwtSettings | null;
}

type Env = Record<string, string | undefined>;

function jwksUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError('JWT_JWKS_URL must be an http:// or https:// URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new ConfigError('JWT_JWKS_URL must be an http:// or https:// URL');
  // fetch refuses a URL with user:password@ ("Request cannot be constructed from a URL that
  // includes credentials: <the whole URL>"), so such a JWKS never loads, and that error's message,
  // logged when a WebSocket's token cannot be checked, would write the password.
  if (url.username || url.password) throw new ConfigError('JWT_JWKS_URL must not carry credentials (user:password@): a JWKS is public');
  return url.href;
}

function loadJwtSettings(env: Env): JwtSettings | null {
  const sources = (['JWT_JWKS_URL', 'JWT_PUBLIC_KEY', 'JWT_SECRET'] as const).filter((name) => env[name]);
  const issuer = env.JWT_ISSUER?.trim() || undefined;
  const audienceValue = env.JWT_AUDIENCE?.trim() || undefined;
  if (sources.length === 0) {
    const orphan = issuer !== undefined ? 'JWT_ISSUER' : audienceValue !== undefined ? 'JWT_AUDIENCE' : null;
    if (orphan) throw new ConfigError(`${orphan} is set but no JWT key is: set one of JWT_JWKS_URL, JWT_PUBLIC_KEY or JWT_SECRET`);
    return null;
  }
  if (sources.length > 1) throw new ConfigError(`${sources.join(' and ')} are set together: JWTs are verified with one of JWT_JWKS_URL, JWT_PUBLIC_KEY or JWT_SECRET`);
  const settings: JwtSettings = {};
  const value = env[sources[0]!]!;
  switch (sources[0]) {
    case 'JWT_JWKS_URL':
      settings.jwksUrl = jwksUrl(value.trim());
      break;
    case 'JWT_PUBLIC_KEY':
      settings.publicKeyPem = value.replaceAll('\\n', '\n').trim();
      publicKeyFromPem(settings.publicKeyPem); // throws a ConfigError if the key cannot be used
      break;
    case 'JWT_SECRET':
      if (value.length < minSecretLength) throw new ConfigError(`JWT_SECRET must be at least ${minSecretLength} characters`);
      settings.secret = value; // as it is: surrounding spaces are part of an HMAC secret
      break;
  }
  if (issuer !== undefined) settings.issuer = issuer;
  if (audienceValue !== undefined) {
    const audience = audienceValue.split(',').map((item) => item.trim()).filter((item) => item !== '');
    if (audience.length === 0) throw new ConfigError('JWT_AUDIENCE must be a comma-separated list of audiences');
    settings.audience = audience;
  }
  return settings;
}

/** Reads API_KEYS, API_KEYS_FILE, JWT_JWKS_URL, JWT_PUBLIC_KEY, JWT_SECRET, JWT_ISSUER, JWT_AUDIENCE. Throws ConfigError naming the variable. */
export function loadAuthSettings(env: Record<string, string | undefined>): AuthSettings {
  return { apiKeys: loadApiKeys(env), jwt: loadJwtSettings(env) };
}

/** true when API keys or JWT are configured (credentials are then required on every request). */
export function authenticationRequired(settings: AuthSettings): boolean {
  return settings.apiKeys.size > 0 || settings.jwt !== null;
}
