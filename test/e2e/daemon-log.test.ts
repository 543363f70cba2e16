// End to end: a flood of datagrams that each earn a log line, and another user filling the disk
// under the home, against the built daemon started in the background. As root, in a private mount
// namespace on a small tmpfs (mode 1777, so `nobody` can fill it). Afterwards the daemon still
// answers, its log grew by a bounded amount and counts what it held back, it says how many lines
// the full disk cost once there is room again, and `devdns down` stops it as usual.
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { BIN, isRoot, runCommand, tempDir } from '../helpers/devdns.js';
import { startDevdns } from '../helpers/server.js';

/** Sends COUNT datagrams to 127.0.0.1:PORT, half responses (dropped, logged), half good queries (query-logged). */
const FLOOD = `
const dgram = require('node:dgram');
const [port, count] = process.argv.slice(1).map(Number);
const response = Buffer.from('0001818000010000000000000574657374730474657374000001000' + '1', 'hex');
const query = Buffer.from('00020000000100000000000005' + Buffer.from('myapp').toString('hex') + '04' + Buffer.from('test').toString('hex') + '0000010001', 'hex');
const socket = dgram.createSocket('udp4');
const deadline = Date.now() + 30000;
let sent = 0;
const batch = () => {
  if (sent >= count || Date.now() > deadline) { socket.close(); console.log('sent ' + sent); return; }
  let pending = 0;
  for (let i = 0; i < 500 && sent < count; i++, sent++) {
    pending++;
    socket.send(sent % 2 ? query : response, port, '127.0.0.1', () => { if (--pending === 0) setImmediate(batch); });
  }
};
batch();
`;

describe('the daemon log under a flood and a full disk (built binary)', { skip: !isRoot && 'needs root for mount and runuser' }, () => {
  it('stays up, logs a bounded amount with a count of what it suppressed, and stops normally', { timeout: 120_000 }, async () => {
    const dir = tempDir();
    try {
      const mnt = join(dir.path, 'mnt');
      mkdirSync(mnt);
      // The filler, another user, must reach the mount point.
      chmodSync(dir.path, 0o711);
      const node = `"${process.execPath}"`;
      const devdns = `${node} "${BIN}"`;
      const script = `
        set -u
        mount -t tmpfs -o size=4m,mode=1777 devdns-flood "$T" || exit 7
        mkdir -m 700 "$H"
        ${devdns} add myapp.test 127.0.0.1 >/dev/null 2>&1 || { echo "seed failed"; exit 9; }
        ${devdns} up --port 0 --control-port 0 >/dev/null 2>&1 || { echo "up failed"; cat "$H/daemon.log"; exit 8; }
        read -r P PID <<EOF
$(${node} -e 'const s = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")); console.log(s.dns.port, s.pid)' "$H/daemon.json")
EOF
        logsize() { cat "$H"/daemon.log* 2>/dev/null | wc -c; }
        before=$(logsize)
        ${node} -e "$FLOOD" "$P" 100000
        # The count of the last second is written when that second is over.
        # A count is written at each second's turn: the first may cover only part of a second
        # of the flood, so wait for the largest.
        for i in $(seq 50); do grep -qE 'suppressed [0-9]{4,}' "$H/daemon.log" && break; sleep 0.1; done
        echo "grew=$(( $(logsize) - before ))"
        grep -o 'dns-dropped: suppressed [0-9]* similar messages' "$H/daemon.log" | sort -t' ' -k3 -n | tail -1 | sed 's/^/count: /'
        # The daemon's last count is out once the log stops growing (at most a second or so).
        last=-1; same=0
        for i in $(seq 100); do s=$(stat -c %s "$H/daemon.log"); [ "$s" = "$last" ] && same=$((same + 1)) || same=0; last=$s; [ $same -ge 8 ] && break; sleep 0.2; done
        # tmpfs gives a file whole pages (or larger folios), and a full one none: fill the log to a
        # 64 KiB boundary first, so that its next line needs room the disk will not have.
        head -c $(( (65536 - s % 65536) % 65536 )) /dev/zero | tr '\\0' '#' >> "$H/daemon.log"
        runuser -u nobody -- dd if=/dev/zero of="$T/fill" bs=4k 2>/dev/null; echo "filled: $(df --output=avail "$T" | tail -1)"
        ${node} -e "$FLOOD" "$P" 100000
        dig +short +time=1 +tries=3 @127.0.0.1 -p "$P" myapp.test | sed 's/^/answer: /'
        kill -0 "$PID" 2>/dev/null && echo "alive-after-full"
        rm -f "$T/fill"
        for i in $(seq 50); do
          grep -q 'daemon log lines could not be written (ENOSPC)' "$H/daemon.log" && { echo "lost-counted"; break; }
          ${node} -e "$FLOOD" "$P" 10 >/dev/null; sleep 0.1
        done
        ${devdns} down >/dev/null 2>&1; echo "down-rc=$?"
        [ -e "$H/daemon.json" ] || echo "state-removed"
        for i in $(seq 50); do kill -0 "$PID" 2>/dev/null || { echo "exited"; break; }; sleep 0.1; done
        tail -12 "$H/daemon.log" | sed 's/^/log: /'
      `;
      const home = join(mnt, 'home');
      const result = await runCommand(
        'unshare',
        ['--mount', '--propagation', 'private', 'bash', '-c', script],
        { ...process.env, T: mnt, H: home, DEVDNS_HOME: home, NO_COLOR: '1', FLOOD },
        110_000,
      );
      const out = `${result.stdout}${result.stderr}`;
      assert.equal(result.code, 0, out);
      assert.match(out, /sent 100000\n/, out);
      const grew = Number(/grew=(\d+)/.exec(out)?.[1] ?? Number.NaN);
      // Before: one unthrottled line per packet, 5.7 MB per 100,000.
      assert.ok(grew < 64 * 1024, `the log grew by ${grew} bytes\n${out}`);
      assert.match(out, /count: dns-dropped: suppressed \d{4,} similar messages/, out);
      assert.match(out, /filled: +0\n/, out);
      assert.match(out, /alive-after-full\n/, out);
      assert.match(out, /answer: 127\.0\.0\.1\n/, out);
      assert.match(out, /lost-counted\n/, out);
      assert.match(out, /down-rc=0\n/, out);
      assert.match(out, /state-removed\n/, out);
      assert.match(out, /exited\n/, out);
    } finally {
      dir.cleanup();
    }
  });
});

describe('the foreground daemon under a flood (built binary)', () => {
  it('shows at most 50 query lines a second on stdout and counts the rest', { timeout: 60_000 }, async () => {
    const dir = tempDir();
    const daemon = await startDevdns(join(dir.path, 'home'));
    try {
      const flood = await runCommand(process.execPath, ['-e', FLOOD, String(daemon.port), '4000'], process.env, 40_000);
      assert.match(flood.stdout, /sent 4000/);
      const counted = await daemon.waitFor('stderr', /\((\d+) more queries not shown; devdns logs has them\)/, 5_000);
      const shown = daemon
        .stdout()
        .split('\n')
        .filter((line) => line.includes('myapp.test')).length;
      // 2,000 good queries in about a second or two: far fewer lines than queries.
      assert.ok(shown <= 200, `${shown} query lines shown`);
      assert.ok(Number(counted[1]) > 0);
    } finally {
      assert.equal(await daemon.stop(), 0);
      dir.cleanup();
    }
  });
});
