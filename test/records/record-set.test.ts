import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { InputError, NotFoundError, RiskyNameError } from '../../src/errors.js';
import { describeRecord } from '../../src/records/presentation.js';
import { parseRecordInput, type RecordInput } from '../../src/records/record-input.js';
import { addRecords, compareRecords, findSetProblem, nextSerial, removeRecords } from '../../src/records/record-set.js';
import { emptyRecordFile, makeRecord, type RecordFile } from '../../src/records/types.js';

/** Adds each input in turn, as `devdns add` would. */
function build(...inputs: Array<RecordInput & { force?: boolean }>): RecordFile {
  return inputs.reduce(
    (file, input) => addRecords(file, { ...parseRecordInput(input), force: input.force ?? false }).file,
    emptyRecordFile(),
  );
}
const add = (file: RecordFile, input: RecordInput & { force?: boolean }) =>
  addRecords(file, { ...parseRecordInput(input), force: input.force ?? false });
const lines = (file: RecordFile) => file.records.map((r) => `${describeRecord(r)} ${r.ttl}`);

describe('compareRecords', () => {
  it('orders values the same in every locale (ls with the daemon running sorts in the daemon)', () => {
    // Danish collation puts "aa" after "z"; devdns's order must not follow the user's locale.
    const code = [
      "import { compareRecords } from './src/records/record-set.ts';",
      "import { makeRecord } from './src/records/types.ts';",
      "const records = ['z', 'aa', 'b'].map((text) => makeRecord('t.test', 5, { type: 'TXT', strings: [text] }));",
      'console.log(records.sort(compareRecords).map((r) => r.strings[0]).join(" "));',
    ].join('\n');
    for (const locale of ['en_US.UTF-8', 'da_DK.UTF-8']) {
      const result = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], {
        encoding: 'utf8',
        env: { ...process.env, LC_ALL: locale, LANG: locale },
      });
      assert.equal(result.stdout.trim(), 'aa b z', `${locale}: ${result.stderr}`);
    }
  });
});

