// End to end: the built devdns binary editing records in a temporary home, as a user would.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { copyFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import { BIN, fileBytes, recordsFile, runCommand, runDevdns, tempDir } from '../helpers/devdns.js';

describe('devdns add, rm, ls (built binary)', () => {
  let dir: ReturnType<typeof tempDir>;
  const devdns = (...args: string[]) => runDevdns(args, { home: dir.path });
  beforeEach(() => {
    dir = tempDir();
  });
  afterEach(() => dir.cleanup());

  it('manages records the way the quick start shows', async () => {
    assert.equal((await devdns('add', 'myapp.test', '127.0.0.1')).code, 0);
    assert.equal((await devdns('add', 'myapp.test', '127.0.0.2')).code, 0);
    const again = await devdns('add', 'myapp.test', '127.0.0.1');
    assert.equal(again.code, 0);
    assert.match(again.stderr, /exists already; nothing added/);
    assert.equal((await devdns('add', 'api.test')).code, 0);
    assert.equal((await devdns('add', '*.shop.test', '127.0.0.1')).code, 0);
    assert.equal((await devdns('add', 'www.shop.test', 'shop.test', '-t', 'CNAME')).code, 0);
    assert.equal((await devdns('add', 'shop.test', 'mail.shop.test', '-t', 'MX', '--priority', '10')).code, 0);
    assert.equal((await devdns('add', 'shop.test', 'v=spf1 -all', '-t', 'TXT')).code, 0);
    assert.equal(
      (await devdns('add', '_http._tcp.shop.test', 'web.shop.test', '-t', 'SRV', '--priority', '0', '--weight', '5', '--port', '8080'))
        .code,
      0,
    );
    assert.equal((await devdns('add', 'shop.test', '0 issue "letsencrypt.org"', '-t', 'CAA')).code, 0);
    assert.equal((await devdns('add', 'Café.TEST.')).code, 0);

    const listed = await devdns('ls', '--json');
    assert.equal(listed.code, 0);
    assert.equal(listed.stderr, '');
    const records = JSON.parse(listed.stdout) as Array<Record<string, unknown>>;
    assert.deepEqual(
      records.map(({ name, type, ttl, value }) => ({ name, type, ttl, value })),
      [
        { name: 'api.test', type: 'A', ttl: 5, value: '127.0.0.1' },
        { name: 'api.test', type: 'AAAA', ttl: 5, value: '::1' },
        { name: 'myapp.test', type: 'A', ttl: 5, value: '127.0.0.1' },
        { name: 'myapp.test', type: 'A', ttl: 5, value: '127.0.0.2' },
        { name: 'shop.test', type: 'MX', ttl: 5, value: '10 mail.shop.test.' },
        { name: 'shop.test', type: 'TXT', ttl: 5, value: '"v=spf1 -all"' },
        { name: 'shop.test', type: 'CAA', ttl: 5, value: '0 issue "letsencrypt.org"' },
        { name: '*.shop.test', type: 'A', ttl: 5, value: '127.0.0.1' },
        { name: '_http._tcp.shop.test', type: 'SRV', ttl: 5, value: '0 5 8080 web.shop.test.' },
        { name: 'www.shop.test', type: 'CNAME', ttl: 5, value: 'shop.test.' },
        { name: 'xn--caf-dma.test', type: 'A', ttl: 5, value: '127.0.0.1' },
        { name: 'xn--caf-dma.test', type: 'AAAA', ttl: 5, value: '::1' },
      ],
    );

    const table = await devdns('ls', 'shop');
    assert.equal(table.code, 0);
    assert.match(table.stdout, /^NAME +TYPE +TTL +VALUE\n/);
    assert.match(table.stdout, /^www\.shop\.test +CNAME +5 +shop\.test\.$/m);
    assert.doesNotMatch(table.stdout, /myapp/);

    const removed = await devdns('rm', 'myapp.test', '127.0.0.2');
    assert.deepEqual(removed, { code: 0, stdout: '', stderr: 'removed myapp.test A 127.0.0.2\n' });
    const removedAll = await devdns('rm', 'shop.test');
    assert.equal(removedAll.code, 0);
    assert.equal(removedAll.stderr.split('\n').filter(Boolean).length, 3);
    const missing = await devdns('rm', 'shop.test');
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /^devdns: no record matches shop\.test \(see what there is: devdns ls shop\.test\)\n$/);
  });

  it('stops quietly when its reader goes away (devdns ls | head)', async () => {
    // More than a pipe holds, so devdns is still writing when the reader closes.
    const zone = Array.from({ length: 2500 }, (_, i) => `h${i}.pipe.test. 5 IN A 10.0.${i >> 8}.${i & 255}`);
    writeFileSync(join(dir.path, 'many.zone'), `${zone.join('\n')}\n`);
    assert.equal((await devdns('import', join(dir.path, 'many.zone'))).code, 0);
    const child = spawn(process.execPath, [BIN, 'ls'], { env: { ...process.env, DEVDNS_HOME: dir.path, NO_COLOR: '1' } });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    child.stdout.once('data', () => child.stdout.destroy());
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    assert.equal(stderr, '');
    assert.equal(code, 0);
  });

  it('says in one line when its output cannot be written', { skip: process.platform !== 'linux' && 'needs /dev/full' }, async () => {
    assert.equal((await devdns('add', 'myapp.test')).code, 0);
    const result = await runCommand('sh', ['-c', 'exec "$0" "$1" ls > /dev/full', process.execPath, BIN], {
      ...process.env,
      DEVDNS_HOME: dir.path,
    });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /^devdns: cannot write the output: ENOSPC[^\n]*\n$/);
  });

  it('prints an empty JSON array and a hint for an empty list', async () => {
    assert.deepEqual(await devdns('ls', '--json'), { code: 0, stdout: '[]\n', stderr: '' });
    assert.deepEqual(await devdns('ls'), { code: 0, stdout: '', stderr: 'no records yet (add one: devdns add myapp.test)\n' });
  });

  it('splits a long TXT value and says so', async () => {
    const result = await devdns('add', 'long.test', 'x'.repeat(300), '-t', 'TXT');
    assert.equal(result.code, 0);
    assert.match(result.stderr, /split into 2 strings/);
    const [record] = JSON.parse((await devdns('ls', '--json')).stdout) as Array<{ value: string }>;
    assert.equal(record?.value, `"${'x'.repeat(255)}" "${'x'.repeat(45)}"`);
  });

  it('claims a public name only with --force, and says which zone it now serves', async () => {
    const refused = await devdns('add', 'myapp.dev');
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /^devdns: name: "myapp\.dev" is under \.dev, a public top-level domain.*--force/);
    assert.equal(fileBytes(recordsFile(dir.path)), undefined);
    const forced = await devdns('add', 'myapp.dev', '--force');
    assert.equal(forced.code, 0);
    assert.match(forced.stderr, /now serving zone myapp\.dev/);
    const reserved = await devdns('add', 'db.internal', '10.0.0.5');
    assert.match(reserved.stderr, /now serving zone internal/);
  });
});

