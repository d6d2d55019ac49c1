import type { Video } from '../generated/prisma/client.js';

/** A stored video row. */
export type VideoRecord = Video;

/** What a processor hands back for the runner to store with the task's completion. */
export type NewVideo = Omit<Video, 'id' | 'createdAt' | 'deletingTaskId'>;

export function videoLinks(id: string): { self: string; content: string; poster: string } {
  const self = `/videos/${id}`;
  return { self, content: `${self}/content`, poster: `${self}/poster` };
}
