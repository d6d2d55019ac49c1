/**
 * Parser for ffmpeg's `-progress` output: blocks of `key=value` lines, each block ending
 * with `progress=continue` or `progress=end`.
 */
export interface ProgressParser {
  /** Feed raw stdout chunks; lines may be split across chunks. */
  push(chunk: string): void;
  /** Highest fraction seen so far (0..1). */
  readonly fraction: number;
}

/**
 * Tracks the output time against `durationSeconds` and calls `onFraction` only when the
 * fraction grows, so callers get a non-decreasing sequence.
 */
export function createProgressParser(
  durationSeconds: number,
  onFraction: (fraction: number) => void,
): ProgressParser {
  let buffered = '';
  let fraction = 0;

  const update = (next: number): void => {
    const clamped = Math.min(1, Math.max(0, next));
    if (clamped > fraction) {
      fraction = clamped;
      onFraction(fraction);
    }
  };

  const onLine = (line: string): void => {
    const eq = line.indexOf('=');
    if (eq < 0) return;
    const key = line.slice(0, eq).trim();
    // `out_time_ms` is in microseconds too (a long-standing ffmpeg misnomer); older builds
    // print only that one, newer ones print both.
    if (key !== 'out_time_us' && key !== 'out_time_ms') return;
    const micros = Number(line.slice(eq + 1).trim());
    // Early blocks can carry N/A or a negative time before the first packet is written.
    if (!Number.isFinite(micros) || micros < 0 || durationSeconds <= 0) return;
    update(micros / 1e6 / durationSeconds);
  };

  return {
    push(chunk: string): void {
      buffered += chunk;
      const lines = buffered.split(/\r?\n/);
      buffered = lines.pop() ?? '';
      for (const line of lines) onLine(line);
    },
    get fraction(): number {
      return fraction;
    },
  };
}
