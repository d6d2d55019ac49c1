// The seed's REST pattern for tasks: POST (202 + Content-Location), poll (200 pending, then 303
// See Other to the created video), plus list, wait, cancel and removal of finished records.
import { Router, type Request, type Response } from 'express';
import { pollAfterSeconds } from '../tasks/pollHint.js';
import { TaskService } from '../tasks/taskService.js';
import { isTerminal, type TaskView } from '../tasks/taskTypes.js';
import { methodNotAllowed } from './handlers.js';
import { callerOf } from './authentication.js';
import { jsonBody, noBodyOrJson } from './jsonBody.js';
import { integerParam, nextLink, pageParams, taskFilterParams } from './queryParams.js';
import { taskBody, taskPath } from './representations.js';

/** The Idempotency-Key header, for TaskService. */
export function idempotencyOf(req: Request) {
  return { key: req.get('Idempotency-Key'), field: 'Idempotency-Key', in: 'header' as const };
}

/** 202 Accepted for a task just created (or replayed by its idempotency key). */
export function sendAccepted(res: Response, tasks: TaskService, task: TaskView): void {
  res.status(202)
    .set('Content-Location', taskPath(task.id))
    .set('Retry-After', String(pollAfterSeconds(task) ?? 1))
    .json(taskBody(task, tasks.expiresAt(task)));
}

function sendTask(res: Response, tasks: TaskService, task: TaskView): void {
  const body = taskBody(task, tasks.expiresAt(task));
  if (task.status === 'SUCCEEDED' && task.videoId) {
    res.status(303).set('Location', `/videos/${task.videoId}`).json(body);
    return;
  }
  const retryAfter = pollAfterSeconds(task);
  if (retryAfter !== null) res.set('Retry-After', String(retryAfter));
  res.status(200).json(body);
}

export function taskRoutes(tasks: TaskService, options: { maxBodyBytes: number }): Router {
  const router = Router();

  router.post('/videos/tasks', ...jsonBody(options.maxBodyBytes), async (req, res) => {
    sendAccepted(res, tasks, await tasks.createVideoTask(callerOf(res), req.body, idempotencyOf(req)));
  });
  router.get('/videos/tasks', async (req, res) => {
    const page = await tasks.listTasks(callerOf(res), taskFilterParams(req), pageParams(req));
    if (page.nextCursor) res.set('Link', nextLink(req, page.nextCursor));
    res.json({ items: page.items.map((task) => taskBody(task, tasks.expiresAt(task))), nextCursor: page.nextCursor });
  });
  router.all('/videos/tasks', methodNotAllowed(['GET', 'HEAD', 'POST']));

  const readTask = async (req: Request, res: Response): Promise<void> => {
    const id = String(req.params.id);
    const caller = callerOf(res);
    const wait = integerParam(req, 'wait');
    if (wait === undefined || wait === 0) return sendTask(res, tasks, await tasks.getTask(caller, id));
    const seconds = TaskService.checkWaitSeconds(wait, 'wait');
    const gone = new AbortController();
    res.on('close', () => gone.abort());
    const task = await tasks.waitForTask(caller, id, seconds * 1000, gone.signal);
    if (!task) return sendTask(res, tasks, await tasks.getTask(caller, id)); // not found: the usual 404
    if (!res.writableEnded && !gone.signal.aborted) sendTask(res, tasks, task);
  };
  // The seed's own example polls the singular path; both answer alike.
  for (const base of ['/videos/tasks', '/video/tasks']) {
    router.get(`${base}/:id`, readTask);
    router.delete(`${base}/:id`, noBodyOrJson, async (req, res) => {
      await tasks.removeTask(callerOf(res), String(req.params.id));
      res.status(204).end();
    });
    router.all(`${base}/:id`, methodNotAllowed(['GET', 'HEAD', 'DELETE']));
    router.post(`${base}/:id/cancel`, noBodyOrJson, async (req, res) => {
      const task = await tasks.cancelTask(callerOf(res), String(req.params.id));
      // Still RUNNING only if the processor has not stopped within the wait: accepted, not done.
      res.status(isTerminal(task.status) ? 200 : 202).json(taskBody(task, tasks.expiresAt(task)));
    });
    router.all(`${base}/:id/cancel`, methodNotAllowed(['POST']));
  }
  return router;
}
