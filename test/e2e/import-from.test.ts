// `devdns import --from valet|puma-dev` with the built binary: it finds the tool's files in $HOME
// (a temporary one here) and imports them; completion offers the tools.
import assert from 'node:assert/strict';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runDevdns, tempDir } from '../helpers/devdns.js';

describe('devdns import --from (built binary)', () => {
  const dir = tempDir();
  const user = join(dir.path, 'user');
  const home = join(dir.path, 'devdns');
  const devdns = (...args: string[]) => runDevdns(args, { home, env: { HOME: user } });
  before(() => {
    mkdirSync(join(user, '.config/valet/dnsmasq.d'), { recursive: true });
    writeFileSync(join(user, '.config/valet/dnsmasq.d/tld-test.conf'), 'address=/.test/127.0.0.1\n');
    mkdirSync(join(user, '.puma-dev'));
    mkdirSync(join(user, 'code/blog'), { recursive: true });
    symlinkSync(join(user, 'code/blog'), join(user, '.puma-dev/blog'));
    writeFileSync(join(user, '.puma-dev/api'), '127.0.0.9:3000\n');
  });
  after(() => dir.cleanup());

  it('imports what Valet and puma-dev serve', async () => {
    const valet = await devdns('import', '--from', 'valet');
    assert.equal(valet.code, 0, valet.stderr);
    assert.match(valet.stderr, /2 added/);
    const puma = await devdns('import', '--from', 'puma-dev');
    assert.equal(puma.code, 0, puma.stderr);
    assert.match(puma.stderr, /4 added/);
    const listed = JSON.parse((await devdns('ls', '--json')).stdout) as Array<{ name: string; value: string }>;
    assert.deepEqual(listed.map((r) => `${r.name} ${r.value}`).sort(), [
      '*.api.test 127.0.0.9',
      '*.blog.test 127.0.0.1',
      '*.test 127.0.0.1',
      'api.test 127.0.0.9',
      'blog.test 127.0.0.1',
      'test 127.0.0.1',
    ]);
  });

  it('refuses a file with --from in one line with a hint', async () => {
    const result = await devdns('import', '--from', 'valet', 'tld-test.conf');
    assert.equal(result.code, 1);
    assert.equal(result.stderr.trim().split('\n').length, 1);
    assert.match(result.stderr, /no file goes with it \(devdns import --from valet/);
  });

  it('completion offers the tools after --from', async () => {
    const bash = await devdns('completion', 'bash');
    assert.match(bash.stdout, /"import --from"\) COMPREPLY=\( \$\(compgen -W 'valet puma-dev'/);
  });
});
