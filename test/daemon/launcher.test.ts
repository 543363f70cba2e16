// launchDaemon and stopDaemon against a real daemon (the built binary) in a temp home, on ports 0.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { describe, it } from 'node:test';
import { ControlClient } from '../../src/control/client.js';
import { ROUTES } from '../../src/control/protocol.js';
import { daemonLogPath, launchDaemon, stopDaemon } from '../../src/daemon/launcher.js';
import { lookupDaemon, processAlive, writeState } from '../../src/daemon/state.js';
import { DevdnsError } from '../../src/errors.js';
import { recordsFile, tempDir } from '../helpers/devdns.js';

const EPHEMERAL = ['--port', '0', '--control-port', '0'];
const LAUNCH_MS = 8_000;
const STOP_MS = 4_000;
const built = existsSync(new URL('../../dist/cli/main.js', import.meta.url));

/** Runs `test` with a fresh home; every daemon started there is stopped afterwards. */
async function inHome(test: (home: string) => Promise<void>): Promise<void> {
  const dir = tempDir();
  try {
    await test(dir.path);
  } finally {
    await stopDaemon(dir.path, { timeoutMs: STOP_MS });
    dir.cleanup();
  }
}

async function launchFailure(home: string, args: readonly string[]): Promise<DevdnsError> {
  const error = await launchDaemon(home, args, LAUNCH_MS).then(
    () => assert.fail('the daemon started'),
    (failure: unknown) => failure,
  );
  assert.ok(error instanceof DevdnsError, String(error));
  return error;
}

describe('launcher', { skip: built ? false : 'needs npm run build (it starts bin/devdns.js)', timeout: 60_000 }, () => {
  it('launches a daemon that is ready when it returns, and stops it', async () => {
    await inHome(async (home) => {
      const state = await launchDaemon(home, EPHEMERAL, LAUNCH_MS);
      assert.ok(state.dns.port > 0 && state.control.port > 0, 'the ports it bound, not 0');
      const { body } = await new ControlClient(state).call(ROUTES.status);
      assert.equal(body.pid, state.pid);
      assert.deepEqual(await stopDaemon(home, { timeoutMs: STOP_MS }), { pid: state.pid });
      assert.equal(processAlive(state.pid), false);
      assert.deepEqual(lookupDaemon(home), { kind: 'stopped' });
    });
  });

  it('stopping a home with no daemon is fine', async () => {
    await inHome(async (home) => assert.equal(await stopDaemon(home, { timeoutMs: STOP_MS }), undefined));
  });

  it('a state file naming a dead process is stale: reported, removed, nothing to stop', async () => {
    await inHome(async (home) => {
      const { pid } = spawnSync(process.execPath, ['-e', '']);
      const state = {
        pid,
        version: '0',
        startedAt: '',
        dns: { host: '127.0.0.1', port: 1 },
        control: { host: '127.0.0.1', port: 1 },
        token: 't',
        home,
      };
      writeState(home, state);
      const stale: unknown[] = [];
      assert.equal(await stopDaemon(home, { onStale: (found) => stale.push(found?.pid), timeoutMs: STOP_MS }), undefined);
      assert.deepEqual(stale, [pid]);
      assert.deepEqual(lookupDaemon(home), { kind: 'stopped' });
    });
  });

  it('a port in use: the daemon’s own error, with its code and hint, and where the log is', async () => {
    await inHome(async (home) => {
      const first = await launchDaemon(home, EPHEMERAL, LAUNCH_MS);
      await inHome(async (other) => {
        const error = await launchFailure(other, ['--port', String(first.dns.port), '--control-port', '0']);
        assert.equal(error.code, 'port-in-use');
        assert.equal(error.message, `UDP port ${first.dns.port} on 127.0.0.1 is in use by another devdns (pid ${first.pid})`);
        assert.equal(error.hint, `stop it (devdns down, with its DEVDNS_HOME) or choose another --port; log: ${daemonLogPath(other)}`);
        assert.deepEqual(lookupDaemon(other), { kind: 'stopped' }, 'nothing left half-started');
      });
    });
  });

  it('a records file that is a directory: the store’s error, with its code', async () => {
    await inHome(async (home) => {
      mkdirSync(recordsFile(home), { recursive: true });
      const error = await launchFailure(home, EPHEMERAL);
      assert.notEqual(error.code, 'start-failed');
      assert.match(error.message, /records\.json/);
      assert.match(error.hint ?? '', new RegExp(`${daemonLogPath(home).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`));
    });
  });
});
