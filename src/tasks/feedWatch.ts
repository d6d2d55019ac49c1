// The stream behind a feed subscription: every change of every task that matches a filter,
// for dashboards. A busy consumer gets the newest state of each changed task, in the order
// the tasks first changed, so memory grows with the number of tasks, never with events.
import type { TaskView } from './taskTypes.js';

export class FeedWatch implements AsyncIterableIterator<TaskView> {
  private readonly pending = new Map<string, TaskView>();
  private finished = false;
  private waiter: ((result: IteratorResult<TaskView>) => void) | null = null;

  constructor(private readonly matches: (task: TaskView) => boolean, private readonly unsubscribe: () => void) {}

  push(task: TaskView): void {
    if (this.finished || !this.matches(task)) return;
    const queued = this.pending.get(task.id);
    if (queued && queued.version >= task.version) return;
    this.pending.set(task.id, task);
    if (this.waiter) {
      const resolve = this.waiter;
      this.waiter = null;
      resolve(this.take());
    }
  }

  next(): Promise<IteratorResult<TaskView>> {
    if (this.pending.size > 0) return Promise.resolve(this.take());
    if (this.finished) return Promise.resolve({ done: true, value: undefined });
    return new Promise((resolve) => {
      this.waiter = resolve;
    });
  }

  return(): Promise<IteratorResult<TaskView>> {
    if (!this.finished) {
      this.finished = true;
      this.pending.clear();
      this.unsubscribe();
      this.waiter?.({ done: true, value: undefined });
      this.waiter = null;
    }
    return Promise.resolve({ done: true, value: undefined });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  private take(): IteratorResult<TaskView> {
    const [id, task] = this.pending.entries().next().value as [string, TaskView];
    this.pending.delete(id);
    return { done: false, value: task };
  }
}
