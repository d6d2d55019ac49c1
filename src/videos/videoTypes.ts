import type { Video } from '../generated/prisma/client.js';

/** A stored video row. */
export type VideoRecord = Video;

/** The video row the CREATE_VIDEO processor stores with the task's completion. */
export type NewVideo = Omit<Video, 'id' | 'createdAt' | 'deletingTaskId'>;

