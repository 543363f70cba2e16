// End to end: devdns as the machine's one resolver (forward all + setup --all), contained in
// private network and mount namespaces. A real dnsmasq is the system's resolver (127.0.0.1:53),
// its own server a second dnsmasq playing the real servers (127.0.0.2:53). setup --all sends every
// name to devdns first; a real name goes through devdns (its forwarded count grows), a devdns
// name and an override resolve; with devdns down the real name still resolves, through dnsmasq's
// own server within the resolver's timeout, while .test and the override fail rather than reach
// the real servers; teardown restores the conf dir byte for byte. Also: the systemd-resolved and
// dnsmasq plans on a --root tree, and the refusals, through the built binary.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { BIN, isRoot, runCommand, runDevdns, tempDir } from '../helpers/devdns.js';
import { snapshot } from '../helpers/tree.js';

const skip = isRoot ? false : 'needs root for unshare --net --mount (CI runs these as root)';

describe('devdns as the machine resolver (built binary, network namespace, real dnsmasq)', { skip }, () => {
  it('setup --all: every name through devdns; devdns down: real names through the fallback, .test and overrides fail; teardown restores', {
    timeout: 120_000,
  }, async () => {
    const dir = tempDir();
    try {
      const home = join(dir.path, 'home');
      const confDir = join(dir.path, 'dnsmasq.d');
      mkdirSync(confDir);
      writeFileSync(join(confDir, 'local.conf'), 'address=/lan/10.0.0.1\n');
      const before = snapshot(confDir);
      // timeout:1 so that a lookup while devdns is down waits 1 s; attempts:2 so that it is asked again.
      writeFileSync(join(dir.path, 'resolv.conf'), 'nameserver 127.0.0.1\noptions timeout:1 attempts:2\n');
      writeFileSync(join(dir.path, 'hosts'), '127.0.0.1 localhost\n');
      const script = `
        set -u
        T="$DIR"
        devdns() { "$NODE" "$BIN" "$@"; }
        addr() { getent ahostsv4 "$1" | head -1 | cut -d' ' -f1; }
        forwarded() { devdns status --json 2>/dev/null | "$NODE" -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).forwarding.forwarded))'; }
        ms() { echo $(( $(date +%s%N) / 1000000 )); }
        ip link set lo up
        ip addr add 198.51.100.1/32 dev lo # an address besides loopback, or getaddrinfo finds no IPv4 (AI_ADDRCONFIG)
        mount --bind "$T/resolv.conf" /etc/resolv.conf
        mount --bind "$T/hosts" /etc/hosts
        # setup as root keeps its journal in /var/lib/devdns: a tree of this namespace's own, not the machine's.
        mount -t tmpfs -o size=1m tmpfs /var/lib
        # The real servers.
        dnsmasq --port=53 --listen-address=127.0.0.2 --bind-interfaces --no-resolv --no-hosts --user=root \\
          --host-record=real.example.com,192.0.2.20 --host-record=api.example.com,192.0.2.10 \\
          --pid-file="$T/real.pid" || echo "real dnsmasq failed"
        # The system's resolver: its own server is the real servers; no cache, so each lookup shows the route now.
        dnsmasq --conf-dir="$T/dnsmasq.d" --port=53 --listen-address=127.0.0.1 --bind-interfaces --no-resolv --no-hosts \\
          --server=127.0.0.2 --cache-size=0 --user=root --pid-file="$T/dnsmasq.pid" || echo "dnsmasq failed"
        devdns add myapp.test 127.0.0.7 >/dev/null 2>&1
        devdns override api.example.com 127.0.0.1 --force >/dev/null 2>&1
        devdns up --port 5353 --control-port 0 >/dev/null 2>&1 || echo "up failed"
        devdns setup --all --resolver dnsmasq --dnsmasq-dir "$T/dnsmasq.d" --yes 2>&1 | sed 's/^/refused: /'
        devdns config set forward all >/dev/null 2>&1
        # upstream auto: resolv.conf names only the local dnsmasq, which devdns leaves out (a loop).
        devdns setup --all --dry-run --resolver dnsmasq --dnsmasq-dir "$T/dnsmasq.d" 2>&1 | grep 'upstream auto' | sed 's/^/auto: /'
        devdns config set upstream 127.0.0.2 >/dev/null 2>&1
        devdns restart --port 5353 --control-port 0 >/dev/null 2>&1 || echo "restart failed"
        devdns setup --all --resolver dnsmasq --dnsmasq-dir "$T/dnsmasq.d" --yes 2>&1 | sed 's/^/setup: /'
        echo "conf=$(grep -v '^#' "$T/dnsmasq.d/devdns.conf" | tr '\\n' '|')"
        echo "forwarded-before=$(forwarded)"
        echo "real=$(addr real.example.com)"
        echo "forwarded-after=$(forwarded)"
        echo "app=$(addr myapp.test)"
        echo "api=$(addr api.example.com)"
        devdns doctor --json > "$T/doctor-up.json" 2>/dev/null
        devdns down >/dev/null 2>&1
        start=$(ms); echo "real-down=$(addr real.example.com)"; echo "real-down-ms=$(( $(ms) - start ))"
        echo "app-down=$(addr myapp.test || true)"
        echo "api-down=$(addr api.example.com || true)"
        devdns doctor --json > "$T/doctor-down.json" 2>/dev/null
        devdns teardown --yes 2>&1 | sed 's/^/teardown: /'
        echo "api-torn=$(addr api.example.com)"
        start=$(ms); echo "real-torn=$(addr real.example.com)"; echo "real-torn-ms=$(( $(ms) - start ))"
        kill $(cat "$T/dnsmasq.pid") $(cat "$T/real.pid") 2>/dev/null
        true
      `;
      const result = await runCommand(
        'unshare',
        ['--net', '--mount', '--propagation', 'private', 'bash', '-c', script],
        { ...process.env, DIR: dir.path, NODE: process.execPath, BIN, DEVDNS_HOME: home, NO_COLOR: '1' },
        110_000,
      );
      const out = `${result.stdout}\n${result.stderr}`;
      if (process.env.DEVDNS_TEST_VERBOSE) console.log(out);
      assert.equal(result.code, 0, out);
      assert.match(
        out,
        /^refused: devdns: --all: forward is overrides, .* \(devdns config set forward all, then devdns setup --all\)$/m,
        out,
      );
      assert.match(out, /^auto: .*upstream auto finds no server for devdns to forward to here .*devdns config set upstream IP$/m, out);
      assert.doesNotMatch(out, /^setup: .*upstream auto/m, 'not once an upstream is set');
      assert.match(out, /^setup: .*restarted dnsmasq/m, out);
      assert.match(out, /^setup: every name now goes to devdns at 127\.0\.0\.1:5353 \(\.test, api\.example\.com only to devdns\)/m, out);
      assert.match(
        out,
        /^conf=server=\/test\/127\.0\.0\.1#5353\|server=\/api\.example\.com\/127\.0\.0\.1#5353\|server=127\.0\.0\.1#5353\|strict-order\|$/m,
        out,
      );
      assert.match(out, /^real=192\.0\.2\.20$/m, out);
      const count = (name: string) =>
        Number(/^forwarded-(?:before|after)=(\d+)$/m.exec(out.split('\n').find((l) => l.startsWith(name)) ?? '')?.[1]);
      assert.ok(count('forwarded-after') > count('forwarded-before'), `a real name went through devdns: ${out}`);
      assert.match(out, /^app=127\.0\.0\.7$/m, out);
      assert.match(out, /^api=127\.0\.0\.1$/m, out);
      // devdns down: dnsmasq's own server answers the real name after one resolver timeout (1 s here).
      assert.match(out, /^real-down=192\.0\.2\.20$/m, out);
      const downMs = Number(/^real-down-ms=(\d+)$/m.exec(out)?.[1]);
      assert.ok(downMs >= 900 && downMs < 4_000, `waited ${downMs} ms: about one timeout`);
      assert.match(out, /^app-down=$/m, '.test names fail while devdns is down');
      assert.match(out, /^api-down=$/m, "an override's name fails, never silently the real site");
      assert.match(out, /^teardown: lookups for every name \(\.test, api\.example\.com among them\) no longer go to devdns$/m, out);
      assert.match(out, /^api-torn=192\.0\.2\.10$/m, 'teardown gives the name back');
      assert.match(out, /^real-torn=192\.0\.2\.20$/m);
      assert.ok(Number(/^real-torn-ms=(\d+)$/m.exec(out)?.[1]) < 900, 'and no lookup waits for devdns any more');
      assert.deepEqual(snapshot(confDir), before, 'the conf dir is as it was, byte for byte');

      type Report = { checks: Array<{ id: string; status: string; message: string; fix?: string }> };
      const check = (name: string) =>
        (JSON.parse(readFileSync(join(dir.path, name), 'utf8')) as Report).checks.find((c) => c.id === 'every-name');
      assert.equal(check('doctor-up.json')?.status, 'ok', JSON.stringify(check('doctor-up.json')));
      assert.match(
        check('doctor-up.json')?.message ?? '',
        /each lookup after 1 s \(the resolver timeout, resolv\.conf options timeout:1\)/,
      );
      assert.deepEqual(check('doctor-down.json'), {
        id: 'every-name',
        status: 'warn',
        message:
          "devdns is down: every lookup waits 1 s (the resolver timeout, resolv.conf options timeout:1) for it, then dnsmasq's own servers answer; .test and the overrides' names fail meanwhile",
        fix: 'devdns up',
      });
    } finally {
      dir.cleanup();
    }
  });

  it('a plain resolv.conf by hand: devdns on port 53 first, the old nameserver second; devdns down, glibc falls back', {
    timeout: 120_000,
  }, async () => {
    const dir = tempDir();
    try {
      const home = join(dir.path, 'home');
      // What the README says to write: devdns first, the old nameserver after it, a short timeout.
      writeFileSync(join(dir.path, 'resolv.conf'), 'nameserver 127.0.0.1\nnameserver 127.0.0.2\noptions timeout:1 attempts:1\n');
      writeFileSync(join(dir.path, 'hosts'), '127.0.0.1 localhost\n');
      const script = `
        set -u
        T="$DIR"
        devdns() { "$NODE" "$BIN" "$@"; }
        addr() { getent ahostsv4 "$1" | head -1 | cut -d' ' -f1; }
        forwarded() { devdns status --json 2>/dev/null | "$NODE" -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).forwarding.forwarded))'; }
        ip link set lo up
        ip addr add 198.51.100.1/32 dev lo
        mount --bind "$T/resolv.conf" /etc/resolv.conf
        mount --bind "$T/hosts" /etc/hosts
        # setup as root keeps its journal in /var/lib/devdns: a tree of this namespace's own, not the machine's.
        mount -t tmpfs -o size=1m tmpfs /var/lib
        dnsmasq --port=53 --listen-address=127.0.0.2 --bind-interfaces --no-resolv --no-hosts --user=root \\
          --host-record=real.example.com,192.0.2.20 --host-record=api.example.com,192.0.2.10 \\
          --pid-file="$T/real.pid" || echo "real dnsmasq failed"
        devdns add myapp.test 127.0.0.7 >/dev/null 2>&1
        devdns override api.example.com 127.0.0.1 --force >/dev/null 2>&1
        devdns config set forward all >/dev/null 2>&1
        devdns config set upstream 127.0.0.2 >/dev/null 2>&1
        devdns up --port 53 --control-port 0 >/dev/null 2>&1 || echo "up failed"
        echo "forwarded-before=$(forwarded)"
        echo "real=$(addr real.example.com)"
        echo "forwarded-after=$(forwarded)"
        echo "app=$(addr myapp.test)"
        echo "api=$(addr api.example.com)"
        devdns down >/dev/null 2>&1
        echo "real-down=$(addr real.example.com)"
        echo "app-down=$(addr myapp.test)"
        echo "api-down=$(addr api.example.com)"
        kill $(cat "$T/real.pid") 2>/dev/null
        true
      `;
      const result = await runCommand(
        'unshare',
        ['--net', '--mount', '--propagation', 'private', 'bash', '-c', script],
        { ...process.env, DIR: dir.path, NODE: process.execPath, BIN, DEVDNS_HOME: home, NO_COLOR: '1' },
        110_000,
      );
      const out = `${result.stdout}\n${result.stderr}`;
      assert.equal(result.code, 0, out);
      assert.match(out, /^real=192\.0\.2\.20$/m, out);
      const count = (name: string) => Number(new RegExp(`^${name}=(\\d+)$`, 'm').exec(out)?.[1]);
      assert.ok(count('forwarded-after') > count('forwarded-before'), `a real name went through devdns: ${out}`);
      assert.match(out, /^app=127\.0\.0\.7$/m, out);
      assert.match(out, /^api=127\.0\.0\.1$/m, out);
      // devdns down: glibc asks the next nameserver; .test is unknown there, the override's real answer comes back.
      assert.match(out, /^real-down=192\.0\.2\.20$/m, out);
      assert.match(out, /^app-down=$/m, out);
      assert.match(out, /^api-down=192\.0\.2\.10$/m, 'as the README says: the overridden name gets its real answer');
    } finally {
      dir.cleanup();
    }
  });
});

