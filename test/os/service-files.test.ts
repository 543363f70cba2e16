import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { serviceCommands, serviceFile, servicePath } from '../../src/os/service-files.js';

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
    assert.match(unit, /^ExecStart="\/opt\/node 20\/bin\/node" "\/usr\/lib\/node_modules\/devdns\/bin\/devdns\.js" up --foreground$/m);
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
    assert.match(plist, /<key>KeepAlive<\/key>\s*<dict>\s*<key>SuccessfulExit<\/key>\s*<false\/>/);
  });

  it('says how to load and unload them', () => {
    assert.deepEqual(serviceCommands('linux', '/p').start.at(-1), ['systemctl', '--user', 'enable', '--now', 'devdns.service']);
    assert.equal(serviceCommands('darwin', '/p').start[0]?.[1], 'bootstrap');
  });
});
