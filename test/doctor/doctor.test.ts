// Doctor in process: facts from a temp home and a temp hosts file, the system resolver replaced by
// a fake lookup, and the checks over hand-made facts as tables.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { PROBE_ADDRESS, PROBE_LABEL } from '../../src/dns/zone-index.js';
import { CHECKS, type Check, type DoctorFacts, type Route } from '../../src/doctor/checks.js';
import { runChecks } from '../../src/doctor/doctor.js';
import { BLOCK_BEGIN, BLOCK_END } from '../../src/os/hosts-file.js';
import type { RecordFile } from '../../src/records/types.js';
import { addRecord } from '../../src/store/edits.js';
import { tempDir } from '../helpers/devdns.js';

const pick = (checks: Check[], id: string) => checks.find((check) => check.id === id) ?? assert.fail(`no ${id} check`);

describe('doctor: the system resolver, through a fake lookup', () => {
  type Lookup = (name: string) => Promise<string[]>;
  const notFound: Lookup = async () => {
    throw Object.assign(new Error('getaddrinfo ENOTFOUND'), { code: 'ENOTFOUND' });
  };
  const cases: Array<[string, boolean, Lookup, string, Partial<Check>, Partial<Check>]> = [
    [
      'hosts file: a real name is asked, and found',
      true,
      async (name) => (name === 'web.test' ? ['127.0.0.5'] : []),
      'web.test',
      {
        status: 'ok',
        message: '.test names are in the hosts file (HOSTS, by devdns hosts sync: run it again after a change; no wildcards there)',
      },
      { status: 'ok', message: 'the system resolver gets .test names from devdns (web.test is 127.0.0.5)' },
    ],
    [
      'not routed: the probe name goes elsewhere',
      false,
      async () => ['10.0.0.1'],
      `${PROBE_LABEL}.test`,
      { status: 'fail', fix: 'devdns setup --tld test, or devdns hosts sync' },
      {
        status: 'fail',
        message: `the system resolver answers ${PROBE_LABEL}.test with 10.0.0.1, not devdns's ${PROBE_ADDRESS}`,
        fix: 'devdns setup, then devdns doctor again',
      },
    ],
    [
      'not routed: the probe name is not found',
      false,
      notFound,
      `${PROBE_LABEL}.test`,
      { status: 'fail' },
      {
        status: 'fail',
        message: `the system resolver cannot find ${PROBE_LABEL}.test (ENOTFOUND)`,
        fix: 'devdns up, then devdns setup; then check: dscacheutil -q host -a name _devdns-probe.test (and scutil --dns should list the domain)',
      },
    ],
  ];
  for (const [title, hostsBlock, lookup, asked, route, resolver] of cases) {
    it(title, async () => {
      const dir = tempDir();
      try {
        const home = join(dir.path, 'home');
        await addRecord(home, { name: 'web.test', value: '127.0.0.5' }, { defaultTtl: 60 });
        const hosts = join(dir.path, 'hosts');
        writeFileSync(hosts, `127.0.0.1 localhost\n${hostsBlock ? `${BLOCK_BEGIN}\n127.0.0.5 web.test\n${BLOCK_END}\n` : ''}`);
        const names: string[] = [];
        const checks = await runChecks({
          home,
          hostsFile: hosts,
          platform: 'darwin', // the fixes name this platform's commands
          resolve: (name) => {
            names.push(name);
            return lookup(name);
          },
        });
        assert.deepEqual(names, [asked]);
        const expectedRoute = { ...route, ...(route.message ? { message: route.message.replace('HOSTS', hosts) } : {}) };
        assert.deepEqual({ ...pick(checks, 'route-test'), ...expectedRoute }, pick(checks, 'route-test'));
        assert.deepEqual({ ...pick(checks, 'system-resolver-test'), ...resolver }, pick(checks, 'system-resolver-test'));
        assert.deepEqual(
          checks.map((check) => check.id),
          ['daemon', 'answers-udp', 'answers-tcp', 'port', 'records', 'route-test', 'system-resolver-test', 'names'],
        );
      } finally {
        dir.cleanup();
      }
    });
  }
});

