// Who is calling: API keys and JWTs checked with real keys (jose) and a real JWKS server.
import { createHash, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { exportJWK, exportSPKI, generateKeyPair, SignJWT, UnsecuredJWT, type CryptoKey, type JWK, type JWTPayload } from 'jose';
import { ConfigError } from '../src/configError.js';
import { UnauthenticatedError, UnavailableError } from '../src/errors.js';
import { authenticationRequired, loadAuthSettings, type AuthSettings } from '../src/auth/authSettings.js';
import { createAuthenticator, type Authenticator } from '../src/auth/authenticator.js';
import { anonymousCaller } from '../src/auth/caller.js';
import { createJwtVerifier } from '../src/auth/jwt.js';

type Env = Record<string, string | undefined>;
const authenticatorFor = (env: Env): Authenticator => createAuthenticator(loadAuthSettings(env));
const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a rejection, got a caller');
}

/** Rejects with UnauthenticatedError(reason), and its message does not echo what was sent. */
async function expectUnauthenticated(auth: Authenticator, header: string | undefined, reason: 'missing' | 'invalid' | 'expired'): Promise<void> {
  const error = await rejection(auth.authenticate(header));
  expect(error).toBeInstanceOf(UnauthenticatedError);
  expect((error as UnauthenticatedError).reason).toBe(reason);
  const token = header?.split(' ').pop();
  if (token) expect(error.message).not.toContain(token);
}

function expectConfigError(env: Env, variable: string): void {
  let error: unknown;
  try {
    loadAuthSettings(env);
  } catch (caught) {
    error = caught;
  }
  expect(error).toBeInstanceOf(ConfigError);
  expect((error as Error).message).toContain(variable);
}

interface KeyPair {
  publicKey: CryptoKey;
  privateKey: CryptoKey;
}

const now = () => Math.floor(Date.now() / 1000);
const inAnHour = () => now() + 3600;

