// The output check on real files: a rendered MP4 and poster pass; the same files cut short,
// stripped of their moov box, or empty do not.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { checkJpeg, checkMp4, OutputInvalid, readMp4 } from '../src/videos/outputCheck.js';
import { renderVideo } from '../src/videos/render.js';

let root: string;
let video: Buffer;
let poster: Buffer;
const expected = { durationSeconds: 2, toleranceSeconds: 2 / 24 };

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'longrun-outputcheck-'));
  const result = await renderVideo({
    title: 'Checked', plot: 'A file to cut into pieces.', durationSeconds: 2, width: 320, height: 180, fps: 24, outputDir: path.join(root, 'good'),
  });
  video = await readFile(result.contentFile);
  poster = await readFile(result.posterFile);
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

let count = 0;
async function fileWith(content: Buffer): Promise<string> {
  const file = path.join(root, `f-${++count}`);
  await writeFile(file, content);
  return file;
}

async function problem(check: Promise<unknown>): Promise<string> {
  const err: unknown = await check.then(() => null, (e: unknown) => e);
  expect(err).toBeInstanceOf(OutputInvalid);
  const message = (err as OutputInvalid).message;
  expect(message).not.toContain(root);
  return message;
}

test('a rendered MP4 passes: ftyp first, boxes spanning the file, the requested duration', async () => {
  const summary = await checkMp4(await fileWith(video), expected);
  expect(summary.boxes[0]?.type).toBe('ftyp');
  expect(summary.boxes.map((b) => b.type)).toEqual(expect.arrayContaining(['moov', 'mdat']));
  expect(summary.boxes.reduce((sum, b) => sum + b.size, 0)).toBe(video.length);
  expect(summary.durationSeconds).toBeCloseTo(2, 2);
  expect(await checkJpeg(await fileWith(poster))).toEqual({ size: poster.length });
});

test('the MP4 cut at any of several points fails the check', async () => {
  const { boxes } = await readMp4(await fileWith(video));
  const moov = boxes.find((b) => b.type === 'moov')!;
  const mdat = boxes.find((b) => b.type === 'mdat')!;
  const cuts = [0, 4, 8, 20, moov.offset + 4, moov.offset + Math.floor(moov.size / 2), mdat.offset, mdat.offset + 8,
    mdat.offset + Math.floor(mdat.size / 2), video.length - 1];
  for (const cut of cuts) {
    const message = await problem(checkMp4(await fileWith(video.subarray(0, cut)), expected));
    expect(message).toMatch(/empty|cut off|no moov|no mdat|ftyp/);
  }
});

test('an MP4 without its moov box fails (what a full disk left, with ffmpeg exiting 0)', async () => {
  const { boxes } = await readMp4(await fileWith(video));
  const withoutMoov = Buffer.concat(boxes.filter((b) => b.type !== 'moov').map((b) => video.subarray(b.offset, b.offset + b.size)));
  expect(await problem(checkMp4(await fileWith(withoutMoov), expected))).toMatch(/no moov/);
});

test('a whole MP4 of another duration fails', async () => {
  expect(await problem(checkMp4(await fileWith(video), { durationSeconds: 3, toleranceSeconds: 2 / 24 }))).toMatch(/lasts 2\.000 s instead of 3 s/);
});

test('a zero-byte, cut or non-JPEG poster fails', async () => {
  expect(await problem(checkJpeg(await fileWith(Buffer.alloc(0))))).toMatch(/empty/);
  expect(await problem(checkJpeg(await fileWith(poster.subarray(0, poster.length - 1))))).toMatch(/cut off/);
  expect(await problem(checkJpeg(await fileWith(poster.subarray(0, Math.floor(poster.length / 2)))))).toMatch(/cut off/);
  expect(await problem(checkJpeg(await fileWith(video)))).toMatch(/not a JPEG/);
});
