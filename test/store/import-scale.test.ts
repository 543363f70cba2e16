// A large import gives the same records as adding its lines one by one, and the rules that span
// lines (one CNAME per name, no CNAME loops, duplicates) hold within one import as across imports.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { parseImport } from '../../src/interop/import-formats.js';
import { ImportProblemsError, importRecords } from '../../src/store/import.js';
import { RecordStore } from '../../src/store/record-store.js';
import { recordsFile, withTempHome } from '../helpers/devdns.js';

const LINES = 30_000;
const hostsLines = Array.from({ length: LINES }, (_, i) => `127.0.0.${i % 250} host${i}.test`);

describe('importRecords at scale', () => {
  it(`imports a ${LINES}-line hosts file to exactly its records, in order`, async () => {
    await withTempHome(async (home) => {
      const report = await importRecords(home, parseImport(`${hostsLines.join('\n')}\n`, 'hosts'), {});
      const file = new RecordStore(home).read();
      assert.equal(report.added.length, LINES);
      assert.deepEqual(report.problems, []);
      assert.deepEqual(Object.keys(file.zones), ['test']);
      assert.deepEqual(
        file.records.map((r) => `${r.type === 'A' ? r.address : r.type} ${r.name} ${r.ttl}`),
        hostsLines.map((line) => `${line.split(' ')[0]} ${line.split(' ')[1]} 5`),
      );
    });
  });

  it('writes nothing when the last line of a large file is bad', async () => {
    await withTempHome(async (home) => {
      await importRecords(home, parseImport('127.0.0.1 before.test\n', 'hosts'), {});
      const before = readFileSync(recordsFile(home));
      // The same names as a zone file, whose last line puts a CNAME where an earlier line put an A.
      const addresses = hostsLines.map((line) => line.replace(/^(\S+) (\S+)\.test$/, '$2 A $1'));
      const zone = `$ORIGIN test.\n$TTL 5\n${addresses.join('\n')}\nhost3 CNAME host4.test.\n`;
      await assert.rejects(importRecords(home, parseImport(zone, 'zone'), {}), (error: unknown) => {
        assert.ok(error instanceof ImportProblemsError);
        assert.equal(error.problems.length, 1);
        assert.equal(error.problems[0]?.line, LINES + 3);
        assert.match(error.problems[0]?.message ?? '', /"host3\.test" has A data; a CNAME cannot share its name/);
        return true;
      });
      assert.deepEqual(readFileSync(recordsFile(home)), before);
    });
  });

  it('leaves a line that repeats an earlier line of the same import unchanged', async () => {
    await withTempHome(async (home) => {
      const report = await importRecords(home, parseImport('127.0.0.1 a.test\n127.0.0.1 a.test\n127.0.0.2 b.test\n', 'hosts'), {});
      assert.deepEqual(
        report.added.map((r) => r.name),
        ['a.test', 'b.test'],
      );
      assert.deepEqual(
        report.unchanged.map((r) => r.name),
        ['a.test'],
      );
      assert.equal(new RecordStore(home).read().records.length, 2);
    });
  });

  it('reports a CNAME and an A at one name of the same import as a problem', async () => {
    await withTempHome(async (home) => {
      const zone = '$ORIGIN test.\n$TTL 5\nweb A 127.0.0.1\nweb CNAME api.test.\napi A 127.0.0.2\n';
      const report = await importRecords(home, parseImport(zone, 'zone'), { skipInvalid: true });
      assert.equal(report.problems.length, 1);
      assert.match(report.problems[0]?.message ?? '', /"web\.test" has A data; a CNAME cannot share its name/);
      assert.deepEqual(
        new RecordStore(home).read().records.map((r) => `${r.name} ${r.type}`),
        ['web.test A', 'api.test A'],
      );
    });
  });

  it('reports a CNAME loop made within one zone-file import as a problem', async () => {
    await withTempHome(async (home) => {
      const zone = '$ORIGIN test.\n$TTL 5\na CNAME b.test.\nb CNAME c.test.\nc CNAME a.test.\n';
      await assert.rejects(importRecords(home, parseImport(zone, 'zone'), {}), (error: unknown) => {
        assert.ok(error instanceof ImportProblemsError);
        assert.equal(error.problems.length, 1);
        assert.match(error.problems[0]?.message ?? '', /this CNAME makes a loop: c\.test -> a\.test -> b\.test -> c\.test/);
        return true;
      });
    });
  });
});
