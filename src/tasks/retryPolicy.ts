import type { RetryPolicy } from '../config.js';

/**
 * Delay before the attempt after `attemptsSoFar` failed ones: exponential from baseMs,
 * capped, with "equal jitter" (half fixed, half random) so retries of many tasks that failed
 * together spread out without ever retrying at once.
 */
export function backoffMs(policy: RetryPolicy, attemptsSoFar: number, random: () => number = Math.random): number {
  const exponential = Math.min(policy.capMs, policy.baseMs * 2 ** Math.max(0, attemptsSoFar - 1));
  return Math.round(exponential / 2 + (random() * exponential) / 2);
}

export interface RetryCandidate {
  /** Attempts started so far, the failed one included. */
  attempts: number;
  createdAt: Date;
}

/**
 * Whether a failed attempt is tried again: a retryable failure while attempts remain, and a
 * failure for want of a resource (a full disk) as long as the task is younger than
 * resourceWaitMs, however many attempts it took (each at most capMs apart).
 */
export function shouldRetry(
  policy: RetryPolicy,
  task: RetryCandidate,
  failure: { retryable: boolean; resourceShortage?: boolean },
  now = Date.now(),
): boolean {
  if (!failure.retryable) return false;
  if (task.attempts < policy.maxAttempts) return true;
  return failure.resourceShortage === true && now - task.createdAt.getTime() < policy.resourceWaitMs;
}
