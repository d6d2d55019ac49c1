// Checks a render's files before they are published. ffmpeg does not always notice a failed
// write: on a full disk it exited 0 after writing an MP4 without its `moov` box, or a 0-byte
// poster (reproduced on a tmpfs with 12 KB left). So success is decided by the files, not by
// the exit code.
//
// A hand-written walker rather than a package: we need the top-level boxes and one field of
// one box (`mvhd` duration), ~100 lines, no dependency. mp4box.js would parse everything
// (and buffer it) for the same answer.
import { open, type FileHandle } from 'node:fs/promises';

export interface Mp4Box {
  type: string;
  offset: number;
  /** Whole box, header included. */
  size: number;
}

export interface Mp4Summary {
  fileSize: number;
  /** Top-level boxes in file order. */
  boxes: Mp4Box[];
  /** From `moov/mvhd`: duration / timescale. Null when there is no mvhd. */
  durationSeconds: number | null;
}

/** A file that is not what it should be. The message names no path (clients may see it). */
export class OutputInvalid extends Error {
  override readonly name = 'OutputInvalid';
}

async function readAt(handle: FileHandle, position: number, length: number): Promise<Buffer> {
  const buf = Buffer.alloc(length);
  const { bytesRead } = await handle.read(buf, 0, length, position);
  return buf.subarray(0, bytesRead);
}

/**
 * Reads the box header at `offset` (ISO/IEC 14496-12 4.2: 32-bit size and type; size 1 means a
 * 64-bit size follows, size 0 means "to the end of the enclosing space"). Null when the header
 * itself is cut off or names an impossible size.
 */
async function boxAt(handle: FileHandle, offset: number, end: number): Promise<Mp4Box | null> {
  if (end - offset < 8) return null;
  const head = await readAt(handle, offset, 16);
  if (head.length < 8) return null;
  const type = head.toString('latin1', 4, 8);
  let size = head.readUInt32BE(0);
  let headerSize = 8;
  if (size === 1) {
    if (head.length < 16) return null;
    const large = head.readBigUInt64BE(8);
    if (large > BigInt(Number.MAX_SAFE_INTEGER)) return null;
    size = Number(large);
    headerSize = 16;
  } else if (size === 0) {
    size = end - offset;
  }
  if (size < headerSize || offset + size > end) return null;
  return { type, offset, size };
}

async function mvhdDuration(handle: FileHandle, moov: Mp4Box): Promise<number | null> {
  const end = moov.offset + moov.size;
  for (let at = moov.offset + 8; at < end;) {
    const child = await boxAt(handle, at, end);
    if (!child) return null;
    if (child.type === 'mvhd') {
      // FullBox: version(1) flags(3); v0: creation(4) modification(4) timescale(4) duration(4);
      // v1: creation(8) modification(8) timescale(4) duration(8).
      const body = await readAt(handle, child.offset + 8, Math.min(child.size - 8, 32));
      const version = body[0];
      if (version === 0 && body.length >= 20) {
        const timescale = body.readUInt32BE(12);
        return timescale > 0 ? body.readUInt32BE(16) / timescale : null;
      }
      if (version === 1 && body.length >= 32) {
        const timescale = body.readUInt32BE(20);
        return timescale > 0 ? Number(body.readBigUInt64BE(24)) / timescale : null;
      }
      return null;
    }
    at += child.size;
  }
  return null;
}

/** Walks the top-level boxes. Throws OutputInvalid when they do not span the file exactly. */
export async function readMp4(file: string): Promise<Mp4Summary> {
  const handle = await open(file, 'r');
  try {
    const fileSize = (await handle.stat()).size;
    const boxes: Mp4Box[] = [];
    for (let at = 0; at < fileSize;) {
      const box = await boxAt(handle, at, fileSize);
      if (!box) throw new OutputInvalid(`the MP4 is cut off: ${fileSize - at} of ${fileSize} bytes at the end are not a whole box`);
      boxes.push(box);
      at += box.size;
    }
    const moov = boxes.find((b) => b.type === 'moov');
    return { fileSize, boxes, durationSeconds: moov ? await mvhdDuration(handle, moov) : null };
  } finally {
    await handle.close();
  }
}

/**
 * Throws OutputInvalid unless `file` is a whole MP4 (`ftyp` first, a `moov` whose `mvhd`
 * gives the expected duration within `toleranceSeconds`, an `mdat`).
 */
export async function checkMp4(file: string, expected: { durationSeconds: number; toleranceSeconds: number }): Promise<Mp4Summary> {
  const summary = await readMp4(file);
  const types = summary.boxes.map((b) => b.type);
  if (summary.fileSize === 0) throw new OutputInvalid('the MP4 is empty');
  if (types[0] !== 'ftyp') throw new OutputInvalid(`the MP4 does not start with ftyp (boxes: ${types.join(' ')})`);
  if (!types.includes('moov')) throw new OutputInvalid(`the MP4 has no moov box (boxes: ${types.join(' ')})`);
  if (!types.includes('mdat')) throw new OutputInvalid(`the MP4 has no mdat box (boxes: ${types.join(' ')})`);
  const duration = summary.durationSeconds;
  if (duration === null) throw new OutputInvalid('the MP4 has no readable movie header (mvhd)');
  if (Math.abs(duration - expected.durationSeconds) > expected.toleranceSeconds) {
    throw new OutputInvalid(`the MP4 lasts ${duration.toFixed(3)} s instead of ${expected.durationSeconds} s`);
  }
  return summary;
}

/** Throws OutputInvalid unless `file` is a non-empty JPEG: SOI (FF D8) first, EOI (FF D9) last. */
export async function checkJpeg(file: string): Promise<{ size: number }> {
  const handle = await open(file, 'r');
  try {
    const size = (await handle.stat()).size;
    if (size === 0) throw new OutputInvalid('the poster is empty');
    if (size < 4) throw new OutputInvalid(`the poster is cut off (${size} bytes)`);
    const start = await readAt(handle, 0, 2);
    const end = await readAt(handle, size - 2, 2);
    if (start[0] !== 0xff || start[1] !== 0xd8) throw new OutputInvalid('the poster is not a JPEG (no FF D8 at its start)');
    if (end[0] !== 0xff || end[1] !== 0xd9) throw new OutputInvalid('the poster is cut off (no FF D9 at its end)');
    return { size };
  } finally {
    await handle.close();
  }
}
