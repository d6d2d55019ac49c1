// PGlite does not stop two processes from opening one data directory, and when both write,
// data is lost. So the embedded mode locks DATA_DIR for as long as the server runs.
//
// On Linux the lock is an abstract Unix socket named after the directory's real path: binding
// it is atomic, and the kernel releases it the instant the process dies, however it dies, so
// a killed server never blocks the next start and two starting servers can never both win.
// DATA_DIR/longrun.lock records the holder's pid for the error message; it decides nothing.
// Elsewhere the lock file itself is the lock (created exclusively; stale when its pid is gone).
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';

export class DataDirLockedError extends Error {
  constructor(readonly lockFile: string, readonly ownerPid: number | null) {
    super(
      `The data directory ${path.dirname(lockFile)} is in use by another longrun process` +
        `${ownerPid ? ` (pid ${ownerPid})` : ''}. Stop that process, or point DATA_DIR at another directory.`,
    );
  }
}

export interface DataDirLock {
  release(): Promise<void>;
}

interface LockContent {
  pid: number;
  startTime: string | null;
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

async function readOwner(lockFile: string): Promise<LockContent | null> {
  try {
    const parsed = JSON.parse(await fs.readFile(lockFile, 'utf8')) as Partial<LockContent>;
    return typeof parsed.pid === 'number' ? { pid: parsed.pid, startTime: parsed.startTime ?? null } : null;
  } catch {
    return null; // missing, or half-written by a process killed while writing it
  }
}

function mine(): LockContent {
  return { pid: process.pid, startTime: processStartTime(process.pid) };
}

async function removeIfMine(lockFile: string): Promise<void> {
  const owner = await readOwner(lockFile);
  if (owner?.pid === process.pid) await fs.rm(lockFile, { force: true });
}

function bindAbstractSocket(name: string): Promise<net.Server> {
  return new Promise((resolve, reject) => {
    const server = net.createServer((socket) => socket.destroy());
    server.once('error', reject);
    server.listen(name, () => {
      server.off('error', reject);
      server.unref(); // the lock must not keep the process alive
      resolve(server);
    });
  });
}

async function lockWithSocket(directory: string, lockFile: string): Promise<DataDirLock> {
  // Named after the directory's identity (device and inode), not its path, so the same
  // directory reached through a bind mount or another path is the same lock.
  const { dev, ino } = await fs.stat(directory);
  const name = `\0longrun-data-dir-${createHash('sha256').update(`${dev}:${ino}`).digest('hex').slice(0, 40)}`;
  let server: net.Server;
  try {
    server = await bindAbstractSocket(name);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
    throw new DataDirLockedError(lockFile, (await readOwner(lockFile))?.pid ?? null);
  }
  // Written aside and renamed into place, so a reader never sees half a file.
  const temporary = `${lockFile}.${process.pid}.tmp`;
  try {
    await fs.writeFile(temporary, JSON.stringify(mine()));
    await fs.rename(temporary, lockFile);
  } catch (error) {
    await fs.rm(temporary, { force: true });
    await new Promise<void>((resolve) => server.close(() => resolve()));
    throw error;
  }
  let released = false;
  return {
    async release() {
      if (released) return;
      released = true;
      await removeIfMine(lockFile);
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function isAlive(owner: LockContent): boolean {
  try {
    process.kill(owner.pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false;
  }
  // A reused pid belongs to a process that started at another time.
  const startTime = processStartTime(owner.pid);
  return owner.startTime === null || startTime === null || startTime === owner.startTime;
}

/** Best effort where there are no abstract sockets: two servers starting at once may race. */
async function lockWithFile(lockFile: string): Promise<DataDirLock> {
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      await fs.writeFile(lockFile, JSON.stringify(mine()), { flag: 'wx' });
      return { release: () => removeIfMine(lockFile) };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const owner = await readOwner(lockFile);
    if (owner && isAlive(owner)) throw new DataDirLockedError(lockFile, owner.pid);
    await fs.rm(lockFile, { force: true });
  }
  throw new Error(`Could not take the lock ${lockFile}: it keeps reappearing`);
}

export async function lockDataDir(dataDir: string): Promise<DataDirLock> {
  await fs.mkdir(dataDir, { recursive: true });
  const directory = await fs.realpath(dataDir);
  const lockFile = path.join(directory, 'longrun.lock');
  return process.platform === 'linux' ? lockWithSocket(directory, lockFile) : lockWithFile(lockFile);
}
