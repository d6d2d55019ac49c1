// The time left, from how fast progress has moved since this attempt began to be watched. A
// retry starts from zero again, so a new attempt (or progress going back) restarts the estimate.

export class EtaEstimator {
  private origin: { at: number; progress: number; attempts: number } | null = null;

  constructor(private readonly now: () => number = Date.now) {}

  /** Seconds left, or null while there is nothing to go on (no progress yet in this attempt). */
  secondsLeft(progress: number, attempts: number): number | null {
    const at = this.now();
    if (!this.origin || attempts !== this.origin.attempts || progress < this.origin.progress) {
      this.origin = { at, progress, attempts };
      return null;
    }
    const done = progress - this.origin.progress;
    if (done <= 0 || progress >= 1) return progress >= 1 ? 0 : null;
    return Math.max(0, Math.round(((at - this.origin.at) / 1000) * ((1 - progress) / done)));
  }
}

export function formatSeconds(seconds: number | null): string {
  if (seconds === null) return '--';
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m${String(seconds % 60).padStart(2, '0')}s`;
  return `${Math.floor(minutes / 60)}h${String(minutes % 60).padStart(2, '0')}m`;
}
