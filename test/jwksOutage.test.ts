// A JWKS that does not answer is the server's trouble, not the caller's: 503 with Retry-After on
// REST and GraphQL over HTTP, and a WebSocket closed with 1013 Try Again Later; never 401 or 500.
import { createServer } from 'node:net';
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { generateKeyPair, SignJWT } from 'jose';
import WebSocket from 'ws';
import { loadAuthSettings } from '../src/auth/authSettings.js';
import { unlimitedQuotas } from '../src/callers/quotas.js';
import { startTestApp, type TestApp } from './support/testApp.js';

/** A port nothing listens on: bound, then closed. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

let t: TestApp;
let token: string;
beforeAll(async () => {
  const { privateKey } = await generateKeyPair('RS256');
  token = await new SignJWT({}).setProtectedHeader({ alg: 'RS256', kid: 'k1' }).setSubject('carol').setExpirationTime('10m').sign(privateKey);
  t = await startTestApp({ config: { auth: loadAuthSettings({ JWT_JWKS_URL: `http://127.0.0.1:${await closedPort()}/jwks.json` }), quotas: unlimitedQuotas } });
});
afterAll(() => t?.cleanup());

test('REST and GraphQL over HTTP answer 503 UNAVAILABLE with Retry-After', async () => {
  const rest = await fetch(`${t.url}/videos/tasks`, { headers: { authorization: `Bearer ${token}` } });
  expect(rest.status).toBe(503);
  expect(rest.headers.get('retry-after')).toMatch(/^\d+$/);
  expect(await rest.json()).toMatchObject({ code: 'UNAVAILABLE' });
  const graphql = await fetch(`${t.url}/graphql`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ query: '{ tasks { nodes { id } } }' }),
  });
  expect(graphql.status).toBe(503);
  expect(graphql.headers.get('retry-after')).toMatch(/^\d+$/);
  const body = (await graphql.json()) as { errors: { extensions: { code: string } }[] };
  expect(body.errors[0]?.extensions.code).toBe('UNAVAILABLE');
});

test('a WebSocket is closed with 1013 Try Again Later', async () => {
  const socket = new WebSocket(`${t.url.replace('http', 'ws')}/graphql`, 'graphql-transport-ws');
  const closed = new Promise<number>((resolve) => socket.on('close', (code) => resolve(code)));
  socket.on('open', () => socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } })));
  expect(await closed).toBe(1013);
});
