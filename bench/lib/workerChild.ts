// Parent side of bench/servers/workerServer.ts: a worker process on the benchmark's PostgreSQL
// database, which the caller owns (and drops).
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { spawnIpcChild } from './appChild.js';

export type WorkerProcessor = 'trivial' | 'hangFirstAttempt' | 'engineOnly';

export interface WorkerChildSpec {
  databaseUrl: string;
  /** Its data directory, made and removed by the parent: a SIGKILLed child cleans up nothing. */
  dataDir: string;
  /** WORKER_CONCURRENCY (pg-boss slots of the engine-only worker). */
  concurrency: number;
  processor: WorkerProcessor;
}

export type WorkerChildReply =
  | { op: 'ready'; url: string; pid: number }
  /** A processor (or the engine-only handler) started a task; attempt counts from 1. */
  | { op: 'started'; taskId: string; attempt: number };

export type StartedListener = (start: { taskId: string; attempt: number }) => void;

export interface WorkerChild {
  child: ChildProcess;
  pid: number;
  onStarted(listener: StartedListener): () => void;
  /** SIGKILL: no stop, no goodbye to the database; resolves once the process is gone. */
  kill(): Promise<void>;
  /** A clean stop (SIGKILL after 10 s). */
  close(): Promise<void>;
}

export async function startWorkerChild(options: Omit<WorkerChildSpec, 'dataDir'>): Promise<WorkerChild> {
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'longrun-bench-worker-'));
  const removeDataDir = () => fs.rm(dataDir, { recursive: true, force: true });
  const spec: WorkerChildSpec = { ...options, dataDir };
  let spawned;
  try {
    spawned = await spawnIpcChild<Extract<WorkerChildReply, { op: 'ready' }>>(path.join(import.meta.dirname, '../servers/workerServer.ts'), spec);
  } catch (error) {
    await removeDataDir();
    throw error;
  }
  const { child, ready } = spawned;
  const exited = spawned.exited.then(removeDataDir);
  const listeners = new Set<StartedListener>();
  child.on('message', (message: WorkerChildReply) => {
    if (message.op === 'started') for (const listener of listeners) listener(message);
  });
  const gone = () => child.exitCode !== null || child.signalCode !== null;
  return {
    child,
    pid: ready.pid,
    onStarted(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async kill() {
      if (!gone()) child.kill('SIGKILL');
      await exited;
    },
    async close() {
      if (!gone()) {
        const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        child.disconnect();
        await exited;
        clearTimeout(killer);
      }
      await exited;
    },
  };
}