describe('addRecords', () => {
  it('keeps an RRset small enough to answer: 1,024 A records at a name, not 1,025; other names and types apart', () => {
    const addresses = Array.from({ length: 1025 }, (_, i) => `10.0.${i >> 8}.${i & 255}`);
    let file = emptyRecordFile();
    for (const address of addresses.slice(0, 1024)) file = add(file, { name: 'big.test', value: address }).file;
    assert.throws(
      () => add(file, { name: 'big.test', value: addresses[1024] }),
      (error: unknown) =>
        error instanceof InputError &&
        /A records of big\.test would take 16400 octets in an answer; devdns keeps an RRset to 16384/.test(error.message),
    );
    assert.equal(add(file, { name: 'other.test', value: '10.9.9.9' }).added.length, 1);
    assert.equal(add(file, { name: 'big.test', value: '::1' }).added.length, 1);
    // A records file that holds more, by hand, is refused as a whole.
    const hand = { ...file, records: [...file.records, makeRecord('big.test', 5, { type: 'A', address: '10.9.9.9' })] };
    assert.match(
      findSetProblem(hand) ?? '',
      /records\[1024\] \(big\.test A 10\.9\.9\.9\): the A records of big\.test would take 16400 octets/,
    );
  });

  it('continues after a refused add as if it had not been tried, at names of one record and of several', () => {
    const one = build({ name: 'other.test', value: '10.9.9.9' }, { name: 'a.test', value: '10.0.0.1' });
    assert.throws(() => add(one, { name: 'a.test', type: 'CNAME', value: 'other.test' }), InputError);
    // A new TTL reaches every record of the RRset, found by its positions in the file.
    const two = add(one, { name: 'a.test', value: '10.0.0.2', ttl: '60' }).file;
    assert.deepEqual(lines(two), ['other.test A 10.9.9.9 5', 'a.test A 10.0.0.1 60', 'a.test A 10.0.0.2 60']);
    assert.throws(() => add(two, { name: 'a.test', type: 'CNAME', value: 'other.test' }), InputError);
    assert.throws(() => add(two, { name: 'new.test', type: 'CNAME', value: 'new.test' }), InputError);
    const three = add(two, { name: 'a.test', value: '10.0.0.3', ttl: '30' }).file;
    assert.deepEqual(lines(three), ['other.test A 10.9.9.9 5', 'a.test A 10.0.0.1 30', 'a.test A 10.0.0.2 30', 'a.test A 10.0.0.3 30']);
    assert.deepEqual(lines(add(three, { name: 'new.test', value: '10.1.1.1' }).file).at(-1), 'new.test A 10.1.1.1 5');
  });

  it('gives the same results whether it finds a name by scanning or by its index', () => {
    // A builder scans for the first few names it looks up, then indexes; one that continues from
    // add to add crosses over, one made afresh for each add always scans.
    const inputs: RecordInput[] = [];
    for (let i = 0; i < 40; i++) {
      const name = `n${i % 5}.test`;
      inputs.push(
        i % 7 === 3
          ? { name, type: 'CNAME', value: `n${(i + 1) % 5}.test` }
          : i % 11 === 5
            ? { name: `c${i % 3}.test`, type: 'CNAME', value: `c${(i + 1) % 3}.test` }
            : { name, value: `10.0.0.${i % 9}`, ...(i % 6 === 0 ? { ttl: String(30 + i) } : {}) },
      );
    }
    const outcome = (fresh: boolean) => {
      let file = emptyRecordFile();
      const seen: string[] = [];
      for (const input of inputs) {
        const from = fresh ? { ...file, records: [...file.records] } : file;
        try {
          const result = add(from, input);
          file = result.file;
          seen.push(`added ${result.added.length} unchanged ${result.unchanged.length} retimed ${result.retimed.length}`);
        } catch (error) {
          seen.push(`refused: ${(error as Error).message}`);
        }
      }
      return [...seen, ...lines(file)];
    };
    const continued = outcome(false);
    assert.ok(continued.some((line) => line.startsWith('refused')) && continued.some((line) => line.includes('retimed 1')));
    assert.deepEqual(continued, outcome(true));
  });

  it('joins a second A value to the RRset', () => {
    const file = build({ name: 'a.test', value: '10.0.0.1' }, { name: 'a.test', value: '10.0.0.2' });
    assert.deepEqual(lines(file), ['a.test A 10.0.0.1 5', 'a.test A 10.0.0.2 5']);
  });

  it('treats an identical record as a no-op that says so, returning the same file', () => {
    const file = build({ name: 'a.test', value: '10.0.0.1' });
    const result = add(file, { name: 'A.Test.', value: '10.0.0.1' });
    assert.equal(result.file, file);
    assert.deepEqual(result.added, []);
    assert.deepEqual(result.unchanged.map(describeRecord), ['a.test A 10.0.0.1']);
  });

  it('compares IPv6 by value, not by spelling', () => {
    const file = build({ name: 'a.test', value: 'fd00::1' });
    assert.equal(add(file, { name: 'a.test', value: 'FD00:0:0::1' }).unchanged.length, 1);
  });

  it('gives a new record the TTL of its RRset (RFC 2181 §5.2)', () => {
    const file = build({ name: 'a.test', value: '10.0.0.1', ttl: '60' }, { name: 'a.test', value: '10.0.0.2' });
    assert.deepEqual(lines(file), ['a.test A 10.0.0.1 60', 'a.test A 10.0.0.2 60']);
  });

  it('applies a new TTL to the whole RRset and reports it', () => {
    const file = build({ name: 'a.test', value: '10.0.0.1' });
    const result = add(file, { name: 'a.test', value: '10.0.0.2', ttl: '30' });
    assert.deepEqual(lines(result.file), ['a.test A 10.0.0.1 30', 'a.test A 10.0.0.2 30']);
    assert.deepEqual(result.retimed, [{ name: 'a.test', type: 'A', from: 5, to: 30 }]);
  });

  it('says which other types at the name keep their TTL when --ttl changes one', () => {
    const file = build({ name: 'a.test' }, { name: 'a.test', value: 'v=1', type: 'TXT', ttl: '60' });
    const one = add(file, { name: 'a.test', value: '127.0.0.1', ttl: '60' });
    assert.deepEqual(one.retimed, [{ name: 'a.test', type: 'A', from: 5, to: 60 }]);
    assert.deepEqual(one.warnings, [
      "a.test AAAA keeps ttl 5: a TTL belongs to one type's records (change it too: devdns add a.test ::1 -t AAAA --ttl 60)",
    ]);
    assert.deepEqual(add(file, { name: 'a.test', ttl: '60' }).warnings, [], 'both address types were given: nothing kept');
    assert.deepEqual(add(file, { name: 'a.test', value: '127.0.0.1' }).warnings, [], 'no --ttl: nothing to say');
  });

  it('changes the TTL of an identical record', () => {
    const result = add(build({ name: 'a.test', value: '10.0.0.1' }), { name: 'a.test', value: '10.0.0.1', ttl: '9' });
    assert.deepEqual(lines(result.file), ['a.test A 10.0.0.1 9']);
    assert.equal(result.unchanged.length, 1);
  });

  it('adds the zone of a reserved name, and refuses a public one without force', () => {
    const result = add(emptyRecordFile(), { name: 'db.internal', value: '10.0.0.5' });
    assert.deepEqual(result.zonesAdded, ['internal']);
    assert.deepEqual(Object.keys(result.file.zones).sort(), ['internal', 'test']);
    assert.deepEqual(add(emptyRecordFile(), { name: 'x.home.arpa' }).zonesAdded, ['home.arpa']);
    assert.deepEqual(add(emptyRecordFile(), { name: '5.0.0.10.in-addr.arpa', value: 'db.test', type: 'PTR' }).zonesAdded, [
      '10.in-addr.arpa',
    ]);
    for (const name of ['myapp.dev', 'myapp.app', 'shop.com', 'x.y.io']) {
      assert.throws(
        () => add(emptyRecordFile(), { name }),
        (e: unknown) =>
          e instanceof RiskyNameError && e.risk === 'public' && /public top-level domain.*--force/.test(`${e.message} ${e.hint}`),
      );
    }
    assert.throws(
      () => add(emptyRecordFile(), { name: 'printer.local' }),
      (e: unknown) => e instanceof RiskyNameError && e.risk === 'mdns' && /mDNS/.test(e.message),
    );
    const forced = add(emptyRecordFile(), { name: 'api.myapp.dev', force: true });
    assert.deepEqual(forced.zonesAdded, ['myapp.dev']);
    for (const name of ['__proto__', '*.__proto__']) {
      assert.throws(() => add(emptyRecordFile(), { name, force: true }), /a zone cannot be named "__proto__"/, name);
    }
    assert.deepEqual(add(emptyRecordFile(), { name: '__proto__.test' }).file.records.length, 2);
  });

  it('refuses a CNAME beside other data, in both orders (RFC 1034 §3.6.2)', () => {
    const withA = build({ name: 'www.test', value: '10.0.0.1' });
    assert.throws(() => add(withA, { name: 'www.test', value: 'a.test', type: 'CNAME' }), /has A data; a CNAME cannot share/);
    const withCname = build({ name: 'www.test', value: 'a.test', type: 'CNAME' });
    assert.throws(() => add(withCname, { name: 'www.test', value: '10.0.0.1' }), /is a CNAME; it cannot also have A data/);
    assert.throws(() => add(withCname, { name: 'www.test', value: 'x', type: 'TXT' }), /is a CNAME/);
    assert.throws(() => add(withCname, { name: 'www.test', value: 'b.test', type: 'CNAME' }), /has a CNAME already/);
  });

  it('refuses a CNAME at a zone apex', () => {
    assert.throws(() => add(emptyRecordFile(), { name: 'test', value: 'a.test', type: 'CNAME' }), /apex of zone test/);
    const internal = build({ name: 'db.internal', value: '10.0.0.5' });
    assert.throws(() => add(internal, { name: 'internal', value: 'db.internal', type: 'CNAME' }), /apex of zone internal/);
  });

  it('refuses CNAME loops, long and self', () => {
    const chain = build({ name: 'a.test', value: 'b.test', type: 'CNAME' }, { name: 'b.test', value: 'c.test', type: 'CNAME' });
    assert.throws(() => add(chain, { name: 'c.test', value: 'a.test', type: 'CNAME' }), /loop: c\.test -> a\.test -> b\.test -> c\.test/);
    assert.throws(() => add(emptyRecordFile(), { name: 'a.test', value: 'a.test', type: 'CNAME' }), /loop: a\.test -> a\.test/);
  });

  it('warns when an MX points at a CNAME (RFC 2181 §10.3)', () => {
    const file = build({ name: 'mail.test', value: 'host.test', type: 'CNAME' });
    assert.match(add(file, { name: 'test', value: 'mail.test', type: 'MX', priority: '1' }).warnings.join(), /is a CNAME/);
  });
});

