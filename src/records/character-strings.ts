// Character-strings (RFC 1035 §3.3): reading them from quoted zone-file text, writing them back
// quoted, splitting long text into 255-octet strings, and refusing control characters.
import { InputError } from '../errors.js';

/** The most octets one character-string holds: its length is one octet (RFC 1035 §3.3). */
export const CHARACTER_STRING_OCTETS = 255;

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/** The UTF-8 length of text: what it takes on the wire. */
export const octets = (text: string): number => encoder.encode(text).length;

/**
 * A character-string in quotes: `"` and `\` escaped, and every octet outside printable ASCII
 * as `\DDD` (RFC 1035 §5.1), so the text survives any zone-file reader.
 */
export function quoteCharacterString(text: string): string {
  let out = '"';
  for (const byte of encoder.encode(text)) {
    if (byte === 0x22 || byte === 0x5c) out += `\\${String.fromCharCode(byte)}`;
    else if (byte < 0x20 || byte > 0x7e) out += `\\${byte.toString().padStart(3, '0')}`;
    else out += String.fromCharCode(byte);
  }
  return `${out}"`;
}

/** Text as it is, when it holds no control character (a tab, a newline, ESC). */
export function refuseControls(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing exactly these
  if (/[\u0000-\u001f\u007f]/.test(text)) {
    throw new InputError('value', 'contains a control character (a tab, newline or similar)', 'use plain text');
  }
  return text;
}

/** Splits text into character-strings of at most 255 octets without cutting a UTF-8 sequence. */
export function splitCharacterStrings(text: string, notes: string[]): string[] {
  if (octets(text) <= CHARACTER_STRING_OCTETS) return [text];
  const strings: string[] = [];
  let current = '';
  for (const char of text) {
    if (octets(current) + octets(char) > CHARACTER_STRING_OCTETS) {
      strings.push(current);
      current = '';
    }
    current += char;
  }
  strings.push(current);
  notes.push(
    `TXT value is ${octets(text)} octets, so it was split into ${strings.length} strings of at most 255 (RFC 1035 §3.3.14); clients join them`,
  );
  return strings;
}

/** Reads `"one" "two \"quoted\" \226\130\172"` into its strings; unbalanced quotes are an error. */
export function parseQuotedStrings(text: string): string[] {
  const strings: string[] = [];
  let i = 0;
  const fail = (message: string): never => {
    throw new InputError('value', message, 'write it like "first string" "second string", with \\" for a quote');
  };
  while (i < text.length) {
    while (text[i] === ' ') i++;
    if (i >= text.length) break;
    if (text[i] !== '"') fail(`text outside quotes at character ${i + 1}`);
    const { bytes, end } = readQuoted(text, i + 1, fail);
    i = end + 1;
    if (i < text.length && text[i] !== ' ') fail(`a quoted string must be followed by a space, at character ${i + 1}`);
    let decoded = '';
    try {
      decoded = decoder.decode(new Uint8Array(bytes));
    } catch {
      fail('has escapes that are not UTF-8 text');
    }
    strings.push(refuseControls(decoded));
  }
  if (strings.length === 0) fail('has no string');
  return strings;
}

/** The octets of one quoted string from just after its opening quote; `end` is its closing quote. */
function readQuoted(text: string, start: number, fail: (message: string) => never): { bytes: number[]; end: number } {
  const bytes: number[] = [];
  let i = start;
  for (;;) {
    const char = text[i];
    if (char === undefined) fail('has an unbalanced quote');
    if (char === '"') return { bytes, end: i };
    if (char === '\\') {
      const digits = /^[0-9]{3}/.exec(text.slice(i + 1))?.[0];
      if (digits !== undefined) {
        if (Number(digits) > 255) fail(`escape \\${digits} is over 255`);
        bytes.push(Number(digits));
        i += 4;
        continue;
      }
      i++;
      if (text[i] === undefined) fail('ends with a lone backslash');
    }
    const symbol = String.fromCodePoint(text.codePointAt(i) ?? 0);
    bytes.push(...encoder.encode(symbol));
    i += symbol.length;
  }
}
