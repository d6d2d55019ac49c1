// Plain `ws` floors: an echo server (round trip) for figure 5.
import type { AddressInfo } from 'node:net';
import WebSocket, { WebSocketServer } from 'ws';
import { nowMs, percentile, sleep } from './stats.js';

/**
 * Round trips of a small message through a plain ws echo server in this process, sent at
 * `ratePerSecond` spread over `clients` connections for `seconds`. Returns the samples in ms.
 */
export async function wsEchoRoundTrips(options: { ratePerSecond: number; seconds: number; clients: number; payload: string }): Promise<number[]> {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  server.on('connection', (socket) => socket.on('message', (data, isBinary) => socket.send(data, { binary: isBinary })));
  const { port } = server.address() as AddressInfo;
  const sockets = await Promise.all(Array.from({ length: options.clients }, () => new Promise<WebSocket>((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}`);
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  })));
  const samples: number[] = [];
  const sentAt = new Map<number, number>();
  for (const ws of sockets) {
    ws.on('message', (data) => {
      const text = data.toString();
      const seq = Number(text.slice(0, text.indexOf(':')));
      const at = sentAt.get(seq);
      if (at !== undefined) samples.push(nowMs() - at);
      sentAt.delete(seq);
    });
  }
  const total = Math.round(options.ratePerSecond * options.seconds);
  const interval = 1000 / options.ratePerSecond;
  const start = nowMs();
  for (let i = 0; i < total; i++) {
    const due = start + i * interval;
    const wait = due - nowMs();
    if (wait > 0) await sleep(wait);
    sentAt.set(i, nowMs());
    sockets[i % sockets.length]!.send(`${i}:${options.payload}`);
  }
  const deadline = nowMs() + 5000;
  while (sentAt.size > 0 && nowMs() < deadline) await sleep(5);
  for (const ws of sockets) ws.terminate();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return samples;
}

export function p50p99(samples: number[]): { p50: number; p99: number; n: number } {
  return { p50: percentile(samples, 50), p99: percentile(samples, 99), n: samples.length };
}
