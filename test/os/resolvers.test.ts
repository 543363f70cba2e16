import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import {
  describeUnrouted,
  detectResolver,
  domainList,
  domainsToRoute,
  overrideRoutes,
  planSetup,
  RESOLVED_BUILTIN_NEGATIVE_ANCHORS,
  RESOLVERS,
} from '../../src/os/resolvers.js';
import { SystemAccess } from '../../src/os/system.js';
import { normalizeName } from '../../src/records/names.js';
import { tempDir } from '../helpers/devdns.js';

const input = { tlds: ['test', 'internal'], host: '127.0.0.1', port: 9090 };

describe('planSetup', () => {
  it('macOS: one /etc/resolver file per TLD with a marker, then a cache flush', () => {
    const plan = planSetup({ ...input, resolver: 'macos' });
    assert.deepEqual(plan.files, [
      { path: '/etc/resolver/test', content: '# Written by devdns setup; devdns teardown removes it.\nnameserver 127.0.0.1\nport 9090\n' },
      {
        path: '/etc/resolver/internal',
        content: '# Written by devdns setup; devdns teardown removes it.\nnameserver 127.0.0.1\nport 9090\n',
      },
    ]);
    assert.deepEqual(plan.reload, [
      ['dscacheutil', '-flushcache'],
      ['killall', '-HUP', 'mDNSResponder'],
    ]);
  });

  it('systemd-resolved: a drop-in routing only the TLDs, and why a drop-in', () => {
    const plan = planSetup({ ...input, resolver: 'systemd-resolved' });
    assert.deepEqual(plan.files, [
      {
        path: '/etc/systemd/resolved.conf.d/devdns.conf',
        content: '# Written by devdns setup; devdns teardown removes it.\n[Resolve]\nDNS=127.0.0.1:9090\nDomains=~test ~internal\n',
      },
      {
        path: '/etc/dnssec-trust-anchors.d/devdns.negative',
        content: '; Written by devdns setup; devdns teardown removes it.\ntest\ninternal\n',
      },
    ]);
    assert.match(plan.summary.join('\n'), /survives reboots/);
    assert.deepEqual(plan.reload, [['systemctl', 'restart', 'systemd-resolved']]);
    assert.match(planSetup({ ...input, host: '::1', resolver: 'systemd-resolved' }).files[0]?.content ?? '', /DNS=\[::1\]:9090/);
  });

  it('dnsmasq and NetworkManager: server=/tld/127.0.0.1#port in their directory', () => {
    const plain = planSetup({ ...input, resolver: 'dnsmasq', dnsmasqDir: '/tmp/d' });
    assert.deepEqual(plain.files, [
      {
        path: '/tmp/d/devdns.conf',
        content: '# Written by devdns setup; devdns teardown removes it.\nserver=/test/127.0.0.1#9090\nserver=/internal/127.0.0.1#9090\n',
      },
    ]);
    const nm = planSetup({ ...input, resolver: 'networkmanager-dnsmasq' });
    assert.equal(nm.files[0]?.path, '/etc/NetworkManager/dnsmasq.d/devdns.conf');
    assert.deepEqual(nm.reload, [['systemctl', 'restart', 'NetworkManager']]);
  });

  it('Windows and plain resolv.conf: no change, an explanation, and the hosts fallback', () => {
    const windows = planSetup({ ...input, resolver: 'windows' });
    assert.deepEqual(windows.files, []);
    assert.match(windows.notes.join('\n'), /Add-DnsClientNrptRule -Namespace "\.test" -NameServers "127\.0\.0\.1"/);
    assert.match(windows.notes.join('\n'), /port 53/);
    assert.match(planSetup({ ...input, resolver: 'resolv.conf' }).notes.join('\n'), /route through the hosts file/);
  });

  it('the hosts file as the route: no file restored by its bytes, the block in /etc/hosts', () => {
    const hosts = planSetup({ ...input, resolver: 'hosts' });
    assert.deepEqual([hosts.files, hosts.reload, hosts.hostsFile], [[], [], '/etc/hosts']);
    assert.match(hosts.notes.join('\n'), /wildcards and aliases \(CNAME\) cannot be written there/);
  });
});

