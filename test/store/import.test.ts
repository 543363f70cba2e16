// Importing a devdns JSON file: its zones get the same consent as its names, so a file cannot
// slip a public zone in where a record under it would be refused.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parseImport } from '../../src/interop/import-formats.js';
import { importRecords } from '../../src/store/import.js';
import { RecordStore } from '../../src/store/record-store.js';
import { tempDir } from '../helpers/devdns.js';

const hostile = JSON.stringify({
  version: 1,
  serial: 0,
  zones: { test: {}, 'google.com': {}, com: {} },
  records: [
    { name: 'www.google.com', type: 'A', ttl: 5, address: '192.0.2.66' },
    { name: 'a.test', type: 'A', ttl: 5, address: '10.0.0.1' },
  ],
});

describe('importRecords: zones of a JSON file', () => {
  for (const force of [false, true]) {
    it(force ? 'with --force, takes the public zones and names' : 'skips public zones and their records without --force', async () => {
      const dir = tempDir();
      try {
        const home = join(dir.path, 'home');
        const report = await importRecords(home, parseImport(hostile, 'json'), { force });
        const file = new RecordStore(home).read();
        if (force) {
          assert.deepEqual(Object.keys(file.zones).sort(), ['com', 'google.com', 'test']);
          assert.equal(report.added.length, 2);
        } else {
          assert.deepEqual(Object.keys(file.zones), ['test']);
          assert.deepEqual(
            file.records.map((r) => r.name),
            ['a.test'],
          );
          assert.match(report.skipped[0]?.reason ?? '', /public top-level domain/);
        }
      } finally {
        dir.cleanup();
      }
    });
  }
});

describe('importRecords: a zone that makes a record already there invalid', () => {
  it('refuses the import, even with --skip-invalid, and leaves the file as it was', async () => {
    const dir = tempDir();
    try {
      const home = join(dir.path, 'home');
      const store = new RecordStore(home);
      await importRecords(home, parseImport('127.0.0.1 web.test\n', 'hosts'), {});
      await store.update((file) => ({
        file: { ...file, records: [...file.records, { name: 'app.test', type: 'CNAME', ttl: 5, target: 'web.test' }] },
        result: undefined,
      }));
      const before = store.read();
      const zones = JSON.stringify({ version: 1, serial: 0, zones: { 'app.test': {} }, records: [] });
      for (const skipInvalid of [false, true]) {
        await assert.rejects(importRecords(home, parseImport(zones, 'json'), { skipInvalid }), (error: Error) => {
          assert.match(error.message, /with the zones of the file, records\[1\] \(app\.test CNAME web\.test\.?\).*apex/);
          return true;
        });
        assert.deepEqual(new RecordStore(home).read(), before);
      }
    } finally {
      dir.cleanup();
    }
  });
});
