// Reads the configuration, starts the server, and stops it cleanly on SIGTERM, SIGINT or SIGHUP.
// Tracing first, when configured: its instrumentations must be in place before express, graphql
// and pg load, and static imports would all load before any module runs. So the app's modules
// are imported dynamically, after it (docs/decisions/0019-traces.md).
import { stopTelemetry } from './telemetry/register.js';
import type { Config } from './config.js';

const { buildApp } = await import('./app.js');
const { ConfigError, loadConfig } = await import('./config.js');
const { DataDirLockedError } = await import('./db/dataDirLock.js');
const { createLogger } = await import('./logger.js');

function readConfig(): Config {
  try {
    return loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`longrun: configuration error: ${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
}

async function main(): Promise<void> {
  // The log's reader may be gone before us: Ctrl-C also stops the `| tee` of `npm start | tee`,
  // a closed terminal answers EIO. Unhandled, that write error crashed the stop half-way and
  // left the running tasks RUNNING; a log nobody can read is no reason to stop badly.
  process.stderr.on('error', () => undefined);
  const config = readConfig();
  const logger = createLogger(config.logLevel, { role: config.role, format: config.logFormat });
  const app = buildApp(config, { logger });
  const started = app.start();

  // Handlers go in before the start finishes: a signal during migrations waits for them to
  // complete (a migration cut in half would block every later start), then stops.
  let stopping = false;
  const shutdown = (signal: string) => {
    // Later signals change nothing: npm forwards the terminal's SIGINT, so one Ctrl-C under
    // `npm start` arrives twice, and a "second Ctrl-C skips the grace" rule would misfire.
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping');
    started
      .catch(() => undefined)
      .then(() => app.stop({ graceMs: config.shutdownGraceMs }))
      .then(() => stopTelemetry())
      .then(
        () => process.exit(0),
        (error: unknown) => {
          logger.error({ err: error }, 'error while stopping');
          process.exit(1);
        },
      );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
  // The terminal was closed: the kernel sends SIGHUP to its foreground group, whose default
  // action killed node mid-render and left its tasks RUNNING.
  process.on('SIGHUP', () => shutdown('SIGHUP'));

  try {
    const url = await started;
    // Tests and scripts read the URL from this line ("listening on http://...").
    if (config.role === 'worker') process.stderr.write(`longrun worker listening on ${url} (health checks only)\n`);
    else process.stderr.write(`longrun listening on ${url} (GraphQL at ${url}/graphql, gRPC on ${app.grpcAddress}${config.role === 'api' ? ', runs no tasks' : ''})\n`);
  } catch (error) {
    if (error instanceof DataDirLockedError) process.stderr.write(`longrun: ${error.message}\n`);
    else logger.error({ err: error }, 'failed to start');
    process.exit(1);
  }
}

void main();
