// DELETE_VIDEO: remove the stored files, then delete the row together with the
// task's completion. Run again after a crash, it finds the files gone and finishes the job.
import type { Processor } from '../tasks/processor.js';
import type { MediaStore } from './mediaStore.js';
import type { VideoRecord } from './videoTypes.js';

export function createDeleteVideoProcessor(media: MediaStore, findVideo: (id: string) => Promise<VideoRecord | null>): Processor {
  return async (task, { progress }) => {
    const { videoId } = task.input as { videoId: string };
    const video = await findVideo(videoId);
    if (video) {
      progress(0.1, 'removing-files');
      await media.removeVideo(video);
    }
    progress(0.9, 'removing-record');
    return {
      store: async (tx) => {
        await tx.video.deleteMany({ where: { id: videoId } });
      },
    };
  };
}
