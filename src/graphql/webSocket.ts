// graphql-ws on `ws`, wired by hand instead of graphql-ws's `useServer` (graphql-ws/use/ws),
// which this follows (subprotocol, keep-alive pings, message loop) except where it must not:
//
// - Upgrades are ours (`noServer`): a Host that is not allowed or a browser Origin that is not
//   allowed is refused 403, an upgrade beyond maxConnections 503, another path 404; all before
//   the handshake, and nothing else happens.
// - useServer prints every socket 'error' with console.error (a message over maxPayload, a
//   client that resets). ws has already closed such a socket (1009 for an oversized message);
//   we log one JSON line and nothing else.
// - Each operation gets an AbortSignal in its context, aborted when the client completes the
//   operation, when it ends, or when the socket closes (see abort.ts).
import type { IncomingMessage, Server as HttpServer } from 'node:http';
import type { Duplex } from 'node:stream';
import { CloseCode, handleProtocols, makeServer, type ConnectionInitMessage, type Context, type ServerOptions } from 'graphql-ws';
import { STATUS_CODES } from 'node:http';
import { WebSocket, WebSocketServer } from 'ws';
import type { Caller } from '../auth/caller.js';
import type { HttpAccess, WebSocketLimits } from '../config.js';
import { isAllowedHost, isAllowedOrigin } from '../http/access.js';
import { endWithResponse } from '../http/rawResponse.js';
import type { Logger } from '../logger.js';
import { requestIdFrom, requestIdHeader } from '../logging/requestLogging.js';

/** What graphql-ws hands to every hook as `ctx.extra`. */
export interface SocketExtra {
  socket: WebSocket;
  request: IncomingMessage;
  /** Who opened the connection: set once its connection_init is accepted (onConnect). */
  caller?: Caller;
}

export interface WebSocketEndpointOptions {
  path: string;
  limits: WebSocketLimits;
  access: HttpAccess;
  /** Largest message; a larger one closes the socket with 1009 Message Too Big. */
  maxPayload: number;
  logger: Logger;
  /** graphql-ws's server options (schema, hooks); `onSubscribe` gets the operation's signal. */
  graphql: ServerOptions<ConnectionInitMessage['payload'], SocketExtra>;
}

export interface WebSocketEndpoint {
  /** Aborted when the client completes operation `id` on `socket`, or the socket closes. */
  signalFor(socket: WebSocket, id: string): AbortSignal;
  /** The operation ended on its own: forget its signal (and abort it: nothing waits any more). */
  ended(socket: WebSocket, id: string): void;
  /** Closes every socket with 1001 Going Away and waits until they are closed. */
  dispose(): Promise<void>;
  readonly clients: Set<WebSocket>;
  /** Operations running on every socket now (subscriptions, and queries or mutations still executing). */
  operationCount(): number;
}

/** Same keep-alive as graphql-ws's useServer: a ping every 12 s, no pong within 12 s ends the socket. */
const keepAliveMs = 12_000;

function refuseUpgrade(socket: Duplex, status: number, headers: Record<string, string>): void {
  endWithResponse(socket, status, 'text/plain', STATUS_CODES[status] ?? '', headers);
}