describe('doctor: an override is checked by its own name, never its TLD', () => {
  /** Doctor over a home holding these overrides (name and address), no hosts block, and a fake lookup: the checks, and the names looked up. */
  const checkOverrides = async (overrides: Array<[string, string]>, answer: (name: string) => string[]) => {
    const dir = tempDir();
    try {
      const home = join(dir.path, 'home');
      for (const [name, value] of overrides) await addRecord(home, { name, value }, { defaultTtl: 60, override: true });
      const hosts = join(dir.path, 'hosts');
      writeFileSync(hosts, '127.0.0.1 localhost\n');
      const names: string[] = [];
      const checks = await runChecks({
        home,
        hostsFile: hosts,
        platform: 'linux',
        resolve: async (name) => {
          names.push(name);
          return answer(name);
        },
      });
      return { checks, names };
    } finally {
      dir.cleanup();
    }
  };

  it('asks the system resolver for the override, says how to route it, and does not call it a risky zone', async () => {
    const { checks, names } = await checkOverrides(
      [
        ['api.example.com', '127.0.0.1'],
        ['*.staging.example.com', '10.0.0.7'],
      ],
      (name) => (name === 'api.example.com' ? ['127.0.0.1'] : ['192.0.2.1']),
    );
    assert.deepEqual(names, [`${PROBE_LABEL}.test`, 'api.example.com', `${PROBE_LABEL}.staging.example.com`]);
    const ids = checks.map((check) => check.id);
    assert.equal(ids.includes('route-com'), false);
    assert.deepEqual(
      { ...pick(checks, 'route-api.example.com') },
      { id: 'route-api.example.com', status: 'fail', message: 'api.example.com is not routed to devdns', fix: 'devdns setup' },
    );
    assert.deepEqual(pick(checks, 'system-resolver-api.example.com').status, 'ok');
    assert.match(
      pick(checks, 'system-resolver-api.example.com').message,
      /gets api\.example\.com from devdns \(api\.example\.com is 127\.0\.0\.1\)/,
    );
    assert.match(
      pick(checks, 'system-resolver-staging.example.com').message,
      /answers _devdns-probe\.staging\.example\.com with 192\.0\.2\.1, not devdns's 10\.0\.0\.7/,
    );
    assert.equal(pick(checks, 'names').status, 'ok');
  });

  it('one setup cannot route ("_") is a warning naming it, with no lookup and no failed route; the others are still checked', async () => {
    const { checks, names } = await checkOverrides(
      [
        ['_svc.example.net', '127.0.0.1'],
        ['api.example.com', '127.0.0.1'],
      ],
      () => ['127.0.0.1'],
    );
    assert.deepEqual(names, [`${PROBE_LABEL}.test`, 'api.example.com']);
    assert.deepEqual(pick(checks, 'route-_svc.example.net'), {
      id: 'route-_svc.example.net',
      status: 'warn',
      message: `setup does not route _svc.example.net to devdns: it writes only names of letters, digits and hyphens into the resolver's files, and this one has "_"`,
      fix: "to route it by hand, send _svc.example.net to 127.0.0.1 port 9090 in the resolver's own configuration",
    });
    assert.equal(
      checks.some((check) => check.id === 'system-resolver-_svc.example.net'),
      false,
    );
    assert.equal(pick(checks, 'route-api.example.com').status, 'fail');
  });
});

