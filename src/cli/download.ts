// `longrun get`: the video's MP4 to a file (never over an existing one without --force) or to
// stdout. A download that breaks off leaves no partial file behind.
import fs from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { CliError, ExitCode, usageError } from './exitCodes.js';
import type { RestClient } from './restClient.js';

export interface DownloadTarget {
  /** A file path, or '-' for stdout. */
  output: string;
  force: boolean;
  stdout: NodeJS.WriteStream;
}

async function bodyOf(rest: RestClient, videoId: string): Promise<Readable> {
  const response = await rest.videoContent(videoId);
  if (!response.body) throw new CliError(`the server sent no content for video ${videoId}`, ExitCode.refused);
  return Readable.fromWeb(response.body as WebReadableStream<Uint8Array>);
}

/** Bytes written. */
export async function downloadVideo(rest: RestClient, videoId: string, target: DownloadTarget): Promise<number> {
  if (target.output === '-') {
    if (target.stdout.isTTY) throw usageError('refusing to write an MP4 to the terminal: pipe it (-o - | …) or name a file with -o');
    let bytes = 0;
    const body = await bodyOf(rest, videoId);
    body.on('data', (chunk: Buffer) => (bytes += chunk.length));
    await pipeline(body, target.stdout, { end: false });
    return bytes;
  }
  if (!target.force && fs.existsSync(target.output)) throw usageError(`${target.output} exists already: use --force to overwrite it`);
  const body = await bodyOf(rest, videoId);
  // 'wx' as well as the check above: a file that appeared meanwhile is not overwritten either.
  const file = fs.createWriteStream(target.output, { flags: target.force ? 'w' : 'wx' });
  try {
    await pipeline(body, file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') throw usageError(`${target.output} exists already: use --force to overwrite it`);
    await fs.promises.rm(target.output, { force: true });
    if (code) throw new CliError(`cannot write ${target.output} (${code})`, ExitCode.failed);
    throw new CliError(`the download of video ${videoId} broke off (${(error as Error).message})`, ExitCode.unreachable);
  }
  return file.bytesWritten;
}
