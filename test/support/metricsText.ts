// A small reader of Prometheus's text exposition format (what prom-client writes), for tests that
// scrape /metrics, act, scrape again and compare.

export type Labels = Record<string, string>;

export interface Sample {
  name: string;
  labels: Labels;
  value: number;
}

function parseLabels(text: string): Labels {
  const labels: Labels = {};
  const pattern = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;
  for (const match of text.matchAll(pattern)) {
    labels[match[1]!] = match[2]!.replace(/\\(.)/g, (_all, char: string) => (char === 'n' ? '\n' : char));
  }
  return labels;
}

export function parseExposition(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (!match) throw new Error(`not an exposition line: ${line}`);
    samples.push({ name: match[1]!, labels: parseLabels(match[2] ?? ''), value: Number(match[3]) });
  }
  return samples;
}

export class Scrape {
  constructor(readonly samples: Sample[]) {}

  /** The sample with this name whose labels include `labels`; 0 when there is none (a counter not yet counted). */
  value(name: string, labels: Labels = {}): number {
    return this.find(name, labels)?.value ?? 0;
  }

  find(name: string, labels: Labels = {}): Sample | undefined {
    return this.samples.find((sample) => sample.name === name && Object.entries(labels).every(([key, value]) => sample.labels[key] === value));
  }

  has(name: string, labels: Labels = {}): boolean {
    return this.find(name, labels) !== undefined;
  }
}

/** GET /metrics; fails the test unless it answers 200 with the exposition format. */
export async function scrape(baseUrl: string, token?: string): Promise<Scrape> {
  const res = await fetch(`${baseUrl}/metrics`, token ? { headers: { authorization: `Bearer ${token}` } } : {});
  const text = await res.text();
  if (res.status !== 200) throw new Error(`GET /metrics answered ${res.status}: ${text}`);
  return new Scrape(parseExposition(text));
}
