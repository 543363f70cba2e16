// `devdns setup --all` in process: refused with one line while forward is overrides and where the
// resolver cannot route every name (macOS, a plain resolv.conf, Windows, the hosts file), with
// what to do by hand; and the dry run of the plans it can make.
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/devdns.js';

/** The last line of stderr: the error, after any notes. */
const lastLine = (text: string) => text.trimEnd().split('\n').at(-1) ?? '';

describe('devdns setup --all', () => {
  let dir: ReturnType<typeof tempDir>;
  let env: Record<string, string>;
  beforeEach(() => {
    dir = tempDir();
    env = { DEVDNS_HOME: dir.path, NO_COLOR: '1' };
  });
  afterEach(() => dir.cleanup());
  const dryRun = (...extra: string[]) => runCli(['setup', '--all', '--dry-run', '--port', '5353', ...extra], env);

  it('needs forward all: a one-line refusal naming the command that turns it on', async () => {
    const result = await dryRun('--platform', 'linux', '--resolver', 'dnsmasq');
    assert.equal(result.code, 1);
    assert.equal(
      result.stderr,
      'devdns: --all: forward is overrides, so devdns would refuse every name outside its zones and the machine could resolve nothing else (devdns config set forward all, then devdns setup --all)\n',
    );
    assert.equal(result.stdout, '');
  });

  describe('with forward all', () => {
    beforeEach(async () => assert.equal((await runCli(['config', 'set', 'forward', 'all'], env)).code, 0));

    const refusals: Array<[string, string[], RegExp, RegExp]> = [
      [
        'macOS',
        ['--platform', 'darwin'],
        /^devdns: setup --all: macOS's default resolver takes no port, so devdns cannot be it on this port; nothing was changed \(devdns on port 53/,
        /note: .*devdns would have to answer on port 53/,
      ],
      [
        'a plain resolv.conf',
        ['--platform', 'linux', '--resolver', 'resolv.conf'],
        /^devdns: setup --all: this machine uses \/etc\/resolv\.conf directly, which devdns does not rewrite; nothing was changed \(devdns on port 53, and "nameserver 127\.0\.0\.1" first in \/etc\/resolv\.conf, your nameserver kept after it/,
        /note: glibc asks the next nameserver when the first does not answer/,
      ],
      [
        'Windows',
        ['--platform', 'win32', '--resolver', 'windows'],
        /^devdns: setup --all: Windows's DNS servers take no port/,
        /Set-DnsClientServerAddress/,
      ],
      [
        'the hosts file',
        ['--platform', 'linux', '--resolver', 'hosts'],
        /^devdns: setup --all: the hosts file cannot send every name to devdns; nothing was changed/,
        /note: A hosts file holds the names written in it/,
      ],
    ];
    for (const [title, args, message, note] of refusals) {
      it(`${title}: no change, the notes say what to do by hand, the error is one line`, async () => {
        const result = await dryRun(...args);
        assert.equal(result.code, 1, result.stderr);
        assert.match(lastLine(result.stderr), message);
        assert.match(result.stderr, note);
        assert.doesNotMatch(result.stderr, /would write/);
        assert.equal(result.stdout, '');
      });
    }

    it('systemd-resolved: the drop-in with ~. and the routes, and why no second server', async () => {
      const result = await dryRun('--platform', 'linux', '--resolver', 'systemd-resolved');
      assert.equal(result.code, 0, result.stderr);
      const [dropIn, anchors] = result.stdout.split(/(?<=\n)(?=; )/);
      assert.equal(dropIn, '# Written by devdns setup; devdns teardown removes it.\n[Resolve]\nDNS=127.0.0.1:5353\nDomains=~. ~test\n');
      assert.match(anchors ?? '', /^; Written by devdns setup; devdns teardown removes it\.\ntest\n10\.in-addr\.arpa\n/);
      assert.match(result.stderr, /no fallback server: resolved would send \.test and the overrides to it too/);
    });

    it('dnsmasq: devdns first for every name, strict-order, its own servers kept as the fallback', async () => {
      const result = await dryRun('--platform', 'linux', '--resolver', 'dnsmasq', '--dnsmasq-dir', '/tmp/d');
      assert.equal(result.code, 0, result.stderr);
      assert.equal(
        result.stdout,
        "# Written by devdns setup; devdns teardown removes it.\nserver=/test/127.0.0.1#5353\n# Every other name: devdns first; while it does not answer, dnsmasq's own servers.\nserver=127.0.0.1#5353\nstrict-order\n",
      );
      assert.match(result.stderr, /dnsmasq keeps its own servers after devdns/);
    });
  });

  it('config set forward overrides after setup --all warns that every other name is then refused', async () => {
    const root = tempDir();
    try {
      assert.equal((await runCli(['config', 'set', 'forward', 'all'], env)).code, 0);
      const args = ['setup', '--all', '--yes', '--root', root.path, '--platform', 'linux', '--resolver', 'dnsmasq', '--port', '5353'];
      assert.equal((await runCli(args, env)).code, 0);
      const set = await runCli(['config', 'set', 'forward', 'overrides'], env);
      assert.equal(set.code, 0);
      assert.match(
        set.stderr,
        /devdns setup --all sends every name to devdns, which now refuses those outside its zones: run devdns teardown/,
      );
      assert.equal((await runCli(['teardown', '--yes'], env)).code, 0);
      const after = await runCli(['config', 'set', 'forward', 'overrides'], env);
      assert.doesNotMatch(after.stderr, /setup --all/);
    } finally {
      root.cleanup();
    }
  });

  it('is in the help of setup', async () => {
    const result = await runCli(['help', 'setup'], env);
    assert.match(result.stdout, /--all +route every name to devdns/);
    assert.match(result.stdout, /\$ devdns setup --all/);
    assert.match((await runCli(['completion', 'bash'], env)).stdout, /setup\) opts='[^']*--all /, 'completed too');
  });
});
