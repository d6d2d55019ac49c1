// How late the event bus hands a task's change to its subscribers: from the change's updatedAt
// (set by the writing process just before its commit) to the delivery in this process.
import { Histogram, type Registry } from 'prom-client';
import type { TaskView } from '../tasks/taskTypes.js';

const buckets = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export function eventDeliveryObserver(registry: Registry): (task: TaskView) => void {
  const lag = new Histogram({
    name: 'longrun_event_delivery_lag_seconds',
    help: 'From a task change (its updatedAt) to its delivery to this process\'s subscribers.',
    buckets,
    registers: [registry],
  });
  return (task) => lag.observe(Math.max(0, (Date.now() - task.updatedAt.getTime()) / 1000));
}
