// The protocol-free API of tasks and videos. GraphQL and REST both call this, so they agree.
import { NotFoundError } from '../errors.js';
import type { EventBus } from '../events/eventBus.js';
import { parseCreateVideoInput } from '../videos/createVideoInput.js';
import type { VideoRecord } from '../videos/videoTypes.js';
import type { TaskRunner } from './taskRunner.js';
import type { TaskStore } from './taskStore.js';
import type { TaskView } from './taskTypes.js';
import { TaskWatch } from './taskWatch.js';

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Ids are UUIDs; anything else cannot name a task or video, so it is simply not found. */
export function isWellFormedId(id: string): boolean {
  return uuidPattern.test(id);
}

export class TaskService {
  constructor(
    private readonly store: TaskStore,
    private readonly events: EventBus,
    private readonly runner: TaskRunner,
  ) {}

  /** Validates, stores the task, and hands it to the runner once the row is committed. */
  async createVideoTask(rawInput: unknown): Promise<TaskView> {
    const input = parseCreateVideoInput(rawInput);
    const task = await this.store.insert('CREATE_VIDEO', { ...input });
    this.events.publish(task);
    this.runner.enqueue(task.id);
    return task;
  }

  async findTask(id: string): Promise<TaskView | null> {
    return isWellFormedId(id) ? this.store.find(id) : null;
  }

  async getTask(id: string): Promise<TaskView> {
    const task = await this.findTask(id);
    if (!task) throw new NotFoundError('task', id);
    return task;
  }

  async findVideo(id: string): Promise<VideoRecord | null> {
    return isWellFormedId(id) ? this.store.findVideo(id) : null;
  }

  async getVideo(id: string): Promise<VideoRecord> {
    const video = await this.findVideo(id);
    if (!video) throw new NotFoundError('video', id);
    return video;
  }

  /**
   * Follows one task: its current state, then every change, ending after the terminal state.
   * Subscribes before reading so no change between the read and the subscription is missed.
   */
  async watch(id: string): Promise<AsyncIterableIterator<TaskView>> {
    if (!isWellFormedId(id)) throw new NotFoundError('task', id);
    const early: TaskView[] = [];
    let watch: TaskWatch | null = null;
    const unsubscribe = this.events.subscribe(id, (task) => (watch ? watch.push(task) : early.push(task)));
    let current: TaskView | null;
    try {
      current = await this.store.find(id);
    } catch (error) {
      unsubscribe();
      throw error;
    }
    if (!current) {
      unsubscribe();
      throw new NotFoundError('task', id);
    }
    watch = new TaskWatch(current, unsubscribe);
    for (const task of early) watch.push(task);
    return watch;
  }
}
