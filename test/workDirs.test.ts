// Two runs of one task may overlap (a frozen worker comes back): each renders into a work
// directory named after its attempt; a later attempt clears the earlier ones' (a crashed run's
// partial files), and an earlier one never touches a later one's.
import fs from 'node:fs/promises';
import path from 'node:path';
import { removeEarlierWorkDirs, workDirFor } from '../src/videos/workDirs.js';
import { makeDataDir } from './support/testApp.js';

test('attempt 3 clears the work directories of attempts 1 and 2 and the old layout; attempt 1 clears nothing of 3', async () => {
  const taskDir = await makeDataDir();
  const exists = (dir: string) => fs.access(dir).then(() => true, () => false);
  try {
    for (const dir of [workDirFor(taskDir, 1), workDirFor(taskDir, 2), workDirFor(taskDir, 3), path.join(taskDir, '.render-tmp')]) {
      await fs.mkdir(dir);
      await fs.writeFile(path.join(dir, 'video.mp4'), 'partial');
    }
    await fs.writeFile(path.join(taskDir, 'video.mp4'), 'published');
    await removeEarlierWorkDirs(taskDir, 1);
    expect(await exists(workDirFor(taskDir, 3))).toBe(true);
    expect(await exists(workDirFor(taskDir, 2))).toBe(true);
    await removeEarlierWorkDirs(taskDir, 3);
    expect(await exists(workDirFor(taskDir, 1))).toBe(false);
    expect(await exists(workDirFor(taskDir, 2))).toBe(false);
    expect(await exists(path.join(taskDir, '.render-tmp'))).toBe(false);
    expect(await fs.readFile(path.join(workDirFor(taskDir, 3), 'video.mp4'), 'utf8')).toBe('partial');
    expect(await fs.readFile(path.join(taskDir, 'video.mp4'), 'utf8')).toBe('published');
  } finally {
    await fs.rm(taskDir, { recursive: true, force: true });
  }
});
