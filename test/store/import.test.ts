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
