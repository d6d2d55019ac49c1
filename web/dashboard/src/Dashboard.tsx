// The dashboard proper: the create form, the live list and its actions, and a live region that
// announces each task's change of status.
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { CreateForm } from './CreateForm';
import { graphqlRequest, GraphQLRequestError } from './graphqlHttp';
import { newestFirst } from './taskStore';
import { TaskRow, taskName, type TaskActions } from './TaskRow';
import {
  cancelTaskMutation, deleteVideoTaskMutation, removeTaskMutation, type DashboardTask,
} from './taskTypes';
import { useLiveTasks } from './useLiveTasks';

interface DashboardProps {
  apiKey: string | null;
  onUnauthenticated(): void;
  onSignOut: (() => void) | null;
}

const statusTexts = { connecting: 'Connecting…', live: 'Live', reconnecting: 'Reconnecting…' } as const;

export function Dashboard({ apiKey, onUnauthenticated, onSignOut }: DashboardProps) {
  const live = useLiveTasks(apiKey, onUnauthenticated);
  const { dispatch } = live;
  // A task has no title until its video exists; the titles typed here name rows meanwhile.
  const [titles, setTitles] = useState<ReadonlyMap<string, string>>(new Map());
  const [deletedVideos, setDeletedVideos] = useState<ReadonlySet<string>>(new Set());
  const [notice, setNotice] = useState<string | null>(null);
  const [announcement, setAnnouncement] = useState('');
  const tasks = useMemo(() => newestFirst(live.state.byId.values()), [live.state.byId]);
  const nameOf = useCallback((task: DashboardTask) => taskName(task, titles.get(task.id)), [titles]);

  const announcedStatuses = useRef(new Map<string, string>());
  useEffect(() => {
    const changes: string[] = [];
    for (const task of tasks) {
      const before = announcedStatuses.current.get(task.id);
      if (before && before !== task.status) changes.push(`${nameOf(task)} is ${task.status.toLowerCase()}.`);
      announcedStatuses.current.set(task.id, task.status);
    }
    if (changes.length > 0) setAnnouncement(changes.join(' '));
  }, [tasks, nameOf]);

  const perform = useCallback(async (action: () => Promise<void>, gone: () => void) => {
    try {
      await action();
      setNotice(null);
    } catch (error) {
      if (error instanceof GraphQLRequestError && error.unauthenticated) return onUnauthenticated();
      // Deleted elsewhere (another tab, the CLI) or purged: no event says so, and the row would
      // otherwise keep a button that fails the same way every time.
      if (error instanceof GraphQLRequestError && error.code === 'NOT_FOUND') return gone();
      setNotice(error instanceof Error ? error.message : 'The action failed.');
    }
  }, [onUnauthenticated]);

  const taskGone = useCallback((task: DashboardTask) => () => {
    dispatch({ type: 'remove', id: task.id });
    setNotice(`${nameOf(task)} no longer exists (deleted elsewhere); it was taken off the list.`);
  }, [dispatch, nameOf]);

  const videoGone = useCallback((task: DashboardTask) => () => {
    const videoId = task.video?.id;
    if (videoId) setDeletedVideos((deleted) => new Set(deleted).add(videoId));
    setNotice(`The video of ${nameOf(task)} no longer exists (deleted elsewhere).`);
  }, [nameOf]);

  const actions: TaskActions = useMemo(() => ({
    cancel: (task) => perform(async () => {
      const data = await graphqlRequest<{ cancelTask: DashboardTask }>(cancelTaskMutation, { id: task.id }, apiKey);
      dispatch({ type: 'apply', tasks: [data.cancelTask] });
    }, taskGone(task)),
    remove: (task) => perform(async () => {
      await graphqlRequest<{ removeTask: string }>(removeTaskMutation, { id: task.id }, apiKey);
      dispatch({ type: 'remove', id: task.id });
    }, taskGone(task)),
    deleteVideo: (task) => perform(async () => {
      const video = task.video;
      if (!video || !window.confirm(`Delete the video "${video.title}"? This cannot be undone.`)) return;
      const data = await graphqlRequest<{ deleteVideoTask: DashboardTask }>(deleteVideoTaskMutation, { videoId: video.id }, apiKey);
      setTitles((known) => new Map(known).set(data.deleteVideoTask.id, video.title));
      setDeletedVideos((deleted) => new Set(deleted).add(video.id));
      dispatch({ type: 'apply', tasks: [data.deleteVideoTask] });
    }, videoGone(task)),
  }), [apiKey, dispatch, perform, taskGone, videoGone]);

  const created = useCallback((task: DashboardTask, title: string) => {
    setTitles((known) => new Map(known).set(task.id, title));
    dispatch({ type: 'apply', tasks: [task] });
  }, [dispatch]);

  return (
    <div className="dashboard">
      <CreateForm apiKey={apiKey} onCreated={created} onUnauthenticated={onUnauthenticated} />
      <section className="panel tasks-panel" aria-labelledby="tasks-heading">
        <div className="tasks-head">
          <h2 id="tasks-heading">Tasks</h2>
          <span className={`connection connection-${live.status}`} role="status">{statusTexts[live.status]}</span>
          {onSignOut && <button type="button" onClick={onSignOut}>Forget key</button>}
        </div>
        {live.loadError && <p className="form-error" role="alert">{live.loadError}</p>}
        {notice && <p className="form-error" role="alert">{notice}</p>}
        {tasks.length === 0 ? <p className="empty">No tasks yet.</p> : (
          <ul className="task-list">
            {tasks.map((task) => (
              <TaskRow
                key={task.id}
                task={task}
                name={nameOf(task)}
                videoDeleted={task.video !== null && deletedVideos.has(task.video.id)}
                actions={actions}
              />
            ))}
          </ul>
        )}
        {live.hasOlder && (
          <button type="button" className="older" onClick={() => void live.loadOlder()} disabled={live.loadingOlder}>
            {live.loadingOlder ? 'Loading…' : 'Show older tasks'}
          </button>
        )}
        <div className="visually-hidden" aria-live="polite">{announcement}</div>
      </section>
    </div>
  );
}
