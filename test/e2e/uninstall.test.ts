// End to end: `devdns uninstall` never deletes what teardown still needs. A user whose setup
// changed the system (root '/') runs uninstall; teardown needs sudo, and sudo fails (declined, or
// no sudo): uninstall stops with the journal kept, instead of deleting it with devdns's files.
import assert from 'node:assert/strict';
import { chmodSync, chownSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { planSetup } from '../../src/os/resolvers.js';
import { BIN, fileBytes, isRoot, runCommand, tempDir } from '../helpers/devdns.js';

const NOBODY = 65534;

describe('uninstall when teardown cannot run (built binary, as another user)', { skip: !isRoot && 'needs root for runuser' }, () => {
  it('stops with the journal kept, and says how to finish', async () => {
    const dir = tempDir();
    try {
      chmodSync(dir.path, 0o755);
      const home = join(dir.path, 'home');
      const bin = join(dir.path, 'bin');
      mkdirSync(home, { mode: 0o700 });
      mkdirSync(bin);
      // sudo as a user sees it when they answer no, or have no rights: it fails.
      writeFileSync(join(bin, 'sudo'), '#!/bin/sh\necho "sudo: a password is required" >&2\nexit 1\n', { mode: 0o755 });
      const input = { resolver: 'systemd-resolved', tlds: ['test'], host: '127.0.0.1', port: 9090 } as const;
      const [file] = planSetup(input).files;
      assert.ok(file);
      const journal = JSON.stringify({
        version: 1,
        createdAt: '2026-01-01T00:00:00.000Z',
        ...input,
        root: '/',
        files: [{ path: file.path, before: null, after: Buffer.from(file.content).toString('base64'), createdDirs: [] }],
      });
      const journalPath = join(home, 'setup-journal.json');
      writeFileSync(journalPath, journal, { mode: 0o600 });
      writeFileSync(join(home, 'records.json'), '{"serial":1,"zones":{"test":{}},"records":[]}\n', { mode: 0o600 });
      for (const path of [home, journalPath, join(home, 'records.json')]) chownSync(path, NOBODY, NOBODY);

      const run = await runCommand(
        'runuser',
        [
          '-u',
          'nobody',
          '--',
          'env',
          `PATH=${bin}:${process.env.PATH}`,
          `DEVDNS_HOME=${home}`,
          'NO_COLOR=1',
          process.execPath,
          BIN,
          'uninstall',
          '--yes',
        ],
        process.env,
      );
      assert.equal(run.code, 1, run.stderr);
      assert.match(run.stderr, /running: sudo devdns teardown --yes/);
      assert.match(
        run.stderr,
        /uninstall stopped: devdns setup's changes to this system are not undone, and .*setup-journal\.json is kept/,
      );
      assert.match(run.stderr, /run devdns teardown \(it needs root\), then devdns uninstall again/);
      assert.equal(fileBytes(journalPath)?.toString(), journal, 'the journal teardown needs is kept');
      assert.ok(fileBytes(join(home, 'records.json')), 'the records are kept');
    } finally {
      dir.cleanup();
    }
  });
});
