// PROTOTYPE, not applied to src/: the "lean task writes" change proposed in
// docs/decisions/0006-bench-task-writes.md, patched into the classes at run time so its effect
// can be measured before anyone edits src/. Enable with BENCH_PROTOTYPE=lean-writes, e.g.
//   BENCH_PROTOTYPE=lean-writes npm run bench -- tasks-graphql subscription-latency
// (bench/run.ts applies it in-process, bench/servers/appServer.ts in the app child).
//
// What it changes, mirroring the proposed patch:
//   - TaskStore.insert / updateIf / finish: no `include: { video: true }`. With the include,
//     Prisma runs each write as BEGIN; INSERT|UPDATE ... RETURNING id; SELECT task; SELECT video;
//     COMMIT. Without it, one statement. A task that is not SUCCEEDED has no video, so the view
//     gets `video: null`; a SUCCEEDED one gets the video its own transaction just created.
//   - TaskStore.succeed without a video or deletion: one conditional UPDATE, no transaction.
//   - TaskService.submit without an idempotency key for a single-statement create: no
//     `$transaction` around the one INSERT.
// It targets the code as of this benchmark's run; if TaskStore changes shape it refuses.
import { TaskService } from '../../src/tasks/taskService.js';
import { isPrismaError, TaskStore, type Tx } from '../../src/tasks/taskStore.js';
import type { TaskView } from '../../src/tasks/taskTypes.js';
import type { Prisma } from '../../src/generated/prisma/client.js';

type AnyRecord = Record<string, unknown>;

export function applyLeanWrites(): void {
  const store = TaskStore.prototype as unknown as AnyRecord;
  const service = TaskService.prototype as unknown as AnyRecord;
  for (const name of ['insert', 'updateIf', 'finish', 'succeed', 'inTransaction']) {
    if (typeof store[name] !== 'function') throw new Error(`lean-writes prototype: TaskStore.${name} is gone; update the prototype`);
  }
  if (typeof service.submit !== 'function') throw new Error('lean-writes prototype: TaskService.submit is gone');

  const withoutVideo = <T extends object>(row: T): T & { video: null } => ({ ...row, video: null });

  store.insert = async function (this: TaskStore, kind: TaskView['kind'], input: Prisma.InputJsonValue, tx: Tx = this.prisma) {
    return withoutVideo(await tx.task.create({ data: { kind, input } }));
  };

  store.updateIf = async function (this: TaskStore, where: Prisma.TaskWhereUniqueInput, data: Prisma.TaskUpdateInput) {
    try {
      // Every caller moves a PENDING or RUNNING task: none has a video.
      return withoutVideo(await this.prisma.task.update({ where, data: { ...data, version: { increment: 1 } } }));
    } catch (error) {
      if (isPrismaError(error, 'P2025')) return null;
      throw error;
    }
  };

  const originalFinish = store.finish as (tx: Tx, where: AnyRecord, data: AnyRecord) => Promise<TaskView>;
  /** The finishing UPDATE without the include; throws Prisma's P2025 when the task moved on. */
  async function finishLean(tx: Tx, where: Prisma.TaskWhereUniqueInput & { id: string }, data: Prisma.TaskUpdateInput): Promise<TaskView> {
    const task = await tx.task.update({
      where,
      data: { ...data, finishedAt: new Date(), ownerId: null, runAfter: null, version: { increment: 1 } },
    });
    if (task.kind === 'DELETE_VIDEO' && task.status !== 'SUCCEEDED') {
      await tx.video.updateMany({ where: { deletingTaskId: where.id }, data: { deletingTaskId: null } });
    }
    return withoutVideo(task);
  }
  store.finish = async function (this: TaskStore, tx: Tx, where: Prisma.TaskWhereUniqueInput & { id: string }, data: Prisma.TaskUpdateInput) {
    // With a video (a render's success) the original; the proposal returns the video it created.
    if ((data as { videoId?: string }).videoId !== undefined) return originalFinish.call(this, tx, where, data as AnyRecord);
    try {
      return await finishLean(tx, where, data);
    } catch (error) {
      // Let the original raise its own "moved on" error, which its transaction wrapper expects.
      if (isPrismaError(error, 'P2025')) return originalFinish.call(this, tx, where, data as AnyRecord);
      throw error;
    }
  };

  const originalSucceed = store.succeed as (id: string, owner: string, outcome: AnyRecord) => Promise<TaskView | null>;
  store.succeed = async function (this: TaskStore, id: string, owner: string, outcome: { video?: unknown; deletedVideoId?: string }) {
    if (outcome.video || outcome.deletedVideoId) return originalSucceed.call(this, id, owner, outcome as AnyRecord);
    try {
      return await finishLean(this.prisma, { id, status: 'RUNNING', ownerId: owner }, { status: 'SUCCEEDED', progress: 1, stage: 'done' });
    } catch (error) {
      if (isPrismaError(error, 'P2025')) return null;
      throw error;
    }
  };

  const originalSubmit = service.submit as (scope: string, request: unknown, idempotency: { key?: string | null } | undefined, create: (tx: Tx) => Promise<TaskView>) => Promise<TaskView>;
  service.submit = async function (this: AnyRecord, scope: string, request: unknown, idempotency: { key?: string | null } | undefined, create: (tx: Tx) => Promise<TaskView>) {
    const runner = this.runner as { isAccepting: boolean; enqueue(id: string): void };
    if (scope !== 'createVideo' || (idempotency?.key !== undefined && idempotency.key !== null) || !runner.isAccepting) {
      return originalSubmit.call(this, scope, request, idempotency, create);
    }
    const storeInstance = this.store as TaskStore;
    const task = await create(storeInstance.prisma);
    (this.events as { publish(task: TaskView): void }).publish(task);
    runner.enqueue(task.id);
    return task;
  };
}

export const knownPrototypes = ['lean-writes', 'shared-subscriptions'] as const;

/** The prototypes named in BENCH_PROTOTYPE (comma-separated). */
export function prototypesFromEnv(): string[] {
  const names = (process.env.BENCH_PROTOTYPE ?? '').split(',').map((n) => n.trim()).filter(Boolean);
  for (const name of names) {
    if (!(knownPrototypes as readonly string[]).includes(name)) throw new Error(`unknown BENCH_PROTOTYPE ${name} (known: ${knownPrototypes.join(', ')})`);
  }
  return names;
}

/**
 * Applies lean-writes in this process. shared-subscriptions is a module hook that must be
 * installed before src/ is loaded: app children get it from spawnIpcChild (--import).
 */
export function applyPrototypeFromEnv(): string | null {
  const names = prototypesFromEnv();
  if (names.includes('lean-writes')) applyLeanWrites();
  return names.length > 0 ? names.join(',') : null;
}
