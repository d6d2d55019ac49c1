// Figure 10's clients: many open, idle WebSocket connections (graphql-ws ones initialised, with
// their connection_ack, and nothing subscribed yet), then one message sent on every one of them
// in a single synchronous loop, timing each socket from its own send until its first answer.
// Connecting is kept out of the storm on purpose: 2,000 handshakes at once would measure the
// kernel's listen backlog (SYN retries after 1 s), the same for the app and the floor.
import WebSocket from 'ws';
import { nowMs } from './stats.js';
import { CONNECT_BATCH } from './subscribers.js';

export type StormProtocol = 'graphql-ws' | 'plain';

function connect(url: string, protocol: StormProtocol): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = protocol === 'graphql-ws'
      ? new WebSocket(url, 'graphql-transport-ws', { perMessageDeflate: false })
      : new WebSocket(url, { perMessageDeflate: false });
    const timer = setTimeout(() => {
      ws.terminate();
      reject(new Error('connection not ready within 30 s'));
    }, 30_000);
    const ready = () => {
      clearTimeout(timer);
      ws.removeAllListeners('message');
      resolve(ws);
    };
    ws.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    ws.on('open', () => {
      if (protocol === 'plain') return ready();
      ws.send(JSON.stringify({ type: 'connection_init' }));
    });
    ws.on('message', (raw) => {
      const message = JSON.parse(raw.toString()) as { type: string };
      if (message.type === 'connection_ack') ready();
      else {
        clearTimeout(timer);
        reject(new Error(`unexpected message before connection_ack: ${raw.toString()}`));
      }
    });
  });
}

/** Opens `count` idle connections, CONNECT_BATCH at a time. */
export async function openIdleConnections(url: string, count: number, protocol: StormProtocol): Promise<WebSocket[]> {
  const sockets: WebSocket[] = [];
  try {
    for (let i = 0; i < count; i += CONNECT_BATCH) {
      sockets.push(...await Promise.all(Array.from({ length: Math.min(CONNECT_BATCH, count - i) }, () => connect(url, protocol))));
    }
  } catch (error) {
    for (const ws of sockets) ws.terminate();
    throw error;
  }
  return sockets;
}

export interface StormResult {
  /** Per socket, ms from its send until its first answer. */
  latencies: number[];
  /** How long the send loop itself took (the last socket sent this much after the first). */
  sendLoopMs: number;
}

/**
 * Sends `message` on every socket at once and waits for each one's first answer; `check` may
 * reject an answer (e.g. a graphql-ws error instead of the first `next`).
 */
export function storm(sockets: WebSocket[], message: string, timeoutMs: number, check: (answer: string) => void = () => undefined): Promise<StormResult> {
  return new Promise((resolve, reject) => {
    const latencies: number[] = [];
    let failed = false;
    const timer = setTimeout(() => fail(new Error(`only ${latencies.length} of ${sockets.length} sockets were answered within ${timeoutMs} ms`)), timeoutMs);
    function fail(error: Error) {
      if (failed) return;
      failed = true;
      clearTimeout(timer);
      reject(error);
    }
    // Answers arrive only after this synchronous loop has ended (they are I/O events).
    let sendLoopMs = 0;
    const start = nowMs();
    for (const ws of sockets) {
      const sentAt = nowMs();
      ws.once('message', (raw) => {
        const at = nowMs();
        try {
          check(raw.toString());
        } catch (error) {
          fail(error instanceof Error ? error : new Error(String(error)));
          return;
        }
        latencies.push(at - sentAt);
        if (latencies.length === sockets.length && !failed) {
          clearTimeout(timer);
          resolve({ latencies, sendLoopMs });
        }
      });
      ws.send(message);
    }
    sendLoopMs = nowMs() - start;
  });
}