describe('doctor: checks over facts', () => {
  const file = (zones: string[], records: RecordFile['records'] = []): RecordFile => ({
    version: 1,
    serial: 1,
    zones: Object.fromEntries(zones.map((zone) => [zone, {}])),
    records,
  });
  const base: DoctorFacts = {
    running: undefined,
    resolver: 'systemd-resolved',
    routedPort: 9090,
    answers: [],
    portOwner: undefined,
    records: { ok: true, value: file(['test']) },
    tlds: [],
    served: undefined,
  };
  const route = (r: Route): DoctorFacts['tlds'] => [
    { tld: 'test', route: r, probe: { name: 'x.test', expected: PROBE_ADDRESS }, lookup: { ok: true, value: [PROBE_ADDRESS] } },
  ];
  const RUNNING = { pid: 7, dns: { host: '127.0.0.1', port: 9090 } } as DoctorFacts['running'];
  const unresolved = (): DoctorFacts['tlds'] => [
    {
      tld: 'test',
      route: { kind: 'none' },
      probe: { name: 'x.test', expected: PROBE_ADDRESS },
      lookup: { ok: false, error: Object.assign(new Error('x'), { code: 'ENOTFOUND' }) },
    },
  ];
  const cases: Array<[string, Partial<DoctorFacts>, string, Partial<Check>]> = [
    ['no daemon', {}, 'daemon', { status: 'fail', fix: 'devdns up' }],
    ['no daemon: answers skipped', {}, 'answers-udp', { status: 'skip' }],
    ['port free', {}, 'port', { status: 'ok', message: 'port 9090 is free for devdns' }],
    [
      'port held by another program',
      { portOwner: { pid: 42, command: 'named', isDevdns: false } },
      'port',
      { status: 'fail', message: 'port 9090 is held by pid 42 (named)' },
    ],
    [
      'setup files changed',
      { tlds: route({ kind: 'files-changed', missing: [], changed: ['/etc/resolver/test'] }) },
      'route-test',
      { status: 'fail', message: '.test: /etc/resolver/test changed since devdns setup', fix: 'devdns setup' },
    ],
    [
      'files in place, not listed live',
      { tlds: route({ kind: 'not-listed', resolver: 'systemd-resolved' }) },
      'route-test',
      { status: 'fail', fix: 'sudo systemctl restart systemd-resolved' },
    ],
    [
      'routed by the resolver',
      { tlds: route({ kind: 'resolver', resolver: 'dnsmasq', port: 5300 }) },
      'route-test',
      { status: 'ok', message: '.test is routed to devdns (dnsmasq, port 5300)' },
    ],
    [
      'the hosts file chosen by setup, in step, a wildcard left out',
      { tlds: route({ kind: 'hosts-route', hostsPath: '/etc/hosts', block: { kind: 'current' }, missing: ['*.shop.test'] }) },
      'route-test',
      {
        status: 'warn',
        message:
          '.test is routed through the hosts file (/etc/hosts, chosen by devdns setup; the daemon keeps it in step); not there: *.shop.test (a hosts file has no wildcards or aliases)',
      },
    ],
    [
      'the hosts file chosen by setup, behind the records, devdns down: up brings it up to date',
      { tlds: route({ kind: 'hosts-route', hostsPath: '/etc/hosts', block: { kind: 'behind' }, missing: [] }) },
      'route-test',
      { status: 'fail', fix: 'devdns up, or sudo devdns hosts sync' },
    ],
    [
      'the hosts file chosen by setup, behind the records while devdns runs: it may not write the file',
      {
        running: RUNNING,
        tlds: route({ kind: 'hosts-route', hostsPath: '/etc/hosts', block: { kind: 'behind' }, missing: [] }),
      },
      'route-test',
      { status: 'fail', fix: 'sudo devdns hosts sync (the daemon may not write it as you)' },
    ],
    [
      'the hosts file chosen by setup, without the names with an end the running daemon would write: warn, naming them',
      {
        running: RUNNING,
        tlds: route({ kind: 'hosts-route', hostsPath: '/etc/hosts', block: { kind: 'current', endsLeftOut: ['tmp.test'] }, missing: [] }),
      },
      'route-test',
      {
        status: 'warn',
        message:
          '.test is routed through the hosts file (/etc/hosts, chosen by devdns setup; the daemon keeps it in step); not there: tmp.test (a name with an end is written only by the daemon, which may not write this file)',
      },
    ],
    [
      'the hosts file chosen by setup, its block damaged: not called behind, and the fix is by hand',
      {
        tlds: route({
          kind: 'hosts-route',
          hostsPath: '/etc/hosts',
          block: {
            kind: 'unusable',
            reason: 'the devdns block in /etc/hosts is damaged (a second begin line); it is unchanged',
            hint: 'fix it by hand',
          },
          missing: [],
        }),
      },
      'route-test',
      {
        status: 'fail',
        message:
          '.test is routed through the hosts file (/etc/hosts), but devdns cannot keep it in step: the devdns block in /etc/hosts is damaged (a second begin line); it is unchanged',
        fix: 'fix it by hand',
      },
    ],
    [
      'a setup made for a --root tree does not route this system',
      { tlds: route({ kind: 'elsewhere', root: '/tmp/tree' }) },
      'route-test',
      {
        status: 'fail',
        message:
          '.test is not routed on this system: devdns setup was run for the tree /tmp/tree (--root), which this system does not read',
        fix: 'devdns teardown --root /tmp/tree, then devdns setup',
      },
    ],
    [
      "the resolver check gives this platform's command: systemd-resolved",
      { tlds: unresolved() },
      'system-resolver-test',
      { status: 'fail', fix: 'devdns up, then devdns setup; then check: resolvectl query x.test' },
    ],
    [
      "the resolver check gives this platform's command: macOS",
      {
        resolver: 'macos',
        tlds: unresolved(),
      },
      'system-resolver-test',
      {
        status: 'fail',
        fix: 'devdns up, then devdns setup; then check: dscacheutil -q host -a name x.test (and scutil --dns should list the domain)',
      },
    ],
    [
      "the resolver check gives this platform's command: a plain resolv.conf",
      {
        resolver: 'resolv.conf',
        tlds: unresolved(),
      },
      'system-resolver-test',
      { status: 'fail', fix: 'devdns up, then devdns setup; then check: getent hosts x.test' },
    ],
    [
      'a whole public TLD',
      { records: { ok: true, value: file(['com']) } },
      'names',
      { status: 'fail', message: 'com is a whole public TLD: every real site under it is hidden' },
    ],
    [
      'an ended override that setup still routes',
      { staleRoutes: ['api.example.com'] },
      'route-api.example.com',
      {
        status: 'warn',
        message:
          'api.example.com is still routed to devdns, though no override holds it: devdns forwards it to the real servers while it runs, and it fails while devdns is down',
        fix: 'devdns setup (or devdns teardown)',
      },
    ],
    [
      'records file broken',
      { records: { ok: false, error: new Error('records.json: is not valid JSON') } },
      'records',
      { status: 'fail', message: 'records.json: is not valid JSON' },
    ],
  ];
  // setup --all: the fallback behind devdns, and what a lookup waits for while devdns is down.
  const running = { pid: 7, dns: { host: '127.0.0.1', port: 9090 } } as DoctorFacts['running'];
  const answering: DoctorFacts['answers'] = [{ transport: 'udp', answer: { ok: true, value: [PROBE_ADDRESS] } }];
  const dnsmasqAll = {
    resolver: 'dnsmasq' as const,
    file: '/etc/dnsmasq.d/devdns.conf',
    inPlace: true,
    forward: 'all' as const,
    timeout: 1,
    attempts: 2,
  };
  const resolvedAll = { ...dnsmasqAll, resolver: 'systemd-resolved' as const, file: '/etc/systemd/resolved.conf.d/devdns.conf' };
  cases.push(
    [
      'setup --all, dnsmasq, devdns up: the fallback and its wait',
      { running, answers: answering, everyName: dnsmasqAll },
      'every-name',
      {
        status: 'ok',
        message:
          "every name goes to devdns first (dnsmasq, strict-order in /etc/dnsmasq.d/devdns.conf); while it is down dnsmasq's own servers answer, each lookup after 1 s (the resolver timeout, resolv.conf options timeout:1)",
      },
    ],
    [
      'setup --all, dnsmasq, devdns down: every name waits the timeout, then the fallback answers',
      { everyName: { ...dnsmasqAll, timeout: 5 } },
      'every-name',
      {
        status: 'warn',
        message:
          "devdns is down: every lookup waits 5 s (the resolver timeout, resolv.conf options timeout:5) for it, then dnsmasq's own servers answer; .test and the overrides' names fail meanwhile",
        fix: 'devdns up',
      },
    ],
    [
      'setup --all, dnsmasq, running but not answering counts as down',
      { running, answers: [{ transport: 'udp', answer: { ok: false, error: new Error('timeout') } }], everyName: dnsmasqAll },
      'every-name',
      { status: 'warn', fix: 'devdns up' },
    ],
    [
      'setup --all, dnsmasq, attempts:1: the fallback is never reached',
      { running, answers: answering, everyName: { ...dnsmasqAll, attempts: 1 } },
      'every-name',
      { status: 'fail', fix: 'set options attempts:2 in /etc/resolv.conf (or drop attempts:1)' },
    ],
    [
      'setup --all, its file changed: the fallback order may be gone',
      { running, answers: answering, everyName: { ...dnsmasqAll, inPlace: false } },
      'every-name',
      {
        status: 'fail',
        message:
          "setup --all's /etc/dnsmasq.d/devdns.conf changed since devdns setup: every name may not go to devdns, or not fall back to dnsmasq's own servers while it is down",
        fix: 'devdns setup --all',
      },
    ],
    [
      'setup --all, but forward is overrides',
      { running, answers: answering, everyName: { ...dnsmasqAll, forward: 'overrides' } },
      'every-name',
      { status: 'fail', fix: 'devdns config set forward all, or devdns teardown' },
    ],
    [
      'setup --all, systemd-resolved, devdns up: no fallback, said',
      { running, answers: answering, everyName: resolvedAll },
      'every-name',
      {
        status: 'ok',
        message:
          'every name goes to devdns (systemd-resolved, ~.), with no fallback server: while devdns is down every lookup fails, rather than .test and the overrides going to the real servers',
      },
    ],
    [
      'setup --all, systemd-resolved, devdns down: every lookup fails',
      { everyName: resolvedAll },
      'every-name',
      {
        status: 'fail',
        message: 'devdns is down, and systemd-resolved sends it every name with no fallback: every lookup on this machine fails',
        fix: 'devdns up, or devdns teardown to give the machine its own servers back',
      },
    ],
  );
  it('without setup --all there is no every-name check', () => {
    assert.equal(
      CHECKS.flatMap((check) => check(base)).some((check) => check.id === 'every-name'),
      false,
    );
  });
  for (const [title, facts, id, expected] of cases) {
    it(title, () => {
      const checks = CHECKS.flatMap((check) => check({ ...base, ...facts }));
      const found = pick(checks, id);
      assert.deepEqual({ ...found, ...expected }, found);
    });
  }
});
