// End to end: settings, shell completion, uninstall and the output conventions, with the built
// binary, a temporary DEVDNS_HOME and HOME, and ephemeral ports.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { serviceName } from '../../src/os/service-files.js';
import { processAlive } from '../../src/platform/processes.js';
import { BIN, runCommand, runDevdns, tempDir } from '../helpers/devdns.js';
import { freePort } from '../helpers/ports.js';
import { snapshot } from '../helpers/tree.js';

describe('devdns config (built binary)', () => {
  it('lists, gets, sets and unsets settings, checked like records', async () => {
    const dir = tempDir();
    const devdns = (...args: string[]) => runDevdns(args, { home: dir.path });
    try {
      const list = JSON.parse((await devdns('config', 'list', '--json')).stdout) as Array<{ key: string; value: unknown; source: string }>;
      assert.deepEqual(
        list.map((s) => `${s.key}=${JSON.stringify(s.value)} (${s.source})`),
        [
          'dns.host="127.0.0.1" (default)',
          'dns.port=9090 (default)',
          'control.port=9091 (default)',
          'ttl=5 (default)',
          'zones=[] (default)',
          'log.size=1048576 (default)',
          'upstream=["auto"] (default)',
          'forward="overrides" (default)',
          'forward.timeout=2 (default)',
          'cache.max-ttl=86400 (default)',
          'log.queries="own" (default)',
        ],
      );
      for (const [args, message] of [
        [['config', 'set', 'dns.port', '0'], /^devdns: dns\.port: 0 is out of range \(use a number from 1 to 65535\)\n$/],
        [['config', 'set', 'dns.port', '70000'], /out of range/],
        [['config', 'set', 'dns.host', '0.0.0.0'], /^devdns: dns\.host: 0\.0\.0\.0 is not a loopback address.*--allow-lan/],
        [['config', 'set', 'ttl', '-1'], /ttl: -1 is out of range/],
        [['config', 'set', 'log.size', 'big'], /log\.size: "big" is not a size/],
        [
          ['config', 'set', 'upstream', 'dns.example'],
          /^devdns: upstream: "dns\.example": dns\.example is a name; an upstream is given by its IP address/,
        ],
        [['config', 'set', 'forward', 'some'], /^devdns: forward: "some" is not overrides or all/],
        [['config', 'set', 'nope', '1'], /^devdns: key: "nope" is not a setting \(settings: dns\.host, dns\.port/],
        [['config', 'set', 'zones', 'a..b'], /empty label/],
      ] as const) {
        const result = await devdns(...args);
        assert.equal(result.code, 1, args.join(' '));
        assert.match(result.stderr, message);
      }
      assert.equal(existsSync(join(dir.path, 'settings.json')), false, 'nothing written for bad values');
      const lan = await devdns('config', 'set', 'dns.host', '0.0.0.0', '--allow-lan');
      assert.equal(lan.code, 0);
      assert.match(lan.stderr, /warning: devdns will listen on 0\.0\.0\.0, reachable from the network/);
      assert.equal((await devdns('config', 'set', 'ttl', '60')).code, 0);
      assert.equal((await devdns('config', 'get', 'ttl')).stdout, '60\n');
      await devdns('add', 'slow.test');
      assert.match((await devdns('ls', 'slow')).stdout, /slow\.test +A +60 /, 'new records take the ttl setting');
      await devdns('config', 'set', 'log.size', '512k');
      assert.equal((await devdns('config', 'get', 'log.size')).stdout, '524288\n');
      await devdns('config', 'set', 'zones', '.internal,example');
      assert.match((await devdns('export')).stdout, /\$ORIGIN internal\./, 'a zone from the settings is served without records');
      const unset = await devdns('config', 'unset', 'ttl');
      assert.match(unset.stderr, /ttl: 60 -> 5 \(the default\)/);
      assert.equal(JSON.parse((await devdns('config', 'get', 'ttl', '--json')).stdout).source, 'default');
    } finally {
      dir.cleanup();
    }
  });

  it('flags override settings for one run; status says where each value came from; a port change offers restart and setup', {
    timeout: 60_000,
  }, async () => {
    const dir = tempDir();
    const root = tempDir();
    const devdns = (...args: string[]) => runDevdns(args, { home: dir.path });
    try {
      const [settingPort, flagPort, newPort] = [await freePort(), await freePort(), await freePort()];
      await devdns('config', 'set', 'dns.port', String(settingPort));
      await devdns('config', 'set', 'control.port', String(await freePort()));
      assert.equal((await devdns('up')).code, 0);
      let status = JSON.parse((await devdns('status', '--json')).stdout) as { dns: { port: number }; sources: Record<string, string> };
      assert.equal(status.dns.port, settingPort);
      assert.deepEqual(status.sources, { dnsHost: 'default', dnsPort: 'setting', controlPort: 'setting' });
      assert.match((await devdns('status')).stdout, /DNS +127\.0\.0\.1:\d+ \(UDP and TCP\); host from default, port from setting/);
      await devdns('down');
      assert.equal((await devdns('up', '--port', String(flagPort), '--control-port', '0')).code, 0);
      status = JSON.parse((await devdns('status', '--json')).stdout);
      assert.equal(status.dns.port, flagPort);
      assert.deepEqual(status.sources, { dnsHost: 'default', dnsPort: 'flag', controlPort: 'flag' });
      await devdns('down');

      // setup routed a (temporary) system to the setting's port; then the port changes.
      assert.equal((await devdns('up')).code, 0);
      const setup = await devdns('setup', '--yes', '--root', root.path, '--platform', 'darwin', '--resolver', 'macos');
      assert.equal(setup.code, 0, setup.stderr);
      assert.match(readFileSync(join(root.path, 'etc/resolver/test'), 'utf8'), new RegExp(`port ${settingPort}\\n`));
      const noTty = await devdns('config', 'set', 'dns.port', String(newPort));
      assert.match(noTty.stderr, /restart devdns to use it: devdns restart/);
      assert.match(noTty.stderr, new RegExp(`devdns setup sends \\.test to port ${settingPort}: run devdns setup again`));
      const changed = await devdns('config', 'set', 'dns.port', String(newPort), '--yes');
      assert.equal(changed.code, 0, changed.stderr);
      status = JSON.parse((await devdns('status', '--json')).stdout);
      assert.equal(status.dns.port, newPort, 'restarted on the new port');
      assert.match(readFileSync(join(root.path, 'etc/resolver/test'), 'utf8'), new RegExp(`port ${newPort}\\n`), 'and setup was run again');
      await devdns('teardown', '--yes');
    } finally {
      await devdns('down');
      dir.cleanup();
      root.cleanup();
    }
  });
});

describe('devdns completion (built binary)', () => {
  it('bash: commands, options, record types and the names of existing records, through compgen', async () => {
    const dir = tempDir();
    try {
      await runDevdns(['add', 'myapp.test'], { home: dir.path });
      await runDevdns(['add', '*.shop.test', '127.0.0.1'], { home: dir.path });
      const script = (await runDevdns(['completion', 'bash'], { home: dir.path })).stdout;
      writeFileSync(join(dir.path, 'devdns.bash'), script);
      mkdirSync(join(dir.path, 'bin'));
      symlinkSync(BIN, join(dir.path, 'bin', 'devdns'));
      const complete = async (...words: string[]) => {
        const bash = `source "$SCRIPT"; COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=$((\${#COMP_WORDS[@]}-1)); _devdns; printf '%s\\n' "\${COMPREPLY[@]}"`;
        const result = await runCommand('bash', ['-c', bash], {
          ...process.env,
          SCRIPT: join(dir.path, 'devdns.bash'),
          PATH: `${join(dir.path, 'bin')}:${process.env.PATH}`,
          DEVDNS_HOME: dir.path,
        });
        assert.equal(result.code, 0, result.stderr);
        return result.stdout.trim().split('\n').filter(Boolean);
      };
      assert.deepEqual(await complete('devdns', 're'), ['restart', 'resolve']);
      assert.ok((await complete('devdns', '')).includes('uninstall'));
      assert.deepEqual(await complete('devdns', 'rm', ''), ['myapp.test', '*.shop.test']);
      assert.deepEqual(await complete('devdns', 'resolve', 'my'), ['myapp.test']);
      assert.deepEqual(await complete('devdns', 'add', 'x.test', '-t', 'A'), ['A', 'AAAA']);
      assert.deepEqual(await complete('devdns', 'add', 'x.test', '--p'), ['--priority', '--port']);
      assert.deepEqual(await complete('devdns', 'hosts', ''), ['sync', 'clean']);
      // Each command's own formats: export writes no yaml, and has no auto.
      assert.deepEqual(await complete('devdns', 'export', '--format', ''), ['zone', 'hosts', 'json', 'dnsmasq']);
      assert.deepEqual(await complete('devdns', 'import', 'f', '--format', 'y'), ['yaml']);
      assert.deepEqual(await complete('devdns', 'config', 'get', 'dns'), ['dns.host', 'dns.port']);
    } finally {
      dir.cleanup();
    }
  });

  it('zsh and fish scripts, checked by their shells where installed; an unknown shell is refused', async () => {
    const dir = tempDir();
    try {
      for (const shell of ['zsh', 'fish']) {
        const script = await runDevdns(['completion', shell], { home: dir.path });
        assert.equal(script.code, 0);
        assert.match(script.stdout, shell === 'zsh' ? /^#compdef devdns/ : /complete -c devdns/);
        const path = join(dir.path, `devdns.${shell}`);
        writeFileSync(path, script.stdout);
        const check = await runCommand(shell, ['-n', path], process.env).catch(() => undefined);
        if (check && check.code !== 127) assert.equal(check.code, 0, `${shell} -n: ${check.stderr}`);
      }
      const bad = await runDevdns(['completion', 'powershell'], { home: dir.path });
      assert.equal(bad.code, 1);
      assert.match(bad.stderr, /"powershell" is not bash, zsh or fish/);
    } finally {
      dir.cleanup();
    }
  });
});

describe('devdns uninstall (built binary)', () => {
  it('stops the daemon, undoes setup, removes the service and its files, keeps records; twice is harmless; --purge removes records', {
    timeout: 60_000,
  }, async () => {
    const dir = tempDir();
    const root = tempDir();
    const userHome = tempDir();
    const home = join(dir.path, 'devdns');
    const env = { HOME: userHome.path, XDG_CONFIG_HOME: '' };
    const devdns = (...args: string[]) => runDevdns(args, { home, env });
    try {
      await devdns('add', 'myapp.test');
      const before = snapshot(root.path);
      assert.equal((await devdns('up', '--port', '0', '--control-port', '0')).code, 0);
      const { pid } = JSON.parse(readFileSync(join(home, 'daemon.json'), 'utf8')) as { pid: number };
      assert.equal((await devdns('setup', '--yes', '--root', root.path, '--platform', 'darwin', '--resolver', 'macos')).code, 0);
      assert.equal((await devdns('service', 'install', '--platform', 'linux')).code, 0);
      const unit = join(userHome.path, '.config/systemd/user', serviceName(realpathSync(home)).unit);
      assert.ok(existsSync(unit));
      const records = readFileSync(join(home, 'records.json'));

      const refused = await devdns('uninstall');
      assert.equal(refused.code, 1, 'asks first: without a terminal only --yes goes ahead');
      assert.match(refused.stderr, /--yes/);
      const uninstall = await devdns('uninstall', '--yes');
      assert.equal(uninstall.code, 0, uninstall.stderr);
      assert.match(uninstall.stderr, new RegExp(`stopped devdns \\(pid ${pid}\\)`));
      assert.match(uninstall.stderr, /your records are kept in .*records\.json \(remove them with devdns uninstall --purge\)/);
      assert.equal(processAlive(pid), false);
      assert.deepEqual(snapshot(root.path), before, 'setup is undone byte for byte');
      assert.equal(existsSync(unit), false, 'the service file is gone');
      assert.deepEqual(readFileSync(join(home, 'records.json')), records);
      for (const name of ['daemon.json', 'daemon.log', 'queries.log', 'setup-journal.json'])
        assert.equal(existsSync(join(home, name)), false, name);
      const twice = await devdns('uninstall', '--yes');
      assert.equal(twice.code, 0);
      assert.doesNotMatch(twice.stderr, /removed devdns's files/, 'nothing was left to remove');
      assert.match(twice.stderr, /devdns had no files left besides your records/);
      const purge = await devdns('uninstall', '--yes', '--purge');
      assert.equal(purge.code, 0);
      assert.match(purge.stderr, /removed devdns's files and your records/);
      assert.equal(existsSync(home), false, 'everything of devdns is gone');
      const again = await devdns('uninstall', '--yes', '--purge');
      assert.equal(again.code, 0);
      assert.doesNotMatch(again.stderr, /removed devdns's files/);
      assert.match(again.stderr, /devdns had no files left in /);
    } finally {
      await devdns('down');
      dir.cleanup();
      root.cleanup();
      userHome.cleanup();
    }
  });
});

describe('output conventions (built binary)', () => {
  it('--json on every listing command; --quiet keeps data and errors; --verbose shows files; no colour off a TTY', async () => {
    const dir = tempDir();
    const devdns = (...args: string[]) => runDevdns(args, { home: dir.path });
    try {
      await devdns('add', 'myapp.test');
      for (const args of [
        ['ls', '--json'],
        ['status', '--json'],
        ['links', '--json'],
        ['config', 'list', '--json'],
        ['logs', '--json'],
        ['doctor', '--json'],
      ]) {
        const result = await devdns(...args);
        if (args[0] === 'logs') continue; // no queries logged yet: exit 1 with a message
        assert.doesNotThrow(() => JSON.parse(result.stdout), args.join(' '));
        assert.ok(!result.stdout.includes('\u001b['), 'no colour codes in JSON');
      }
      const quiet = await devdns('--quiet', 'add', 'q.test');
      assert.deepEqual([quiet.code, quiet.stdout, quiet.stderr], [0, '', '']);
      const quietError = await devdns('-q', 'add', 'bad..test');
      assert.equal(quietError.code, 1);
      assert.match(quietError.stderr, /^devdns: name:/, 'errors still show');
      const verbose = await devdns('--verbose', 'add', 'v.test');
      assert.match(verbose.stderr, /> reading .*records\.json/);
      assert.match(verbose.stderr, /> writing .*records\.json \(temp file and rename\)/);
      const colour = await runDevdns(['ls'], { home: dir.path, env: { NO_COLOR: undefined, FORCE_COLOR: undefined } });
      assert.ok(!colour.stdout.includes('\u001b['), 'not a TTY: no colour');
    } finally {
      dir.cleanup();
    }
  });
});
