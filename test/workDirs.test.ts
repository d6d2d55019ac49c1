// Two runs of one task may overlap (a frozen worker comes back): each renders into a work
// directory of its own, and only directories nothing wrote to for minutes are cleared away.
import fs from 'node:fs/promises';
import path from 'node:path';
import { newWorkDir, removeAbandonedWorkDirs } from '../src/videos/workDirs.js';
import { makeDataDir } from './support/testApp.js';

test('a live run\'s work directory survives another run\'s start; a dead run\'s is removed', async () => {
  const taskDir = await makeDataDir();
  try {
    const live = newWorkDir(taskDir);
    const dead = newWorkDir(taskDir);
    expect(live).not.toBe(dead);
    for (const dir of [live, dead]) {
      await fs.mkdir(dir);
      await fs.writeFile(path.join(dir, 'video.mp4'), 'partial');
    }
    const longAgo = new Date(Date.now() - 10 * 60_000);
    await fs.utimes(path.join(dead, 'video.mp4'), longAgo, longAgo);
    await fs.utimes(dead, longAgo, longAgo);
    await fs.writeFile(path.join(taskDir, 'video.mp4'), 'published');
    await removeAbandonedWorkDirs(taskDir);
    expect(await fs.readFile(path.join(live, 'video.mp4'), 'utf8')).toBe('partial');
    await expect(fs.access(dead)).rejects.toThrow();
    expect(await fs.readFile(path.join(taskDir, 'video.mp4'), 'utf8')).toBe('published');
  } finally {
    await fs.rm(taskDir, { recursive: true, force: true });
  }
});
