// The stream behind a task subscription: the current state first, then every newer version,
// ending after the terminal state. Events that arrive while the consumer is busy are
// coalesced to the newest (each event is a full snapshot), so a slow client costs one
// snapshot of memory, never a growing queue.
import { isTerminal, type TaskView } from './taskTypes.js';

export class TaskWatch implements AsyncIterableIterator<TaskView> {
  private pending: TaskView | null;
  private lastVersion = 0;
  private finished = false;
  private waiter: ((result: IteratorResult<TaskView>) => void) | null = null;

  /**
   * `current` is sent first unless the client already has it (`afterVersion`, after a
   * reconnect); a stream that starts on a finished task the client has seen ends at once.
   * `unsubscribe` detaches from the event source; it is called once the stream ends.
   */
  constructor(current: TaskView, private readonly unsubscribe: () => void, afterVersion = 0) {
    // A client claiming a version the task never had (a bug, a restored backup) is treated as
    // up to date, not as waiting for versions that may never come.
    this.lastVersion = Math.min(afterVersion, current.version);
    this.pending = current.version > afterVersion ? current : null;
    if (!this.pending && isTerminal(current.status)) this.end();
  }

  /** Feed from the event source. */
  push(task: TaskView): void {
    if (this.finished) return;
    const newest = this.pending?.version ?? this.lastVersion;
    if (task.version <= newest) return;
    this.pending = task;
    this.deliver();
  }

  next(): Promise<IteratorResult<TaskView>> {
    if (this.pending) return Promise.resolve(this.take());
    if (this.finished) return Promise.resolve({ done: true, value: undefined });
    return new Promise((resolve) => {
      this.waiter = resolve;
    });
  }

  return(): Promise<IteratorResult<TaskView>> {
    this.end();
    return Promise.resolve({ done: true, value: undefined });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  private take(): IteratorResult<TaskView> {
    const task = this.pending as TaskView;
    this.pending = null;
    this.lastVersion = task.version;
    if (isTerminal(task.status)) this.end();
    return { done: false, value: task };
  }

  private deliver(): void {
    if (!this.waiter || !this.pending) return;
    const resolve = this.waiter;
    this.waiter = null;
    resolve(this.take());
  }

  private end(): void {
    if (this.finished) return;
    this.finished = true;
    this.unsubscribe();
    if (this.waiter && !this.pending) {
      const resolve = this.waiter;
      this.waiter = null;
      resolve({ done: true, value: undefined });
    }
  }
}
