// The event bus of every process: the database announces each committed change of a task (id and
// version, see taskChangeFeed.ts); a process that has subscribers for that task, or feed
// subscribers, re-reads the row (shared reads, see batchedReads.ts) and hands it to them. The
// same path serves subscriptions, ?wait=, waitForTask and the feeds, whichever process wrote.
import type { TaskView } from '../tasks/taskTypes.js';
import type { BatchedReads } from './batchedReads.js';
import type { EventBus, TaskChange, TaskListener } from './eventBus.js';
import type { FeedHandlers, TaskChangeFeed } from './taskChangeFeed.js';

/** After a failed re-read (a pool or statement timeout), the next try. */
const readRetryMs = 1000;

export class DatabaseEventBus implements EventBus {
  private readonly listeners = new Map<string, Set<TaskListener>>();
  private readonly everything = new Set<TaskListener>();
  private readonly changeListeners = new Map<string, Set<(change: TaskChange) => void>>();
  /** Tasks with a re-read under way, and those changed again since it was asked for. */
  private readonly refreshing = new Set<string>();
  private readonly changedAgain = new Set<string>();
  private feed: TaskChangeFeed | null = null;
  private closed = false;

  constructor(
    private readonly reads: BatchedReads,
    private readonly onReadError: (error: unknown) => void,
    /** Called once per change handed to at least one subscriber (the delivery lag metric). */
    private readonly onDelivered: (task: TaskView) => void = () => undefined,
  ) {}

  /** Starts taking announcements from `connect` (called with this bus's handlers). */
  async attach(connect: (handlers: FeedHandlers) => Promise<TaskChangeFeed>): Promise<void> {
    this.feed = await connect({
      change: (change) => this.announce(change),
      reconnected: () => {
        // Announcements were lost while the connection was down: catch every followed task up,
        // and tell running tasks' cancel watches what they may have missed.
        for (const id of this.listeners.keys()) this.refresh(id);
        for (const id of this.changeListeners.keys()) {
          this.reads.read(id).then((task) => {
            if (task) this.announceToWatches({ id, version: task.version, cancelRequested: task.cancelRequestedAt !== null });
          }, this.onReadError);
        }
      },
    });
  }

  read(taskId: string): Promise<TaskView | null> {
    return this.reads.read(taskId);
  }

  subscribe(taskId: string, listener: TaskListener): () => void {
    return addTo(this.listeners, taskId, listener);
  }

  subscribeAll(listener: TaskListener): () => void {
    this.everything.add(listener);
    return () => this.everything.delete(listener);
  }

  onChange(taskId: string, listener: (change: TaskChange) => void): () => void {
    return addTo(this.changeListeners, taskId, listener);
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.feed?.close();
    this.feed = null;
    this.listeners.clear();
    this.everything.clear();
    this.changeListeners.clear();
  }

  private announce(change: TaskChange): void {
    this.announceToWatches(change);
    if (this.listeners.has(change.id) || this.everything.size > 0) this.refresh(change.id);
  }

  private announceToWatches(change: TaskChange): void {
    const raw = this.changeListeners.get(change.id);
    if (raw) for (const listener of [...raw]) listener(change);
  }

  /**
   * Re-reads the task for its subscribers. A change announced while a re-read is under way may
   * be newer than what that read sees, so it is followed by one more: a burst of changes costs
   * two reads, and the last one always sees the last change.
   */
  private refresh(id: string): void {
    if (this.refreshing.has(id)) {
      this.changedAgain.add(id);
      return;
    }
    this.refreshing.add(id);
    let failed = false;
    this.reads.read(id).then((task) => {
      if (task) this.deliver(task);
    }, (error: unknown) => {
      failed = true;
      this.onReadError(error);
    }).finally(() => {
      this.refreshing.delete(id);
      if (this.changedAgain.delete(id)) this.refresh(id);
      // The change may have been the last (a terminal state): try again while anyone follows the task.
      else if (failed && !this.closed) setTimeout(() => {
        if (this.listeners.has(id) || this.everything.size > 0) this.refresh(id);
      }, readRetryMs).unref();
    });
  }

  private deliver(task: TaskView): void {
    // Copies: a listener may unsubscribe itself while we iterate.
    const set = this.listeners.get(task.id);
    if (set) for (const listener of [...set]) listener(task);
    for (const listener of [...this.everything]) listener(task);
    if ((set?.size ?? 0) > 0 || this.everything.size > 0) this.onDelivered(task);
  }
}

function addTo<T>(map: Map<string, Set<T>>, key: string, item: T): () => void {
  let set = map.get(key);
  if (!set) {
    set = new Set();
    map.set(key, set);
  }
  set.add(item);
  return () => {
    const current = map.get(key);
    if (!current) return;
    current.delete(item);
    if (current.size === 0) map.delete(key);
  };
}
