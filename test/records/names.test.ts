import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InputError } from '../../src/errors.js';
import { isAtOrBelow, isWildcardName, normalizeName } from '../../src/records/names.js';

describe('normalizeName', () => {
  const good: Array<[string, string, boolean?]> = [
    ['myapp.test', 'myapp.test'],
    ['MyApp.TEST.', 'myapp.test'],
    ['café.test', 'xn--caf-dma.test'],
    ['*.café.test', '*.xn--caf-dma.test', true],
    ['_http._tcp.shop.test', '_http._tcp.shop.test'],
    ['*.shop.test', '*.shop.test', true],
    ['*.test', '*.test', true],
    ['a-b.test', 'a-b.test'],
    ['xn--caf-dma.test', 'xn--caf-dma.test'],
    [`${'a'.repeat(63)}.test`, `${'a'.repeat(63)}.test`],
    [`${'a.'.repeat(124)}test`, `${'a.'.repeat(124)}test`], // 252 characters
  ];
  for (const [text, stored, wildcard] of good) {
    it(`stores ${JSON.stringify(text.slice(0, 40))} as ${stored.slice(0, 40)}`, () => {
      assert.equal(normalizeName(text, 'name', { wildcard: wildcard ?? false }), stored);
    });
  }

  const bad: Array<[string, RegExp, boolean?]> = [
    ['', /is empty/],
    ['.', /is empty/],
    ['a b.test', /white space/],
    ['a..test', /empty label/],
    ['.a.test', /starts with a dot/],
    ['-a.test', /starts with "-"/],
    ['a-.test', /starts or ends with "-"/],
    ['b.-a.test', /starts or ends with "-"/],
    [`${'a'.repeat(64)}.test`, /64 octets/],
    [`${'a.'.repeat(125)}test`, /254 characters/],
    ['a*.test', /"\*" may only be the whole leftmost label/, true],
    ['*.*.test', /"\*" may only be the whole leftmost label/, true],
    ['foo.*.test', /"\*" may only be the whole leftmost label/, true],
    ['*.test', /only allowed as a record name/, false],
    ['a!.test', /the character "!"/],
    ['a/b.test', /the character "\/"/],
    ['a\tb.test', /white space/],
    ['a\u0001b.test', /control character/],
    ['a\u00a0b.test', /white space/],
    ['a\ufffdb.test', /not a valid internationalised/],
  ];
  for (const [text, message, wildcard] of bad) {
    it(`refuses ${JSON.stringify(text.slice(0, 30))}`, () => {
      assert.throws(
        () => normalizeName(text, 'name', { wildcard: wildcard ?? true }),
        (error: unknown) => error instanceof InputError && error.field === 'name' && message.test(`${error.message} (${error.hint})`),
      );
    });
  }
});

describe('name helpers', () => {
  it('recognises wildcards', () => {
    assert.equal(isWildcardName('*.shop.test'), true);
    assert.equal(isWildcardName('shop.test'), false);
  });
  it('tells names at or below a zone', () => {
    assert.equal(isAtOrBelow('test', 'test'), true);
    assert.equal(isAtOrBelow('a.test', 'test'), true);
    assert.equal(isAtOrBelow('atest', 'test'), false);
  });
});
