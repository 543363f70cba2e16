// addRecord warns when a new CNAME leads to no address among devdns's own names (the user's and
// the linked projects'), as the daemon would answer it: wildcards, chains and names outside
// devdns's zones count as they do there. The record is added either way.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { addRecord } from '../../src/store/edits.js';
import { linkProject } from '../../src/store/projects.js';
import { RecordStore } from '../../src/store/record-store.js';
import { tempDir, withTempHome } from '../helpers/devdns.js';

const cname = (name: string, value: string) => ({ name, value, type: 'CNAME' });
const missing = (warnings: readonly string[]) => warnings.filter((w) => w.includes('resolves to no address'));

describe('addRecord: a CNAME whose target has no address', () => {
  it('warns for the parent of a wildcard: *.shop.test does not cover shop.test', async () => {
    await withTempHome(async (home) => {
      await addRecord(home, { name: '*.shop.test', value: '127.0.0.1' });
      const result = await addRecord(home, cname('www.shop.test', 'shop.test'));
      assert.equal(result.added.length, 1, 'the record is still added');
      const [warning, ...rest] = missing(result.warnings);
      assert.equal(rest.length, 0);
      assert.match(warning ?? '', /^www\.shop\.test resolves to no address: its target shop\.test has no A or AAAA record/);
      assert.match(warning ?? '', /\*\.shop\.test covers the names below shop\.test, not shop\.test itself/);
      assert.match(warning ?? '', /devdns add shop\.test 127\.0\.0\.1/);
      assert.equal(new RecordStore(home).read().records.filter((r) => r.type === 'CNAME').length, 1);
    });
  });

  it('warns for a target that does not exist, directly or at the end of a chain', async () => {
    await withTempHome(async (home) => {
      const direct = await addRecord(home, cname('a.test', 'nowhere.test'));
      assert.match(missing(direct.warnings)[0] ?? '', /its target nowhere\.test does not exist in devdns; add it/);
      const chained = await addRecord(home, cname('b.test', 'a.test'));
      assert.match(missing(chained.warnings)[0] ?? '', /^b\.test resolves to no address: its target nowhere\.test \(through a\.test\)/);
    });
  });

  it('says nothing when the target has an address: its own, a wildcard match, or at the end of a chain', async () => {
    await withTempHome(async (home) => {
      await addRecord(home, { name: 'shop.test', value: '127.0.0.1' });
      await addRecord(home, { name: '*.shop.test', value: '127.0.0.1' });
      await addRecord(home, { name: 'v6.test', value: '::1' });
      for (const [name, target] of [
        ['www.shop.test', 'shop.test'],
        ['api.test', 'x.shop.test'], // the wildcard answers x.shop.test
        ['chain.test', 'www.shop.test'],
        ['six.test', 'v6.test'], // an AAAA is an address too
      ] as const) {
        const result = await addRecord(home, cname(name, target));
        assert.deepEqual(missing(result.warnings), [], `${name} -> ${target}`);
      }
    });
  });

  it("says nothing for a target outside devdns's zones: that name's own servers answer it", async () => {
    await withTempHome(async (home) => {
      await addRecord(home, { name: 'myapp.test', value: '127.0.0.1' });
      const outside = await addRecord(home, cname('docs.test', 'example.com'));
      assert.deepEqual(missing(outside.warnings), []);
      const chain = await addRecord(home, cname('more.test', 'docs.test'));
      assert.deepEqual(missing(chain.warnings), [], 'a chain that leaves the zones');
    });
  });

  it("counts a linked project's records as devdns's own", async () => {
    await withTempHome(async (home) => {
      const dir = tempDir();
      try {
        const project = join(dir.path, 'devdns.json');
        writeFileSync(
          project,
          JSON.stringify({ version: 1, zones: { test: {} }, records: [{ name: 'team.test', type: 'A', ttl: 5, address: '127.0.0.1' }] }),
        );
        await addRecord(home, { name: 'mine.test', value: '127.0.0.1' });
        linkProject(home, project);
        const result = await addRecord(home, cname('alias.test', 'team.test'));
        assert.deepEqual(missing(result.warnings), []);
      } finally {
        dir.cleanup();
      }
    });
  });
});
