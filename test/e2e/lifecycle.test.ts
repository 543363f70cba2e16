// The daemon's lifecycle as a user meets it: restart refuses, keeping the daemon, when the new one could not start.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { DaemonState } from '../../src/daemon/state.js';
import { runDevdns, tempDir } from '../helpers/devdns.js';
import { listenTcp } from '../helpers/ports.js';

const readState = (home: string) => JSON.parse(readFileSync(join(home, 'daemon.json'), 'utf8')) as DaemonState;

async function withDaemon(run: (home: string, state: DaemonState) => Promise<void>): Promise<void> {
  const dir = tempDir();
  try {
    const up = await runDevdns(['up', '--port', '0', '--control-port', '0'], { home: dir.path });
    assert.equal(up.code, 0, up.stderr);
    await run(dir.path, readState(dir.path));
  } finally {
    await runDevdns(['down'], { home: dir.path });
    dir.cleanup();
  }
}

describe('devdns restart', () => {
  it('refuses, keeping the daemon, while the records file is broken', async () => {
    await withDaemon(async (home, state) => {
      writeFileSync(join(home, 'records.json'), '{ not json');
      const restart = await runDevdns(['restart', '--port', '0', '--control-port', '0'], { home });
      assert.equal(restart.code, 1, restart.stdout);
      assert.match(restart.stderr, /records\.json/);
      assert.match(restart.stderr, /not valid JSON/);
      assert.match(restart.stderr, /keeps running/);
      const status = await runDevdns(['status', '--json'], { home });
      assert.equal(status.code, 0, status.stderr);
      assert.equal((JSON.parse(status.stdout) as { pid: number }).pid, state.pid);
    });
  });

  it('refuses, keeping the daemon, a port another program holds', async () => {
    await withDaemon(async (home, state) => {
      const holder = await listenTcp();
      try {
        const { port } = holder.address() as { port: number };
        const restart = await runDevdns(['restart', '--port', String(port), '--control-port', '0'], { home });
        assert.equal(restart.code, 1, restart.stdout);
        assert.match(restart.stderr, new RegExp(`port 127\\.0\\.0\\.1:${port} is not free`));
        const status = await runDevdns(['status', '--json'], { home });
        assert.equal((JSON.parse(status.stdout) as { pid: number }).pid, state.pid);
      } finally {
        holder.close();
      }
    });
  });
});
