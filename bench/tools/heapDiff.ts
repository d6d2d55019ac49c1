// Diagnostic for figure 6: what the objects added between two V8 heap snapshots are, by
// constructor (or type), with counts and self sizes, optionally per `per` units (subscribers).
//   node --import tsx bench/tools/heapDiff.ts before.heapsnapshot after.heapsnapshot [per] [top]
import { readFileSync } from 'node:fs';

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[]] } };
  nodes: number[];
  strings: string[];
}

function summarise(file: string): Map<string, { count: number; size: number }> {
  const snap = JSON.parse(readFileSync(file, 'utf8')) as Snapshot;
  const fields = snap.snapshot.meta.node_fields;
  const types = snap.snapshot.meta.node_types[0];
  const width = fields.length;
  const typeAt = fields.indexOf('type');
  const nameAt = fields.indexOf('name');
  const sizeAt = fields.indexOf('self_size');
  const out = new Map<string, { count: number; size: number }>();
  for (let i = 0; i < snap.nodes.length; i += width) {
    const type = types[snap.nodes[i + typeAt]!]!;
    let name = snap.strings[snap.nodes[i + nameAt]!] ?? '?';
    if (type === 'string' || type === 'concatenated string' || type === 'sliced string') name = '(string)';
    else if (type === 'code') name = '(code)';
    else if (type === 'array') name = `(array ${name})`;
    else if (type === 'hidden' || type === 'native') name = `(${type} ${name.slice(0, 40)})`;
    else if (type === 'closure') name = `(closure ${name.slice(0, 40)})`;
    else if (type !== 'object') name = `(${type})`;
    const entry = out.get(name) ?? { count: 0, size: 0 };
    entry.count++;
    entry.size += snap.nodes[i + sizeAt]!;
    out.set(name, entry);
  }
  return out;
}

const [beforeFile, afterFile] = process.argv.slice(2);
if (!beforeFile || !afterFile) throw new Error('usage: heapDiff.ts before.heapsnapshot after.heapsnapshot [per] [top]');
const per = Number(process.argv[4] ?? 1);
const top = Number(process.argv[5] ?? 30);
const before = summarise(beforeFile);
const after = summarise(afterFile);
const rows = [...after].map(([name, a]) => {
  const b = before.get(name) ?? { count: 0, size: 0 };
  return { name, count: (a.count - b.count) / per, size: (a.size - b.size) / per };
}).sort((x, y) => y.size - x.size);
const total = rows.reduce((s, r) => s + r.size, 0);
process.stdout.write(`self size added: ${(total / 1024).toFixed(2)} KiB per unit (units: ${per})\n`);
for (const r of rows.slice(0, top)) {
  process.stdout.write(`${(r.size / 1024).toFixed(2).padStart(8)} KiB ${r.count.toFixed(1).padStart(7)} objects  ${r.name}\n`);
}
