// pg-boss's database interface over the one PGlite connection the app's Prisma client also uses.
import type { PGlite } from '@electric-sql/pglite';
import { fromPglite } from 'pg-boss';
import type { Db } from 'pg-boss';

/**
 * pg-boss's own PGlite adapter, with one change: its parameterless multi-statement scripts
 * (`BEGIN; ...; COMMIT;` blocks of maintenance and migrations) run inside `pglite.transaction()`.
 * Without it, when such a script failed midway the adapter's ROLLBACK queued behind whatever
 * else waited for the connection, and Prisma queries that ran in between failed with 25P02
 * "current transaction is aborted" (reproduced, see docs/decisions/0011-job-engine.md).
 */
export function pgliteBossDb(pglite: PGlite): Db {
  const base = fromPglite(pglite);
  return {
    ...base,
    async executeSql(text, values) {
      if (values !== undefined && values.length > 0) return base.executeSql(text, values);
      return pglite.transaction(async (tx) => {
        const results = await tx.exec(text);
        return { rows: results.flatMap((result) => result.rows) };
      });
    },
  };
}
