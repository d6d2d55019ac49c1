// The command line: global options, the five commands and their options (commander). Parsing
// problems are usage errors (exit 2); each action reports its exit code through `finish`.
import fs from 'node:fs';
import { Command, InvalidArgumentError, Option } from 'commander';
import * as commands from './commands.js';
import type { ExitCodeValue } from './exitCodes.js';

export const defaultUrl = 'http://127.0.0.1:4000';

interface GlobalOptions {
  url: URL;
  apiKey?: string;
  json: boolean;
}

export interface ProgramIo {
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
}

function parseServerUrl(value: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InvalidArgumentError('must be an http:// or https:// URL, e.g. http://127.0.0.1:4000');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new InvalidArgumentError('must be an http:// or https:// URL');
  return url;
}

function parsePositiveInteger(value: string): number {
  if (!/^\d{1,9}$/.test(value) || Number(value) === 0) throw new InvalidArgumentError('must be a positive integer');
  return Number(value);
}

/** Repeated or comma-separated values, sent to the server as one comma-separated list. */
function appendList(value: string, previous: string | undefined): string {
  return previous ? `${previous},${value}` : value;
}

function packageVersion(): string {
  const manifest: unknown = JSON.parse(fs.readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
  return typeof manifest === 'object' && manifest !== null && 'version' in manifest ? String(manifest.version) : 'unknown';
}

const exitCodesHelp = `
Exit codes:
  0    success (a watched task SUCCEEDED)
  1    the task FAILED (its error code and message on stderr), or the output file could not be written
  2    usage error (bad option or argument, a file -o would overwrite without --force)
  3    the task was CANCELLED
  4    the server refused the request (its problem: status, code, detail, fields)
  5    the server could not be reached, or the connection was lost
  130  Ctrl-C while watching (the task goes on)
  141  stdout was closed by its reader (| head): the CLI stopped quietly
`;

export function buildProgram(io: ProgramIo, finish: (code: ExitCodeValue) => void): Command {
  const program = new Command('longrun');
  program
    .description('Create videos on a longrun server and follow their tasks.')
    .version(packageVersion(), '-V, --version')
    .addOption(new Option('--url <url>', 'the server').env('LONGRUN_URL').default(new URL(defaultUrl), defaultUrl).argParser(parseServerUrl))
    .addOption(new Option('--api-key <key>', 'API key or JWT, sent as Authorization: Bearer').env('LONGRUN_API_KEY'))
    .option('--json', 'machine-readable output on stdout: one JSON document (JSON lines for a watch); no bar', false)
    .configureOutput({ writeOut: (text) => io.stdout.write(text), writeErr: (text) => io.stderr.write(text) })
    .showHelpAfterError('(run longrun --help for usage)')
    .exitOverride()
    .addHelpText('after', exitCodesHelp);

  const contextOf = (command: Command): commands.CliContext => {
    const options = command.optsWithGlobals<GlobalOptions>();
    return { connection: { baseUrl: options.url, apiKey: options.apiKey || undefined }, json: options.json, stdout: io.stdout, stderr: io.stderr };
  };

  program
    .command('create')
    .description('start rendering a video; prints the task (with --watch, follows it to the end)')
    .requiredOption('--title <title>', 'the video title (1 to 200 characters)')
    .requiredOption('--plot <plot>', 'the plot (at most 5,000 characters)')
    .option('--duration <seconds>', 'length of the video, 1 to 300 seconds (server default 10)', parsePositiveInteger)
    .option('--idempotency-key <key>', 'the same key and input return the same task (kept 24 hours)')
    .option('--watch', 'follow the task to its end, like longrun watch', false)
    .action(async (options: { title: string; plot: string; duration?: number; idempotencyKey?: string; watch: boolean }, command: Command) => {
      const input = { title: options.title, plot: options.plot, ...(options.duration !== undefined ? { durationSeconds: options.duration } : {}) };
      finish(await commands.create(contextOf(command), input, { watch: options.watch, ...(options.idempotencyKey ? { idempotencyKey: options.idempotencyKey } : {}) }));
    });

  program
    .command('watch')
    .description('follow a task to its end: a progress bar with stage and ETA')
    .argument('<taskId>', 'the task id')
    .action(async (taskId: string, _options: unknown, command: Command) => {
      finish(await commands.watch(contextOf(command), taskId));
    });

  program
    .command('list')
    .description('list tasks, newest first')
    .option('--status <status>', 'pending, running, queued, done, failed, cancelled (repeat or comma-separate)', appendList)
    .option('--kind <kind>', 'CREATE_VIDEO or DELETE_VIDEO')
    .option('--limit <n>', 'tasks per page, 1 to 100 (server default 20)', parsePositiveInteger)
    .option('--cursor <cursor>', 'the next page, as the previous list printed it')
    .action(async (options: { status?: string; kind?: string; limit?: number; cursor?: string }, command: Command) => {
      finish(await commands.list(contextOf(command), options));
    });

  program
    .command('cancel')
    .description('cancel a queued or running task')
    .argument('<taskId>', 'the task id')
    .action(async (taskId: string, _options: unknown, command: Command) => {
      finish(await commands.cancel(contextOf(command), taskId));
    });

  program
    .command('get')
    .description('download a video\'s MP4')
    .argument('<videoId>', 'the video id (a finished task prints it)')
    .option('-o, --output <file>', 'where to write it; - for stdout (default: <videoId>.mp4)')
    .option('--force', 'overwrite the file if it exists', false)
    .action(async (videoId: string, options: { output?: string; force: boolean }, command: Command) => {
      finish(await commands.get(contextOf(command), videoId, { output: options.output ?? `${videoId}.mp4`, force: options.force }));
    });

  return program;
}
