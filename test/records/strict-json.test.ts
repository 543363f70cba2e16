import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { JsonSyntaxError, parseStrictJson } from '../../src/records/strict-json.js';

describe('parseStrictJson', () => {
  const values: Array<[string, unknown]> = [
    ['{"a": [1, -2.5e3, true, false, null, "x\\n\\u00e9"]}', { a: [1, -2500, true, false, null, 'x\né'] }],
    ['  []  ', []],
    ['"s"', 's'],
    ['0', 0],
  ];
  for (const [text, value] of values) {
    it(`reads ${text.trim()}`, () => assert.deepEqual(JSON.parse(JSON.stringify(parseStrictJson(text))), value));
  }

  it('gives objects no prototype, so __proto__ is an ordinary key', () => {
    const parsed = parseStrictJson('{"__proto__": {"polluted": true}}') as Record<string, unknown>;
    assert.equal(Object.getPrototypeOf(parsed), null);
    assert.deepEqual(Object.keys(parsed), ['__proto__']);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });

  const errors: Array<[string, string, RegExp]> = [
    ['truncated', '{\n  "records": [\n    {"name": "a.te', /^line 3, column 14: a string is not closed/],
    ['truncated after a value', '{"a": 1', /^line 1, column 8: expected "," or "}", found end of file/],
    ['a trailing comma in an object', '{\n  "a": 1,\n}', /^line 3, column 1: a trailing comma/],
    ['a trailing comma in an array', '[1,\n 2,\n]', /^line 3, column 1: a trailing comma before "\]"/],
    ['a byte-order mark', '\uFEFF{}', /byte-order mark/],
    ['a duplicate key', '{\n  "a": 1,\n  "a": 2\n}', /^line 3, column 3: the key "a" appears twice/],
    ['an empty file', '', /the file is empty/],
    ['single quotes', "{'a': 1}", /expected a quoted key/],
    ['a comment', '{} // note', /after the end/],
    ['a bare word', '{"a": yes}', /unexpected "y"/],
    ['a leading zero', '[01]', /expected "," or "\]", found "1"/],
    ['a bad escape', '["\\x41"]', /unknown escape/],
    ['a raw newline in a string', '["a\nb"]', /control character inside a string/],
    ['deep nesting', `${'['.repeat(100)}${']'.repeat(100)}`, /deeper than 64/],
  ];
  for (const [title, text, message] of errors) {
    it(`reports ${title} with line and column`, () => {
      assert.throws(
        () => parseStrictJson(text),
        (error: unknown) => error instanceof JsonSyntaxError && message.test(error.message),
      );
    });
  }
});
