// `devdns logs -f` on a terminal, following a daemon started with the built binary: a header
// first, columns at their starting widths, and a value wider than its column widens it, whole.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { main } from '../../src/cli/main.js';
import type { DaemonState } from '../../src/daemon/state.js';
import { askUdp } from '../../src/dns/client.js';
import { QTYPE } from '../../src/dns/protocol.js';
import { runDevdns, tempDir } from '../helpers/devdns.js';
import { eventually } from '../helpers/server.js';

describe('devdns logs -f on a terminal', () => {
  const dir = tempDir();
  const home = dir.path;
  let port = 0;
  before(async () => {
    assert.equal((await runDevdns(['add', 'myapp.test', '127.0.0.1'], { home })).code, 0);
    const up = await runDevdns(['up', '--port', '0', '--control-port', '0'], { home });
    assert.equal(up.code, 0, up.stderr);
    port = (JSON.parse(readFileSync(join(home, 'daemon.json'), 'utf8')) as DaemonState).dns.port;
  });
  after(async () => {
    await runDevdns(['down'], { home });
    dir.cleanup();
  });

  it('prints a header, then aligned lines, widening a column for a longer value', async () => {
    let stdout = '';
    let stderr = '';
    const following = main(['logs', '-f'], {
      stdout: { write: (text: string) => (stdout += text), isTTY: true },
      stderr: { write: (text: string) => (stderr += text), isTTY: true },
      env: { DEVDNS_HOME: home, NO_COLOR: '1' },
    });
    try {
      await eventually(() => (stdout.includes('ANSWER') ? true : undefined), 10_000, 'the header');
      await askUdp('127.0.0.1', port, 'myapp.test', QTYPE.A);
      const long = 'a-name-longer-than-the-starting-width-of-its-column.myapp.test';
      await askUdp('127.0.0.1', port, long, QTYPE.A);
      const lines = await eventually(
        () => {
          const all = stdout.split('\n').filter(Boolean);
          return all.length >= 3 ? all : undefined;
        },
        10_000,
        'two queries',
      );
      const [header = '', first = '', second = ''] = lines;
      assert.match(header, /^TIME +CLIENT +NAME +TYPE +RESULT +µs +FROM +ANSWER$/);
      assert.equal(first.indexOf('record'), header.indexOf('FROM'), 'where the answer came from, in its column');
      assert.equal(first.indexOf('myapp.test'), header.indexOf('NAME'));
      assert.equal(first.indexOf('NOERROR'), header.indexOf('RESULT'));
      assert.ok(first.endsWith('A 127.0.0.1'), first);
      assert.equal(second.indexOf(long), header.indexOf('NAME'), 'the long name is whole, in its column');
      assert.ok(second.indexOf('NXDOMAIN') > header.indexOf('RESULT'), 'the columns after it moved right');
    } finally {
      assert.equal((await runDevdns(['down'], { home })).code, 0);
    }
    assert.equal(await following, 0, stderr);
  });
});
