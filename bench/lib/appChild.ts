// Parent side of bench/servers/appServer.ts: spawns the app in a child process (optionally with
// --expose-gc for memory figures), owns its PostgreSQL database, and talks to it over IPC.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { nowMs, sleep } from './stats.js';
import { createBenchDatabase, type BenchDatabase, type BenchDb } from './benchApp.js';
import type { TaskReads } from './readCounter.js';

export interface ChildSpec {
  db: BenchDb;
  databaseUrl?: string;
  workerConcurrency: number;
  progressIntervalMs?: number;
  /** A held task finishes by itself after this long (safety net). */
  holdTimeoutMs?: number;
}

export type ChildRequest =
  | { op: 'create'; seq: number; input: Record<string, unknown> }
  | { op: 'release'; seq: number; ids: string[] }
  /** A held task's processor reports progress; the reply says when (epoch ms, before the call). */
  | { op: 'progress'; seq: number; id: string; fraction: number }
  | { op: 'held'; seq: number }
  /** When each task's processor returned (epoch ms), the start of figure 5b; forgets them. */
  | { op: 'processorEnds'; seq: number; ids: string[] }
  /** The app's task reads since the previous 'reads' (bench/lib/readCounter.ts). */
  | { op: 'reads'; seq: number }
  | { op: 'memory'; seq: number }
  | { op: 'loop'; seq: number }
  /** Diagnostics: CPU profile of a window (start, then stop writing `file`), heap snapshot to `file`. */
  | { op: 'profile'; seq: number; action: 'start' }
  | { op: 'profile'; seq: number; action: 'stop'; file: string }
  | { op: 'heapSnapshot'; seq: number; file: string }
  | { op: 'stop'; seq: number };

export type ChildReply =
  | { op: 'ready'; url: string }
  | { op: 'created'; seq: number; id: string }
  | { op: 'ok'; seq: number }
  | { op: 'held'; seq: number; ids: string[] }
  | { op: 'progress'; seq: number; at: number }
  | { op: 'processorEnds'; seq: number; times: (number | null)[] }
  | { op: 'reads'; seq: number; reads: TaskReads }
  | { op: 'memory'; seq: number; usage: NodeJS.MemoryUsage }
  /** Event-loop utilisation (0..1) and delay percentiles (ms) since the previous 'loop' request. */
  | { op: 'loop'; seq: number; utilization: number; delayP50: number; delayP99: number; delayMax: number }
  | { op: 'error'; seq: number; message: string };

type Distribute<T> = T extends unknown ? Omit<T, 'seq'> : never;
/** The reply to each request: 'created' for 'create', 'ok' for commands, else the same op. */
type Reply<Op extends ChildRequest['op']> = Op extends 'create'
  ? Extract<ChildReply, { op: 'created' }>
  : Op extends 'profile' | 'heapSnapshot' ? Extract<ChildReply, { op: 'ok' }>
  : Extract<ChildReply, { op: Op }> | Extract<ChildReply, { op: 'ok' }>;

export interface ChildProcessHandle {
  child: ChildProcess;
  /** Sends a message and waits for the reply with the same sequence number. */
  request<R extends Distribute<ChildRequest>>(message: R): Promise<Reply<R['op']>>;
  /** Sends without waiting for the reply. */
  post(message: Distribute<ChildRequest>): void;
  /** Stops the child (SIGKILL after 10 s) and drops its database. */
  close(): Promise<void>;
}

/** Spawns `script` with tsx and an IPC channel; resolves once it sent {op: 'ready', ...}. */
/**
 * Memory figures run their servers with --expose-gc and a fixed-size young generation: V8 grows
 * the semi-spaces (up to 2 x 16 MB) under allocation pressure, which showed up as +-25 MB
 * between otherwise identical rounds of 5,000 connections. Fixed at its usual maximum, it is
 * part of "before" and the delta is what the sockets retain. Same flags for app and floor.
 */
export const memoryFlags = ['--expose-gc', '--min-semi-space-size=16', '--max-semi-space-size=16'];

