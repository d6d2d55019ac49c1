// Callers against a running server: what a request let through on a media signature may reach,
// how graphql-ws refuses and counts sockets, and idempotent creations at a quota.
import { loadAuthSettings } from '../src/auth/authSettings.js';
import type { QuotaSettings } from '../src/callers/quotas.js';
import { request } from './support/http.js';
import { startTestApp, type TestApp } from './support/testApp.js';

const aliceKey = 'alice-key-0123456789abcdef';
const quotas = (overrides: Partial<QuotaSettings> = {}): QuotaSettings => ({
  creationsPerMinute: 600, creationBurst: 600, activeTasks: 100, mediaBytes: 0, sockets: 20, ...overrides,
});

describe('a request let through on a media signature', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ config: { auth: loadAuthSettings({ API_KEYS: `alice:${aliceKey}` }), quotas: quotas() } });
  });
  afterAll(async () => {
    await t?.cleanup();
  });

  // /videos/tasks/content has the shape of a media path, but GET /videos/tasks/:id answers it.
  test.each([
    ['GET', '/videos/tasks/content?signature=x'],
    ['HEAD', '/videos/tasks/poster?expires=1'],
    ['GET', '/videos/TASKS/content?expires=1&signature=x'],
  ])('reaches no other route: %s %s is 401 as without the query', async (method, path) => {
    const res = await request(t.url, path, { method });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer realm="longrun"');
    const plain = await request(t.url, path.split('?')[0]!, { method });
    expect(plain.status).toBe(401);
  });
});
