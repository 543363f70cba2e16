// End to end: the built `devdns up --foreground` answering clients we did not write:
// Node's dns.Resolver (c-ares) and dig.
import assert from 'node:assert/strict';
import { Resolver } from 'node:dns/promises';
import { writeFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { recordsFile, runCommand, runDevdns, tempDir } from '../helpers/devdns.js';
import { addToHome, eventually, type RunningDevdns, startDevdns } from '../helpers/server.js';

const RECORDS = [
  { name: 'myapp.test' },
  { name: 'www.myapp.test', value: 'myapp.test', type: 'CNAME' },
  { name: '*.shop.test', value: '127.0.0.2' },
  { name: 'shop.test', value: 'mail.shop.test', type: 'MX', priority: '10' },
  { name: 'shop.test', value: 'v=spf1 -all', type: 'TXT' },
  { name: 'shop.test', value: '0 issue "letsencrypt.org"', type: 'CAA' },
  { name: 'mail.shop.test', value: '10.0.0.25' },
  { name: '_http._tcp.shop.test', value: 'web.shop.test', type: 'SRV', priority: '0', weight: '5', port: '8080' },
  { name: 'sub.test', value: 'ns1.sub.test', type: 'NS' },
  { name: 'ns1.sub.test', value: '10.0.0.53' },
  { name: '1.0.0.127.in-addr.arpa', value: 'myapp.test', type: 'PTR' },
  ...Array.from({ length: 8 }, (_, i) => ({ name: 'big.test', value: `${String.fromCharCode(97 + i)}${'x'.repeat(150)}`, type: 'TXT' })),
];

const haveDig = (await runCommand('dig', ['-v'], process.env).catch(() => ({ code: 127 }))).code === 0;

describe('real clients against devdns up --foreground (built binary)', () => {
  const dir = tempDir();
  let devdns: RunningDevdns;
  const dig = async (...args: string[]) => {
    const result = await runCommand(
      'dig',
      ['@127.0.0.1', '-p', String(devdns.port), '+norec', '+time=2', '+tries=1', ...args],
      process.env,
    );
    assert.equal(result.code, 0, result.stderr);
    return result.stdout;
  };
  const status = (output: string) => /status: (\w+)/.exec(output)?.[1];
  const flags = (output: string) => /;; flags: ([a-z ]+);/.exec(output)?.[1]?.split(' ') ?? [];
  const section = (output: string, name: string) => output.split(`;; ${name} SECTION:\n`)[1]?.split('\n\n')[0]?.split('\n') ?? [];

  before(async () => {
    await addToHome(dir.path, ...RECORDS);
    devdns = await startDevdns(dir.path);
  });
  after(async () => {
    await devdns.stop();
    dir.cleanup();
  });

  describe("Node's dns.Resolver (c-ares)", () => {
    const resolver = () => {
      const r = new Resolver({ timeout: 2000, tries: 2 });
      r.setServers([`127.0.0.1:${devdns.port}`]);
      return r;
    };
    it('A and AAAA', async () => {
      assert.deepEqual(await resolver().resolve4('MyApp.test'), ['127.0.0.1']);
      assert.deepEqual(await resolver().resolve6('myapp.test'), ['::1']);
      assert.deepEqual(await resolver().resolve4('deep.name.shop.test'), ['127.0.0.2']);
    });
    it('MX, TXT, SRV, CNAME, CAA, PTR', async () => {
      // Node 24 adds a `type` field to some results; compare what every version gives.
      const without = <T extends object>(items: T[]) => items.map(({ type: _type, ...rest }: T & { type?: unknown }) => rest);
      assert.deepEqual(without(await resolver().resolveMx('shop.test')), [{ exchange: 'mail.shop.test', priority: 10 }]);
      assert.deepEqual(await resolver().resolveTxt('shop.test'), [['v=spf1 -all']]);
      assert.deepEqual(without(await resolver().resolveSrv('_http._tcp.shop.test')), [
        { name: 'web.shop.test', port: 8080, priority: 0, weight: 5 },
      ]);
      assert.deepEqual(await resolver().resolveCname('www.myapp.test'), ['myapp.test']);
      assert.deepEqual(without(await resolver().resolveCaa('shop.test')), [{ critical: 0, issue: 'letsencrypt.org' }]);
      assert.deepEqual(await resolver().resolvePtr('1.0.0.127.in-addr.arpa'), ['myapp.test']);
    });
    it('NXDOMAIN is ENOTFOUND and NODATA is ENODATA', async () => {
      await assert.rejects(resolver().resolve4('nope.test'), { code: 'ENOTFOUND' });
      await assert.rejects(resolver().resolveMx('myapp.test'), { code: 'ENODATA' });
      await assert.rejects(resolver().resolve6('mail.shop.test'), { code: 'ENODATA' });
    });
    it('a CNAME is followed to its address', async () => {
      assert.deepEqual(await resolver().resolve4('www.myapp.test'), ['127.0.0.1']);
    });
  });

  describe('dig', { skip: haveDig ? false : 'dig is not installed (apt-get install bind9-dnsutils)' }, () => {
    it('answers every record type with AA', async () => {
      const expected: Array<[string, string, RegExp]> = [
        ['myapp.test', 'A', /^myapp\.test\.\s+5\s+IN\s+A\s+127\.0\.0\.1$/m],
        ['myapp.test', 'AAAA', /^myapp\.test\.\s+5\s+IN\s+AAAA\s+::1$/m],
        ['www.myapp.test', 'CNAME', /IN\s+CNAME\s+myapp\.test\.$/m],
        ['shop.test', 'MX', /IN\s+MX\s+10 mail\.shop\.test\.$/m],
        ['shop.test', 'TXT', /IN\s+TXT\s+"v=spf1 -all"$/m],
        ['sub.test', 'NS', /^sub\.test\.\s+5\s+IN\s+NS\s+ns1\.sub\.test\.$/m],
        ['test', 'NS', /^test\.\s+5\s+IN\s+NS\s+localhost\.$/m],
        ['_http._tcp.shop.test', 'SRV', /IN\s+SRV\s+0 5 8080 web\.shop\.test\.$/m],
        ['shop.test', 'CAA', /IN\s+CAA\s+0 issue "letsencrypt\.org"$/m],
        ['1.0.0.127.in-addr.arpa', 'PTR', /IN\s+PTR\s+myapp\.test\.$/m],
        ['test', 'SOA', /IN\s+SOA\s+localhost\. hostmaster\.test\. \d+ 3600 600 86400 5$/m],
      ];
      for (const [name, type, answer] of expected) {
        const output = await dig(name, type);
        assert.equal(status(output), 'NOERROR', `${name} ${type}`);
        // The sub.test NS is a referral: the delegating zone is not authoritative for it.
        if (name !== 'sub.test') assert.ok(flags(output).includes('aa'), `${name} ${type}: ${flags(output)}`);
        assert.match(
          name === 'sub.test' ? section(output, 'AUTHORITY').join('\n') : section(output, 'ANSWER').join('\n'),
          answer,
          `${name} ${type}`,
        );
      }
    });

    it('NXDOMAIN and NODATA carry the SOA in authority', async () => {
      for (const [name, type, expectedStatus] of [
        ['nope.test', 'A', 'NXDOMAIN'],
        ['myapp.test', 'MX', 'NOERROR'],
        ['myapp.test', 'TYPE65', 'NOERROR'],
      ] as const) {
        const output = await dig(name, type);
        assert.equal(status(output), expectedStatus, `${name} ${type}`);
        assert.ok(flags(output).includes('aa'));
        assert.deepEqual(section(output, 'ANSWER'), []);
        assert.match(section(output, 'AUTHORITY').join('\n'), /^test\.\s+5\s+IN\s+SOA\s+localhost\./m);
      }
    });

    it('REFUSED outside its zones, without AA', async () => {
      const output = await dig('example.com', 'A');
      assert.equal(status(output), 'REFUSED');
      assert.ok(!flags(output).includes('aa'));
    });

    it('keeps the case of the question', async () => {
      const output = await dig('MyApp.TeSt', 'A');
      assert.match(section(output, 'QUESTION').join('\n'), /^;MyApp\.TeSt\.\s+IN\s+A$/m);
      assert.match(section(output, 'ANSWER').join('\n'), /127\.0\.0\.1/);
    });

    it('answers over TCP', async () => {
      const output = await dig('+tcp', 'myapp.test', 'A');
      assert.equal(status(output), 'NOERROR');
      assert.match(output, /127\.0\.0\.1/);
    });

    it('truncates a large answer for 512-byte clients, and serves it whole over TCP', async () => {
      for (const mode of ['+bufsize=512', '+noedns']) {
        const output = await dig(mode, '+ignore', 'big.test', 'TXT');
        assert.ok(flags(output).includes('tc'), `${mode}: ${flags(output)}`);
        assert.deepEqual(section(output, 'ANSWER'), [], 'no partial RRset');
      }
      const udp = await dig('big.test', 'TXT');
      assert.ok(!flags(udp).includes('tc'), 'fits the 1232-byte EDNS size');
      const tcp = await dig('+tcp', '+noedns', 'big.test', 'TXT');
      assert.ok(!flags(tcp).includes('tc'));
      assert.equal(section(tcp, 'ANSWER').filter((line) => line.includes('TXT')).length, 8);
      const retried = await dig('+noedns', 'big.test', 'TXT'); // dig retries over TCP by itself
      assert.equal(section(retried, 'ANSWER').filter((line) => line.includes('TXT')).length, 8);
    });

    it('answers EDNS version 1 with BADVERS', async () => {
      const output = await dig('+edns=1', '+noednsnegotiation', 'myapp.test', 'A');
      assert.equal(status(output), 'BADVERS');
      assert.match(output, /EDNS: version: 0, flags:.*udp: 1232/);
    });

    it('answers a name added while it runs, and a hand edit, within a second', async () => {
      const added = await runDevdns(['add', 'new.test', '10.9.9.9'], { home: dir.path });
      assert.equal(added.code, 0);
      const started = Date.now();
      await eventually(async () => ((await dig('+short', 'new.test')).trim() === '10.9.9.9' ? true : undefined), 1_000, 'the new name');
      assert.ok(Date.now() - started < 1_000);
      const file = JSON.parse((await import('node:fs')).readFileSync(recordsFile(dir.path), 'utf8')) as {
        records: Array<Record<string, unknown>>;
      };
      file.records.push({ name: 'hand.test', type: 'A', ttl: 5, address: '10.8.8.8' });
      writeFileSync(recordsFile(dir.path), JSON.stringify(file));
      await eventually(
        async () => ((await dig('+short', 'hand.test')).trim() === '10.8.8.8' ? true : undefined),
        1_000,
        'the hand-edited name',
      );
    });

    it('keeps serving the last good records when the file stops parsing', async () => {
      const path = recordsFile(dir.path);
      const good = (await import('node:fs')).readFileSync(path, 'utf8');
      writeFileSync(path, good.slice(0, 40));
      await devdns.waitFor('stderr', /is not valid JSON.*still serving the last good records/);
      assert.match(await dig('+short', 'myapp.test'), /127\.0\.0\.1/);
      writeFileSync(path, good);
      await devdns.waitFor('stderr', /records reloaded/);
    });

    it('logs one line per query: client, name, type, rcode, microseconds', async () => {
      await dig('LogMe.test', 'AAAA');
      const line = await devdns.waitFor('stdout', /^127\.0\.0\.1#\d+ udp LogMe\.test AAAA NXDOMAIN \d+µs$/m);
      assert.ok(line);
    });
  });
});

describe('listening (built binary)', () => {
  it('serves on ::1', { skip: haveDig ? false : 'dig is not installed' }, async () => {
    const dir = tempDir();
    await addToHome(dir.path, { name: 'six.test' });
    const devdns = await startDevdns(dir.path, ['--host', '::1']);
    try {
      assert.equal(devdns.host, '::1');
      const output = await runCommand('dig', ['@::1', '-p', String(devdns.port), '+short', 'six.test', 'AAAA'], process.env);
      assert.equal(output.stdout.trim(), '::1');
    } finally {
      await devdns.stop();
      dir.cleanup();
    }
  });

  it('stops cleanly on SIGTERM and frees its port', async () => {
    const dir = tempDir();
    const first = await startDevdns(dir.path);
    assert.equal(await first.stop(), 0);
    assert.match(first.stderr(), /devdns: stopped/);
    const again = await startDevdns(dir.path, ['--port', String(first.port)]);
    assert.equal(again.port, first.port);
    await again.stop();
    dir.cleanup();
  });

  it('refuses a port in use with one line naming it, and a non-loopback host', async () => {
    const dir = tempDir();
    const first = await startDevdns(dir.path);
    try {
      const other = tempDir();
      const second = await runDevdns(['up', '--foreground', '--port', String(first.port), '--control-port', '0'], { home: other.path });
      other.cleanup();
      assert.equal(second.code, 1);
      assert.match(
        second.stderr,
        new RegExp(
          `^devdns: UDP port ${first.port} on 127\\.0\\.0\\.1 is in use by another devdns \\(pid ${first.child.pid}\\) \\(.*choose another --port`,
        ),
      );
      const lan = await runDevdns(['up', '--foreground', '--host', '0.0.0.0'], { home: dir.path }); // refused before binding anything
      assert.equal(lan.code, 1);
      assert.match(lan.stderr, /--host: 0\.0\.0\.0 is not a loopback address/);
    } finally {
      await first.stop();
      dir.cleanup();
    }
  });

  it('will not start on a records file that does not parse', async () => {
    const dir = tempDir();
    writeFileSync(recordsFile(dir.path), '{"version": 1,');
    const result = await runDevdns(['up', '--foreground', '--port', '0', '--control-port', '0'], { home: dir.path });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /records\.json: is not valid JSON: line 1/);
    dir.cleanup();
  });
});
