// A whole HTTP/1.1 response written straight to a socket, then closed: for the places that have
// no Express response to answer with (a request Node's parser refused, a refused WebSocket upgrade).
import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';

/** `headers` may name the X-Request-Id; otherwise a new one, as every response has one (README, Logs). */
export function endWithResponse(socket: Duplex, status: number, contentType: string, body: string, headers: Record<string, string> = {}): void {
  const head = Object.entries({
    'X-Request-Id': randomUUID(),
    'Content-Type': contentType,
    'Content-Length': String(Buffer.byteLength(body)),
    'X-Content-Type-Options': 'nosniff',
    Connection: 'close',
    ...headers,
  }).map(([name, value]) => `${name}: ${value}`);
  socket.end([`HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}`, ...head, '', body].join('\r\n'));
}
