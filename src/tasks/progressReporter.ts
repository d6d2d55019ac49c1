// Turns a processor's frequent progress calls into at most one write per interval per task.
// Writes are chained so they land in order, and flush() lets the runner wait for the last one
// before it writes the terminal state.

export interface ProgressSink {
  (progress: number, stage: string): Promise<void>;
}

export class ProgressReporter {
  private progress = 0;
  private stage: string;
  private lastWriteAt = 0;
  private timer: NodeJS.Timeout | null = null;
  private chain: Promise<void> = Promise.resolve();
  private written = { progress: 0, stage: '' };
  private closed = false;

  constructor(
    initialStage: string,
    private readonly intervalMs: number,
    private readonly sink: ProgressSink,
    /** A lost progress write is not worth failing the task for: it is reported here. */
    private readonly onError: (error: unknown) => void,
  ) {
    this.stage = initialStage;
    this.written.stage = initialStage;
  }

  /** Never lets progress go down within one attempt; a new stage is written at once. */
  report(fraction: number, stage: string = this.stage): void {
    if (this.closed || !Number.isFinite(fraction)) return;
    this.progress = Math.max(this.progress, Math.min(1, Math.max(0, fraction)));
    const stageChanged = stage !== this.stage;
    this.stage = stage;
    if (stageChanged || Date.now() - this.lastWriteAt >= this.intervalMs) this.writeNow();
    else this.timer ??= setTimeout(() => this.writeNow(), this.intervalMs - (Date.now() - this.lastWriteAt));
  }

  /** Stops taking reports and waits for the writes already started. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.chain;
  }

  private writeNow(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.progress === this.written.progress && this.stage === this.written.stage) return;
    this.lastWriteAt = Date.now();
    const progress = this.progress;
    const stage = this.stage;
    this.written = { progress, stage };
    this.chain = this.chain.then(() => this.sink(progress, stage)).catch(this.onError);
  }
}
