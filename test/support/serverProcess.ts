// Runs `src/main.ts` as a real child process, the way `npm start` does, for crash tests.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import type { Readable } from 'node:stream';

const root = path.resolve(import.meta.dirname ?? '.', '../..');

export interface ServerProcess {
  child: ChildProcess;
  url: string;
  stderr(): string;
  /** Resolves with the exit code (or signal name). */
  exited: Promise<number | string>;
}

/**
 * Reads a server's log from `stream` until it says where it listens. `output()` keeps the whole
 * log read so far; `url` rejects with that log if `exited` comes first.
 */
export function listeningUrl(stream: Readable, exited: Promise<unknown>, what: string): { url: Promise<string>; output(): string } {
  let output = '';
  const url = new Promise<string>((resolve, reject) => {
    stream.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening on (http:\/\/\S+)/.exec(output);
      if (match) resolve(match[1]!);
    });
    void exited.then((code) => reject(new Error(`${what} exited (${String(code)}) before it was ready:\n${output}`)));
  });
  return { url, output: () => output };
}

export function spawnServer(env: Record<string, string>): { child: ChildProcess; exited: Promise<number | string>; stderr(): string; ready: Promise<string> } {
  // node itself, not the tsx binary: tsx runs the program in a grandchild that SIGKILL would miss.
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: root,
    env: { ...process.env, PORT: '0', GRPC_PORT: '0', LOG_LEVEL: 'warn', RENDER_WIDTH: '320', RENDER_HEIGHT: '180', RENDER_FPS: '12', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  const { url, output } = listeningUrl(child.stderr!, exited, 'server');
  return { child, exited, stderr: output, ready: url };
}

export async function startServer(env: Record<string, string>): Promise<ServerProcess> {
  const { child, exited, stderr, ready } = spawnServer(env);
  const url = await ready;
  return { child, url, stderr, exited };
}

/** What a process does: `all` (the default), `api` (HTTP, GraphQL, WebSocket) or `worker` (runs tasks). */
export type Role = 'all' | 'api' | 'worker';

/** `src/main.ts` with ROLE=`role`; the child exists at once, `ready` resolves with its URL. */
export function spawnRole(role: Role, env: Record<string, string>): ReturnType<typeof spawnServer> {
  return spawnServer({ ROLE: role, ...env });
}

/**
 * SIGTERM, then SIGKILL if the process has not exited within `graceMs`. Resolves with its exit
 * code or signal name (at once for a process that has already exited).
 */
export async function stopServer(server: { child: ChildProcess; exited: Promise<number | string> }, graceMs = 20_000): Promise<number | string> {
  if (server.child.exitCode === null && server.child.signalCode === null) server.child.kill('SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), graceMs);
  });
  const first = await Promise.race([server.exited, late]);
  clearTimeout(timer);
  if (first !== 'late') return first;
  server.child.kill('SIGKILL');
  return server.exited;
}
