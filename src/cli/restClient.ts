// The REST interface over fetch: every call sends the API key, and any answer that is not a
// success becomes a CliError carrying the server's problem document.
import { CliError, ExitCode } from './exitCodes.js';
import { refusal } from './problem.js';
import { asRestTask, asTaskPage, type RestTask, type TaskPage } from './taskTypes.js';

export interface Connection {
  /** The server's base URL, e.g. http://127.0.0.1:4000 */
  baseUrl: URL;
  apiKey: string | undefined;
}

export interface CreateVideoInput {
  title: string;
  plot: string;
  durationSeconds?: number;
}

export interface TaskListQuery {
  status?: string;
  kind?: string;
  limit?: number;
  cursor?: string;
}

/** `path` below the base URL, keeping a base path such as https://host/longrun/. */
export function endpoint(baseUrl: URL, path: string, query: Record<string, string | undefined> = {}): URL {
  const url = new URL(baseUrl.href.replace(/\/*$/, '') + path);
  for (const [name, value] of Object.entries(query)) if (value !== undefined) url.searchParams.set(name, value);
  return url;
}

function causeOf(error: unknown): string {
  const cause = error instanceof Error ? (error.cause as { code?: unknown; message?: unknown } | undefined) : undefined;
  if (typeof cause?.code === 'string') return cause.code;
  if (typeof cause?.message === 'string') return cause.message;
  return error instanceof Error ? error.message : String(error);
}

export class RestClient {
  constructor(private readonly connection: Connection) {}

  /** The answer of a request that succeeded (2xx, or 303 for a finished task); the rest throw. */
  async send(method: string, path: string, options: { body?: unknown; query?: Record<string, string | undefined>; headers?: Record<string, string> } = {}): Promise<Response> {
    const url = endpoint(this.connection.baseUrl, path, options.query);
    const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
    if (this.connection.apiKey) headers.authorization = `Bearer ${this.connection.apiKey}`;
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    let response: Response;
    try {
      // A finished task answers 303 to its video: the task body is what we want, not the video.
      response = await fetch(url, { method, headers, redirect: 'manual', ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}) });
    } catch (error) {
      throw new CliError(`cannot reach ${url.origin} (${causeOf(error)})`, ExitCode.unreachable);
    }
    if (response.ok || response.status === 303) return response;
    throw refusal(response.status, response.statusText, await response.text().catch(() => ''));
  }

  private async json(method: string, path: string, options: Parameters<RestClient['send']>[2] = {}): Promise<unknown> {
    const response = await this.send(method, path, options);
    const text = await response.text();
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw new CliError(`${response.url} did not answer JSON: is --url a longrun server?`, ExitCode.refused);
    }
  }

  private async task(method: string, path: string, options: Parameters<RestClient['send']>[2] = {}): Promise<{ task: RestTask; raw: unknown }> {
    const raw = await this.json(method, path, options);
    try {
      return { task: asRestTask(raw), raw };
    } catch (error) {
      throw new CliError(`${(error as Error).message}: is --url a longrun server?`, ExitCode.refused);
    }
  }

  createVideoTask(input: CreateVideoInput, idempotencyKey?: string): Promise<{ task: RestTask; raw: unknown }> {
    return this.task('POST', '/videos/tasks', { body: input, ...(idempotencyKey ? { headers: { 'idempotency-key': idempotencyKey } } : {}) });
  }

  getTask(id: string): Promise<{ task: RestTask; raw: unknown }> {
    return this.task('GET', `/videos/tasks/${encodeURIComponent(id)}`);
  }

  cancelTask(id: string): Promise<{ task: RestTask; raw: unknown }> {
    return this.task('POST', `/videos/tasks/${encodeURIComponent(id)}/cancel`);
  }

  async listTasks(query: TaskListQuery): Promise<{ page: TaskPage; raw: unknown }> {
    const raw = await this.json('GET', '/videos/tasks', {
      query: { status: query.status, kind: query.kind, limit: query.limit?.toString(), cursor: query.cursor },
    });
    try {
      return { page: asTaskPage(raw), raw };
    } catch (error) {
      throw new CliError(`${(error as Error).message}: is --url a longrun server?`, ExitCode.refused);
    }
  }

  /** The MP4's answer, its body not yet read. */
  videoContent(videoId: string): Promise<Response> {
    return this.send('GET', `/videos/${encodeURIComponent(videoId)}/content`, { headers: { accept: 'video/mp4, application/problem+json' } });
  }
}
