import type { Video } from '../generated/prisma/client.js';

/** A stored video row. */
export type VideoRecord = Video;

/** The video row the CREATE_VIDEO processor stores with the task's completion. */
export type NewVideo = Omit<Video, 'id' | 'createdAt' | 'deletingTaskId'>;

export function videoLinks(id: string): { self: string; content: string; poster: string } {
  const self = `/videos/${id}`;
  return { self, content: `${self}/content`, poster: `${self}/poster` };
}
