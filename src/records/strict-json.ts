// A strict JSON reader for hand-edited files: RFC 8259 only, duplicate keys refused, and every error
// given with its line and column (JSON.parse says neither the same way on every Node version).
// Objects come back without a prototype, so a "__proto__" key is just a key.

export class JsonSyntaxError extends Error {
  constructor(
    message: string,
    readonly line: number,
    readonly column: number,
  ) {
    super(`line ${line}, column ${column}: ${message}`);
  }
}

export function parseStrictJson(text: string): unknown {
  const value = parseNatively(text);
  return value === UNSURE ? new Reader(text).document() : value;
}

/** What {@link parseNatively} gives for a text it cannot vouch for: the reader below then decides. */
const UNSURE = Symbol('unsure');

/**
 * A number longer than the reader takes (it looks 400 characters ahead) has at most 4 characters
 * that are not digits (`-`, `.`, `e`, a sign), so one of its 3 runs of digits is at least 133
 * long: a text with such a run is left to the reader. (Digits alone: a class with `e` and `.`
 * in it is several times slower to search for, as those are everywhere.)
 */
const LONG_RUN = 133;

/**
 * Whether `text` has a run of {@link LONG_RUN} digits. Such a run covers one of every
 * LONG_RUN-th characters, so only those are looked at, and the run around a digit measured:
 * about six times faster than the regular expression `/[0-9]{133}/` on a records file.
 */
export function hasLongDigitRun(text: string): boolean {
  // Outside the text charCodeAt gives NaN, which is no digit.
  const isDigit = (at: number) => {
    const code = text.charCodeAt(at);
    return code >= 48 && code <= 57;
  };
  for (let at = LONG_RUN - 1; at < text.length; at += LONG_RUN) {
    if (!isDigit(at)) continue;
    let start = at;
    let end = at;
    while (isDigit(start - 1)) start--;
    while (isDigit(end + 1) && end - start + 1 < LONG_RUN) end++;
    if (end - start + 1 >= LONG_RUN) return true;
  }
  return false;
}

/**
 * The value of a text JSON.parse reads, when the reader would read it the same: about three times
 * faster at 100,000 records. JSON.parse takes the same grammar (RFC 8259) but keeps the last of
 * a repeated key and has no depth limit, so the value is checked for both: its keys, and the
 * colons inside its strings, must add up to the colons in the text, which they fall short of when
 * a key was dropped. A \u escape could stand for a colon, so a text with one is left to the
 * reader, as are texts JSON.parse refuses (for the reader's message). Objects get no prototype.
 */
function parseNatively(text: string): unknown {
  if (text.includes('\\u') || hasLongDigitRun(text)) return UNSURE;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return UNSURE;
  }
  const keys = settle(value, 0);
  if (keys < 0) return UNSURE;
  const colons = colonsIn(text);
  // Most files have no colon in any string: then the keys alone must add up.
  return keys === colons || keys + colonsInStrings(value) === colons ? value : UNSURE;
}

function colonsIn(text: string): number {
  let count = 0;
  for (let at = text.indexOf(':'); at !== -1; at = text.indexOf(':', at + 1)) count++;
  return count;
}

/**
 * The number of keys in a parsed value, taking the prototype off each object; -1 when the value
 * nests deeper than the reader allows.
 */
function settle(value: unknown, depth: number): number {
  if (depth > MAX_DEPTH) return -1;
  if (typeof value !== 'object' || value === null) return 0;
  let keys = 0;
  if (Array.isArray(value)) {
    for (const item of value) {
      const inner = settle(item, depth + 1);
      if (inner < 0) return -1;
      keys += inner;
    }
    return keys;
  }
  const object = value as Record<string, unknown>;
  // JSON.parse makes only own keys; an inherited one would be counted, and the text left to the reader.
  for (const key in object) {
    const inner = settle(object[key], depth + 1);
    if (inner < 0) return -1;
    keys += 1 + inner;
  }
  Object.setPrototypeOf(object, null);
  return keys;
}

/** The colons in the strings of a parsed value, keys included. */
function colonsInStrings(value: unknown): number {
  if (typeof value === 'string') return colonsIn(value);
  if (typeof value !== 'object' || value === null) return 0;
  let colons = 0;
  if (Array.isArray(value)) {
    for (const item of value) colons += colonsInStrings(item);
    return colons;
  }
  const object = value as Record<string, unknown>;
  for (const key in object) colons += colonsIn(key) + colonsInStrings(object[key]);
  return colons;
}

