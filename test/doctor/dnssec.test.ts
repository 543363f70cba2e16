// Overrides against a DNSSEC-validating resolver: the resolver's files read from a temp --root
// tree, the real zone found from fake upstream replies, and the check's outcomes over hand-made
// facts, as tables.
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { PROBE_ADDRESS } from '../../src/dns/zone-index.js';
import { CHECKS, type Check, type DoctorFacts, type Route } from '../../src/doctor/checks.js';
import {
  type AskUpstream,
  anchorFor,
  detectValidation,
  dnssecQuery,
  findZoneSigning,
  upstreamAsker,
  type Validation,
  type ZoneSigning,
} from '../../src/doctor/dnssec.js';
import { runChecks } from '../../src/doctor/doctor.js';
import { FLAG, readMessage, type WireRecord, writeMessage } from '../../src/forward/reply-shape.js';
import { planSetup, RESOLVED_BUILTIN_NEGATIVE_ANCHORS, type ResolverKind } from '../../src/os/resolvers.js';
import { addRecord } from '../../src/store/edits.js';
import { tempDir } from '../helpers/devdns.js';
import { withTree } from '../helpers/tree.js';

/** Runs `work` over a temp tree holding `files` (system path -> text). */

const SHIPPED = '#  Entries in this file show the compile time defaults.\n[Resolve]\n#DNS=\n#DNSSEC=no\n';

