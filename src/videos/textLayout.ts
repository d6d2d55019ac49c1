// Text layout for the render: drawtext neither wraps nor paginates, so we do, for a
// monospaced font whose advance we know.

/** Advance width of DejaVu Sans Mono, in em. */
const MONO_ADVANCE_EM = 1233 / 2048;

/** Strips control characters and unifies line breaks; keeps paragraphs. */
export function cleanText(text: string): string {
  return text
    .normalize('NFC')
    .replace(/\r\n?|[\u2028\u2029\u0085]/g, '\n')
    .replace(/\t/g, ' ')
    .replace(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/g, '');
}

/**
 * Greedy word wrap to `columns` characters (code points). Words longer than a line are
 * split; paragraph breaks are kept, runs of blank lines collapse into one.
 */
export function wrapText(text: string, columns: number): string[] {
  const cols = Math.max(1, Math.floor(columns));
  const lines: string[] = [];
  for (const paragraph of text.split('\n')) {
    const words = paragraph.split(' ').filter((w) => w.length > 0);
    if (words.length === 0) {
      if (lines.length > 0 && lines[lines.length - 1] !== '') lines.push('');
      continue;
    }
    let line: string[] = [];
    for (const word of words) {
      let chars = Array.from(word);
      const needed = line.length === 0 ? chars.length : line.length + 1 + chars.length;
      if (needed <= cols) {
        line = line.length === 0 ? chars : [...line, ' ', ...chars];
        continue;
      }
      if (line.length > 0) lines.push(line.join(''));
      while (chars.length > cols) {
        lines.push(chars.slice(0, cols).join(''));
        chars = chars.slice(cols);
      }
      line = chars;
    }
    if (line.length > 0) lines.push(line.join(''));
  }
  while (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

export interface TextLayout {
  fontSize: number;
  lineSpacing: number;
  pages: string[][];
  truncated: boolean;
}

interface LayoutBox {
  width: number;
  height: number;
  maxFontSize: number;
  minFontSize: number;
  maxPages: number;
}

/**
 * The largest font size in [min, max] at which the whole text fits one page; failing that,
 * the minimum size split into pages, cut (ending in '…') after `maxPages` pages.
 */
export function layoutText(text: string, box: LayoutBox): TextLayout {
  // drawtext advances a line by the tallest glyph extent present: about 1 em for ASCII,
  // up to ~1.25 em with accented capitals and the like.
  const pitchEm = /^[\x20-\x7e\n]*$/.test(text) ? 1.05 : 1.3;
  const minSize = Math.max(1, Math.min(box.minFontSize, box.maxFontSize));
  for (let size = Math.max(minSize, box.maxFontSize); ; size--) {
    const lineSpacing = Math.round(size * 0.3);
    const columns = Math.floor(box.width / Math.ceil(size * MONO_ADVANCE_EM));
    const rows = Math.max(1, Math.floor((box.height + lineSpacing) / (size * pitchEm + lineSpacing)));
    const lines = wrapText(text, columns);
    if (lines.length <= rows) return { fontSize: size, lineSpacing, pages: [lines], truncated: false };
    if (size > minSize) continue;
    const pages: string[][] = [];
    for (let i = 0; i < lines.length && pages.length < box.maxPages; i += rows) pages.push(lines.slice(i, i + rows));
    const truncated = pages.length * rows < lines.length;
    const last = pages[pages.length - 1];
    if (truncated && last) last[last.length - 1] = withEllipsis(last[last.length - 1] ?? '', columns);
    return { fontSize: size, lineSpacing, pages, truncated };
  }
}

function withEllipsis(line: string, columns: number): string {
  const chars = Array.from(line.trimEnd());
  return [...chars.slice(0, Math.max(0, columns - 1)), '…'].join('');
}

/** Pads lines with leading spaces so that, in a monospaced font, each is centred. */
export function centreLines(lines: string[]): string[] {
  const width = Math.max(...lines.map((l) => Array.from(l).length));
  return lines.map((l) => ' '.repeat(Math.floor((width - Array.from(l).length) / 2)) + l);
}
