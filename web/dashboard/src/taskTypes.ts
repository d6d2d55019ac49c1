// The shape of a task as the dashboard asks for it (see schema.graphql), and the one selection
// every query, mutation and subscription uses, so an event and a page read are interchangeable.

export type TaskStatus = 'PENDING' | 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'CANCELLED';

export interface DashboardVideo {
  id: string;
  title: string;
  durationSeconds: number;
  contentUrl: string;
  posterUrl: string;
  status: 'AVAILABLE' | 'DELETING';
}

export interface DashboardTask {
  id: string;
  kind: 'CREATE_VIDEO' | 'DELETE_VIDEO';
  status: TaskStatus;
  done: boolean;
  progress: number;
  stage: string;
  attempts: number;
  version: number;
  cancelRequested: boolean;
  createdAt: string;
  error: { code: string; message: string; retryable: boolean } | null;
  video: DashboardVideo | null;
}

export const taskFields = `
  id kind status done progress stage attempts version cancelRequested createdAt
  error { code message retryable }
  video { id title durationSeconds contentUrl posterUrl status }
`;

export const tasksPageQuery = `query DashboardTasks($first: Int!, $after: String) {
  tasks(first: $first, after: $after) {
    nodes { ${taskFields} }
    pageInfo { hasNextPage endCursor }
  }
}`;

export interface TasksPage {
  tasks: { nodes: DashboardTask[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } };
}

export const tasksUpdatedSubscription = `subscription DashboardTasksUpdated { tasksUpdated { ${taskFields} } }`;

/** Resumes one task after a reconnect: only states newer than afterVersion are sent. */
export const taskUpdatedSubscription = `subscription DashboardTaskResumed($id: ID!, $afterVersion: Int) {
  taskUpdated(id: $id, afterVersion: $afterVersion) { ${taskFields} }
}`;

export const createVideoTaskMutation = `mutation DashboardCreate($input: CreateVideoInput!) {
  createVideoTask(input: $input) { ${taskFields} }
}`;

export const cancelTaskMutation = `mutation DashboardCancel($id: ID!) { cancelTask(id: $id) { ${taskFields} } }`;

export const removeTaskMutation = `mutation DashboardRemove($id: ID!) { removeTask(id: $id) }`;

export const deleteVideoTaskMutation = `mutation DashboardDeleteVideo($videoId: ID!) {
  deleteVideoTask(videoId: $videoId) { ${taskFields} }
}`;