describe('devdns setup --all on a --root tree (built binary)', () => {
  for (const [resolver, path, expected] of [
    ['systemd-resolved', 'etc/systemd/resolved.conf.d/devdns.conf', /^DNS=127\.0\.0\.1:9090\nDomains=~\. ~test$/m],
    ['dnsmasq', 'etc/dnsmasq.d/devdns.conf', /^server=\/test\/127\.0\.0\.1#9090\n.*\nserver=127\.0\.0\.1#9090\nstrict-order$/m],
  ] as const) {
    it(`${resolver}: the plan written, journalled as --all, and restored byte for byte`, async () => {
      const home = tempDir();
      const root = tempDir();
      try {
        for (const sub of ['etc/systemd/resolved.conf.d', 'etc/dnsmasq.d']) mkdirSync(join(root.path, sub), { recursive: true });
        writeFileSync(join(root.path, 'etc/systemd/resolved.conf.d/vpn.conf'), '[Resolve]\nDNS=10.8.0.1\n');
        writeFileSync(join(root.path, 'etc/dnsmasq.d/local.conf'), 'address=/lan/10.0.0.1\n');
        writeFileSync(join(root.path, path), '# the user had one of these\n');
        const before = snapshot(root.path);
        assert.equal((await runDevdns(['config', 'set', 'forward', 'all'], { home: home.path })).code, 0);
        const args = ['setup', '--all', '--yes', '--root', root.path, '--platform', 'linux', '--resolver', resolver, '--port', '9090'];
        const setup = await runDevdns(args, { home: home.path });
        assert.equal(setup.code, 0, setup.stderr);
        assert.match(readFileSync(join(root.path, path), 'utf8'), expected);
        assert.equal((JSON.parse(readFileSync(join(home.path, 'setup-journal.json'), 'utf8')) as { all?: boolean }).all, true);
        const again = await runDevdns(args, { home: home.path });
        assert.match(again.stderr, /undoing the previous setup first/);
        const teardown = await runDevdns(['teardown', '--yes'], { home: home.path });
        assert.equal(teardown.code, 0, teardown.stderr);
        assert.match(teardown.stderr, /lookups for every name \(\.test among them\) no longer go to devdns/);
        assert.deepEqual(snapshot(root.path), before);
      } finally {
        home.cleanup();
        root.cleanup();
      }
    });
  }

  it('refuses, with one line and nothing changed: forward overrides, macOS, a plain resolv.conf', async () => {
    const home = tempDir();
    const root = tempDir();
    try {
      mkdirSync(join(root.path, 'etc'));
      writeFileSync(join(root.path, 'etc/resolv.conf'), 'nameserver 192.0.2.53\n');
      const before = snapshot(root.path);
      const setup = (...extra: string[]) =>
        runDevdns(['setup', '--all', '--yes', '--root', root.path, '--port', '9090', ...extra], { home: home.path });
      const overrides = await setup('--platform', 'linux', '--resolver', 'dnsmasq');
      assert.equal(overrides.code, 1);
      assert.match(
        overrides.stderr,
        /^devdns: --all: forward is overrides, .*\(devdns config set forward all, then devdns setup --all\)\n$/,
      );
      await runDevdns(['config', 'set', 'forward', 'all'], { home: home.path });
      const macos = await setup('--platform', 'darwin');
      assert.equal(macos.code, 1);
      assert.match(macos.stderr, /\ndevdns: setup --all: macOS's default resolver takes no port.*; nothing was changed \(.*\)\n$/);
      const plain = await setup('--platform', 'linux');
      assert.equal(plain.code, 1);
      assert.match(plain.stderr, /^resolver: resolv\.conf /);
      assert.match(
        plain.stderr,
        /\ndevdns: setup --all: this machine uses \/etc\/resolv\.conf directly, which devdns does not rewrite; nothing was changed \(.*\)\n$/,
      );
      assert.deepEqual(snapshot(root.path), before);
    } finally {
      home.cleanup();
      root.cleanup();
    }
  });
});
