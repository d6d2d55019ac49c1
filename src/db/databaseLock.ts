// Until longrun runs as several processes on one database (a later issue: it needs leases so a
// live process's tasks are not recovered by another), one server at a time may use a
// PostgreSQL database. A session-level advisory lock, held on a connection of its own,
// enforces that; PostgreSQL releases it when the process or its connection dies.
import pg from 'pg';
import type { Logger } from '../logger.js';

/** An arbitrary constant that names "the longrun runner" among advisory locks. */
const runnerLockKey = 7_263_590_451;

export class DatabaseInUseError extends Error {
  constructor() {
    super(
      'Another longrun server is already running against this database (DATABASE_URL). ' +
        'Running several processes on one database is not supported yet; stop the other one first.',
    );
  }
}

export interface DatabaseLock {
  release(): Promise<void>;
}

/**
 * Takes the lock, or throws DatabaseInUseError. If the lock's connection dies later (the
 * server restarted, a timeout killed the session), another server may start: `onLost` is then
 * called once, and the caller must stop running tasks at once.
 */
export async function lockDatabase(url: string, logger: Logger, onLost: (error: Error) => void): Promise<DatabaseLock> {
  // Keepalives so a vanished peer is noticed in about a minute, not after the OS's two hours.
  const client = new pg.Client({ connectionString: url, keepAlive: true, keepAliveInitialDelayMillis: 10_000 });
  let releasing = false;
  let lost = false;
  const lose = (error: Error) => {
    if (releasing || lost) return;
    lost = true;
    logger.error('the connection holding the database lock is gone; the lock is lost', { error });
    onLost(error);
  };
  client.on('error', lose);
  client.on('end', () => lose(new Error('the lock connection ended')));
  await client.connect();
  try {
    // An idle-session timeout set on the database must not end this deliberately idle session.
    await client.query('SET idle_session_timeout = 0').catch(() => undefined); // PostgreSQL 14+
    const { rows } = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1) AS locked', [runnerLockKey]);
    if (!rows[0]?.locked) throw new DatabaseInUseError();
  } catch (error) {
    releasing = true;
    await client.end();
    throw error;
  }
  return {
    release: async () => {
      releasing = true;
      await client.end();
    },
  };
}
