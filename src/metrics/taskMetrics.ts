// The task lifecycle's instruments. Each process counts what it saw happen: the API the tasks it
// created and the cancels it accepted, the worker the outcomes of the runs it ended.
import { Counter, Histogram, type Registry } from 'prom-client';

export type TaskOutcome = 'succeeded' | 'failed' | 'cancelled';

export interface TaskMetrics {
  created: Counter<'kind'>;
  finished: Counter<'kind' | 'outcome'>;
  /** Created to finished, whatever the outcome. */
  duration: Histogram<'kind' | 'outcome'>;
  /** Created to the first run's start. */
  queueWait: Histogram<'kind'>;
  retries: Counter<'kind'>;
  failovers: Counter<'kind'>;
  cancels: Counter<'kind'>;
}

/** Renders take seconds to an hour; deletions milliseconds. */
const durationBuckets = [0.1, 0.5, 1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, 7200];
const queueWaitBuckets = [0.05, 0.1, 0.5, 1, 5, 15, 30, 60, 300, 900, 3600];

export function createTaskMetrics(registry: Registry): TaskMetrics {
  const registers = [registry];
  return {
    created: new Counter({ name: 'longrun_tasks_created_total', help: 'Tasks created (API processes), by kind.', labelNames: ['kind'], registers }),
    finished: new Counter({
      name: 'longrun_tasks_finished_total', help: 'Tasks that ended, by kind and outcome, counted by the process that ended them.', labelNames: ['kind', 'outcome'], registers,
    }),
    duration: new Histogram({
      name: 'longrun_task_duration_seconds', help: 'From creation to the end of a task, by kind and outcome.', labelNames: ['kind', 'outcome'], buckets: durationBuckets, registers,
    }),
    queueWait: new Histogram({
      name: 'longrun_task_queue_wait_seconds', help: 'From creation to the start of a task\'s first run, by kind.', labelNames: ['kind'], buckets: queueWaitBuckets, registers,
    }),
    retries: new Counter({ name: 'longrun_task_retries_total', help: 'Failed attempts scheduled to be tried again, by kind.', labelNames: ['kind'], registers }),
    failovers: new Counter({
      name: 'longrun_task_failovers_total', help: 'Running tasks taken over from a run whose worker died or stopped answering, by kind.', labelNames: ['kind'], registers,
    }),
    cancels: new Counter({ name: 'longrun_task_cancels_total', help: 'Cancels accepted (of a queued or a running task), by kind.', labelNames: ['kind'], registers }),
  };
}

/** Seconds between two instants, never negative (clocks of two processes may disagree slightly). */
export function secondsBetween(from: Date, to: Date): number {
  return Math.max(0, (to.getTime() - from.getTime()) / 1000);
}
