// pino, writing one JSON object per line to stderr (stdout stays free for a program's output;
// main.ts writes its few human lines to stderr too). LOG_FORMAT=pretty formats the same
// records for a person at a terminal.
import { hostname } from 'node:os';
import { pino } from 'pino';
import { prettyFactory } from 'pino-pretty';
import { loggedRequest, loggedResponse, redactedPaths } from './logging/redaction.js';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';
export type LogFormat = 'json' | 'pretty';
export type Logger = pino.Logger;

export interface LoggerOptions {
  /** Where the lines go; stderr unless given (tests capture lines here). */
  destination?: pino.DestinationStream;
  format?: LogFormat;
  /** Bound on every line (api, worker, all), so one stream can hold several processes' logs. */
  role?: string;
}

/** Formats each JSON line for a person before it reaches `destination`. */
function prettyDestination(destination: pino.DestinationStream): pino.DestinationStream {
  const prettify = prettyFactory({ colorize: false, translateTime: 'SYS:standard', ignore: 'pid,hostname' });
  return { write: (line: string) => destination.write(prettify(line)) };
}

export function createLogger(level: LogLevel, options: LoggerOptions = {}): Logger {
  // process.stderr rather than a SonicBoom on fd 2: main.ts's 'error' handler on process.stderr
  // then also covers a log reader that went away (EPIPE, EIO), and it is synchronous for
  // files, pipes and terminals on Linux, so no line is lost at process.exit.
  const destination = options.destination ?? process.stderr;
  return pino(
    {
      level,
      base: { pid: process.pid, hostname: hostname(), ...(options.role ? { role: options.role } : {}) },
      timestamp: pino.stdTimeFunctions.isoTime,
      // "level":"info" rather than 30: readable by people and by tools that know the names.
      formatters: { level: (label) => ({ level: label }) },
      serializers: { err: pino.stdSerializers.err, req: loggedRequest, res: loggedResponse },
      redact: { paths: redactedPaths, censor: '[redacted]' },
    },
    options.format === 'pretty' ? prettyDestination(destination) : destination,
  );
}
