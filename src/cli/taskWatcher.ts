// Follows one task over the `taskUpdated` subscription (graphql-ws over `ws`): every snapshot
// goes to `onUpdate`, and the promise resolves with the last one once the server completes the
// stream after the terminal state.
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { CliError, ExitCode } from './exitCodes.js';
import { endpoint, type Connection } from './restClient.js';
import { asTaskSnapshot, taskSnapshotFields, type TaskSnapshot } from './taskTypes.js';

const subscription = `subscription Watch($id: ID!) { taskUpdated(id: $id) { ${taskSnapshotFields} } }`;

/** Close codes worth reconnecting after: the server restarting or busy, the network dropping. */
const transientCloseCodes = new Set([1001, 1006, 1011, 1012, 1013]);
/** graphql-ws's Forbidden: the server refused the connection_init's credentials. */
const forbiddenCloseCode = 4403;

interface CloseLike {
  code: number;
  reason: string;
}

function isCloseLike(value: unknown): value is CloseLike {
  return typeof value === 'object' && value !== null && 'code' in value && 'reason' in value;
}

/** What graphql-ws hands `error`: GraphQL errors for the operation, a close event, or an Error. */
function watchError(error: unknown, origin: string): CliError {
  if (Array.isArray(error)) {
    const messages = error.map((entry: { message?: unknown; extensions?: { code?: unknown } }) => {
      const code = typeof entry.extensions?.code === 'string' ? `${entry.extensions.code}: ` : '';
      return `${code}${typeof entry.message === 'string' ? entry.message : 'unknown error'}`;
    });
    return new CliError(messages.join('; ') || 'the subscription failed', ExitCode.refused);
  }
  if (isCloseLike(error)) {
    if (error.code === forbiddenCloseCode) {
      return new CliError('UNAUTHENTICATED: the server refused the WebSocket connection (missing, wrong or expired credentials)', ExitCode.refused);
    }
    const reason = error.reason ? `: ${error.reason}` : '';
    return new CliError(`the connection to ${origin} closed (${error.code}${reason})`, error.code >= 4000 ? ExitCode.refused : ExitCode.unreachable);
  }
  const detail = error instanceof Error ? error.message : String(error);
  return new CliError(`cannot follow the task on ${origin} (${detail})`, ExitCode.unreachable);
}

export interface WatchHandle {
  /** The final snapshot, once the stream completes. */
  finished: Promise<TaskSnapshot>;
  /** Stops watching (Ctrl-C); the task goes on. */
  stop(): void;
}

export function watchTask(connection: Connection, taskId: string, onUpdate: (task: TaskSnapshot) => void): WatchHandle {
  const url = endpoint(connection.baseUrl, '/graphql');
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  const client = createClient({
    url: url.href,
    webSocketImpl: WebSocket,
    connectionParams: connection.apiKey ? { authorization: `Bearer ${connection.apiKey}` } : {},
    // Each event is a whole snapshot, so after a reconnect the resent current state is harmless.
    retryAttempts: 5,
    shouldRetry: (event) => isCloseLike(event) && transientCloseCodes.has(event.code),
  });
  let last: TaskSnapshot | null = null;
  let unsubscribe = (): void => {};
  const finished = new Promise<TaskSnapshot>((resolve, reject) => {
    unsubscribe = client.subscribe<{ taskUpdated: unknown }>({ query: subscription, variables: { id: taskId } }, {
      next: (result) => {
        if (result.errors?.length) return reject(watchError(result.errors, url.origin));
        try {
          last = asTaskSnapshot(result.data?.taskUpdated);
        } catch (error) {
          return reject(new CliError((error as Error).message, ExitCode.refused));
        }
        onUpdate(last);
      },
      error: (error) => reject(watchError(error, url.origin)),
      complete: () => (last?.done ? resolve(last) : reject(new CliError(`the server ended the subscription before task ${taskId} was done`, ExitCode.unreachable))),
    });
  }).finally(() => void client.dispose());
  return {
    finished,
    stop: () => {
      unsubscribe();
      void client.dispose();
    },
  };
}
