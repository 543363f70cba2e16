// What a new user types first, and what devdns says back: the words other tools use, help for a
// command that does not exist, config alone, and the messages for the usual first mistakes.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/devdns.js';

describe('first words', () => {
  let dir: ReturnType<typeof tempDir>;
  let env: Record<string, string>;
  beforeEach(() => {
    dir = tempDir();
    env = { DEVDNS_HOME: dir.path };
  });
  afterEach(() => dir.cleanup());

  const aliases: Array<[string, string]> = [
    ['start', 'up'],
    ['stop', 'down'],
    ['list', 'ls'],
    ['remove', 'rm'],
    ['delete', 'rm'],
  ];
  for (const [alias, command] of aliases) {
    it(`${alias} is ${command}`, async () => {
      const help = await runCli(['help', alias], env);
      assert.equal(help.code, 0);
      assert.match(help.stdout, new RegExp(`^Usage: devdns ${command}\\|`));
    });
  }

  it('list and remove do what ls and rm do', async () => {
    assert.equal((await runCli(['add', 'myapp.test'], env)).code, 0);
    assert.deepEqual(await runCli(['list', '--json'], env), await runCli(['ls', '--json'], env));
    const removed = await runCli(['remove', 'myapp.test', '::1'], env);
    assert.equal(removed.code, 0, removed.stderr);
    assert.match(removed.stderr, /removed myapp\.test AAAA ::1/);
    const left = JSON.parse((await runCli(['list', '--json'], env)).stdout) as Array<{ type: string }>;
    assert.deepEqual(
      left.map((record) => record.type),
      ['A'],
    );
  });

  it('version prints the version, as --version does', async () => {
    const flag = await runCli(['--version'], env);
    assert.deepEqual(await runCli(['version'], env), flag);
  });

  it('help for a command that does not exist says so, with a suggestion when one is near', async () => {
    const cases: Array<[string, RegExp]> = [
      ['nope', /^devdns: unknown command 'nope' \(see devdns help\)\n$/],
      ['ad', /^devdns: unknown command 'ad' \(did you mean add\?\)\n$/],
      ['confg', /^devdns: unknown command 'confg' \(did you mean config\?\)\n$/],
    ];
    for (const [word, message] of cases) {
      const result = await runCli(['help', word], env);
      assert.deepEqual([result.code, result.stdout], [2, ''], word);
      assert.match(result.stderr, message);
    }
  });

  it('config alone lists the settings', async () => {
    const alone = await runCli(['config'], env);
    assert.equal(alone.code, 0);
    assert.deepEqual(alone, await runCli(['config', 'list'], env));
    assert.match(alone.stdout, /^KEY +VALUE +SOURCE/);
  });

  it('a command that needs the daemon says so once, without a doubled prefix', async () => {
    const token = await runCli(['token'], env);
    assert.deepEqual(token, { code: 3, stdout: '', stderr: 'devdns: the daemon is not running (start it: devdns up)\n' });
  });

  it('a single label is not called a public domain: it is a single label, and NAME.test is suggested', async () => {
    const result = await runCli(['add', 'myapp', '127.0.0.1'], env);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /"myapp" is a single label/);
    assert.match(result.stderr, /such as myapp\.test/);
    assert.doesNotMatch(result.stderr, /public top-level domain/);
  });

  it('an address with a port is told that DNS has no ports, and shown the URL form', async () => {
    const cases: Array<[string, string, string]> = [
      ['127.0.0.1:3000', '127.0.0.1', '3000'],
      ['[::1]:8080', '::1', '8080'],
    ];
    for (const [value, address, port] of cases) {
      const result = await runCli(['add', 'x.test', value], env);
      assert.equal(result.code, 1, value);
      assert.equal(
        result.stderr,
        `devdns: value: "${value}" has a port: DNS gives a name an address, never a port (devdns add x.test ${address}, then open http://x.test:${port}/)\n`,
      );
      assert.doesNotMatch(result.stderr, /IPv6/);
    }
  });

  it('the same port for DNS and the control API is refused before anything starts', async () => {
    const result = await runCli(['up', '--port', '5399', '--control-port', '5399'], env);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /^devdns: --control-port: DNS and the control API would both use TCP port 5399: they must differ/);
    assert.equal((await runCli(['status', '--json'], env)).code, 3, 'nothing was started');
  });

  it('a mistake in the record is the error shown, before a broken setting', async () => {
    writeFileSync(join(dir.path, 'settings.json'), '{"ttl":"abc"}');
    const result = await runCli(['add', 'bad!.test'], env);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /^devdns: name: "bad!\.test" has the character "!"/);
  });

  it('rm of a name from a linked project file says which file, and how to change it', async () => {
    const team = tempDir();
    try {
      const teamEnv = { DEVDNS_HOME: join(team.path, 'home') };
      assert.equal((await runCli(['add', 'api.shop.test', '10.0.0.9'], teamEnv)).code, 0);
      const projectFile = join(team.path, 'devdns.json');
      assert.equal((await runCli(['export', '--format', 'json', '-o', projectFile], teamEnv)).code, 0);
      assert.equal((await runCli(['link', team.path], env)).code, 0);
      const result = await runCli(['rm', 'api.shop.test'], env);
      assert.equal(result.code, 1);
      assert.equal(
        result.stderr,
        `devdns: api.shop.test is not one of your records: it comes from the linked project file ${projectFile} (change it in that file, which your team shares, or stop serving it: devdns unlink ${team.path})\n`,
      );
      const missing = await runCli(['rm', 'nothing.test'], env);
      assert.match(missing.stderr, /^devdns: no record matches nothing\.test/);
    } finally {
      team.cleanup();
    }
  });

  it('setup shows the real reload command, not an internal step', async () => {
    const root = join(dir.path, 'root');
    mkdirSync(join(root, 'etc', 'dnsmasq.d'), { recursive: true });
    const result = await runCli(
      ['setup', '--dry-run', '--root', root, '--platform', 'linux', '--resolver', 'dnsmasq', '--tld', 'test'],
      env,
    );
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /would run: systemctl restart dnsmasq \(or restart the dnsmasq that reads \/etc\/dnsmasq\.d\)/);
    assert.doesNotMatch(result.stderr, /devdns:restart/);
  });

  it('override: says what it takes over and what the browser still does; setup routes exactly its name, never its TLD', async () => {
    // Taking a real name over is asked first on a terminal, and needs --force elsewhere.
    const unasked = await runCli(['override', 'api.example.com', '127.0.0.1'], env);
    assert.equal(unasked.code, 1);
    assert.equal(
      unasked.stderr,
      'devdns: name: overriding api.example.com takes the real name over for every program on this machine (run it in a terminal to be asked, or add --force)\n',
    );
    assert.doesNotMatch((await runCli(['ls'], env)).stdout, /api\.example\.com/, 'nothing changed');
    const taken = await runCli(['override', 'api.example.com', '127.0.0.1', '--force'], env);
    assert.equal(taken.code, 0, taken.stderr);
    assert.match(taken.stderr, /now overriding api\.example\.com: its addresses come from devdns/);
    assert.match(taken.stderr, /HSTS-preloaded/);
    assert.match(taken.stderr, /cookies/);
    assert.match(taken.stderr, /DNSSEC/);
    const own = await runCli(['override', 'x.test', '127.0.0.1', '--force'], env);
    assert.equal(own.code, 1);
    assert.match(
      own.stderr,
      /^devdns: name: x\.test is in your zone test, which devdns answers in full \(add it as a record: devdns add x\.test \.\.\.\)\n$/,
    );
    const root = join(dir.path, 'root-override');
    mkdirSync(join(root, 'etc', 'dnsmasq.d'), { recursive: true });
    const setup = await runCli(['setup', '--dry-run', '--root', root, '--platform', 'linux', '--resolver', 'dnsmasq'], env);
    assert.equal(setup.code, 0, setup.stderr);
    assert.match(setup.stderr, /forwarding only \.test, api\.example\.com to 127\.0\.0\.1#9090/);
    assert.match(setup.stdout, /^server=\/api\.example\.com\/127\.0\.0\.1#9090$/m);
    assert.doesNotMatch(`${setup.stdout}${setup.stderr}`, /server=\/com\/|(^|[\s,])\.com\b/m);
    // An import that names the zone without `override` keeps it one (a CNAME at its apex stays valid).
    assert.equal((await runCli(['override', 'cdn.example.com', 'edge.example.net', '-t', 'CNAME', '--force'], env)).code, 0);
    const zoneFile = join(dir.path, 'zones.json');
    writeFileSync(zoneFile, JSON.stringify({ version: 1, serial: 1, zones: { 'cdn.example.com': { negativeTtl: 30 } }, records: [] }));
    const imported = await runCli(['import', zoneFile, '--force'], env);
    assert.equal(imported.code, 0, imported.stderr);
    const kept = JSON.parse(readFileSync(join(env.DEVDNS_HOME as string, 'records.json'), 'utf8'));
    assert.deepEqual(kept.zones['cdn.example.com'], { override: true, negativeTtl: 30 });
    assert.equal((await runCli(['ls'], env)).code, 0);
    const gone = await runCli(['rm', 'api.example.com'], env);
    assert.equal(gone.code, 0, gone.stderr);
    assert.match(gone.stderr, /no longer serving zone api\.example\.com/);
  });

  it('hosts sync with nothing to write writes no empty block, and takes an old block away', async () => {
    const hostsFile = join(dir.path, 'hosts');
    writeFileSync(hostsFile, '127.0.0.1 localhost\n');
    const empty = await runCli(['hosts', 'sync', '--hosts-file', hostsFile], env);
    assert.equal(empty.code, 0, empty.stderr);
    assert.match(empty.stderr, /no names to write/);
    assert.equal(readFileSync(hostsFile, 'utf8'), '127.0.0.1 localhost\n');
    await runCli(['add', 'a.test', '10.0.0.1'], env);
    await runCli(['hosts', 'sync', '--hosts-file', hostsFile], env);
    assert.match(readFileSync(hostsFile, 'utf8'), /10\.0\.0\.1\s+a\.test/);
    await runCli(['rm', 'a.test'], env);
    const gone = await runCli(['hosts', 'sync', '--hosts-file', hostsFile], env);
    assert.match(gone.stderr, /removed the devdns block/);
    assert.equal(readFileSync(hostsFile, 'utf8'), '127.0.0.1 localhost\n');
  });

  it('import of many names prints a summary; --verbose lists each', async () => {
    const file = join(dir.path, 'hosts.txt');
    writeFileSync(file, Array.from({ length: 100 }, (_, i) => `10.9.0.${i + 1} n${i}.test`).join('\n'));
    const quiet = await runCli(['import', file, '--format', 'hosts', '--dry-run'], env);
    assert.equal(quiet.code, 0, quiet.stderr);
    const lines = quiet.stderr.trimEnd().split('\n');
    assert.ok(lines.length <= 8, `${lines.length} lines`);
    assert.match(quiet.stderr, /\.\.\. and 95 more records would be added or updated \(--verbose shows them all\)/);
    assert.match(quiet.stderr, /dry run: 100 added/);
    const verbose = await runCli(['--verbose', 'import', file, '--format', 'hosts', '--dry-run'], env);
    assert.equal(verbose.stderr.match(/would be added n\d+\.test A/g)?.length, 100);
    const few = join(dir.path, 'few.txt');
    writeFileSync(few, '10.9.1.1 one.test\n10.9.1.2 two.test\n');
    assert.match(
      (await runCli(['import', few, '--format', 'hosts'], env)).stderr,
      /added one\.test A 10\.9\.1\.1\nadded two\.test A 10\.9\.1\.2\n/,
    );
  });

  it("logs leaves out doctor's probe queries unless asked", async () => {
    const entry = (name: string, time: string) =>
      JSON.stringify({
        time,
        client: '127.0.0.1#5353',
        transport: 'udp',
        name,
        type: 'A',
        rcode: 'NOERROR',
        answer: ['A 127.0.0.1'],
        micros: 12,
      });
    writeFileSync(
      join(dir.path, 'queries.log'),
      `${[entry('myapp.test', '2026-12-02T10:00:00.000Z'), entry('_devdns-probe.test', '2026-12-02T10:00:01.000Z'), entry('api.test', '2026-12-02T10:00:02.000Z')].join('\n')}\n`,
      { mode: 0o600 },
    );
    const plain = await runCli(['logs', '--json'], env);
    assert.equal(plain.code, 0, plain.stderr);
    assert.deepEqual(
      plain.stdout
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line).name),
      ['myapp.test', 'api.test'],
    );
    const one = await runCli(['logs', '--json', '-n', '1'], env);
    assert.deepEqual(
      one.stdout
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line).name),
      ['api.test'],
    );
    const all = await runCli(['logs', '--json', '--probes'], env);
    assert.deepEqual(
      all.stdout
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line).name),
      ['myapp.test', '_devdns-probe.test', 'api.test'],
    );
  });
});
