import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { applyPlan, journalPath, readJournal, recordedUpstreams, undoJournal } from '../../src/os/journal.js';
import { planSetup } from '../../src/os/resolvers.js';
import { SystemAccess } from '../../src/os/system.js';
import { tempDir } from '../helpers/devdns.js';
import { snapshot } from '../helpers/tree.js';

describe('setup journal', () => {
  it('undoes exactly what it did: new files, replaced files (content and mode), new directories', async () => {
    const home = tempDir();
    const root = tempDir();
    try {
      mkdirSync(join(root.path, 'etc/resolver'), { recursive: true });
      writeFileSync(join(root.path, 'etc/resolver/internal'), 'nameserver 10.0.0.1\n');
      chmodSync(join(root.path, 'etc/resolver/internal'), 0o600);
      writeFileSync(join(root.path, 'etc/resolver/other'), 'keep me\n');
      const before = snapshot(root.path);
      const system = new SystemAccess(root.path);
      const plan = planSetup({ resolver: 'macos', tlds: ['test', 'internal'], host: '127.0.0.1', port: 9090 });
      const reports = await applyPlan({ home: home.path, system, plan, tlds: ['test', 'internal'], host: '127.0.0.1', port: 9090 });
      assert.ok(
        reports.every((r) => r.ok && /skipped/.test(r.detail)),
        'no commands run against the real system under --root',
      );
      assert.match(readFileSync(join(root.path, 'etc/resolver/internal'), 'utf8'), /port 9090/);
      const journal = readJournal(home.path);
      assert.ok(journal);
      assert.equal(statSync(journalPath(home.path)).mode & 0o777, 0o600);
      await undoJournal(home.path, system, journal);
      assert.deepEqual(snapshot(root.path), before);
      assert.equal(readJournal(home.path), undefined, 'the journal goes with the changes');
    } finally {
      home.cleanup();
      root.cleanup();
    }
  });

  it('removes the directories it created', async () => {
    const home = tempDir();
    const root = tempDir();
    try {
      const system = new SystemAccess(root.path);
      const plan = planSetup({ resolver: 'systemd-resolved', tlds: ['test'], host: '127.0.0.1', port: 9090 });
      await applyPlan({ home: home.path, system, plan, tlds: ['test'], host: '127.0.0.1', port: 9090 });
      assert.ok(existsSync(join(root.path, 'etc/systemd/resolved.conf.d/devdns.conf')));
      await undoJournal(home.path, system, readJournal(home.path) ?? assert.fail('no journal'));
      assert.deepEqual(readdirSync(root.path), [], 'etc/systemd/resolved.conf.d and its parents are gone again');
    } finally {
      home.cleanup();
      root.cleanup();
    }
  });

  for (const [resolver, dir, existing] of [
    ['systemd-resolved', 'etc/systemd/resolved.conf.d', 'vpn.conf'],
    ['dnsmasq', 'etc/dnsmasq.d', 'local.conf'],
  ] as const) {
    it(`setup --all with ${resolver}: the journal says so, and teardown restores the tree byte for byte`, async () => {
      const home = tempDir();
      const root = tempDir();
      try {
        mkdirSync(join(root.path, dir), { recursive: true });
        writeFileSync(join(root.path, dir, existing), 'the user keeps this\n');
        // A devdns.conf of the user's own, replaced and then put back.
        writeFileSync(join(root.path, dir, 'devdns.conf'), '# mine\n');
        chmodSync(join(root.path, dir, 'devdns.conf'), 0o600);
        const before = snapshot(root.path);
        const system = new SystemAccess(root.path);
        const tlds = ['test', 'api.example.com'];
        const dnsmasqDir = resolver === 'dnsmasq' ? `/${dir}` : undefined;
        const plan = planSetup({ resolver, tlds, host: '127.0.0.1', port: 5353, dnsmasqDir, all: true });
        await applyPlan({ home: home.path, system, plan, tlds, host: '127.0.0.1', port: 5353, dnsmasqDir });
        const written = readFileSync(join(root.path, dir, 'devdns.conf'), 'utf8');
        assert.match(
          written,
          resolver === 'dnsmasq' ? /^server=127\.0\.0\.1#5353\nstrict-order$/m : /^Domains=~\. ~test ~api\.example\.com$/m,
        );
        const journal = readJournal(home.path) ?? assert.fail('no journal');
        assert.equal(journal.all, true);
        await undoJournal(home.path, system, journal);
        assert.deepEqual(snapshot(root.path), before);
      } finally {
        home.cleanup();
        root.cleanup();
      }
    });
  }

  it('a setup without --all journals no `all` field', async () => {
    const home = tempDir();
    const root = tempDir();
    try {
      const system = new SystemAccess(root.path);
      const plan = planSetup({ resolver: 'systemd-resolved', tlds: ['test'], host: '127.0.0.1', port: 9090 });
      await applyPlan({ home: home.path, system, plan, tlds: ['test'], host: '127.0.0.1', port: 9090 });
      assert.equal('all' in (readJournal(home.path) ?? assert.fail('no journal')), false);
    } finally {
      home.cleanup();
      root.cleanup();
    }
  });

  it('keeps the servers upstream auto found before setup, for a setup of / only', async () => {
    const home = tempDir();
    const root = tempDir();
    try {
      const system = new SystemAccess(root.path);
      const plan = planSetup({ resolver: 'systemd-resolved', tlds: ['test'], host: '127.0.0.1', port: 9090, all: true });
      const upstreams = ['192.0.2.53', '2001:db8::53'];
      await applyPlan({ home: home.path, system, plan, tlds: ['test'], host: '127.0.0.1', port: 9090, upstreams });
      const journal = readJournal(home.path) ?? assert.fail('no journal');
      assert.deepEqual(journal.upstreams, upstreams);
      assert.deepEqual(recordedUpstreams(journal), [], "a tree's setup does not speak for this system's servers");
      assert.deepEqual(recordedUpstreams({ ...journal, root: '/' }), upstreams);
      await undoJournal(home.path, system, journal);
      await applyPlan({ home: home.path, system, plan, tlds: ['test'], host: '127.0.0.1', port: 9090, upstreams: [] });
      assert.equal('upstreams' in (readJournal(home.path) ?? assert.fail('no journal')), false, 'none found: no field');
      // resolved lists every link's servers: setup keeps the first 16, and so never writes a journal it would refuse.
      await undoJournal(home.path, system, readJournal(home.path) ?? assert.fail('no journal'));
      const many = Array.from({ length: 20 }, (_, at) => `192.0.2.${at + 1}`);
      await applyPlan({ home: home.path, system, plan, tlds: ['test'], host: '127.0.0.1', port: 9090, upstreams: many });
      assert.deepEqual(readJournal(home.path)?.upstreams, many.slice(0, 16));
    } finally {
      home.cleanup();
      root.cleanup();
    }
  });

  it('keeps the negative trust anchors it wrote beside the routes, so that teardown checks the file against them', async () => {
    const home = tempDir();
    const root = tempDir();
    try {
      const system = new SystemAccess(root.path);
      const anchors = ['test', 'lan', 'home.arpa'];
      const plan = planSetup({ resolver: 'systemd-resolved', tlds: ['test', 'api.example.com'], host: '127.0.0.1', port: 9090, anchors });
      await applyPlan({ home: home.path, system, plan, tlds: ['test', 'api.example.com'], host: '127.0.0.1', port: 9090 });
      assert.equal(
        readFileSync(join(root.path, 'etc/dnssec-trust-anchors.d/devdns.negative'), 'utf8'),
        '; Written by devdns setup; devdns teardown removes it.\ntest\napi.example.com\nlan\nhome.arpa\n',
      );
      const journal = readJournal(home.path) ?? assert.fail('no journal');
      assert.deepEqual(journal.anchors, anchors);
      await undoJournal(home.path, system, journal);
      assert.deepEqual(snapshot(root.path), {}, 'teardown removes the file, and the directories it made');
    } finally {
      home.cleanup();
      root.cleanup();
    }
  });

  it('refuses a journal it cannot read, naming it', () => {
    const home = tempDir();
    try {
      writeFileSync(journalPath(home.path), '{');
      assert.throws(() => readJournal(home.path), /setup-journal\.json: cannot be read/);
    } finally {
      home.cleanup();
    }
  });
});
