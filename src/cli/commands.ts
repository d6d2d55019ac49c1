// What each command does, given parsed options. Each returns the exit code; errors are thrown
// as CliError and reported by main.ts.
import { downloadVideo } from './download.js';
import { CliError, ExitCode, type ExitCodeValue } from './exitCodes.js';
import { describeCancelled, describeCreated, formatBytes, outcomeLines, taskTable } from './format.js';
import { printable } from './printable.js';
import { RestClient, type Connection, type CreateVideoInput, type TaskListQuery } from './restClient.js';
import { chooseDisplay } from './taskDisplay.js';
import { watchTask } from './taskWatcher.js';
import type { TaskSnapshot } from './taskTypes.js';

export interface CliContext {
  connection: Connection;
  json: boolean;
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
}

function printJson(context: CliContext, document: unknown): void {
  context.stdout.write(`${JSON.stringify(document, null, 2)}\n`);
}

function exitCodeOf(task: TaskSnapshot): ExitCodeValue {
  if (task.status === 'SUCCEEDED') return ExitCode.ok;
  return task.status === 'CANCELLED' ? ExitCode.taskCancelled : ExitCode.failed;
}

/** Follows a task to its end over the subscription; the exit code says how it ended. */
export async function watch(context: CliContext, taskId: string): Promise<ExitCodeValue> {
  // A REST read first: an unknown id or refused credentials get the server's problem document,
  // clearer than a subscription error or a closed socket.
  await new RestClient(context.connection).getTask(taskId);
  const display = chooseDisplay({ json: context.json, stdout: context.stdout });
  const watching = watchTask(context.connection, taskId, (task) => display.update(task));
  let onInterrupt = (): void => {};
  const interrupted = new Promise<null>((resolve) => {
    onInterrupt = () => resolve(null);
    process.once('SIGINT', onInterrupt);
  });
  try {
    const task = await Promise.race([watching.finished, interrupted]);
    display.finish(task);
    if (!task) {
      watching.stop();
      context.stderr.write(`stopped watching; task ${taskId} goes on (longrun watch ${taskId})\n`);
      return ExitCode.interrupted;
    }
    if (task.status !== 'SUCCEEDED') for (const line of outcomeLines(task)) context.stderr.write(`${line}\n`);
    return exitCodeOf(task);
  } catch (error) {
    display.finish(null);
    throw error;
  } finally {
    process.off('SIGINT', onInterrupt);
  }
}

export async function create(context: CliContext, input: CreateVideoInput, options: { watch: boolean; idempotencyKey?: string }): Promise<ExitCodeValue> {
  const { task, raw } = await new RestClient(context.connection).createVideoTask(input, options.idempotencyKey);
  if (options.watch) {
    if (!context.json) context.stdout.write(`created task ${printable(task.id)}\n`);
    return watch(context, task.id);
  }
  if (context.json) printJson(context, raw);
  else context.stdout.write(`${describeCreated(task)}\n`);
  return ExitCode.ok;
}

export async function list(context: CliContext, query: TaskListQuery): Promise<ExitCodeValue> {
  const { page, raw } = await new RestClient(context.connection).listTasks(query);
  if (context.json) {
    printJson(context, raw);
    return ExitCode.ok;
  }
  if (page.items.length === 0) context.stdout.write('no tasks\n');
  else for (const line of taskTable(page.items)) context.stdout.write(`${line}\n`);
  if (page.nextCursor) context.stdout.write(`more: longrun list --cursor ${printable(page.nextCursor)}\n`);
  return ExitCode.ok;
}

export async function cancel(context: CliContext, taskId: string): Promise<ExitCodeValue> {
  const { task, raw } = await new RestClient(context.connection).cancelTask(taskId);
  if (context.json) printJson(context, raw);
  else context.stdout.write(`${describeCancelled(task)}\n`);
  return ExitCode.ok;
}

export async function get(context: CliContext, videoId: string, options: { output: string; force: boolean }): Promise<ExitCodeValue> {
  const bytes = await downloadVideo(new RestClient(context.connection), videoId, { ...options, stdout: context.stdout });
  if (options.output === '-') return ExitCode.ok; // stdout is the video itself
  if (context.json) printJson(context, { videoId, path: options.output, bytes });
  else context.stdout.write(`wrote ${options.output} (${formatBytes(bytes)}, video ${videoId})\n`);
  return ExitCode.ok;
}
