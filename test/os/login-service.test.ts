// Installing the login service's file and running its load commands, in a temp directory with
// real programs (true, false): kept or written, removed, and the first failing command stops the rest.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { readServiceFile, removeServiceFile, runServiceCommands, serviceFileExists, writeServiceFile } from '../../src/os/login-service.js';
import { tempDir } from '../helpers/devdns.js';

describe('login service', () => {
  it('writes the file (making its directory), keeps it when unchanged, and removes it', () => {
    const dir = tempDir();
    try {
      const path = join(dir.path, 'systemd', 'user', 'devdns.service');
      assert.equal(serviceFileExists(path), false);
      assert.equal(writeServiceFile(path, 'one\n'), true);
      assert.equal(readFileSync(path, 'utf8'), 'one\n');
      assert.equal(statSync(path).mode & 0o777, 0o644);
      assert.equal(writeServiceFile(path, 'one\n'), false, 'the same text is kept');
      assert.equal(writeServiceFile(path, 'two\n'), true);
      assert.equal(readFileSync(path, 'utf8'), 'two\n');
      removeServiceFile(path);
      assert.equal(existsSync(path), false);
      removeServiceFile(path);
    } finally {
      dir.cleanup();
    }
  });

  it('runs the commands in order and stops at the first that fails', async () => {
    const dir = tempDir();
    try {
      const marker = join(dir.path, 'ran');
      assert.equal(await runServiceCommands([['true'], ['true']]), undefined);
      const failed = await runServiceCommands([['true'], ['sh', '-c', 'echo nope >&2; exit 3'], ['touch', marker]]);
      assert.deepEqual(failed, { command: ['sh', '-c', 'echo nope >&2; exit 3'], reason: 'nope' });
      assert.equal(existsSync(marker), false, 'nothing after the failure ran');
      const missing = await runServiceCommands([['devdns-no-such-program']]);
      assert.deepEqual(missing?.command, ['devdns-no-such-program']);
    } finally {
      dir.cleanup();
    }
  });

  it('reads a service file that is there as a hostile file: regular and at most 64 KiB', () => {
    const dir = tempDir();
    try {
      const path = join(dir.path, 'devdns.service');
      assert.equal(readServiceFile(path), undefined);
      writeFileSync(path, 'unit\n');
      assert.equal(readServiceFile(path), 'unit\n');
      writeFileSync(path, 'x'.repeat(65 * 1024));
      assert.throws(() => readServiceFile(path), /devdns reads/);
      const directory = join(dir.path, 'devdns-dir.service');
      mkdirSync(directory);
      assert.throws(() => readServiceFile(directory), /a directory, not a regular file/);
    } finally {
      dir.cleanup();
    }
  });
});
