// GraphQL over HTTP (Apollo Server 5) and over WebSocket (graphql-ws) at the same path,
// sharing one executable schema, one error formatter and one set of limits (limits.ts):
//
//               HTTP (Apollo)                         WebSocket (graphql-ws, webSocket.ts)
//   tokens      parseOptions.maxTokens                sharedParse with maxTokens, in onSubscribe
//   rules       validationRules                       sharedValidate with the same rules
//   codes       Apollo's GRAPHQL_PARSE_FAILED /       the same codes, set in onSubscribe
//               GRAPHQL_VALIDATION_FAILED (HTTP 400)
//   leaving     response 'close' before it finished   socket closed, operation completed
//   stack, hints  the error formatter, from `development`, on both
import type { Server as HttpServer } from 'node:http';
import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { expressMiddleware } from '@as-integrations/express5';
import type { RequestHandler } from 'express';
import { getOperationAST, GraphQLError, type DocumentNode } from 'graphql';
import type { Authenticator } from '../auth/authenticator.js';
import type { Caller } from '../auth/caller.js';
import { whenCredentialsExpire } from '../auth/credentialExpiry.js';
import { CallerSockets } from '../callers/callerSockets.js';
import type { GraphQLLimits, HttpAccess, WebSocketLimits } from '../config.js';
import { asUnavailable, UnauthenticatedError, UnavailableError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { TaskService } from '../tasks/taskService.js';
import { stopWhenAborted } from './abort.js';
import type { GraphQLContext } from './context.js';
import { createErrorFormatter, requestRefusal } from './errors.js';
import { LimitErrorCode, limitRules } from './limits.js';
import { buildSchema } from './schema.js';
import { createSharedExecution } from './sharedExecution.js';
import { createWebSocketEndpoint, type SocketExtra } from './webSocket.js';

export const graphqlPath = '/graphql';

/** How long clients get to answer the close frame on shutdown before their sockets are cut. */
const wsClosePatienceMs = 1000;

/** Never aborted: the signal of executions no single client owns (shared subscription events). */
const noAbort = new AbortController().signal;

export interface GraphQLSettings {
  limits: GraphQLLimits;
  webSocket: WebSocketLimits;
  /** Which Hosts and browser Origins may open a WebSocket. */
  access: HttpAccess;
  /** Largest WebSocket message (the HTTP body limit is the JSON parser's, in app.ts). */
  maxMessageBytes: number;
  /** Stack traces and "Did you mean" hints in errors. */
  development: boolean;
  /** Who calls: the Authorization header on HTTP, the connection_init payload on WebSocket. */
  authenticator: Authenticator;
  /** Open sockets per caller (QUOTA_SOCKETS); 0: unlimited. */
  maxSocketsPerCaller: number;
  /** More Apollo plugins (the metrics' operation counter). */
  plugins?: ApolloServerPlugin<GraphQLContext>[];
}

/** Closes a socket whose caller has QUOTA_SOCKETS open already (the HTTP 429 of WebSockets). */
export const tooManySocketsCloseCode = 4429;
/** Closes a socket whose credentials cannot be checked now (a JWKS that does not answer): 1013 Try Again Later. */
export const tryAgainLaterCloseCode = 1013;
/** Closes a socket whose token has expired: its subscriptions end (graphql-ws's Forbidden). */
export const expiredCloseCode = 4403;

/** The credentials of a connection_init payload: `authorization` (or `Authorization`). */
function authorizationOf(params: Readonly<Record<string, unknown>> | undefined): string | undefined {
  const value = params?.authorization ?? params?.Authorization;
  return typeof value === 'string' ? value : undefined;
}

export interface GraphQLEndpoint {
  middleware: RequestHandler;
  /** Open WebSocket connections and the operations running on them (the metrics). */
  webSocketUse(): { connections: number; operations: number };
  /** Closes every subscription socket with 1001 Going Away and stops Apollo. */
  stop(): Promise<void>;
}

/** A copy of a parse or validation error with the code Apollo gives it on HTTP. */
function withCode(error: GraphQLError, code: string): GraphQLError {
  return new GraphQLError(error.message, {
    ...(error.nodes ? { nodes: error.nodes } : {}),
    ...(error.source ? { source: error.source } : {}),
    ...(error.positions ? { positions: error.positions } : {}),
    extensions: { ...error.extensions, code },
  });
}

/** Apollo's answer on HTTP when the document has no operation of that name, or several and no name. */
function operationResolutionError(document: DocumentNode, operationName: string | null | undefined): GraphQLError | null {
  if (getOperationAST(document, operationName)) return null;
  const message = operationName
    ? `Unknown operation named "${operationName}".`
    : 'Must provide operation name if query contains multiple operations.';
  return new GraphQLError(message, { extensions: { code: 'OPERATION_RESOLUTION_FAILURE' } });
}

/**
 * An answer with an UNAVAILABLE error (shutting down, a stalled database) says when to try
 * again in a Retry-After header too, as REST's 503 does; the status stays what GraphQL over
 * HTTP gives a result with errors.
 */
const retryAfterHeader: ApolloServerPlugin<GraphQLContext> = {
  async requestDidStart() {
    return {
      async willSendResponse({ response }) {
        if (response.body.kind !== 'single') return;
        const seconds = response.body.singleResult.errors
          ?.map((error) => error.extensions?.retryAfterSeconds)
          .find((value): value is number => typeof value === 'number');
        if (seconds !== undefined) response.http.headers.set('retry-after', String(seconds));
      },
    };
  },
};

export async function createGraphQLEndpoint(
  httpServer: HttpServer,
  tasks: TaskService,
  logger: Logger,
  settings: GraphQLSettings,
): Promise<GraphQLEndpoint> {
  const schema = stopWhenAborted(buildSchema());
  const formatError = createErrorFormatter(logger, { development: settings.development });
  const formatAll = (errors: readonly GraphQLError[]) => errors.map((error) => formatError(error.toJSON(), error));
  const rules = limitRules(settings.limits);
  const shared = createSharedExecution({
    maxTokens: settings.limits.maxTokens,
    rules,
    eventContext: (contextValue) => ({ ...(contextValue as GraphQLContext), signal: noAbort }),
    partition: (contextValue) => (contextValue as GraphQLContext).caller.id,
  });
  const { maxOperationsPerConnection } = settings.webSocket;
  const { authenticator } = settings;
  const sockets = new CallerSockets(settings.maxSocketsPerCaller);

  const ws = createWebSocketEndpoint(httpServer, {
    path: graphqlPath,
    limits: settings.webSocket,
    access: settings.access,
    maxPayload: settings.maxMessageBytes,
    logger,
    graphql: {
      schema,
      subscribe: shared.subscribe,
      // Refused (returning false) closes the socket with 4403 Forbidden before any operation runs.
      onConnect: async (ctx) => {
        const { socket } = ctx.extra;
        let caller: Caller;
        try {
          caller = await authenticator.authenticate(authorizationOf(ctx.connectionParams));
        } catch (error) {
          // The keys to check a token could not be fetched: the server's trouble, not the caller's.
          // 1013 Try Again Later, which graphql-ws clients retry (a thrown error would be a fatal 4500).
          if (asUnavailable(error) instanceof UnavailableError) {
            logger.warn({ err: error instanceof Error ? error.cause : undefined }, 'refused a WebSocket connection: its token could not be checked');
            socket.close(tryAgainLaterCloseCode, 'The server cannot check credentials now; try again later');
            return false;
          }
          if (!(error instanceof UnauthenticatedError)) throw error;
          logger.debug({ reason: error.reason }, 'refused a WebSocket connection');
          return false;
        }
        // The client may have gone while its credentials were checked (a slow JWKS): its 'close'
        // has fired already, so a slot counted now would never be given back.
        if (socket.readyState !== socket.OPEN) return false;
        if (!sockets.tryOpen(caller.id)) {
          socket.close(tooManySocketsCloseCode, `Too many open connections for this caller (at most ${sockets.limit})`);
          return false;
        }
        // The token lasts as long as on HTTP: exp plus the clock tolerance it was verified with (a
        // token just past exp is accepted, and must not be closed the moment it is let in).
        const cancelExpiry = whenCredentialsExpire(caller, () => socket.close(expiredCloseCode, 'Token expired'));
        socket.once('close', () => {
          cancelExpiry();
          sockets.closed(caller.id);
        });
        ctx.extra.caller = caller;
        return true;
      },
      onSubscribe: (ctx, id, payload) => {
        // ctx.subscriptions already holds this operation.
        if (Object.keys(ctx.subscriptions).length > maxOperationsPerConnection) {
          return [new GraphQLError(`At most ${maxOperationsPerConnection} operations may run at once on one connection; complete one first.`, {
            extensions: { code: LimitErrorCode.TooManyOperations },
          })];
        }
        let document;
        try {
          document = shared.parse(payload.query);
        } catch (error) {
          if (error instanceof GraphQLError) return [withCode(error, LimitErrorCode.ParseFailed)];
          throw error;
        }
        const errors = shared.validate(schema, document);
        if (errors.length > 0) return errors.map((error) => withCode(error, LimitErrorCode.ValidationFailed));
        // graphql-ws would answer "Unable to identify operation" after this hook, without a code
        // and without onComplete, so the signal made below would stay until the socket closes.
        const unresolved = operationResolutionError(document, payload.operationName);
        if (unresolved) return [unresolved];
        // graphql-ws runs no operation before onConnect accepted the connection.
        const caller = ctx.extra.caller;
        if (!caller) throw new Error('an operation arrived before its connection was accepted');
        const contextValue: GraphQLContext = { tasks, caller, signal: ws.signalFor(ctx.extra.socket, id) };
        return { schema, document, operationName: payload.operationName, variableValues: payload.variables, contextValue };
      },
      onComplete: (ctx, id) => ws.ended(ctx.extra.socket, id),
      onNext: (_ctx, _id, _payload, _args, result) => (result.errors ? { ...result, errors: formatAll(result.errors) } : undefined),
      onError: (_ctx, _id, _payload, errors) => formatAll(errors),
    },
  });

  const apollo = new ApolloServer<GraphQLContext>({
    schema,
    formatError,
    // The limits' rules decide, as on WebSocket (NoSchemaIntrospectionCustomRule when off);
    // Apollo's own introspection rule would report the same field a second time.
    introspection: true,
    validationRules: rules,
    parseOptions: { maxTokens: settings.limits.maxTokens },
    includeStacktraceInErrorResponses: settings.development,
    hideSchemaDetailsFromClientErrors: !settings.development,
    // Browsers get GraphiQL from longrun itself (src/http/playground.ts); Apollo's page loaded
    // Apollo Sandbox from Apollo's CDN.
    plugins: [ApolloServerPluginLandingPageDisabled(), retryAfterHeader, ...(settings.plugins ?? [])],
  });
  await apollo.start();

  return {
    webSocketUse: () => ({ connections: ws.clients.size, operations: ws.operationCount() }),
    middleware: expressMiddleware(apollo, {
      context: async ({ req, res }) => {
        let caller: Caller;
        try {
          caller = await authenticator.authenticate(req.get('authorization'));
        } catch (error) {
          // UNAUTHENTICATED with HTTP 401 (UNAVAILABLE with 503 when keys cannot be fetched).
          throw requestRefusal(error);
        }
        const controller = new AbortController();
        res.once('close', () => {
          if (!res.writableFinished) controller.abort();
        });
        return { tasks, caller, signal: controller.signal };
      },
    }),
    async stop() {
      // dispose() sends 1001 Going Away and waits for every socket to close; a client that
      // never answers would hold the stop for ws's 30 s close timeout, so cut it short.
      const disposed = ws.dispose();
      const patience = new Promise<void>((resolve) => setTimeout(resolve, wsClosePatienceMs).unref());
      await Promise.race([disposed, patience]);
      for (const client of ws.clients) client.terminate();
      await disposed;
      await apollo.stop();
    },
  };
}
