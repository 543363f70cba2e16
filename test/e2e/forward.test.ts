// Overriding real names and forwarding, with the built binary, against unbound serving a made-up
// example.com as the upstream and dig as the client: which answers devdns gives itself and which
// come from upstream, the cache (counted in unbound's own query log), negative caching, the TCP
// retry on a truncated answer, `forward all`, DNS over TLS and over HTTPS with their certificates
// checked, and stale answers then SERVFAIL within the deadline once the upstream is gone.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { makeCertificate } from '../helpers/certificate.js';
import { runCommand, runDevdns, tempDir } from '../helpers/devdns.js';
import { freePort } from '../helpers/ports.js';
import { eventually, type RunningDevdns, startDevdns } from '../helpers/server.js';

const haveTools =
  (await runCommand('unbound', ['-V'], process.env).catch(() => ({ code: 127 }))).code === 0 &&
  (await runCommand('dig', ['-v'], process.env).catch(() => ({ code: 127 }))).code === 0 &&
  (await runCommand('openssl', ['version'], process.env).catch(() => ({ code: 127 }))).code === 0;

const BIG_STRINGS = 12;

const TLS_NAME = 'dns.devdns-test.example';

function unboundConfig(dir: string, port: number, tlsPort: number, httpsPort: number): string {
  const data = [
    'example.com. 60 IN SOA ns.example.com. hostmaster.example.com. 1 3600 600 86400 30',
    'api.example.com. 60 IN A 93.184.216.34',
    'api.example.com. 60 IN AAAA 2606:2800::1',
    'api.example.com. 60 IN HTTPS 1 . ipv6hint=2606:2800::1',
    'api.example.com. 60 IN MX 10 mail.example.com.',
    'api.example.com. 60 IN TXT "v=spf1 -all"',
    'docs.api.example.com. 60 IN A 93.184.216.40',
    'cache.api.example.com. 60 IN A 93.184.216.41',
    'short.api.example.com. 1 IN A 93.184.216.42',
    'staging.example.com. 60 IN A 93.184.216.50',
    'www.example.com. 60 IN CNAME web.example.com.',
    'web.example.com. 60 IN A 93.184.216.35',
    // Twelve strings of 61 octets: over 512 bytes, so a query without EDNS is answered TC=1.
    ...Array.from({ length: BIG_STRINGS }, (_, i) => `big.api.example.com. 60 IN TXT "${'x'.repeat(59)}${String(i).padStart(2, '0')}"`),
  ];
  return [
    'server:',
    `  interface: 127.0.0.1@${port}`,
    `  interface: 127.0.0.1@${tlsPort}`,
    `  interface: 127.0.0.1@${httpsPort}`,
    `  tls-port: ${tlsPort}`,
    // DNS over HTTPS (RFC 8484), HTTP/2 only, with the same certificate.
    `  https-port: ${httpsPort}`,
    '  http-endpoint: "/dns-query"',
    `  tls-service-key: "${join(dir, 'key.pem')}"`,
    `  tls-service-pem: "${join(dir, 'cert.pem')}"`,
    '  do-daemonize: no',
    '  username: ""',
    '  chroot: ""',
    `  directory: "${dir}"`,
    '  pidfile: ""',
    '  use-syslog: no',
    '  logfile: ""',
    '  log-queries: yes',
    '  verbosity: 0',
    '  do-ip6: no',
    '  access-control: 127.0.0.0/8 allow',
    '  module-config: "iterator"',
    '  local-zone: "example.com." static',
    ...data.map((line) => `  local-data: '${line}'`),
    'remote-control:',
    '  control-enable: no',
    '',
  ].join('\n');
}

interface Dug {
  status: string;
  flags: string[];
  answer: string[];
  ttls: number[];
}