describe('removeRecords', () => {
  const file = build(
    { name: 'a.test' },
    { name: 'a.test', value: '10.0.0.1' },
    { name: 'www.a.test', value: 'a.test', type: 'CNAME' },
    { name: 'a.test', value: 'mail.a.test', type: 'MX', priority: '10' },
  );
  const removed = (request: Parameters<typeof removeRecords>[1]) => removeRecords(file, request).removed.map(describeRecord);

  it('removes every record at a name', () => assert.equal(removed({ name: 'a.test' }).length, 4));
  it('removes one type', () => assert.deepEqual(removed({ name: 'a.test', type: 'AAAA' }), ['a.test AAAA ::1']));
  it('removes one value, inferring its type', () =>
    assert.deepEqual(removed({ name: 'a.test', value: '10.0.0.1' }), ['a.test A 10.0.0.1']));
  it('matches values by meaning', () => assert.deepEqual(removed({ name: 'a.test', value: '0::1' }), ['a.test AAAA ::1']));
  it('takes back what ls shows', () => {
    assert.deepEqual(removed({ name: 'a.test', value: '10 mail.a.test.' }), ['a.test MX 10 mail.a.test.']);
    assert.deepEqual(removed({ name: 'www.a.test', value: 'A.test' }), ['www.a.test CNAME a.test.']);
  });
  it('says when nothing matches', () => {
    assert.throws(() => removeRecords(file, { name: 'b.test' }), NotFoundError);
    assert.throws(() => removeRecords(file, { name: 'a.test', value: '10.9.9.9' }), /no record matches a\.test 10\.9\.9\.9/);
  });
  it('checks the value against -t even when nothing could match', () => {
    assert.throws(() => removeRecords(file, { name: 'a.test', type: 'A', value: '1.2.3' }), /not an IPv4 address/);
  });
  it('drops a zone with its last record, but never test', () => {
    const internal = build({ name: 'db.internal', value: '10.0.0.5' });
    const result = removeRecords(internal, { name: 'db.internal' });
    assert.deepEqual(result.zonesRemoved, ['internal']);
    assert.deepEqual(Object.keys(result.file.zones), ['test']);
    assert.deepEqual(removeRecords(build({ name: 'a.test' }), { name: 'a.test' }).zonesRemoved, []);
  });
});

