// The shortcuts taken for text already in stored form give what the full rules give: many
// generated names, addresses, TXT and CAA values and JSON texts, valid and not, each compared
// with the full path (or the code the shortcut replaced), result for result, message for message.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { quoteCharacterString } from '../../src/records/character-strings.js';
import { parseIPv4 } from '../../src/records/ip.js';
import { isStoredName, normalizeName, normalizeNameInFull } from '../../src/records/names.js';
import { parseTtl } from '../../src/records/parse-integer.js';
import { readA, readAaaa, readCaa, readTarget, readTxt } from '../../src/records/rdata-readers.js';
import { checkRecordFile } from '../../src/records/record-file.js';
import { hasLongDigitRun, parseStrictJson } from '../../src/records/strict-json.js';
import { random } from '../helpers/fuzz.js';

/** Text made of `pieces`, up to `most` of them. */
function texts(seed: number, count: number, pieces: readonly string[], most: number): string[] {
  const next = random(seed);
  return Array.from({ length: count }, () => {
    let text = '';
    const length = Math.floor(next() * (most + 1));
    for (let i = 0; i < length; i++) text += pieces[Math.floor(next() * pieces.length)];
    return text;
  });
}

/** What a call gives: its value, or its error's class and message. */
function outcome(run: () => unknown): unknown {
  try {
    return { value: run() };
  } catch (error) {
    return { error: `${(error as Error).name}: ${(error as Error).message}` };
  }
}

const NAME_PIECES = ['a', 'z', 'Q', '0', '9', '-', '_', '.', '*', '*.', 'test', 'é', ' ', '\t', '\u0000', 'xn--', 'a'.repeat(30), '"'];

describe('isStoredName', () => {
  const cases = [
    ...texts(1, 20_000, NAME_PIECES, 10),
    `${'a'.repeat(63)}.test`,
    `${'a'.repeat(64)}.test`,
    `${'a.'.repeat(124)}test`,
    `${'a.'.repeat(125)}test`,
    '*',
    '*.',
    '**.test',
  ];

  it('holds exactly for the names the full rules give back unchanged', () => {
    for (const text of cases) {
      for (const wildcard of [true, false]) {
        const full = outcome(() => normalizeNameInFull(text, 'name', { wildcard }));
        const unchanged = JSON.stringify(full) === JSON.stringify({ value: text });
        assert.equal(isStoredName(text, wildcard), unchanged, `${JSON.stringify(text)} wildcard ${wildcard}`);
      }
    }
  });

  it('leaves normalizeName giving what the full rules give, messages included', () => {
    for (const text of cases) {
      for (const wildcard of [true, false]) {
        assert.deepEqual(
          outcome(() => normalizeName(text, 'value', { wildcard })),
          outcome(() => normalizeNameInFull(text, 'value', { wildcard })),
          JSON.stringify(text),
        );
      }
    }
  });
});

/** parseIPv4 as it was before its one-pass check for addresses: the reference for its results. */
function parseIPv4Before(text: string): unknown {
  if (text.endsWith('.')) return { ok: false, reason: 'it ends with a dot' };
  const parts = text.split('.');
  if (parts.length !== 4) {
    return { ok: false, reason: `it has ${parts.length} part${parts.length === 1 ? '' : 's'}; an IPv4 address has 4` };
  }
  for (const part of parts) {
    if (part === '') return { ok: false, reason: 'it has an empty part' };
    if (/^0[0-9]/.test(part)) return { ok: false, reason: `part "${part}" has a leading zero (octal or decimal?)` };
    if (!/^(0|[1-9][0-9]{0,2})$/.test(part)) return { ok: false, reason: `part "${part}" is not a number 0-255` };
    if (Number(part) > 255) return { ok: false, reason: `part ${part} is over 255` };
  }
  return { ok: true, address: text };
}

