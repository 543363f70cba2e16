import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import {
  type DaemonState,
  ensurePrivateHome,
  lookupDaemon,
  newToken,
  processAlive,
  removeState,
  statePath,
  writeState,
} from '../../src/daemon/state.js';
import { commandLine, findProcesses } from '../../src/platform/processes.js';
import { tempDir } from '../helpers/devdns.js';
import { eventually } from '../helpers/server.js';

const state = (home: string, pid: number): DaemonState => ({
  pid,
  version: '0.0.0',
  startedAt: new Date().toISOString(),
  dns: { host: '127.0.0.1', port: 1 },
  control: { host: '127.0.0.1', port: 2 },
  token: newToken(),
  home,
});

describe('daemon state', () => {
  it('a state file naming a devdns-looking process that is not its daemon is stale: another start time, another user', {
    skip: process.platform !== 'linux',
  }, async () => {
    const dir = tempDir();
    // Looks like devdns on its command line; started later than the state says, or run by nobody.
    const mine = spawn('bash', ['-c', 'exec -a "vim devdns-notes.txt" sleep 30'], { stdio: 'ignore' });
    const theirs =
      process.getuid?.() === 0
        ? spawn('runuser', ['-u', 'nobody', '--', 'bash', '-c', 'exec -a "devdns up" sleep 30'], { stdio: 'ignore' })
        : undefined;
    try {
      const home = join(dir.path, 'home');
      ensurePrivateHome(home);
      await eventually(() => (commandLine(mine.pid ?? 0)?.[0] === 'vim devdns-notes.txt' ? true : undefined));
      writeState(home, { ...state(home, mine.pid ?? 0), pidStart: '1' });
      assert.equal(lookupDaemon(home).kind, 'stale');
      if (theirs) {
        const pid = await eventually(() => findProcesses((argv) => argv[0] === 'devdns up')[0]?.pid);
        writeState(home, state(home, pid));
        assert.equal(lookupDaemon(home).kind, 'stale');
      }
      assert.ok(processAlive(mine.pid ?? 0), 'nothing was killed');
    } finally {
      mine.kill();
      theirs?.kill();
      for (const { pid } of findProcesses((argv) => argv[0] === 'devdns up')) process.kill(pid);
      dir.cleanup();
    }
  });

  it('writes the state file private and finds a live daemon by it', () => {
    const dir = tempDir();
    try {
      // This test process stands in for the daemon: its command line names the devdns tests.
      writeState(dir.path, state(dir.path, process.pid));
      assert.equal(statSync(statePath(dir.path)).mode & 0o777, 0o600);
      const found = lookupDaemon(dir.path);
      assert.equal(found.kind, process.argv.join(' ').includes('devdns') ? 'running' : 'stale');
    } finally {
      dir.cleanup();
    }
  });

  it('treats a state file of a dead process, or one that does not parse, as stale and removes it', () => {
    const dir = tempDir();
    try {
      writeState(dir.path, state(dir.path, 2 ** 22 + 12345));
      const found = lookupDaemon(dir.path);
      assert.equal(found.kind, 'stale');
      assert.equal(existsSync(statePath(dir.path)), false);
      writeFileSync(statePath(dir.path), '{"pid": ');
      assert.equal(lookupDaemon(dir.path).kind, 'stale');
      assert.equal(lookupDaemon(dir.path).kind, 'stopped');
    } finally {
      dir.cleanup();
    }
  });

  it('removes only its own state file', () => {
    const dir = tempDir();
    try {
      writeState(dir.path, state(dir.path, 4242));
      removeState(dir.path, 4343);
      assert.ok(existsSync(statePath(dir.path)), "a newer daemon's file stays");
      removeState(dir.path, 4242);
      assert.equal(existsSync(statePath(dir.path)), false);
    } finally {
      dir.cleanup();
    }
  });

  it('creates the home private and refuses one that others can write', () => {
    const dir = tempDir();
    try {
      const home = join(dir.path, 'home');
      ensurePrivateHome(home);
      assert.equal(statSync(home).mode & 0o777, 0o700);
      const shared = join(dir.path, 'shared');
      mkdirSync(shared);
      chmodSync(shared, 0o777);
      assert.throws(() => ensurePrivateHome(shared), /can be written by other users \(mode 777\).*/);
    } finally {
      dir.cleanup();
    }
  });

  it('knows the living from the dead', () => {
    assert.equal(processAlive(process.pid), true);
    assert.equal(processAlive(2 ** 22 + 12345), false);
    assert.equal(newToken().length, 64);
    assert.notEqual(newToken(), newToken());
  });
});
