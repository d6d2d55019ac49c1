// The DATA_DIR lock: one holder at a time, even among processes started together, and a lock
// whose holder died never blocks the next start.
import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { DataDirLockedError, lockDataDir } from '../src/db/dataDirLock.js';
import { makeDataDir } from './support/testApp.js';

let dataDir: string;
beforeEach(async () => {
  dataDir = await makeDataDir();
});
afterEach(async () => {
  await fs.rm(dataDir, { recursive: true, force: true });
});

test('a second holder is refused with the first one named, and can take over after release', async () => {
  const first = await lockDataDir(dataDir);
  const refused = await lockDataDir(dataDir).catch((error: unknown) => error);
  expect(refused).toBeInstanceOf(DataDirLockedError);
  expect((refused as DataDirLockedError).ownerPid).toBe(process.pid);
  expect((refused as Error).message).toContain(`pid ${process.pid}`);
  await first.release();
  const second = await lockDataDir(path.join(dataDir, '.')); // the same directory by another spelling
  await second.release();
});

const holder = (dir: string) => `
  const { lockDataDir } = await import(${JSON.stringify(path.resolve('src/db/dataDirLock.ts'))});
  try { await lockDataDir(${JSON.stringify(dir)}); console.log('locked'); setInterval(() => {}, 1000); }
  catch (error) { console.log('refused'); process.exit(0); }`;

function startHolder(dir: string) {
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', holder(dir)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const outcome = new Promise<string>((resolve) => child.stdout.once('data', (chunk: Buffer) => resolve(chunk.toString().trim())));
  return { child, outcome };
}

test('of processes racing for the lock exactly one wins; SIGKILL of the winner frees it at once', async () => {
  const racers = Array.from({ length: 4 }, () => startHolder(dataDir));
  const outcomes = await Promise.all(racers.map((r) => r.outcome));
  expect(outcomes.filter((o) => o === 'locked')).toHaveLength(1);
  const winner = racers[outcomes.indexOf('locked')]!.child;
  const exited = new Promise((resolve) => winner.once('exit', resolve));
  winner.kill('SIGKILL');
  await exited;
  // The lock file is still there, naming a dead process; it does not matter.
  await expect(fs.access(path.join(dataDir, 'longrun.lock'))).resolves.toBeUndefined();
  const next = await lockDataDir(dataDir);
  await next.release();
}, 60_000);