describe('parseIPv4', () => {
  it('gives what it gave before for addresses and near-addresses', () => {
    const cases = texts(2, 20_000, ['0', '1', '9', '25', '255', '256', '00', '.', '.', '.', ':', 'a', ' ', '-', '1000'], 9);
    for (const text of [...cases, '0.0.0.0', '255.255.255.255', '1.2.3.4.', '01.2.3.4', '1.2.3', '1.2.3.4.5', '999.1.1.1']) {
      assert.deepEqual(parseIPv4(text), parseIPv4Before(text), JSON.stringify(text));
    }
  });
});

/** A problem as the file checker words a user-input error at `path`. */
const problemFrom = (path: string, run: () => unknown): unknown => {
  try {
    return { value: run() };
  } catch (error) {
    return { problem: `${path}: ${(error as { detail?: string }).detail ?? (error as Error).message}` };
  }
};

/** The one record of a file with `fields`, or the problem with it. */
function checkOne(fields: Record<string, unknown>): unknown {
  const checked = checkRecordFile({ version: 1, serial: 1, zones: { test: {} }, records: [{ name: 'r.test', ttl: 5, ...fields }] });
  if (!checked.ok) return { problem: checked.problem };
  const { name: _name, ttl: _ttl, ...data } = checked.file.records[0] as unknown as Record<string, unknown>;
  return { value: data };
}

const TEXT_PIECES = ['a', 'Z', ' ', '"', '\\', '\\065', 'é', '中', '\u0001', '\u007f', '\ud800', '\udc00', '😀', 'x'.repeat(120)];

describe('checkRecordFile shortcuts', () => {
  it('reads TXT strings as the value reader reads them quoted', () => {
    const next = random(3);
    const pool = texts(4, 3000, TEXT_PIECES, 6);
    for (let i = 0; i < 3000; i++) {
      const strings = Array.from({ length: 1 + Math.floor(next() * 3) }, () => pool[Math.floor(next() * pool.length)] as string);
      const expected = problemFrom('records[0].strings', () => ({
        type: 'TXT',
        strings: readTxt(strings.map(quoteCharacterString).join(' '), []),
      }));
      assert.deepEqual(checkOne({ type: 'TXT', strings }), expected, JSON.stringify(strings));
    }
    // At the bounds: 255 octets a string, 4000 in all.
    for (const strings of [
      ['y'.repeat(255)],
      ['y'.repeat(256)],
      new Array(16).fill('y'.repeat(250)),
      new Array(17).fill('y'.repeat(250)),
    ]) {
      const expected = problemFrom('records[0].strings', () => ({
        type: 'TXT',
        strings: readTxt(strings.map(quoteCharacterString).join(' '), []),
      }));
      assert.deepEqual(checkOne({ type: 'TXT', strings }), expected, `${strings.length} of ${strings[0]?.length}`);
    }
  });

  it('reads CAA data as the value reader reads it', () => {
    const next = random(5);
    const tags = texts(6, 200, ['issue', 'a', 'Z', '9', ' ', '-', 'é'], 4);
    const values = texts(7, 200, TEXT_PIECES, 3);
    for (let i = 0; i < 3000; i++) {
      const flags = [0, -0, 128, 255, 256, -1][Math.floor(next() * 6)] as number;
      const tag = tags[Math.floor(next() * tags.length)] as string;
      const value = values[Math.floor(next() * values.length)] as string;
      const expected = problemFrom('records[0]', () => readCaa(`${flags} ${tag} ${quoteCharacterString(value)}`));
      assert.deepEqual(checkOne({ type: 'CAA', flags, tag, value }), expected, JSON.stringify([flags, tag, value]));
    }
  });

  it('reads addresses, targets, names and TTLs as the value readers do', () => {
    const addresses = texts(8, 3000, ['0', '1', '255', '256', '01', '.', '.', ':', '::', 'f', 'F', 'ffff', ' '], 8);
    for (const address of addresses) {
      assert.deepEqual(
        checkOne({ type: 'A', address }),
        problemFrom('records[0].address', () => readA(address)),
      );
      assert.deepEqual(
        checkOne({ type: 'AAAA', address }),
        problemFrom('records[0].address', () => readAaaa(address)),
      );
    }
    for (const target of texts(9, 3000, [...NAME_PIECES, '1.2.3.4', '::1'], 6)) {
      assert.deepEqual(
        checkOne({ type: 'CNAME', target }),
        problemFrom('records[0].target', () => ({ type: 'CNAME', target: readTarget(target, 'CNAME') })),
        JSON.stringify(target),
      );
      const named = checkRecordFile({
        version: 1,
        serial: 1,
        zones: { test: {} },
        records: [{ name: target, type: 'TXT', strings: ['x'] }],
      });
      const expected = outcome(() => normalizeNameInFull(target, 'name', { wildcard: true }));
      if ('error' in (expected as object)) assert.equal(named.ok, false);
      else if (named.ok) assert.equal(named.file.records[0]?.name, (expected as { value: string }).value);
      else assert.match(named.problem, /none of the zones/);
    }
    // Whole numbers only: any other is refused before parseTtl sees it.
    for (const ttl of [0, -0, 1, 5, 2 ** 31 - 1, 2 ** 31, -1, 1e21, Number.MAX_SAFE_INTEGER]) {
      const checked = checkRecordFile({
        version: 1,
        serial: 1,
        zones: { test: {} },
        records: [{ name: 'r.test', type: 'A', ttl, address: '1.2.3.4' }],
      });
      const expected = problemFrom('records[0].ttl', () => parseTtl(ttl));
      assert.deepEqual(checked.ok ? { value: checked.file.records[0]?.ttl } : { problem: checked.problem }, expected, String(ttl));
      if (checked.ok) assert.equal(Object.is(checked.file.records[0]?.ttl, -0), false);
    }
  });
});

