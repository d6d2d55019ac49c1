// PGlite does not stop two processes from opening one data directory, and when both write,
// data is lost. So the embedded mode holds DATA_DIR/longrun.lock: created exclusively, holding
// the owner's pid and its kernel start time. A lock whose process is gone (killed, crashed)
// is stale and taken over; comparing start times keeps a reused pid from looking alive.
import { readFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

export class DataDirLockedError extends Error {
  constructor(readonly lockFile: string, readonly ownerPid: number) {
    super(
      `The data directory ${path.dirname(lockFile)} is in use by another longrun process (pid ${ownerPid}). ` +
        'Stop that process, or point DATA_DIR at another directory.',
    );
  }
}

interface LockContent {
  pid: number;
  startTime: string | null;
  host: string;
}

/** The process start time in clock ticks since boot (Linux), or null where /proc is absent. */
function processStartTime(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 22; the command name (field 2) may contain spaces, so count from its closing paren.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
  } catch {
    return null;
  }
}

function isAlive(owner: LockContent): boolean {
  if (owner.host !== os.hostname()) return true; // cannot check another machine: assume alive
  try {
    process.kill(owner.pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false;
  }
  const startTime = processStartTime(owner.pid);
  return owner.startTime === null || startTime === null || startTime === owner.startTime;
}

async function readOwner(lockFile: string): Promise<LockContent | null> {
  try {
    const parsed = JSON.parse(await fs.readFile(lockFile, 'utf8')) as Partial<LockContent>;
    if (typeof parsed.pid !== 'number') return null;
    return { pid: parsed.pid, startTime: parsed.startTime ?? null, host: parsed.host ?? os.hostname() };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    return null; // unreadable or half-written by a process killed while writing it: stale
  }
}

export interface DataDirLock {
  release(): Promise<void>;
}

export async function lockDataDir(dataDir: string): Promise<DataDirLock> {
  await fs.mkdir(dataDir, { recursive: true });
  const lockFile = path.join(dataDir, 'longrun.lock');
  const mine: LockContent = { pid: process.pid, startTime: processStartTime(process.pid), host: os.hostname() };
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const handle = await fs.open(lockFile, 'wx');
      await handle.writeFile(JSON.stringify(mine));
      await handle.close();
      let released = false;
      return {
        async release() {
          if (released) return;
          released = true;
          const owner = await readOwner(lockFile);
          if (owner?.pid === process.pid) await fs.rm(lockFile, { force: true });
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const owner = await readOwner(lockFile);
    // This very process counts as alive too: two apps in one process must not share a directory.
    if (owner && isAlive(owner)) throw new DataDirLockedError(lockFile, owner.pid);
    await fs.rm(lockFile, { force: true }); // stale: its owner is gone
  }
  throw new Error(`Could not take the lock ${lockFile}: it keeps reappearing`);
}
