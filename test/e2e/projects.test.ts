// End to end: a team's devdns.json linked into devdns, served beside the user's own records,
// followed while the daemon runs, listed with its source, and never written by devdns.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { BIN, runCommand, runDevdns, tempDir } from '../helpers/devdns.js';
import { eventually } from '../helpers/server.js';

describe('team project files (built binary)', () => {
  it('link, serve, follow changes, report conflicts, unlink; the project file is never written', { timeout: 60_000 }, async () => {
    const dir = tempDir();
    const home = join(dir.path, 'home');
    const repo = join(dir.path, 'shop');
    try {
      mkdirSync(join(repo, '.git'), { recursive: true });
      mkdirSync(join(repo, 'src', 'deep'), { recursive: true });
      // The team writes its file the way devdns exports one.
      const team = join(dir.path, 'team-home');
      await runDevdns(['add', 'shop.test', '10.0.0.1'], { home: team });
      await runDevdns(['add', 'myapp.test', '10.0.0.2'], { home: team });
      const exported = await runDevdns(['export', '--format', 'json', '-o', join(repo, 'devdns.json')], { home: team });
      assert.equal(exported.code, 0, exported.stderr);
      const projectFile = join(repo, 'devdns.json');

      await runDevdns(['add', 'myapp.test', '127.0.0.1'], { home });
      // Linking from a subdirectory finds the file at the git root.
      const fromSub = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
        import('node:child_process').then(({ spawn }) => {
          const child = spawn(process.execPath, [BIN, 'link'], {
            cwd: join(repo, 'src', 'deep'),
            env: { ...process.env, DEVDNS_HOME: home, NO_COLOR: '1' },
          });
          let stderr = '';
          child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
            stderr += chunk;
          });
          child.on('close', (code) => resolve({ code, stderr }));
        });
      });
      assert.equal(fromSub.code, 0, fromSub.stderr);
      assert.match(fromSub.stderr, new RegExp(`linked ${projectFile}: 2 records`));
      assert.match(fromSub.stderr, /conflict: myapp\.test is defined by your records and by .*devdns\.json; your records are served/);

      const listed = JSON.parse((await runDevdns(['ls', '--json'], { home })).stdout) as Array<{
        name: string;
        value: string;
        source: string;
      }>;
      assert.deepEqual(
        listed.map((r) => `${r.name} ${r.value} ${r.source === 'user' ? 'user' : 'project'}`),
        ['myapp.test 127.0.0.1 user', 'shop.test 10.0.0.1 project'],
      );
      const links = JSON.parse((await runDevdns(['links', '--json'], { home })).stdout) as Array<{ path: string; records: number }>;
      assert.deepEqual(
        links.map((l) => [l.path, l.records]),
        [[projectFile, 2]],
      );

      const before = readFileSync(projectFile);
      await runDevdns(['add', 'shop.test', '10.9.9.9'], { home });
      await runDevdns(['rm', 'myapp.test'], { home });
      assert.deepEqual(readFileSync(projectFile), before, 'your edits never go into the project file');
      await runDevdns(['rm', 'shop.test', '10.9.9.9'], { home });

      const up = await runDevdns(['up', '--port', '0', '--control-port', '0'], { home });
      assert.equal(up.code, 0, up.stderr);
      const { dns } = JSON.parse(readFileSync(join(home, 'daemon.json'), 'utf8')) as { dns: { port: number } };
      const dig = async (name: string) =>
        (await runCommand('dig', ['@127.0.0.1', '-p', String(dns.port), '+short', name], process.env)).stdout.trim();
      assert.equal(await dig('shop.test'), '10.0.0.1');
      assert.equal(await dig('myapp.test'), '10.0.0.2', "with your record gone, the project's is served");
      // A pull that changes the team's file is answered without a restart.
      writeFileSync(projectFile, readFileSync(projectFile, 'utf8').replace('10.0.0.1', '10.0.0.11'));
      await eventually(async () => ((await dig('shop.test')) === '10.0.0.11' ? true : undefined), 2_000, 'the changed project record');
      const unlink = await runDevdns(['unlink', repo], { home });
      assert.equal(unlink.code, 0, unlink.stderr);
      assert.equal(await dig('shop.test'), '', 'unlinked records are no longer served');
      const again = await runDevdns(['unlink', repo], { home });
      assert.equal(again.code, 1);
      assert.match(again.stderr, /is not linked/);
    } finally {
      await runDevdns(['down'], { home });
      dir.cleanup();
    }
  });
  it("a repository's file that claims public names is refused unless agreed to for that file; later claims are not served", {
    timeout: 60_000,
  }, async () => {
    const dir = tempDir();
    const home = join(dir.path, 'home');
    const repo = join(dir.path, 'evil');
    try {
      mkdirSync(join(repo, '.git'), { recursive: true });
      const projectFile = join(repo, 'devdns.json');
      const record = (name: string, address: string) => ({ name, type: 'A', ttl: 5, address });
      const hostile = {
        version: 1,
        zones: { com: {}, 'github.com': {}, test: {} },
        records: [
          record('www.google.com', '6.6.6.6'),
          record('*.com', '6.6.6.7'),
          record('api.github.com', '6.6.6.8'),
          record('app.test', '10.0.0.3'),
        ],
      };
      writeFileSync(projectFile, JSON.stringify(hostile));
      const refused = await runDevdns(['link', repo], { home });
      assert.equal(refused.code, 1, refused.stderr);
      assert.equal(refused.stderr.trim().split('\n').length, 1, refused.stderr);
      assert.match(
        refused.stderr,
        /claims names outside devdns's reserved zones: com \(a whole public top-level domain.*github\.com \(a public domain/,
      );
      assert.match(refused.stderr, /devdns link --force/);
      assert.equal((await runDevdns(['links', '--json'], { home })).stdout.trim(), '[]');

      // Linked by an older devdns, with no consent recorded: only the reserved part is served.
      mkdirSync(home, { recursive: true, mode: 0o700 });
      writeFileSync(
        join(home, 'links.json'),
        JSON.stringify({ version: 1, links: [{ path: projectFile, linkedAt: '2026-01-01T00:00:00Z' }] }),
        { mode: 0o600 },
      );
      const listed = (await runDevdns(['ls'], { home })).stdout;
      assert.match(listed, /app\.test/);
      assert.doesNotMatch(listed, /6\.6\.6/);
      const hosts = join(dir.path, 'hosts');
      writeFileSync(hosts, '127.0.0.1 localhost\n');
      assert.equal((await runDevdns(['hosts', 'sync', '--hosts-file', hosts, '--yes'], { home })).code, 0);
      assert.doesNotMatch(readFileSync(hosts, 'utf8'), /6\.6\.6|google|github/);
      const doctor = await runDevdns(['doctor'], { home });
      assert.match(doctor.stdout + doctor.stderr, /claims names outside devdns's reserved zones: com .*those records are not served/);

      // Agreed to, for this file: served, and doctor says what is served.
      const forced = await runDevdns(['link', repo, '--force'], { home });
      assert.equal(forced.code, 0, forced.stderr);
      assert.match(forced.stderr, /serving names outside devdns's reserved zones from it: com, github\.com/);
      assert.match((await runDevdns(['ls'], { home })).stdout, /www\.google\.com/);
      const warned = await runDevdns(['doctor'], { home });
      assert.match(warned.stdout + warned.stderr, /com is a whole public TLD: every real site under it is hidden/);

      // A pull that claims one more public domain: not served until linked again.
      writeFileSync(
        projectFile,
        JSON.stringify({
          ...hostile,
          zones: { ...hostile.zones, 'bank.org': {} },
          records: [...hostile.records, record('www.bank.org', '6.6.6.9')],
        }),
      );
      const after = (await runDevdns(['ls'], { home })).stdout;
      assert.match(after, /www\.google\.com/);
      assert.doesNotMatch(after, /bank\.org/);
      assert.match((await runDevdns(['links'], { home })).stdout, /not served: bank\.org/);
    } finally {
      dir.cleanup();
    }
  });
  it('ls says the same with the daemon running as with it stopped: sources, conflicts, projects left out, a broken file', {
    timeout: 60_000,
  }, async () => {
    const dir = tempDir();
    const home = join(dir.path, 'home');
    const record = (name: string, address: string) => ({ name, type: 'A', ttl: 5, address });
    const project = (name: string, records: object[]) => {
      const repo = join(dir.path, name);
      mkdirSync(join(repo, '.git'), { recursive: true });
      writeFileSync(join(repo, 'devdns.json'), JSON.stringify({ version: 1, zones: { test: {} }, records }));
      return repo;
    };
    try {
      await runDevdns(['add', 'myapp.test', '127.0.0.1'], { home });
      const shop = project('shop', [record('myapp.test', '10.0.0.2'), record('shop.test', '10.0.0.1')]);
      const gone = project('gone', [record('gone.test', '10.0.0.3')]);
      for (const repo of [shop, gone]) assert.equal((await runDevdns(['link', repo], { home })).code, 0);
      writeFileSync(join(gone, 'devdns.json'), '{not json');
      const look = async () =>
        Promise.all([
          runDevdns(['ls'], { home }),
          runDevdns(['ls', '--json', 'shop'], { home }),
          runDevdns(['ls', 'none'], { home }),
          // Too long for the daemon's request line (HTTP 431): ls reads the files instead.
          runDevdns(['ls', 'x'.repeat(20_000)], { home }),
        ]);
      const stopped = await look();
      assert.match(stopped[0].stdout, /myapp\.test +A +5 +127\.0\.0\.1 +you/);
      assert.match(
        stopped[0].stderr,
        /conflict: myapp\.test is defined by your records and by .*shop.devdns\.json; your records are served/,
      );
      assert.match(stopped[0].stderr, /linked project left out: .*gone.devdns\.json/);
      assert.match(stopped[2].stderr, /no records match "none"/);

      const up = await runDevdns(['up', '--port', '0', '--control-port', '0'], { home });
      assert.equal(up.code, 0, up.stderr);
      const running = await look();
      for (const [i, result] of running.entries()) {
        assert.equal(result.code, 0, result.stderr);
        assert.equal(result.stdout, stopped[i]?.stdout);
        assert.equal(result.stderr, stopped[i]?.stderr);
      }
      // A records file the daemon refuses: ls reads it, and names the file and the problem.
      writeFileSync(join(home, 'records.json'), '{broken');
      const broken = await runDevdns(['ls'], { home });
      assert.equal(broken.code, 1, broken.stderr);
      assert.match(broken.stderr, /records\.json.*not valid JSON/);
    } finally {
      await runDevdns(['down'], { home });
      dir.cleanup();
    }
  });
});
