// End to end: an override of a real name on a whole machine, contained in private network and
// mount namespaces. A real dnsmasq is the system's resolver (127.0.0.1:53) and a second dnsmasq
// plays the real servers of a made-up example.com (127.0.0.2:53), which devdns forwards to.
// setup routes exactly the overridden name to devdns; getent and curl go through it; the rest of
// example.com never reaches devdns; a name setup cannot route ("_") is left out with a warning, and
// the route by hand it describes works; an override begun or ended after setup is routed by running
// setup again, and meanwhile an ended one's route still resolves the real name.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { BIN, isRoot, runCommand, tempDir } from '../helpers/devdns.js';

const skip = isRoot ? false : 'needs root for unshare --net --mount (CI runs these as root)';

describe('an override on the whole machine (built binary, network namespace, real dnsmasq)', { skip }, () => {
  it('setup routes the name itself, getent and curl get the mock, other names and types stay real', { timeout: 120_000 }, async () => {
    const dir = tempDir();
    try {
      const home = join(dir.path, 'home');
      mkdirSync(join(dir.path, 'dnsmasq.d'));
      writeFileSync(join(dir.path, 'resolv.conf'), 'nameserver 127.0.0.1\noptions timeout:1 attempts:1\n');
      writeFileSync(join(dir.path, 'hosts'), '127.0.0.1 localhost\n');
      const script = `
        set -u
        T="$DIR"
        devdns() { "$NODE" "$BIN" "$@"; }
        addr() { getent ahostsv4 "$1" | head -1 | cut -d' ' -f1; }
        ip link set lo up
        ip addr add 198.51.100.1/32 dev lo # an address besides loopback, or getaddrinfo finds no IPv4 (AI_ADDRCONFIG)
        mount --bind "$T/resolv.conf" /etc/resolv.conf
        mount --bind "$T/hosts" /etc/hosts
        # setup as root keeps its journal in /var/lib/devdns: a tree of this namespace's own, not the machine's.
        mount -t tmpfs -o size=1m tmpfs /var/lib
        # The real servers of example.com.
        dnsmasq --port=53 --listen-address=127.0.0.2 --bind-interfaces --no-resolv --no-hosts --user=root \\
          --host-record=api.example.com,192.0.2.10 --host-record=web.example.com,192.0.2.11 \\
          --host-record=new.example.com,192.0.2.12 --mx-host=api.example.com,mx.example.com,10 \\
          --txt-record=api.example.com,real-txt --pid-file="$T/real.pid" || echo "real dnsmasq failed"
        # The system's resolver: everything to the real servers, and what setup adds to devdns; no
        # cache of its own, so that each lookup shows what devdns answers now.
        dnsmasq --conf-dir="$T/dnsmasq.d" --port=53 --listen-address=127.0.0.1 --bind-interfaces --no-resolv --no-hosts \\
          --server=127.0.0.2 --cache-size=0 --user=root --pid-file="$T/dnsmasq.pid" || echo "dnsmasq failed"
        "$NODE" -e "require('http').createServer((q, s) => s.end('mock for ' + q.headers.host)).listen(8080, '127.0.0.1')" &
        web=$!
        devdns config set upstream 127.0.0.2 >/dev/null 2>&1
        devdns up --port 5353 --control-port 0 >/dev/null 2>&1 || echo "up failed"
        echo "before=$(addr api.example.com)"
        devdns override api.example.com 127.0.0.1 --force >/dev/null 2>&1
        # A name setup cannot route ("_"): left out with a warning, the rest routed; routed by hand as the warning says.
        devdns override _svc.example.com 127.0.0.9 --force >/dev/null 2>&1
        echo "server=/_svc.example.com/127.0.0.1#5353" > "$T/dnsmasq.d/by-hand.conf"
        devdns setup --resolver dnsmasq --dnsmasq-dir "$T/dnsmasq.d" --yes 2>&1 | sed 's/^/setup: /'
        echo "by-hand=$(dig +short @127.0.0.1 _svc.example.com A)"
        rm "$T/dnsmasq.d/by-hand.conf"
        echo "conf=$(grep -v '^#' "$T/dnsmasq.d/devdns.conf" | tr '\\n' '|')"
        echo "api=$(addr api.example.com)"
        echo "web=$(addr web.example.com)"
        echo "mx=$(dig +short @127.0.0.1 api.example.com MX)"
        echo "txt=$(dig +short @127.0.0.1 api.example.com TXT)"
        for i in $(seq 1 100); do curl -s -o /dev/null http://127.0.0.1:8080/ && break; sleep 0.05; done
        echo "curl=$(curl -s --max-time 5 http://api.example.com:8080/)"
        devdns doctor --json > "$T/doctor.json" 2>/dev/null
        # An override begun after setup: not routed until setup runs again, and the command says so.
        devdns override new.example.com 127.0.0.3 --force 2>&1 | grep -i 'setup again' | sed 's/^/begun: /'
        echo "new-before=$(addr new.example.com)"
        # An override ended: its route stays until setup runs again, and devdns forwards the name meanwhile.
        devdns rm api.example.com 2>&1 | grep -i 'setup again' | sed 's/^/ended: /'
        echo "api-ended=$(addr api.example.com)"
        devdns doctor --json > "$T/doctor-stale.json" 2>/dev/null
        devdns setup --resolver dnsmasq --dnsmasq-dir "$T/dnsmasq.d" --yes >/dev/null 2>&1 || echo "setup again failed"
        echo "conf-again=$(grep -v '^#' "$T/dnsmasq.d/devdns.conf" | tr '\\n' '|')"
        echo "new=$(addr new.example.com)"
        echo "api-after=$(addr api.example.com)"
        # devdns down: the overridden name fails rather than silently reaching the real site.
        devdns down >/dev/null 2>&1
        echo "new-down=$(addr new.example.com || true)"
        devdns up --port 5353 --control-port 0 >/dev/null 2>&1 || echo "up again failed"
        devdns teardown --yes >/dev/null 2>&1 || echo "teardown failed"
        echo "conf-after=$(ls "$T/dnsmasq.d" | tr '\\n' ' ')"
        echo "new-torn=$(addr new.example.com)"
        devdns down >/dev/null 2>&1
        kill $web $(cat "$T/dnsmasq.pid") $(cat "$T/real.pid") 2>/dev/null
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
      assert.match(out, /^before=192\.0\.2\.10$/m, out);
      assert.match(out, /^conf=server=\/test\/127\.0\.0\.1#5353\|server=\/api\.example\.com\/127\.0\.0\.1#5353\|$/m, out);
      assert.match(
        out,
        /^setup: warning: setup does not route _svc\.example\.com to devdns: .*, and this one has "_"; to route it by hand, send _svc\.example\.com to 127\.0\.0\.1 port 5353 in the resolver's own configuration$/m,
        out,
      );
      assert.match(out, /^by-hand=127\.0\.0\.9$/m, 'the route by hand the warning describes works');
      assert.match(out, /^api=127\.0\.0\.1$/m, out);
      assert.match(out, /^web=192\.0\.2\.11$/m, 'the rest of example.com stays real');
      assert.match(out, /^mx=10 mx\.example\.com\.$/m, 'other types come from the real servers, through devdns');
      assert.match(out, /^txt="real-txt"$/m);
      assert.match(out, /^curl=mock for api\.example\.com:8080$/m, out);
      assert.match(out, /^begun: to route new\.example\.com to devdns, run devdns setup again$/m, out);
      assert.match(out, /^new-before=192\.0\.2\.12$/m);
      assert.match(
        out,
        /^ended: to route new\.example\.com to devdns and give api\.example\.com back to the real servers, run devdns setup again$/m,
        out,
      );
      assert.match(out, /^api-ended=192\.0\.2\.10$/m, "an ended override's route still resolves the real name");
      assert.match(out, /^conf-again=server=\/test\/127\.0\.0\.1#5353\|server=\/new\.example\.com\/127\.0\.0\.1#5353\|$/m, out);
      assert.match(out, /^new=127\.0\.0\.3$/m, out);
      assert.match(out, /^api-after=192\.0\.2\.10$/m);
      assert.match(out, /^new-down=$/m, 'with devdns down the overridden name does not resolve');
      assert.match(out, /^conf-after=$/m);
      assert.match(out, /^new-torn=192\.0\.2\.12$/m, 'teardown gives the name back');
      const doctor = JSON.parse(readFileSync(join(dir.path, 'doctor.json'), 'utf8')) as {
        checks: Array<{ id: string; status: string; message: string }>;
      };
      const check = (id: string) => doctor.checks.find((c) => c.id === id);
      assert.equal(check('route-api.example.com')?.status, 'ok', JSON.stringify(doctor));
      assert.match(check('system-resolver-api.example.com')?.message ?? '', /gets api\.example\.com from devdns/);
      assert.equal(check('route-com'), undefined);
      assert.equal(check('route-_svc.example.com')?.status, 'warn', JSON.stringify(doctor));
      assert.equal(check('system-resolver-_svc.example.com'), undefined);
      const stale = JSON.parse(readFileSync(join(dir.path, 'doctor-stale.json'), 'utf8')) as typeof doctor;
      assert.equal(stale.checks.find((c) => c.id === 'route-api.example.com')?.status, 'warn', JSON.stringify(stale));
    } finally {
      dir.cleanup();
    }
  });
});
