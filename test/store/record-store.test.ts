import assert from 'node:assert/strict';
import { existsSync, lstatSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { StoreError } from '../../src/errors.js';
import { parseRecordInput } from '../../src/records/record-input.js';
import { addRecords } from '../../src/records/record-set.js';
import { RecordStore } from '../../src/store/record-store.js';
import { BackgroundWriter } from '../../src/store/records-writer.js';
import { tempDir, withTempHome } from '../helpers/devdns.js';

const addChange = (name: string, value?: string) => (file: Parameters<typeof addRecords>[0]) => {
  const result = addRecords(file, parseRecordInput({ name, value }));
  return { file: result.file, result };
};

describe('RecordStore', () => {
  let dir: ReturnType<typeof tempDir>;
  let home: string;
  beforeEach(() => {
    dir = tempDir();
    home = join(dir.path, 'home');
  });
  afterEach(() => dir.cleanup());

  it('never writes a file larger than it would read back: the change is refused, the file unchanged', async () => {
    const store = new RecordStore(home, { now: () => new Date('2026-11-26T00:00:00Z'), maxBytes: 2_000 });
    await store.update(addChange('a.test', '10.0.0.1'));
    const before = readFileSync(join(home, 'records.json'));
    let grown = 0;
    await assert.rejects(
      async () => {
        for (; grown < 100; grown++) await store.update(addChange(`name${grown}.test`, '10.0.0.2'));
      },
      (error: Error & { code?: string }) => {
        assert.equal(error.code, 'records-too-large');
        assert.match(error.message, /would take \d+ bytes with \d+ records, over devdns's limit of 2000 bytes; nothing was written/);
        return true;
      },
    );
    assert.ok(grown > 0 && grown < 100);
    // What is on disk is the last change that fitted, and it reads back.
    assert.ok(readFileSync(join(home, 'records.json')).length <= 2_000);
    assert.equal(store.read().records.length, grown + 1);
    assert.notDeepEqual(readFileSync(join(home, 'records.json')), before);
  });

  it('reads no file as an empty set and creates nothing', () => {
    const store = new RecordStore(home);
    assert.deepEqual(store.read().records, []);
    assert.equal(existsSync(home), false);
  });

  it('writes changes to a private file in a private directory, with a rising serial', async () => {
    const store = new RecordStore(home, { now: () => new Date('2026-11-26T00:00:00Z') });
    await store.update(addChange('a.test', '10.0.0.1'));
    await store.update(addChange('b.test', '10.0.0.2'));
    const file = store.read();
    assert.deepEqual(
      file.records.map((r) => r.name),
      ['a.test', 'b.test'],
    );
    assert.equal(file.serial, 2026112601);
    assert.equal(statSync(store.path).mode & 0o777, 0o600);
    assert.equal(statSync(home).mode & 0o777, 0o700);
    assert.equal(lstatSync(`${store.path}.lock`, { throwIfNoEntry: false }), undefined, 'the lock is released');
  });

  it('does not write when nothing changes', async () => {
    const store = new RecordStore(home);
    await store.update(addChange('a.test', '10.0.0.1'));
    const before = readFileSync(store.path);
    const result = await store.update(addChange('a.test', '10.0.0.1'));
    assert.equal(result.unchanged.length, 1);
    assert.deepEqual(readFileSync(store.path), before);
  });

  it('leaves the file as it was when the change throws', async () => {
    const store = new RecordStore(home);
    await store.update(addChange('a.test', '10.0.0.1'));
    const before = readFileSync(store.path);
    await assert.rejects(store.update(addChange('a.test', 'b.test')), /not an IP address/);
    await assert.rejects(
      store.update(() => {
        throw new Error('boom');
      }),
      /boom/,
    );
    assert.deepEqual(readFileSync(store.path), before);
    assert.equal(lstatSync(`${store.path}.lock`, { throwIfNoEntry: false }), undefined, 'the lock is released after a failure');
  });

  it('refuses a file that does not parse, naming it and the place, and never rewrites it', async () => {
    const store = new RecordStore(home);
    await store.update(addChange('a.test'));
    const broken = readFileSync(store.path, 'utf8').slice(0, 60);
    writeFileSync(store.path, broken);
    assert.throws(
      () => store.read(),
      (error: unknown) => error instanceof StoreError && error.message.startsWith(`${store.path}: is not valid JSON: line `),
    );
    await assert.rejects(store.update(addChange('b.test')), StoreError);
    assert.equal(readFileSync(store.path, 'utf8'), broken);
  });

  it('serialises concurrent updates: none is lost', async () => {
    const store = new RecordStore(home);
    await Promise.all(Array.from({ length: 20 }, (_, i) => store.update(addChange(`host${i}.test`, `10.0.0.${i + 1}`))));
    assert.equal(store.read().records.length, 20);
  });
});

describe('RecordStore with a background writer (the daemon)', () => {
  it('applies changes that arrive during a write in turn, writes them together, and settles each', async () => {
    await withTempHome(async (home) => {
      const writer = new BackgroundWriter();
      const writes: Array<{ records: number; touched: string[] | undefined }> = [];
      const store = new RecordStore(home, {
        keep: true,
        writer,
        onWrite: (_before, after, touched) => writes.push({ records: after.records.length, touched: touched && [...touched].sort() }),
      });
      try {
        const names = Array.from({ length: 30 }, (_, i) => `n${i}.test`);
        const results = await Promise.all(names.map((name) => store.update(addChange(name, '10.0.0.1'), () => [name])));
        assert.deepEqual(
          results.map((r) => r.added.length),
          names.map(() => 1),
        );
        await store.settled();
        assert.equal(new RecordStore(home).read().records.length, 30);
        // The first change is written alone; those that came while it was written, together.
        assert.ok(writes.length >= 2 && writes.length < 30, `${writes.length} writes`);
        assert.equal(writes.at(-1)?.records, 30);
        assert.deepEqual(writes.flatMap((w) => w.touched ?? []).sort(), [...names].sort());
        // A change that fails fails alone; one that cannot say what it touched makes the batch say nothing.
        const [bad, good] = await Promise.allSettled([
          store.update(addChange('n0.test', 'not-an-address')),
          store.update(addChange('late.test', '10.0.0.2')),
        ]);
        assert.equal(bad.status, 'rejected');
        assert.equal(good.status, 'fulfilled');
        assert.equal(writes.at(-1)?.touched, undefined);
        assert.equal(new RecordStore(home).read().records.length, 31);
      } finally {
        await writer.close();
      }
    });
  });

  it('rejects every queued change when the file cannot be read, and writes nothing', async () => {
    await withTempHome(async (home) => {
      const writer = new BackgroundWriter();
      const store = new RecordStore(home, { keep: true, writer });
      try {
        await store.update(addChange('a.test', '10.0.0.1'));
        writeFileSync(join(home, 'records.json'), '{broken');
        const outcomes = await Promise.allSettled([
          store.update(addChange('b.test', '10.0.0.2')),
          store.update(addChange('c.test', '10.0.0.3')),
        ]);
        for (const outcome of outcomes) {
          assert.equal(outcome.status, 'rejected');
          assert.match(String((outcome as PromiseRejectedResult).reason.message), /is not valid JSON/);
        }
        assert.equal(readFileSync(join(home, 'records.json'), 'utf8'), '{broken');
        assert.equal(store.busy(), false);
      } finally {
        await writer.close();
      }
    });
  });

  it('reads the file again only when it changed on disk', async () => {
    await withTempHome(async (home) => {
      const store = new RecordStore(home, { keep: true });
      await new RecordStore(home).update(addChange('a.test', '10.0.0.1'));
      const first = store.read();
      assert.equal(store.read(), first, 'the same file: kept');
      await new RecordStore(home).update(addChange('b.test', '10.0.0.2'));
      const second = store.read();
      assert.notEqual(second, first);
      assert.equal(second.records.length, 2);
    });
  });
});
