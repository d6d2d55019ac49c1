// The tasks of one measured round, read from the database they were written to, once all of
// them have finished. Times come from the rows themselves: createdAt (written by the creating
// insert) and finishedAt (the worker's clock just before its terminal write), so a round's rate
// needs nothing from the app's event bus, which would make the app re-read every change for the
// benchmark (see BenchApp.watchChanges). Millisecond resolution; a round spans seconds.
import type { PrismaClient } from '../../src/generated/prisma/client.js';
import { sleep } from './stats.js';

export interface RoundTasks {
  created: number;
  succeeded: number;
  /** Epoch ms of the first task's createdAt and of the last finishedAt. */
  firstCreatedAt: number;
  lastFinishedAt: number;
  /** succeeded / (lastFinishedAt - firstCreatedAt), per second. */
  tasksPerSecond: number;
}

/**
 * Waits until no task created at or after `since` is PENDING or RUNNING (seen twice, 100 ms
 * apart, so a create still in flight when the load stopped is counted too), then summarises
 * them. One cheap indexed count per `pollMs` while waiting: nothing while the load runs.
 */
export async function finishedRound(prisma: PrismaClient, since: Date, options: { timeoutMs?: number; pollMs?: number } = {}): Promise<RoundTasks> {
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  const ofRound = { createdAt: { gte: since } };
  let quietPolls = 0;
  while (quietPolls < 2) {
    const unfinished = await prisma.task.count({ where: { ...ofRound, status: { in: ['PENDING', 'RUNNING'] } } });
    quietPolls = unfinished === 0 ? quietPolls + 1 : 0;
    if (quietPolls === 2) break;
    if (Date.now() > deadline) throw new Error(`${unfinished} tasks of the round were still under way after ${options.timeoutMs ?? 60_000} ms`);
    await sleep(unfinished === 0 ? 100 : options.pollMs ?? 50);
  }
  const all = await prisma.task.aggregate({ where: ofRound, _count: { _all: true }, _min: { createdAt: true }, _max: { finishedAt: true } });
  const succeeded = await prisma.task.count({ where: { ...ofRound, status: 'SUCCEEDED' } });
  const firstCreatedAt = all._min.createdAt?.getTime() ?? Number.NaN;
  const lastFinishedAt = all._max.finishedAt?.getTime() ?? Number.NaN;
  return {
    created: all._count._all,
    succeeded,
    firstCreatedAt,
    lastFinishedAt,
    tasksPerSecond: (succeeded / (lastFinishedAt - firstCreatedAt)) * 1000,
  };
}

/** Throws unless every task of the round succeeded (a failed one would flatter the rate). */
export function expectAllSucceeded(round: RoundTasks): RoundTasks {
  if (round.created === 0) throw new Error('the round created no task');
  if (round.succeeded !== round.created) throw new Error(`${round.created - round.succeeded} of ${round.created} tasks did not succeed`);
  return round;
}
