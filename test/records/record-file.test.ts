import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkRecordFile } from '../../src/records/record-file.js';

const valid = {
  version: 1,
  serial: 7,
  zones: { test: {}, internal: { negativeTtl: 10 } },
  records: [
    { name: 'a.test', type: 'A', ttl: 5, address: '127.0.0.1' },
    { name: 'a.test', type: 'AAAA', ttl: 5, address: '::1' },
    { name: '*.shop.test', type: 'A', ttl: 5, address: '127.0.0.1' },
    { name: 'www.test', type: 'CNAME', ttl: 5, target: 'a.test' },
    { name: 'test', type: 'MX', ttl: 5, priority: 10, exchange: 'mail.test' },
    { name: 'test', type: 'TXT', ttl: 5, strings: ['v=spf1 -all', 'two'] },
    { name: '_http._tcp.test', type: 'SRV', ttl: 5, priority: 0, weight: 5, port: 8080, target: 'a.test' },
    { name: 'test', type: 'CAA', ttl: 5, flags: 0, tag: 'issue', value: 'letsencrypt.org' },
    { name: 'db.internal', type: 'A', ttl: 5, address: '10.0.0.5' },
  ],
};
const withRecord = (record: unknown) => ({ ...valid, records: [...valid.records, record] });

describe('checkRecordFile', () => {
  it('accepts a valid file and keeps every record', () => {
    const checked = checkRecordFile(valid);
    assert.equal(checked.ok, true);
    assert.deepEqual(checked.ok && checked.file, valid);
  });

  it('normalises names and addresses written by hand, and fills a missing TTL', () => {
    const checked = checkRecordFile({ ...valid, records: [{ name: 'B.Test.', type: 'AAAA', address: 'FD00:0::1' }] });
    assert.deepEqual(checked.ok && checked.file.records, [{ name: 'b.test', type: 'AAAA', ttl: 5, address: 'fd00::1' }]);
  });

  const cases: Array<[string, unknown, RegExp]> = [
    ['an array', [], /must hold a JSON object/],
    ['no version', { ...valid, version: undefined }, /version: is missing/],
    ['a newer version', { ...valid, version: 2 }, /version: devdns reads version 1/],
    ['an unknown top-level field', { ...valid, extra: 1 }, /unknown field "extra"/],
    ['a string serial', { ...valid, serial: '7' }, /serial: must be a whole number/],
    ['zones as an array', { ...valid, zones: ['test'] }, /zones: must be an object/],
    ['a bad zone name', { ...valid, zones: { 'a..b': {} } }, /zones\["a\.\.b"\]: .*empty label/],
    ['an unknown zone setting', { ...valid, zones: { test: { soa: 1 } } }, /unknown field "soa"/],
    // As a key of a plain object, "__proto__" would set the object's prototype rather than name a zone.
    [
      'a zone named __proto__',
      { ...valid, zones: JSON.parse('{"test": {}, "__proto__": {}}') },
      /zones\["__proto__"\]: a zone cannot be named "__proto__"/,
    ],
    ['records as an object', { ...valid, records: {} }, /records: must be an array/],
    [
      'a string TTL',
      withRecord({ name: 'x.test', type: 'A', ttl: 'abc', address: '1.2.3.4' }),
      /records\[9\]\.ttl: must be a whole number, found "abc"/,
    ],
    ['a TTL out of range', withRecord({ name: 'x.test', type: 'A', ttl: -1, address: '1.2.3.4' }), /records\[9\]\.ttl: .*out of range/],
    ['an unknown record type', withRecord({ name: 'x.test', type: 'HTTPS', ttl: 5 }), /records\[9\]\.type: "HTTPS" is not a record type/],
    ['a bad address', withRecord({ name: 'x.test', type: 'A', ttl: 5, address: '999.1.1.1' }), /records\[9\]\.address: .*999 is over 255/],
    [
      'an unknown record field',
      withRecord({ name: 'x.test', type: 'A', ttl: 5, address: '1.2.3.4', port: 1 }),
      /records\[9\]: unknown field "port"/,
    ],
    [
      'a missing field',
      withRecord({ name: 'x.test', type: 'MX', ttl: 5, exchange: 'm.test' }),
      /records\[9\]\.priority: must be a whole number/,
    ],
    ['a bad name', withRecord({ name: 'a b.test', type: 'A', ttl: 5, address: '1.2.3.4' }), /records\[9\]\.name: .*white space/],
    [
      'a TXT string over 255',
      withRecord({ name: 'x.test', type: 'TXT', ttl: 5, strings: ['x'.repeat(256)] }),
      /records\[9\]\.strings: .*at most 255/,
    ],
    ['empty TXT strings', withRecord({ name: 'x.test', type: 'TXT', ttl: 5, strings: [] }), /non-empty array/],
    ['a CNAME beside data', withRecord({ name: 'a.test', type: 'CNAME', ttl: 5, target: 'b.test' }), /records\[9\].*CNAME cannot share/],
    ['a record outside the zones', withRecord({ name: 'a.dev', type: 'A', ttl: 5, address: '1.2.3.4' }), /none of the zones/],
  ];
  for (const [title, raw, problem] of cases) {
    it(`reports ${title}`, () => {
      const checked = checkRecordFile(raw);
      assert.equal(checked.ok, false);
      assert.match(checked.ok ? '' : checked.problem, problem);
    });
  }
});
