// The protocol-free API of tasks and videos. GraphQL and REST both call this, so they agree.
// Every call names its caller: a caller sees, waits on, cancels and removes only its own tasks
// and videos; another caller's are answered exactly as ids that do not exist.
import type { Caller } from '../auth/caller.js';
import type { Admission } from '../callers/admission.js';
import { ConflictError, NotFoundError, UnavailableError, ValidationError } from '../errors.js';
import type { EventBus } from '../events/eventBus.js';
import type { Logger } from '../logger.js';
import { requestLogger } from '../logging/requestLogging.js';
import { parseCreateVideoInput } from '../videos/createVideoInput.js';
import type { MediaAsset, MediaLinks, MediaUrls } from '../videos/mediaLinks.js';
import type { VideoRecord } from '../videos/videoTypes.js';
import { FeedWatch } from './feedWatch.js';
import { checkIdempotencyKey, type IdempotencyStore } from './idempotency.js';
import { isWellFormedId } from './ids.js';
import { matchesFilter, normalizeFilter, type Listing, type TaskFilter } from './listing.js';
import type { Page, PageRequest } from './paging.js';
import type { TaskStore, Tx } from './taskStore.js';
import { isTerminal, type TaskView } from './taskTypes.js';
import { TaskWatch } from './taskWatch.js';

export const maxWaitSeconds = 30;

export interface TaskServiceOptions {
  store: TaskStore;
  idempotency: IdempotencyStore;
  listing: Listing;
  events: EventBus;
  /** Per-caller quotas and the queue's fairness, checked in the transaction that creates a task. */
  admission: Admission;
  /** The media files' URLs: signed when authentication is on. */
  mediaLinks: MediaLinks;
  /** False while the server stops: new tasks are refused (503, UNAVAILABLE). */
  isAccepting(): boolean;
  /** How long finished tasks are kept before the purge removes them. */
  retentionMs: number;
  logger: Logger;
}

export interface IdempotencyOptions {
  key?: string | null | undefined;
  /** Where the key came from, to name it in an error (header or argument). */
  field: string;
  in?: 'header';
}

export class TaskService {
  private readonly store: TaskStore;
  private readonly events: EventBus;

  constructor(private readonly options: TaskServiceOptions) {
    ({ store: this.store, events: this.events } = options);
  }

  /** Validates, then stores the task and its job in one transaction. */
  async createVideoTask(caller: Caller, rawInput: unknown, idempotency?: IdempotencyOptions): Promise<TaskView> {
    const input = parseCreateVideoInput(rawInput);
    return this.submitted(caller, await this.submit(caller, 'createVideo', input, idempotency, async (tx) => {
      const { priority } = await this.options.admission.admit(tx, caller.id, 'CREATE_VIDEO');
      return this.store.insert('CREATE_VIDEO', { ...input }, { callerId: caller.id, priority }, tx);
    }));
  }

  /** Starts deleting one of the caller's videos; a video has at most one deletion under way. */
  async deleteVideoTask(caller: Caller, videoId: string, idempotency?: IdempotencyOptions): Promise<TaskView> {
    if (!isWellFormedId(videoId)) throw new NotFoundError('video', videoId);
    return this.submitted(caller, await this.submit(caller, 'deleteVideo', { videoId }, idempotency, async (tx) => {
      const { priority } = await this.options.admission.admit(tx, caller.id, 'DELETE_VIDEO');
      return this.store.insertDeletion(videoId, { callerId: caller.id, priority }, tx);
    }));
  }

  async findTask(caller: Caller, id: string): Promise<TaskView | null> {
    if (!isWellFormedId(id)) return null;
    return ownedBy(caller, await this.store.find(id));
  }

  async getTask(caller: Caller, id: string): Promise<TaskView> {
    const task = await this.findTask(caller, id);
    if (!task) throw new NotFoundError('task', id);
    return task;
  }

  async findVideo(caller: Caller, id: string): Promise<VideoRecord | null> {
    if (!isWellFormedId(id)) return null;
    return ownedBy(caller, await this.store.findVideo(id));
  }

