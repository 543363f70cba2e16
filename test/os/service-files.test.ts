import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { serviceCommands, serviceFile, serviceFileHome, serviceName, servicePath } from '../../src/os/service-files.js';

const spec = {
  node: '/opt/node 20/bin/node',
  bin: '/usr/lib/node_modules/devdns/bin/devdns.js',
  home: '/home/ann/dev dns%',
  logPath: '/home/ann/.config/devdns/daemon.log',
  userHome: '/home/ann',
  xdgConfigHome: undefined,
};

describe('service files', () => {
  it('places them where systemd and launchd look', () => {
    assert.equal(
      servicePath({ platform: 'linux', userHome: '/home/ann', xdgConfigHome: undefined }),
      '/home/ann/.config/systemd/user/devdns.service',
    );
    assert.equal(servicePath({ platform: 'linux', userHome: '/home/ann', xdgConfigHome: '/x' }), '/x/systemd/user/devdns.service');
    assert.equal(
      servicePath({ platform: 'darwin', userHome: '/Users/ann', xdgConfigHome: undefined }),
      '/Users/ann/Library/LaunchAgents/dev.devdns.daemon.plist',
    );
  });

  it('writes a systemd unit that runs the daemon in the foreground, quoting paths', () => {
    const unit = serviceFile({ ...spec, platform: 'linux' });
    assert.match(
      unit,
      /^ExecStart="\/opt\/node 20\/bin\/node" "--max-semi-space-size=1" "--expose-gc" "\/usr\/lib\/node_modules\/devdns\/bin\/devdns\.js" up --foreground$/m,
      'the daemon runs with the flags the launcher gives it',
    );
    assert.match(unit, /^Environment="DEVDNS_HOME=\/home\/ann\/dev dns%%"$/m, '% is a systemd specifier and is doubled');
    assert.match(unit, /^Environment="DEVDNS_DAEMON=1"$/m);
    assert.match(unit, /^Restart=on-failure$/m);
    assert.match(unit, /^WantedBy=default\.target$/m);
    assert.doesNotMatch(serviceFile({ ...spec, platform: 'linux', home: undefined }), /DEVDNS_HOME/);
  });

  it('writes a launchd agent with escaped XML', () => {
    const plist = serviceFile({ ...spec, platform: 'darwin', home: '/Users/a&b' });
    assert.match(plist, /<key>Label<\/key>\s*<string>dev\.devdns\.daemon<\/string>/);
    assert.match(plist, /<string>\/Users\/a&amp;b<\/string>/);
    assert.match(
      plist,
      /<string>\/opt\/node 20\/bin\/node<\/string>\s*<string>--max-semi-space-size=1<\/string>\s*<string>--expose-gc<\/string>\s*<string>\/usr\/lib\/node_modules\/devdns\/bin\/devdns\.js<\/string>/,
      'the daemon runs with the flags the launcher gives it',
    );
    assert.match(plist, /<key>KeepAlive<\/key>\s*<dict>\s*<key>SuccessfulExit<\/key>\s*<false\/>/);
  });

  it('says how to load and unload them', () => {
    assert.deepEqual(serviceCommands('linux', '/p').start.at(-1), ['systemctl', '--user', 'enable', '--now', 'devdns.service']);
    assert.equal(serviceCommands('darwin', '/p').start[0]?.[1], 'bootstrap');
  });

  it('names the default home devdns.service and any other home stably by its path', () => {
    assert.deepEqual(serviceName(undefined), { unit: 'devdns.service', label: 'dev.devdns.daemon' });
    const other = serviceName('/home/ann/work');
    assert.match(other.unit, /^devdns-[0-9a-f]{8}\.service$/);
    assert.equal(other.label, `dev.devdns.daemon.${other.unit.slice(7, 15)}`);
    assert.deepEqual(serviceName('/home/ann/work'), other, 'the same home, the same name');
    assert.notEqual(serviceName('/home/ann/play').unit, other.unit);
    const where = { platform: 'linux' as const, userHome: '/home/ann', xdgConfigHome: undefined };
    assert.equal(servicePath(where, other), `/home/ann/.config/systemd/user/${other.unit}`);
    assert.equal(servicePath({ ...where, platform: 'darwin' }, other), `/home/ann/Library/LaunchAgents/${other.label}.plist`);
    assert.deepEqual(serviceCommands('linux', '/p', other).stop[0], ['systemctl', '--user', 'disable', '--now', other.unit]);
    assert.match(serviceFile({ ...spec, platform: 'darwin' }, other), new RegExp(`<string>${other.label.replace(/\./g, '\\.')}</string>`));
  });

  it('reads back the home a service file runs', () => {
    for (const platform of ['linux', 'darwin'] as const) {
      assert.equal(serviceFileHome(platform, serviceFile({ ...spec, platform })), spec.home, platform);
      assert.equal(serviceFileHome(platform, serviceFile({ ...spec, platform, home: '/a&b "c" \\d' })), '/a&b "c" \\d', platform);
      assert.equal(serviceFileHome(platform, serviceFile({ ...spec, platform, home: undefined })), null, `${platform}: default home`);
      assert.equal(serviceFileHome(platform, 'something else\n'), undefined, `${platform}: not a devdns file`);
    }
  });
});
