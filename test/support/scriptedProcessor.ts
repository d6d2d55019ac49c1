// A processor driven by the task's title, for lifecycle tests that need failures on cue:
//   "flaky:N"     fails with a retryable error on its first N attempts, then succeeds
//   "permanent"   fails with a permanent error
//   "retryable"   always fails with a retryable error
//   "crash"       throws a plain Error (an unexpected failure)
//   "sleep:MS"    takes MS milliseconds (honouring the abort signal), then succeeds
//   anything else succeeds at once
import { TaskFailure, type Processor } from '../../src/tasks/processor.js';

/** Resolves after `ms`, or rejects when `signal` fires first (as a render stops on cancel). */
export function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      reject(new Error('aborted'));
    }, { once: true });
  });
}

export const scriptedProcessor: Processor = async (task, { signal, progress }) => {
  const { title } = task.input as { title: string };
  const [verb, arg] = title.split(':');
  progress(0.5, 'working');
  switch (verb) {
    case 'flaky':
      if (task.attempts <= Number(arg)) throw new TaskFailure('FLAKY', `attempt ${task.attempts} failed`, true);
      return {};
    case 'permanent':
      throw new TaskFailure('BAD_PLOT', 'The plot cannot be rendered.', false);
    case 'retryable':
      throw new TaskFailure('UPSTREAM_DOWN', 'A dependency is down.', true);
    case 'crash':
      throw new Error('secret internal detail');
    case 'sleep':
      await abortableSleep(Number(arg), signal);
      return {};
    default:
      return {};
  }
};
