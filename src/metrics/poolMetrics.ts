// Connections of the app's PostgreSQL pools (Prisma's and pg-boss's), read when Prometheus
// scrapes. The embedded PGlite has no pool: no samples.
import { Gauge, type Registry } from 'prom-client';
import type { PoolUse } from '../db/database.js';

export type PoolName = 'app' | 'jobs';

export function registerPoolGauges(registry: Registry, pools: () => Partial<Record<PoolName, PoolUse | null>>): void {
  const gauge = (name: string, help: string, read: (use: PoolUse) => number) => new Gauge({
    name,
    help,
    labelNames: ['pool'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [pool, use] of Object.entries(pools())) if (use) this.set({ pool }, read(use));
    },
  });
  gauge('longrun_db_pool_connections', 'PostgreSQL connections open in this process\'s pools ("app": Prisma\'s, "jobs": pg-boss\'s).', (use) => use.total);
  gauge('longrun_db_pool_idle_connections', 'Open PostgreSQL connections not in use, by pool.', (use) => use.idle);
  gauge('longrun_db_pool_waiting_requests', 'Queries waiting for a free PostgreSQL connection, by pool.', (use) => use.waiting);
}
