// End to end: devdns setup, teardown, hosts sync/clean and doctor, run for real but contained:
// on a temporary tree (--root), and as root inside private network and mount namespaces with a
// real dnsmasq as the system's resolver, so nothing on the machine changes.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { BIN, isRoot, runCommand, runDevdns, tempDir } from '../helpers/devdns.js';
import { addToHome } from '../helpers/server.js';
import { snapshot } from '../helpers/tree.js';

describe('devdns setup --dry-run (built binary)', () => {
  it('shows the macOS resolver file and the cache flush', async () => {
    const dir = tempDir();
    try {
      const result = await runDevdns(['setup', '--dry-run', '--platform', 'darwin', '--port', '9090'], { home: dir.path });
      assert.equal(result.code, 0, result.stderr);
      assert.equal(result.stdout, '# Written by devdns setup; devdns teardown removes it.\nnameserver 127.0.0.1\nport 9090\n');
      assert.match(result.stderr, /would write \/etc\/resolver\/test:/);
      assert.match(result.stderr, /would run: dscacheutil -flushcache\nwould run: killall -HUP mDNSResponder/);
    } finally {
      dir.cleanup();
    }
  });

  it('shows the systemd-resolved drop-in routing only the TLDs, and says why a drop-in', async () => {
    const dir = tempDir();
    try {
      await addToHome(dir.path, { name: 'db.internal', value: '10.0.0.5' });
      const result = await runDevdns(['setup', '--dry-run', '--platform', 'linux', '--resolver', 'systemd-resolved', '--port', '5300'], {
        home: dir.path,
      });
      assert.equal(result.code, 0, result.stderr);
      const [dropIn, anchors] = result.stdout.split(/(?<=\n)(?=; )/);
      assert.equal(
        dropIn,
        '# Written by devdns setup; devdns teardown removes it.\n[Resolve]\nDNS=127.0.0.1:5300\nDomains=~test ~internal\n',
      );
      // The routed TLDs as negative trust anchors, resolved's own ones after them.
      assert.match(anchors ?? '', /^; Written by devdns setup; devdns teardown removes it\.\ntest\ninternal\n10\.in-addr\.arpa\n/);
      assert.match(result.stderr, /would write .*\/etc\/dnssec-trust-anchors\.d\/devdns\.negative:/);
      assert.match(result.stderr, /drop-in survives reboots and network changes/);
      assert.match(result.stderr, /would run: systemctl restart systemd-resolved/);
    } finally {
      dir.cleanup();
    }
  });

  it('refuses a public TLD without --force', async () => {
    const dir = tempDir();
    try {
      const result = await runDevdns(['setup', '--dry-run', '--tld', 'dev'], { home: dir.path });
      assert.equal(result.code, 1);
      assert.match(result.stderr, /^devdns: --tld: routing \.dev to devdns would hide every real site under it \(use \.test/);
    } finally {
      dir.cleanup();
    }
  });
});

describe('devdns setup and teardown on a --root tree (built binary)', () => {
  for (const [resolver, platform] of [
    ['macos', 'darwin'],
    ['systemd-resolved', 'linux'],
    ['dnsmasq', 'linux'],
  ] as const) {
    it(`${resolver}: teardown leaves every file byte for byte as before; twice is harmless`, async () => {
      const home = tempDir();
      const root = tempDir();
      try {
        // A system with files of its own where devdns writes, including one it will replace.
        for (const dir of ['etc/resolver', 'etc/systemd/resolved.conf.d', 'etc/dnsmasq.d'])
          mkdirSync(join(root.path, dir), { recursive: true });
        writeFileSync(join(root.path, 'etc/resolver/test'), "nameserver 10.9.9.9 # the user's own\n");
        writeFileSync(join(root.path, 'etc/systemd/resolved.conf.d/vpn.conf'), '[Resolve]\nDNS=10.8.0.1\n');
        writeFileSync(join(root.path, 'etc/dnsmasq.d/local.conf'), 'address=/lan/10.0.0.1\n');
        const before = snapshot(root.path);
        const args = ['setup', '--yes', '--root', root.path, '--platform', platform, '--resolver', resolver, '--port', '9090'];
        const setup = await runDevdns(args, { home: home.path });
        assert.equal(setup.code, 0, setup.stderr);
        assert.notDeepEqual(snapshot(root.path), before, 'setup changed something');
        assert.match(setup.stderr, /skipped \(files under/);
        const again = await runDevdns(args, { home: home.path });
        assert.equal(again.code, 0, 'setup twice is harmless');
        assert.match(again.stderr, /undoing the previous setup first/);
        const teardown = await runDevdns(['teardown', '--yes'], { home: home.path });
        assert.equal(teardown.code, 0, teardown.stderr);
        assert.deepEqual(snapshot(root.path), before);
        const twice = await runDevdns(['teardown', '--yes'], { home: home.path });
        assert.deepEqual([twice.code, twice.stderr], [0, 'nothing to undo: devdns setup has not changed this system\n']);
      } finally {
        home.cleanup();
        root.cleanup();
      }
    });
  }
});

describe('devdns hosts sync and clean (built binary)', () => {
  it('writes only its block, skips wildcards, and clean restores the file exactly', async () => {
    const dir = tempDir();
    try {
      await addToHome(dir.path, { name: 'myapp.test' }, { name: '*.shop.test', value: '127.0.0.2' });
      const hosts = join(dir.path, 'hosts');
      const original = '127.0.0.1\tlocalhost\n# a comment the user keeps\n::1 localhost ip6-localhost\n';
      writeFileSync(hosts, original);
      const sync = await runDevdns(['hosts', 'sync', '--hosts-file', hosts], { home: dir.path });
      assert.equal(sync.code, 0, sync.stderr);
      assert.match(sync.stderr, /skipped \*\.shop\.test A: a hosts file has no wildcards/);
      const synced = readFileSync(hosts, 'utf8');
      assert.ok(synced.startsWith(original));
      assert.match(synced, /# devdns begin\n.*\n127\.0\.0\.1 myapp\.test\n::1 myapp\.test\n# devdns end\n$/);
      const again = await runDevdns(['hosts', 'sync', '--hosts-file', hosts], { home: dir.path });
      assert.match(again.stderr, /is up to date/);
      const clean = await runDevdns(['hosts', 'clean', '--hosts-file', hosts], { home: dir.path });
      assert.equal(clean.code, 0);
      assert.equal(readFileSync(hosts, 'utf8'), original);
      const cleanAgain = await runDevdns(['hosts', 'clean', '--hosts-file', hosts], { home: dir.path });
      assert.match(cleanAgain.stderr, /has no devdns block/);
      const missing = await runDevdns(['hosts', 'sync', '--hosts-file', join(dir.path, 'nope')], { home: dir.path });
      assert.equal(missing.code, 1);
      assert.match(missing.stderr, /nope does not exist/);
    } finally {
      dir.cleanup();
    }
  });
});

const skip = isRoot ? false : 'needs root for unshare --net --mount (CI runs these as root)';

/** Runs a shell script in private network and mount namespaces; returns what it printed. */
async function inNamespace(script: string, env: NodeJS.ProcessEnv): Promise<string> {
  const result = await runCommand(
    'unshare',
    ['--net', '--mount', '--propagation', 'private', 'bash', '-c', script],
    { ...process.env, ...env },
    110_000,
  );
  const out = `${result.stdout}\n${result.stderr}`;
  assert.equal(result.code, 0, out);
  return out;
}

describe('the whole machine resolves (built binary, network namespace)', { skip }, () => {
  it('dnsmasq as the system resolver: setup routes .test to devdns, doctor passes, teardown undoes it', { timeout: 120_000 }, async () => {
    const dir = tempDir();
    try {
      const home = join(dir.path, 'home');
      await addToHome(home, { name: 'myapp.test' }, { name: 'api.myapp.test', value: '127.0.0.7' });
      mkdirSync(join(dir.path, 'dnsmasq.d'));
      writeFileSync(join(dir.path, 'resolv.conf'), 'nameserver 127.0.0.1\noptions timeout:1 attempts:1\n');
      writeFileSync(join(dir.path, 'hosts'), '127.0.0.1 localhost\n');
      const script = `
        set -u
        T="$DIR"
        devdns() { "$NODE" "$BIN" "$@"; }
        ip link set lo up
        ip addr add 192.0.2.1/32 dev lo
        mount --bind "$T/resolv.conf" /etc/resolv.conf
        mount --bind "$T/hosts" /etc/hosts
        # setup as root keeps its journal in /var/lib/devdns: a tree of this namespace's own, not the machine's.
        mount -t tmpfs -o size=1m tmpfs /var/lib
        devdns up --port 5353 --control-port 0 >/dev/null 2>&1 || echo "up failed"
        dnsmasq --conf-dir="$T/dnsmasq.d" --port=53 --listen-address=127.0.0.1 --bind-interfaces --no-resolv --no-hosts \\
          --user=root --pid-file="$T/dnsmasq.pid" --log-facility="$T/dnsmasq.log" || echo "dnsmasq failed"
        echo "before=$(getent hosts myapp.test || echo none)"
        devdns setup --resolver dnsmasq --dnsmasq-dir "$T/dnsmasq.d" --yes 2>&1 | sed 's/^/setup: /'
        echo "conf=$(cat "$T/dnsmasq.d/devdns.conf" | tr '\\n' '|')"
        echo "hosts=$(getent hosts api.myapp.test)"
        echo "ahosts=$(getent ahostsv4 myapp.test | head -1)"
        devdns doctor > "$T/doctor.txt" 2>&1; echo "doctor-rc=$?"
        sed 's/^/doctor: /' "$T/doctor.txt"
        devdns down >/dev/null 2>&1
        devdns doctor --json > "$T/doctor-down.json" 2>/dev/null; echo "doctor-down-rc=$?"
        # Another program takes devdns's port while it is down.
        "$NODE" -e "require('dgram').createSocket('udp4').bind(5353, '127.0.0.1'); setTimeout(() => {}, 60000)" &
        squatter=$!
        for i in $(seq 1 100); do grep -q ':14E9 ' /proc/net/udp && break; sleep 0.02; done
        devdns doctor --json > "$T/doctor-port.json" 2>/dev/null; echo "doctor-port-rc=$?"
        kill $squatter
        devdns up --port 5353 --control-port 0 >/dev/null 2>&1 || echo "up again failed"
        devdns teardown --yes 2>&1 | sed 's/^/teardown: /'
        echo "conf-after=$(ls "$T/dnsmasq.d" | tr '\\n' ' ')"
        echo "after=$(getent hosts myapp.test || echo none)"
        devdns doctor --json > "$T/doctor-unrouted.json" 2>/dev/null; echo "doctor-unrouted-rc=$?"
        devdns down >/dev/null 2>&1
        kill $(cat "$T/dnsmasq.pid") 2>/dev/null
        true
      `;
      const out = await inNamespace(script, { DIR: dir.path, NODE: process.execPath, BIN, DEVDNS_HOME: home, NO_COLOR: '1' });
      if (process.env.DEVDNS_TEST_VERBOSE) console.log(out);
      assert.match(out, /^before=none$/m, out);
      assert.match(out, /^setup: .*restarted dnsmasq/m, out);
      assert.match(out, /^conf=# Written by devdns setup; devdns teardown removes it\.\|server=\/test\/127\.0\.0\.1#5353\|$/m);
      assert.match(out, /^hosts=127\.0\.0\.7\s+api\.myapp\.test$/m, out);
      assert.match(out, /^ahosts=127\.0\.0\.1\s+STREAM myapp\.test$/m);
      assert.match(out, /^doctor-rc=0$/m, out);
      assert.doesNotMatch(out, /^doctor: FAIL/m);
      assert.match(out, /^doctor: ok +the system resolver gets \.test names from devdns/m);

      type Report = { ok: boolean; checks: Array<{ id: string; status: string; message: string; fix?: string }> };
      const report = (name: string) => JSON.parse(readFileSync(join(dir.path, name), 'utf8')) as Report;
      const failing = (name: string) => report(name).checks.filter((check) => check.status === 'fail');
      assert.match(out, /^doctor-down-rc=1$/m);
      const down = failing('doctor-down.json');
      assert.deepEqual(down[0], { id: 'daemon', status: 'fail', message: 'devdns is not running', fix: 'devdns up' });
      assert.match(out, /^doctor-port-rc=1$/m);
      const port = failing('doctor-port.json').find((check) => check.id === 'port');
      assert.match(port?.message ?? '', /^port 5353 is held by pid \d+ \(.*node.*\)$/);
      assert.match(port?.fix ?? '', /devdns up --port/);

      assert.match(out, /^teardown: removed .*devdns\.conf$/m);
      assert.match(out, /^teardown: lookups for \.test no longer go to devdns$/m);
      assert.match(out, /^conf-after=$/m, 'the forwarding file is gone');
      assert.match(out, /^after=none$/m, 'and the name no longer resolves');
      assert.match(out, /^doctor-unrouted-rc=1$/m);
      const route = failing('doctor-unrouted.json').find((check) => check.id === 'route-test');
      assert.deepEqual(route, {
        id: 'route-test',
        status: 'fail',
        message: '.test is not routed to devdns',
        fix: 'devdns setup --tld test, or devdns hosts sync',
      });
    } finally {
      dir.cleanup();
    }
  });

  it('hosts sync on a bind-mounted /etc/hosts: getent resolves while synced; clean leaves it byte-identical', {
    timeout: 60_000,
  }, async () => {
    const dir = tempDir();
    try {
      const home = join(dir.path, 'home');
      await addToHome(home, { name: 'myapp.test', value: '127.0.0.9' });
      const original = '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n';
      writeFileSync(join(dir.path, 'hosts'), original);
      writeFileSync(join(dir.path, 'resolv.conf'), 'nameserver 127.0.0.1\noptions timeout:1 attempts:1\n');
      const script = `
        set -u
        ip link set lo up
        mount --bind "$DIR/resolv.conf" /etc/resolv.conf
        mount --bind "$DIR/hosts" /etc/hosts
        # setup as root keeps its journal in /var/lib/devdns: a tree of this namespace's own, not the machine's.
        mount -t tmpfs -o size=1m tmpfs /var/lib
        "$NODE" "$BIN" hosts sync 2>&1 | sed 's/^/sync: /'
        echo "synced=$(getent hosts myapp.test)"
        "$NODE" "$BIN" hosts clean 2>&1 | sed 's/^/clean: /'
        echo "cleaned=$(getent hosts myapp.test || echo none)"
      `;
      const out = await inNamespace(script, { DIR: dir.path, NODE: process.execPath, BIN, DEVDNS_HOME: home, NO_COLOR: '1' });
      assert.match(out, /^sync: wrote 1 lines to \/etc\/hosts \(in place: it is a mount point\)$/m, out);
      assert.match(out, /^synced=127\.0\.0\.9\s+myapp\.test$/m);
      assert.match(out, /^cleaned=none$/m);
      assert.equal(readFileSync(join(dir.path, 'hosts'), 'utf8'), original);
    } finally {
      dir.cleanup();
    }
  });
});

describe('devdns doctor names what is wrong (built binary)', () => {
  it('a stopped daemon, a broken records file, risky names: each failing check with its fix', async () => {
    const dir = tempDir();
    try {
      await addToHome(dir.path, { name: 'app.localhost', value: '10.0.0.8' });
      await runDevdns(['add', 'myapp.dev', '--force'], { home: dir.path });
      const hosts = join(dir.path, 'hosts');
      writeFileSync(hosts, '127.0.0.1 localhost\n');
      const result = await runDevdns(['doctor', '--json', '--hosts-file', hosts], { home: dir.path });
      assert.equal(result.code, 1);
      const report = JSON.parse(result.stdout) as {
        ok: boolean;
        checks: Array<{ id: string; status: string; message: string; fix?: string }>;
      };
      assert.equal(report.ok, false);
      const byId = Object.fromEntries(report.checks.map((check) => [check.id, check]));
      assert.deepEqual(
        Object.keys(byId).slice(0, 5),
        ['daemon', 'answers-udp', 'answers-tcp', 'port', 'records'],
        'checked in order, layer by layer',
      );
      assert.equal(byId.daemon?.status, 'fail');
      assert.equal(byId['answers-udp']?.status, 'skip');
      assert.equal(byId['route-test']?.fix, 'devdns setup --tld test, or devdns hosts sync');
      assert.match(byId.names?.message ?? '', /myapp\.dev is under \.dev, a public TLD that browsers force to HTTPS/);
      assert.match(byId.names?.message ?? '', /app\.localhost points at 10\.0\.0\.8/);

      writeFileSync(join(dir.path, 'records.json'), '{"version": 1');
      const broken = await runDevdns(['doctor'], { home: dir.path });
      assert.equal(broken.code, 1);
      assert.match(broken.stdout, /^FAIL .*records\.json: is not valid JSON.* \(fix: fix the file by hand/m);
      assert.match(broken.stderr, /checks failed/);
    } finally {
      dir.cleanup();
    }
  });
});
