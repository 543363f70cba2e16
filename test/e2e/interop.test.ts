// End to end: export accepted by real zone checkers and served identically by a real
// authoritative server (Knot), import of each format, and round trips.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as packet from 'dns-packet';
import { runCommand, runDevdns, tempDir } from '../helpers/devdns.js';
import { freePort } from '../helpers/ports.js';
import { addToHome, eventually, type RunningDevdns, startDevdns } from '../helpers/server.js';

const ZONE_RECORDS = [
  { name: 'test', value: '127.0.0.1' },
  { name: 'test', value: 'mail.test', type: 'MX', priority: '10' },
  { name: 'test', value: 'v=spf1 -all', type: 'TXT' },
  { name: 'test', value: '0 issue "letsencrypt.org"', type: 'CAA' },
  { name: 'mail.test', value: '10.0.0.25' },
  { name: 'myapp.test' },
  { name: 'api.myapp.test', value: '127.0.0.2' },
  { name: 'www.myapp.test', value: 'myapp.test', type: 'CNAME' },
  { name: 'chain.test', value: 'www.myapp.test', type: 'CNAME' },
  { name: 'dangling.test', value: 'nowhere.test', type: 'CNAME' },
  { name: '*.shop.test', value: '127.0.0.3' },
  { name: '*.shop.test', value: 'fd00::3' },
  { name: 'shop.test', value: 'shop text', type: 'TXT' },
  { name: 'known.shop.test', value: '10.0.0.4' },
  { name: '*.alias.test', value: 'myapp.test', type: 'CNAME' },
  { name: 'x.sub.wild.test', value: '10.0.0.6' },
  { name: '*.wild.test', value: '10.0.0.7' },
  { name: 'a.b.c.test', value: '10.0.0.8' },
  { name: '_http._tcp.myapp.test', value: 'api.myapp.test', type: 'SRV', priority: '0', weight: '5', port: '8080' },
  { name: 'quoted.test', value: '"with \\"quotes\\" and \\\\ backslash" "caf\\195\\169"', type: 'TXT' },
  { name: 'long.test', value: 'x'.repeat(300), type: 'TXT' },
  { name: 'deleg.test', value: 'ns1.deleg.test', type: 'NS' },
  { name: 'ns1.deleg.test', value: '10.0.0.53' },
  { name: '1.test', value: 'myapp.test', type: 'PTR' },
];

const haveKnot = (await runCommand('knotd', ['--version'], process.env).catch(() => ({ code: 127 }))).code === 0;
const haveCheckers =
  (await runCommand('named-checkzone', ['-v'], process.env).catch(() => ({ code: 127 }))).code === 0 &&
  (await runCommand('kzonecheck', ['--version'], process.env).catch(() => ({ code: 127 }))).code === 0;

describe('zone export is accepted by named-checkzone and kzonecheck', {
  skip: haveCheckers ? false : 'install bind9-utils and knot-dnssecutils',
}, () => {
  it('checks clean', async () => {
    const dir = tempDir();
    try {
      await addToHome(dir.path, ...ZONE_RECORDS);
      const path = join(dir.path, 'test.zone');
      assert.equal((await runDevdns(['export', '--zone', 'test', '-o', path], { home: dir.path })).code, 0);
      const named = await runCommand('named-checkzone', ['-k', 'fail', '-n', 'fail', 'test', path], process.env);
      assert.equal(named.code, 0, named.stdout + named.stderr);
      assert.match(named.stdout, /loaded serial \d+\nOK/);
      const knot = await runCommand('kzonecheck', ['-o', 'test', path], process.env);
      assert.equal(knot.code, 0, knot.stdout + knot.stderr);
    } finally {
      dir.cleanup();
    }
  });
});

interface Answer {
  rcode: string;
  aa: boolean;
  answer: string[];
  soaInAuthority: boolean;
}

const normalize = (value: unknown): unknown => {
  if (Buffer.isBuffer(value)) return value.toString('latin1');
  if (Array.isArray(value)) return value.map(normalize);
  if (typeof value === 'string') return value.toLowerCase();
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, normalize(v)]));
  return value;
};

