// The seed's REST pattern: POST a task (202 + Content-Location), poll it (200 pending, then
// 303 See Other to the created video), fetch the video and its media.
import path from 'node:path';
import express, { Router, type NextFunction, type Request, type Response } from 'express';
import type { TaskService } from '../tasks/taskService.js';
import { pollAfterSeconds } from '../tasks/pollHint.js';
import { asyncHandler, methodNotAllowed } from './handlers.js';
import { sendProblem } from './problem.js';
import { taskBody, taskPath, videoBody } from './representations.js';

export const maxBodyBytes = 1024 * 1024;

function requireJson(req: Request, res: Response, next: NextFunction): void {
  if (req.is('application/json')) return next();
  sendProblem(res, {
    status: 415,
    code: 'UNSUPPORTED_MEDIA_TYPE',
    detail: `The request body must be application/json (got ${req.headers['content-type'] ?? 'no Content-Type'}).`,
  }, req.originalUrl);
}

export function videosRouter(tasks: TaskService, mediaDir: string): Router {
  const router = Router();
  const parseJson = express.json({ limit: maxBodyBytes, strict: true, type: () => true });

  router.post('/videos/tasks', requireJson, parseJson, asyncHandler(async (req, res) => {
    const task = await tasks.createVideoTask(req.body);
    res.status(202)
      .set('Content-Location', taskPath(task.id))
      .set('Retry-After', String(pollAfterSeconds(task) ?? 1))
      .json(taskBody(task));
  }));
  router.all('/videos/tasks', methodNotAllowed(['POST']));

  const readTask = asyncHandler(async (req, res) => {
    const task = await tasks.getTask(String(req.params.id));
    const body = taskBody(task);
    if (task.status === 'SUCCEEDED' && task.videoId) {
      res.status(303).set('Location', `/videos/${task.videoId}`).json(body);
      return;
    }
    const retryAfter = pollAfterSeconds(task);
    if (retryAfter !== null) res.set('Retry-After', String(retryAfter));
    res.status(200).json(body);
  });
  // The seed's own example polls the singular path; both answer alike.
  for (const base of ['/videos/tasks', '/video/tasks']) {
    router.get(`${base}/:id`, readTask);
    router.all(`${base}/:id`, methodNotAllowed(['GET', 'HEAD']));
  }

  router.get('/videos/:id', asyncHandler(async (req, res) => {
    res.json(videoBody(await tasks.getVideo(String(req.params.id))));
  }));
  router.all('/videos/:id', methodNotAllowed(['GET', 'HEAD']));

  const serveMedia = (pick: 'contentPath' | 'posterPath') => asyncHandler(async (req, res) => {
    const video = await tasks.getVideo(String(req.params.id));
    // send (under express) answers Range requests with 206 and Content-Range.
    await new Promise<void>((resolve, reject) => {
      res.sendFile(video[pick], { root: mediaDir, acceptRanges: true, lastModified: true, maxAge: '1h', immutable: true }, (error) => {
        if (!error) return resolve();
        if (res.headersSent) return resolve();
        reject(Object.assign(new Error(`media file missing for video ${video.id}`), { cause: error }));
      });
    });
  });
  router.get('/videos/:id/content', serveMedia('contentPath'));
  router.get('/videos/:id/poster', serveMedia('posterPath'));

  return router;
}

export function mediaDirOf(dataDir: string): string {
  return path.join(dataDir, 'media');
}
