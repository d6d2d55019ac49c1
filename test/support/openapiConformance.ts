// Registered by jest.config.js (setupFilesAfterEnv): every response a test file gets from a
// loopback server through fetch (and rawHttp.ts send) is checked against the OpenAPI document,
// and the file fails in afterAll with the list of departures. The check never delays a test:
// fetch returns the response at once, a JSON body is read from a clone in the background, and
// afterAll waits for those reads at most a few seconds (a body never finished counts as unread).
import { formatViolations, OpenApiValidator, type Violation } from './openapiValidator.js';
import { onRawResponse } from './responseObservers.js';

const loopbackHosts = new Set(['127.0.0.1', 'localhost', '[::1]']);
/** Not REST: GraphQL (its own schema), the built pages and their assets. */
const otherInterfaces = [/^\/graphql(\/|$)/, /^\/web\//, /^\/docs(\/|$)/];
/** A JSON body larger than this is not read for the check (none of REST's comes near it). */
const maxCheckedBodyBytes = 4 * 1024 * 1024;
const bodyReadTimeoutMs = 10_000;

const validator = new OpenApiValidator();
const violations: Violation[] = [];
const pendingReads = new Set<Promise<void>>();

function isCheckedUrl(raw: string): URL | null {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return null;
  }
  if (url.protocol !== 'http:' || !loopbackHosts.has(url.hostname)) return null;
  return otherInterfaces.some((pattern) => pattern.test(url.pathname)) ? null : url;
}

function record(found: Violation[]): void {
  violations.push(...found);
}

function methodOf(input: Parameters<typeof fetch>[0], init: Parameters<typeof fetch>[1]): string {
  if (init?.method) return init.method.toUpperCase();
  if (typeof input === 'object' && 'method' in input) return input.method.toUpperCase();
  return 'GET';
}

/** Reads a clone's text, giving up (null) when the body fails (aborted) or takes too long (a stream). */
async function cloneText(response: Response): Promise<string | null> {
  const length = Number(response.headers.get('content-length') ?? '0');
  if (length > maxCheckedBodyBytes) return null;
  let timer: NodeJS.Timeout | undefined;
  const clone = response.clone();
  const timeout = new Promise<null>((resolve) => {
    timer = setTimeout(() => {
      clone.body?.cancel().catch(() => undefined);
      resolve(null);
    }, bodyReadTimeoutMs);
    timer.unref();
  });
  try {
    return await Promise.race([clone.text(), timeout]);
  } catch {
    return null;
  } finally {
    clearTimeout(timer);
  }
}

function observe(method: string, response: Response): void {
  const url = isCheckedUrl(response.url);
  if (!url) return;
  // fetch followed a 303 (redirect: 'follow'): the final response answers a GET.
  const finalMethod = response.redirected ? 'GET' : method;
  const header = (name: string) => response.headers.get(name);
  if (!validator.wantsBody(finalMethod, url.pathname, header('content-type')) || response.bodyUsed) {
    record(validator.check({ method: finalMethod, url: response.url, status: response.status, header, body: null }));
    return;
  }
  const read = cloneText(response).then((body) => {
    record(validator.check({ method: finalMethod, url: response.url, status: response.status, header, body }));
  });
  pendingReads.add(read);
  void read.finally(() => pendingReads.delete(read));
}

const originalFetch = globalThis.fetch;
globalThis.fetch = async (input, init) => {
  const response = await originalFetch(input, init);
  try {
    observe(methodOf(input, init), response);
  } catch (error) {
    // A bug in the check must not pass for a server fault: report it as one violation.
    record([{ method: methodOf(input, init), path: response.url, status: response.status, problem: `the conformance check failed: ${String(error)}` }]);
  }
  return response;
};

onRawResponse((raw) => {
  if (!isCheckedUrl(raw.url)) return;
  const header = (name: string) => {
    const value = raw.headers[name.toLowerCase()];
    if (value === undefined) return null;
    return Array.isArray(value) ? value.join(', ') : value;
  };
  record(validator.check({ method: raw.method, url: raw.url, status: raw.status, header, body: raw.text }));
});

afterAll(async () => {
  globalThis.fetch = originalFetch;
  onRawResponse(null);
  await Promise.allSettled([...pendingReads]);
  if (violations.length === 0) return;
  const unique = [...new Map(violations.map((v) => [`${v.method} ${v.path} ${v.status} ${v.problem}`, v])).values()];
  throw new Error(`Responses that depart from the OpenAPI document (src/openapi):\n${formatViolations(unique)}`);
});