class Reader {
  private i = 0;
  private readonly recent: Array<string | undefined> = new Array(CACHE_SLOTS).fill(undefined);
  constructor(private readonly text: string) {}

  document(): unknown {
    if (this.text.startsWith('\uFEFF')) this.fail('the file starts with a byte-order mark; save it as UTF-8 without one');
    this.space();
    if (this.i >= this.text.length) this.fail('the file is empty');
    const value = this.value(0);
    this.space();
    if (this.i < this.text.length) this.fail(`unexpected ${this.describe()} after the end of the JSON value`);
    return value;
  }

  private fail(message: string, at = this.i): never {
    const before = this.text.slice(0, at);
    const line = before.split('\n').length;
    const column = at - before.lastIndexOf('\n');
    throw new JsonSyntaxError(message, line, column);
  }

  private describe(): string {
    const char = this.text[this.i];
    return char === undefined ? 'end of file (the file is cut short?)' : `"${char}"`;
  }

  private space(): void {
    const text = this.text;
    let i = this.i;
    for (;;) {
      const code = text.charCodeAt(i);
      // space, tab, line feed, carriage return (RFC 8259 §2); most characters fail the first test
      if (code > 0x20 || (code !== 0x20 && code !== 0x09 && code !== 0x0a && code !== 0x0d)) break;
      i++;
    }
    this.i = i;
  }

  private value(depth: number): unknown {
    if (depth > MAX_DEPTH) this.fail('nesting is deeper than 64 levels');
    const code = this.text.charCodeAt(this.i);
    if (code === 0x7b) return this.object(depth); // {
    if (code === 0x5b) return this.array(depth); // [
    if (code === 0x22) return this.string(); // "
    if (code === 0x2d || (code >= 0x30 && code <= 0x39)) return this.number(); // - or a digit
    for (const [word, value] of WORDS) {
      if (this.text.startsWith(word, this.i)) {
        this.i += word.length;
        return value;
      }
    }
    return this.fail(`unexpected ${this.describe()} where a value should be`);
  }

  private object(depth: number): Record<string, unknown> {
    // Built as a plain object and given no prototype when done: V8 keeps such an object's fields
    // in fast mode, which Object.create(null) does not, and the records file has 100,000 of them.
    const result: Record<string, unknown> = {};
    this.i++;
    this.space();
    if (this.text[this.i] === '}') {
      this.i++;
      return Object.setPrototypeOf(result, null);
    }
    for (;;) {
      this.space();
      const keyAt = this.i;
      if (this.text[this.i] !== '"') {
        this.fail(this.text[this.i] === '}' ? 'a trailing comma before "}"' : `expected a quoted key, found ${this.describe()}`);
      }
      const key = this.string(true);
      if (Object.hasOwn(result, key)) this.fail(`the key "${key}" appears twice in one object`, keyAt);
      this.space();
      if (this.text[this.i] !== ':') this.fail(`expected ":" after the key "${key}", found ${this.describe()}`);
      this.i++;
      this.space();
      const value = this.value(depth + 1);
      // Until the prototype goes, "__proto__" would set it: define it as the ordinary key it is.
      if (key === '__proto__') Object.defineProperty(result, key, { value, writable: true, enumerable: true, configurable: true });
      else result[key] = value;
      this.space();
      const next = this.text[this.i];
      this.i++;
      if (next === '}') return Object.setPrototypeOf(result, null);
      if (next !== ',')
        this.fail(`expected "," or "}", found ${next === undefined ? 'end of file (the file is cut short?)' : `"${next}"`}`, this.i - 1);
    }
  }

  private array(depth: number): unknown[] {
    const result: unknown[] = [];
    this.i++;
    this.space();
    if (this.text[this.i] === ']') {
      this.i++;
      return result;
    }
    for (;;) {
      this.space();
      if (this.text[this.i] === ']') this.fail('a trailing comma before "]"');
      result.push(this.value(depth + 1));
      this.space();
      const next = this.text[this.i];
      this.i++;
      if (next === ']') return result;
      if (next !== ',')
        this.fail(`expected "," or "]", found ${next === undefined ? 'end of file (the file is cut short?)' : `"${next}"`}`, this.i - 1);
    }
  }

  private string(cache = false): string {
    const text = this.text;
    const start = this.i;
    // Most strings have no escape: find the closing quote and take the text between.
    for (let i = start + 1; i < text.length; i++) {
      const code = text.charCodeAt(i);
      if (code === 0x22) {
        this.i = i + 1;
        return cache ? this.cached(start + 1, i) : text.slice(start + 1, i);
      }
      if (code === 0x5c || code < 0x20) break;
    }
    return this.escapedString();
  }

