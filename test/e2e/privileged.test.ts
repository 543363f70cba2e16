// End to end: what devdns does as root with files another user wrote, and where system paths are
// links. A journal planted in a home owned by `nobody` must not make root write a file, set a mode
// or run a command; setup and hosts sync follow one link rule (src/os/system.ts).
import assert from 'node:assert/strict';
import { chmodSync, chownSync, existsSync, lstatSync, mkdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { BIN, isRoot, runCommand, runDevdns, tempDir } from '../helpers/devdns.js';
import { addToHome } from '../helpers/server.js';
import { snapshot } from '../helpers/tree.js';

const NOBODY = 65534;
const EVIL = Buffer.from('#!/bin/sh\nid\n').toString('base64');

/** A journal as an attacker would write it: a setuid "previous" file and a reload command. */
function plantedJournal(root: string, resolver: string, path: string, marker: string, mode = 0o4755): string {
  const after = {
    macos: '# Written by devdns setup; devdns teardown removes it.\nnameserver 127.0.0.1\nport 9090\n',
    'systemd-resolved': '# Written by devdns setup; devdns teardown removes it.\n[Resolve]\nDNS=127.0.0.1:9090\nDomains=~test\n',
  }[resolver];
  return JSON.stringify({
    version: 1,
    createdAt: '2025-01-01T00:00:00.000Z',
    resolver,
    tlds: ['test'],
    host: '127.0.0.1',
    port: 9090,
    root,
    files: [{ path, before: EVIL, mode, after: Buffer.from(after ?? '').toString('base64'), createdDirs: [] }],
    reload: [['sh', '-c', `id > ${marker}`]],
  });
}

/** A home owned by nobody, with the journal written by nobody (runuser), as a user's own file would be. */
async function nobodysHome(dir: string, journal: string): Promise<string> {
  chmodSync(dir, 0o755);
  const home = join(dir, 'home');
  mkdirSync(home);
  chownSync(home, NOBODY, NOBODY);
  const write = await runCommand(
    'runuser',
    [
      '-u',
      'nobody',
      '--',
      process.execPath,
      '-e',
      'require("fs").writeFileSync(process.argv[1], process.env.JOURNAL)',
      join(home, 'setup-journal.json'),
    ],
    { ...process.env, JOURNAL: journal },
  );
  assert.equal(write.code, 0, write.stderr);
  return home;
}

const skip = isRoot ? false : 'needs root (runuser, chown, unshare); CI runs these as root';

describe('a journal planted by another user, torn down as root (built binary)', { skip }, () => {
  for (const [withRoot, mode, reason] of [
    [false, 0o4755, /is not a journal devdns setup wrote \(mode 04755 of \/etc\/resolver\/test has setuid/],
    [true, 0o4755, /is not a journal devdns setup wrote \(mode 04755/],
    [false, 0o644, /not written by devdns setup as root .*\(.*without sudo.*\)/],
    [true, 0o644, /not written by devdns setup as root .*\(.*without sudo.*\)/],
  ] as const) {
    it(`teardown${withRoot ? ' --root DIR' : ''}, mode 0${mode.toString(8)}: refused in one line, no file, no command`, async () => {
      const dir = tempDir();
      try {
        const root = join(dir.path, 'root');
        mkdirSync(join(root, 'etc/resolver'), { recursive: true });
        const marker = join(dir.path, 'marker');
        const home = await nobodysHome(dir.path, plantedJournal(root, 'macos', '/etc/resolver/test', marker, mode));
        const before = snapshot(root);
        // As sudo runs it for nobody: root takes a home only of the user who ran sudo.
        const result = await runDevdns(['teardown', '--yes', ...(withRoot ? ['--root', root] : [])], {
          home,
          env: { SUDO_UID: '65534', SUDO_GID: '65534' },
        });
        assert.equal(result.code, 1, result.stderr);
        assert.match(result.stderr, /^devdns: \S*\/home\/setup-journal\.json: /);
        assert.match(result.stderr, reason);
        assert.equal(result.stderr.split('\n').length, 2, 'one line');
        assert.deepEqual(snapshot(root), before, 'no file written, no mode changed');
        assert.ok(!existsSync(join(root, 'etc/resolver/test')));
        assert.ok(!existsSync(marker), 'no command ran');
      } finally {
        dir.cleanup();
      }
    });
  }

  it('the real / (mount namespace, tmpfs over /etc/systemd and /var/lib): refused, no command run', { timeout: 60_000 }, async () => {
    if (!existsSync('/etc/systemd') || !existsSync('/var/lib')) return;
    const dir = tempDir();
    try {
      const marker = join(dir.path, 'marker');
      const path = '/etc/systemd/resolved.conf.d/devdns.conf';
      const home = await nobodysHome(dir.path, plantedJournal('/', 'systemd-resolved', path, marker));
      const script = `
        set -u
        mount -t tmpfs -o size=1m tmpfs /etc/systemd
        mount -t tmpfs -o size=1m tmpfs /var/lib
        mkdir /etc/systemd/resolved.conf.d
        "$NODE" "$BIN" teardown --yes 2> "$DIR/err"; echo "rc=$?"
        echo "files=$(find /etc/systemd /var/lib -mindepth 1 | tr '\\n' ' ')"
      `;
      const result = await runCommand('unshare', ['--mount', '--propagation', 'private', 'bash', '-c', script], {
        ...process.env,
        DIR: dir.path,
        NODE: process.execPath,
        BIN,
        DEVDNS_HOME: home,
        SUDO_UID: '65534',
        SUDO_GID: '65534',
        NO_COLOR: '1',
      });
      assert.equal(result.code, 0, result.stderr);
      const err = readFileSync(join(dir.path, 'err'), 'utf8');
      assert.match(result.stdout, /^rc=1$/m, err);
      assert.match(err, /^devdns: \S*\/home\/setup-journal\.json: is not a journal devdns setup wrote \(mode 04755 .*\n$/);
      assert.match(result.stdout, /^files=\/etc\/systemd\/resolved\.conf\.d $/m, 'no file appeared');
      assert.ok(!existsSync(marker), 'the planted reload command did not run');
    } finally {
      dir.cleanup();
    }
  });
});

describe('system paths that are links (built binary)', () => {
  it('setup --root refuses a directory that links out of the root: the outside file keeps content and mode', async () => {
    const home = tempDir();
    const root = tempDir();
    const outside = tempDir();
    try {
      mkdirSync(join(root.path, 'etc'));
      symlinkSync(outside.path, join(root.path, 'etc/resolver'));
      writeFileSync(join(outside.path, 'test'), 'nameserver 10.1.1.1\n');
      chmodSync(join(outside.path, 'test'), 0o600);
      const before = snapshot(outside.path);
      const args = [
        'setup',
        '--yes',
        '--root',
        root.path,
        '--platform',
        'darwin',
        '--resolver',
        'macos',
        '--tld',
        'test',
        '--port',
        '9090',
      ];
      const result = await runDevdns(args, { home: home.path });
      assert.equal(result.code, 1, result.stderr);
      assert.match(result.stderr, /devdns: .*etc\/resolver\/test: leads through a link to .*, outside .*; nothing was changed/);
      assert.deepEqual(snapshot(outside.path), before);
      assert.equal(statSync(join(outside.path, 'test')).mode & 0o777, 0o600);
    } finally {
      home.cleanup();
      root.cleanup();
      outside.cleanup();
    }
  });

  it('hosts sync --hosts-file LINK updates the target and leaves the link a link; clean restores it', async () => {
    const dir = tempDir();
    try {
      await addToHome(dir.path, { name: 'myapp.test' });
      const target = join(dir.path, 'real-hosts');
      const link = join(dir.path, 'hosts');
      const original = '127.0.0.1 localhost\n';
      writeFileSync(target, original);
      symlinkSync(target, link);
      const sync = await runDevdns(['hosts', 'sync', '--hosts-file', link], { home: dir.path });
      assert.equal(sync.code, 0, sync.stderr);
      assert.ok(lstatSync(link).isSymbolicLink(), 'still a link');
      assert.match(readFileSync(target, 'utf8'), /^127\.0\.0\.1 localhost\n# devdns begin\n.*\n127\.0\.0\.1 myapp\.test\n/);
      const clean = await runDevdns(['hosts', 'clean', '--hosts-file', link], { home: dir.path });
      assert.equal(clean.code, 0, clean.stderr);
      assert.ok(lstatSync(link).isSymbolicLink());
      assert.equal(readFileSync(target, 'utf8'), original);
    } finally {
      dir.cleanup();
    }
  });
});

describe('root and what other users control (built binary)', { skip }, () => {
  it('setup as root never runs or stops a program another user named dnsmasq', { timeout: 60_000 }, async () => {
    const dir = tempDir();
    try {
      chmodSync(dir.path, 0o755);
      const conf = join(dir.path, 'dnsmasq.d');
      mkdirSync(conf);
      const evil = join(dir.path, 'evil');
      mkdirSync(evil);
      const marker = join(evil, 'pwned');
      writeFileSync(join(evil, 'dnsmasq'), `#!/bin/sh\nid > ${marker}\n`, { mode: 0o755 });
      chownSync(evil, NOBODY, NOBODY);
      chownSync(join(evil, 'dnsmasq'), NOBODY, NOBODY);
      // Another user's process, named like dnsmasq and mentioning the directory; then setup as root.
      const script = `
        set -u
        mount -t tmpfs -o size=1m tmpfs /var/lib
        runuser -u nobody -- bash -c 'exec -a "$EVIL/dnsmasq" "$NODE" -e "setTimeout(() => {}, 60000)" "$CONF"' &
        fake=
        for i in $(seq 200); do fake=$(pgrep -u nobody -f "setTimeout.*$CONF"); [ -n "$fake" ] && break; sleep 0.05; done
        echo "fake=$fake"
        "$NODE" "$BIN" setup --yes --tld test --resolver dnsmasq --dnsmasq-dir "$CONF" --port 5353 > "$DIR/out" 2>&1; echo "rc=$?"
        kill -0 "$fake" && echo "fake=alive"
        kill "$fake"
      `;
      const result = await runCommand('unshare', ['--mount', '--propagation', 'private', 'bash', '-c', script], {
        ...process.env,
        DIR: dir.path,
        EVIL: evil,
        CONF: conf,
        NODE: process.execPath,
        BIN,
        DEVDNS_HOME: join(dir.path, 'home'),
        NO_COLOR: '1',
      });
      const out = readFileSync(join(dir.path, 'out'), 'utf8');
      assert.match(result.stdout, /^fake=alive$/m, `the other user's process was stopped: ${out}`);
      assert.ok(!existsSync(marker), `root ran the other user's program: ${out}`);
      assert.doesNotMatch(out, /restarted dnsmasq \(pid/);
    } finally {
      dir.cleanup();
    }
  });

  it('setup as root refuses a configuration directory another user owns, and a link they planted in it', async () => {
    const home = tempDir();
    const root = tempDir();
    try {
      const conf = join(root.path, 'etc', 'dnsmasq.d');
      mkdirSync(conf, { recursive: true });
      const secret = join(root.path, 'etc', 'secret');
      writeFileSync(secret, 'root only\n', { mode: 0o600 });
      chownSync(conf, NOBODY, NOBODY);
      symlinkSync(secret, join(conf, 'devdns.conf'));
      const result = await runDevdns(['setup', '--yes', '--root', root.path, '--tld', 'test', '--resolver', 'dnsmasq', '--port', '5353'], {
        home: join(home.path, 'h'),
      });
      assert.equal(result.code, 1, result.stderr);
      const errors = result.stderr.split('\n').filter((line) => line.startsWith('devdns:'));
      assert.equal(errors.length, 1, result.stderr);
      assert.match(
        errors[0] ?? '',
        /devdns\.conf: leads through .* which is not root's \(uid 65534\); nothing was changed \(as root, devdns writes only where no other user can/,
      );
      assert.equal(readFileSync(secret, 'utf8'), 'root only\n');
      assert.equal(statSync(secret).mode & 0o777, 0o600);
      assert.ok(!existsSync(join(home.path, 'h', 'setup-journal.json')), 'nothing journalled');
    } finally {
      home.cleanup();
      root.cleanup();
    }
  });

  it("root takes no other user's home unless that user ran sudo", async () => {
    const dir = tempDir();
    try {
      chmodSync(dir.path, 0o755);
      const home = join(dir.path, 'home');
      mkdirSync(home, { mode: 0o700 });
      chownSync(home, NOBODY, NOBODY);
      const plain = await runDevdns(['status'], { home });
      assert.equal(plain.code, 1);
      assert.match(plain.stderr, /home belongs to another user \(uid 65534\)/);
      const other = await runDevdns(['status'], { home, env: { SUDO_UID: '1', SUDO_GID: '1' } });
      assert.equal(other.code, 1);
      assert.match(other.stderr, /belongs to another user \(uid 65534\)/);
      const theirs = await runDevdns(['status'], { home, env: { SUDO_UID: String(NOBODY), SUDO_GID: String(NOBODY) } });
      assert.notEqual(theirs.code, 1, theirs.stderr);
    } finally {
      dir.cleanup();
    }
  });
});
