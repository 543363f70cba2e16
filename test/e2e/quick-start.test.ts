// The README's quick start on a machine whose /etc/resolv.conf names an ordinary nameserver (no
// systemd-resolved, no dnsmasq: containers, WSL, minimal installs), for real: as root, in private
// network and mount namespaces with that resolv.conf and a hosts file of the test's own
// bind-mounted over the system's. `setup` chooses the hosts file, curl reaches the app by name,
// a later `add` resolves at once, doctor passes, and teardown leaves the hosts file as it was.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { BIN, isRoot, runCommand, tempDir } from '../helpers/devdns.js';

const skip = isRoot ? false : 'needs root for unshare --net --mount (CI runs these as root)';

describe('the quick start with a plain resolv.conf (built binary, network namespace)', { skip }, () => {
  it('setup routes through the hosts file and curl http://myapp.test:PORT/ reaches the app', { timeout: 90_000 }, async () => {
    const dir = tempDir();
    try {
      const original = "127.0.0.1 localhost\n::1 localhost\n# the machine's own line\n";
      writeFileSync(join(dir.path, 'resolv.conf'), 'nameserver 192.0.2.53\noptions timeout:1 attempts:1\n');
      writeFileSync(join(dir.path, 'hosts'), original);
      const script = `
        set -u
        T="$DIR"
        devdns() { "$NODE" "$BIN" "$@"; }
        ip link set lo up
        ip addr add 192.0.2.1/32 dev lo
        mount --bind "$T/resolv.conf" /etc/resolv.conf
        mount --bind "$T/hosts" /etc/hosts
        # What this machine's own resolver setup might say is hidden; root's journal copy stays in the namespace.
        [ -d /etc/NetworkManager ] && mount -t tmpfs tmpfs /etc/NetworkManager
        [ -d /run/systemd ] && mount -t tmpfs tmpfs /run/systemd
        mount -t tmpfs tmpfs /var/lib
        "$NODE" -e "require('http').createServer((q, s) => s.end('hello from ' + q.headers.host)).listen(3000, '127.0.0.1')" &
        web=$!
        devdns add myapp.test 127.0.0.1 2>&1 | sed 's/^/add: /'
        devdns up --port 0 --control-port 0 2>&1 | sed 's/^/up: /'
        devdns setup --yes > "$T/setup.txt" 2>&1; echo "setup-rc=$?"
        sed 's/^/setup: /' "$T/setup.txt"
        deadline=$(( $(date +%s) + 10 ))
        until curl -s -o /dev/null http://127.0.0.1:3000/; do
          [ "$(date +%s)" -lt "$deadline" ] || { echo "web server not ready"; break; }
          sleep 0.05
        done
        echo "curl=$(curl -s --max-time 5 http://myapp.test:3000/)"
        devdns add api.myapp.test 127.0.0.7 > "$T/add.txt" 2>&1; echo "add-rc=$?"
        sed 's/^/add2: /' "$T/add.txt"
        echo "api=$(getent hosts api.myapp.test)"
        devdns doctor > "$T/doctor.txt" 2>&1; echo "doctor-rc=$?"
        sed 's/^/doctor: /' "$T/doctor.txt"
        devdns teardown --yes 2>&1 | sed 's/^/teardown: /'
        echo "after=$(curl -s --max-time 5 http://myapp.test:3000/ || echo failed)"
        devdns down 2>&1 | sed 's/^/down: /'
        kill $web
        true
      `;
      const result = await runCommand(
        'unshare',
        ['--net', '--mount', '--propagation', 'private', 'bash', '-c', script],
        { ...process.env, DIR: dir.path, NODE: process.execPath, BIN, DEVDNS_HOME: join(dir.path, 'home'), NO_COLOR: '1' },
        80_000,
      );
      const out = `${result.stdout}\n${result.stderr}`;
      if (process.env.DEVDNS_TEST_VERBOSE) console.log(out);
      assert.equal(result.code, 0, out);
      assert.match(out, /^setup-rc=0$/m, out);
      assert.match(out, /^setup: resolver: resolv\.conf /m, out);
      assert.match(out, /^setup: route: the hosts file \(\/etc\/hosts\)$/m, out);
      assert.match(out, /^curl=hello from myapp\.test:3000$/m, out);
      assert.match(out, /^add-rc=0$/m);
      assert.doesNotMatch(out, /^add2: .*behind/m, 'the daemon brought the hosts file up to date');
      assert.match(out, /^api=127\.0\.0\.7\s+api\.myapp\.test$/m, out);
      assert.match(out, /^doctor-rc=0$/m, out);
      assert.match(out, /^doctor: ok +\.test is routed through the hosts file \(\/etc\/hosts, chosen by devdns setup/m, out);
      assert.match(out, /^teardown: .*removed the devdns block from \/etc\/hosts$/m, out);
      assert.match(out, /^after=failed$/m, out);
      assert.equal(readFileSync(join(dir.path, 'hosts'), 'utf8'), original, 'teardown leaves the hosts file as it was');
    } finally {
      dir.cleanup();
    }
  });
});
