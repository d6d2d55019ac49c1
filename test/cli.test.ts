// The `longrun` CLI as a user runs it: a real child process (bin/longrun.mjs through tsx) against
// a real server on a free port. One server renders for real (no authentication); another runs
// scripted tasks (fail, sleep) and requires an API key.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadAuthSettings } from '../src/auth/authSettings.js';
import { unlimitedQuotas } from '../src/callers/quotas.js';
import { request, waitFor } from './support/http.js';
import { scriptedProcessor } from './support/scriptedProcessor.js';
import { startTestApp, type TestApp } from './support/testApp.js';

const root = path.resolve(import.meta.dirname ?? '.', '..');
const node = path.join(root, 'node_modules/.bin/node');
const cliEntry = path.join(root, 'bin/longrun.mjs');
const apiKey = 'alice-secret-0123456789';

let renderApp: TestApp;
let scriptedApp: TestApp;
let workDir: string;

beforeAll(async () => {
  [renderApp, scriptedApp] = await Promise.all([
    startTestApp(),
    startTestApp({
      processors: { CREATE_VIDEO: scriptedProcessor },
      config: { auth: loadAuthSettings({ API_KEYS: `alice:${apiKey}` }), quotas: unlimitedQuotas },
    }),
  ]);
  workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'longrun-cli-'));
});
afterAll(async () => {
  await Promise.all([renderApp?.cleanup(), scriptedApp?.cleanup()]);
  fs.rmSync(workDir, { recursive: true, force: true });
});

interface CliRun {
  child: ChildProcess;
  stdout(): string;
  stdoutBytes(): Buffer;
  stderr(): string;
  exited: Promise<number>;
}

/** The CLI's environment: the test's own, without a LONGRUN_* that would change what is tested. */
function cliEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.LONGRUN_API_KEY;
  delete env.LONGRUN_URL;
  return { ...env, ...extra };
}

