// Where rendered videos and posters live. Every process of a deployment writes and serves them
// through this interface; the file-system store keeps them under MEDIA_DIR, a volume all the
// processes share (a worker renders, an API process serves).
import fs from 'node:fs';
import path from 'node:path';
import type { Response } from 'express';

/** Why a stored file could not be sent: the caller's to see (a bad Range), or missing. */
export class MediaSendError extends Error {
  constructor(readonly status: number, message: string, readonly missing: boolean, readonly sizeBytes: number | null) {
    super(message);
  }
}

export interface MediaStore {
  /**
   * A directory of the task's own to render into. One per task: a retried or failed-over attempt
   * overwrites its own files, so a crash never leaves a second copy behind.
   */
  taskDirectory(taskId: string): string;
  /** The stored name (relative key) of a file written inside a task directory. */
  keyOf(file: string): string;
  /** Removes a video's files (all of them live in the directory of its content). */
  removeVideo(video: { contentPath: string; posterPath: string }): Promise<void>;
  /** Sends a stored file with Range, Last-Modified and caching headers; rejects with MediaSendError. */
  send(key: string, res: Response): Promise<void>;
}

export class FileSystemMediaStore implements MediaStore {
  readonly root: string;

  constructor(root: string) {
    this.root = path.resolve(root);
  }

  taskDirectory(taskId: string): string {
    return path.join(this.root, taskId);
  }

  keyOf(file: string): string {
    return path.relative(this.root, file);
  }

  async removeVideo(video: { contentPath: string; posterPath: string }): Promise<void> {
    const directory = path.resolve(this.root, path.dirname(video.contentPath));
    if (directory.startsWith(this.root + path.sep)) await fs.promises.rm(directory, { recursive: true, force: true });
    else for (const key of [video.contentPath, video.posterPath]) await fs.promises.rm(path.resolve(this.root, key), { force: true });
  }

  send(key: string, res: Response): Promise<void> {
    // send (under express) answers Range requests with 206 and Content-Range. A missing file (a
    // deletion removes the files a moment before the row) is its ENOENT, without a separate
    // existence check on every request.
    return new Promise((resolve, reject) => {
      res.sendFile(key, { root: this.root, acceptRanges: true, lastModified: true, maxAge: '1h', immutable: true }, (error?: Error & { status?: number; code?: string }) => {
        if (!error || res.headersSent) return resolve();
        if (error.code === 'ENOENT') return reject(new MediaSendError(404, error.message, true, null));
        const status = error.status ?? 500;
        if (status >= 500) return reject(error);
        const size = status === 416 ? fs.statSync(path.resolve(this.root, key), { throwIfNoEntry: false })?.size ?? null : null;
        reject(new MediaSendError(status, error.message, false, size));
      });
    });
  }
}