  /**
   * The text from `from` to `to`: a short string read before with the same length and first
   * character when it is the same text. Keys and values such as "type", "A" and "127.0.0.1"
   * repeat on every record; comparing them in place saves making (and interning) each copy.
   */
  private cached(from: number, to: number): string {
    const length = to - from;
    if (length > MAX_CACHED_CHARS) return this.text.slice(from, to);
    const slot = (length * 31 + this.text.charCodeAt(from)) & (CACHE_SLOTS - 1);
    const seen = this.recent[slot];
    if (seen !== undefined && seen.length === length && this.holds(seen, from)) return seen;
    const fresh = this.text.slice(from, to);
    this.recent[slot] = fresh;
    return fresh;
  }

  /** True when the text has `short` at `from`; a loop, as startsWith is slower for a few characters. */
  private holds(short: string, from: number): boolean {
    for (let k = 0; k < short.length; k++) if (this.text.charCodeAt(from + k) !== short.charCodeAt(k)) return false;
    return true;
  }

  /** A string with escapes, or one that is wrong: read a character at a time for the messages. */
  private escapedString(): string {
    const start = this.i;
    let escapes = false;
    this.i++;
    for (;;) {
      const char = this.text[this.i];
      if (char === undefined) this.fail('a string is not closed (the file is cut short?)', start);
      if (char === '"') break;
      if (char < ' ') this.fail('a control character inside a string (escape it, e.g. \\n)');
      if (char === '\\') {
        escapes = true;
        const escaped = this.text[this.i + 1] ?? '';
        if (escaped === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(this.text.slice(this.i + 2, this.i + 6))) this.fail('a \\u escape needs four hex digits');
          this.i += 6;
          continue;
        }
        if (escaped === '' || !'"\\/bfnrt'.includes(escaped)) this.fail(`an unknown escape "\\${escaped}"`);
        this.i += 2;
        continue;
      }
      this.i++;
    }
    this.i++;
    // Without escapes the text between the quotes is the string itself.
    return escapes ? (JSON.parse(this.text.slice(start, this.i)) as string) : this.text.slice(start + 1, this.i - 1);
  }

  /**
   * RFC 8259 §6: `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`, the longest such text within
   * the next 400 characters; what follows it is the next token's business.
   */
  private number(): number {
    const text = this.text;
    const start = this.i;
    const end = Math.min(text.length, start + MAX_NUMBER_CHARS);
    let i = start;
    if (text.charCodeAt(i) === 0x2d) i++;
    const first = i < end ? text.charCodeAt(i) : -1;
    if (first === 0x30) i++;
    else if (first >= 0x31 && first <= 0x39) while (++i < end && isDigitCode(text.charCodeAt(i)));
    else this.fail('a malformed number');
    let simple = true;
    if (text.charCodeAt(i) === 0x2e && i + 1 < end && isDigitCode(text.charCodeAt(i + 1))) {
      simple = false;
      i += 2;
      while (i < end && isDigitCode(text.charCodeAt(i))) i++;
    }
    const e = i < end ? text.charCodeAt(i) : -1;
    if (e === 0x65 || e === 0x45) {
      let j = i + 1;
      const sign = j < end ? text.charCodeAt(j) : -1;
      if (sign === 0x2b || sign === 0x2d) j++;
      if (j < end && isDigitCode(text.charCodeAt(j))) {
        simple = false;
        while (++j < end && isDigitCode(text.charCodeAt(j)));
        i = j;
      }
    }
    this.i = i;
    // A whole number of up to 15 digits is exact as it is summed; anything else goes through Number.
    const negative = text.charCodeAt(start) === 0x2d;
    const from = negative ? start + 1 : start;
    if (!simple || i - from > 15) return Number(text.slice(start, i));
    let value = 0;
    for (let k = from; k < i; k++) value = value * 10 + (text.charCodeAt(k) - 0x30);
    return negative ? -value : value;
  }
}

/** How deep values may nest: deeper is refused, not read. */
const MAX_DEPTH = 64;

const WORDS = [
  ['true', true],
  ['false', false],
  ['null', null],
] as const;

/** Strings of up to this many characters are looked up among those read before. */
const MAX_CACHED_CHARS = 16;
const CACHE_SLOTS = 256;

/** The regular expression this reader replaced looked at 400 characters; numbers keep that bound. */
const MAX_NUMBER_CHARS = 400;

const isDigitCode = (code: number) => code >= 0x30 && code <= 0x39;
