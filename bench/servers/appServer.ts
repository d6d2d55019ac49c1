// The app (buildApp) in a child process of the benchmark, so that clients in the parent do not
// share its event loop and its memory can be measured alone. Controlled over IPC; see
// bench/lib/appChild.ts for the parent's side and the message types.
//
// Processor for CREATE_VIDEO: each task is held until the parent releases or completes it,
// and may report progress on request, so the parent decides when a task changes. The times the
// parent measures from are taken here, where the processor hands a change to the app (its
// return, a progress report): the app no longer publishes, the database announces its commits.
// Task reads are counted (bench/lib/readCounter.ts) for figures 7 and 10.
import { writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';
import { monitorEventLoopDelay, performance as perf } from 'node:perf_hooks';
import { writeHeapSnapshot } from 'node:v8';
import type { ProcessorContext } from '../../src/tasks/processor.js';
import { startBenchApp } from '../lib/benchApp.js';
import type { ChildReply, ChildRequest, ChildSpec } from '../lib/appChild.js';
import { countTaskReads, takeTaskReads } from '../lib/readCounter.js';
import { epochMs } from '../lib/stats.js';
import { anonymousCaller } from '../../src/auth/caller.js';

const spec = JSON.parse(process.argv[2] ?? '{}') as ChildSpec;
const send = (message: ChildReply) => process.send?.(message);

const held = new Map<string, { context: ProcessorContext; finish: () => void }>();
const releasedEarly = new Set<string>();
/** Epoch ms at which each task's processor returned (the app then writes the terminal state). */
const processorEnds = new Map<string, number>();

countTaskReads();
const bench = await startBenchApp({
  db: spec.db,
  ...(spec.databaseUrl ? { databaseUrl: spec.databaseUrl } : {}),
  config: { workerConcurrency: spec.workerConcurrency, progressIntervalMs: spec.progressIntervalMs ?? 100 },
  processors: {
    CREATE_VIDEO: (task, context) => new Promise((resolve) => {
      if (releasedEarly.delete(task.id)) {
        processorEnds.set(task.id, epochMs());
        return resolve({});
      }
      const timer = setTimeout(() => finish(), spec.holdTimeoutMs ?? 60_000);
      const finish = () => {
        clearTimeout(timer);
        held.delete(task.id);
        processorEnds.set(task.id, epochMs());
        resolve({});
      };
      held.set(task.id, { context, finish });
      context.signal.addEventListener('abort', finish, { once: true });
    }),
  },
});

const delay = monitorEventLoopDelay({ resolution: 5 });
delay.enable();
let lastElu = perf.eventLoopUtilization();

let session: Session | null = null;

async function handle(request: ChildRequest): Promise<ChildReply> {
  switch (request.op) {
    case 'create': {
      const task = await bench.app.services.tasks.createVideoTask(anonymousCaller, request.input);
      return { op: 'created', seq: request.seq, id: task.id };
    }
    case 'release': {
      for (const id of request.ids) {
        const run = held.get(id);
        if (run) run.finish();
        else releasedEarly.add(id);
      }
      return { op: 'ok', seq: request.seq };
    }
    case 'progress': {
      const run = held.get(request.id);
      if (!run) throw new Error(`task ${request.id} is not held`);
      const at = epochMs();
      run.context.progress(request.fraction, 'rendering');
      return { op: 'progress', seq: request.seq, at };
    }
    case 'held': {
      return { op: 'held', seq: request.seq, ids: [...held.keys()] };
    }
    case 'processorEnds': {
      const times = request.ids.map((id) => processorEnds.get(id) ?? null);
      for (const id of request.ids) processorEnds.delete(id);
      return { op: 'processorEnds', seq: request.seq, times };
    }
    case 'reads': {
      return { op: 'reads', seq: request.seq, reads: takeTaskReads() };
    }
    case 'memory': {
      const gc = (globalThis as { gc?: () => void }).gc;
      churnYoungGeneration();
      for (let i = 0; i < 3; i++) {
        gc?.();
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      return { op: 'memory', seq: request.seq, usage: process.memoryUsage() };
    }
    case 'loop': {
      const elu = perf.eventLoopUtilization(lastElu);
      lastElu = perf.eventLoopUtilization();
      const reply: ChildReply = {
        op: 'loop', seq: request.seq, utilization: elu.utilization,
        delayP50: delay.percentile(50) / 1e6, delayP99: delay.percentile(99) / 1e6, delayMax: delay.max / 1e6,
      };
      delay.reset();
      return reply;
    }
    case 'profile': {
      if (request.action === 'start') {
        session ??= new Session();
        session.connect();
        await session.post('Profiler.enable');
        await session.post('Profiler.setSamplingInterval', { interval: 200 });
        await session.post('Profiler.start');
      } else {
        if (!session) throw new Error('no profile started');
        const { profile } = await session.post('Profiler.stop');
        await writeFile(request.file, JSON.stringify(profile));
        session.disconnect();
      }
      return { op: 'ok', seq: request.seq };
    }
    case 'heapSnapshot': {
      const gc = (globalThis as { gc?: () => void }).gc;
      gc?.();
      writeHeapSnapshot(request.file);
      return { op: 'ok', seq: request.seq };
    }
    case 'stop': {
      await stop();
      return { op: 'ok', seq: request.seq };
    }
  }
}

process.on('message', (message: ChildRequest) => {
  handle(message).then(send, (error: unknown) => send({ op: 'error', seq: message.seq, message: error instanceof Error ? error.message : String(error) }));
});
let stopping: Promise<void> | null = null;
function stop(): Promise<void> {
  stopping ??= bench.stop();
  return stopping;
}
process.on('disconnect', () => {
  void stop().finally(() => process.exit(0));
});
send({ op: 'ready', url: bench.url });

/**
 * Cycles ~100 MB of short-lived objects through the young generation so that all of its pages
 * have been touched (and count in RSS) before every memory reading, not only after the
 * 5,000 connections did it: otherwise up to 32 MB of semi-space shows up as "per socket".
 */
function churnYoungGeneration(): void {
  let keep: { i: number }[] = [];
  for (let i = 0; i < 3_000_000; i++) {
    keep.push({ i });
    if (keep.length === 10_000) keep = [];
  }
}