describe('dnssec: does the system resolver validate, from its files', () => {
  const cases: Array<[string, ResolverKind, Record<string, string>, Partial<Validation>]> = [
    ['resolved: nothing set, no file: the Debian default, no', 'systemd-resolved', {}, { validates: false }],
    ['resolved: the shipped file, all commented', 'systemd-resolved', { '/etc/systemd/resolved.conf': SHIPPED }, { validates: false }],
    [
      'resolved: an upstream build shows allow-downgrade as its default',
      'systemd-resolved',
      { '/etc/systemd/resolved.conf': '[Resolve]\n#DNSSEC=allow-downgrade\n' },
      { validates: true, setting: 'the compiled default (#DNSSEC=allow-downgrade in /etc/systemd/resolved.conf)' },
    ],
    [
      'resolved: yes in the main file',
      'systemd-resolved',
      { '/etc/systemd/resolved.conf': '[Resolve]\nDNSSEC=yes\n' },
      { validates: true, setting: 'DNSSEC=yes in /etc/systemd/resolved.conf' },
    ],
    [
      'resolved: a key outside [Resolve] does not count',
      'systemd-resolved',
      { '/etc/systemd/resolved.conf': '[Other]\nDNSSEC=yes\n' },
      { validates: false },
    ],
    [
      'resolved: the last drop-in by file name wins',
      'systemd-resolved',
      {
        '/etc/systemd/resolved.conf': '[Resolve]\nDNSSEC=yes\n',
        '/etc/systemd/resolved.conf.d/10-on.conf': '[Resolve]\nDNSSEC=true\n',
        '/etc/systemd/resolved.conf.d/20-off.conf': '[Resolve]\nDNSSEC=no\n',
        '/etc/systemd/resolved.conf.d/30-notes.txt': '[Resolve]\nDNSSEC=yes\n',
      },
      { validates: false, why: 'systemd-resolved does not validate DNSSEC: DNSSEC=no in /etc/systemd/resolved.conf.d/20-off.conf' },
    ],
    [
      'resolved: allow-downgrade in a drop-in under /run, an unknown value ignored after it',
      'systemd-resolved',
      {
        '/run/systemd/resolved.conf.d/50-dnssec.conf': '[Resolve]\nDNSSEC=allow-downgrade\n',
        '/etc/systemd/resolved.conf.d/60-typo.conf': '[Resolve]\nDNSSEC=maybe\n',
      },
      { validates: true, setting: 'DNSSEC=allow-downgrade in /run/systemd/resolved.conf.d/50-dnssec.conf' },
    ],
    [
      'resolved: a name in /etc hides the same name in /usr/lib',
      'systemd-resolved',
      {
        '/usr/lib/systemd/resolved.conf.d/50-vendor.conf': '[Resolve]\nDNSSEC=yes\n',
        '/etc/systemd/resolved.conf.d/50-vendor.conf': '[Resolve]\n',
      },
      { validates: false },
    ],
    [
      'resolved: an empty DNSSEC= restores the default',
      'systemd-resolved',
      { '/etc/systemd/resolved.conf': '[Resolve]\nDNSSEC=yes\n', '/etc/systemd/resolved.conf.d/x.conf': '[Resolve]\nDNSSEC=\n' },
      { validates: false },
    ],
    [
      'resolved: negative trust anchors are read, comments skipped',
      'systemd-resolved',
      {
        '/etc/systemd/resolved.conf.d/dnssec.conf': '[Resolve]\nDNSSEC=yes\n',
        '/etc/dnssec-trust-anchors.d/devdns.negative': '# ours\n; also a comment\nAPI.Example.com.\n\n',
        '/etc/dnssec-trust-anchors.d/other.positive': '. IN DS 20326 8 2 e06d44b8\n',
      },
      { validates: true, negativeAnchors: [{ domain: 'api.example.com', file: '/etc/dnssec-trust-anchors.d/devdns.negative' }] },
    ],
    ['dnsmasq: no dnssec line', 'dnsmasq', { '/etc/dnsmasq.conf': 'domain-needed\n#dnssec\n' }, { validates: false }],
    [
      'dnsmasq: dnssec, with the trust anchors from conf-file',
      'dnsmasq',
      {
        '/etc/dnsmasq.conf': 'dnssec\nconf-file=/usr/share/dnsmasq-base/trust-anchors.conf\n',
        '/usr/share/dnsmasq-base/trust-anchors.conf': 'trust-anchor=.,20326,8,2,E06D44B8\n',
      },
      { validates: true, resolver: 'dnsmasq', setting: 'dnssec in /etc/dnsmasq.conf' },
    ],
    [
      'dnsmasq: dnssec in /etc/dnsmasq.d, as Debian starts it; no trust anchor seen is said',
      'dnsmasq',
      { '/etc/dnsmasq.conf': '', '/etc/dnsmasq.d/dnssec.conf': 'dnssec\n', '/etc/dnsmasq.d/old.conf.dpkg-old': 'x\n' },
      { validates: true, setting: 'dnssec in /etc/dnsmasq.d/dnssec.conf (no trust-anchor line seen)' },
    ],
    [
      'dnsmasq: a conf-dir with a *.conf filter',
      'dnsmasq',
      { '/etc/dnsmasq.conf': 'conf-dir=/etc/extra/,*.conf\n', '/etc/extra/a.txt': 'dnssec\n', '/etc/extra/b.conf': 'dnssec\n' },
      { validates: true, setting: 'dnssec in /etc/extra/b.conf (no trust-anchor line seen)' },
    ],
    [
      'dnsmasq: dnssec-check-unsigned=no lets unsigned answers through',
      'dnsmasq',
      { '/etc/dnsmasq.conf': 'dnssec\ntrust-anchor=.,1,8,2,AA\ndnssec-check-unsigned=no\n' },
      { validates: false },
    ],
    [
      "NetworkManager's dnsmasq reads only its own directory",
      'networkmanager-dnsmasq',
      { '/etc/dnsmasq.conf': 'dnssec\n', '/etc/NetworkManager/dnsmasq.d/dnssec.conf': 'dnssec\ntrust-anchor=.,1,8,2,AA\n' },
      { validates: true, resolver: 'networkmanager-dnsmasq', setting: 'dnssec in /etc/NetworkManager/dnsmasq.d/dnssec.conf' },
    ],
    [
      "NetworkManager's dnsmasq, with no dnssec of its own",
      'networkmanager-dnsmasq',
      { '/etc/dnsmasq.conf': 'dnssec\n' },
      { validates: false },
    ],
    ['macOS does not validate', 'macos', { '/etc/systemd/resolved.conf': '[Resolve]\nDNSSEC=yes\n' }, { validates: false }],
    ['Windows does not validate', 'windows', {}, { validates: false, why: 'the Windows DNS client does not validate DNSSEC' }],
  ];
  for (const [title, resolver, files, expected] of cases) {
    it(title, () => {
      const found = withTree(files, (system) => detectValidation(system, resolver));
      assert.deepEqual({ ...found, ...expected }, found);
    });
  }
  it("reads back the negative trust anchors devdns setup writes: the routed domains and resolved's own, which the file would turn off", () => {
    const anchors = planSetup({
      resolver: 'systemd-resolved',
      tlds: ['test', 'api.example.com'],
      host: '127.0.0.1',
      port: 9090,
      anchors: RESOLVED_BUILTIN_NEGATIVE_ANCHORS,
    }).files.find((file) => file.path.endsWith('.negative'));
    assert.ok(anchors);
    const found = withTree(
      { '/etc/systemd/resolved.conf.d/dnssec.conf': '[Resolve]\nDNSSEC=allow-downgrade\n', [anchors.path]: anchors.content },
      (system) => detectValidation(system, 'systemd-resolved'),
    );
    assert.ok(found.validates);
    const domains = found.negativeAnchors.map((anchor) => anchor.domain);
    assert.deepEqual(domains.slice(0, 3), ['test', 'api.example.com', '10.in-addr.arpa']);
    for (const domain of RESOLVED_BUILTIN_NEGATIVE_ANCHORS) assert.ok(domains.includes(domain), domain);
    assert.equal(new Set(domains).size, domains.length, 'each once');
    assert.ok(found.negativeAnchors.every((anchor) => anchor.file === '/etc/dnssec-trust-anchors.d/devdns.negative'));
    assert.ok(anchors.content.startsWith('; '), 'the header is a `;` line, the only comment resolved skips');
  });

  it("takes resolved's built-in anchors while no .negative file names a domain, and only then", () => {
    const builtin = withTree({ '/etc/systemd/resolved.conf': '[Resolve]\nDNSSEC=yes\n' }, (system) =>
      detectValidation(system, 'systemd-resolved'),
    );
    assert.ok(builtin.validates);
    assert.ok(anchorFor('myapp.test', builtin));
    assert.equal(anchorFor('myapp.test', builtin)?.file, "systemd-resolved's built-in list");
    const own = withTree(
      { '/etc/systemd/resolved.conf': '[Resolve]\nDNSSEC=yes\n', '/etc/dnssec-trust-anchors.d/corp.negative': 'corp.example\n' },
      (system) => detectValidation(system, 'systemd-resolved'),
    );
    assert.equal(anchorFor('myapp.test', own), undefined, "a file of the user's own turns the built-in ones off");
  });
});