  async getVideo(caller: Caller, id: string): Promise<VideoRecord> {
    const video = await this.findVideo(caller, id);
    if (!video) throw new NotFoundError('video', id);
    return video;
  }

  /** The links to a video's files (signed, when authentication is on). */
  mediaUrls(video: Pick<VideoRecord, 'id'>): MediaUrls {
    return this.options.mediaLinks.urls(video.id);
  }

  /**
   * The video whose file a signed link opens, whoever follows it (a <video> element sends no
   * credentials). A link that is tampered with, expired or not signed is not found.
   */
  async getVideoByLink(id: string, asset: MediaAsset, expires: unknown, signature: unknown): Promise<VideoRecord> {
    const video = isWellFormedId(id) && this.options.mediaLinks.verify(id, asset, expires, signature) ? await this.store.findVideo(id) : null;
    if (!video) throw new NotFoundError('video', id);
    return video;
  }

  listTasks(caller: Caller, filter: TaskFilter, page: PageRequest): Promise<Page<TaskView>> {
    return this.options.listing.tasks(caller.id, normalizeFilter(filter), page);
  }

  listVideos(caller: Caller, page: PageRequest): Promise<Page<VideoRecord>> {
    return this.options.listing.videos(caller.id, page);
  }

  /**
   * A PENDING task ends CANCELLED at once. A RUNNING one is asked to stop: the request is
   * stored, the database announces it, and the worker running it (in any process) aborts its
   * processor; this waits, briefly, for it to end. A finished task is a conflict.
   */
  async cancelTask(caller: Caller, id: string): Promise<TaskView> {
    // The task may move between our read and our write (claimed, retried): read again and
    // retry the write that fits its new state. Each round trip sees a newer version.
    for (;;) {
      const task = await this.getTask(caller, id);
      if (isTerminal(task.status)) throw this.finishedConflict(task);
      if (task.status === 'PENDING') {
        const cancelled = await this.store.cancelPending(id);
        if (!cancelled) continue;
        this.taskLogger(task).info('task cancelled before it ran');
        return cancelled;
      }
      const requested = task.cancelRequestedAt ? task : await this.store.requestCancel(id);
      if (!requested) continue;
      this.taskLogger(task).info('task cancel requested');
      const final = (await this.waitForTask(caller, id, 5_000)) ?? requested;
      if (isTerminal(final.status) && final.status !== 'CANCELLED') throw this.finishedConflict(final);
      return final;
    }
  }

  /** Removes a finished task's record (its video, if any, stays). */
  async removeTask(caller: Caller, id: string): Promise<void> {
    if (!isWellFormedId(id)) throw new NotFoundError('task', id);
    await this.store.remove(id, caller.id);
    this.taskLogger({ id, callerId: caller.id }).info('task removed');
  }

  /**
   * Follows one task: its current state (unless the client has `afterVersion` already), then
   * every change, ending after the terminal state. Subscribes before reading, so no change
   * between the read and the subscription is missed.
   */
  async watch(caller: Caller, id: string, afterVersion = 0): Promise<AsyncIterableIterator<TaskView>> {
    if (!isWellFormedId(id)) throw new NotFoundError('task', id);
    const early: TaskView[] = [];
    let watch: TaskWatch | null = null;
    const unsubscribe = this.events.subscribe(id, (task) => (watch ? watch.push(task) : early.push(task)));
    let current: TaskView | null;
    try {
      // Shared with every other watcher that asks before the read starts (a subscribe storm).
      current = await this.events.read(id);
    } catch (error) {
      unsubscribe();
      throw error;
    }
    // Owners never change: one check covers every later event.
    const owned = ownedBy(caller, current);
    if (!owned) {
      unsubscribe();
      throw new NotFoundError('task', id);
    }
    watch = new TaskWatch(owned, unsubscribe, afterVersion);
    for (const task of early) watch.push(task);
    return watch;
  }

