// End to end: a full disk and a read-only or unwritable directory fail with the path named, and the
// old records file survives. As root this runs in a private mount namespace on a tiny tmpfs.
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { BIN, fileBytes, isRoot, recordsFile, runCommand, runDevdns, tempDir } from '../helpers/devdns.js';

describe('write failures keep the old file (built binary)', () => {
  it(isRoot ? 'ENOSPC and EROFS on a tmpfs, in a private mount namespace' : 'EACCES on a read-only directory (not root)', async () => {
    const dir = tempDir();
    try {
      const home = join(dir.path, 'home');
      mkdirSync(home);
      if (isRoot) await checkFullAndReadOnly(home);
      else await checkUnwritable(home);
    } finally {
      chmodSync(dir.path, 0o700);
      dir.cleanup();
    }
  });
});

/** Runs a script in `unshare --mount` so the tmpfs and the remount are seen by nothing else. */
async function checkFullAndReadOnly(home: string): Promise<void> {
  const devdns = `"${process.execPath}" "${BIN}"`;
  const script = `
    set -u
    mount -t tmpfs -o size=64k,mode=0700 devdns-test "$H"
    ${devdns} add a.test 10.0.0.1 >/dev/null 2>&1 || { echo "seed failed"; exit 9; }
    before=$(sha256sum "$H/records.json")
    dd if=/dev/zero of="$H/fill" bs=4k count=64 2>/dev/null
    ${devdns} add b.test 10.0.0.2; echo "full-rc=$?"
    [ "$(sha256sum "$H/records.json")" = "$before" ] && echo "full-kept"
    ls "$H" | grep -v -e '^records.json$' -e '^records.checked$' -e '^fill$' | sed 's/^/stray: /'
    rm -f "$H/fill"
    mount -o remount,ro "$H"
    ${devdns} add c.test 10.0.0.3; echo "ro-rc=$?"
    [ "$(sha256sum "$H/records.json")" = "$before" ] && echo "ro-kept"
    ${devdns} ls --json | grep -c '"name"' | sed 's/^/listed: /'
  `;
  const result = await runCommand(
    'unshare',
    ['--mount', '--propagation', 'private', 'sh', '-c', script],
    { ...process.env, H: home, DEVDNS_HOME: home, NO_COLOR: '1' },
    60_000,
  );
  const out = `${result.stdout}${result.stderr}`;
  assert.equal(result.code, 0, out);
  assert.match(out, /full-rc=1\n/);
  assert.match(
    out,
    new RegExp(`devdns: ${home}/records\\.json: could not be written: the disk is full \\(ENOSPC\\); the previous version is unchanged`),
  );
  assert.match(out, /full-kept\n/);
  assert.doesNotMatch(out, /stray: /, 'no temporary file is left behind');
  assert.match(out, /ro-rc=1\n/);
  assert.match(out, new RegExp(`devdns: ${home}[^ ]*: .*read-only \\(EROFS\\)`));
  assert.match(out, /ro-kept\n/);
  assert.match(out, /listed: 1\n/);
}

async function checkUnwritable(home: string): Promise<void> {
  assert.equal((await runDevdns(['add', 'a.test', '10.0.0.1'], { home })).code, 0);
  const before = fileBytes(recordsFile(home));
  chmodSync(home, 0o500);
  const result = await runDevdns(['add', 'b.test', '10.0.0.2'], { home });
  chmodSync(home, 0o700);
  assert.equal(result.code, 1);
  assert.match(result.stderr, new RegExp(`^devdns: ${home}[^ ]*: .*permission denied \\(EACCES\\)`));
  assert.deepEqual(fileBytes(recordsFile(home)), before);
}
