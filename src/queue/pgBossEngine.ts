// pg-boss as the one job engine, on the app's PGlite or PostgreSQL: claims, heartbeats, fail-over
// of a dead worker's job, delayed retries. It stores no task state; the Task row does (taskStore.ts).
import { fromPrisma, PgBoss } from 'pg-boss';
import type { ConstructorOptions, Job } from 'pg-boss';
import type { Database, PoolUse } from '../db/database.js';
import type { Logger } from '../logger.js';
import type { Tx } from '../tasks/taskStore.js';
import type { ClaimedJob, JobSource, TaskQueue } from './jobQueue.js';
import { pgliteBossDb } from './pgliteBossDb.js';

export const taskQueueName = 'longrun-tasks';
/** pg-boss's tables live apart from ours. */
const bossSchema = 'pgboss';

export interface JobEngineSettings {
  /** How long a worker's job survives without a heartbeat before another worker takes it (pg-boss's minimum is 10). */
  heartbeatSeconds: number;
  /** How often an idle slot looks for due jobs that no notification announced (a retry's backoff ending). */
  pollIntervalSeconds: number;
  /** Names this process in pg-boss's instance registry and in pg_stat_activity. */
  instanceName: string;
  /** PostgreSQL: connections of pg-boss's own pool. */
  poolSize: number;
}

function queueOptions(settings: JobEngineSettings) {
  return {
    notify: true,
    heartbeatSeconds: settings.heartbeatSeconds,
    // Our retry policy decides a task's retries (taskWorker.ts). pg-boss retries a job only when
    // its run died (no heartbeat) or could not store its outcome: practically for ever, the task's
    // own attempt count ends a crash loop.
    retryLimit: 100_000,
    retryDelay: 1,
    retryBackoff: true,
    retryDelayMax: 30,
    // Heartbeats tell a dead run; this only bounds one that hangs while heartbeating.
    expireInSeconds: 6 * 3600,
    // pg-boss deletes jobs still waiting after this long; a PENDING task must keep its job
    // however long no worker runs (ten years).
    retentionSeconds: 10 * 365 * 24 * 3600,
    deleteAfterSeconds: 24 * 3600,
  };
}

interface TaskJobData {
  taskId: string;
}

export class PgBossEngine implements TaskQueue, JobSource {
  private constructor(private readonly boss: PgBoss, private readonly settings: JobEngineSettings) {}

  /** Installs or migrates pg-boss's schema, creates the task queue, and starts its supervision. */
  static async open(database: Database, settings: JobEngineSettings, logger: Logger): Promise<PgBossEngine> {
    const common: ConstructorOptions = {
      schema: bossSchema,
      useListenNotify: true,
      // Supervision (expiry, heartbeat fail-over, queue stats) runs in every process; pg-boss
      // elects one per pass with advisory locks. Short passes bound the fail-over time.
      supervise: true,
      superviseIntervalSeconds: 2,
      monitorIntervalSeconds: 2,
      schedule: false,
      instanceName: settings.instanceName,
    };
    const boss = database.pglite
      ? new PgBoss({ ...common, db: pgliteBossDb(database.pglite), backend: 'pglite' })
      : new PgBoss({ ...common, connectionString: database.url, max: settings.poolSize, application_name: settings.instanceName });
    // An EventEmitter without an 'error' listener throws; pg-boss reports here what it retries itself.
    boss.on('error', (error) => logger.error({ err: error }, 'job engine error'));
    boss.on('warning', (warning) => logger.warn({ warning }, 'job engine warning'));
    await boss.start();
    try {
      // create_queue leaves an existing queue as it is: update it so changed settings apply.
      await boss.createQueue(taskQueueName, queueOptions(settings));
      await boss.updateQueue(taskQueueName, queueOptions(settings));
    } catch (error) {
      await boss.stop({ graceful: false }).catch(() => undefined);
      throw error;
    }
    return new PgBossEngine(boss, settings);
  }

  async enqueue(tx: Tx, { jobId, taskId, startAfter, priority }: { jobId: string; taskId: string; startAfter?: Date | null; priority: number }): Promise<void> {
    const data: TaskJobData = { taskId };
    const id = await this.boss.send(taskQueueName, data, { id: jobId, db: fromPrisma(tx), priority, ...(startAfter ? { startAfter } : {}) });
    if (id === null) throw new Error(`the job engine did not take job ${jobId}`);
  }

  async cancel(tx: Tx, jobId: string): Promise<void> {
    await this.boss.cancel(taskQueueName, jobId, { db: fromPrisma(tx) });
  }

  async work(concurrency: number, handler: (job: ClaimedJob) => Promise<void>): Promise<void> {
    // One work() per slot rather than localConcurrency: a slot that finished a job asks for the
    // next at once (notifyWorker) instead of waiting out its polling interval.
    for (let slot = 0; slot < concurrency; slot++) {
      let workerId = '';
      workerId = await this.boss.work<TaskJobData>(taskQueueName, {
        batchSize: 1,
        pollingIntervalSeconds: this.settings.pollIntervalSeconds,
        notifyPollingIntervalSeconds: this.settings.pollIntervalSeconds,
        // Each second: a run whose job was failed over elsewhere learns it within a second.
        heartbeatRefreshSeconds: 1,
      }, async ([job]: Job<TaskJobData>[]) => {
        try {
          if (job) await handler({ id: job.id, retryCount: job.retryCount, taskId: job.data.taskId, signal: job.signal });
        } finally {
          this.boss.notifyWorker(workerId);
        }
      });
    }
  }

  /** PostgreSQL: pg-boss's own pool as it is now (its Db reports it, untyped); null for PGlite or once stopped. */
  poolUse(): PoolUse | null {
    const db: unknown = this.boss.getDb();
    if (typeof db !== 'object' || db === null || !('poolCounts' in db) || typeof db.poolCounts !== 'function') return null;
    const counts: unknown = db.poolCounts();
    if (typeof counts !== 'object' || counts === null || !('total' in counts) || !('idle' in counts) || !('waiting' in counts)) return null;
    const { total, idle, waiting } = counts;
    return typeof total === 'number' && typeof idle === 'number' && typeof waiting === 'number' ? { total, idle, waiting } : null;
  }

  async stopTaking(): Promise<void> {
    await this.boss.offWork(taskQueueName, { wait: false });
  }

  /** Stops supervision and, on PostgreSQL, closes pg-boss's pool. Handlers must have ended (TaskWorker.stop). */
  async stop(): Promise<void> {
    await this.boss.stop({ graceful: true, timeout: 5000 });
  }
}
