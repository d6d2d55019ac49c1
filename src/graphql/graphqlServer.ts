// GraphQL over HTTP (Apollo Server 5) and over WebSocket (graphql-ws) at the same path,
// sharing one executable schema and one error formatter.
import type { Server as HttpServer } from 'node:http';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginLandingPageLocalDefault } from '@apollo/server/plugin/landingPage/default';
import { expressMiddleware } from '@as-integrations/express5';
import type { RequestHandler } from 'express';
import type { GraphQLError } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import type { Logger } from '../logger.js';
import type { TaskService } from '../tasks/taskService.js';
import type { GraphQLContext } from './context.js';
import { createErrorFormatter } from './errors.js';
import { buildSchema } from './schema.js';
import { sharedParse, sharedSubscribe, sharedValidate } from './sharedExecution.js';

export const graphqlPath = '/graphql';

/** How long clients get to answer the close frame on shutdown before their sockets are cut. */
const wsClosePatienceMs = 1000;

export interface GraphQLEndpoint {
  middleware: RequestHandler;
  /** Closes every subscription socket with 1001 Going Away and stops Apollo. */
  stop(): Promise<void>;
}

export async function createGraphQLEndpoint(httpServer: HttpServer, tasks: TaskService, logger: Logger): Promise<GraphQLEndpoint> {
  const schema = buildSchema();
  const formatError = createErrorFormatter(logger);
  const formatAll = (errors: readonly GraphQLError[]) => errors.map((error) => formatError(error.toJSON(), error));
  const context = (): GraphQLContext => ({ tasks });

  // Messages are GraphQL requests: the same 1 MB bound as HTTP bodies (ws would take 100 MiB).
  const wsServer = new WebSocketServer({ server: httpServer, path: graphqlPath, maxPayload: 1024 * 1024 });
  const wsHandle = useServer(
    {
      schema,
      context,
      parse: sharedParse,
      validate: sharedValidate,
      subscribe: sharedSubscribe,
      onNext: (_ctx, _id, _payload, _args, result) => (result.errors ? { ...result, errors: formatAll(result.errors) } : undefined),
      onError: (_ctx, _id, _payload, errors) => formatAll(errors),
    },
    wsServer,
  );

  const apollo = new ApolloServer<GraphQLContext>({
    schema,
    formatError,
    plugins: [ApolloServerPluginLandingPageLocalDefault({ embed: true, includeCookies: false })],
  });
  await apollo.start();

  return {
    middleware: expressMiddleware(apollo, { context: async () => context() }),
    async stop() {
      // dispose() sends 1001 Going Away and waits for every socket to close; a client that
      // never answers would hold the stop for ws's 30 s close timeout, so cut it short.
      const disposed = wsHandle.dispose();
      const patience = new Promise<void>((resolve) => setTimeout(resolve, wsClosePatienceMs).unref());
      await Promise.race([disposed, patience]);
      for (const client of wsServer.clients) client.terminate();
      await disposed;
      await apollo.stop();
    },
  };
}