/**
 * HOSTILE-INPUTS part 2B, one row a case: exit 1, one line on stderr naming the field and the fix
 * (the part in brackets), and the records file byte for byte as it was.
 */
describe('bad input is refused and changes nothing (built binary)', () => {
  const seed: string[][] = [
    ['add', 'shop.test', '127.0.0.1'],
    ['add', 'www.shop.test', 'shop.test', '-t', 'CNAME'],
    ['add', 'a.test', 'b.test', '-t', 'CNAME'],
  ];
  const long = (n: number) => 'a'.repeat(n);
  const cases: Array<[string, string[], string]> = [
    ['IPv4 octet over 255', ['add', 'x.test', '256.1.1.1'], 'value'],
    ['IPv4 leading zero', ['add', 'x.test', '010.0.0.1'], 'value'],
    ['IPv4 with three parts', ['add', 'x.test', '1.2.3'], 'value'],
    ['IPv4 with a trailing dot', ['add', 'x.test', '1.2.3.4.'], 'value'],
    ['IPv6 with two ::', ['add', 'x.test', '::1::'], 'value'],
    ['IPv6 group of five digits', ['add', 'x.test', '12345::'], 'value'],
    ['IPv6 with a zone id', ['add', 'x.test', 'fe80::1%eth0'], 'value'],
    ['IPv6 given with -t A', ['add', 'x.test', '::1', '-t', 'A'], 'value'],
    ['IPv4 given with -t AAAA', ['add', 'x.test', '10.0.0.1', '-t', 'AAAA'], 'value'],
    ['a label over 63 octets', ['add', `${long(64)}.test`], 'name'],
    ['a name over 253 characters', ['add', `${`${long(60)}.`.repeat(4)}${long(10)}.test`], 'name'],
    ['an empty label', ['add', 'a..test'], 'name'],
    ['a leading dot', ['add', '.a.test'], 'name'],
    ['a leading dash', ['add', '--', '-a.test'], 'name'],
    ['a space', ['add', 'my app.test'], 'name'],
    ['shell metacharacters in a name', ['add', '$(touch pwned).test'], 'name'],
    ['* inside a label', ['add', 'a*.shop.test'], 'name'],
    ['* twice', ['add', '*.*.test'], 'name'],
    ['* not leftmost', ['add', 'foo.*.test'], 'name'],
    ['a public TLD without --force', ['add', 'myapp.com'], 'name'],
    ['a TXT string over 255 octets in quotes', ['add', 't.test', `"${long(256)}"`, '-t', 'TXT'], 'value'],
    ['a TXT value with an unbalanced quote', ['add', 't.test', '"abc', '-t', 'TXT'], 'value'],
    ['a TXT value with a control character', ['add', 't.test', 'a\u0007b', '-t', 'TXT'], 'value'],
    ['MX without --priority', ['add', 'shop.test', 'mail.shop.test', '-t', 'MX'], '--priority'],
    ['MX priority out of range', ['add', 'shop.test', 'mail.shop.test', '-t', 'MX', '--priority', '65536'], '--priority'],
    ['MX target an IP', ['add', 'shop.test', '10.0.0.1', '-t', 'MX', '--priority', '10'], 'value'],
    ['a CNAME where an A is', ['add', 'shop.test', 'other.test', '-t', 'CNAME'], 'name'],
    ['an A where a CNAME is', ['add', 'www.shop.test', '10.0.0.1'], 'name'],
    ['a CNAME at the zone apex', ['add', 'test', 'shop.test', '-t', 'CNAME'], 'name'],
    ['a CNAME loop', ['add', 'b.test', 'a.test', '-t', 'CNAME'], 'value'],
    ['a CNAME to itself', ['add', 'c.test', 'c.test', '-t', 'CNAME'], 'value'],
    ['a negative TTL', ['add', 'x.test', '--ttl', '-1'], '--ttl'],
    ['a TTL that is not a number', ['add', 'x.test', '--ttl', 'abc'], '--ttl'],
    ['a TTL over 2^31-1', ['add', 'x.test', '--ttl', '2147483648'], '--ttl'],
    ['a value that starts with -', ['add', 'x.test', '--', '-1.2.3.4'], 'value'],
    ['an unknown type', ['add', 'x.test', 'y', '-t', 'BOGUS'], '--type'],
    ['--port on an A record', ['add', 'x.test', '10.0.0.1', '--port', '80'], '--port'],
    ['rm with a value invalid for -t', ['rm', 'shop.test', '1.2.3', '-t', 'A'], 'value'],
    ['rm with a bad name', ['rm', 'a..test'], 'name'],
  ];

  let seeded: ReturnType<typeof tempDir>;
  let dir: ReturnType<typeof tempDir>;
  let original: Buffer | undefined;
  before(async () => {
    seeded = tempDir();
    for (const args of seed) assert.equal((await runDevdns(args, { home: seeded.path })).code, 0);
  });
  after(() => seeded.cleanup());
  beforeEach(() => {
    dir = tempDir();
    copyFileSync(recordsFile(seeded.path), recordsFile(dir.path));
    original = fileBytes(recordsFile(dir.path));
  });
  afterEach(() => dir.cleanup());

  for (const [title, args, field] of cases) {
    it(title, async () => {
      const result = await runDevdns(args, { home: dir.path });
      assert.equal(result.code, 1, `${args.join(' ')} -> ${result.stderr}`);
      assert.equal(result.stdout, '');
      const escaped = field.replace(/[-[\]]/g, '\\$&');
      assert.match(result.stderr, new RegExp(`^devdns: ${escaped}: [^\\n]+ \\([^\\n]+\\)\\n$`), result.stderr);
      assert.deepEqual(fileBytes(recordsFile(dir.path)), original, 'the records file is unchanged');
    });
  }
});

