// What the CREATE_VIDEO processor's ffmpeg did: wall time spent rendering, and seconds of video
// produced. Their ratio is the render speed (video seconds per wall second).
import { Counter, type Registry } from 'prom-client';

export interface RenderObservation {
  /** ffmpeg's wall time, whether or not the render succeeded. */
  wallSeconds: number;
  /** The rendered video's duration; 0 when the render failed. */
  videoSeconds: number;
}

export function renderObserver(registry: Registry): (observation: RenderObservation) => void {
  const wall = new Counter({ name: 'longrun_render_seconds_total', help: 'Wall time spent rendering videos (ffmpeg), failed renders included.', registers: [registry] });
  const video = new Counter({ name: 'longrun_rendered_video_seconds_total', help: 'Seconds of video rendered successfully.', registers: [registry] });
  return ({ wallSeconds, videoSeconds }) => {
    wall.inc(wallSeconds);
    if (videoSeconds > 0) video.inc(videoSeconds);
  };
}
