// Builds the whole server from a config object. main.ts only reads the config and handles
// signals; tests and benchmarks build apps here, optionally with their own processors.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type RequestHandler } from 'express';
import { createAuthenticator } from './auth/authenticator.js';
import { Admission } from './callers/admission.js';
import { isLoopbackHost, type Config } from './config.js';
import { lockDataDir } from './db/dataDirLock.js';
import { openDatabase, type Database, type DatabaseConfig } from './db/database.js';
import { serverSecret } from './db/serverSecrets.js';
import { BatchedReads } from './events/batchedReads.js';
import { DatabaseEventBus } from './events/databaseEventBus.js';
import type { EventBus } from './events/eventBus.js';
import { listenToPglite, listenToPostgres } from './events/taskChangeFeed.js';
import { startGrpcServer, type GrpcEndpoint } from './grpc/grpcServer.js';
import { createGraphQLEndpoint, graphqlPath, type GraphQLEndpoint } from './graphql/graphqlServer.js';
import { onClientError } from './http/clientError.js';
import { corsPolicy, hostGuard, noSniff, originGuard } from './http/guards.js';
import { probesRouter } from './http/probes.js';
import { createLogger, type Logger } from './logger.js';
import { requestLogging } from './logging/requestLogging.js';
import { authenticate } from './rest/authentication.js';
import { notFoundHandler, restErrorHandler } from './rest/errorHandler.js';
import { sendProblem } from './rest/problem.js';
import { PgBossEngine } from './queue/pgBossEngine.js';
import { taskRoutes } from './rest/taskRoutes.js';
import { videoRoutes } from './rest/videoRoutes.js';
import { IdempotencyStore } from './tasks/idempotency.js';
import { Listing } from './tasks/listing.js';
import type { Processors } from './tasks/processor.js';
import { Purger } from './tasks/purger.js';
import { TaskService } from './tasks/taskService.js';
import { TaskWorker } from './tasks/taskWorker.js';
import { createDeleteVideoProcessor } from './videos/deleteVideoProcessor.js';
import { plainMediaLinks, SignedMediaLinks, type MediaLinks } from './videos/mediaLinks.js';
import { FileSystemMediaStore } from './videos/mediaStore.js';
import { createVideoProcessor } from './videos/videoProcessor.js';
import { sendWebPage, webAssets } from './http/webPages.js';
import { playgroundRoutes } from './http/playground.js';
import { createAppMetrics } from './metrics/appMetrics.js';
import { ObservedTaskStore } from './metrics/observedTaskStore.js';
import { TaskStore } from './tasks/taskStore.js';
import { openApiRoutes } from './openapi/routes.js';

export interface BuildOptions {
  /** Replace or add processors per task kind (benchmarks, tests). */
  processors?: Processors;
  logger?: Logger;
  /** Extra database settings, e.g. a PGlite template to clone in tests. */
  database?: Partial<Omit<DatabaseConfig, 'databaseUrl' | 'dataDir'>>;
  /**
   * False builds the app without its metrics (no /metrics, nothing counted): only for the
   * benchmark that measures what metrics and logging cost (bench/benchmarks/operatingCost.ts).
   */
  metrics?: boolean;
}

export interface App {
  /** Listens, migrates, starts the job engine and the worker (by role); resolves with the base URL once ready. */
  start(): Promise<string>;
  /**
   * Stops taking new work, gives running tasks `graceMs` (default 0) to finish and puts the
   * rest back to PENDING, closes subscriptions with 1001 Going Away, disconnects the database.
   */
  stop(options?: { graceMs?: number }): Promise<void>;
  readonly url: string;
  /** Where gRPC listens once started ("host:port", a grpc-js target); empty in the worker role. */
  readonly grpcAddress: string;
  /** Available once started. `worker` is null in the api role. */
  readonly services: { tasks: TaskService; worker: TaskWorker | null; database: Database; events: EventBus };
}

function listen(server: Server, port: number, host: string): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve(server.address() as AddressInfo);
    });
  });
}

