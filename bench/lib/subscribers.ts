// Many idle WebSocket clients in this process, kept cheap: raw `ws` sockets speaking the
// graphql-transport-ws protocol by hand (connection_init, subscribe) for the app, or just
// connected for the plain `ws` floor. Used by figures 6 and 7.
import path from 'node:path';
import WebSocket from 'ws';
import { ipcRequester, spawnIpcChild } from './appChild.js';
import type { WsFloorReply, WsFloorRequest } from '../servers/wsServer.js';

type FloorMessage = WsFloorRequest extends infer R ? (R extends { seq: number } ? Omit<R, 'seq'> : never) : never;

export const SUBSCRIBERS = Number(process.env.BENCH_SUBSCRIBERS ?? 5000);
export const CONNECT_BATCH = 200;

export const taskSubscription = 'subscription($id: ID!) { taskUpdated(id: $id) { id status done progress stage version updatedAt } }';

export type MessageListener = (data: string) => void;

export interface Subscribers {
  sockets: WebSocket[];
  /** Called with the text of every message after the subscription is live. */
  onMessage(listener: MessageListener): void;
  close(): void;
}

function connectOne(url: string, subscribeTo: string | null, dispatch: (data: string) => void): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = subscribeTo === null
      ? new WebSocket(url, { perMessageDeflate: false })
      : new WebSocket(url, 'graphql-transport-ws', { perMessageDeflate: false });
    let live = false;
    const timer = setTimeout(() => {
      ws.terminate();
      reject(new Error('subscriber not live within 30 s'));
    }, 30_000);
    const goLive = () => {
      live = true;
      clearTimeout(timer);
      resolve(ws);
    };
    ws.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    ws.on('open', () => {
      if (subscribeTo === null) return goLive();
      ws.send(JSON.stringify({ type: 'connection_init' }));
    });
    ws.on('message', (raw) => {
      const data = raw.toString();
      if (live) return dispatch(data);
      const message = JSON.parse(data) as { type: string };
      if (message.type === 'connection_ack') {
        ws.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: taskSubscription, variables: { id: subscribeTo } } }));
      } else if (message.type === 'next') {
        goLive(); // the first event: the task's current state
      } else {
        clearTimeout(timer);
        reject(new Error(`unexpected message before the first event: ${data}`));
      }
    });
  });
}

/**
 * Opens `count` sockets, CONNECT_BATCH at a time; with `subscribeTo` each subscribes to that
 * task and resolves once it has the first event, otherwise once open.
 */
export async function openSubscribers(url: string, count: number, subscribeTo: string | null): Promise<Subscribers> {
  const listeners: MessageListener[] = [];
  const dispatch = (data: string) => {
    for (const listener of listeners) listener(data);
  };
  const sockets: WebSocket[] = [];
  try {
    for (let i = 0; i < count; i += CONNECT_BATCH) {
      const batch = await Promise.all(Array.from({ length: Math.min(CONNECT_BATCH, count - i) }, () => connectOne(url, subscribeTo, dispatch)));
      sockets.push(...batch);
    }
  } catch (error) {
    for (const ws of sockets) ws.terminate();
    throw error;
  }
  return {
    sockets,
    onMessage: (listener) => listeners.push(listener),
    close: () => {
      for (const ws of sockets) ws.terminate();
    },
  };
}

export interface WsFloorChild {
  url: string;
  memory(): Promise<NodeJS.MemoryUsage>;
  /** Sends payload to every socket; resolves with the epoch ms just before the first send. */
  broadcast(payload: string): Promise<{ at: number; sent: number }>;
  close(): Promise<void>;
}

/** The plain ws server child; `echo` makes it answer every message with itself (figure 10). */
export async function startWsFloorChild(options: { echo?: boolean } = {}): Promise<WsFloorChild> {
  const { child, ready, exited } = await spawnIpcChild<{ op: 'ready'; url: string }>(
    path.join(import.meta.dirname, '../servers/wsServer.ts'), { echo: options.echo ?? false }, { exposeGc: true });
  const ipc = ipcRequester(child);
  return {
    url: ready.url,
    memory: async () => (await ipc.request<Extract<WsFloorReply, { op: 'memory' }>>({ op: 'memory' } satisfies FloorMessage)).usage,
    broadcast: async (payload) => {
      const reply = await ipc.request<Extract<WsFloorReply, { op: 'broadcast' }>>({ op: 'broadcast', payload } satisfies FloorMessage);
      return { at: reply.at, sent: reply.sent };
    },
    close: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      child.disconnect();
      await exited;
      clearTimeout(killer);
    },
  };
}
