// HTTP without fetch's safety rails: any Host or Origin header, malformed paths and bodies.
import http from 'node:http';
import net from 'node:net';
import { reportRawResponse } from './responseObservers.js';

export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  body: Record<string, unknown>;
}

function parseBody(text: string): Record<string, unknown> {
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch {
    return { raw: text };
  }
}

/** One request through node:http: the path is sent as given, headers as given (Host included). */
export function send(baseUrl: string, options: { method?: string; path: string; headers?: Record<string, string>; body?: string | Buffer }): Promise<RawResponse> {
  const url = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const req = http.request({
      host: url.hostname,
      port: Number(url.port),
      method: options.method ?? 'GET',
      path: options.path,
      headers: options.headers ?? {},
      agent: false,
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        reportRawResponse({ method: options.method ?? 'GET', url: baseUrl.replace(/\/$/, '') + options.path, status: res.statusCode ?? 0, headers: res.headers, text });
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, body: parseBody(text) });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

/**
 * Bytes straight onto a TCP socket (e.g. a Content-Length that lies); the first response in
 * what comes back before the server closes, or before `halfClose` and the end.
 */
export function rawExchange(baseUrl: string, head: string, body: Buffer | string = '', { halfClose = false } = {}): Promise<RawResponse> {
  const url = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(url.port), url.hostname);
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => {
      const all = Buffer.concat(chunks).toString('latin1');
      const match = /^HTTP\/1\.1 (\d{3})[^\r]*\r\n([\s\S]*?)\r\n\r\n/.exec(all);
      if (!match) return reject(new Error(`no HTTP response in ${JSON.stringify(all.slice(0, 200))}`));
      const headers: http.IncomingHttpHeaders = {};
      for (const line of match[2]!.split('\r\n')) {
        const colon = line.indexOf(':');
        headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
      }
      const length = Number(headers['content-length'] ?? 0);
      const start = match.index + match[0].length;
      const text = Buffer.from(all.slice(start, start + length), 'latin1').toString('utf8');
      resolve({ status: Number(match[1]), headers, text, body: parseBody(text) });
    });
    socket.write(head);
    socket.write(body);
    if (halfClose) socket.end();
    else setTimeout(() => socket.end(), 2000).unref();
  });
}
