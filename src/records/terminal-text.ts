// Text from files and packets made safe to print on a terminal. Its own module: every command
// prints, and none should load the record types for it.

// biome-ignore lint/suspicious/noControlCharactersInRegex: exactly these are replaced
const CONTROLS = /[\u0000-\u001f\u007f-\u009f]/g;

/**
 * Text for a terminal or a log line: C0 and C1 control characters and DEL become `\xHH`, so
 * that text from a file or a packet can neither move the cursor, retitle the window (ESC, OSC,
 * CSI), nor start a line of its own. `keep` lists controls let through (a message's own \n).
 */
export function escapeControls(text: string, keep = ''): string {
  return text.replace(CONTROLS, (c) => (keep.includes(c) ? c : `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`));
}
