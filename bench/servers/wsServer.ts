// The floor of figures 6, 7 and 10: a plain `ws` server in a child process that holds idle sockets
// and, on request, broadcasts one pre-serialised payload to all of them; with {"echo": true}
// (figure 10 only, so the idle sockets of figure 6 carry no extra listener) it also sends every
// message back on its socket. Controlled over IPC (see bench/lib/subscribers.ts).
import { WebSocketServer, type WebSocket } from 'ws';
import type { AddressInfo } from 'node:net';
import { epochMs } from '../lib/stats.js';

export type WsFloorRequest =
  | { op: 'memory'; seq: number }
  | { op: 'broadcast'; seq: number; payload: string };

export type WsFloorReply =
  | { op: 'ready'; url: string }
  | { op: 'memory'; seq: number; usage: NodeJS.MemoryUsage; sockets: number }
  | { op: 'broadcast'; seq: number; at: number; sent: number };

const { echo = false } = JSON.parse(process.argv[2] ?? '{}') as { echo?: boolean };
const sockets = new Set<WebSocket>();
const server = new WebSocketServer({ host: '127.0.0.1', port: 0, backlog: 1024 });
server.on('connection', (socket) => {
  sockets.add(socket);
  socket.on('close', () => sockets.delete(socket));
  if (echo) socket.on('message', (data, isBinary) => socket.send(data, { binary: isBinary }));
});
await new Promise<void>((resolve) => server.once('listening', () => resolve()));
const send = (message: WsFloorReply) => process.send?.(message);

process.on('message', (request: WsFloorRequest) => {
  void (async () => {
    if (request.op === 'memory') {
      const gc = (globalThis as { gc?: () => void }).gc;
      churnYoungGeneration();
      for (let i = 0; i < 3; i++) {
        gc?.();
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      send({ op: 'memory', seq: request.seq, usage: process.memoryUsage(), sockets: sockets.size });
    } else {
      const at = epochMs();
      for (const socket of sockets) socket.send(request.payload);
      send({ op: 'broadcast', seq: request.seq, at, sent: sockets.size });
    }
  })();
});
process.on('disconnect', () => {
  for (const socket of sockets) socket.terminate();
  server.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 2000).unref();
});
send({ op: 'ready', url: `ws://127.0.0.1:${(server.address() as AddressInfo).port}` });

/**
 * Cycles ~100 MB of short-lived objects through the young generation so that all of its pages
 * have been touched (and count in RSS) before every memory reading, not only after the
 * 5,000 connections did it: otherwise up to 32 MB of semi-space shows up as "per socket".
 */
function churnYoungGeneration(): void {
  let keep: { i: number }[] = [];
  for (let i = 0; i < 3_000_000; i++) {
    keep.push({ i });
    if (keep.length === 10_000) keep = [];
  }
}
