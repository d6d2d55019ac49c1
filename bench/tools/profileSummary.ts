// Diagnostic: summarises a V8 .cpuprofile (from --cpu-prof, e.g. BENCH_PROFILE_DIR=dir) by
// self time per package/file and per function.
//   node --import tsx bench/tools/profileSummary.ts file.cpuprofile [top]
import { readFileSync } from 'node:fs';

interface Node { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }
interface Profile { nodes: Node[]; samples: number[]; timeDeltas: number[]; startTime: number; endTime: number }

const file = process.argv[2];
if (!file) throw new Error('usage: profileSummary.ts file.cpuprofile [top]');
const top = Number(process.argv[3] ?? 25);
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const self = new Map<number, number>();
profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
const total = [...self.values()].reduce((a, b) => a + b, 0);

function bucket(url: string, name: string): string {
  if (!url) return name.startsWith('(') ? name : '(native)';
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + 'node_modules/'.length).split('/');
    return rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]!;
  }
  if (url.startsWith('node:')) return url;
  const src = url.indexOf('/src/');
  return src >= 0 ? url.slice(src + 1) : url;
}

const byBucket = new Map<string, number>();
const byFn = new Map<string, number>();
for (const [id, us] of self) {
  const node = byId.get(id)!;
  const { url, functionName, lineNumber } = node.callFrame;
  const b = bucket(url, functionName);
  byBucket.set(b, (byBucket.get(b) ?? 0) + us);
  const fn = `${functionName || '(anonymous)'} ${b}:${lineNumber + 1}`;
  byFn.set(fn, (byFn.get(fn) ?? 0) + us);
}
// Inclusive time: a sample counts once for every package/file on its stack.
const parent = new Map<number, number>();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const inclusive = new Map<string, number>();
const inclusiveFn = new Map<string, number>();
for (const [id, us] of self) {
  const seen = new Set<string>();
  const seenFn = new Set<string>();
  for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
    const { url, functionName, lineNumber } = byId.get(cur)!.callFrame;
    if (functionName === '(root)') break;
    const b = bucket(url, functionName);
    seen.add(b);
    if (b.startsWith('src/')) seenFn.add(`${functionName || '(anonymous)'} ${b}:${lineNumber + 1}`);
  }
  for (const b of seen) inclusive.set(b, (inclusive.get(b) ?? 0) + us);
  for (const f of seenFn) inclusiveFn.set(f, (inclusiveFn.get(f) ?? 0) + us);
}
const pct = (us: number) => `${((us / total) * 100).toFixed(1).padStart(5)}%`;
process.stdout.write(`total sampled ${(total / 1e6).toFixed(2)} s\n\nself time by package/file:\n`);
for (const [b, us] of [...byBucket].sort((a, b) => b[1] - a[1]).slice(0, top)) process.stdout.write(`${pct(us)}  ${b}\n`);
process.stdout.write(`\nself time by function:\n`);
for (const [f, us] of [...byFn].sort((a, b) => b[1] - a[1]).slice(0, top)) process.stdout.write(`${pct(us)}  ${f}\n`);
process.stdout.write(`\ninclusive time by package/file (a sample counts for every one on its stack):\n`);
for (const [b, us] of [...inclusive].sort((a, b) => b[1] - a[1]).slice(0, top)) process.stdout.write(`${pct(us)}  ${b}\n`);
process.stdout.write(`\ninclusive time by function of src/:\n`);
for (const [f, us] of [...inclusiveFn].sort((a, b) => b[1] - a[1]).slice(0, top)) process.stdout.write(`${pct(us)}  ${f}\n`);