function startCli(args: string[], env: Record<string, string> = {}): CliRun {
  const child = spawn(node, [cliEntry, ...args], { cwd: workDir, env: cliEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
  const out: Buffer[] = [];
  let err = '';
  child.stdout!.on('data', (chunk: Buffer) => out.push(chunk));
  child.stderr!.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const exited = new Promise<number>((resolve) => child.once('close', (code, signal) => resolve(code ?? (signal ? 128 : -1))));
  return { child, stdout: () => Buffer.concat(out).toString(), stdoutBytes: () => Buffer.concat(out), stderr: () => err, exited };
}

async function cli(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stdoutBytes: Buffer; stderr: string }> {
  const run = startCli(args, env);
  const code = await run.exited;
  return { code, stdout: run.stdout(), stdoutBytes: run.stdoutBytes(), stderr: run.stderr() };
}

const onRender = (...args: string[]) => ['--url', renderApp.url, ...args];
const onScripted = (...args: string[]) => ['--url', scriptedApp.url, ...args];
const withKey = { LONGRUN_API_KEY: apiKey };
const authorized = { headers: { authorization: `Bearer ${apiKey}` } };

/** The id of the video a finished task created, as the server says (303 Location). */
async function serverVideoId(app: TestApp, taskId: string): Promise<string> {
  const res = await request(app.url, `/videos/tasks/${taskId}`);
  expect(res.status).toBe(303);
  return res.headers.get('location')!.split('/').pop()!;
}

let renderedVideoId = '';

test('create --watch follows a real render to the end: stage lines, exit 0, the video id', async () => {
  const run = await cli(onRender('create', '--title', 'CLI movie', '--plot', 'Rendered for the CLI test', '--duration', '2', '--watch'));
  expect(run.stderr).toBe('');
  expect(run.code).toBe(0);
  const taskId = /^created task (\S+)$/m.exec(run.stdout)?.[1];
  expect(taskId).toBeDefined();
  // stdout is a pipe here: no bar, a line per stage, ending with the finished task.
  expect(run.stdout).not.toMatch(/\u2588|\u001b\[/);
  expect(run.stdout).toMatch(/^succeeded\s+done\s+100%$/m);
  renderedVideoId = await serverVideoId(renderApp, taskId!);
  expect(run.stdout).toContain(`task ${taskId} SUCCEEDED after 1 attempt`);
  expect(run.stdout).toMatch(new RegExp(`^video ${renderedVideoId} "CLI movie" 320x180 2s `, 'm'));
}, 120_000);

test('--json: create prints the task document; create --watch prints JSON lines naming the task and its video', async () => {
  const created = await cli(onRender('--json', 'create', '--title', 'JSON movie', '--plot', 'p', '--duration', '1'));
  expect(created.code).toBe(0);
  const task = JSON.parse(created.stdout) as { id: string; status: string; kind: string };
  expect(task).toMatchObject({ kind: 'CREATE_VIDEO', status: 'pending' });

  const watched = await cli(onRender('create', '--title', 'JSON watch', '--plot', 'p', '--duration', '1', '--watch', '--json'));
  expect(watched.code).toBe(0);
  const events = watched.stdout.trim().split('\n').map((line) => JSON.parse(line) as { id: string; status: string; done: boolean; video: { id: string } | null });
  expect(events.length).toBeGreaterThanOrEqual(1);
  const last = events.at(-1)!;
  expect(new Set(events.map((event) => event.id))).toEqual(new Set([last.id]));
  expect(last).toMatchObject({ status: 'SUCCEEDED', done: true });
  expect(last.video?.id).toBe(await serverVideoId(renderApp, last.id));

  const listed = await cli(onRender('--json', 'list', '--status', 'done'));
  expect(listed.code).toBe(0);
  const page = JSON.parse(listed.stdout) as { items: { id: string }[] };
  expect(page.items.map((item) => item.id)).toContain(last.id);
}, 120_000);

test('get -o writes the MP4 the server serves, refuses to overwrite without --force, and -o - streams it', async () => {
  expect(renderedVideoId).not.toBe('');
  const served = Buffer.from(await (await fetch(`${renderApp.url}/videos/${renderedVideoId}/content`)).arrayBuffer());
  const file = path.join(workDir, 'movie.mp4');

  const first = await cli(onRender('get', renderedVideoId, '-o', file));
  expect(first.code).toBe(0);
  const written = fs.readFileSync(file);
  expect(written.subarray(4, 8).toString('latin1')).toBe('ftyp');
  expect(written.equals(served)).toBe(true);

  fs.writeFileSync(file, 'mine');
  const refused = await cli(onRender('get', renderedVideoId, '-o', file));
  expect(refused.code).toBe(2);
  expect(refused.stderr).toContain('exists already: use --force');
  expect(fs.readFileSync(file, 'utf8')).toBe('mine');

  const forced = await cli(onRender('get', renderedVideoId, '-o', file, '--force'));
  expect(forced.code).toBe(0);
  expect(fs.readFileSync(file).equals(served)).toBe(true);

  const piped = await cli(onRender('get', renderedVideoId, '-o', '-'));
  expect(piped.code).toBe(0);
  expect(piped.stdoutBytes.equals(served)).toBe(true);

  const unknown = await cli(onRender('get', 'no-such-video', '-o', path.join(workDir, 'none.mp4')));
  expect(unknown.code).toBe(4);
  expect(unknown.stderr).toContain('404 Not Found (NOT_FOUND)');
  expect(fs.existsSync(path.join(workDir, 'none.mp4'))).toBe(false);
}, 120_000);

test('a title with terminal escapes is printed with them shown, not obeyed; --json keeps the title as it is', async () => {
  const title = 'Evil \u001b[2J\u001b]0;pwned\u0007 movie';
  const run = await cli(onRender('create', '--title', title, '--plot', 'p', '--duration', '1', '--watch'));
  expect(run.code).toBe(0);
  expect(run.stdout).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/); // nothing but newlines
  expect(run.stdout).toContain('"Evil \\u001b[2J\\u001b]0;pwned\\u0007 movie"');
  const taskId = /^created task (\S+)$/m.exec(run.stdout)?.[1] ?? '';
  const json = await cli(onRender('--json', 'watch', taskId));
  expect((JSON.parse(json.stdout.trim().split('\n').at(-1) ?? '') as { video: { title: string } }).video.title).toBe(title);
}, 120_000);

test('a task that fails permanently: exit 1 with its error code and message on stderr', async () => {
  const run = await cli(onScripted('create', '--title', 'permanent', '--plot', 'p', '--watch'), withKey);
  expect(run.code).toBe(1);
  expect(run.stderr).toMatch(/FAILED after 1 attempt: BAD_PLOT: The plot cannot be rendered\./);
  expect(run.stdout).toMatch(/^failed\s+failed\s+/m);
}, 120_000);

test('list --status shows only the tasks in that state', async () => {
  const failed = await cli(onScripted('--json', 'create', '--title', 'permanent', '--plot', 'p'), withKey);
  const succeeded = await cli(onScripted('--json', 'create', '--title', 'fine', '--plot', 'p'), withKey);
  const failedId = (JSON.parse(failed.stdout) as { id: string }).id;
  const succeededId = (JSON.parse(succeeded.stdout) as { id: string }).id;
  await waitFor('both tasks done', async () => {
    const states = await Promise.all([failedId, succeededId].map(async (id) => (await request(scriptedApp.url, `/videos/tasks/${id}`, authorized)).body.done));
    return states.every(Boolean) ? true : null;
  });

  const run = await cli(onScripted('list', '--status', 'failed', '--kind', 'create_video'), withKey);
  expect(run.code).toBe(0);
  const rows = run.stdout.trim().split('\n');
  expect(rows[0]).toMatch(/^ID\s+KIND\s+STATUS\s+STAGE\s+PROGRESS\s+CREATED\s+VIDEO \/ ERROR$/);
  expect(rows.find((row) => row.startsWith(failedId))).toMatch(/CREATE_VIDEO\s+failed\s+failed\s+.*BAD_PLOT$/);
  expect(run.stdout).not.toContain(succeededId);

  const bad = await cli(onScripted('list', '--status', 'sideways'), withKey);
  expect(bad.code).toBe(4);
  expect(bad.stderr).toContain('400 Bad Request (BAD_USER_INPUT)');
  expect(bad.stderr).toMatch(/^ {2}status \(query\): must be a comma-separated list of /m);
}, 120_000);

test('cancel stops a running task (exit 0, CANCELLED) and a watch of it exits with the cancel code 3', async () => {
  const created = await cli(onScripted('--json', 'create', '--title', 'sleep:120000', '--plot', 'p'), withKey);
  expect(created.code).toBe(0);
  const taskId = (JSON.parse(created.stdout) as { id: string }).id;
  const watching = startCli(onScripted('watch', taskId), withKey);
  await waitFor('the watch to show the task running', async () => (/^running\s+working/m.test(watching.stdout()) ? true : null), 60_000);

  const cancelled = await cli(onScripted('cancel', taskId), withKey);
  expect(cancelled.stderr).toBe('');
  expect(cancelled.code).toBe(0);
  expect(cancelled.stdout).toContain(`task ${taskId} cancelled`);
  expect((await request(scriptedApp.url, `/videos/tasks/${taskId}`, authorized)).body).toMatchObject({ status: 'cancelled', done: true });

  expect(await watching.exited).toBe(3);
  expect(watching.stderr()).toContain(`task ${taskId} CANCELLED`);

  const again = await cli(onScripted('cancel', taskId), withKey);
  expect(again.code).toBe(4);
  expect(again.stderr).toContain('409 Conflict (CONFLICT)');
}, 120_000);

test('a reader that closes stdout early (| head -1) stops the watch quietly with 141, no stack trace', async () => {
  const created = await cli(onScripted('--json', 'create', '--title', 'sleep:120000', '--plot', 'p'), withKey);
  const taskId = (JSON.parse(created.stdout) as { id: string }).id;
  const watching = startCli(onScripted('--json', 'watch', taskId), withKey);
  await waitFor('the first JSON line', async () => (watching.stdout().includes('\n') ? true : null), 60_000);
  watching.child.stdout!.destroy(); // the reader is gone: the next line is written into a closed pipe
  expect((await cli(onScripted('cancel', taskId), withKey)).code).toBe(0);
  expect(await watching.exited).toBe(141);
  expect(watching.stderr()).not.toMatch(/EPIPE|\n\s+at /);
}, 120_000);

test('authentication: LONGRUN_API_KEY and --api-key are sent; without a key the server\'s UNAUTHENTICATED message, exit 4', async () => {
  const withEnv = await cli(onScripted('list', '--limit', '1'), withKey);
  expect(withEnv.code).toBe(0);
  const withFlag = await cli(onScripted('--api-key', apiKey, 'list', '--limit', '1'));
  expect(withFlag.code).toBe(0);

  const missing = await cli(onScripted('list'));
  expect(missing.code).toBe(4);
  expect(missing.stderr).toContain('401 Unauthorized (UNAUTHENTICATED): This server requires credentials');
  expect(missing.stderr).not.toMatch(/\n\s+at /); // no stack trace

  const wrong = await cli(onScripted('create', '--title', 't', '--plot', 'p', '--watch'), { LONGRUN_API_KEY: 'not-a-key-of-this-server' });
  expect(wrong.code).toBe(4);
  expect(wrong.stderr).toContain('(UNAUTHENTICATED)');
}, 120_000);

test('usage errors exit 2 with a clear message; --help and --version exit 0', async () => {
  const missingTitle = await cli(onRender('create', '--plot', 'p'));
  expect(missingTitle.code).toBe(2);
  expect(missingTitle.stderr).toContain("required option '--title <title>' not specified");

  const badDuration = await cli(onRender('create', '--title', 't', '--plot', 'p', '--duration', 'ten'));
  expect(badDuration.code).toBe(2);
  expect(badDuration.stderr).toContain("'ten' is invalid. must be a positive integer");

  const badUrl = await cli(['--url', 'ftp://example', 'list']);
  expect(badUrl.code).toBe(2);
  expect(badUrl.stderr).toContain('must be an http:// or https:// URL');

  const unknownCommand = await cli(['launch']);
  expect(unknownCommand.code).toBe(2);
  expect(unknownCommand.stderr).toContain("unknown command 'launch'");

  const help = await cli(['--help']);
  expect(help.code).toBe(0);
  expect(help.stdout).toContain('Exit codes:');
  const version = await cli(['--version']);
  expect(version.code).toBe(0);
  expect(version.stdout.trim()).toBe((JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { version: string }).version);
}, 120_000);

test('a refused input is printed with the fields at fault; an unreachable server exits 5', async () => {
  const invalid = await cli(onRender('create', '--title', ' ', '--plot', 'p', '--duration', '301'));
  expect(invalid.code).toBe(4);
  expect(invalid.stderr).toMatch(/^ {2}title: must not be blank$/m);
  expect(invalid.stderr).toMatch(/^ {2}durationSeconds: must be an integer from 1 to 300$/m);

  // A port nothing listens on: the one a closed server had.
  const closed = await startTestApp();
  const closedUrl = closed.url;
  await closed.cleanup();
  const unreachable = await cli(['--url', closedUrl, 'list']);
  expect(unreachable.code).toBe(5);
  expect(unreachable.stderr).toContain(`cannot reach ${new URL(closedUrl).origin} (ECONNREFUSED)`);
}, 120_000);

test('on a terminal the watch draws a bar with stage and ETA; --json draws nothing even there', async () => {
  // util-linux `script` gives the CLI a pseudo-terminal as stdout (-e: its exit code).
  const viaScript = async (args: string[]) => {
    const child = spawn('script', ['-qec', [node, cliEntry, ...args].map((arg) => `'${arg}'`).join(' '), '/dev/null'], { cwd: workDir, env: cliEnv({}), stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    const code = await new Promise<number>((resolve) => child.once('close', (exit) => resolve(exit ?? -1)));
    return { code, out };
  };
  const drawn = await viaScript(onRender('create', '--title', 'Bar', '--plot', 'p', '--duration', '1', '--watch'));
  expect(drawn.code).toBe(0);
  expect(drawn.out).toMatch(/\u2588{30} 100% \| done \| ETA \S+/);
  expect(drawn.out).toMatch(/task \S+ SUCCEEDED after 1 attempt/);

  const json = await viaScript(onRender('create', '--title', 'Bar JSON', '--plot', 'p', '--duration', '1', '--watch', '--json'));
  expect(json.code).toBe(0);
  expect(json.out).not.toMatch(/\u2588|\u2591|\u001b\[/);
  const last = JSON.parse(json.out.trim().split(/\r?\n/).at(-1)!) as { status: string };
  expect(last.status).toBe('SUCCEEDED');
}, 120_000);
