// End to end: the start-at-login service belongs to one devdns home. Two homes under one fake
// user (HOME, XDG_CONFIG_HOME in a temp dir) get two units; uninstall from one leaves the other's
// byte for byte, and a unit of another home under this home's name is refused, untouched.
// systemctl is a stub on PATH that only records its arguments: the real one is never run.
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { serviceName } from '../../src/os/service-files.js';
import { fileBytes, runDevdns, tempDir } from '../helpers/devdns.js';

describe('devdns service per home (built binary)', () => {
  it('gives each home its own unit; uninstall from one home leaves the other unit as it was', async () => {
    const dir = tempDir();
    try {
      const stubs = join(dir.path, 'bin');
      mkdirSync(stubs);
      const calls = join(dir.path, 'calls');
      writeFileSync(join(stubs, 'systemctl'), `#!/bin/sh\necho "$*" >> '${calls}'\n`);
      chmodSync(join(stubs, 'systemctl'), 0o755);
      const env = { HOME: dir.path, XDG_CONFIG_HOME: join(dir.path, 'config'), PATH: `${stubs}:${process.env.PATH}` };
      const units = join(dir.path, 'config', 'systemd', 'user');
      const homeA = join(dir.path, 'config', 'devdns'); // the default home of this user
      const homeB = join(dir.path, 'other');
      mkdirSync(homeB);
      const unitB = serviceName(realpathSync(homeB)).unit;
      assert.match(unitB, /^devdns-[0-9a-f]{8}\.service$/);

      const a = await runDevdns(['service', 'install', '--platform', 'linux'], { home: homeA, env });
      assert.equal(a.code, 0, a.stderr);
      const bytesA = fileBytes(join(units, 'devdns.service'));
      assert.ok(bytesA);
      assert.doesNotMatch(bytesA.toString(), /DEVDNS_HOME/, 'the default home sets none');

      const b = await runDevdns(['service', 'install', '--platform', 'linux'], { home: homeB, env });
      assert.equal(b.code, 0, b.stderr);
      assert.match(b.stderr, new RegExp(`wrote ${units}/${unitB}`));
      assert.match(readFileSync(join(units, unitB), 'utf8'), new RegExp(`^Environment="DEVDNS_HOME=${homeB}"$`, 'm'));
      assert.match(readFileSync(calls, 'utf8'), new RegExp(`^--user enable --now ${unitB.replace('.', '\\.')}$`, 'm'));

      const dry = await runDevdns(['service', 'uninstall', '--dry-run', '--platform', 'linux'], { home: homeB, env });
      assert.match(dry.stderr, new RegExp(`systemctl --user disable --now ${unitB.replace('.', '\\.')}`));

      const gone = await runDevdns(['uninstall', '--yes'], { home: homeB, env });
      assert.equal(gone.code, 0, gone.stderr);
      assert.equal(fileBytes(join(units, unitB)), undefined, "home B's unit is removed");
      assert.deepEqual(fileBytes(join(units, 'devdns.service')), bytesA, "home A's unit is byte for byte as it was");
      assert.doesNotMatch(readFileSync(calls, 'utf8'), /disable --now devdns\.service/);
    } finally {
      dir.cleanup();
    }
  });

  it("refuses a unit of another home under this home's name, and changes nothing", async () => {
    const dir = tempDir();
    try {
      const env = { HOME: dir.path, XDG_CONFIG_HOME: join(dir.path, 'config'), PATH: '/nonexistent' };
      const units = join(dir.path, 'config', 'systemd', 'user');
      mkdirSync(units, { recursive: true });
      // The default home's name, holding a unit that runs another home (as devdns wrote them before).
      const foreign =
        '[Service]\nExecStart="/usr/bin/node" "/x/bin/devdns.js" up --foreground\nEnvironment="DEVDNS_HOME=/somewhere/else"\n';
      writeFileSync(join(units, 'devdns.service'), foreign);
      const home = join(dir.path, 'config', 'devdns');
      for (const args of [
        ['service', 'install'],
        ['service', 'uninstall'],
        ['uninstall', '--yes'],
      ]) {
        const result = await runDevdns([...args, ...(args[0] === 'service' ? ['--platform', 'linux'] : [])], { home, env });
        assert.equal(result.code, 1, `${args.join(' ')}: ${result.stderr}`);
        assert.match(result.stderr, /devdns\.service runs devdns for another home \(\/somewhere\/else\)/);
        assert.equal(readFileSync(join(units, 'devdns.service'), 'utf8'), foreign, `${args.join(' ')} left it alone`);
      }
    } finally {
      dir.cleanup();
    }
  });
});