  /** Every change of every task of the caller that matches the filter, from now on. */
  watchAll(caller: Caller, rawFilter: TaskFilter): AsyncIterableIterator<TaskView> {
    const filter = normalizeFilter(rawFilter);
    let feed: FeedWatch | null = null;
    const unsubscribe = this.events.subscribeAll((task) => {
      if (task.callerId === caller.id) feed?.push(task);
    });
    feed = new FeedWatch((task) => matchesFilter(filter, task), unsubscribe);
    return feed;
  }

  /**
   * The task once it is done, or its latest state when `timeoutMs` runs out (or `signal`
   * fires); null for an unknown task. Driven by events, not by polling.
   */
  async waitForTask(caller: Caller, id: string, timeoutMs: number, signal?: AbortSignal): Promise<TaskView | null> {
    if (!isWellFormedId(id)) return null;
    let watch: AsyncIterableIterator<TaskView>;
    try {
      watch = await this.watch(caller, id);
    } catch (error) {
      if (error instanceof NotFoundError) return null;
      throw error;
    }
    let timer: NodeJS.Timeout | undefined;
    const stop = new Promise<'stop'>((resolve) => {
      timer = setTimeout(() => resolve('stop'), timeoutMs);
      if (signal?.aborted) resolve('stop');
      else signal?.addEventListener('abort', () => resolve('stop'), { once: true });
    });
    let latest: TaskView | null = null;
    try {
      for (;;) {
        const next = await Promise.race([watch.next(), stop]);
        if (next === 'stop' || next.done) break;
        latest = next.value;
        if (isTerminal(latest.status)) break;
      }
    } finally {
      clearTimeout(timer);
      await watch.return?.();
    }
    return latest ?? this.findTask(caller, id);
  }

  static checkWaitSeconds(seconds: number, field: string): number {
    if (!Number.isInteger(seconds) || seconds < 0 || seconds > maxWaitSeconds) {
      throw new ValidationError([{ field, message: `must be an integer from 0 to ${maxWaitSeconds}` }]);
    }
    return seconds;
  }

  /** When the purge will remove this task: retention after it finished; null while under way. */
  expiresAt(task: TaskView): Date | null {
    return task.finishedAt ? new Date(task.finishedAt.getTime() + this.options.retentionMs) : null;
  }

  private async submit(
    caller: Caller,
    scope: string,
    request: unknown,
    idempotency: IdempotencyOptions | undefined,
    create: (tx: Tx) => Promise<TaskView>,
  ): Promise<TaskView> {
    if (!this.options.isAccepting()) throw new UnavailableError('The server is shutting down and takes no new tasks; try again shortly.');
    if (idempotency?.key === undefined || idempotency.key === null) {
      const task = await this.store.prisma.$transaction(create);
      this.store.committed(task);
      return task;
    }
    checkIdempotencyKey(idempotency.key, idempotency.field, idempotency.in);
    const { task, replayed } = await this.options.idempotency.createOnce({ callerId: caller.id, scope, key: idempotency.key, request }, create);
    if (!replayed) this.store.committed(task);
    return task;
  }

  /**
   * Lines about one task: its id and caller on each, and the reqId when an HTTP request or a
   * gRPC call asked (operations over a WebSocket log without one).
   */
  private taskLogger(task: Pick<TaskView, 'id' | 'callerId'>): Logger {
    return requestLogger(this.options.logger).child({ taskId: task.id, callerId: task.callerId });
  }

  /** The task a submission answered with (a new one, or the one an idempotent replay returns). */
  private submitted(caller: Caller, task: TaskView): TaskView {
    this.taskLogger({ id: task.id, callerId: caller.id }).info({ kind: task.kind }, 'task submitted');
    return task;
  }

  private finishedConflict(task: TaskView): ConflictError {
    return new ConflictError(`Task ${task.id} is already ${task.status}; a finished task cannot be cancelled.`, { taskId: task.id, status: task.status });
  }
}

/** The row if it belongs to the caller; another caller's is as good as absent. */
function ownedBy<T extends { callerId: string }>(caller: Caller, row: T | null): T | null {
  return row && row.callerId === caller.id ? row : null;
}