describe('planSetup --all: every name to devdns, where the resolver can fall back', () => {
  const all = { ...input, tlds: ['test', 'api.example.com'], all: true };
  const MARK = '# Written by devdns setup; devdns teardown removes it.\n';

  it('systemd-resolved: ~. beside the routes, devdns the only server (no second server to leak the overrides to)', () => {
    const plan = planSetup({ ...all, resolver: 'systemd-resolved' });
    assert.equal(plan.all, true);
    assert.deepEqual(plan.files, [
      {
        path: '/etc/systemd/resolved.conf.d/devdns.conf',
        content: `${MARK}[Resolve]\nDNS=127.0.0.1:9090\nDomains=~. ~test ~api.example.com\n`,
      },
      {
        path: '/etc/dnssec-trust-anchors.d/devdns.negative',
        content: '; Written by devdns setup; devdns teardown removes it.\ntest\napi.example.com\n',
      },
    ]);
    assert.match(plan.summary.join('\n'), /no fallback server/);
    assert.deepEqual(plan.reload, [['systemctl', 'restart', 'systemd-resolved']]);
  });

  it("dnsmasq: the routes, then devdns for every name with strict-order and no no-resolv: dnsmasq's own servers stay the fallback", () => {
    for (const [resolver, dir] of [
      ['dnsmasq', '/etc/dnsmasq.d'],
      ['networkmanager-dnsmasq', '/etc/NetworkManager/dnsmasq.d'],
    ] as const) {
      const plan = planSetup({ ...all, resolver });
      assert.deepEqual(plan.files, [
        {
          path: `${dir}/devdns.conf`,
          content: `${MARK}server=/test/127.0.0.1#9090\nserver=/api.example.com/127.0.0.1#9090\n# Every other name: devdns first; while it does not answer, dnsmasq's own servers.\nserver=127.0.0.1#9090\nstrict-order\n`,
        },
      ]);
      assert.doesNotMatch(plan.files[0]?.content ?? '', /no-resolv/);
      assert.match(plan.summary.join('\n'), /waits one resolver timeout/);
    }
  });

  const refusals: Array<[string, RegExp, RegExp]> = [
    ['macos', /^setup --all: macOS's default resolver takes no port/, /System Settings > Network/],
    [
      'resolv.conf',
      /^setup --all: this machine uses \/etc\/resolv\.conf directly, which devdns does not rewrite/,
      /"nameserver 127\.0\.0\.1" first/,
    ],
    ['windows', /^setup --all: Windows's DNS servers take no port/, /Set-DnsClientServerAddress/],
    ['hosts', /^setup --all: the hosts file cannot send every name to devdns/, /cannot send every other name/],
  ];
  for (const [resolver, message, note] of refusals) {
    it(`${resolver}: no change, a one-line refusal and what to do by hand`, () => {
      const plan = planSetup({ ...all, resolver: resolver as 'macos' });
      assert.deepEqual([plan.files, plan.reload, plan.hostsFile], [[], [], undefined]);
      assert.match(plan.refusal?.message ?? '', message);
      assert.doesNotMatch(plan.refusal?.message ?? '', /\n/);
      assert.match(plan.refusal?.message ?? '', /nothing was changed$/);
      assert.match(plan.notes.join('\n'), note);
    });
  }

  it('resolv.conf: the old nameserver kept second, as the fallback glibc asks when devdns does not answer', () => {
    const notes = planSetup({ ...all, resolver: 'resolv.conf' }).notes.join('\n');
    assert.match(notes, /keep your nameserver line after it/);
    assert.match(notes, /port 53/);
  });

  it('refuses an `all` that is not a boolean', () => {
    assert.throws(() => planSetup({ ...input, resolver: 'dnsmasq', all: 'yes' as never }), /all "yes" is not true or false/);
  });
});

describe('routes for overrides', () => {
  const zones = {
    test: {},
    'myapp.dev': {},
    'staging.example.com': { override: true as const },
    'api.example.com': { override: true as const },
  };

  it('routes the TLDs of own zones and exactly the name of each override, never its TLD', () => {
    const { domains, unrouted } = domainsToRoute(zones);
    assert.deepEqual(domains, ['test', 'dev', 'api.example.com', 'staging.example.com']);
    assert.deepEqual(unrouted, []);
    assert.deepEqual(overrideRoutes(domains), ['api.example.com', 'staging.example.com']);
    assert.equal(domainList(domains), '.test, .dev, api.example.com, staging.example.com');
  });

  it('leaves out what no resolver file may hold, and routes the rest: "_" in an override or a TLD, an override of a whole TLD', () => {
    const routes = domainsToRoute({
      ...zones,
      '_svc.example.net': { override: true },
      'app.my_tld': {},
      net: { override: true },
    });
    assert.deepEqual(routes.domains, ['test', 'dev', 'api.example.com', 'staging.example.com']);
    assert.deepEqual(routes.unrouted, [
      { domain: 'my_tld', override: false, problem: 'characters' },
      { domain: '_svc.example.net', override: true, problem: 'characters' },
      { domain: 'net', override: true, problem: 'whole-tld' },
    ]);
    assert.deepEqual(
      routes.unrouted.map((domain) => describeUnrouted(domain, '127.0.0.1', 9090)),
      [
        {
          message: `setup does not route .my_tld to devdns: it writes only names of letters, digits and hyphens into the resolver's files, and this one has "_"`,
          fix: "to route it by hand, send .my_tld to 127.0.0.1 port 9090 in the resolver's own configuration",
        },
        {
          message: `setup does not route _svc.example.net to devdns: it writes only names of letters, digits and hyphens into the resolver's files, and this one has "_"`,
          fix: "to route it by hand, send _svc.example.net to 127.0.0.1 port 9090 in the resolver's own configuration",
        },
        {
          message:
            "setup does not route .net to devdns: it routes an override's own name, and this one is a whole top-level domain: every .net name would go to devdns",
          fix: 'override the names you need under it instead, e.g. api.example.net',
        },
      ],
    );
  });

  // Every zone name the records file can hold (normalizeName's rules): setup routes it or says why not, never fails on it.
  const longest = `${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(57)}.com`;
  for (const name of [
    '_svc.example.net',
    'a_b.example.com',
    'x-_.example.com',
    '_dmarc.test',
    longest,
    'xn--bcher-kva.example',
    '1.0.0.127.in-addr.arpa',
    'com',
  ]) {
    it(`${name.length > 40 ? `a ${name.length}-character name` : JSON.stringify(name)}: as an override or an own zone, every resolver plans what is routed`, () => {
      assert.equal(normalizeName(name, 'zone'), name);
      for (const override of [true, false]) {
        const { domains, unrouted } = domainsToRoute({ test: {}, [name]: override ? { override: true } : {} });
        if (override) assert.ok([...domains, ...unrouted.map((domain) => domain.domain)].includes(name));
        for (const resolver of RESOLVERS) assert.doesNotThrow(() => planSetup({ ...input, resolver, tlds: domains }));
      }
    });
  }

  it('every resolver gets a route for the override name itself', () => {
    const routed = { ...input, tlds: ['test', 'api.example.com'] };
    assert.deepEqual(
      planSetup({ ...routed, resolver: 'macos' }).files.map((file) => file.path),
      ['/etc/resolver/test', '/etc/resolver/api.example.com'],
    );
    assert.match(planSetup({ ...routed, resolver: 'systemd-resolved' }).files[0]?.content ?? '', /^Domains=~test ~api\.example\.com$/m);
    // A validating resolved would call devdns's unsigned answers bogus: every routed domain is a
    // negative trust anchor, and resolved's own ones are kept (a .negative file turns them off).
    const resolved = planSetup({
      ...routed,
      tlds: ['test', 'api.example.com', 'staging.example.com'],
      resolver: 'systemd-resolved',
      anchors: RESOLVED_BUILTIN_NEGATIVE_ANCHORS,
    });
    assert.deepEqual(resolved.anchors, RESOLVED_BUILTIN_NEGATIVE_ANCHORS, 'kept for the journal');
    assert.equal(resolved.files[1]?.path, '/etc/dnssec-trust-anchors.d/devdns.negative');
    const lines = (resolved.files[1]?.content ?? '').split('\n');
    assert.deepEqual(lines.slice(0, 4), [
      '; Written by devdns setup; devdns teardown removes it.',
      'test',
      'api.example.com',
      'staging.example.com',
    ]);
    for (const builtin of RESOLVED_BUILTIN_NEGATIVE_ANCHORS) assert.ok(lines.includes(builtin), builtin);
    assert.match(resolved.summary.join('\n'), /takes devdns's unsigned answers for \.test, api\.example\.com, staging\.example\.com/);
    assert.match(planSetup({ ...routed, resolver: 'dnsmasq' }).files[0]?.content ?? '', /^server=\/api\.example\.com\/127\.0\.0\.1#9090$/m);
    assert.doesNotMatch(planSetup({ ...routed, resolver: 'dnsmasq' }).files[0]?.content ?? '', /server=\/com\//);
  });

  for (const bad of ['*.example.com', 'api..example.com', '.example.com', 'api.example.com.', 'a/b.com', `${'a'.repeat(64)}.com`]) {
    it(`refuses ${JSON.stringify(bad)} as a routed domain`, () => {
      assert.throws(() => planSetup({ ...input, tlds: ['test', bad], resolver: 'macos' }), /is not a routable DNS name/);
    });
  }
});

describe('detectResolver', () => {
  const tree = (files: Record<string, string>) => {
    const dir = tempDir();
    for (const [path, content] of Object.entries(files)) {
      mkdirSync(dirname(join(dir.path, path)), { recursive: true });
      if (content === '<dir>') mkdirSync(join(dir.path, path), { recursive: true });
      else writeFileSync(join(dir.path, path), content);
    }
    return dir;
  };
  const cases: Array<[string, Record<string, string>, string]> = [
    [
      'systemd-resolved',
      { '/etc/resolv.conf': 'nameserver 127.0.0.53\noptions edns0\n', '/run/systemd/resolve': '<dir>' },
      'systemd-resolved',
    ],
    [
      'NetworkManager with dnsmasq',
      { '/etc/resolv.conf': 'nameserver 127.0.1.1\n', '/etc/NetworkManager/NetworkManager.conf': '[main]\ndns=dnsmasq\n' },
      'networkmanager-dnsmasq',
    ],
    ['plain dnsmasq', { '/etc/resolv.conf': 'nameserver 127.0.0.1\n', '/etc/dnsmasq.d': '<dir>' }, 'dnsmasq'],
    ['a plain resolv.conf', { '/etc/resolv.conf': 'nameserver 192.0.2.53\n' }, 'resolv.conf'],
  ];
  for (const [title, files, expected] of cases) {
    it(`finds ${title}`, () => {
      const dir = tree(files);
      try {
        assert.equal(detectResolver(new SystemAccess(dir.path), 'linux').resolver, expected);
      } finally {
        dir.cleanup();
      }
    });
  }
  it('knows macOS and Windows by platform', () => {
    assert.equal(detectResolver(new SystemAccess('/nonexistent'), 'darwin').resolver, 'macos');
    assert.equal(detectResolver(new SystemAccess('/nonexistent'), 'win32').resolver, 'windows');
  });
});

describe('planSetup refuses inputs that would land in a path or a config line', () => {
  for (const [title, change] of [
    ['a TLD with a slash', { tlds: ['../../etc/cron.d/x'] }],
    ['a TLD with a line break', { tlds: ['test\nport 53'] }],
    ['a host that is not an address', { host: '127.0.0.1\nnameserver 10.6.6.6' }],
    ['a port out of range', { port: 70000 }],
    ['a relative dnsmasq directory', { resolver: 'dnsmasq', dnsmasqDir: 'etc/../x' }],
  ] as const) {
    it(title, () => {
      assert.throws(
        () => planSetup({ resolver: 'macos', tlds: ['test'], host: '127.0.0.1', port: 9090, ...change }),
        /^InputError: setup: /,
      );
    });
  }
});
