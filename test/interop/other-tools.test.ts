// Finding what Valet and puma-dev serve from the files they keep in a (temporary) home.
import assert from 'node:assert/strict';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { discoverPumaDev, discoverValet, NothingFoundError } from '../../src/interop/other-tools.js';
import { tempDir } from '../helpers/devdns.js';

let dir: ReturnType<typeof tempDir>;
beforeEach(() => {
  dir = tempDir();
});
afterEach(() => dir.cleanup());

function write(path: string, text: string): string {
  const full = join(dir.path, path);
  mkdirSync(join(full, '..'), { recursive: true });
  writeFileSync(full, text);
  return full;
}

const names = (found: { parsed: { records: Array<{ name: string; data: { type: string } & Record<string, unknown> }> } }) =>
  found.parsed.records.map((r) => `${r.name} ${r.data.type} ${String(r.data.address)}`);

describe('discoverValet', () => {
  it("reads the dnsmasq file of the TLD in Valet's config.json", () => {
    write('.config/valet/config.json', JSON.stringify({ tld: 'localhost', paths: [] }));
    write('.config/valet/dnsmasq.d/tld-test.conf', 'address=/.test/127.0.0.1\n');
    const file = write('.config/valet/dnsmasq.d/tld-localhost.conf', 'address=/.localhost/127.0.0.1\nlisten-address=127.0.0.1\n');
    const found = discoverValet(dir.path);
    assert.deepEqual(found.read, [file]);
    assert.deepEqual(names(found), ['localhost A 127.0.0.1', '*.localhost A 127.0.0.1']);
    assert.deepEqual(
      found.parsed.skipped.map((s) => [s.file, s.line]),
      [[file, 2]],
      'a skip names its file and line',
    );
  });

  it('reads every tld-*.conf without a config, and --tld picks one', () => {
    write('.config/valet/dnsmasq.d/tld-test.conf', 'address=/.test/127.0.0.1\n');
    write('.config/valet/dnsmasq.d/tld-wip.conf', 'address=/.wip/127.0.0.2\n');
    assert.equal(discoverValet(dir.path).read.length, 2);
    assert.deepEqual(names(discoverValet(dir.path, 'wip')), ['wip A 127.0.0.2', '*.wip A 127.0.0.2']);
  });

  it("reads older Valet's ~/.valet/dnsmasq.conf", () => {
    const file = write('.valet/dnsmasq.conf', 'address=/.dev/127.0.0.1\n');
    write('.valet/config.json', JSON.stringify({ domain: 'dev' }));
    const found = discoverValet(dir.path);
    assert.deepEqual(found.read, [file]);
    assert.deepEqual(names(found), ['dev A 127.0.0.1', '*.dev A 127.0.0.1']);
  });

  it('says where it looked when there is nothing', () => {
    assert.throws(
      () => discoverValet(dir.path),
      (error: Error) =>
        error instanceof NothingFoundError &&
        error.message.includes(join(dir.path, '.config/valet/dnsmasq.d/tld-*.conf')) &&
        error.message.includes(join(dir.path, '.valet/dnsmasq.conf')) &&
        /devdns import FILE/.test(error.hint ?? ''),
    );
  });
});

describe('discoverPumaDev', () => {
  it('makes NAME.test and *.NAME.test of each app: links, ports, host:port', () => {
    mkdirSync(join(dir.path, 'code/shop'), { recursive: true });
    mkdirSync(join(dir.path, '.puma-dev'));
    symlinkSync(join(dir.path, 'code/shop'), join(dir.path, '.puma-dev/shop'));
    write('.puma-dev/api', '3000\n');
    write('.puma-dev/five', '127.0.0.5:8080\n');
    write('.puma-dev/six', '[::1]:8080\n');
    write('.puma-dev/web', 'http://localhost:4000\n');
    write('.puma-dev/.DS_Store', 'x');
    const found = discoverPumaDev(dir.path);
    assert.deepEqual(found.read, [join(dir.path, '.puma-dev')]);
    assert.deepEqual(names(found), [
      'api.test A 127.0.0.1',
      '*.api.test A 127.0.0.1',
      'five.test A 127.0.0.5',
      '*.five.test A 127.0.0.5',
      'shop.test A 127.0.0.1',
      '*.shop.test A 127.0.0.1',
      'six.test AAAA ::1',
      '*.six.test AAAA ::1',
      'web.test A 127.0.0.1',
      '*.web.test A 127.0.0.1',
    ]);
    assert.ok(found.notes.some((note) => /web\.test proxies to localhost:4000: localhost is a name.*127\.0\.0\.1/.test(note)));
    assert.ok(found.notes.some((note) => /TLD taken as \.test.*--tld/.test(note)));
    assert.ok(found.notes.some((note) => /not ports.*api\.test -> 3000/.test(note)));
  });

  it('skips a link to nothing, and names a file it cannot read as a problem', () => {
    mkdirSync(join(dir.path, '.puma-dev'));
    symlinkSync(join(dir.path, 'gone'), join(dir.path, '.puma-dev/old'));
    const bad = write('.puma-dev/bad', 'not a port\n');
    const found = discoverPumaDev(dir.path);
    assert.deepEqual(found.parsed.records, []);
    assert.deepEqual(
      found.parsed.skipped.map((s) => [s.what, s.reason]),
      [['old', 'a link to nothing (the app was moved or removed)']],
    );
    assert.equal(found.parsed.problems.length, 1);
    assert.equal(found.parsed.problems[0]?.file, bad);
    assert.match(found.parsed.problems[0]?.message ?? '', /"not a port" is not a port or host:port/);
  });

  it('takes another TLD with --tld, and says where it looked when there is nothing', () => {
    write('.puma-dev/api', '3000');
    assert.deepEqual(names(discoverPumaDev(dir.path, 'pdev')).slice(0, 1), ['api.pdev A 127.0.0.1']);
    const empty = tempDir();
    try {
      assert.throws(
        () => discoverPumaDev(empty.path),
        (error: Error) => error instanceof NothingFoundError && error.message.includes(join(empty.path, '.puma-dev')),
      );
    } finally {
      empty.cleanup();
    }
  });
});
