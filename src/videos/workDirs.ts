// Each render writes into a work directory of its own inside the task's media directory, and
// publishes by renaming into place. Two runs of one task can overlap (a worker frozen past its
// heartbeat comes back while the task's new run renders): neither may delete the other's files.
import { randomUUID } from 'node:crypto';
import { readdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';

const WORK_DIR_PREFIX = '.render-';
/**
 * A work directory nothing was written to for this long belongs to a run that died: a live
 * ffmpeg writes its output continuously (it reports progress every half second).
 */
const ABANDONED_AFTER_MS = 2 * 60_000;

export function newWorkDir(outputDir: string): string {
  return path.join(outputDir, `${WORK_DIR_PREFIX}${randomUUID()}`);
}

/** Removes the work directories of runs that died (killed mid-render), leaving live ones alone. */
export async function removeAbandonedWorkDirs(outputDir: string, now = Date.now()): Promise<void> {
  const entries = await readdir(outputDir, { withFileTypes: true }).catch(() => []);
  for (const entry of entries) {
    if (!entry.isDirectory() || !entry.name.startsWith(WORK_DIR_PREFIX)) continue;
    const dir = path.join(outputDir, entry.name);
    if (now - (await lastWrite(dir)) > ABANDONED_AFTER_MS) await rm(dir, { recursive: true, force: true });
  }
}

async function lastWrite(dir: string): Promise<number> {
  let latest = (await stat(dir).catch(() => null))?.mtimeMs ?? 0;
  for (const name of await readdir(dir).catch(() => [])) {
    const info = await stat(path.join(dir, name)).catch(() => null);
    if (info) latest = Math.max(latest, info.mtimeMs);
  }
  return latest;
}
