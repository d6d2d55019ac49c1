// Runs autocannon in its own process (so the load generator does not share the event loop of
// the server under test) and prints a compact JSON summary on stdout.
// Input: one JSON argument, see LoadSpec in loadgen.ts.
import autocannon from 'autocannon';
import type { LoadResult, LoadSpec } from './loadgen.js';

const spec = JSON.parse(process.argv[2] ?? '{}') as LoadSpec;
let next = 0;
const paths = spec.paths && spec.paths.length > 0 ? spec.paths : null;

const instance = autocannon({
  url: spec.url,
  connections: spec.connections,
  duration: spec.durationSeconds,
  timeout: 10,
  requests: [
    {
      method: spec.method ?? 'GET',
      ...(spec.headers ? { headers: spec.headers } : {}),
      ...(spec.body !== undefined ? { body: spec.body } : {}),
      ...(paths
        ? {
            setupRequest: (request) => {
              request.path = paths[next++ % paths.length] as string;
              return request;
            },
          }
        : {}),
    },
  ],
}, (error, result) => {
  if (error) {
    process.stderr.write(`autocannon failed: ${String(error)}\n`);
    process.exit(1);
  }
  const ok = result['2xx'] + result['3xx'];
  const summary: LoadResult = {
    ok,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    durationSeconds: result.duration,
    requestsPerSecond: ok / result.duration,
    latencyP50: result.latency.p50,
    latencyP99: result.latency.p99,
    statusCodes: { '2xx': result['2xx'], '3xx': result['3xx'], '4xx': result['4xx'], '5xx': result['5xx'] },
  };
  process.stdout.write(JSON.stringify(summary));
});
process.once('SIGTERM', () => instance.stop());
