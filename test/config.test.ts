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
