// End to end: the hosts file as the route `devdns setup` chooses where the resolver cannot route a
// domain (a plain /etc/resolv.conf), on a temporary tree (--root): journalled, kept in step by the
// daemon on every change, reported by doctor as a tree's route and not this system's, and undone
// by teardown byte for byte. The real /etc/hosts is never touched.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileBytes, runDevdns, tempDir } from '../helpers/devdns.js';
import { addToHome, eventually, startDevdns } from '../helpers/server.js';
import { snapshot } from '../helpers/tree.js';

describe('setup on a machine with a plain resolv.conf routes through the hosts file (built binary, --root)', () => {
  it('journals it, keeps it in step from the daemon, and teardown undoes it', { timeout: 60_000 }, async () => {
    const home = tempDir();
    const root = tempDir();
    const realHosts = fileBytes('/etc/hosts');
    try {
      mkdirSync(join(root.path, 'etc'));
      writeFileSync(join(root.path, 'etc/resolv.conf'), 'nameserver 192.0.2.53\n');
      const hostsPath = join(root.path, 'etc/hosts');
      writeFileSync(hostsPath, "127.0.0.1 localhost\n# the user's own line\n10.1.1.1 printer.lan");
      const before = snapshot(root.path);
      await addToHome(home.path, { name: 'myapp.test' }, { name: '*.shop.test', value: '127.0.0.2' });

      const dry = await runDevdns(['setup', '--dry-run', '--root', root.path, '--platform', 'linux'], { home: home.path });
      assert.equal(dry.code, 0, dry.stderr);
      assert.match(dry.stderr, /^resolver: resolv\.conf /m);
      assert.match(dry.stderr, /^route: the hosts file \(/m);
      assert.ok(dry.stderr.includes(`- write your .test names into ${hostsPath},`), "the plan names the tree's file, not /etc/hosts");
      assert.deepEqual(snapshot(root.path), before, 'a dry run changes nothing');

      const setup = await runDevdns(['setup', '--yes', '--root', root.path, '--platform', 'linux'], { home: home.path });
      assert.equal(setup.code, 0, setup.stderr);
      assert.match(setup.stderr, /not in the hosts file: \*\.shop\.test A \(a hosts file has no wildcards\)/);
      assert.match(setup.stderr, /this system's own resolver is unchanged/);
      assert.match(setup.stderr, /the daemon keeps its block in step with your records once started \(devdns up\)/);
      const written = readFileSync(hostsPath, 'utf8');
      assert.ok(written.startsWith("127.0.0.1 localhost\n# the user's own line\n10.1.1.1 printer.lan\n"), written);
      assert.match(written, /^127\.0\.0\.1 myapp\.test\n::1 myapp\.test\n# devdns end\n$/m);
      assert.deepEqual(fileBytes('/etc/hosts'), realHosts, 'the real /etc/hosts is not touched');
      const journal = JSON.parse(readFileSync(join(home.path, 'setup-journal.json'), 'utf8'));
      assert.deepEqual([journal.resolver, journal.root], ['hosts', root.path]);

      // Doctor: a tree's route is not this system's.
      const doctor = await runDevdns(['doctor', '--json'], { home: home.path });
      const route = JSON.parse(doctor.stdout).checks.find((check: { id: string }) => check.id === 'route-test');
      assert.equal(route.status, 'fail');
      assert.match(route.message, /not routed on this system: devdns setup was run for the tree/);

      // The daemon down: a change says the file is behind until it starts.
      const down = await runDevdns(['add', 'api.myapp.test', '127.0.0.3'], { home: home.path });
      assert.equal(down.code, 0, down.stderr);
      assert.match(down.stderr, /the route devdns setup chose, is behind until devdns up/);
      assert.doesNotMatch(readFileSync(hostsPath, 'utf8'), /api\.myapp\.test/);

      const daemon = await startDevdns(home.path);
      try {
        await eventually(
          () => (readFileSync(hostsPath, 'utf8').includes('127.0.0.3 api.myapp.test') ? true : undefined),
          10_000,
          'the start-up sync',
        );
        // Each change is in the file when the command returns, and nothing is said about it.
        const add = await runDevdns(['add', 'web.test', '127.0.0.4'], { home: home.path });
        assert.equal(add.code, 0, add.stderr);
        assert.doesNotMatch(add.stderr, /behind/);
        assert.match(readFileSync(hostsPath, 'utf8'), /^127\.0\.0\.4 web\.test$/m);
        const rm = await runDevdns(['rm', 'myapp.test'], { home: home.path });
        assert.equal(rm.code, 0, rm.stderr);
        assert.doesNotMatch(readFileSync(hostsPath, 'utf8'), / myapp\.test$/m);
        // A hand edit of the records file, seen by the watcher, reaches the hosts file too.
        await addToHome(home.path, { name: 'hand.test', value: '127.0.0.9' });
        await eventually(
          () => (readFileSync(hostsPath, 'utf8').includes('127.0.0.9 hand.test') ? true : undefined),
          10_000,
          'the watcher sync',
        );
        // A record with an end is in the block while the daemon runs to take it out at its end...
        const ending = await runDevdns(['add', 'demo.test', '127.0.0.6', '--for', '1h'], { home: home.path });
        assert.equal(ending.code, 0, ending.stderr);
        assert.match(readFileSync(hostsPath, 'utf8'), /^127\.0\.0\.6 demo\.test$/m);
      } finally {
        await daemon.stop();
      }
      // ...and leaves it when the daemon stops, since nothing would take it out at its end then.
      const stopped = readFileSync(hostsPath, 'utf8');
      assert.doesNotMatch(stopped, /demo\.test/);
      assert.match(stopped, /^127\.0\.0\.4 web\.test$/m, 'the records without an end stay');
      const sync = await runDevdns(['hosts', 'sync', '--hosts-file', hostsPath], { home: home.path });
      assert.match(sync.stderr, /skipped demo\.test A: it ends \(--for\)/, sync.stderr);
      assert.doesNotMatch(readFileSync(hostsPath, 'utf8'), /demo\.test/);

      const teardown = await runDevdns(['teardown', '--yes'], { home: home.path });
      assert.equal(teardown.code, 0, teardown.stderr);
      assert.match(teardown.stderr, /removed the devdns block from /);
      assert.deepEqual(snapshot(root.path), before, 'teardown leaves the tree byte for byte as before');
      assert.equal(fileBytes(join(home.path, 'setup-journal.json')), undefined);
      const again = await runDevdns(['add', 'late.test', '127.0.0.5'], { home: home.path });
      assert.doesNotMatch(again.stderr, /behind/, 'after teardown the hosts file is not the route');
      assert.deepEqual(snapshot(root.path), before);
    } finally {
      home.cleanup();
      root.cleanup();
    }
  });

  it('refuses a tree without a hosts file (or with a directory there), dry run too, and journals nothing', async () => {
    const home = tempDir();
    const root = tempDir();
    try {
      mkdirSync(join(root.path, 'etc'));
      writeFileSync(join(root.path, 'etc/resolv.conf'), 'nameserver 192.0.2.53\n');
      for (const dryRun of [['--dry-run'], []]) {
        const setup = await runDevdns(['setup', '--yes', ...dryRun, '--root', root.path, '--platform', 'linux'], { home: home.path });
        assert.equal(setup.code, 1, dryRun.join(''));
        assert.match(setup.stderr, /etc\/hosts does not exist; nothing was changed/);
        assert.doesNotMatch(setup.stderr, /would set/, 'a dry run stops where the real one would');
      }
      assert.equal(fileBytes(join(home.path, 'setup-journal.json')), undefined);
      // A directory where the hosts file belongs: no link to remove, and nothing journalled.
      mkdirSync(join(root.path, 'etc/hosts'));
      const directory = await runDevdns(['setup', '--yes', '--root', root.path, '--platform', 'linux'], { home: home.path });
      assert.equal(directory.code, 1);
      assert.match(directory.stderr, /etc\/hosts: is not a regular file; nothing was changed/);
      assert.match(directory.stderr, /put a regular file in its place/);
      assert.doesNotMatch(directory.stderr, /remove the link/);
      assert.equal(fileBytes(join(home.path, 'setup-journal.json')), undefined);
    } finally {
      home.cleanup();
      root.cleanup();
    }
  });
});