async function dig(port: number, name: string, type: string, extra: string[] = []): Promise<Dug> {
  const run = await runCommand('dig', ['@127.0.0.1', '-p', String(port), name, type, '+tries=1', '+time=4', ...extra], process.env);
  const status = /status: (\w+)/.exec(run.stdout)?.[1] ?? `no answer: ${run.stdout}${run.stderr}`;
  const flags = (/flags: ([a-z ]+);/.exec(run.stdout)?.[1] ?? '').split(' ');
  const section = run.stdout.split(';; ANSWER SECTION:\n')[1]?.split('\n\n')[0] ?? '';
  const records = section.split('\n').filter((line) => line.trim() !== '');
  return {
    status,
    flags,
    answer: records.map((line) => line.split(/\s+/).slice(3).join(' ')),
    ttls: records.map((line) => Number(line.split(/\s+/)[1])),
  };
}

describe('override and forwarding against unbound', { skip: haveTools ? false : 'install unbound and dig' }, () => {
  const dir = tempDir();
  const home = join(dir.path, 'home');
  let unbound: ChildProcess;
  let unboundLog = '';
  let upstreamPort = 0;
  let tlsPort = 0;
  let httpsPort = 0;
  let devdns: RunningDevdns;
  /** How many times unbound was asked this question. */
  const asked = (name: string, type: string) => unboundLog.split('\n').filter((line) => line.endsWith(` ${name}. ${type} IN`)).length;

  before(async () => {
    upstreamPort = await freePort();
    tlsPort = await freePort();
    httpsPort = await freePort();
    // A certificate for the DNS-over-TLS and DNS-over-HTTPS tests, which the daemon is told to trust.
    await makeCertificate(dir.path, TLS_NAME);
    const config = join(dir.path, 'unbound.conf');
    writeFileSync(config, unboundConfig(dir.path, upstreamPort, tlsPort, httpsPort));
    unbound = spawn('unbound', ['-d', '-c', config], { stdio: ['ignore', 'pipe', 'pipe'] });
    for (const stream of [unbound.stdout, unbound.stderr]) {
      stream?.setEncoding('utf8').on('data', (chunk: string) => {
        unboundLog += chunk;
      });
    }
    await eventually(
      async () => ((await dig(upstreamPort, 'example.com', 'SOA')).status === 'NOERROR' ? true : undefined),
      10_000,
      'unbound',
    );
    for (const args of [
      ['config', 'set', 'upstream', `127.0.0.1:${upstreamPort}`],
      ['override', 'api.example.com', '127.0.0.1', '--force'],
      ['override', '*.staging.example.com', '10.0.0.7', '--force'],
    ]) {
      const run = await runDevdns(args, { home });
      assert.equal(run.code, 0, run.stderr);
    }
    devdns = await startDevdns(home);
  });
  after(async () => {
    await devdns?.stop();
    unbound?.kill('SIGKILL');
    dir.cleanup();
  });

  it('answers the overridden addresses itself, and forwards the types and names it leaves', async () => {
    const a = await dig(devdns.port, 'api.example.com', 'A');
    assert.deepEqual([a.status, a.answer, a.flags.includes('aa')], ['NOERROR', ['A 127.0.0.1'], true]);
    // No real address leaks through another type: AAAA and HTTPS are answered here, with nothing.
    for (const type of ['AAAA', 'HTTPS']) {
      const empty = await dig(devdns.port, 'api.example.com', type);
      assert.deepEqual([type, empty.status, empty.answer], [type, 'NOERROR', []]);
    }
    assert.deepEqual((await dig(devdns.port, 'api.example.com', 'MX')).answer, ['MX 10 mail.example.com.']);
    assert.deepEqual((await dig(devdns.port, 'api.example.com', 'TXT')).answer, ['TXT "v=spf1 -all"']);
    // A name under the override that devdns holds nothing for is the real one.
    assert.deepEqual((await dig(devdns.port, 'docs.api.example.com', 'A')).answer, ['A 93.184.216.40']);
    // A subtree: the names below it, not its apex.
    assert.deepEqual((await dig(devdns.port, 'x.staging.example.com', 'A')).answer, ['A 10.0.0.7']);
    assert.deepEqual((await dig(devdns.port, 'staging.example.com', 'A')).answer, ['A 93.184.216.50']);
    // forward overrides (the default): the rest of example.com never goes through devdns.
    assert.equal((await dig(devdns.port, 'web.example.com', 'A')).status, 'REFUSED');
    assert.equal(asked('web.example.com', 'A'), 0);
  });

  it('resolve says which rule answered, and where a forwarded answer came from', async () => {
    const own = await runDevdns(['resolve', 'api.example.com', 'AAAA'], { home });
    assert.match(own.stdout, /^api\.example\.com AAAA: NOERROR\n/);
    const first = await runDevdns(['resolve', 'resolve.api.example.com', 'A'], { home });
    assert.equal(first.code, 1, 'no answer: unbound holds no such name');
    assert.match(first.stdout, /: NXDOMAIN\n {2}forwarded: the override leaves it to the real servers; answered by 127\.0\.0\.1:\d+\n/);
    const mx = await runDevdns(['resolve', 'api.example.com', 'MX'], { home });
    assert.equal(mx.code, 0, mx.stderr);
    assert.match(mx.stdout, /api\.example\.com MX 10 mail\.example\.com\./);
    assert.match(mx.stdout, /from the cache, \d+ s left/);
  });

  it('asks the upstream once for a repeated question, positive or negative', async () => {
    for (const [name, type] of [
      ['cache.api.example.com', 'A'],
      ['nope.api.example.com', 'A'], // NXDOMAIN, kept by its SOA (RFC 2308)
      ['api.example.com', 'CAA'], // NODATA
    ] as const) {
      const first = await dig(devdns.port, name, type);
      for (let i = 0; i < 3; i++) assert.equal((await dig(devdns.port, name.toUpperCase(), type)).status, first.status);
      assert.equal(asked(name, type), 1, `${name} ${type} asked of unbound: ${asked(name, type)} times`);
    }
  });

  it('asks again over TCP when the upstream truncates, and fits the reply to the client', async () => {
    // devdns asks without EDNS, so unbound truncates at 512 bytes and devdns asks over TCP.
    const full = await dig(devdns.port, 'big.api.example.com', 'TXT');
    assert.equal(full.answer.length, BIG_STRINGS);
    assert.equal(full.flags.includes('tc'), false);
    // A client without EDNS takes 512 bytes over UDP: it gets TC=1 and, over TCP, everything.
    const truncated = await dig(devdns.port, 'big.api.example.com', 'TXT', ['+noedns', '+ignore']);
    assert.deepEqual([truncated.flags.includes('tc'), truncated.answer], [true, []]);
    assert.equal((await dig(devdns.port, 'big.api.example.com', 'TXT', ['+noedns', '+tcp'])).answer.length, BIG_STRINGS);
  });

  it('forward all: every other name goes upstream', async () => {
    const allHome = join(dir.path, 'all');
    for (const args of [
      ['config', 'set', 'upstream', `127.0.0.1:${upstreamPort}`],
      ['config', 'set', 'forward', 'all'],
    ]) {
      assert.equal((await runDevdns(args, { home: allHome })).code, 0);
    }
    const all = await startDevdns(allHome);
    try {
      assert.deepEqual((await dig(all.port, 'web.example.com', 'A')).answer, ['A 93.184.216.35']);
      // As the upstream gave it (unbound does not follow a CNAME out of its local data).
      assert.deepEqual((await dig(all.port, 'www.example.com', 'A')).answer, ['CNAME web.example.com.']);
      // devdns's own zones stay its own.
      assert.equal((await dig(all.port, 'nothing.test', 'A')).status, 'NXDOMAIN');
    } finally {
      await all.stop();
    }
  });

  it('asks over TLS with the certificate checked against the name given, and refuses one for another name', async () => {
    const env = { NODE_EXTRA_CA_CERTS: join(dir.path, 'cert.pem') };
    const ask = async (name: string) => {
      const tlsHome = join(dir.path, `tls-${name}`);
      assert.equal((await runDevdns(['config', 'set', 'upstream', `tls://127.0.0.1:${tlsPort}#${name}`], { home: tlsHome })).code, 0);
      assert.equal((await runDevdns(['override', 'api.example.com', '127.0.0.1', '--force'], { home: tlsHome })).code, 0);
      const running = await startDevdns(tlsHome, [], env);
      try {
        return await dig(running.port, 'api.example.com', 'TXT');
      } finally {
        await running.stop();
      }
    };
    const before = asked('api.example.com', 'TXT');
    assert.deepEqual((await ask(TLS_NAME)).answer, ['TXT "v=spf1 -all"']);
    assert.equal(asked('api.example.com', 'TXT'), before + 1, 'asked of unbound over TLS');
    // RFC 7858 strict privacy: a certificate for another name gives no answer at all.
    assert.equal((await ask('wrong.example')).status, 'SERVFAIL');
    assert.equal(asked('api.example.com', 'TXT'), before + 1);
  });

  it('asks over HTTPS with the certificate checked against the name after #, and refuses one for another name', async () => {
    const env = { NODE_EXTRA_CA_CERTS: join(dir.path, 'cert.pem') };
    const ask = async (name: string) => {
      const dohHome = join(dir.path, `doh-${name}`);
      const upstream = `https://127.0.0.1:${httpsPort}/dns-query#${name}`;
      const set = await runDevdns(['config', 'set', 'upstream', upstream], { home: dohHome });
      assert.equal(set.code, 0, set.stderr);
      assert.equal((await runDevdns(['override', 'api.example.com', '127.0.0.1', '--force'], { home: dohHome })).code, 0);
      const running = await startDevdns(dohHome, [], env);
      try {
        const dug = await dig(running.port, 'api.example.com', 'MX');
        const status = await runDevdns(['status'], { home: dohHome });
        assert.match(status.stdout, new RegExp(`https://127\\.0\\.0\\.1:${httpsPort}/dns-query#${name.replaceAll('.', '\\.')} \\(`));
        return dug;
      } finally {
        // The connection devdns keeps to the upstream does not hold up its stop.
        const started = Date.now();
        assert.equal(await running.stop(), 0);
        assert.ok(Date.now() - started < 3_000, `stopped after ${Date.now() - started} ms`);
      }
    };
    const before = asked('api.example.com', 'MX');
    const answered = await ask(TLS_NAME);
    assert.deepEqual([answered.status, answered.answer], ['NOERROR', ['MX 10 mail.example.com.']]);
    assert.equal(asked('api.example.com', 'MX'), before + 1, 'asked of unbound over HTTPS');
    // No answer without a certificate for the name: unbound is never asked.
    assert.equal((await ask('wrong.example')).status, 'SERVFAIL');
    assert.equal(asked('api.example.com', 'MX'), before + 1);
  });

  it('refuses a DNS over HTTPS URL with a name devdns would have to look up, and says what to write', async () => {
    const run = await runDevdns(['config', 'set', 'upstream', 'https://dns.example/dns-query'], { home: join(dir.path, 'doh-named') });
    assert.equal(run.code, 1);
    assert.match(run.stderr, /dns\.example is a name/);
    assert.match(run.stderr, /https:\/\/IP\/dns-query#dns\.example/);
  });

  // Last: it stops the upstream.
  it('serves a kept answer stale when the upstream is gone, and SERVFAIL within the deadline for the rest', async () => {
    assert.deepEqual((await dig(devdns.port, 'short.api.example.com', 'A')).answer, ['A 93.184.216.42']);
    unbound.kill('SIGKILL');
    await new Promise((resolve) => unbound.once('exit', resolve));
    // Its TTL is 1 s: once past it, the answer comes stale, with TTL 30 (RFC 8767 §4).
    const stale = await eventually(
      async () => {
        const dug = await dig(devdns.port, 'short.api.example.com', 'A');
        return dug.ttls[0] === 30 ? dug : undefined;
      },
      10_000,
      'a stale answer',
    );
    assert.deepEqual(stale.answer, ['A 93.184.216.42']);
    const started = Date.now();
    const failed = await dig(devdns.port, 'never.api.example.com', 'A');
    const took = Date.now() - started;
    assert.equal(failed.status, 'SERVFAIL');
    assert.ok(took < 3_500, `SERVFAIL after ${took} ms`);
    assert.ok(took >= 1_500, `SERVFAIL after ${took} ms: sooner than the deadline means no upstream was asked`);
  });
});
