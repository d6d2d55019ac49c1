// Reads of tasks by id, shared: every request made before a read starts is answered by it, and
// the next read starts only when the one in flight has ended, so a burst of requests for one task
// (2,000 subscribers arriving at once) costs a handful of queries, not 2,000.
import type { TaskView } from '../tasks/taskTypes.js';

type Waiter = { resolve(task: TaskView | null): void; reject(error: unknown): void };

export class BatchedReads {
  private waiting = new Map<string, Waiter[]>();
  private inFlight = false;

  constructor(private readonly readMany: (ids: string[]) => Promise<TaskView[]>, private readonly maxBatch = 500) {}

  read(id: string): Promise<TaskView | null> {
    return new Promise((resolve, reject) => {
      const list = this.waiting.get(id);
      if (list) list.push({ resolve, reject });
      else this.waiting.set(id, [{ resolve, reject }]);
      if (!this.inFlight) {
        this.inFlight = true;
        // One turn of the event loop: requests arriving together share the first read too.
        setImmediate(() => void this.flush());
      }
    });
  }

  private async flush(): Promise<void> {
    const batch = new Map<string, Waiter[]>();
    for (const [id, waiters] of this.waiting) {
      if (batch.size >= this.maxBatch) break;
      batch.set(id, waiters);
    }
    for (const id of batch.keys()) this.waiting.delete(id);
    try {
      const rows = await this.readMany([...batch.keys()]);
      const byId = new Map(rows.map((row) => [row.id, row]));
      for (const [id, waiters] of batch) for (const waiter of waiters) waiter.resolve(byId.get(id) ?? null);
    } catch (error) {
      for (const waiters of batch.values()) for (const waiter of waiters) waiter.reject(error);
    }
    if (this.waiting.size > 0) void this.flush();
    else this.inFlight = false;
  }
}
