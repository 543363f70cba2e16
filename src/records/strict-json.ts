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
  return new Reader(text).document();
}

class Reader {
  private i = 0;
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
    for (;;) {
      const code = this.text.charCodeAt(this.i);
      // space, tab, line feed, carriage return (RFC 8259 §2)
      if (code !== 0x20 && code !== 0x09 && code !== 0x0a && code !== 0x0d) return;
      this.i++;
    }
  }

  private value(depth: number): unknown {
    if (depth > 64) this.fail('nesting is deeper than 64 levels');
    const char = this.text[this.i];
    if (char === '{') return this.object(depth);
    if (char === '[') return this.array(depth);
    if (char === '"') return this.string();
    if (char === '-' || (char !== undefined && char >= '0' && char <= '9')) return this.number();
    for (const [word, value] of [
      ['true', true],
      ['false', false],
      ['null', null],
    ] as const) {
      if (this.text.startsWith(word, this.i)) {
        this.i += word.length;
        return value;
      }
    }
    return this.fail(`unexpected ${this.describe()} where a value should be`);
  }

  private object(depth: number): Record<string, unknown> {
    const result: Record<string, unknown> = Object.create(null);
    this.i++;
    this.space();
    if (this.text[this.i] === '}') {
      this.i++;
      return result;
    }
    for (;;) {
      this.space();
      const keyAt = this.i;
      if (this.text[this.i] !== '"') {
        this.fail(this.text[this.i] === '}' ? 'a trailing comma before "}"' : `expected a quoted key, found ${this.describe()}`);
      }
      const key = this.string();
      if (Object.hasOwn(result, key)) this.fail(`the key "${key}" appears twice in one object`, keyAt);
      this.space();
      if (this.text[this.i] !== ':') this.fail(`expected ":" after the key "${key}", found ${this.describe()}`);
      this.i++;
      this.space();
      result[key] = this.value(depth + 1);
      this.space();
      const next = this.text[this.i];
      this.i++;
      if (next === '}') return result;
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

  private string(): string {
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

  private number(): number {
    const match = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/.exec(this.text.slice(this.i, this.i + 400));
    if (!match) this.fail(`a malformed number`);
    this.i += match[0].length;
    return Number(match[0]);
  }
}