describe('dnssec: the real zone holding a name, from upstream replies', () => {
  const soa = (zone: string): WireRecord => ({ name: zone, type: 6, klass: 1, ttl: 60, rdata: [new Uint8Array(22)] });
  const dnskey = (zone: string): WireRecord => ({ name: zone, type: 48, klass: 1, ttl: 60, rdata: [new Uint8Array(8)] });
  const ds = (zone: string): WireRecord => ({ name: zone, type: 43, klass: 1, ttl: 60, rdata: [new Uint8Array(8)] });
  const cname = (name: string): WireRecord => ({ name, type: 5, klass: 1, ttl: 60, rdata: [{ name: 'edge.cdn.test' }] });
  /** A fake upstream: per `name TYPE`, the answer and authority sections (and rcode) it gives. */
  type Replies = Record<string, { answer?: WireRecord[]; authority?: WireRecord[]; rcode?: number }>;
  const upstream = (replies: Replies, asked: string[]): AskUpstream => {
    return async (name, type) => {
      const key = `${name} ${type === 6 ? 'SOA' : type === 48 ? 'DNSKEY' : type === 43 ? 'DS' : type}`;
      asked.push(key);
      const reply = replies[key] ?? { authority: [soa('com')] };
      return writeMessage({
        id: 0,
        flags: FLAG.QR | FLAG.RA | (reply.rcode ?? 0),
        question: { name, type, klass: 1 },
        answer: reply.answer ?? [],
        authority: reply.authority ?? [],
        additional: [],
      }).bytes;
    };
  };
  const cases: Array<[string, string, Replies, ZoneSigning | RegExp, string[]]> = [
    [
      'a name in a signed zone (NODATA, the SOA in authority)',
      'api.example.com',
      {
        'api.example.com SOA': { authority: [soa('example.com')] },
        'example.com DNSKEY': { answer: [dnskey('example.com')] },
        'example.com DS': { answer: [ds('example.com')] },
      },
      { zone: 'example.com', signed: true },
      ['api.example.com SOA', 'example.com DNSKEY', 'example.com DS'],
    ],
    [
      'keys without a DS in the parent: an island of trust, which validators take as unsigned',
      'api.example.com',
      {
        'api.example.com SOA': { authority: [soa('example.com')] },
        'example.com DNSKEY': { answer: [dnskey('example.com')] },
        'example.com DS': { authority: [soa('com')] },
      },
      { zone: 'example.com', signed: false, island: true },
      ['api.example.com SOA', 'example.com DNSKEY', 'example.com DS'],
    ],
    [
      'a name that does not exist, in an unsigned zone',
      'api.example.net',
      { 'api.example.net SOA': { rcode: 3, authority: [soa('example.net')] }, 'example.net DNSKEY': { authority: [soa('example.net')] } },
      { zone: 'example.net', signed: false },
      ['api.example.net SOA', 'example.net DNSKEY'],
    ],
    [
      'a name that is a zone apex itself: its own keys count, not the parent',
      'shop.example.com',
      { 'shop.example.com SOA': { answer: [soa('shop.example.com')] }, 'shop.example.com DNSKEY': {} },
      { zone: 'shop.example.com', signed: false },
      ['shop.example.com SOA', 'shop.example.com DNSKEY'],
    ],
    [
      'a CNAME leads the SOA to another zone: the parent is asked',
      'www.example.org',
      {
        'www.example.org SOA': { answer: [cname('www.example.org')], authority: [soa('cdn.test')] },
        'example.org SOA': { answer: [soa('example.org')] },
        'example.org DNSKEY': { answer: [dnskey('example.org')] },
        'example.org DS': { answer: [ds('example.org')] },
      },
      { zone: 'example.org', signed: true },
      ['www.example.org SOA', 'example.org SOA', 'example.org DNSKEY', 'example.org DS'],
    ],
    [
      'a DNSKEY owned by another name does not make the zone signed',
      'api.example.com',
      { 'api.example.com SOA': { authority: [soa('example.com')] }, 'example.com DNSKEY': { answer: [dnskey('other.example')] } },
      { zone: 'example.com', signed: false },
      ['api.example.com SOA', 'example.com DNSKEY'],
    ],
    [
      'SERVFAIL is an error, not "unsigned"',
      'api.example.com',
      { 'api.example.com SOA': { rcode: 2 } },
      /answered api\.example\.com SOA with rcode 2/,
      ['api.example.com SOA'],
    ],
    [
      'no SOA anywhere: an error, after a bounded number of questions',
      'a.b.c.d.e.example',
      Object.fromEntries(['a.b.c.d.e.example', 'b.c.d.e.example', 'c.d.e.example', 'd.e.example'].map((n) => [`${n} SOA`, {}])),
      /named no zone holding a\.b\.c\.d\.e\.example/,
      ['a.b.c.d.e.example SOA', 'b.c.d.e.example SOA', 'c.d.e.example SOA', 'd.e.example SOA'],
    ],
  ];
  for (const [title, name, replies, expected, questions] of cases) {
    it(title, async () => {
      const asked: string[] = [];
      if (expected instanceof RegExp) await assert.rejects(findZoneSigning(name, upstream(replies, asked)), expected);
      else assert.deepEqual(await findZoneSigning(name, upstream(replies, asked)), expected);
      assert.deepEqual(asked, questions);
    });
  }

  it('asks with RD, CD and EDNS DO set', () => {
    const query = readMessage(dnssecQuery('example.com.', 48));
    assert.ok(query);
    assert.equal(query.flags & (FLAG.RD | FLAG.CD), FLAG.RD | FLAG.CD);
    assert.deepEqual(query.question, { name: 'example.com', type: 48, klass: 1 });
    assert.deepEqual(
      query.additional.map((r) => [r.name, r.type, r.klass, r.ttl & 0x8000]),
      [['', 41, 1232, 0x8000]],
    );
  });
});

