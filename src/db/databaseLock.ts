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

export async function lockDatabase(url: string, logger: Logger): Promise<DatabaseLock> {
  const client = new pg.Client({ connectionString: url });
  // Without a listener an error on this idle connection would crash the process.
  client.on('error', (error) => logger.error('the connection holding the database lock failed; the lock is lost', { error }));
  await client.connect();
  try {
    const { rows } = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1) AS locked', [runnerLockKey]);
    if (!rows[0]?.locked) throw new DatabaseInUseError();
  } catch (error) {
    await client.end();
    throw error;
  }
  return { release: () => client.end() };
}
