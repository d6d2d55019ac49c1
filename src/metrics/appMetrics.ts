// One app's metrics: a Registry of its own (tests and benchmarks run several apps in one process,
// and the global default registry would mix them or refuse a second registration), Node's
// default metrics under their usual names, and the app's instruments, each in its own module.
import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import type { RequestHandler, Router } from 'express';
import { collectDefaultMetrics, Registry } from 'prom-client';
import type { Database } from '../db/database.js';
import type { Logger } from '../logger.js';
import type { PgBossEngine } from '../queue/pgBossEngine.js';
import type { TaskView } from '../tasks/taskTypes.js';
import { eventDeliveryObserver } from './eventBusMetrics.js';
import { graphqlOperationsPlugin } from './graphqlMetrics.js';
import { httpDurationMiddleware } from './httpMetrics.js';
import { metricsRouter } from './metricsEndpoint.js';
import { registerPoolGauges } from './poolMetrics.js';
import { renderObserver, type RenderObservation } from './renderMetrics.js';
import { registerTaskCounts } from './taskCounts.js';
import { createTaskMetrics, type TaskMetrics } from './taskMetrics.js';
import { registerWebSocketGauges, type WebSocketUse } from './webSocketMetrics.js';

/** What the metrics read at scrape time; each getter answers null while that part is not running. */
export interface MetricSources {
  database(): Database | null;
  jobs(): PgBossEngine | null;
  webSocket(): WebSocketUse | null;
}

export interface AppMetrics {
  readonly registry: Registry;
  /** First middleware of the app: times every request. */
  readonly httpDuration: RequestHandler;
  /** GET /metrics, before the Host guard (Prometheus scrapes by pod IP). */
  readonly endpoint: Router;
  readonly tasks: TaskMetrics;
  readonly graphqlPlugin: ApolloServerPlugin<BaseContext>;
  readonly onEventDelivered: (task: TaskView) => void;
  readonly onRendered: (observation: RenderObservation) => void;
}

export function createAppMetrics(options: { token: string | undefined; logger: Logger; sources: MetricSources }): AppMetrics {
  const { sources } = options;
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  registerTaskCounts(registry, () => sources.database()?.prisma ?? null);
  registerPoolGauges(registry, () => ({ app: sources.database()?.poolUse?.() ?? null, jobs: sources.jobs()?.poolUse() ?? null }));
  registerWebSocketGauges(registry, sources.webSocket);
  return {
    registry,
    httpDuration: httpDurationMiddleware(registry),
    endpoint: metricsRouter(registry, options.token, options.logger),
    tasks: createTaskMetrics(registry),
    graphqlPlugin: graphqlOperationsPlugin(registry),
    onEventDelivered: eventDeliveryObserver(registry),
    onRendered: renderObserver(registry),
  };
}