export function buildApp(config: Config, options: BuildOptions = {}): App {
  const logger = options.logger ?? createLogger(config.logLevel, { role: config.role, format: config.logFormat });
  const { role } = config;
  const media = new FileSystemMediaStore(config.mediaDir);
  const authenticator = createAuthenticator(config.auth);
  const http = express();
  const server = createServer(http);
  server.on('clientError', onClientError);
  let api: RequestHandler | null = null;
  let accepting = false;
  let url = '';
  let grpcAddress = '';
  let lock: { release(): Promise<void> } | null = null;
  let database: Database | null = null;
  let events: DatabaseEventBus | null = null;
  let engine: PgBossEngine | null = null;
  let worker: TaskWorker | null = null;
  let tasks: TaskService | null = null;
  let graphql: GraphQLEndpoint | null = null;
  let purger: Purger | null = null;
  let grpc: GrpcEndpoint | null = null;
  const metrics = options.metrics === false ? null : createAppMetrics({
    token: config.metricsToken,
    logger,
    sources: { database: () => database, jobs: () => engine, webSocket: () => graphql?.webSocketUse() ?? null },
  });

  http.disable('x-powered-by');
  http.set('etag', false);
  // First, so every response has its X-Request-Id (the probes' too; they are not logged).
  http.use(requestLogging(logger));
  if (metrics) http.use(metrics.httpDuration);
  http.use(noSniff);
  // Like the probes, before the Host check: Prometheus scrapes by pod IP.
  if (metrics) http.use(metrics.endpoint);
  // Probes before the Host check: a kubelet sends the pod's IP as Host, and they change nothing.
  http.use(probesRouter({
    isStarted: () => api !== null && accepting,
    pingDatabase: async (timeoutMs) => {
      if (!database) throw new Error('the database is closed');
      await database.ping(timeoutMs);
    },
  }, logger));
  http.use(hostGuard(config.http));
  http.use(corsPolicy(config.http));
  http.use(originGuard(config.http));
  http.use((req, res, next) => {
    if (api) return api(req, res, next);
    res.set('Retry-After', '1');
    sendProblem(res, { status: 503, code: 'UNAVAILABLE', detail: 'The server is not ready.' }, req.originalUrl);
  });

  async function start(): Promise<string> {
    try {
      // The embedded database is one process's: PGlite does not keep a second one out itself.
      lock = config.databaseUrl ? null : await lockDataDir(config.dataDir);
      const address = await listen(server, config.port, config.host);
      const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
      url = `http://${host}:${address.port}`;
      database = await openDatabase({
        ...options.database, dataDir: config.dataDir, limits: config.database, ...(config.databaseUrl ? { databaseUrl: config.databaseUrl } : {}),
      });
      const { applied } = await database.migrate();
      if (applied.length > 0) logger.info({ applied }, 'applied migrations');
      engine = await PgBossEngine.open(database, {
        ...config.jobs, instanceName: `longrun ${role}`, poolSize: config.workerConcurrency + 3,
      }, logger);
      const store = metrics ? new ObservedTaskStore(database.prisma, engine, metrics.tasks) : new TaskStore(database.prisma, engine);
      const adopted = await store.enqueueUnqueued();
      if (adopted > 0) logger.info({ tasks: adopted }, 'queued tasks written before the job engine');
      const idempotency = new IdempotencyStore(database.prisma);
      const mediaLinks: MediaLinks = authenticator.required
        ? new SignedMediaLinks(
          config.media.urlSecret ? Buffer.from(config.media.urlSecret) : await serverSecret(database.prisma, 'media-url'),
          config.media.urlLifetimeSeconds,
        )
        : plainMediaLinks;
      events = new DatabaseEventBus(
        new BatchedReads((ids) => store.findMany(ids)),
        (error) => logger.warn({ err: error }, 'reading a changed task for its subscribers failed'),
        metrics?.onEventDelivered,
      );
      const opened = database;
      await events.attach((handlers) => (opened.pglite ? listenToPglite(opened.pglite, handlers) : listenToPostgres(opened.url ?? '', handlers, logger)));
      tasks = new TaskService({
        store,
        idempotency,
        events,
        admission: new Admission(config.quotas, authenticator.required),
        mediaLinks,
        isAccepting: () => accepting,
        listing: new Listing(database.prisma),
        retentionMs: config.taskRetentionMs,
        logger,
      });
      if (role !== 'api') {
        worker = new TaskWorker({
          store,
          events,
          jobs: engine,
          processors: {
            CREATE_VIDEO: createVideoProcessor(media, config.render, metrics?.onRendered),
            DELETE_VIDEO: createDeleteVideoProcessor(media, (id) => store.findVideo(id)),
            ...options.processors,
          },
          concurrency: config.workerConcurrency,
          progressIntervalMs: config.progressIntervalMs,
          retry: config.retry,
          logger,
        });
        purger = new Purger(store, idempotency, { retentionMs: config.taskRetentionMs, intervalMs: config.purgeIntervalMs, logger });
      }
      const routes = express.Router();
      if (role !== 'worker') {
        // Built pages (web/): their assets here, each page's HTML at its own route.
        routes.use('/web', webAssets());
        routes.get('/', sendWebPage('dashboard'));
        graphql = await createGraphQLEndpoint(server, tasks, logger, {
          limits: config.graphql,
          webSocket: config.webSocket,
          access: config.http,
          maxMessageBytes: config.maxRequestBytes,
          development: config.development,
          authenticator,
          maxSocketsPerCaller: config.quotas.sockets,
          plugins: metrics ? [metrics.graphqlPlugin] : [],
        });
        // A browser opening /graphql (or /playground) gets GraphiQL; everything else goes on.
        routes.use(playgroundRoutes(graphqlPath));
        routes.use(graphqlPath, express.json({ limit: config.maxRequestBytes }), graphql.middleware);
        // The OpenAPI document and its page describe the API: no credentials needed.
        routes.use(openApiRoutes());
        // Every REST route below knows its caller (401 first when credentials are required).
        routes.use(authenticate(authenticator));
        routes.use(taskRoutes(tasks, { maxBodyBytes: config.maxRequestBytes }));
        routes.use(videoRoutes(tasks, media));
      }
      routes.use(notFoundHandler);
      routes.use(restErrorHandler(logger, { maxBodyBytes: config.maxRequestBytes }));
      accepting = true;
      await worker?.start();
      purger?.start();
      if (role !== 'worker') {
        grpc = await startGrpcServer(tasks, {
          host: config.host, port: config.grpcPort, authenticator, logger, maxMessageBytes: config.maxRequestBytes, maxLongCallsPerCaller: config.quotas.sockets,
        });
        grpcAddress = `${config.host.includes(':') ? `[${config.host}]` : config.host}:${grpc.port}`;
      }
      api = routes;
      if (role !== 'worker' && !authenticator.required && !isLoopbackHost(config.host)) {
        logger.warn({ host: config.host }, 'no authentication is configured and HOST is not a loopback address: anyone who reaches this server can create, read, cancel and delete every task and video (set API_KEYS or JWT_*)');
      }
      logger.info({ url, ...(grpc ? { grpcPort: grpc.port } : {}), role, database: database.kind, dataDir: config.dataDir, mediaDir: config.mediaDir }, 'longrun ready');
      return url;
    } catch (error) {
      await stop().catch((stopError: unknown) => logger.error({ err: stopError }, 'cleanup after a failed start failed'));
      throw error;
    }
  }

  async function stop({ graceMs = 0 } = {}): Promise<void> {
    // No new connections; requests on open ones are still served (reads, subscriptions) while
    // running tasks get their grace period, but new tasks are refused (503, UNAVAILABLE).
    accepting = false;
    // gRPC: NOT_SERVING, new calls refused, waits and watches ended, then a bounded graceful shutdown.
    const grpcStopped = grpc?.stop();
    const closed = new Promise<void>((resolve) => (server.listening ? server.close(() => resolve()) : resolve()));
    server.closeIdleConnections();
    try {
      await purger?.stop();
      await worker?.stop(graceMs);
      api = null;
      await graphql?.stop();
      server.closeAllConnections();
      await closed;
      await grpcStopped;
      await engine?.stop();
      await events?.close();
      await database?.close();
    } finally {
      // Whatever failed above, the store is free for the next server once this process lets go.
      api = null;
      await lock?.release();
      worker = null;
      engine = null;
      purger = null;
      graphql = null;
      grpc = null;
      events = null;
      database = null;
      lock = null;
    }
  }

  return {
    start,
    stop,
    get url() {
      return url;
    },
    get grpcAddress() {
      return grpcAddress;
    },
    get services() {
      if (!tasks || !database || !events) throw new Error('the app is not started');
      return { tasks, worker, database, events };
    },
  };
}
