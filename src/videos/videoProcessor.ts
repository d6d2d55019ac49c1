// CREATE_VIDEO: render the MP4 and poster into the media directory, then describe the video
// to be stored together with the task's completion.
import path from 'node:path';
import type { RenderSettings } from '../config.js';
import type { Processor } from '../tasks/processor.js';
import type { CreateVideoInput } from './createVideoInput.js';
import { renderVideo } from './render.js';
import type { NewVideo } from './videoTypes.js';

export function createVideoProcessor(mediaDir: string, settings: RenderSettings): Processor {
  return async (task, { signal, progress }) => {
    const input = task.input as unknown as CreateVideoInput;
    // One directory per task: a retried or recovered attempt overwrites its own files,
    // so a crash never leaves a second copy behind.
    const outputDir = path.join(mediaDir, task.id);
    const result = await renderVideo({
      title: input.title,
      plot: input.plot,
      durationSeconds: input.durationSeconds,
      ...settings,
      outputDir,
      signal,
      onProgress: (fraction, stage) => progress(fraction * 0.95, stage),
    });
    progress(0.97, 'publishing');
    const video: NewVideo = {
      title: input.title,
      plot: input.plot,
      durationSeconds: input.durationSeconds,
      width: settings.width,
      height: settings.height,
      fps: settings.fps,
      sizeBytes: result.sizeBytes,
      contentPath: path.relative(mediaDir, result.contentFile),
      posterPath: path.relative(mediaDir, result.posterFile),
    };
    return {
      store: async (tx) => ({ videoId: (await tx.video.create({ data: video })).id }),
    };
  };
}
