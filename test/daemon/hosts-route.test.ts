// The daemon's side of the hosts-file route: it writes the block only while setup chose the hosts
// file, says what it wrote, and turns a failure into one line with the fix instead of stopping.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { describeHostsSync, syncHostsRoute } from '../../src/daemon/hosts-route.js';
import { applyPlan, journalToUndo, undoJournal } from '../../src/os/journal.js';
import { planSetup } from '../../src/os/resolvers.js';
import { SystemAccess } from '../../src/os/system.js';
import type { RecordFile } from '../../src/records/types.js';
import { tempDir } from '../helpers/devdns.js';

const served = (...names: string[]): RecordFile => ({
  version: 1,
  serial: 1,
  zones: { test: {} },
  records: names.map((name) => ({ name, type: 'A', ttl: 5, address: '127.0.0.1' })),
});

/** The daemon runs and keeps the block. */
const KEPT = { daemonKeeps: true };

async function withRoute(resolver: 'hosts' | 'macos', run: (home: string, hosts: string) => Promise<void> | void): Promise<void> {
  const home = tempDir();
  const root = tempDir();
  try {
    mkdirSync(join(root.path, 'etc'));
    const hosts = join(root.path, 'etc/hosts');
    writeFileSync(hosts, '127.0.0.1 localhost\n');
    const system = new SystemAccess(root.path);
    const plan = planSetup({ resolver, tlds: ['test'], host: '127.0.0.1', port: 5300 });
    await applyPlan({ home: home.path, system, plan, tlds: ['test'], host: '127.0.0.1', port: 5300 });
    await run(home.path, hosts);
  } finally {
    home.cleanup();
    root.cleanup();
  }
}

describe('the daemon keeps the hosts-file route in step', () => {
  it('does nothing without a setup, or when setup chose a resolver', async () => {
    const home = tempDir();
    try {
      assert.deepEqual(
        syncHostsRoute(home.path, () => served('a.test'), KEPT),
        { kind: 'none' },
      );
    } finally {
      home.cleanup();
    }
    await withRoute('macos', (home, hosts) => {
      assert.deepEqual(
        syncHostsRoute(home, () => served('a.test'), KEPT),
        { kind: 'none' },
      );
      assert.equal(readFileSync(hosts, 'utf8'), '127.0.0.1 localhost\n');
    });
  });

  it('writes the block, then leaves an up-to-date file alone', async () => {
    await withRoute('hosts', (home, hosts) => {
      const first = syncHostsRoute(home, () => served('a.test', 'b.test'), KEPT);
      assert.deepEqual(first, { kind: 'written', path: hosts, names: 2 });
      assert.match(describeHostsSync(first) ?? '', /^hosts-file route: wrote 2 names into /);
      assert.match(readFileSync(hosts, 'utf8'), /^127\.0\.0\.1 a\.test\n127\.0\.0\.1 b\.test\n# devdns end\n$/m);
      const second = syncHostsRoute(home, () => served('a.test', 'b.test'), KEPT);
      assert.deepEqual(second, { kind: 'unchanged', path: hosts });
      assert.equal(describeHostsSync(second), undefined);
      // No names left: no block at all, the file as it was.
      syncHostsRoute(home, () => served(), KEPT);
      assert.equal(readFileSync(hosts, 'utf8'), '127.0.0.1 localhost\n');
    });
  });

  it('a journal it cannot use is reported as such, never with a sync of the journal file', async () => {
    await withRoute('hosts', (home) => {
      writeFileSync(join(home, 'setup-journal.json'), '{"version": 1, "resolver": "hosts"}');
      const sync = syncHostsRoute(home, () => served('a.test'), KEPT);
      assert.equal(sync.kind, 'journal-refused');
      const line = describeHostsSync(sync) ?? '';
      assert.match(line, /^hosts-file route: not kept in step, the setup journal is refused: /);
      assert.doesNotMatch(line, /hosts sync/);
    });
  });

  it('writes only names under the TLDs setup routed', async () => {
    await withRoute('hosts', (home, hosts) => {
      syncHostsRoute(
        home,
        () => ({
          ...served('a.test', 'db.internal', 'router.home.arpa'),
          zones: { test: {}, internal: {}, 'home.arpa': {} },
        }),
        KEPT,
      );
      const text = readFileSync(hosts, 'utf8');
      assert.match(text, /^127\.0\.0\.1 a\.test$/m);
      assert.doesNotMatch(text, /internal|home\.arpa/);
    });
  });

  it('keeps a record with an end in the block only while the daemon runs to take it out', async () => {
    await withRoute('hosts', (home, hosts) => {
      const file = served('a.test', 'demo.test');
      const ending: RecordFile = {
        ...file,
        records: file.records.map((r) => (r.name === 'demo.test' ? { ...r, expires: '2099-01-01T00:00:00.000Z' } : r)),
      };
      syncHostsRoute(home, () => ending, KEPT);
      assert.match(readFileSync(hosts, 'utf8'), /^127\.0\.0\.1 demo\.test$/m);
      // The daemon stops: nothing would take demo.test out at its end, so it goes now; a.test stays.
      assert.deepEqual(
        syncHostsRoute(home, () => ending, { daemonKeeps: false }),
        { kind: 'written', path: hosts, names: 1 },
      );
      const text = readFileSync(hosts, 'utf8');
      assert.match(text, /^127\.0\.0\.1 a\.test$/m);
      assert.doesNotMatch(text, /demo\.test/);
    });
  });

  it('reports a hosts file it cannot write, with the fix, and goes on', async () => {
    await withRoute('hosts', (home, hosts) => {
      rmSync(hosts);
      mkdirSync(hosts); // something other than a file where the hosts file was
      const sync = syncHostsRoute(home, () => served('a.test'), KEPT);
      assert.equal(sync.kind, 'failed');
      assert.match(
        describeHostsSync(sync) ?? '',
        /^hosts-file route: .*etc\/hosts was not brought up to date \(.*is not a regular file.*\); run: devdns hosts sync --hosts-file \/.*etc\/hosts$/,
      );
    });
  });

  it('leaves the block alone once teardown has begun, and teardown marks the journal before it touches the block', async () => {
    await withRoute('hosts', async (home, hosts) => {
      syncHostsRoute(home, () => served('a.test'), KEPT);
      // A block teardown cannot remove (damaged by hand): teardown stops, the journal stays, marked.
      writeFileSync(hosts, `${readFileSync(hosts, 'utf8')}# devdns begin\n`);
      const journal = journalToUndo(home, { privileged: false });
      assert.ok(journal);
      await assert.rejects(undoJournal(home, new SystemAccess(journal.root), journal), /damaged \(a second begin line\)/);
      const marked = journalToUndo(home, { privileged: false });
      assert.equal(marked?.undoing, true);
      // The daemon no longer writes the block of a route being undone.
      const damaged = readFileSync(hosts, 'utf8');
      assert.deepEqual(
        syncHostsRoute(home, () => served('a.test', 'b.test'), KEPT),
        { kind: 'none' },
      );
      assert.equal(readFileSync(hosts, 'utf8'), damaged);
      // Fixed by hand, teardown finishes from the marked journal.
      writeFileSync(hosts, damaged.replace(/# devdns begin\n$/, ''));
      assert.ok(marked);
      await undoJournal(home, new SystemAccess(marked.root), marked);
      assert.equal(readFileSync(hosts, 'utf8'), '127.0.0.1 localhost\n');
      assert.equal(journalToUndo(home, { privileged: false }), undefined);
    });
  });
});
