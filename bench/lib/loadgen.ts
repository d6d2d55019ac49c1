// HTTP load with autocannon, run in a child process (see loadgenChild.ts).
import { spawn } from 'node:child_process';
import path from 'node:path';

export interface LoadSpec {
  url: string;
  connections: number;
  durationSeconds: number;
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
  /** Paths to rotate through, one per request; default: the url's own path. */
  paths?: string[];
}

export interface LoadResult {
  /** Responses with status 2xx or 3xx. */
  ok: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  durationSeconds: number;
  /** ok / duration. */
  requestsPerSecond: number;
  latencyP50: number;
  latencyP99: number;
  statusCodes: Record<string, number>;
}

const child = path.join(import.meta.dirname, 'loadgenChild.ts');

export function runLoad(spec: LoadSpec): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, ['--import', 'tsx', child, JSON.stringify(spec)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    proc.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    proc.stderr.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
    // Bounded: autocannon stops itself after durationSeconds; this is the safety net.
    const guard = setTimeout(() => proc.kill('SIGKILL'), (spec.durationSeconds + 30) * 1000);
    proc.once('error', reject);
    proc.once('close', (code) => {
      clearTimeout(guard);
      if (code !== 0) return reject(new Error(`load generator exited with ${code}: ${err}`));
      try {
        resolve(JSON.parse(out) as LoadResult);
      } catch {
        reject(new Error(`load generator printed no result: ${out} ${err}`));
      }
    });
  });
}
