// Preloaded into a server process (NODE_OPTIONS=--import <this file>): prints one stderr line
// "module-load-probe <url>" for every OpenTelemetry module the process loads, by import or
// require, so a test can tell which parts of OpenTelemetry a process loaded.
import { registerHooks } from 'node:module';

const seen = new Set();
registerHooks({
  resolve(specifier, context, nextResolve) {
    const resolved = nextResolve(specifier, context);
    const match = /\/node_modules\/(@opentelemetry\/[^/]+)\//.exec(resolved.url);
    if (match && !seen.has(match[1])) {
      seen.add(match[1]);
      process.stderr.write(`module-load-probe ${match[1]}\n`);
    }
    return resolved;
  },
});
