// The mark a devdns write leaves beside the records: a reader takes a file that matches it without
// checking it again, and checks anything else in full.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { packageVersion } from '../../src/platform/package-version.js';
import { recordFileText } from '../../src/records/file-text.js';
import { checkRecordFile } from '../../src/records/record-file.js';
import { parseRecordInput } from '../../src/records/record-input.js';
import { addRecords } from '../../src/records/record-set.js';
import { parseStrictJson } from '../../src/records/strict-json.js';
import type { RecordFile } from '../../src/records/types.js';
import { isMarkedChecked, markChecked } from '../../src/store/checked-mark.js';
import { RecordStore } from '../../src/store/record-store.js';
import { isRoot, tempDir } from '../helpers/devdns.js';
import { EVERY_TYPE } from '../helpers/record-samples.js';

const addChange = (input: Parameters<typeof parseRecordInput>[0]) => (file: RecordFile) => ({
  file: addRecords(file, parseRecordInput(input)).file,
  result: undefined,
});

/** A records file devdns refuses (a CNAME beside an A), in devdns's own layout. */
const refusedText = (file: RecordFile) =>
  recordFileText({ ...file, records: [...file.records, { name: 'www.a.test', type: 'A', ttl: 5, address: '10.0.0.9' }] });

describe('the checked mark beside the records', () => {
  let dir: ReturnType<typeof tempDir>;
  let home: string;
  let records: string;
  let mark: string;
  beforeEach(async () => {
    dir = tempDir();
    home = join(dir.path, 'home');
    records = join(home, 'records.json');
    mark = join(home, 'records.checked');
    const store = new RecordStore(home);
    for (const input of EVERY_TYPE) await store.update(addChange(input));
  });
  afterEach(() => dir.cleanup());

  it('is left by every write, private, with the hash of the file and this version', () => {
    assert.equal(statSync(mark).mode & 0o777, 0o600);
    const left = JSON.parse(readFileSync(mark, 'utf8'));
    assert.equal(left.devdns, packageVersion());
    assert.match(left.sha256, /^[0-9a-f]{64}$/);
    const text = readFileSync(records, 'utf8');
    assert.equal(isMarkedChecked(home, text, { maxBytes: 1 << 20, followLinks: false }), true);
    assert.equal(isMarkedChecked(home, `${text} `, { maxBytes: 1 << 20, followLinks: false }), false);
  });

  it('lets a reader take the file without checking it, as the same records a full check gives', () => {
    const text = readFileSync(records, 'utf8');
    const checked = checkRecordFile(parseStrictJson(text));
    assert.ok(checked.ok);
    assert.deepEqual(new RecordStore(home).read(), checked.file);
    // Taken unchecked indeed: a refused file marked as checked is read as it is.
    writeFileSync(records, refusedText(checked.file));
    markChecked(home, refusedText(checked.file));
    assert.equal(new RecordStore(home).read().records.length, checked.file.records.length + 1);
  });

  it('is no mark for a hand edit, another version, or a mark that is not one: the file is checked in full', () => {
    const file = new RecordStore(home).read();
    const refused = refusedText(file);
    const marks: Array<[string, () => void]> = [
      ['a hand edit after the write', () => undefined],
      ['no mark', () => rmSync(mark)],
      [
        "another version's mark",
        () => {
          markChecked(home, refused);
          const left = JSON.parse(readFileSync(mark, 'utf8'));
          writeFileSync(mark, JSON.stringify({ ...left, devdns: '0.0.1' }));
        },
      ],
      ['a mark that is not JSON', () => writeFileSync(mark, '{"devdns":')],
      ['a mark that is not an object', () => writeFileSync(mark, 'null')],
      ['a directory', () => rmSync(mark) ?? mkdirSync(mark)],
      ['a FIFO', () => rmSync(mark) ?? execFileSync('mkfifo', [mark])],
      ['a huge file', () => writeFileSync(mark, Buffer.alloc(1 << 20, 0x20))],
    ];
    for (const [what, make] of marks) {
      rmSync(mark, { recursive: true, force: true });
      markChecked(home, recordFileText(file));
      writeFileSync(records, refused);
      make();
      assert.throws(() => new RecordStore(home).read(), { code: 'records-invalid' }, what);
    }
  });

  it('is never relied on by a store that checks in full (the daemon, doctor)', () => {
    const file = new RecordStore(home).read();
    writeFileSync(records, refusedText(file));
    markChecked(home, refusedText(file));
    assert.equal(new RecordStore(home).read().records.length, file.records.length + 1);
    assert.throws(() => new RecordStore(home, { checkInFull: true }).read(), { code: 'records-invalid' });
  });

  it('is neither written nor trusted by root acting for a user through sudo', { skip: !isRoot }, () => {
    const saved = process.env.SUDO_UID;
    rmSync(mark);
    try {
      process.env.SUDO_UID = '65534';
      markChecked(home, readFileSync(records));
      assert.equal(existsSync(mark), false);
    } finally {
      if (saved === undefined) delete process.env.SUDO_UID;
      else process.env.SUDO_UID = saved;
    }
  });

  it("is no mark when another user's file stands in its place", { skip: !isRoot }, () => {
    const file = new RecordStore(home).read();
    writeFileSync(records, refusedText(file));
    markChecked(home, refusedText(file));
    chownSync(mark, 65534, 65534);
    assert.throws(() => new RecordStore(home).read(), { code: 'records-invalid' });
  });

  it('is never trusted by root acting for another user, whose files these are', () => {
    const text = readFileSync(records, 'utf8');
    const uid = process.getuid?.() ?? 0;
    assert.equal(isMarkedChecked(home, text, { maxBytes: 1 << 20, followLinks: false, owner: uid }), true);
    assert.equal(isMarkedChecked(home, text, { maxBytes: 1 << 20, followLinks: false, owner: uid + 1 }), false);
  });

  it('that cannot be written leaves the records written, and the next reader checks them', async () => {
    const before = new RecordStore(home).read().records.length;
    rmSync(mark);
    mkdirSync(mark);
    await new RecordStore(home).update(addChange({ name: 'new.test', value: '10.0.0.1' }));
    const text = readFileSync(records, 'utf8');
    assert.match(text, /"name":"new\.test"/);
    assert.equal(isMarkedChecked(home, text, { maxBytes: 1 << 20, followLinks: false }), false);
    assert.equal(new RecordStore(home).read().records.length, before + 1);
  });

  it('after a read it took unchecked, a command writes the same bytes as one that checked', async () => {
    const many = new RecordStore(home);
    for (let i = 0; i < 3; i++) {
      await many.update((file) => ({
        file: {
          ...file,
          records: [
            ...file.records,
            ...Array.from({ length: 1_500 }, (_, j) => ({ name: `h${i}-${j}.test`, type: 'A' as const, ttl: 5, address: '10.0.0.1' })),
          ],
        },
        result: undefined,
      }));
    }
    await new RecordStore(home).update(addChange({ name: 'last.test', value: '10.0.0.2' }));
    const text = readFileSync(records, 'utf8');
    const checked = checkRecordFile(parseStrictJson(text));
    assert.ok(checked.ok);
    assert.equal(text, recordFileText(JSON.parse(JSON.stringify(checked.file))));
    assert.equal(checked.file.records.at(-1)?.name, 'last.test');
  });
});
