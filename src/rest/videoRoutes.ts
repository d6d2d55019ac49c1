// Videos: read, list, the media files (with Range), and DELETE as a task.
import fs from 'node:fs';
import path from 'node:path';
import { Router, type Request, type Response } from 'express';
import { NotFoundError } from '../errors.js';
import { HttpProblem } from './problem.js';
import type { TaskService } from '../tasks/taskService.js';
import { methodNotAllowed } from './handlers.js';
import { noBodyOrJson } from './jsonBody.js';
import { nextLink, pageParams } from './queryParams.js';
import { videoBody } from './representations.js';
import { idempotencyOf, sendAccepted } from './taskRoutes.js';

/** What send reports about the request (a bad Range, a failed precondition) is the caller's to see. */
// A missing file (a deletion removes the files a moment before the row) is a 404 through
// send's ENOENT, without a separate existence check on every request.
function mediaError(error: Error & { status?: number; code?: string }, file: string, videoId: string): Error {
  if (error.code === 'ENOENT') return new NotFoundError('media', videoId);
  const status = error.status ?? 500;
  if (status >= 500) return error;
  return new HttpProblem(status, status === 416 ? { 'Content-Range': `bytes */${fs.statSync(file, { throwIfNoEntry: false })?.size ?? '*'}` } : {}, error.message);
}

export function videoRoutes(tasks: TaskService, mediaDir: string): Router {
  const router = Router();

  router.get('/videos', async (req, res) => {
    const page = await tasks.listVideos(pageParams(req));
    if (page.nextCursor) res.set('Link', nextLink(req, page.nextCursor));
    res.json({ items: page.items.map(videoBody), nextCursor: page.nextCursor });
  });
  router.all('/videos', methodNotAllowed(['GET', 'HEAD']));

  router.get('/videos/:id', async (req, res) => {
    res.json(videoBody(await tasks.getVideo(String(req.params.id))));
  });
  // When a DELETE takes too long to do at once, it becomes a task (the seed's pattern).
  router.delete('/videos/:id', noBodyOrJson, async (req, res) => {
    sendAccepted(res, tasks, await tasks.deleteVideoTask(String(req.params.id), idempotencyOf(req)));
  });
  router.all('/videos/:id', methodNotAllowed(['GET', 'HEAD', 'DELETE']));

  const serveMedia = (pick: 'contentPath' | 'posterPath') => async (req: Request, res: Response): Promise<void> => {
    const video = await tasks.getVideo(String(req.params.id));
    const file = path.resolve(mediaDir, video[pick]);
    // send (under express) answers Range requests with 206 and Content-Range.
    await new Promise<void>((resolve, reject) => {
      res.sendFile(video[pick], { root: mediaDir, acceptRanges: true, lastModified: true, maxAge: '1h', immutable: true }, (error) => {
        if (!error || res.headersSent) return resolve();
        reject(mediaError(error, file, video.id));
      });
    });
  };
  router.get('/videos/:id/content', serveMedia('contentPath'));
  router.get('/videos/:id/poster', serveMedia('posterPath'));
  return router;
}
