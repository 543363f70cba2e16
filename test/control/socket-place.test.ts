import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { chooseSocketPlace, MAX_SOCKET_PATH_BYTES, removeSocketPlace } from '../../src/control/socket-place.js';
import { tempDir } from '../helpers/devdns.js';

const uid = process.getuid?.() ?? 0;

describe('control socket place', () => {
  it('is control.sock in the home when the path fits in a sockaddr_un', () => {
    assert.deepEqual(chooseSocketPlace('/home/me/.config/devdns', { platform: 'linux', uid }), {
      path: '/home/me/.config/devdns/control.sock',
    });
    assert.equal(chooseSocketPlace('/home/me/.config/devdns', { platform: 'win32', uid }), undefined, 'Windows: TCP only');
  });

  it('moves to a private runtime dir, or a fresh 0700 temp dir named for the uid, when the home is too long', () => {
    const dir = tempDir();
    try {
      const home = join(dir.path, 'h'.repeat(120));
      const runtime = join(dir.path, 'run');
      mkdirSync(runtime, { mode: 0o700 });
      const inRuntime = chooseSocketPlace(home, { platform: 'linux', uid, runtimeDir: runtime });
      assert.equal(dirname(inRuntime?.path ?? ''), runtime);
      assert.match(basename(inRuntime?.path ?? ''), /^devdns-[0-9a-f]{12}\.sock$/);
      assert.equal(inRuntime?.dir, undefined);
      assert.notEqual(
        chooseSocketPlace(`${home}2`, { platform: 'linux', uid, runtimeDir: runtime })?.path,
        inRuntime?.path,
        'one per home',
      );

      // A runtime dir others can enter is passed over.
      chmodSync(runtime, 0o755);
      const temp = join(dir.path, 'tmp');
      mkdirSync(temp, { mode: 0o1777 });
      const inTemp = chooseSocketPlace(home, { platform: 'linux', uid, runtimeDir: runtime, tempDir: temp });
      assert.ok(inTemp?.dir !== undefined);
      assert.match(basename(inTemp.dir), new RegExp(`^devdns-${uid}-`));
      assert.equal(dirname(inTemp.dir), temp);
      assert.equal(statSync(inTemp.dir).mode & 0o777, 0o700);
      assert.ok(Buffer.byteLength(inTemp.path) <= MAX_SOCKET_PATH_BYTES);
      removeSocketPlace(inTemp);
      assert.throws(() => statSync(inTemp.dir ?? ''), /ENOENT/, 'its directory goes with it');

      assert.equal(
        chooseSocketPlace(home, { platform: 'linux', uid, runtimeDir: undefined, tempDir: join(dir.path, 't'.repeat(100)) }),
        undefined,
      );
    } finally {
      dir.cleanup();
    }
  });
});
