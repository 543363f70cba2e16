import assert from 'node:assert/strict';
import { chmodSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { BLOCK_BEGIN, BLOCK_END, hostsBlock, routeBlockState, withBlock, writeHostsFile } from '../../src/os/hosts-file.js';
import { SystemAccess } from '../../src/os/system.js';
import { makeRecord } from '../../src/records/types.js';
import { tempDir } from '../helpers/devdns.js';

/** The daemon runs and keeps the block. */
const KEPT = { daemonKeeps: true };

describe('hosts file block', () => {
  const originals: Array<[string, string]> = [
    ['a file ending with a line break', '127.0.0.1 localhost\n::1 localhost\n'],
    ['a file without a final line break', '127.0.0.1 localhost'],
    ['an empty file', ''],
    ['a file ending with a blank line', '127.0.0.1 localhost\n\n'],
    ['a Windows file', '127.0.0.1 localhost\r\n'],
    ['a file with comments and tabs', '# comment\n10.0.0.1\tbox box.lan # trailing\n'],
  ];
  for (const [title, original] of originals) {
    it(`sync, resync and clean restore ${title} byte for byte`, () => {
      const synced = withBlock(original, ['127.0.0.1 myapp.test']);
      assert.ok(synced.startsWith(original), 'everything before the block stays');
      assert.match(synced, new RegExp(`${BLOCK_BEGIN}.*\\r?\\n.*\\r?\\n127\\.0\\.0\\.1 myapp\\.test\\r?\\n${BLOCK_END}\\r?\\n$`));
      const resynced = withBlock(synced, ['127.0.0.2 other.test']);
      assert.doesNotMatch(resynced, /myapp\.test/, 'the block is replaced, not added again');
      assert.equal(withBlock(resynced, undefined), original);
    });
  }

  it('replaces only the block in the middle of a file', () => {
    const file = `a\n${BLOCK_BEGIN}\nold\n${BLOCK_END}\nz\n`;
    assert.equal(
      withBlock(file, ['new']),
      `a\n${BLOCK_BEGIN}\n# written by devdns hosts sync; devdns hosts clean removes this block\nnew\n${BLOCK_END}\nz\n`,
    );
    assert.equal(withBlock(file, undefined), 'a\nz\n');
  });

  it('leaves a file without a block alone on clean', () => {
    assert.equal(withBlock('a\n', undefined), 'a\n');
  });

  it('writes A and AAAA records and says which it skipped', () => {
    const block = hostsBlock(
      [
        makeRecord('myapp.test', 5, { type: 'A', address: '127.0.0.1' }),
        makeRecord('myapp.test', 5, { type: 'AAAA', address: '::1' }),
        makeRecord('*.shop.test', 5, { type: 'A', address: '127.0.0.1' }),
        makeRecord('www.test', 5, { type: 'CNAME', target: 'myapp.test' }),
        makeRecord('test', 5, { type: 'TXT', strings: ['x'] }),
      ],
      undefined,
      KEPT,
    );
    assert.deepEqual(block.lines, ['127.0.0.1 myapp.test', '::1 myapp.test']);
    assert.deepEqual(
      block.skipped.map((s) => `${s.name} ${s.type}`),
      ['*.shop.test A', 'www.test CNAME'],
    );
  });

  it('replaces a file by renaming a complete copy over it, keeping its mode', () => {
    const dir = tempDir();
    try {
      const path = join(dir.path, 'hosts');
      writeFileSync(path, 'old\n');
      chmodSync(path, 0o644);
      const inode = statSync(path).ino;
      assert.equal(writeHostsFile(path, 'new\n'), 'renamed');
      assert.equal(readFileSync(path, 'utf8'), 'new\n');
      assert.equal(statSync(path).mode & 0o777, 0o644);
      assert.notEqual(statSync(path).ino, inode, 'a new file took its place');
    } finally {
      dir.cleanup();
    }
  });
});

describe('hosts file block, found strictly', () => {
  const damaged: Array<[string, string]> = [
    ['a begin line without an end line', `a\n${BLOCK_BEGIN}\n1.2.3.4 x.test\n`],
    ['a second begin line', `${BLOCK_BEGIN}\n${BLOCK_BEGIN}\n${BLOCK_END}\n`],
    ['an end line without a begin line', `a\n${BLOCK_END}\n`],
  ];
  for (const [title, content] of damaged) {
    it(`refuses ${title}, for sync and clean`, () => {
      assert.throws(() => withBlock(content, ['127.0.0.1 a.test']), /the devdns block in the hosts file is damaged/);
      assert.throws(() => withBlock(content, undefined), /the devdns block in the hosts file is damaged/);
    });
  }

  it("takes only whole marker lines: look-alike lines are the user's and stay", () => {
    const file = `# devdns begin-not\n#  devdns end\nx # devdns begin\n`;
    assert.equal(withBlock(withBlock(file, ['127.0.0.1 a.test']), undefined), file);
  });

  it('never makes a localhost name anything but loopback (RFC 6761)', () => {
    const block = hostsBlock(
      [
        makeRecord('localhost', 5, { type: 'A', address: '192.0.2.66' }),
        makeRecord('app.localhost', 5, { type: 'AAAA', address: '2001:db8::1' }),
        makeRecord('ok.localhost', 5, { type: 'A', address: '127.0.0.2' }),
      ],
      undefined,
      KEPT,
    );
    assert.deepEqual(block.lines, ['127.0.0.2 ok.localhost']);
    assert.deepEqual(
      block.skipped.map((s) => `${s.name} ${s.reason}`),
      ['localhost a localhost name is always loopback (RFC 6761)', 'app.localhost a localhost name is always loopback (RFC 6761)'],
    );
  });

  it("writes an override's names where setup routes the override, and only there", () => {
    const records = [
      makeRecord('api.example.com', 5, { type: 'A', address: '127.0.0.1' }),
      makeRecord('github.com', 5, { type: 'A', address: '10.6.6.6' }),
      makeRecord('myapp.test', 5, { type: 'A', address: '127.0.0.1' }),
    ];
    const routed = hostsBlock(records, ['test', 'api.example.com'], KEPT);
    assert.deepEqual(routed.lines, ['127.0.0.1 api.example.com', '127.0.0.1 myapp.test']);
    assert.deepEqual(
      routed.skipped.map((s) => `${s.name}: ${s.reason}`),
      ['github.com: not under .test, api.example.com, the domains setup routes'],
    );
    assert.deepEqual(hostsBlock(records, ['test'], KEPT).lines, ['127.0.0.1 myapp.test']);
    assert.deepEqual(hostsBlock(records, undefined, KEPT).lines, ['127.0.0.1 myapp.test']);
  });

  it('writes a record with an end (--for) only into a block the running daemon keeps', () => {
    const records = [
      makeRecord('myapp.test', 5, { type: 'A', address: '127.0.0.1' }),
      { ...makeRecord('demo.test', 5, { type: 'A', address: '127.0.0.2' }), expires: '2099-01-01T00:00:00.000Z' },
      { ...makeRecord('demo.test', 5, { type: 'TXT', strings: ['x'] }), expires: '2099-01-01T00:00:00.000Z' },
    ];
    assert.deepEqual(hostsBlock(records, ['test'], KEPT).lines, ['127.0.0.1 myapp.test', '127.0.0.2 demo.test']);
    for (const tlds of [['test'], undefined]) {
      const block = hostsBlock(records, tlds, { daemonKeeps: false });
      assert.deepEqual(block.lines, ['127.0.0.1 myapp.test']);
      assert.deepEqual(
        block.skipped.map((s) => `${s.name} ${s.type}`),
        ['demo.test A'],
      );
      assert.match(block.skipped[0]?.reason ?? '', /ends \(--for\): only the running daemon writes such a name/);
    }
  });

  it('takes a route block with or without the records that end as current while the daemon runs, and only without while it is down', () => {
    const dir = tempDir();
    try {
      const path = join(dir.path, 'hosts');
      const records = [
        makeRecord('myapp.test', 5, { type: 'A', address: '127.0.0.1' }),
        { ...makeRecord('demo.test', 5, { type: 'A', address: '127.0.0.2' }), expires: '2099-01-01T00:00:00.000Z' },
      ];
      const system = new SystemAccess('/');
      const write = (daemonKeeps: boolean) =>
        writeFileSync(
          path,
          withBlock('127.0.0.1 localhost\n', hostsBlock(records, ['test'], { daemonKeeps }).lines, { keeper: 'setup', path }),
        );
      const state = (running: boolean) => routeBlockState(path, records, ['test'], system, running).kind;
      write(true); // as the daemon writes it
      assert.deepEqual([state(true), state(false)], ['current', 'behind'], 'a daemon that died left demo.test behind');
      write(false); // as hosts sync writes it (sudo, for a daemon that may not write the file)
      assert.deepEqual([state(true), state(false)], ['current', 'current']);
      assert.deepEqual(
        routeBlockState(path, records, ['test'], system, true),
        { kind: 'current', endsLeftOut: ['demo.test'] },
        'while the daemon runs, the names it would have written are named',
      );
      writeFileSync(path, '127.0.0.1 localhost\n');
      assert.deepEqual([state(true), state(false)], ['behind', 'behind']);
    } finally {
      dir.cleanup();
    }
  });

  it('never writes a public or mDNS name into the hosts file', () => {
    const block = hostsBlock(
      [
        makeRecord('github.com', 5, { type: 'A', address: '10.6.6.6' }),
        makeRecord('printer.local', 5, { type: 'A', address: '10.0.0.9' }),
        makeRecord('myapp.test', 5, { type: 'A', address: '127.0.0.1' }),
      ],
      undefined,
      KEPT,
    );
    assert.deepEqual(block.lines, ['127.0.0.1 myapp.test']);
    assert.deepEqual(
      block.skipped.map((s) => s.name),
      ['github.com', 'printer.local'],
    );
  });
});
