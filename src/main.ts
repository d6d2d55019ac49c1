// Reads the configuration, starts the server, and stops it cleanly on SIGTERM or SIGINT.
import { buildApp } from './app.js';
import { ConfigError, loadConfig } from './config.js';
import { DatabaseInUseError } from './db/databaseLock.js';
import { DataDirLockedError } from './db/dataDirLock.js';
import { createLogger } from './logger.js';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`longrun: configuration error: ${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  const logger = createLogger(config.logLevel);
  const app = buildApp(config, { logger });
  try {
    const url = await app.start();
    process.stderr.write(`longrun listening on ${url} (GraphQL at ${url}/graphql)\n`);
  } catch (error) {
    if (error instanceof DataDirLockedError || error instanceof DatabaseInUseError) {
      process.stderr.write(`longrun: ${error.message}\n`);
      process.exit(1);
    }
    logger.error('failed to start', { error });
    process.exit(1);
  }
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info('stopping', { signal });
    app.stop({ graceMs: config.shutdownGraceMs }).then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error('error while stopping', { error });
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

void main();