export function createWebSocketEndpoint(httpServer: HttpServer, options: WebSocketEndpointOptions): WebSocketEndpoint {
  const { logger, limits, access } = options;
  const wsServer = new WebSocketServer({ noServer: true, maxPayload: options.maxPayload, handleProtocols });
  const operations = new WeakMap<WebSocket, Map<string, AbortController>>();
  /** graphql-ws's context of each socket, whose `subscriptions` name the operations it still runs. */
  const contexts = new WeakMap<WebSocket, Context<ConnectionInitMessage['payload'], SocketExtra>>();
  const server = makeServer({
    ...options.graphql,
    onConnect: (ctx) => {
      contexts.set(ctx.extra.socket, ctx);
      return options.graphql.onConnect?.(ctx);
    },
  });

  /**
   * Aborts the operations graphql-ws has let go of: a client's complete message removes the
   * operation from ctx.subscriptions (freeing its slot) but stops only a subscription's stream,
   * not a query or mutation still executing. Asking graphql-ws rather than reading the message
   * ourselves catches every spelling of it (an escaped "\u0063omplete", an id of any length).
   */
  function abortReleased(socket: WebSocket): void {
    const ctx = contexts.get(socket);
    const perSocket = operations.get(socket);
    if (!ctx || !perSocket) return;
    for (const [id, controller] of perSocket) {
      if (id in ctx.subscriptions) continue;
      controller.abort();
      perSocket.delete(id);
    }
  }

  function onUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => socket.destroy()); // a client that resets mid-upgrade
    // A refusal answers with the client's X-Request-Id, like every HTTP response, and logs it.
    const reqId = requestIdFrom(request.headers['x-request-id']);
    const refuse = (status: number, headers: Record<string, string> = {}) => refuseUpgrade(socket, status, { [requestIdHeader]: reqId, ...headers });
    const pathname = new URL(request.url ?? '/', 'http://localhost').pathname;
    if (pathname !== options.path) return refuse(404);
    const host = request.headers.host;
    // Version 8 clients send Sec-WebSocket-Origin, as ws reads it.
    const origin = request.headers['sec-websocket-version'] === '8' ? request.headers['sec-websocket-origin'] : request.headers.origin;
    if (!isAllowedHost(host, access) || !isAllowedOrigin(Array.isArray(origin) ? origin[0] : origin, host, access)) {
      logger.debug({ reqId, host, origin }, 'refused a WebSocket upgrade');
      return refuse(403);
    }
    // handleUpgrade adds the socket to wsServer.clients synchronously, so this count is exact.
    if (wsServer.clients.size >= limits.maxConnections) {
      logger.warn({ reqId, maxConnections: limits.maxConnections }, 'refused a WebSocket upgrade: too many connections');
      return refuse(503, { 'Retry-After': '5' });
    }
    wsServer.handleUpgrade(request, socket, head, (ws) => connected(ws, request));
  }

  function connected(socket: WebSocket, request: IncomingMessage): void {
    operations.set(socket, new Map());
    let errorLogged = false;
    socket.on('error', (error: Error & { code?: string }) => {
      // ws closes the socket itself (1009 for a message over maxPayload, 1002 for a protocol error).
      if (!errorLogged) logger.warn({ code: error.code, message: error.message }, 'WebSocket closed on an error');
      errorLogged = true;
    });
    let pongWait: NodeJS.Timeout | null = null;
    const pingInterval = setInterval(() => {
      if (socket.readyState !== WebSocket.OPEN) return;
      pongWait = setTimeout(() => socket.terminate(), keepAliveMs);
      socket.once('pong', () => {
        if (pongWait) clearTimeout(pongWait);
        pongWait = null;
      });
      socket.ping();
    }, keepAliveMs);
    const closed = server.opened(
      {
        protocol: socket.protocol,
        // A write that fails (EPIPE, ECONNRESET: the client reset the connection before the server
        // read that) is the client leaving, like a socket no longer open: ws closes the socket and
        // 'close' below ends its operations. Rejecting would log an error per answer in flight.
        send: (data) =>
          new Promise<void>((resolve) => {
            if (socket.readyState !== WebSocket.OPEN) return resolve();
            socket.send(data, () => resolve());
          }),
        close: (code, reason) => socket.close(code, reason),
        onMessage: (handle) =>
          socket.on('message', (raw: Buffer) => {
            // A complete message resolves at once (a subscribe message only once its operation ends).
            handle(raw.toString()).then(() => abortReleased(socket), (error: unknown) => {
              logger.error({ err: error }, 'unexpected error handling a WebSocket message');
              if (socket.readyState === WebSocket.OPEN) socket.close(CloseCode.InternalServerError, 'Internal server error');
            });
          }),
      },
      { socket, request },
    );
    socket.once('close', (code, reason) => {
      if (pongWait) clearTimeout(pongWait);
      clearInterval(pingInterval);
      for (const controller of operations.get(socket)?.values() ?? []) controller.abort();
      operations.delete(socket);
      closed(code, reason.toString()).catch((error: unknown) => logger.error({ err: error }, 'unexpected error closing a WebSocket'));
    });
  }

  httpServer.on('upgrade', onUpgrade);

  return {
    signalFor(socket, id) {
      const perSocket = operations.get(socket);
      const controller = new AbortController();
      if (perSocket) perSocket.set(id, controller);
      else controller.abort(); // the socket is gone already
      return controller.signal;
    },
    ended(socket, id) {
      const perSocket = operations.get(socket);
      perSocket?.get(id)?.abort();
      perSocket?.delete(id);
    },
    get clients() {
      return wsServer.clients;
    },
    operationCount() {
      let count = 0;
      for (const socket of wsServer.clients) count += operations.get(socket)?.size ?? 0;
      return count;
    },
    async dispose() {
      httpServer.off('upgrade', onUpgrade);
      for (const client of wsServer.clients) client.close(1001, 'Going away');
      await new Promise<void>((resolve, reject) => wsServer.close((error) => (error ? reject(error) : resolve())));
    },
  };
}
