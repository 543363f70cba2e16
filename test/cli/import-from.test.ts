// `devdns import --from valet|puma-dev` as a user runs it: the tool's files found in $HOME, the
// records checked and reported like any import (dry run, all or nothing, --skip-invalid), and
// the mistakes (a file with --from, an unknown tool, nothing found) one line with a hint.
import assert from 'node:assert/strict';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { RecordStore } from '../../src/store/record-store.js';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/devdns.js';

describe('devdns import --from', () => {
  let dir: ReturnType<typeof tempDir>;
  let user: string;
  let devdnsHome: string;
  const devdns = (...args: string[]) => runCli(args, { HOME: user, DEVDNS_HOME: devdnsHome, NO_COLOR: '1' });
  const served = () => new RecordStore(devdnsHome).read().records.map((r) => `${r.name} ${r.type}`);
  beforeEach(() => {
    dir = tempDir();
    user = join(dir.path, 'user');
    devdnsHome = join(dir.path, 'devdns');
    mkdirSync(user);
  });
  afterEach(() => dir.cleanup());

  const valet = () => {
    mkdirSync(join(user, '.config/valet/dnsmasq.d'), { recursive: true });
    writeFileSync(join(user, '.config/valet/config.json'), '{"tld": "test"}');
    writeFileSync(join(user, '.config/valet/dnsmasq.d/tld-test.conf'), 'address=/.test/127.0.0.1\n');
  };

  it('valet: finds tld-test.conf and imports test and *.test; --dry-run writes nothing', async () => {
    valet();
    const dry = await devdns('import', '--from', 'valet', '--dry-run');
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.stderr, /reading .*\.config\/valet\/dnsmasq\.d\/tld-test\.conf/);
    assert.match(dry.stderr, /dry run: 2 added/);
    assert.deepEqual(served(), []);
    const real = await devdns('import', '--from', 'valet');
    assert.equal(real.code, 0, real.stderr);
    assert.deepEqual(served(), ['test A', '*.test A']);
  });

  it('puma-dev: imports each app; a bad entry stops it all unless --skip-invalid', async () => {
    mkdirSync(join(user, '.puma-dev'));
    mkdirSync(join(user, 'shop'));
    symlinkSync(join(user, 'shop'), join(user, '.puma-dev/shop'));
    writeFileSync(join(user, '.puma-dev/api'), '3000');
    writeFileSync(join(user, '.puma-dev/bad'), 'what');
    const refused = await devdns('import', '--from', 'puma-dev');
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /\.puma-dev\/bad: bad\.test: "what" is not a port or host:port/);
    assert.match(refused.stderr, /nothing was written \(fix them, or add --skip-invalid/);
    assert.deepEqual(served(), []);
    const skipped = await devdns('import', '--from', 'puma-dev', '--skip-invalid');
    assert.equal(skipped.code, 0, skipped.stderr);
    assert.match(skipped.stderr, /TLD taken as \.test/);
    assert.deepEqual(served(), ['api.test A', '*.api.test A', 'shop.test A', '*.shop.test A']);
    const other = await devdns('import', '--from', 'puma-dev', '--skip-invalid', '--tld', 'localhost', '--dry-run');
    assert.match(other.stderr, /would be added api\.localhost A 127\.0\.0\.1/);
  });

  it('refuses a file with --from, an unknown tool, --format with --from, and no file at all', async () => {
    valet();
    const cases: Array<[string[], RegExp]> = [
      [
        ['import', 'hosts.txt', '--from', 'valet'],
        /^devdns: --from: valet is read from its own files, so no file goes with it \(devdns import --from valet, or devdns import hosts\.txt\)$/,
      ],
      [
        ['import', '--from', 'lando'],
        /^devdns: --from: "lando" is not a tool devdns imports from \(use valet or puma-dev, or import a file: devdns import FILE\)$/,
      ],
      [['import', '--from', 'valet', '--format', 'hosts'], /^devdns: --format: does not go with --from/],
      [['import'], /^devdns: file: no file to import \(.*devdns import --from valet\|puma-dev\)$/],
      [['import', '/etc/hosts', '--tld', 'test'], /^devdns: --tld: goes with --from/],
    ];
    for (const [args, message] of cases) {
      const result = await devdns(...args);
      assert.equal(result.code, 1, args.join(' '));
      assert.match(result.stderr.trim(), message);
    }
    assert.deepEqual(served(), []);
  });

  it('says where it looked when the tool left nothing', async () => {
    const result = await devdns('import', '--from', 'puma-dev');
    assert.equal(result.code, 1);
    assert.match(result.stderr, new RegExp(`found no puma-dev configuration \\(looked in ${join(user, '.puma-dev')}\\)`));
  });
});
