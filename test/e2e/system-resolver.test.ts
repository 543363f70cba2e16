// End to end through the system resolver (getaddrinfo): in a private network and mount namespace,
// devdns listens on port 53 of the namespace's loopback and a resolv.conf naming 127.0.0.1 is
// bind-mounted over /etc/resolv.conf, so getent, curl and Node's dns.lookup ask devdns. Nothing
// outside the namespace changes. Needs root (CI runs as root).
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { BIN, isRoot, runCommand, tempDir } from '../helpers/devdns.js';
import { addToHome } from '../helpers/server.js';

const skip = isRoot ? false : 'needs root for unshare --net --mount (CI runs these as root)';

describe('the system resolver asks devdns (built binary, network namespace)', { skip }, () => {
  it('getent hosts/ahosts, curl and dns.lookup resolve a devdns name; a missing name fails', { timeout: 60_000 }, async () => {
    const dir = tempDir();
    try {
      const home = join(dir.path, 'home');
      await addToHome(home, { name: 'myapp.test' }, { name: 'api.myapp.test', value: '127.0.0.7' });
      writeFileSync(join(dir.path, 'resolv.conf'), 'nameserver 127.0.0.1\noptions timeout:1 attempts:2\n');
      writeFileSync(join(dir.path, 'hosts'), '127.0.0.1 localhost\n::1 localhost\n');
      const node = `"${process.execPath}"`;
      const script = `
        set -u
        T="${dir.path}"
        ip link set lo up
        # getaddrinfo with AI_ADDRCONFIG wants an IPv4 address other than 127.x (DESIGN.md section 9).
        ip addr add 192.0.2.1/32 dev lo
        mount --bind "$T/resolv.conf" /etc/resolv.conf
        mount --bind "$T/hosts" /etc/hosts
        # setup as root keeps its journal in /var/lib/devdns: a tree of this namespace's own, not the machine's.
        mount -t tmpfs -o size=1m tmpfs /var/lib
        DEVDNS_HOME="$T/home" NO_COLOR=1 ${node} "${BIN}" up --foreground --port 53 --control-port 0 > "$T/out" 2> "$T/err" &
        devdns=$!
        ${node} -e "require('http').createServer((q, s) => s.end('hello from ' + q.headers.host)).listen(8080, '127.0.0.1')" &
        web=$!
        deadline=$(( $(date +%s) + 15 ))
        until grep -q 'serving DNS' "$T/err" && curl -s -o /dev/null http://127.0.0.1:8080/; do
          [ "$(date +%s)" -lt "$deadline" ] || { echo "not ready: $(cat "$T/err")"; break; }
          sleep 0.05
        done
        echo "hosts=$(getent hosts myapp.test)"
        echo "hosts-sub=$(getent hosts api.myapp.test)"
        echo "ahosts=$(getent ahosts myapp.test | tr '\\n' '|')"
        getent hosts missing.test; echo "missing-rc=$?"
        echo "curl=$(curl -s --max-time 5 http://myapp.test:8080/)"
        ${node} -e "require('dns').lookup('api.myapp.test', (e, a) => console.log('lookup=' + (e ? e.code : a)))"
        ${node} -e "require('dns').lookup('missing.test', (e, a) => console.log('lookup-missing=' + (e ? e.code : a)))"
        kill $web
        kill -TERM $devdns; wait $devdns; echo "devdns-exit=$?"
        echo "queries=$(grep -c 'myapp.test A NOERROR' "$T/out")"
      `;
      const result = await runCommand('unshare', ['--net', '--mount', '--propagation', 'private', 'sh', '-c', script], process.env, 50_000);
      const out = result.stdout;
      assert.equal(result.code, 0, `${out}\n${result.stderr}`);
      assert.match(out, /^hosts=(::1|127\.0\.0\.1)\s+myapp\.test$/m, out); // getent hosts asks for IPv6 first
      assert.match(out, /^hosts-sub=127\.0\.0\.7\s+api\.myapp\.test$/m);
      assert.match(out, /^ahosts=127\.0\.0\.1\s+STREAM myapp\.test\|/m);
      assert.match(out, /^missing-rc=2$/m, 'getent exits 2 for a name that does not resolve');
      assert.match(out, /^curl=hello from myapp\.test:8080$/m);
      assert.match(out, /^lookup=127\.0\.0\.7$/m);
      assert.match(out, /^lookup-missing=ENOTFOUND$/m);
      assert.match(out, /^devdns-exit=0$/m);
      assert.doesNotMatch(out, /^queries=0$/m, 'the answers came from devdns');
    } finally {
      dir.cleanup();
    }
  });
});