describe('findSetProblem', () => {
  const record = makeRecord;
  const file = (records: RecordFile['records']): RecordFile => ({ ...emptyRecordFile(), records });
  it('accepts a consistent file', () => {
    assert.equal(findSetProblem(build({ name: 'a.test' }, { name: 'w.test', value: 'a.test', type: 'CNAME' })), undefined);
  });
  const cases: Array<[string, RecordFile['records'], RegExp]> = [
    ['outside every zone', [record('a.dev', 5, { type: 'A', address: '1.2.3.4' })], /none of the zones/],
    [
      'duplicated',
      [record('a.test', 5, { type: 'A', address: '1.2.3.4' }), record('a.test', 5, { type: 'A', address: '1.2.3.4' })],
      /appears twice/,
    ],
    [
      'mixed TTLs in an RRset',
      [record('a.test', 5, { type: 'A', address: '1.2.3.4' }), record('a.test', 6, { type: 'A', address: '1.2.3.5' })],
      /RFC 2181 §5\.2/,
    ],
    [
      'CNAME and data',
      [record('a.test', 5, { type: 'A', address: '1.2.3.4' }), record('a.test', 5, { type: 'CNAME', target: 'b.test' })],
      /records\[1\].*CNAME cannot share/,
    ],
    [
      'CNAME loop',
      [record('a.test', 5, { type: 'CNAME', target: 'b.test' }), record('b.test', 5, { type: 'CNAME', target: 'a.test' })],
      /loop/,
    ],
  ];
  for (const [title, records, problem] of cases) {
    it(`reports a record ${title}`, () => assert.match(findSetProblem(file(records)) ?? '', problem));
  }
});

describe('nextSerial', () => {
  const day = new Date('2026-11-26T10:00:00Z');
  it('starts from the date', () => assert.equal(nextSerial(0, day), 2026112600));
  it('counts up within a day', () => assert.equal(nextSerial(2026112600, day), 2026112601));
  it('still rises when the clock goes back', () => assert.equal(nextSerial(2026112699, new Date('2020-01-01T00:00:00Z')), 2026112700));
});

describe('compareRecords', () => {
  it('sorts in DNS order: a name, then the names below it', () => {
    const file = build(
      { name: 'b.test' },
      { name: 'x.a.test', value: '1.1.1.1' },
      { name: 'a.test', value: '1.1.1.1' },
      { name: '*.a.test', value: '1.1.1.2' },
    );
    assert.deepEqual([...file.records].sort(compareRecords).map(describeRecord), [
      'a.test A 1.1.1.1',
      '*.a.test A 1.1.1.2',
      'x.a.test A 1.1.1.1',
      'b.test A 127.0.0.1',
      'b.test AAAA ::1',
    ]);
  });
});
