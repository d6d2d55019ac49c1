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

export function shouldRetry(policy: RetryPolicy, attemptsSoFar: number, retryable: boolean): boolean {
  return retryable && attemptsSoFar < policy.maxAttempts;
}
