// Each render writes into a work directory of its own inside the task's media directory, named
// after its attempt, and publishes by renaming into place. Two runs of one task can overlap (a
// worker frozen past its heartbeat comes back while the task's next attempt renders): the later
// attempt clears the earlier ones' directories (those runs are fenced out of the task already,
// and a crashed one left its partial files there), never the other way round.
import { readdir, rm } from 'node:fs/promises';
import path from 'node:path';

const WORK_DIR_PREFIX = '.render-';

export function workDirFor(outputDir: string, attempt: number): string {
  return path.join(outputDir, `${WORK_DIR_PREFIX}${attempt}`);
}

/** Removes the work directories of attempts before `attempt` (and of older layouts: `.render-tmp`). */
export async function removeEarlierWorkDirs(outputDir: string, attempt: number): Promise<void> {
  const entries = await readdir(outputDir, { withFileTypes: true }).catch(() => []);
  for (const entry of entries) {
    if (!entry.isDirectory() || !entry.name.startsWith(WORK_DIR_PREFIX)) continue;
    const earlier = Number(entry.name.slice(WORK_DIR_PREFIX.length));
    if (!Number.isInteger(earlier) || earlier < attempt) await rm(path.join(outputDir, entry.name), { recursive: true, force: true });
  }
}