export async function spawnIpcChild<Ready>(script: string, arg: unknown, options: { exposeGc?: boolean } = {}): Promise<{ child: ChildProcess; ready: Ready; exited: Promise<void> }> {
  const child = spawn(process.execPath, [...(options.exposeGc ? memoryFlags : []), '--import', 'tsx', script, JSON.stringify(arg)], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const ready = await new Promise<Ready>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${path.basename(script)} was not ready within 60 s`)), 60_000);
    child.once('message', (message) => {
      clearTimeout(timer);
      resolve(message as Ready);
    });
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`${path.basename(script)} exited before it was ready`));
    });
  });
  return { child, ready, exited };
}

export function ipcRequester(child: ChildProcess) {
  let seq = 0;
  const pending = new Map<number, { resolve: (reply: ChildReply) => void; reject: (error: Error) => void }>();
  child.on('message', (message: ChildReply) => {
    if (!('seq' in message)) return;
    const waiter = pending.get(message.seq);
    if (!waiter) return;
    pending.delete(message.seq);
    if (message.op === 'error') waiter.reject(new Error(`child: ${message.message}`));
    else waiter.resolve(message);
  });
  child.once('exit', () => {
    for (const waiter of pending.values()) waiter.reject(new Error('child exited'));
    pending.clear();
  });
  return {
    request<T>(message: object): Promise<T> {
      const s = ++seq;
      return new Promise<T>((resolve, reject) => {
        pending.set(s, { resolve: resolve as (reply: ChildReply) => void, reject });
        child.send({ ...message, seq: s });
      });
    },
    post(message: object): void {
      child.send({ ...message, seq: ++seq });
    },
  };
}

/**
 * BENCH_PROFILE_DIR=dir: benchmarks that run the app in a child CPU-profile their measured
 * rounds into dir/<bench>[-<db>].cpuprofile (summarise with bench/tools/profileSummary.ts).
 */
export async function profileWindow<T>(app: ChildProcessHandle, name: string, work: () => Promise<T>): Promise<T> {
  const dir = process.env.BENCH_PROFILE_DIR;
  if (!dir) return work();
  await app.request({ op: 'profile', action: 'start' });
  try {
    return await work();
  } finally {
    await app.request({ op: 'profile', action: 'stop', file: path.resolve(dir, `${name}.cpuprofile`) });
  }
}

export async function startAppChild(options: Omit<ChildSpec, 'databaseUrl'> & { exposeGc?: boolean }): Promise<ChildProcessHandle & { url: string }> {
  const database: BenchDatabase | null = options.db === 'postgres' ? await createBenchDatabase() : null;
  const spec: ChildSpec = { ...options, ...(database ? { databaseUrl: database.url } : {}) };
  let spawned;
  try {
    spawned = await spawnIpcChild<{ op: 'ready'; url: string }>(path.join(import.meta.dirname, '../servers/appServer.ts'), spec, { exposeGc: options.exposeGc ?? false });
  } catch (error) {
    await database?.drop();
    throw error;
  }
  const { child, ready, exited } = spawned;
  const ipc = ipcRequester(child);
  return {
    child,
    url: ready.url,
    request: (message) => ipc.request(message),
    post: (message) => ipc.post(message),
    async close() {
      if (child.exitCode === null && child.signalCode === null) {
        const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        child.disconnect();
        await exited;
        clearTimeout(killer);
      }
      await database?.drop();
    },
  };
}

/** Waits until the app child's processor holds task `id` (it is RUNNING and stays so until released). */
export async function waitUntilHeld(app: ChildProcessHandle, id: string, timeoutMs = 10_000): Promise<void> {
  const deadline = nowMs() + timeoutMs;
  for (;;) {
    const held = await app.request({ op: 'held' });
    if (held.op === 'held' && held.ids.includes(id)) return;
    if (nowMs() > deadline) throw new Error(`task ${id} was not started within ${timeoutMs} ms`);
    await sleep(20);
  }
}
