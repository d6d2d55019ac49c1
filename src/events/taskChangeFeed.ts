// Where task change announcements come from: PostgreSQL LISTEN on a dedicated connection, or the
// embedded PGlite's in-process listen. The Task table's triggers send them (see the job_engine
// migration): "<id>:<version>:<cancel requested 0|1>".
import type { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import type { Logger } from '../logger.js';
import type { TaskChange } from './eventBus.js';

export const taskChangeChannel = 'longrun_task_changes';

export interface TaskChangeFeed {
  close(): Promise<void>;
}

export interface FeedHandlers {
  change(change: TaskChange): void;
  /** The connection came back after a loss: announcements in between are gone, re-read what matters. */
  reconnected(): void;
}

export function parseTaskChange(payload: string): TaskChange | null {
  const [id, version, cancel] = payload.split(':');
  const parsed = Number(version);
  if (!id || !Number.isInteger(parsed)) return null;
  return { id, version: parsed, cancelRequested: cancel === '1' };
}

export async function listenToPglite(pglite: PGlite, handlers: FeedHandlers): Promise<TaskChangeFeed> {
  const unsubscribe = await pglite.listen(taskChangeChannel, (payload) => {
    const change = parseTaskChange(payload);
    if (change) handlers.change(change);
  });
  // Closed under us (a test that takes the database away): nothing left to unsubscribe from.
  return { close: async () => (pglite.closed ? undefined : unsubscribe()) };
}

/**
 * LISTEN needs a session of its own: a direct connection or a session-pooled one, never
 * PgBouncer in transaction mode (it would hand the LISTEN to another client). Reconnects with
 * a backoff of up to 5 s when the connection drops.
 */
export async function listenToPostgres(url: string, handlers: FeedHandlers, logger: Logger): Promise<TaskChangeFeed> {
  let client: pg.Client | null = null;
  let closed = false;
  let retryTimer: NodeJS.Timeout | undefined;
  let failures = 0;

  const connect = async (): Promise<void> => {
    // Keepalives from 10 s: a connection that silently died (a firewall, a failover) is noticed
    // in about a minute, not after the system's default two hours.
    const next = new pg.Client({ connectionString: url, application_name: 'longrun events', keepAlive: true, keepAliveInitialDelayMillis: 10_000 });
    next.on('notification', (message) => {
      const change = message.payload === undefined ? null : parseTaskChange(message.payload);
      if (change) handlers.change(change);
    });
    next.on('error', (error) => {
      logger.warn({ err: error }, 'the task events connection failed; reconnecting');
      lost(next);
    });
    next.on('end', () => lost(next));
    try {
      await next.connect();
      await next.query(`LISTEN ${taskChangeChannel}`);
    } catch (error) {
      await next.end().catch(() => undefined);
      throw error;
    }
    if (closed) {
      await next.end().catch(() => undefined);
      return;
    }
    client = next;
  };

  const lost = (which: pg.Client): void => {
    if (closed || client !== which) return;
    client = null;
    which.removeAllListeners('notification');
    void which.end().catch(() => undefined);
    schedule();
  };

  const schedule = (): void => {
    const delay = Math.min(5000, 100 * 2 ** failures);
    retryTimer = setTimeout(() => {
      connect().then(() => {
        if (closed) return;
        failures = 0;
        logger.info('the task events connection is back');
        handlers.reconnected();
      }, (error: unknown) => {
        failures++;
        if (failures === 1) logger.warn({ err: error }, 'reconnecting the task events connection failed; trying again');
        if (!closed) schedule();
      });
    }, delay);
    retryTimer.unref();
  };

  await connect();
  return {
    async close() {
      closed = true;
      clearTimeout(retryTimer);
      const last = client;
      client = null;
      await last?.end().catch(() => undefined);
    },
  };
}
