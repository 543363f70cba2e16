// Records that end (`--for`): the duration read, the end kept in the file, what every reader
// sees after it (liveRecords), the add that renews or makes lasting, and the store's write.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { InputError } from '../../src/errors.js';
import { parseDuration, timeLeft } from '../../src/records/duration.js';
import { isExpiryText, liveRecords, nextExpiry } from '../../src/records/expiry.js';
import { checkRecordFile } from '../../src/records/record-file.js';
import { parseRecordInput, type RecordInput } from '../../src/records/record-input.js';
import { addRecords } from '../../src/records/record-set.js';
import { emptyRecordFile, type RecordFile } from '../../src/records/types.js';
import { RecordStore } from '../../src/store/record-store.js';
import { tempDir } from '../helpers/devdns.js';

const T0 = Date.parse('2026-12-06T12:00:00.000Z');
const at = (seconds: number) => new Date(T0 + seconds * 1000).toISOString();

function withRecords(...inputs: Array<RecordInput & { override?: boolean; force?: boolean; expires?: string }>): RecordFile {
  return inputs.reduce((file, { override, force, expires, ...input }) => {
    const parsed = parseRecordInput(input);
    return addRecords(file, { ...parsed, override: override === true, force: force === true, expires }).file;
  }, emptyRecordFile());
}

describe('--for: a duration', () => {
  for (const [text, seconds] of [
    ['90s', 90],
    ['30m', 1800],
    ['2h', 7200],
    ['1h30m', 5400],
    ['7d', 604_800],
    [' 2H ', 7200],
    ['365d', 31_536_000],
  ] as const) {
    it(`reads ${JSON.stringify(text)} as ${seconds} s`, () => assert.equal(parseDuration(text), seconds));
  }
  for (const text of ['', '30', 'm', '-5m', '1.5h', '2 h', '1w', '0s', '366d', '9999999999s', '30m,', 'forever']) {
    it(`refuses ${JSON.stringify(text)} with a hint`, () => {
      assert.throws(
        () => parseDuration(text),
        (error: unknown) => error instanceof InputError && error.field === '--for' && /e\.g\. 30m, 2h/.test(error.hint ?? ''),
      );
    });
  }
  it('comes through parseRecordInput as a lifetime, and none without --for', () => {
    assert.equal(parseRecordInput({ name: 'a.test', value: '127.0.0.1', for: '30m' }).lifetime, 1800);
    assert.equal(parseRecordInput({ name: 'a.test', value: '127.0.0.1' }).lifetime, undefined);
  });
});

