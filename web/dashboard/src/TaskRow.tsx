// One task: what it is doing, how far it got, what went wrong, its video once done, and the
// actions the server allows in its state.
import { useState } from 'react';
import type { DashboardTask } from './taskTypes';

export interface TaskActions {
  cancel(task: DashboardTask): Promise<void>;
  remove(task: DashboardTask): Promise<void>;
  deleteVideo(task: DashboardTask): Promise<void>;
}

interface TaskRowProps {
  task: DashboardTask;
  name: string;
  videoDeleted: boolean;
  actions: TaskActions;
}

const statusLabels: Record<DashboardTask['status'], string> = {
  PENDING: 'Pending',
  RUNNING: 'Running',
  SUCCEEDED: 'Succeeded',
  FAILED: 'Failed',
  CANCELLED: 'Cancelled',
};

export function taskName(task: DashboardTask, knownTitle: string | undefined): string {
  const title = task.video?.title ?? knownTitle;
  const kind = task.kind === 'DELETE_VIDEO' ? 'Deletion' : 'Video';
  return title ? `${kind}: ${title}` : `${kind} task ${task.id.slice(0, 8)}`;
}

export function TaskRow({ task, name, videoDeleted, actions }: TaskRowProps) {
  const [busy, setBusy] = useState<string | null>(null);
  const percent = Math.round(task.progress * 100);
  const run = (label: string, action: (task: DashboardTask) => Promise<void>) => async () => {
    setBusy(label);
    try {
      await action(task);
    } finally {
      setBusy(null);
    }
  };
  const video = task.status === 'SUCCEEDED' && !videoDeleted ? task.video : null;

  return (
    <li className="task" data-task-id={task.id} data-status={task.status} aria-label={name}>
      <div className="task-head">
        <h3>{name}</h3>
        <span className={`status status-${task.status.toLowerCase()}`}>{statusLabels[task.status]}</span>
      </div>
      <dl className="task-facts">
        <div><dt>Stage</dt><dd className="stage">{task.stage}</dd></div>
        <div><dt>Attempts</dt><dd className="attempts">{task.attempts}</dd></div>
        <div><dt>Created</dt><dd>{new Date(task.createdAt).toLocaleString()}</dd></div>
      </dl>
      <div
        className="progress"
        role="progressbar"
        aria-label={`Progress of ${name}`}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={percent}
        aria-valuetext={`${percent}%`}
      >
        <div className="progress-fill" style={{ width: `${percent}%` }} />
      </div>
      {task.error && (
        <p className="task-error"><strong>{task.error.code}</strong>: {task.error.message}{task.error.retryable ? ' (retryable)' : ''}</p>
      )}
      {task.cancelRequested && !task.done && <p className="note">Cancel requested…</p>}
      {video && (
        <video className="player" controls preload="metadata" poster={video.posterUrl} src={video.contentUrl} aria-label={`Video: ${video.title}`} />
      )}
      {videoDeleted && task.status === 'SUCCEEDED' && <p className="note">Video deleted.</p>}
      <div className="task-actions">
        {!task.done && (
          <button type="button" onClick={run('cancel', actions.cancel)} disabled={busy !== null || task.cancelRequested}>
            {busy === 'cancel' ? 'Cancelling…' : 'Cancel'}
            <span className="visually-hidden"> {name}</span>
          </button>
        )}
        {video && video.status === 'AVAILABLE' && (
          <button type="button" className="danger" onClick={run('deleteVideo', actions.deleteVideo)} disabled={busy !== null}>
            {busy === 'deleteVideo' ? 'Deleting…' : 'Delete video'}
            <span className="visually-hidden"> of {name}</span>
          </button>
        )}
        {task.done && (
          <button type="button" onClick={run('remove', actions.remove)} disabled={busy !== null}>
            {busy === 'remove' ? 'Deleting…' : 'Delete task'}
            <span className="visually-hidden"> {name}</span>
          </button>
        )}
      </div>
    </li>
  );
}
