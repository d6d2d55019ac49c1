// CREATE_VIDEO: render the MP4 and poster into the media store, then describe the video
// to be stored together with the task's completion.
import type { RenderSettings } from '../config.js';
import type { Processor } from '../tasks/processor.js';
import type { CreateVideoInput } from './createVideoInput.js';
import { renderVideo } from './render.js';
import type { MediaStore } from './mediaStore.js';
import type { NewVideo } from './videoTypes.js';

/** What one render cost and produced (the metrics): ffmpeg's wall time, and the video's length (0 when it failed). */
export type RenderObserver = (observation: { wallSeconds: number; videoSeconds: number }) => void;

export function createVideoProcessor(media: MediaStore, settings: RenderSettings, onRendered: RenderObserver = () => undefined): Processor {
  return async (task, { signal, progress, ensureCurrent }) => {
    const input = task.input as unknown as CreateVideoInput;
    const outputDir = media.taskDirectory(task.id);
    const renderStarted = performance.now();
    let videoSeconds = 0;
    const rendering = renderVideo({
      title: input.title,
      plot: input.plot,
      durationSeconds: input.durationSeconds,
      ...settings,
      outputDir,
      signal,
      // A run frozen past its fail-over must not move its files over the new run's published ones.
      beforePublish: ensureCurrent,
      attempt: task.attempts,
      onProgress: (fraction, stage) => progress(fraction * 0.95, stage),
    });
    let result: Awaited<typeof rendering>;
    try {
      result = await rendering;
      videoSeconds = input.durationSeconds;
    } finally {
      onRendered({ wallSeconds: (performance.now() - renderStarted) / 1000, videoSeconds });
    }
    progress(0.97, 'publishing');
    const video: NewVideo = {
      callerId: task.callerId,
      title: input.title,
      plot: input.plot,
      durationSeconds: input.durationSeconds,
      width: settings.width,
      height: settings.height,
      fps: settings.fps,
      sizeBytes: result.sizeBytes,
      contentPath: media.keyOf(result.contentFile),
      posterPath: media.keyOf(result.posterFile),
    };
    return {
      store: async (tx) => ({ videoId: (await tx.video.create({ data: video })).id }),
    };
  };
}
