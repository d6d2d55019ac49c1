// Text that came from a server (titles, stages, error messages, problem details) on its way to a
// terminal. Titles are anyone's input, and --url may name any server: an ESC in them would be
// obeyed by the terminal (clear the screen, move the cursor over earlier lines, retitle the
// window, or worse on some terminals), so control characters are shown as \u escapes instead.
// JSON output needs none of this: JSON.stringify escapes them itself.

/** C0 controls (newline and tab included: a line is one line), DEL, and C1 controls (8-bit CSI). */
const controlCharacters = /[\u0000-\u001f\u007f-\u009f]/g;

export function printable(text: string): string {
  return text.replace(controlCharacters, (character) => `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