/** Asks over UDP with EDNS, and again over TCP when the answer is truncated. */
async function ask(port: number, name: string, type: string): Promise<Answer> {
  const query = packet.encode({
    type: 'query',
    id: Math.floor(Math.random() * 65536),
    flags: 0,
    questions: [{ name, type: type as never, class: 'IN' }],
    additionals: [{ type: 'OPT', name: '.', udpPayloadSize: 1232 } as never],
  });
  let reply = await new Promise<Buffer>((resolve, reject) => {
    const socket = createSocket('udp4');
    const timer = setTimeout(() => {
      socket.close();
      reject(new Error(`no answer from port ${port} to ${name} ${type}`));
    }, 3_000);
    socket.on('message', (message) => {
      clearTimeout(timer);
      socket.close();
      resolve(message);
    });
    socket.send(query, port, '127.0.0.1');
  });
  if (packet.decode(reply).flag_tc) {
    reply = await new Promise<Buffer>((resolve, reject) => {
      const socket = connect({ host: '127.0.0.1', port }, () =>
        socket.write(Buffer.concat([Buffer.from([query.length >> 8, query.length & 0xff]), query])),
      );
      let data = Buffer.alloc(0);
      socket.on('data', (chunk: Buffer) => {
        data = Buffer.concat([data, chunk]);
        if (data.length >= 2 && data.length >= 2 + data.readUInt16BE(0)) {
          socket.destroy();
          resolve(data.subarray(2));
        }
      });
      socket.on('error', reject);
    });
  }
  const decoded = packet.decode(reply) as unknown as {
    rcode: string;
    flag_aa: boolean;
    answers: Array<{ name: string; type: string; data: unknown }>;
    authorities: Array<{ type: string }>;
  };
  return {
    rcode: decoded.rcode,
    aa: decoded.flag_aa,
    answer: decoded.answers.map((a) => `${a.name.toLowerCase()} ${a.type} ${JSON.stringify(normalize(a.data))}`).sort(),
    soaInAuthority: decoded.authorities.some((a) => a.type === 'SOA'),
  };
}

/** Every owner and type, case variants, wildcard hits, missing names, empty non-terminals, a delegation. */
function questions(): Array<[string, string]> {
  const owners = [...new Set(ZONE_RECORDS.map((r) => r.name))];
  const names = [
    ...owners,
    'MyApp.TEST',
    'wWw.MyApp.test',
    'anything.shop.test',
    'a.b.shop.test',
    'KNOWN.shop.test',
    'deep.x.alias.test',
    'y.sub.wild.test',
    'sub.wild.test',
    'z.wild.test',
    'b.c.test',
    'c.test',
    'nope.test',
    'nope.myapp.test',
    'host.deleg.test',
    'example.com',
  ];
  // HTTPS is type 65, which dns-packet names UNKNOWN_65.
  const types = ['A', 'AAAA', 'CNAME', 'MX', 'TXT', 'NS', 'SRV', 'CAA', 'PTR', 'SOA', 'UNKNOWN_65'];
  return names.flatMap((name) => types.map((type): [string, string] => [name, type]));
}

describe('devdns answers like Knot DNS serving its exported zone', {
  skip: haveKnot ? false : 'install knot (Debian) for the differential test',
}, () => {
  const dir = tempDir();
  let devdns: RunningDevdns;
  let knot: ChildProcess;
  let knotPort = 0;
  before(async () => {
    await addToHome(dir.path, ...ZONE_RECORDS);
    const zonePath = join(dir.path, 'test.zone');
    assert.equal((await runDevdns(['export', '--zone', 'test', '-o', zonePath], { home: dir.path })).code, 0);
    knotPort = await freePort();
    const config = join(dir.path, 'knot.conf');
    writeFileSync(
      config,
      `server:\n    rundir: "${dir.path}"\n    listen: 127.0.0.1@${knotPort}\n\ndatabase:\n    storage: "${dir.path}"\n\nlog:\n  - target: stderr\n    any: warning\n\nzone:\n  - domain: test.\n    file: "${zonePath}"\n    zonefile-sync: -1\n    journal-content: none\n`,
    );
    knot = spawn('knotd', ['-c', config], { stdio: ['ignore', 'ignore', 'pipe'] });
    let knotLog = '';
    knot.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      knotLog += chunk;
    });
    await eventually(
      async () => ((await ask(knotPort, 'test', 'SOA').catch(() => undefined))?.rcode === 'NOERROR' ? true : undefined),
      10_000,
      `knotd to serve the zone (${knotLog})`,
    );
    devdns = await startDevdns(dir.path);
  });
  after(async () => {
    knot?.kill('SIGTERM');
    await devdns?.stop();
    dir.cleanup();
  });

  it('gives the same rcode, AA flag, answer RRsets and negative SOA for every question', { timeout: 120_000 }, async () => {
    const asked = questions();
    assert.ok(asked.length >= 300, `${asked.length} questions`);
    const differences: string[] = [];
    for (const [name, type] of asked) {
      const [ours, theirs] = await Promise.all([ask(devdns.port, name, type), ask(knotPort, name, type)]);
      const negative = (a: Answer) => a.rcode === 'NXDOMAIN' || (a.rcode === 'NOERROR' && a.answer.length === 0 && a.aa);
      const same =
        ours.rcode === theirs.rcode &&
        ours.aa === theirs.aa &&
        JSON.stringify(ours.answer) === JSON.stringify(theirs.answer) &&
        (!negative(theirs) || (ours.soaInAuthority && theirs.soaInAuthority));
      if (!same) differences.push(`${name} ${type}: devdns ${JSON.stringify(ours)} knot ${JSON.stringify(theirs)}`);
    }
    assert.deepEqual(differences, []);
  });
});

