// What must never reach a log line: credentials (Authorization headers, API keys, JWTs, a
// graphql-ws connection_init payload), media links' signatures, configured secrets and the
// database password. Requests are logged through an allow-list (method, url without its
// signature, address) so no header is ever written; the redact paths below catch the same
// secrets should a call site pass a headers object, a payload or the config by mistake.

/** Query parameters whose values are credentials: a signed media link's, or a token sent in a URL. */
const secretQueryNames = new Set(['signature', 'sig', 'token', 'access_token', 'id_token', 'refresh_token', 'api_key', 'apikey', 'api-key', 'key', 'jwt', 'password', 'secret']);

/** A parameter name as a server reads it: percent-decoding and letter case do not hide it. */
function isSecretName(raw: string): boolean {
  let name = raw;
  try {
    name = decodeURIComponent(raw.replace(/\+/g, ' '));
  } catch {
    // Not valid percent-encoding: compared as sent.
  }
  return secretQueryNames.has(name.trim().toLowerCase());
}

/** The URL as logged: every secret query value replaced. */
export function redactUrl(url: string): string {
  return url.replace(/([?&;])([^=&#;]*)=([^&#;]*)/g, (pair, separator: string, name: string) => (isSecretName(name) ? `${separator}${name}=[redacted]` : pair));
}

const secretKeys = [
  'authorization', 'Authorization', 'cookie', 'apiKey', 'apiKeys', 'token', 'password', 'secret',
  'jwtSecret', 'urlSecret', 'connectionParams', 'payload', 'databaseUrl',
];

/**
 * pino `redact` paths: each secret key at the top of a line, and named places below it where a
 * call site could put one (a request's or a config's). No wildcards: fast-redact walks every
 * object of every line for `*.key` paths, which cost 10-30 µs a line (4x the line itself;
 * benchmark figure 13), while named paths are compiled to direct property checks.
 */
export const redactedPaths: string[] = [
  ...secretKeys,
  ...['headers', 'req.headers', 'request.headers'].flatMap((at) => [`${at}.authorization`, `${at}.cookie`, `${at}["x-api-key"]`]),
  ...['config', 'settings', 'options'].flatMap((at) => secretKeys.map((key) => `${at}.${key}`)),
  'config.auth', 'config.media.urlSecret', 'config.metricsToken',
];

interface RequestLike {
  method?: unknown;
  url?: unknown;
  originalUrl?: unknown;
  remoteAddress?: unknown;
  socket?: { remoteAddress?: unknown };
}

/** The `req` serializer: an allow-list, so headers (Authorization, cookies) are never logged. */
export function loggedRequest(req: RequestLike): Record<string, unknown> {
  const url = typeof req.originalUrl === 'string' ? req.originalUrl : typeof req.url === 'string' ? req.url : undefined;
  const remoteAddress = req.remoteAddress ?? req.socket?.remoteAddress;
  return {
    method: req.method,
    ...(url === undefined ? {} : { url: redactUrl(url) }),
    ...(typeof remoteAddress === 'string' ? { remoteAddress } : {}),
  };
}

/** The `res` serializer: the status only (response headers are not worth a line each). */
export function loggedResponse(res: { statusCode?: unknown }): Record<string, unknown> {
  return { statusCode: res.statusCode };
}