describe('the end of a record', () => {
  const file = withRecords(
    { name: 'keep.test', value: '127.0.0.1' },
    { name: 'demo.test', value: '127.0.0.2', expires: at(60) },
    { name: 'api.example.com', value: '127.0.0.1', override: true, expires: at(120) },
    { name: 'api.example.com', value: '::1', expires: at(180) },
    { name: 'shop.dev', value: '127.0.0.3', force: true, expires: at(60) },
  );

  it('is kept in the file in ISO 8601 UTC, and read back as it is', () => {
    const checked = checkRecordFile(JSON.parse(JSON.stringify(file)));
    assert.ok(checked.ok);
    assert.deepEqual(checked.file, file);
    assert.equal(file.records.find((r) => r.name === 'demo.test')?.expires, '2026-12-06T12:01:00.000Z');
  });

  for (const bad of [
    '2026-12-06',
    '2026-12-06T12:00:00Z',
    '2026-12-06T12:00:00.000+01:00',
    'tomorrow',
    1_765_000_000,
    '2026-13-01T00:00:00.000Z',
  ]) {
    it(`refuses expires ${JSON.stringify(bad)} in the file`, () => {
      const raw = JSON.parse(JSON.stringify(file));
      raw.records[1].expires = bad;
      const checked = checkRecordFile(raw);
      assert.equal(checked.ok, false);
      assert.match(checked.ok ? '' : checked.problem, /^records\[1\]\.expires: must be an ISO 8601 UTC time/);
    });
  }
  it('isExpiryText takes only the normal form', () => {
    assert.equal(isExpiryText('2026-12-06T12:00:00.000Z'), true);
    assert.equal(isExpiryText('2026-02-30T12:00:00.000Z'), false);
  });

  it('leaves every reader at once: the records go, and a zone only they held goes with them', () => {
    assert.equal(liveRecords(file, T0), file, 'nothing has ended: the same object');
    const later = liveRecords(file, T0 + 60_000);
    assert.deepEqual(
      later.records.map((r) => r.name),
      ['keep.test', 'api.example.com', 'api.example.com'],
    );
    assert.equal('shop.dev' in later.zones, false, 'a zone made for the record goes with it');
    assert.equal(later.zones['api.example.com']?.override, true, 'the override lasts while a record of it does');
    const ended = liveRecords(file, T0 + 180_000);
    assert.equal('api.example.com' in ended.zones, false, 'the override ends with its last record');
    assert.deepEqual(Object.keys(ended.zones), ['test']);
  });

  it('says when the next one ends, and how long is left', () => {
    assert.equal(nextExpiry(file), T0 + 60_000);
    assert.equal(nextExpiry(emptyRecordFile()), undefined);
    assert.equal(timeLeft(at(45), T0), '45s');
    assert.equal(timeLeft(at(5400), T0), '1h 30m');
    assert.equal(timeLeft(at(7200), T0), '2h');
    assert.equal(timeLeft(at(2 * 86_400 + 3 * 3600 + 59), T0), '2d 3h');
    assert.equal(timeLeft(at(-5), T0), '0s');
  });

  it('an add of a record there already sets its end, and one without --for makes it last', () => {
    const renewed = addRecords(file, { ...parseRecordInput({ name: 'demo.test', value: '127.0.0.2' }), expires: at(600) });
    assert.deepEqual(
      renewed.renewed.map((r) => r.expires),
      [at(600)],
    );
    assert.deepEqual(renewed.unchanged, []);
    const lasting = addRecords(file, parseRecordInput({ name: 'demo.test', value: '127.0.0.2' }));
    assert.equal(lasting.renewed.length, 1);
    assert.equal('expires' in (lasting.renewed[0] ?? {}), false);
    assert.equal(lasting.file.records.find((r) => r.name === 'demo.test')?.expires, undefined);
    const same = addRecords(file, { ...parseRecordInput({ name: 'demo.test', value: '127.0.0.2' }), expires: at(60) });
    assert.equal(same.file, file, 'the same end changes nothing');
    assert.equal(same.unchanged.length, 1);
  });
});

describe('the store and records that have ended', () => {
  it('reads without them, and the next write leaves them out of the file', async () => {
    const dir = tempDir();
    try {
      let now = T0;
      const store = new RecordStore(dir.path, { now: () => new Date(now) });
      const file = withRecords({ name: 'keep.test', value: '127.0.0.1' }, { name: 'demo.test', value: '127.0.0.2', expires: at(60) });
      await store.update(() => ({ file, result: undefined }));
      assert.equal(store.read().records.length, 2);
      now = T0 + 60_000;
      assert.deepEqual(
        store.read().records.map((r) => r.name),
        ['keep.test'],
      );
      assert.match(readFileSync(join(dir.path, 'records.json'), 'utf8'), /demo\.test/, 'still on disk until a write');
      // A change that changes nothing else still writes: the ended record leaves the file.
      await store.update((current) => ({ file: current, result: undefined }));
      assert.doesNotMatch(readFileSync(join(dir.path, 'records.json'), 'utf8'), /demo\.test/);
    } finally {
      dir.cleanup();
    }
  });

  it('a hand-written end in the past is never served, whoever wrote it', () => {
    const dir = tempDir();
    try {
      const raw = JSON.parse(JSON.stringify(withRecords({ name: 'old.test', value: '127.0.0.1', expires: at(-1) })));
      writeFileSync(join(dir.path, 'records.json'), JSON.stringify(raw), { mode: 0o600 });
      assert.deepEqual(new RecordStore(dir.path, { now: () => new Date(T0) }).read().records, []);
    } finally {
      dir.cleanup();
    }
  });
});