describe('devdns import and export (built binary)', () => {
  for (const format of ['json', 'zone', 'hosts', 'dnsmasq'] as const) {
    it(`${format}: export then import into an empty home gives the same records`, async () => {
      const from = tempDir();
      const to = tempDir();
      try {
        // Each format with what it can hold: hosts only addresses; dnsmasq no NS, and address= also
        // answers the wildcard's base name, so its wildcard here has a record at the base too.
        const all = ZONE_RECORDS.filter((r) => r.name !== 'dangling.test');
        const inputs =
          format === 'hosts'
            ? all.filter((r) => !r.type && !r.name.startsWith('*') && r.name.includes('.'))
            : format === 'dnsmasq'
              ? [
                  ...all.filter((r) => r.type !== 'NS' && r.name !== 'ns1.deleg.test' && r.name !== 'shop.test'),
                  { name: 'shop.test', value: '127.0.0.3' },
                  { name: 'shop.test', value: 'fd00::3' },
                  { name: 'wild.test', value: '10.0.0.7' },
                ]
              : all;
        // A hosts file has no TTLs; the other formats carry them.
        await addToHome(from.path, ...inputs, { name: 'db.internal', value: '10.0.0.9', ...(format === 'hosts' ? {} : { ttl: '60' }) });
        const path = join(from.path, `export.${format}`);
        const exported = await runDevdns(['export', '--format', format, ...(format === 'zone' ? [] : ['-o', path])], { home: from.path });
        assert.equal(exported.code, 0, exported.stderr);
        if (format === 'zone') writeFileSync(path, exported.stdout);
        const imported = await runDevdns(['import', path], { home: to.path });
        assert.equal(imported.code, 0, imported.stderr);
        const list = async (home: string) =>
          (
            JSON.parse((await runDevdns(['ls', '--json'], { home })).stdout) as Array<{
              name: string;
              type: string;
              ttl: number;
              value: string;
            }>
          )
            .map((r) => `${r.name} ${r.type} ${r.ttl} ${r.value}`)
            .sort();
        assert.deepEqual(await list(to.path), await list(from.path));
      } finally {
        from.cleanup();
        to.cleanup();
      }
    });
  }

  it('reports bad lines by file and line, writes nothing, and imports the rest with --skip-invalid', async () => {
    const dir = tempDir();
    try {
      await addToHome(dir.path, { name: 'keep.test' });
      const before = readFileSync(join(dir.path, 'records.json'));
      const hosts = join(dir.path, 'hosts.txt');
      writeFileSync(hosts, '127.0.0.1 localhost\n10.0.0.1 good.test\n10.0.0.300 bad.test\n1.2.3.4 tracker.example.com\n');
      const refused = await runDevdns(['import', hosts], { home: dir.path });
      assert.equal(refused.code, 1);
      assert.match(refused.stderr, new RegExp(`${hosts}:3: address: "10\\.0\\.0\\.300" is not an IP address`));
      assert.match(refused.stderr, /devdns: 1 line could not be imported; nothing was written/);
      assert.deepEqual(readFileSync(join(dir.path, 'records.json')), before);
      const dry = await runDevdns(['import', hosts, '--skip-invalid', '--dry-run'], { home: dir.path });
      assert.equal(dry.code, 0);
      assert.match(dry.stderr, /would be added good\.test A 10\.0\.0\.1/);
      assert.match(dry.stderr, /:4: skipped tracker\.example\.com: .*public top-level domain.*--force/);
      assert.deepEqual(readFileSync(join(dir.path, 'records.json')), before, 'a dry run writes nothing');
      const done = await runDevdns(['import', hosts, '--skip-invalid'], { home: dir.path });
      assert.equal(done.code, 0);
      assert.match(done.stderr, /1 added, 0 updated, 0 unchanged, 2 skipped, 1 invalid/);
      const replaced = await runDevdns(['import', hosts, '--skip-invalid', '--replace'], { home: dir.path });
      assert.match(replaced.stderr, /3 existing records were replaced/);
      const names = (JSON.parse((await runDevdns(['ls', '--json'], { home: dir.path })).stdout) as Array<{ name: string }>).map(
        (r) => r.name,
      );
      assert.deepEqual(names, ['good.test']);
    } finally {
      dir.cleanup();
    }
  });

  it('imports the seed project YAML map and a dnsmasq address= line as name plus wildcard', async () => {
    const dir = tempDir();
    try {
      writeFileSync(join(dir.path, 'records.yaml'), 'example.test: 192.0.2.1\n');
      writeFileSync(join(dir.path, 'dnsmasq.conf'), 'address=/shop.test/127.0.0.1\nserver=1.1.1.1\n');
      assert.equal((await runDevdns(['import', join(dir.path, 'records.yaml')], { home: dir.path })).code, 0);
      const dnsmasq = await runDevdns(['import', join(dir.path, 'dnsmasq.conf')], { home: dir.path });
      assert.match(dnsmasq.stderr, /reading .* as dnsmasq/);
      const listed = (
        JSON.parse((await runDevdns(['ls', '--json'], { home: dir.path })).stdout) as Array<{ name: string; value: string }>
      ).map((r) => `${r.name} ${r.value}`);
      assert.deepEqual(listed, ['example.test 192.0.2.1', 'shop.test 127.0.0.1', '*.shop.test 127.0.0.1']);
    } finally {
      dir.cleanup();
    }
  });
});
