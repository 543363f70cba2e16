import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ipFamily, parseIPv4, parseIPv6 } from '../../src/records/ip.js';

describe('parseIPv4', () => {
  const good = ['0.0.0.0', '127.0.0.1', '255.255.255.255', '10.0.0.10', '192.0.2.1'];
  for (const text of good) {
    it(`accepts ${text}`, () => assert.deepEqual(parseIPv4(text), { ok: true, address: text }));
  }
  const bad: Array<[string, RegExp]> = [
    ['256.1.1.1', /256 is over 255/],
    ['010.0.0.1', /leading zero/],
    ['1.2.3', /3 parts/],
    ['1.2.3.4.', /ends with a dot/],
    ['1.2.3.4.5', /5 parts/],
    ['1..3.4', /empty part/],
    ['1.2.3.-4', /not a number/],
    ['1.2.3.0x4', /not a number/],
    ['127.1', /2 parts/],
    ['', /1 part/],
    [' 1.2.3.4', /not a number/],
  ];
  for (const [text, reason] of bad) {
    it(`refuses ${JSON.stringify(text)}`, () => {
      const result = parseIPv4(text);
      assert.equal(result.ok, false);
      assert.match(result.ok ? '' : result.reason, reason);
    });
  }
});

describe('parseIPv6', () => {
  const good: Array<[string, string]> = [
    ['::1', '::1'],
    ['::', '::'],
    ['FD00::10', 'fd00::10'],
    ['2001:0db8:0000:0000:0000:0000:0000:0001', '2001:db8::1'],
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'], // RFC 5952 §4.2.3: the first of equal runs
    ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'], // §4.2.2: a single zero group is not "::"
    ['::ffff:1.2.3.4', '::ffff:1.2.3.4'], // §5: mapped addresses keep the dotted quad
    ['::FFFF:0102:0304', '::ffff:1.2.3.4'],
    ['fe80::1:2', 'fe80::1:2'],
    ['1:2:3:4:5:6:7:8', '1:2:3:4:5:6:7:8'],
  ];
  for (const [text, canonical] of good) {
    it(`reads ${text} as ${canonical}`, () => assert.deepEqual(parseIPv6(text), { ok: true, address: canonical }));
  }
  const bad: Array<[string, RegExp]> = [
    ['::1::', /more than once/],
    ['12345::', /1-4 hex digits/],
    ['fe80::1%eth0', /zone id/],
    ['1:2:3:4:5:6:7', /7 groups/],
    ['1:2:3:4:5:6:7:8:9', /9 groups/],
    ['1:2:3:4::5:6:7:8', /no groups left/],
    ['::ffff:256.1.1.1', /over 255/],
    ['::1.2.3.4:5', /before the end/],
    ['g::1', /other than hex/],
    [':1', /not 1-4 hex digits/],
  ];
  for (const [text, reason] of bad) {
    it(`refuses ${text}`, () => {
      const result = parseIPv6(text);
      assert.equal(result.ok, false);
      assert.match(result.ok ? '' : result.reason, reason);
    });
  }
});

describe('ipFamily', () => {
  it('tells addresses from names', () => {
    assert.equal(ipFamily('1.2.3'), 4);
    assert.equal(ipFamily('::1'), 6);
    assert.equal(ipFamily('example.test'), undefined);
  });
});