async function sign(key: CryptoKey | KeyObject | Uint8Array, alg: string, claims: JWTPayload, kid?: string): Promise<string> {
  return new SignJWT(claims).setProtectedHeader(kid ? { alg, kid } : { alg }).setIssuedAt().sign(key);
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`;
}

async function close(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

/** A node KeyObject pair: unlike a WebCrypto key, it signs with every RSA algorithm (RS* and PS*). */
let rsa: { publicKey: KeyObject; privateKey: KeyObject };
let rsa2: KeyPair;
let ec: KeyPair;
let ed: KeyPair;
let other: KeyPair;
let rsaPem: string;
let ecPem: string;
let jwks: { keys: JWK[] };
let jwksServer: Server;
let jwksUrl: string;
let jwksRequests = 0;

beforeAll(async () => {
  rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  [rsa2, ec, ed, other] = await Promise.all([
    generateKeyPair('RS256'),
    generateKeyPair('ES256'),
    generateKeyPair('Ed25519'),
    generateKeyPair('RS256'),
  ]);
  rsaPem = await exportSPKI(rsa.publicKey);
  ecPem = await exportSPKI(ec.publicKey);
  jwks = {
    keys: [
      { ...(await exportJWK(rsa.publicKey)), kid: 'rsa-1', alg: 'RS256', use: 'sig' },
      { ...(await exportJWK(ec.publicKey)), kid: 'ec-1', alg: 'ES256', use: 'sig' },
      { ...(await exportJWK(ed.publicKey)), kid: 'ed-1', use: 'sig' },
    ],
  };
  jwksServer = createServer((_req, res) => {
    jwksRequests++;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(jwks));
  });
  jwksUrl = await listen(jwksServer);
});

afterAll(async () => {
  await close(jwksServer);
});

describe('the Authorization header', () => {
  const key = 'alice-key-0123456789';
  let auth: Authenticator;
  beforeAll(() => {
    auth = authenticatorFor({ API_KEYS: `alice:${key}` });
  });

  test('no header, or an empty one, is missing', async () => {
    await expectUnauthenticated(auth, undefined, 'missing');
    await expectUnauthenticated(auth, '', 'missing');
    await expectUnauthenticated(auth, '   ', 'missing');
  });

  test('the Bearer scheme is case-insensitive', async () => {
    for (const scheme of ['Bearer', 'bearer', 'BEARER']) {
      expect(await auth.authenticate(`${scheme} ${key}`)).toEqual({ id: 'alice', expiresAt: null });
    }
  });

  test.each([
    ['another scheme', `Basic ${key}`],
    ['no token', 'Bearer'],
    ['no token after the space', 'Bearer '],
    ['two tokens', `Bearer ${key} ${key}`],
    ['no space', `Bearer${key}`],
    ['a character outside token68', 'Bearer alice-key-0123456789!'],
    ['padding inside the token', 'Bearer abc=def'],
    ['a tab instead of a space', `Bearer\t${key}`],
    ['a token over 8 KB', `Bearer ${'a'.repeat(8193)}`],
    ['a header far over 8 KB', `Bearer ${'a'.repeat(100_000)}`],
  ])('%s is invalid', async (_label, header) => {
    await expectUnauthenticated(auth, header, 'invalid');
  });

  test('when nothing is configured, every request is the anonymous caller, whatever it sends', async () => {
    const settings = loadAuthSettings({});
    expect(authenticationRequired(settings)).toBe(false);
    const open = createAuthenticator(settings);
    expect(open.required).toBe(false);
    for (const header of [undefined, '', 'Basic Zm9vOmJhcg==', 'Bearer not-a-known-key-at-all', 'garbage \u0000 header']) {
      expect(await open.authenticate(header)).toBe(anonymousCaller);
    }
    expect(anonymousCaller).toEqual({ id: 'anonymous', expiresAt: null });
  });
});

describe('API keys', () => {
  test('a plain key and a stored sha256 (either case of hex) name their callers', async () => {
    const bobKey = 'bob-secret-key-abcdef+/==';
    const carolKey = 'carol.secret_key~0123456789';
    const settings = loadAuthSettings({ API_KEYS: ` alice:alice-key-0123456789 , bob:sha256:${sha256(bobKey)},carol:sha256:${sha256(carolKey).toUpperCase()},` });
    expect(authenticationRequired(settings)).toBe(true);
    // Only digests are kept.
    expect([...settings.apiKeys.keys()].every((digest) => /^[0-9a-f]{64}$/.test(digest))).toBe(true);
    expect(settings.apiKeys.get(sha256('alice-key-0123456789'))).toBe('alice');
    const auth = createAuthenticator(settings);
    expect(auth.required).toBe(true);
    expect(await auth.authenticate('Bearer alice-key-0123456789')).toEqual({ id: 'alice', expiresAt: null });
    expect(await auth.authenticate(`Bearer ${bobKey}`)).toEqual({ id: 'bob', expiresAt: null });
    expect(await auth.authenticate(`Bearer ${carolKey}`)).toEqual({ id: 'carol', expiresAt: null });
  });

  test('an unknown key, or a stored hash sent as the key, is invalid', async () => {
    const auth = authenticatorFor({ API_KEYS: `alice:alice-key-0123456789,bob:sha256:${sha256('bob-secret-key-abcdef')}` });
    await expectUnauthenticated(auth, 'Bearer alice-key-0123456780', 'invalid');
    await expectUnauthenticated(auth, `Bearer ${sha256('bob-secret-key-abcdef')}`, 'invalid');
  });

  describe('API_KEYS_FILE', () => {
    let dir: string;
    beforeAll(async () => {
      dir = await mkdtemp(path.join(os.tmpdir(), 'longrun-auth-'));
    });
    afterAll(async () => {
      await rm(dir, { recursive: true, force: true });
    });

    test('one "caller key" per line, comments and blank lines ignored, together with API_KEYS; a caller may have several keys', async () => {
      const file = path.join(dir, 'keys');
      await writeFile(file, [
        '# rotation: dave has two keys until Friday',
        '',
        'dave   dave-old-key-0123456789',
        '\tdave\tdave-new-key-0123456789  ',
        '   # indented comment',
        `erin sha256:${sha256('erin-key-0123456789abc')}`,
        'frank@example.com frank-key-0123456789\r',
        '',
      ].join('\n'));
      const auth = authenticatorFor({ API_KEYS_FILE: file, API_KEYS: 'alice:alice-key-0123456789' });
      expect(await auth.authenticate('Bearer dave-old-key-0123456789')).toEqual({ id: 'dave', expiresAt: null });
      expect(await auth.authenticate('Bearer dave-new-key-0123456789')).toEqual({ id: 'dave', expiresAt: null });
      expect(await auth.authenticate('Bearer erin-key-0123456789abc')).toEqual({ id: 'erin', expiresAt: null });
      expect(await auth.authenticate('Bearer frank-key-0123456789')).toEqual({ id: 'frank@example.com', expiresAt: null });
      expect(await auth.authenticate('Bearer alice-key-0123456789')).toEqual({ id: 'alice', expiresAt: null });
      await expectUnauthenticated(auth, 'Bearer dave', 'invalid');
    });

    test('an unreadable file, a line that is not two fields, or a file with no keys is a ConfigError naming API_KEYS_FILE', async () => {
      expectConfigError({ API_KEYS_FILE: path.join(dir, 'does-not-exist') }, 'API_KEYS_FILE');
      expectConfigError({ API_KEYS_FILE: dir }, 'API_KEYS_FILE');
      const threeFields = path.join(dir, 'three-fields');
      await writeFile(threeFields, 'alice alice-key-0123456789 extra\n');
      expectConfigError({ API_KEYS_FILE: threeFields }, 'API_KEYS_FILE line 1');
      const onlyComments = path.join(dir, 'only-comments');
      await writeFile(onlyComments, '# nobody yet\n\n');
      expectConfigError({ API_KEYS_FILE: onlyComments }, 'API_KEYS_FILE');
      const badCaller = path.join(dir, 'bad-caller');
      await writeFile(badCaller, '# header\n-alice alice-key-0123456789\n');
      expectConfigError({ API_KEYS_FILE: badCaller }, 'API_KEYS_FILE line 2');
    });
  });

  test('bad settings are ConfigErrors naming API_KEYS, never echoing the key', () => {
    for (const callerId of ['', '-alice', '.alice', 'al ice', 'al/ice', 'a'.repeat(129), 'anonymous']) {
      expectConfigError({ API_KEYS: `${callerId}:alice-key-0123456789` }, 'API_KEYS');
    }
    expectConfigError({ API_KEYS: 'alice-key-0123456789' }, 'API_KEYS'); // no caller
    expectConfigError({ API_KEYS: ',,' }, 'API_KEYS');
    expectConfigError({ API_KEYS: 'alice:short-key' }, 'API_KEYS'); // 9 characters
    expectConfigError({ API_KEYS: 'alice:a-key-with-a-space-in it' }, 'API_KEYS');
    expectConfigError({ API_KEYS: 'alice:a-key-with:a-colon-0123' }, 'API_KEYS');
    expectConfigError({ API_KEYS: 'alice:sha256:abc' }, 'API_KEYS');
    expectConfigError({ API_KEYS: `alice:sha256:${'g'.repeat(64)}` }, 'API_KEYS');
    // One key for two callers, whether plain or hashed.
    expectConfigError({ API_KEYS: 'alice:shared-key-0123456789,bob:shared-key-0123456789' }, 'API_KEYS');
    expectConfigError({ API_KEYS: `alice:shared-key-0123456789,bob:sha256:${sha256('shared-key-0123456789')}` }, 'API_KEYS');
    // ...but the same key twice for one caller is harmless.
    expect(loadAuthSettings({ API_KEYS: 'alice:shared-key-0123456789,alice:shared-key-0123456789' }).apiKeys.size).toBe(1);
    try {
      loadAuthSettings({ API_KEYS: 'alice:short-key' });
    } catch (error) {
      expect((error as Error).message).not.toContain('short-key');
    }
  });
});

describe('JWT', () => {
  test('via a JWKS: RS256, ES256 and EdDSA tokens name their sub, expiresAt is exp', async () => {
    const auth = authenticatorFor({ JWT_JWKS_URL: jwksUrl, JWT_ISSUER: 'https://idp.example.com/', JWT_AUDIENCE: 'longrun, other' });
    expect(auth.required).toBe(true);
    const exp = inAnHour();
    const claims = { sub: 'user-42', iss: 'https://idp.example.com/', aud: 'longrun', exp };
    for (const token of [
      await sign(rsa.privateKey, 'RS256', claims, 'rsa-1'),
      await sign(rsa.privateKey, 'RS256', { ...claims, aud: ['x', 'other'] }), // no kid: the one RS256 key
      await sign(ec.privateKey, 'ES256', claims, 'ec-1'),
      await sign(ed.privateKey, 'EdDSA', claims, 'ed-1'),
    ]) {
      const caller = await auth.authenticate(`Bearer ${token}`);
      expect(caller).toEqual({ id: 'user-42', expiresAt: new Date(exp * 1000) });
    }
    // rsa-1 is published for RS256 only: the same key signing PS256 is refused.
    await expectUnauthenticated(auth, `Bearer ${await sign(rsa.privateKey, 'PS256', claims, 'rsa-1')}`, 'invalid');
  });

  test('via a JWKS: a token signed by a key not in the set, or with an unknown kid, is invalid', async () => {
    const auth = authenticatorFor({ JWT_JWKS_URL: jwksUrl });
    const claims = { sub: 'user-42', exp: inAnHour() };
    await expectUnauthenticated(auth, `Bearer ${await sign(other.privateKey, 'RS256', claims, 'rsa-1')}`, 'invalid');
    await expectUnauthenticated(auth, `Bearer ${await sign(other.privateKey, 'RS256', claims, 'rsa-9')}`, 'invalid');
    await expectUnauthenticated(auth, `Bearer ${await sign(new TextEncoder().encode('a'.repeat(32)), 'HS256', claims)}`, 'invalid');
  });

  test('via a JWKS: a token without kid is checked against every key that fits (key rotation)', async () => {
    const rotation = { keys: [await exportJWK(rsa.publicKey), await exportJWK(rsa2.publicKey)] };
    const server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(rotation));
    });
    try {
      const auth = authenticatorFor({ JWT_JWKS_URL: await listen(server) });
      const claims = { sub: 'user-7', exp: inAnHour() };
      expect((await auth.authenticate(`Bearer ${await sign(rsa2.privateKey, 'RS256', claims)}`)).id).toBe('user-7');
      expect((await auth.authenticate(`Bearer ${await sign(rsa.privateKey, 'RS256', claims)}`)).id).toBe('user-7');
      await expectUnauthenticated(auth, `Bearer ${await sign(other.privateKey, 'RS256', claims)}`, 'invalid');
    } finally {
      await close(server);
    }
  });

  test('the JWKS is fetched once and then cached', async () => {
    const auth = authenticatorFor({ JWT_JWKS_URL: jwksUrl });
    const before = jwksRequests;
    const token = await sign(rsa.privateKey, 'RS256', { sub: 'user-42', exp: inAnHour() }, 'rsa-1');
    await Promise.all([auth.authenticate(`Bearer ${token}`), auth.authenticate(`Bearer ${token}`)]);
    await auth.authenticate(`Bearer ${token}`);
    expect(jwksRequests - before).toBe(1);
  });

  test('via an RSA PEM (literal \\n in the variable) and an EC PEM', async () => {
    const exp = inAnHour();
    const rsaAuth = authenticatorFor({ JWT_PUBLIC_KEY: rsaPem.replaceAll('\n', '\\n') });
    for (const alg of ['RS256', 'RS512', 'PS384']) {
      expect(await rsaAuth.authenticate(`Bearer ${await sign(rsa.privateKey, alg, { sub: 'svc', exp })}`)).toEqual({ id: 'svc', expiresAt: new Date(exp * 1000) });
    }
    await expectUnauthenticated(rsaAuth, `Bearer ${await sign(other.privateKey, 'RS256', { sub: 'svc', exp })}`, 'invalid');

    const ecAuth = authenticatorFor({ JWT_PUBLIC_KEY: ecPem });
    expect(await ecAuth.authenticate(`Bearer ${await sign(ec.privateKey, 'ES256', { sub: 'svc', exp })}`)).toEqual({ id: 'svc', expiresAt: new Date(exp * 1000) });
    const otherEc = await generateKeyPair('ES256');
    await expectUnauthenticated(ecAuth, `Bearer ${await sign(otherEc.privateKey, 'ES256', { sub: 'svc', exp })}`, 'invalid');
  });

  test('via an HS256 secret; a token without exp has expiresAt null', async () => {
    const secret = 'a-shared-secret-of-32-characters!';
    const auth = authenticatorFor({ JWT_SECRET: secret });
    const key = new TextEncoder().encode(secret);
    expect(await auth.authenticate(`Bearer ${await sign(key, 'HS256', { sub: 'svc' })}`)).toEqual({ id: 'svc', expiresAt: null });
    await expectUnauthenticated(auth, `Bearer ${await sign(key, 'HS512', { sub: 'svc' })}`, 'invalid');
    await expectUnauthenticated(auth, `Bearer ${await sign(new TextEncoder().encode(`${secret}x`), 'HS256', { sub: 'svc' })}`, 'invalid');
  });

  test('expired is "expired", within the 5 s clock tolerance is still valid', async () => {
    const auth = authenticatorFor({ JWT_PUBLIC_KEY: rsaPem });
    await expectUnauthenticated(auth, `Bearer ${await sign(rsa.privateKey, 'RS256', { sub: 'svc', exp: now() - 60 })}`, 'expired');
    const exp = now() - 2;
    expect(await auth.authenticate(`Bearer ${await sign(rsa.privateKey, 'RS256', { sub: 'svc', exp })}`)).toEqual({ id: 'svc', expiresAt: new Date(exp * 1000) });
    // An expired token with a bad signature says nothing about its expiry.
    await expectUnauthenticated(auth, `Bearer ${await sign(other.privateKey, 'RS256', { sub: 'svc', exp: now() - 60 })}`, 'invalid');
    // Not yet valid.
    await expectUnauthenticated(auth, `Bearer ${await sign(rsa.privateKey, 'RS256', { sub: 'svc', nbf: now() + 60 })}`, 'invalid');
  });

  test('wrong or missing audience and issuer are invalid', async () => {
    const auth = authenticatorFor({ JWT_PUBLIC_KEY: rsaPem, JWT_ISSUER: 'https://idp.example.com/', JWT_AUDIENCE: 'longrun' });
    const good = { sub: 'svc', iss: 'https://idp.example.com/', aud: 'longrun', exp: inAnHour() };
    expect((await auth.authenticate(`Bearer ${await sign(rsa.privateKey, 'RS256', good)}`)).id).toBe('svc');
    const { aud: _aud, ...noAudience } = good;
    const { iss: _iss, ...noIssuer } = good;
    for (const claims of [{ ...good, aud: 'other' }, noAudience, { ...good, iss: 'https://evil.example.com/' }, noIssuer]) {
      await expectUnauthenticated(auth, `Bearer ${await sign(rsa.privateKey, 'RS256', claims)}`, 'invalid');
    }
  });

  test('sub must be a string of 1 to 255 printable characters, and not the anonymous caller', async () => {
    const auth = authenticatorFor({ JWT_PUBLIC_KEY: rsaPem });
    const exp = inAnHour();
    expect((await auth.authenticate(`Bearer ${await sign(rsa.privateKey, 'RS256', { sub: 'é'.repeat(255), exp })}`)).id).toBe('é'.repeat(255));
    for (const sub of [undefined, '', 'x'.repeat(256), 'tab\there', 'nul\u0000', 42, ['a'], 'anonymous']) {
      const claims: JWTPayload = { exp };
      if (sub !== undefined) claims.sub = sub as string;
      await expectUnauthenticated(auth, `Bearer ${await sign(rsa.privateKey, 'RS256', claims)}`, 'invalid');
    }
  });

  test('alg "none" is refused whatever the key source', async () => {
    const unsecured = new UnsecuredJWT({ sub: 'svc' }).setExpirationTime('1h').encode();
    for (const env of [{ JWT_PUBLIC_KEY: rsaPem }, { JWT_SECRET: 'a-shared-secret-of-32-characters!' }, { JWT_JWKS_URL: jwksUrl }]) {
      await expectUnauthenticated(authenticatorFor(env), `Bearer ${unsecured}`, 'invalid');
    }
  });

  test('algorithm confusion: HS256 signed with the RSA public key PEM as secret is refused', async () => {
    const auth = authenticatorFor({ JWT_PUBLIC_KEY: rsaPem });
    for (const secret of [rsaPem, rsaPem.trim(), `${rsaPem.trim()}\n`]) {
      const token = await sign(new TextEncoder().encode(secret), 'HS256', { sub: 'admin', exp: inAnHour() });
      await expectUnauthenticated(auth, `Bearer ${token}`, 'invalid');
    }
    // An EC key verifies ES256 only.
    const ecAuth = authenticatorFor({ JWT_PUBLIC_KEY: ecPem });
    await expectUnauthenticated(ecAuth, `Bearer ${await sign(new TextEncoder().encode(ecPem), 'HS256', { sub: 'admin' })}`, 'invalid');
  });

  test('a token that is not a JWT, or a tampered one, is invalid', async () => {
    const auth = authenticatorFor({ JWT_PUBLIC_KEY: rsaPem });
    const token = await sign(rsa.privateKey, 'RS256', { sub: 'svc', exp: inAnHour() });
    const [header, payload, signature] = token.split('.') as [string, string, string];
    const forged = Buffer.from(JSON.stringify({ sub: 'admin', exp: inAnHour() })).toString('base64url');
    for (const bad of ['not-a-jwt-at-all', `${header}.${payload}`, `${header}.${forged}.${signature}`, `${header}.${payload}.${signature}x`, 'e30.e30.e30', 'a.b.c']) {
      await expectUnauthenticated(auth, `Bearer ${bad}`, 'invalid');
    }
  });
});

describe('a JWKS that cannot be fetched is the server\'s problem: UnavailableError, never a 401', () => {
  const token = async () => sign(rsa.privateKey, 'RS256', { sub: 'user-42', exp: inAnHour() }, 'rsa-1');

  async function expectUnavailable(promise: Promise<unknown>): Promise<void> {
    const error = await rejection(promise);
    expect(error).toBeInstanceOf(UnavailableError);
    expect(error.message).toMatch(/keys that sign tokens could not be fetched/);
    expect(error.message).not.toMatch(/127\.0\.0\.1|http/);
  }

  test('nothing listens at the URL', async () => {
    const server = createServer();
    const url = await listen(server);
    await close(server);
    await expectUnavailable(authenticatorFor({ JWT_JWKS_URL: url }).authenticate(`Bearer ${await token()}`));
  });

  test('the server answers 500, or something that is not a key set', async () => {
    let answer: { status: number; body: string } = { status: 500, body: 'oops' };
    const server = createServer((_req, res) => {
      res.writeHead(answer.status, { 'content-type': 'application/json' });
      res.end(answer.body);
    });
    try {
      const url = await listen(server);
      await expectUnavailable(authenticatorFor({ JWT_JWKS_URL: url }).authenticate(`Bearer ${await token()}`));
      answer = { status: 200, body: 'not json' };
      await expectUnavailable(authenticatorFor({ JWT_JWKS_URL: url }).authenticate(`Bearer ${await token()}`));
      answer = { status: 200, body: '{"keys": 3}' };
      await expectUnavailable(authenticatorFor({ JWT_JWKS_URL: url }).authenticate(`Bearer ${await token()}`));
      // Back up: the same authenticator recovers.
      const auth = authenticatorFor({ JWT_JWKS_URL: url });
      answer = { status: 503, body: '' };
      await expectUnavailable(auth.authenticate(`Bearer ${await token()}`));
      answer = { status: 200, body: JSON.stringify(jwks) };
      expect((await auth.authenticate(`Bearer ${await token()}`)).id).toBe('user-42');
    } finally {
      await close(server);
    }
  });

  test('the server does not answer in time (JWKSTimeout)', async () => {
    const server = createServer(() => {
      // never answers
    });
    try {
      const verifier = createJwtVerifier({ jwksUrl: await listen(server) }, { jwksTimeoutMs: 200 });
      await expectUnavailable(verifier.verify(await token()));
    } finally {
      await close(server);
    }
  });
});

describe('API keys and JWT together', () => {
  test('a known key is an API key, a JWS-shaped token is verified as a JWT, anything else is invalid', async () => {
    const auth = authenticatorFor({ API_KEYS: 'alice:alice-key-0123456789', JWT_JWKS_URL: jwksUrl });
    expect(await auth.authenticate('Bearer alice-key-0123456789')).toEqual({ id: 'alice', expiresAt: null });
    const exp = inAnHour();
    expect(await auth.authenticate(`Bearer ${await sign(rsa.privateKey, 'RS256', { sub: 'user-42', exp }, 'rsa-1')}`)).toEqual({ id: 'user-42', expiresAt: new Date(exp * 1000) });
    await expectUnauthenticated(auth, 'Bearer unknown-key-0123456789', 'invalid');
    await expectUnauthenticated(auth, `Bearer ${await sign(rsa.privateKey, 'RS256', { sub: 'user-42', exp: now() - 60 }, 'rsa-1')}`, 'expired');
  });

  test('a token whose sub names an API key\'s caller is invalid: a token cannot take over a key\'s work', async () => {
    const auth = authenticatorFor({ API_KEYS: 'alice:alice-key-0123456789', JWT_JWKS_URL: jwksUrl });
    await expectUnauthenticated(auth, `Bearer ${await sign(rsa.privateKey, 'RS256', { sub: 'alice', exp: inAnHour() }, 'rsa-1')}`, 'invalid');
    // Without API keys the same token names alice.
    const jwtOnly = authenticatorFor({ JWT_JWKS_URL: jwksUrl });
    expect((await jwtOnly.authenticate(`Bearer ${await sign(rsa.privateKey, 'RS256', { sub: 'alice', exp: inAnHour() }, 'rsa-1')}`)).id).toBe('alice');
  });

  test('an API key shaped like a JWS is still found as a key', async () => {
    const auth = authenticatorFor({ API_KEYS: 'alice:aaaaaaaa.bbbbbbbb.cccccccc', JWT_SECRET: 'a-shared-secret-of-32-characters!' });
    expect((await auth.authenticate('Bearer aaaaaaaa.bbbbbbbb.cccccccc')).id).toBe('alice');
  });
});

describe('JWT settings', () => {
  test('loaded as given', () => {
    expect(loadAuthSettings({ JWT_JWKS_URL: 'https://idp.example.com/.well-known/jwks.json', JWT_ISSUER: 'https://idp.example.com/', JWT_AUDIENCE: 'a, b,,' }).jwt).toEqual({
      jwksUrl: 'https://idp.example.com/.well-known/jwks.json', issuer: 'https://idp.example.com/', audience: ['a', 'b'],
    });
    const settings: AuthSettings = loadAuthSettings({ JWT_PUBLIC_KEY: rsaPem.replaceAll('\n', '\\n') });
    expect(settings.jwt?.publicKeyPem).toBe(rsaPem.trim());
    expect(settings.apiKeys.size).toBe(0);
    expect(authenticationRequired(settings)).toBe(true);
  });

  test('bad settings are ConfigErrors naming the variable', () => {
    const secret = 'a-shared-secret-of-32-characters!';
    expectConfigError({ JWT_JWKS_URL: jwksUrl, JWT_SECRET: secret }, 'JWT_JWKS_URL and JWT_SECRET');
    expectConfigError({ JWT_PUBLIC_KEY: rsaPem, JWT_SECRET: secret }, 'JWT_PUBLIC_KEY and JWT_SECRET');
    expectConfigError({ JWT_JWKS_URL: jwksUrl, JWT_PUBLIC_KEY: rsaPem, JWT_SECRET: secret }, 'JWT_JWKS_URL and JWT_PUBLIC_KEY and JWT_SECRET');
    for (const url of ['not a url', 'ftp://idp.example.com/jwks.json', 'file:///etc/jwks.json', '/jwks.json']) {
      expectConfigError({ JWT_JWKS_URL: url }, 'JWT_JWKS_URL');
    }
    // fetch would refuse it anyway, with the password in the error it logs.
    for (const url of ['https://user:hunter2@idp.example.com/jwks.json', 'https://user@idp.example.com/jwks.json']) {
      expect(() => loadAuthSettings({ JWT_JWKS_URL: url })).toThrow(/^JWT_JWKS_URL must not carry credentials[^]*$/);
      expect(() => loadAuthSettings({ JWT_JWKS_URL: url })).not.toThrow(/hunter2/);
    }
    expectConfigError({ JWT_SECRET: 'x'.repeat(31) }, 'JWT_SECRET');
    expectConfigError({ JWT_PUBLIC_KEY: 'not a pem' }, 'JWT_PUBLIC_KEY');
    expectConfigError({ JWT_PUBLIC_KEY: '-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----' }, 'JWT_PUBLIC_KEY');
    const weak = generateKeyPairSync('rsa', { modulusLength: 1024 });
    expectConfigError({ JWT_PUBLIC_KEY: weak.publicKey.export({ type: 'spki', format: 'pem' }) as string }, 'JWT_PUBLIC_KEY');
    expectConfigError({ JWT_PUBLIC_KEY: weak.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string }, 'JWT_PUBLIC_KEY');
    const x25519 = generateKeyPairSync('x25519');
    expectConfigError({ JWT_PUBLIC_KEY: x25519.publicKey.export({ type: 'spki', format: 'pem' }) as string }, 'JWT_PUBLIC_KEY');
    const k1 = generateKeyPairSync('ec', { namedCurve: 'secp256k1' });
    expectConfigError({ JWT_PUBLIC_KEY: k1.publicKey.export({ type: 'spki', format: 'pem' }) as string }, 'JWT_PUBLIC_KEY');
    expectConfigError({ JWT_AUDIENCE: ' , ', JWT_SECRET: secret }, 'JWT_AUDIENCE');
    // Issuer or audience without a key would leave the server open while the operator thinks it is not.
    expectConfigError({ JWT_ISSUER: 'https://idp.example.com/' }, 'JWT_ISSUER');
    expectConfigError({ JWT_AUDIENCE: 'longrun' }, 'JWT_AUDIENCE');
  });
});
