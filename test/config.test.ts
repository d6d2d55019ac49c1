// The settings the hardening added, read from the environment as an operator writes them.
import { ConfigError, loadConfig } from '../src/config.js';

test('defaults: loopback names only, no foreign origin, the documented limits', () => {
  const config = loadConfig({});
  expect(config.http).toEqual({ allowedHosts: ['localhost', '127.0.0.1', '[::1]', '::1'], corsOrigins: [] });
  expect(config.maxRequestBytes).toBe(1024 * 1024);
  expect(config.graphql).toEqual({ maxDepth: 8, maxAliases: 15, maxTokens: 2000, maxCost: 5000, maxDirectives: 20, introspection: true });
  expect(config.webSocket).toEqual({ maxConnections: 1000, maxOperationsPerConnection: 100 });
  expect(config.database).toEqual({ statementTimeoutMs: 10_000, poolTimeoutMs: 5000, poolSize: 10 });
  expect(config.retry.resourceWaitMs).toBe(3600 * 1000);
  expect(config.development).toBe(false);
});

test('a server on every interface answers any host name unless ALLOWED_HOSTS says otherwise', () => {
  expect(loadConfig({ HOST: '0.0.0.0' }).http.allowedHosts).toBeNull();
  expect(loadConfig({ HOST: '0.0.0.0', ALLOWED_HOSTS: 'API.example.com, localhost' }).http.allowedHosts).toEqual(['api.example.com', 'localhost']);
  expect(loadConfig({ ALLOWED_HOSTS: '*' }).http.allowedHosts).toBeNull();
});

test('CORS_ORIGINS takes exact origins and refuses anything else, naming the variable', () => {
  expect(loadConfig({ CORS_ORIGINS: 'https://app.example.com,http://localhost:8080' }).http.corsOrigins).toEqual(['https://app.example.com', 'http://localhost:8080']);
  for (const bad of ['https://app.example.com/', 'app.example.com', '*', 'ftp://files.example.com', 'https://app.example.com/path']) {
    expect(() => loadConfig({ CORS_ORIGINS: bad })).toThrow(ConfigError);
    expect(() => loadConfig({ CORS_ORIGINS: bad })).toThrow(/CORS_ORIGINS/);
  }
});

test('NODE_ENV: production turns introspection off by default, development shows stack traces', () => {
  expect(loadConfig({ NODE_ENV: 'production' }).graphql.introspection).toBe(false);
  expect(loadConfig({ NODE_ENV: 'production', GRAPHQL_INTROSPECTION: 'true' }).graphql.introspection).toBe(true);
  expect(loadConfig({ GRAPHQL_INTROSPECTION: 'false' }).graphql.introspection).toBe(false);
  expect(loadConfig({ NODE_ENV: 'development' }).development).toBe(true);
  expect(loadConfig({ NODE_ENV: 'test' }).development).toBe(false);
  expect(() => loadConfig({ GRAPHQL_INTROSPECTION: 'maybe' })).toThrow(/GRAPHQL_INTROSPECTION must be true or false/);
});

test('limits are read from their variables and checked against their ranges', () => {
  const config = loadConfig({
    MAX_REQUEST_BYTES: '65536', GRAPHQL_MAX_DEPTH: '5', GRAPHQL_MAX_ALIASES: '3', GRAPHQL_MAX_TOKENS: '500', GRAPHQL_MAX_COST: '900',
    GRAPHQL_MAX_DIRECTIVES: '2', WS_MAX_CONNECTIONS: '10', WS_MAX_OPERATIONS_PER_CONNECTION: '4', DB_STATEMENT_TIMEOUT_MS: '2000',
    DB_POOL_TIMEOUT_MS: '300', DB_POOL_SIZE: '3', RETRY_FULL_DISK_SECONDS: '0',
  });
  expect(config.maxRequestBytes).toBe(65536);
  expect(config.graphql).toMatchObject({ maxDepth: 5, maxAliases: 3, maxTokens: 500, maxCost: 900, maxDirectives: 2 });
  expect(config.webSocket).toEqual({ maxConnections: 10, maxOperationsPerConnection: 4 });
  expect(config.database).toEqual({ statementTimeoutMs: 2000, poolTimeoutMs: 300, poolSize: 3 });
  expect(config.retry.resourceWaitMs).toBe(0);
  expect(() => loadConfig({ MAX_REQUEST_BYTES: '100' })).toThrow(/MAX_REQUEST_BYTES must be an integer from 1024/);
  expect(() => loadConfig({ WS_MAX_CONNECTIONS: '0' })).toThrow(/WS_MAX_CONNECTIONS/);
  expect(() => loadConfig({ RENDER_WIDTH: '4000' })).toThrow(/RENDER_WIDTH must be an integer from 16 to 3840/);
  expect(() => loadConfig({ RENDER_FPS: '61' })).toThrow(/RENDER_FPS/);
});

test('roles: api and worker need PostgreSQL; a worker listens on 4001 by default; media follow DATA_DIR unless MEDIA_DIR says', () => {
  expect(loadConfig({}).role).toBe('all');
  for (const role of ['api', 'worker']) {
    expect(() => loadConfig({ ROLE: role })).toThrow(/ROLE=.*needs DATABASE_URL/);
  }
  expect(() => loadConfig({ ROLE: 'scheduler', DATABASE_URL: 'postgresql://db/x' })).toThrow(/ROLE must be one of all, api, worker/);
  const worker = loadConfig({ ROLE: 'worker', DATABASE_URL: 'postgresql://db/x', DATA_DIR: '/srv/w' });
  expect(worker.port).toBe(4001);
  expect(worker.mediaDir).toBe('/srv/w/media');
  expect(loadConfig({ ROLE: 'api', DATABASE_URL: 'postgresql://db/x' }).port).toBe(4000);
  expect(loadConfig({ DATA_DIR: '/srv/a', MEDIA_DIR: '/mnt/shared/media' }).mediaDir).toBe('/mnt/shared/media');
  expect(loadConfig({}).jobs).toEqual({ heartbeatSeconds: 10, pollIntervalSeconds: 1 });
  expect(() => loadConfig({ JOB_HEARTBEAT_SECONDS: '5' })).toThrow(/JOB_HEARTBEAT_SECONDS must be an integer from 10/);
});

test('METRICS_TOKEN: a token a Bearer header can carry, of 16 characters at least; the error never echoes it', () => {
  expect(loadConfig({ METRICS_TOKEN: 's3cret-scrape-token' }).metricsToken).toBe('s3cret-scrape-token');
  expect(loadConfig({ METRICS_TOKEN: '' }).metricsToken).toBeUndefined();
  // A trailing newline (a secret file's), a space, or too short: no scrape could ever match it.
  for (const bad of ['s3cret-scrape-token\n', 's3cret scrape-token', 'short']) {
    expect(() => loadConfig({ METRICS_TOKEN: bad })).toThrow(/^METRICS_TOKEN must be/);
    expect(() => loadConfig({ METRICS_TOKEN: bad })).not.toThrow(/s3cret/);
  }
});
