// The seams between tasks and the job engine. The task store enqueues through TaskQueue inside its
// own transactions (a task row and its job commit or roll back together); the worker takes jobs
// through JobSource. Neither knows which engine is behind them (pg-boss, see pgBossEngine.ts).
import type { Tx } from '../tasks/taskStore.js';

export interface TaskQueue {
  /**
   * Adds the job that will run `taskId`, inside `tx`. `jobId` is chosen by the caller so the
   * task row can name its job in the same statement that creates it. Jobs of higher `priority`
   * are taken first, then the oldest.
   */
  enqueue(tx: Tx, job: { jobId: string; taskId: string; startAfter?: Date | null; priority: number }): Promise<void>;
  /** Withdraws a job that has not started, inside `tx` (a started one is left alone). */
  cancel(tx: Tx, jobId: string): Promise<void>;
}

/** One claimed attempt of a job, as the engine hands it to a worker. */
export interface ClaimedJob {
  id: string;
  /** Which attempt of the job this is; the engine raises it when it fails the job over. */
  retryCount: number;
  taskId: string;
  /** Fires when the engine takes the claim away (its heartbeat found the job failed over or cancelled). */
  signal: AbortSignal;
}

export interface JobSource {
  /** Starts `concurrency` slots, each running one job at a time through `handler`. */
  work(concurrency: number, handler: (job: ClaimedJob) => Promise<void>): Promise<void>;
  /** Takes no further jobs; the handlers under way go on. */
  stopTaking(): Promise<void>;
}