describe('dnssec: the check over facts', () => {
  const resolved: Validation = {
    validates: true,
    resolver: 'systemd-resolved',
    setting: 'DNSSEC=yes in /etc/systemd/resolved.conf.d/dnssec.conf',
    negativeAnchors: [{ domain: 'example.org', file: '/etc/dnssec-trust-anchors.d/devdns.negative' }],
  };
  const dnsmasq: Validation = { validates: true, resolver: 'dnsmasq', setting: 'dnssec in /etc/dnsmasq.conf', negativeAnchors: [] };
  const off: Validation = { validates: false, why: 'the macOS resolver does not validate DNSSEC' };
  const signed = { ok: true as const, value: { zone: 'example.com', signed: true } };
  const base: DoctorFacts = {
    running: undefined,
    resolver: 'systemd-resolved',
    routedPort: 9090,
    answers: [],
    portOwner: undefined,
    records: { ok: true, value: { version: 1, serial: 1, zones: {}, records: [] } },
    tlds: [],
    served: undefined,
  };
  const routed = (name: string, route: Route): DoctorFacts['tlds'] => [
    { tld: name, route, probe: { name, expected: PROBE_ADDRESS }, lookup: { ok: true, value: [PROBE_ADDRESS] } },
  ];
  const cases: Array<[string, Partial<DoctorFacts>, Partial<Check> | undefined]> = [
    ['no override: no check', { dnssec: undefined }, undefined],
    [
      'validating resolver, signed zone: fail, with setup to write the trust anchor',
      { dnssec: { validation: resolved, upstream: '127.0.0.1:5300', overrides: [{ name: 'api.example.com', zone: signed }] } },
      {
        status: 'fail',
        message:
          "api.example.com: systemd-resolved validates DNSSEC (DNSSEC=yes in /etc/systemd/resolved.conf.d/dnssec.conf) and the real zone example.com is signed (asked 127.0.0.1:5300): devdns's unsigned answers for it are bogus there (SERVFAIL)",
        fix: 'devdns setup, which writes api.example.com into /etc/dnssec-trust-anchors.d/devdns.negative as a negative trust anchor',
      },
    ],
    [
      'dnsmasq validating, signed zone: the fix is the dnssec line or the hosts route',
      { dnssec: { validation: dnsmasq, overrides: [{ name: 'api.example.com', zone: signed }] } },
      {
        status: 'fail',
        fix: 'remove the dnssec line and sudo systemctl restart dnsmasq, or route it through the hosts file: devdns setup --resolver hosts',
      },
    ],
    [
      'validating resolver, unsigned zone',
      {
        dnssec: {
          validation: resolved,
          overrides: [{ name: 'api.example.net', zone: { ok: true, value: { zone: 'example.net', signed: false } } }],
        },
      },
      {
        status: 'ok',
        message:
          "api.example.net: systemd-resolved validates DNSSEC (DNSSEC=yes in /etc/systemd/resolved.conf.d/dnssec.conf), but the real zone example.net is not signed, so devdns's answers stand",
      },
    ],
    [
      'validating resolver, an island of trust (keys, no DS)',
      {
        dnssec: {
          validation: resolved,
          overrides: [{ name: 'api.example.net', zone: { ok: true, value: { zone: 'example.net', signed: false, island: true } } }],
        },
      },
      {
        status: 'ok',
        message:
          "api.example.net: systemd-resolved validates DNSSEC (DNSSEC=yes in /etc/systemd/resolved.conf.d/dnssec.conf), but the real zone example.net has keys and no DS in its parent: no chain of trust reaches it, so devdns's answers stand",
      },
    ],
    [
      'a negative trust anchor on a parent exempts it',
      { dnssec: { validation: resolved, overrides: [{ name: 'api.example.org', zone: undefined }] } },
      {
        status: 'ok',
        message:
          'api.example.org: systemd-resolved validates DNSSEC (DNSSEC=yes in /etc/systemd/resolved.conf.d/dnssec.conf), but the negative trust anchor example.org in /etc/dnssec-trust-anchors.d/devdns.negative exempts it',
      },
    ],
    [
      'a resolver that does not validate',
      { dnssec: { validation: off, overrides: [{ name: 'api.example.com', zone: undefined }] } },
      { status: 'ok', message: "api.example.com: the macOS resolver does not validate DNSSEC, so devdns's unsigned answers stand" },
    ],
    [
      'routed through the hosts file: DNSSEC does not apply',
      {
        tlds: routed('api.example.com', { kind: 'hosts-route', hostsPath: '/etc/hosts', block: { kind: 'current' }, missing: [] }),
        dnssec: { validation: resolved, overrides: [{ name: 'api.example.com', zone: undefined }] },
      },
      { status: 'ok', message: 'api.example.com is answered from the hosts file, which DNSSEC validation does not touch' },
    ],
    [
      "a routed TLD no anchor exempts (the user's own .negative file turned resolved's built-in ones off): fail, setup the fix",
      {
        tlds: routed('test', { kind: 'resolver', resolver: 'systemd-resolved', port: 9090 }),
        dnssec: {
          validation: { ...resolved, negativeAnchors: [{ domain: 'corp.example', file: '/etc/dnssec-trust-anchors.d/corp.negative' }] },
          overrides: [],
        },
      },
      {
        id: 'dnssec-test',
        status: 'fail',
        message:
          ".test: systemd-resolved validates DNSSEC (DNSSEC=yes in /etc/systemd/resolved.conf.d/dnssec.conf) and no negative trust anchor exempts .test (/etc/dnssec-trust-anchors.d/corp.negative defines some, which turns off resolved's built-in ones, .test among them): devdns's unsigned answers there are bogus (SERVFAIL)",
        fix: 'devdns setup, which lists .test in /etc/dnssec-trust-anchors.d/devdns.negative as a negative trust anchor',
      },
    ],
    [
      "a routed TLD resolved's built-in anchors exempt: no check",
      {
        tlds: routed('test', { kind: 'resolver', resolver: 'systemd-resolved', port: 9090 }),
        dnssec: {
          validation: { ...resolved, negativeAnchors: [{ domain: 'test', file: "systemd-resolved's built-in list" }] },
          overrides: [],
        },
      },
      undefined,
    ],
    [
      'the upstream could not be asked: warn, saying why',
      {
        dnssec: {
          validation: resolved,
          upstream: '192.0.2.53',
          overrides: [{ name: 'api.example.com', zone: { ok: false, error: new Error('192.0.2.53:53 gave no answer within 1000 ms') } }],
        },
      },
      {
        status: 'warn',
        message:
          'api.example.com: systemd-resolved validates DNSSEC (DNSSEC=yes in /etc/systemd/resolved.conf.d/dnssec.conf), and doctor could not tell whether the real zone holding it is signed (asked 192.0.2.53): 192.0.2.53:53 gave no answer within 1000 ms',
      },
    ],
  ];
  for (const [title, facts, expected] of cases) {
    it(title, () => {
      const checks = CHECKS.flatMap((check) => check({ ...base, ...facts })).filter((check) => check.id.startsWith('dnssec-'));
      if (expected === undefined) return assert.deepEqual(checks, []);
      assert.equal(checks.length, 1);
      const [found] = checks as [Check];
      assert.deepEqual({ ...found, ...expected }, found);
      assert.doesNotMatch(found.message, /\n/);
    });
  }
});

