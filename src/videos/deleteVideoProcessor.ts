// DELETE_VIDEO: remove the stored files, then delete the row together with the
// task's completion. Run again after a crash, it finds the files gone and finishes the job.
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Processor } from '../tasks/processor.js';
import type { VideoRecord } from './videoTypes.js';

export function createDeleteVideoProcessor(mediaDir: string, findVideo: (id: string) => Promise<VideoRecord | null>): Processor {
  return async (task, { progress }) => {
    const { videoId } = task.input as { videoId: string };
    const video = await findVideo(videoId);
    if (video) {
      progress(0.1, 'removing-files');
      // Every file of a video lives in the directory of its content file.
      const directory = path.resolve(mediaDir, path.dirname(video.contentPath));
      if (directory.startsWith(path.resolve(mediaDir) + path.sep)) await fs.rm(directory, { recursive: true, force: true });
      else for (const file of [video.contentPath, video.posterPath]) await fs.rm(path.resolve(mediaDir, file), { force: true });
    }
    progress(0.9, 'removing-record');
    return {
      store: async (tx) => {
        await tx.video.deleteMany({ where: { id: videoId } });
      },
    };
  };
}
