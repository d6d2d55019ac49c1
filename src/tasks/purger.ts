// Removes finished tasks once their retention has passed, and idempotency keys after 24 hours.
import type { Logger } from '../logger.js';
import type { IdempotencyStore } from './idempotency.js';
import type { TaskStore } from './taskStore.js';

export class Purger {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;

  constructor(
    private readonly store: TaskStore,
    private readonly idempotency: IdempotencyStore,
    private readonly options: { retentionMs: number; intervalMs: number; logger: Logger },
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.runOnce(), this.options.intervalMs);
    this.timer.unref();
    void this.runOnce();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }

  /** One purge pass; overlapping calls share the pass under way. */
  runOnce(): Promise<void> {
    this.running ??= this.purge().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private async purge(): Promise<void> {
    try {
      const tasks = await this.store.purgeFinished(new Date(Date.now() - this.options.retentionMs));
      const keys = await this.idempotency.purgeExpired();
      if (tasks + keys > 0) this.options.logger.info({ tasks, idempotencyKeys: keys }, 'purged expired records');
    } catch (error) {
      this.options.logger.error({ err: error }, 'purge failed; will try again');
    }
  }
}
