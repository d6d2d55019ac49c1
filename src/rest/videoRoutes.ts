// Videos: read, list, the media files (with Range), and DELETE as a task.
import { Router, type Request, type Response } from 'express';
import { NotFoundError } from '../errors.js';
import { HttpProblem } from './problem.js';
import type { TaskService } from '../tasks/taskService.js';
import { MediaSendError, type MediaStore } from '../videos/mediaStore.js';
import type { MediaAsset } from '../videos/mediaLinks.js';
import { callerOf } from './authentication.js';
import { methodNotAllowed } from './handlers.js';
import { noBodyOrJson } from './jsonBody.js';
import { nextLink, pageParams } from './queryParams.js';
import { videoBody } from './representations.js';
import { idempotencyOf, sendAccepted } from './taskRoutes.js';

/** What the store reports about the request (a bad Range, a failed precondition) is the caller's to see. */
function mediaError(error: unknown, videoId: string): unknown {
  if (!(error instanceof MediaSendError)) return error;
  if (error.missing) return new NotFoundError('media', videoId);
  return new HttpProblem(error.status, error.status === 416 ? { 'Content-Range': `bytes */${error.sizeBytes ?? '*'}` } : {}, error.message);
}

export function videoRoutes(tasks: TaskService, media: MediaStore): Router {
  const router = Router();

  router.get('/videos', async (req, res) => {
    const page = await tasks.listVideos(callerOf(res), pageParams(req));
    if (page.nextCursor) res.set('Link', nextLink(req, page.nextCursor));
    res.json({ items: page.items.map((video) => videoBody(video, tasks.mediaUrls(video))), nextCursor: page.nextCursor });
  });
  router.all('/videos', methodNotAllowed(['GET', 'HEAD']));

  router.get('/videos/:id', async (req, res) => {
    const video = await tasks.getVideo(callerOf(res), String(req.params.id));
    res.json(videoBody(video, tasks.mediaUrls(video)));
  });
  // When a DELETE takes too long to do at once, it becomes a task (the seed's pattern).
  router.delete('/videos/:id', noBodyOrJson, async (req, res) => {
    sendAccepted(res, tasks, await tasks.deleteVideoTask(callerOf(res), String(req.params.id), idempotencyOf(req)));
  });
  router.all('/videos/:id', methodNotAllowed(['GET', 'HEAD', 'DELETE']));

  const serveMedia = (asset: MediaAsset) => async (req: Request, res: Response): Promise<void> => {
    const id = String(req.params.id);
    // Either the caller's own video, or whatever video a valid signed link names (authentication.ts).
    const video = res.locals.caller
      ? await tasks.getVideo(res.locals.caller, id)
      : await tasks.getVideoByLink(id, asset, req.query.expires, req.query.signature);
    const pick = asset === 'content' ? 'contentPath' : 'posterPath';
    try {
      await media.send(video[pick], res);
    } catch (error) {
      throw mediaError(error, video.id);
    }
  };
  router.get('/videos/:id/content', serveMedia('content'));
  router.get('/videos/:id/poster', serveMedia('poster'));
  return router;
}