describe('dnssec: doctor asks about the real zone only when the resolver validates', () => {
  const tree = (dnssec: string): Record<string, string> => ({
    '/etc/resolv.conf': 'nameserver 127.0.0.53\n',
    '/run/systemd/resolve/resolv.conf': 'nameserver 192.0.2.53\n',
    '/etc/systemd/resolved.conf.d/dnssec.conf': `[Resolve]\nDNSSEC=${dnssec}\n`,
    '/etc/hosts': '127.0.0.1 localhost\n',
  });
  const cases: Array<[string, string, string[], Check['status']]> = [
    ['validating: each override is asked about', 'yes', ['api.example.com', 'staging.example.com'], 'fail'],
    ['not validating: nothing is asked', 'no', [], 'ok'],
  ];
  for (const [title, dnssec, expectedAsked, status] of cases) {
    it(title, async () => {
      const dir = tempDir();
      try {
        const home = join(dir.path, 'home');
        await addRecord(home, { name: 'api.example.com', value: '127.0.0.1' }, { defaultTtl: 60, override: true });
        await addRecord(home, { name: '*.staging.example.com', value: '10.0.0.7' }, { defaultTtl: 60, override: true });
        const root = join(dir.path, 'root');
        for (const [path, text] of Object.entries(tree(dnssec))) {
          mkdirSync(dirname(join(root, path)), { recursive: true });
          writeFileSync(join(root, path), text);
        }
        const asked: string[] = [];
        const checks = await runChecks({
          home,
          hostsFile: join(root, 'etc/hosts'),
          platform: 'linux',
          systemRoot: root,
          resolve: async () => ['127.0.0.1'],
          zoneSigning: async (name) => {
            asked.push(name);
            return { zone: 'example.com', signed: true };
          },
        });
        assert.deepEqual(asked, expectedAsked);
        const ids = checks.map((check) => check.id).filter((id) => id.startsWith('dnssec-'));
        assert.deepEqual(ids, ['dnssec-api.example.com', 'dnssec-staging.example.com']);
        for (const check of checks.filter((c) => c.id.startsWith('dnssec-'))) assert.equal(check.status, status, check.message);
      } finally {
        dir.cleanup();
      }
    });
  }
});

