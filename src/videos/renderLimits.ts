// The render formats this server accepts, in one place: config.ts checks RENDER_* against them
// and render.ts checks every request against them (the static ffmpeg would silently crop odd
// sizes and accept absurd ones).
export const renderLimits = {
  minDimension: 16,
  /** 4K UHD; beyond it a render takes minutes per second of video on two cores. */
  maxDimension: 3840,
  minFps: 1,
  maxFps: 60,
} as const;
