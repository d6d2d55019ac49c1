// The live task list: the first page over HTTP, every later change from tasksUpdated, older
// pages on demand. After a reconnect nothing is cleared: the first page is read again and
// every task still under way is resumed with taskUpdated(afterVersion: the version held), so
// changes missed while offline arrive once and nothing arrives twice.
import { useCallback, useEffect, useReducer, useRef, useState } from 'react';
import type { Client } from 'graphql-ws';
import { graphqlRequest, GraphQLRequestError } from './graphqlHttp';
import { createLiveConnection, isForbiddenClose, type ConnectionStatus } from './liveConnection';
import { emptyTaskState, taskReducer, type TaskAction, type TaskState } from './taskStore';
import {
  tasksPageQuery, tasksUpdatedSubscription, taskUpdatedSubscription, type DashboardTask, type TasksPage,
} from './taskTypes';

export const pageSize = 10;
/** The server runs at most 100 operations per socket; resumes stay well under it. */
const maxResumedTasks = 40;

export interface LiveTasks {
  state: TaskState;
  dispatch(action: TaskAction): void;
  status: ConnectionStatus;
  hasOlder: boolean;
  loadingOlder: boolean;
  loadOlder(): Promise<void>;
  loadError: string | null;
}

export function useLiveTasks(apiKey: string | null, onUnauthenticated: () => void): LiveTasks {
  const [state, dispatch] = useReducer(taskReducer, emptyTaskState);
  const [status, setStatus] = useState<ConnectionStatus>('connecting');
  const [olderCursor, setOlderCursor] = useState<string | null>(null);
  const [hasOlder, setHasOlder] = useState(false);
  const [loadingOlder, setLoadingOlder] = useState(false);
  const [loadError, setLoadError] = useState<string | null>(null);
  // The connection's callbacks outlive renders; they read the latest tasks through this ref.
  const stateRef = useRef(state);
  stateRef.current = state;
  const pagedRef = useRef(false);
  const unauthenticatedRef = useRef(onUnauthenticated);
  unauthenticatedRef.current = onUnauthenticated;

  const failed = useCallback((error: unknown) => {
    if (error instanceof GraphQLRequestError && error.unauthenticated) unauthenticatedRef.current();
    else setLoadError(error instanceof Error ? error.message : 'The tasks could not be read.');
  }, []);

  /** Applies the newest page; returns its tasks (none when it failed) for the caller's catch-up. */
  const readFirstPage = useCallback(async (): Promise<DashboardTask[]> => {
    try {
      const page = await graphqlRequest<TasksPage>(tasksPageQuery, { first: pageSize }, apiKey);
      dispatch({ type: 'apply', tasks: page.tasks.nodes });
      setLoadError(null);
      // Later re-reads (after a reconnect) must not move the "older" cursor back to page two.
      if (!pagedRef.current) {
        pagedRef.current = true;
        setOlderCursor(page.tasks.pageInfo.endCursor);
        setHasOlder(page.tasks.pageInfo.hasNextPage);
      }
      return page.tasks.nodes;
    } catch (error) {
      failed(error);
      return [];
    }
  }, [apiKey, failed]);

  useEffect(() => {
    const resumes = new Map<string, () => void>();
    const apply = (task: DashboardTask | undefined) => {
      if (task) dispatch({ type: 'apply', tasks: [task] });
    };
    // `justRead` may not have been rendered into the state yet: both are looked at.
    const resumeTasksUnderWay = (client: Client, justRead: readonly DashboardTask[]) => {
      const known = new Map(stateRef.current.byId);
      for (const task of justRead) {
        if ((known.get(task.id)?.version ?? -1) < task.version) known.set(task.id, task);
      }
      const underWay = [...known.values()].filter((task) => !task.done && !resumes.has(task.id));
      for (const task of underWay.slice(0, Math.max(0, maxResumedTasks - resumes.size))) {
        const dispose = client.subscribe<{ taskUpdated: DashboardTask }>(
          { query: taskUpdatedSubscription, variables: { id: task.id, afterVersion: task.version } },
          {
            next: (result) => apply(result.data?.taskUpdated),
            // NOT_FOUND: removed or purged meanwhile; the list will not hear of it again anyway.
            error: () => resumes.delete(task.id),
            complete: () => resumes.delete(task.id),
          },
        );
        resumes.set(task.id, dispose);
      }
    };
    const firstRead = readFirstPage();
    const client: Client = createLiveConnection(apiKey, {
      onStatus: setStatus,
      // The first connection too: a task that changed between the first read and the feed's
      // start is caught up by its resume.
      onConnected: (wasRetry) => {
        void (wasRetry ? readFirstPage() : firstRead).then((justRead) => resumeTasksUnderWay(client, justRead));
      },
    });
    const stopFeed = client.subscribe<{ tasksUpdated: DashboardTask }>(
      { query: tasksUpdatedSubscription },
      {
        next: (result) => apply(result.data?.tasksUpdated),
        error: (error) => {
          if (isForbiddenClose(error)) unauthenticatedRef.current();
          else setLoadError('Live updates stopped; reload the page.');
        },
        complete: () => undefined,
      },
    );
    return () => {
      stopFeed();
      for (const dispose of resumes.values()) dispose();
      void client.dispose();
    };
  }, [apiKey, readFirstPage]);

  const loadOlder = useCallback(async () => {
    if (!olderCursor) return;
    setLoadingOlder(true);
    try {
      const page = await graphqlRequest<TasksPage>(tasksPageQuery, { first: pageSize, after: olderCursor }, apiKey);
      dispatch({ type: 'apply', tasks: page.tasks.nodes });
      setOlderCursor(page.tasks.pageInfo.endCursor);
      setHasOlder(page.tasks.pageInfo.hasNextPage);
    } catch (error) {
      failed(error);
    } finally {
      setLoadingOlder(false);
    }
  }, [apiKey, olderCursor, failed]);

  return { state, dispatch, status, hasOlder, loadingOlder, loadOlder, loadError };
}