describe('dnssec: the upstream doctor asks', () => {
  it('is the first upstream devdns forwards to, whatever its transport, but never devdns itself', () => {
    const own = { host: '127.0.0.1', port: 9090 };
    assert.throws(() => upstreamAsker(['127.0.0.1:9090'], own), /names none but devdns itself/);
    const labels = [
      ['https://9.9.9.9/dns-query#dns.quad9.net', 'tls://9.9.9.9#dns.quad9.net'],
      ['127.0.0.1:9090', 'tls://9.9.9.9#dns.quad9.net', '192.0.2.53'],
      ['192.0.2.53'],
    ].map((upstream) => {
      const asker = upstreamAsker(upstream, own);
      asker.close();
      return asker.label;
    });
    assert.deepEqual(labels, ['https://9.9.9.9/dns-query#dns.quad9.net', 'tls://9.9.9.9#dns.quad9.net', '192.0.2.53']);
  });

  it('costs one deadline when it does not answer: later questions fail at once', async () => {
    const silent = createSocket('udp4');
    await new Promise<void>((resolve) => silent.bind(0, '127.0.0.1', resolve));
    try {
      const { port } = silent.address();
      const { ask } = upstreamAsker([`127.0.0.1:${port}`], { host: '127.0.0.1', port: 9090 });
      await assert.rejects(ask('example.com', 6), /gave no answer within 1000 ms/);
      const started = performance.now();
      await assert.rejects(ask('example.net', 6), /gave no answer within 1000 ms/);
      assert.ok(performance.now() - started < 100);
    } finally {
      silent.close();
    }
  });
});