describe('parseStrictJson', () => {
  it('reads every valid document as JSON.parse does, with no prototype on any object', () => {
    const next = random(10);
    const leaf = (): unknown => {
      const roll = next();
      if (roll < 0.3) return texts(Math.floor(next() * 1e6), 1, ['a', '"', '\\', '/', '\n', '\u0001', 'é', '\ud800', '😀', 'name'], 5)[0];
      if (roll < 0.6) return [0, -0, 1, -1, 0.5, 1e21, 1.5e-7, 2 ** 53, 123456789012345, 1234567890123456, -98.25][Math.floor(next() * 11)];
      return [true, false, null][Math.floor(next() * 3)];
    };
    const value = (depth: number): unknown => {
      const roll = next();
      if (depth > 3 || roll < 0.4) return leaf();
      if (roll < 0.7) return Array.from({ length: Math.floor(next() * 4) }, () => value(depth + 1));
      const keys = ['a', 'b', 'name', '__proto__', 'constructor', '1', 'é', ''];
      return Object.fromEntries(keys.filter(() => next() < 0.4).map((key) => [key, value(depth + 1)]));
    };
    const noPrototypes = (parsed: unknown): void => {
      if (Array.isArray(parsed)) parsed.forEach(noPrototypes);
      else if (typeof parsed === 'object' && parsed !== null) {
        assert.equal(Object.getPrototypeOf(parsed), null);
        Object.values(parsed).forEach(noPrototypes);
      }
    };
    for (let i = 0; i < 2000; i++) {
      const text = JSON.stringify(value(0), null, next() < 0.5 ? 2 : undefined) ?? 'null';
      const parsed = parseStrictJson(text);
      // Through JSON again: prototypes and -0 aside, the values are the same.
      assert.equal(JSON.stringify(parsed), JSON.stringify(JSON.parse(text)), text);
      noPrototypes(parsed);
    }
  });

  it('finds a run of 133 digits wherever it is, and no shorter one', () => {
    const next = random(7);
    for (let i = 0; i < 3000; i++) {
      const pieces: string[] = [];
      while (pieces.join('').length < 700) {
        pieces.push(
          next() < 0.5 ? '7'.repeat(Math.floor(next() * 140)) : (['x', ',', ':', '.', '-', 'e', '"'][Math.floor(next() * 7)] as string),
        );
      }
      const text = pieces.join('');
      assert.equal(hasLongDigitRun(text), /[0-9]{133}/.test(text), text);
    }
    for (let offset = 0; offset < 300; offset++) {
      assert.equal(hasLongDigitRun(`${'a'.repeat(offset)}${'5'.repeat(133)}`), true, String(offset));
      assert.equal(hasLongDigitRun(`${'a'.repeat(offset)}${'5'.repeat(132)}b${'5'.repeat(132)}`), false, String(offset));
    }
  });

  it('reads numbers as before: the longest number in the next 400 characters', () => {
    assert.equal(parseStrictJson('1'.repeat(400)), Number('1'.repeat(400)));
    assert.throws(() => parseStrictJson('1'.repeat(401)), {
      message: 'line 1, column 401: unexpected "1" after the end of the JSON value',
    });
    assert.deepEqual(parseStrictJson(`[1.${'0'.repeat(398)}]`), [1]);
    assert.ok(Object.is(parseStrictJson('-0'), -0));
    assert.equal(parseStrictJson('123456789012345678'), Number('123456789012345678'));
    const cases: Array<[string, string]> = [
      ['-', 'line 1, column 1: a malformed number'],
      ['[-]', 'line 1, column 2: a malformed number'],
      ['[1.]', 'line 1, column 3: expected "," or "]", found "."'],
      ['[1e]', 'line 1, column 3: expected "," or "]", found "e"'],
      ['[1e+]', 'line 1, column 3: expected "," or "]", found "e"'],
      ['[01]', 'line 1, column 3: expected "," or "]", found "1"'],
    ];
    for (const [text, message] of cases) assert.throws(() => parseStrictJson(text), { message }, text);
  });

  it("refuses what JSON.parse takes and the reader does not, with the reader's message", () => {
    const deep = (levels: number) => `${'['.repeat(levels)}1${']'.repeat(levels)}`;
    assert.deepEqual(JSON.stringify(parseStrictJson(deep(64))), deep(64));
    assert.throws(() => parseStrictJson(deep(65)), { message: 'line 1, column 66: nesting is deeper than 64 levels' });
    const cases: Array<[string, string]> = [
      ['{"a": "x:y", "a": 1}', 'line 1, column 14: the key "a" appears twice in one object'],
      ['{"a": 1, "b": "x:", "a": 2}', 'line 1, column 21: the key "a" appears twice in one object'],
      ['{"a\\u003a": 1, "a\\u003a": 2}', 'line 1, column 16: the key "a:" appears twice in one object'],
      ['[{"k": {"k": 1, "k": 2}}]', 'line 1, column 17: the key "k" appears twice in one object'],
      ['\ufeff{}', 'line 1, column 1: the file starts with a byte-order mark; save it as UTF-8 without one'],
    ];
    for (const [text, message] of cases) assert.throws(() => parseStrictJson(text), { message }, text);
    // Digits in strings are no numbers: long runs there are read all the same.
    assert.deepEqual(parseStrictJson(`{"a": "${'7'.repeat(500)}:"}`), Object.assign(Object.create(null), { a: `${'7'.repeat(500)}:` }));
  });

  it('refuses a repeated key, "__proto__" too', () => {
    assert.throws(() => parseStrictJson('{"__proto__": 1, "__proto__": 2}'), { message: /the key "__proto__" appears twice/ });
    assert.throws(() => parseStrictJson('{"a": 1, "b": 2, "a": 3}'), {
      message: 'line 1, column 18: the key "a" appears twice in one object',
    });
  });
});
