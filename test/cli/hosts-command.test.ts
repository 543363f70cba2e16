// `devdns hosts sync|clean` beside setup's hosts-file route, and with a file that is not a hosts
// file: clean leaves the route to teardown, sync writes what the daemon would, and devdns's own
// files or a JSON file are never given a block.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { applyPlan } from '../../src/os/journal.js';
import { planSetup } from '../../src/os/resolvers.js';
import { SystemAccess } from '../../src/os/system.js';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/devdns.js';

async function withTree(run: (env: Record<string, string>, home: string, hosts: string, dir: string) => Promise<void>): Promise<void> {
  const dir = tempDir();
  try {
    const home = join(dir.path, 'home');
    const root = join(dir.path, 'root');
    mkdirSync(join(root, 'etc'), { recursive: true });
    const hosts = join(root, 'etc/hosts');
    writeFileSync(hosts, '127.0.0.1 localhost\n');
    const env = { DEVDNS_HOME: home, NO_COLOR: '1' };
    assert.equal((await runCli(['add', 'myapp.test', '127.0.0.1'], env)).code, 0);
    assert.equal((await runCli(['add', 'nas.internal', '10.0.0.2'], env)).code, 0);
    await run(env, home, hosts, dir.path);
  } finally {
    dir.cleanup();
  }
}

async function routeThrough(home: string, hosts: string): Promise<void> {
  const system = new SystemAccess(join(hosts, '../..'));
  const plan = planSetup({ resolver: 'hosts', tlds: ['test'], host: '127.0.0.1', port: 9090 });
  await applyPlan({ home, system, plan, tlds: ['test'], host: '127.0.0.1', port: 9090, hostsLines: ['127.0.0.9 old.test'] });
}

describe('devdns hosts', () => {
  it('refuses to clean the block that is setup’s route, and syncs it as the route', async () => {
    await withTree(async (env, home, hosts) => {
      await routeThrough(home, hosts);
      const before = readFileSync(hosts, 'utf8');
      assert.match(before, /^# kept in step by devdns, the route devdns setup chose; devdns teardown removes this block$/m);
      const clean = await runCli(['hosts', 'clean', '--hosts-file', hosts], env);
      assert.equal(clean.code, 1);
      assert.match(clean.stderr, /is the route devdns setup chose for \.test: removing the block would stop those names resolving/);
      assert.match(clean.stderr, /devdns teardown/);
      assert.equal(readFileSync(hosts, 'utf8'), before);

      const sync = await runCli(['hosts', 'sync', '--hosts-file', hosts], env);
      assert.equal(sync.code, 0, sync.stderr);
      const after = readFileSync(hosts, 'utf8');
      assert.match(after, /^# kept in step by devdns/m, 'the route keeps its note');
      assert.match(after, /^127\.0\.0\.1 myapp\.test$/m);
      assert.doesNotMatch(after, /old\.test/);
      assert.doesNotMatch(after, /nas\.internal/, 'only the TLDs setup routed');
      assert.match(sync.stderr, /skipped nas\.internal A: not under \.test, the domains setup routes/);
    });
  });

  it('without a route, syncs every name and cleans the block', async () => {
    await withTree(async (env, _home, hosts) => {
      assert.equal((await runCli(['hosts', 'sync', '--hosts-file', hosts], env)).code, 0);
      assert.match(readFileSync(hosts, 'utf8'), /^# written by devdns hosts sync; devdns hosts clean removes this block$/m);
      assert.match(readFileSync(hosts, 'utf8'), /^10\.0\.0\.2 nas\.internal$/m);
      assert.equal((await runCli(['hosts', 'clean', '--hosts-file', hosts], env)).code, 0);
      assert.equal(readFileSync(hosts, 'utf8'), '127.0.0.1 localhost\n');
    });
  });

  it('never writes a block into devdns’s own files or a JSON file', async () => {
    await withTree(async (env, home, _hosts, dir) => {
      await routeThrough(home, _hosts);
      const elsewhere = join(dir, 'data.json');
      writeFileSync(elsewhere, '  {"a": 1}\n');
      const link = join(dir, 'hosts-link');
      symlinkSync(join(home, 'records.json'), link);
      for (const [file, message] of [
        [join(home, 'setup-journal.json'), /is one of devdns's own files, not a hosts file; it is unchanged/],
        [join(home, 'records.json'), /is one of devdns's own files, not a hosts file; it is unchanged/],
        [link, /hosts-link is one of devdns's own files, not a hosts file; it is unchanged/],
        [elsewhere, /is not a hosts file \(it is JSON\); it is unchanged/],
      ] as const) {
        const before = readFileSync(file);
        const sync = await runCli(['hosts', 'sync', '--hosts-file', file], env);
        assert.equal(sync.code, 1, file);
        assert.match(sync.stderr, message);
        assert.deepEqual(readFileSync(file), before);
      }
    });
  });

  it('add says a damaged route block cannot be kept in step (not that it is behind), naming the file', async () => {
    await withTree(async (env, home, hosts) => {
      await routeThrough(home, hosts);
      writeFileSync(hosts, `${readFileSync(hosts, 'utf8')}# devdns end\n`);
      const add = await runCli(['add', 'other.test', '127.0.0.3'], env);
      assert.equal(add.code, 0, add.stderr);
      assert.ok(
        add.stderr.includes(
          `${hosts}, the route devdns setup chose, cannot be kept in step: the devdns block in ${hosts} is damaged (an end line without a begin line)`,
        ),
        add.stderr,
      );
      assert.doesNotMatch(add.stderr, /behind/);
    });
  });
});
