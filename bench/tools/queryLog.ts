// Diagnostic: prints every SQL statement the app sends to the database for one task created
// through GraphQL (or REST with `rest`) and completed by a trivial processor, and for one
// `GET /videos/tasks/{id}` and one GraphQL `task(id)` read. Embedded database (PGlite), whose
// instance is tapped without touching src/.
//   node --import tsx bench/tools/queryLog.ts [rest]
import { startBenchApp, trivialProcessor } from '../lib/benchApp.js';
import { sleep } from '../lib/stats.js';

const bench = await startBenchApp({ db: 'pglite', processors: { CREATE_VIDEO: trivialProcessor } });
const pglite = bench.app.services.database.pglite;
if (!pglite) throw new Error('expected PGlite');
const log: string[] = [];
const origQuery = pglite.query.bind(pglite);
const origTx = pglite.transaction.bind(pglite);
const origExec = pglite.exec.bind(pglite);
type AnyFn = (...args: unknown[]) => unknown;
(pglite as unknown as { query: AnyFn }).query = (sql: unknown, ...rest: unknown[]) => {
  log.push(`query: ${String(sql).replace(/\s+/g, ' ').slice(0, 300)}`);
  return (origQuery as unknown as AnyFn)(sql, ...rest);
};
(pglite as unknown as { exec: AnyFn }).exec = (sql: unknown, ...rest: unknown[]) => {
  log.push(`exec: ${String(sql).slice(0, 200)}`);
  return (origExec as unknown as AnyFn)(sql, ...rest);
};
(pglite as unknown as { transaction: AnyFn }).transaction = (fn: unknown) => {
  log.push('transaction: BEGIN (PGlite holds its lock until the callback settles)');
  return (origTx as unknown as (f: unknown) => Promise<unknown>)(async (tx: Record<string, AnyFn>) => {
    const txq = tx.query!.bind(tx);
    tx.query = (sql: unknown, ...rest: unknown[]) => {
      log.push(`  tx query: ${String(sql).replace(/\s+/g, ' ').slice(0, 300)}`);
      return txq(sql, ...rest);
    };
    try {
      return await (fn as (t: unknown) => Promise<unknown>)(tx);
    } finally {
      log.push('transaction: END');
    }
  });
};

const rest = process.argv[2] === 'rest';
const section = (title: string) => log.push(`--- ${title}`);
section(rest ? 'POST /videos/tasks + runner' : 'GraphQL createVideoTask + runner');
const res = rest
  ? await fetch(`${bench.url}/videos/tasks`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ title: 't', plot: 'p' }) })
  : await fetch(`${bench.url}/graphql`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: 'mutation { createVideoTask(input: {title: "t", plot: "p"}) { id } }' }),
    });
const body = (await res.json()) as { id?: string; data?: { createVideoTask: { id: string } } };
const id = body.id ?? body.data?.createVideoTask.id;
await sleep(300);
section('GET /videos/tasks/{id}');
await (await fetch(`${bench.url}/videos/tasks/${id}`, { redirect: 'manual' })).text();
section('GraphQL task(id)');
await (await fetch(`${bench.url}/graphql`, {
  method: 'POST', headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ query: `{ task(id: "${id}") { id status progress video { id } } }` }),
})).text();
await bench.stop();
process.stdout.write(log.join('\n') + '\n');