describe('a records file that does not parse is reported, never rewritten (built binary)', () => {
  const good = JSON.stringify(
    { version: 1, serial: 1, zones: { test: {} }, records: [{ name: 'a.test', type: 'A', ttl: 5, address: '127.0.0.1' }] },
    null,
    2,
  );
  const cases: Array<[string, string, RegExp]> = [
    ['truncated JSON', good.slice(0, 80), /is not valid JSON: line \d+, column \d+: .*cut short/],
    ['a trailing comma', good.replace('"127.0.0.1"', '"127.0.0.1",'), /line \d+, column \d+: a trailing comma/],
    ['a byte-order mark', `\uFEFF${good}`, /byte-order mark/],
    ['a wrong type', good.replace('"ttl": 5', '"ttl": "abc"'), /records\[0\]\.ttl: must be a whole number, found "abc"/],
    ['an unknown record type', good.replace('"type": "A"', '"type": "HTTPS"'), /records\[0\]\.type: "HTTPS" is not a record type/],
    ['a duplicate key', good.replace('"ttl": 5', '"ttl": 5, "ttl": 6'), /the key "ttl" appears twice/],
    ['a JSON array', '[]', /must hold a JSON object/],
    ['an empty file', '', /the file is empty/],
  ];
  for (const [title, content, problem] of cases) {
    it(title, async () => {
      const dir = tempDir();
      try {
        const path = recordsFile(dir.path);
        writeFileSync(path, content);
        for (const args of [['add', 'b.test'], ['rm', 'a.test'], ['ls'], ['ls', '--json']]) {
          const result = await runDevdns(args, { home: dir.path });
          assert.equal(result.code, 1, `${args.join(' ')}: ${result.stderr}`);
          assert.equal(result.stdout, '');
          assert.ok(result.stderr.startsWith(`devdns: ${path}: `), result.stderr);
          assert.match(result.stderr, problem);
          assert.equal(result.stderr.trim().split('\n').length, 1);
          assert.equal(fileBytes(path)?.toString(), content, 'the file is left byte for byte as it was');
        }
      } finally {
        dir.cleanup();
      }
    });
  }
});

describe('concurrent writers (built binary)', () => {
  it('50 devdns add processes started at once leave exactly 50 records', async () => {
    const dir = tempDir();
    try {
      const results = await Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          runDevdns(['add', `host${i}.test`, `10.0.${i >> 8}.${(i % 250) + 1}`], { home: dir.path, timeoutMs: 120_000 }),
        ),
      );
      for (const result of results) assert.equal(result.code, 0, result.stderr);
      const listed = JSON.parse((await runDevdns(['ls', '--json'], { home: dir.path })).stdout) as unknown[];
      assert.equal(listed.length, 50);
    } finally {
      dir.cleanup();
    }
  });
});
