// The gRPC server: google.longrunning.Operations and longrun.v1.Videos over the app's
// TaskService, server reflection, and the standard health service (grpc.health.v1: SERVING
// while up, NOT_SERVING from the moment the app stops). Stopping refuses new calls, ends open
// waits and watches (UNAVAILABLE), then shuts down gracefully within a bound and forcibly after.
import { Server, ServerCredentials, type ServiceDefinition } from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { ReflectionService } from '@grpc/reflection';
import { HealthImplementation, protoPath as healthProtoPath } from 'grpc-health-check';
import type { Authenticator } from '../auth/authenticator.js';
import { CallerSockets } from '../callers/callerSockets.js';
import type { Logger } from '../logger.js';
import type { TaskService } from '../tasks/taskService.js';
import { CallEnvironment, tolerantDeserializer } from './calls.js';
import { operationsService } from './operationsService.js';
import { loadPackageDefinition } from './protos.js';
import { videosService } from './videosService.js';

export const servedServices = ['google.longrunning.Operations', 'longrun.v1.Videos'] as const;

export interface GrpcServerOptions {
  host: string;
  /** 0: any free port. */
  port: number;
  authenticator: Authenticator;
  logger: Logger;
  /** Largest request message (MAX_REQUEST_BYTES); a larger one is refused with RESOURCE_EXHAUSTED. */
  maxMessageBytes: number;
  /** A caller's open WatchOperation and WaitOperation calls at once (QUOTA_SOCKETS); 0: unlimited. */
  maxLongCallsPerCaller: number;
  /** How long open calls get to finish when stopping before they are cut off. */
  shutdownTimeoutMs?: number;
}

export interface GrpcEndpoint {
  /** The port bound. */
  readonly port: number;
  stop(): Promise<void>;
}

/** The service with every request decoder made tolerant (a malformed request is INVALID_ARGUMENT, not INTERNAL). */
function tolerant(service: ServiceDefinition, packageName: string): ServiceDefinition {
  const methods: Record<string, ServiceDefinition[string]> = {};
  for (const [name, method] of Object.entries(service)) {
    const typeName = (method as { requestType?: { type?: { name?: string } } }).requestType?.type?.name;
    methods[name] = { ...method, requestDeserialize: tolerantDeserializer(method.requestDeserialize, typeName ? `${packageName}.${typeName}` : 'request') };
  }
  return methods as ServiceDefinition;
}

function bindAddress(host: string, port: number): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]:${port}` : `${host}:${port}`;
}

export async function startGrpcServer(tasks: TaskService, options: GrpcServerOptions): Promise<GrpcEndpoint> {
  const { logger } = options;
  const definition = loadPackageDefinition();
  // Streams per connection are bounded too: each open watch holds a subscription.
  const server = new Server({ 'grpc.max_receive_message_length': options.maxMessageBytes, 'grpc.max_concurrent_streams': 1000 });
  const env = new CallEnvironment(options.authenticator, logger, new CallerSockets(options.maxLongCallsPerCaller));
  server.addService(tolerant(definition['google.longrunning.Operations'] as ServiceDefinition, 'google.longrunning'), operationsService(tasks, env));
  server.addService(tolerant(definition['longrun.v1.Videos'] as ServiceDefinition, 'longrun.v1'), videosService(tasks, env));

  const health = new HealthImplementation({ '': 'SERVING', ...Object.fromEntries(servedServices.map((name) => [name, 'SERVING'])) });
  health.addToServer(server);
  // Reflection describes our services and the health service.
  new ReflectionService({ ...definition, ...protoLoader.loadSync(healthProtoPath) }).addToServer(server);

  const address = bindAddress(options.host, options.port);
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(address, ServerCredentials.createInsecure(), (error, bound) => {
      // grpc-js says "No address added out of total 1 resolved errors: [listen EADDRINUSE ...]": name the setting.
      if (error) reject(new Error(`gRPC cannot listen on ${address} (GRPC_PORT): ${error.message}`, { cause: error }));
      else resolve(bound);
    });
  });
  logger.info({ host: options.host, port }, 'gRPC listening');

  let stopped: Promise<void> | null = null;
  const shutdown = async (): Promise<void> => {
    health.setStatus('', 'NOT_SERVING');
    for (const name of servedServices) health.setStatus(name, 'NOT_SERVING');
    env.stop();
    const bound = options.shutdownTimeoutMs ?? 5_000;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        logger.warn({ boundMs: bound }, 'gRPC calls still open at the end of the shutdown bound; closing them');
        server.forceShutdown();
        resolve();
      }, bound);
      server.tryShutdown(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  };
  return {
    port,
    stop() {
      stopped ??= shutdown();
      return stopped;
    },
  };
}
