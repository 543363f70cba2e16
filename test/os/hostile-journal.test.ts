// Hand-written journals: teardown must refuse each one with a one-line error naming the journal,
// and change nothing, inside the root or outside it. Runs against the same calls teardown makes.
import assert from 'node:assert/strict';
import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { describe, it } from 'node:test';
import { applyPlan, journalPath, journalToUndo, readJournal, TRUSTED_DIR, trustedJournalPath, undoJournal } from '../../src/os/journal.js';
import { planSetup } from '../../src/os/resolvers.js';
import { SystemAccess } from '../../src/os/system.js';
import { isRoot, tempDir } from '../helpers/devdns.js';
import { snapshot } from '../helpers/tree.js';

const AFTER = Buffer.from('# Written by devdns setup; devdns teardown removes it.\nnameserver 127.0.0.1\nport 9090\n').toString('base64');
const EVIL = Buffer.from('#!/bin/sh\nid\n').toString('base64');

type Hostile = Record<string, unknown> & { files: Array<Record<string, unknown>> };

/** What setup writes for dnsmasq (.test, port 9090), routing only .test or (all) every name, base64. */
const dnsmasqAfter = (all: boolean) =>
  Buffer.from(planSetup({ resolver: 'dnsmasq', tlds: ['test'], host: '127.0.0.1', port: 9090, all }).files[0]?.content ?? '').toString(
    'base64',
  );
/** Makes the journal a dnsmasq one whose file holds `after`. */
const asDnsmasq = (j: Hostile, after: string) => {
  j.resolver = 'dnsmasq';
  j.dnsmasqDir = '/etc/dnsmasq.d';
  file(j).path = '/etc/dnsmasq.d/devdns.conf';
  file(j).after = after;
};

/** A journal as setup writes it for macOS, .test, under `root`; `change` makes it hostile. */
function journal(root: string, change: (j: Hostile) => void = () => {}): Hostile {
  const j = {
    version: 1,
    createdAt: '2025-01-01T00:00:00.000Z',
    resolver: 'macos',
    tlds: ['test'],
    host: '127.0.0.1',
    port: 9090,
    root,
    files: [{ path: '/etc/resolver/test', before: EVIL, after: AFTER, createdDirs: [] as string[] }] as Array<Record<string, unknown>>,
  };
  change(j);
  return j;
}

/** What teardown does with a journal, unprivileged: read (and check) it, then undo it. */
async function teardown(home: string): Promise<void> {
  const found = readJournal(home);
  if (found) await undoJournal(home, new SystemAccess(found.root, { privileged: false }), found);
}

const file = (j: { files: Array<Record<string, unknown>> }) => j.files[0] as Record<string, unknown>;

const cases: Array<[string, (j: Hostile) => void, RegExp]> = [
  [
    'a path outside the root',
    (j) => (file(j).path = 'ESCAPE'), // replaced by the test with a way out of the root into the home
    /normal form|not a file devdns setup manages/,
  ],
  ['a ".." path that lands on a managed name', (j) => (file(j).path = '/etc/resolver/../resolver/test'), /not a file devdns setup manages/],
  ['a path the resolver does not manage', (j) => (file(j).path = '/etc/sudoers.d/devdns'), /not a file devdns setup manages for macos/],
  ['a file of another resolver', (j) => (file(j).path = '/etc/dnsmasq.d/devdns.conf'), /not a file devdns setup manages for macos/],
  ['a setuid mode', (j) => (file(j).mode = 0o4755), /setuid/],
  ['a mode that is not a number', (j) => (file(j).mode = '4755'), /not a mode/],
  [
    'a bad TLD',
    (j) => {
      j.tlds = ['../../../tmp/x'];
      file(j).path = '/etc/resolver/../../../tmp/x';
    },
    /domain .* is not a routable DNS name/,
  ],
  ['a TLD with a line break', (j) => (j.tlds = ['test\nport 53']), /domain .* is not a routable DNS name/],
  ['a wildcard domain', (j) => (j.tlds = ['*.example.com']), /domain .* is not a routable DNS name/],
  ['a domain with an empty label', (j) => (j.tlds = ['api..example.com']), /domain .* is not a routable DNS name/],
  ['a domain listed twice', (j) => (j.tlds = ['test', 'test']), /listed twice/],
  ['a host that is not an address', (j) => (j.host = '127.0.0.1\nnameserver 10.6.6.6'), /host .* is not an IP address/],
  ['a port out of range', (j) => (j.port = 0), /port 0 is not 1-65535/],
  ['content setup would not write', (j) => (file(j).after = EVIL), /is not what setup writes there/],
  ['previous content that is not base64', (j) => (file(j).before = '!!not base64!!'), /not base64/],
  ["directories that are not the file's parents", (j) => (file(j).createdDirs = ['/usr']), /are not its parents/],
  ['a relative root', (j) => (j.root = 'tmp/x'), /root .* is not an absolute path/],
  ['a root with ".."', (j) => (j.root = '/tmp/../etc'), /root .* is not an absolute path/],
  ['an unknown resolver', (j) => (j.resolver = 'cron'), /resolver "cron" is not one devdns knows/],
  ['a resolver with no files', (j) => (j.resolver = 'windows'), /has no files to restore/],
  // The hosts route restores no file by its bytes: a journal for it that lists one is not setup's.
  ['a hosts-file route that lists a file to restore', (j) => (j.resolver = 'hosts'), /file list|not a file devdns setup manages for hosts/],
  ['the wrong shape: files is not a list', (j) => (j.files = 'x' as never), /file list/],
  ['the wrong shape: an unknown version', (j) => (j.version = 2), /version 2 is unknown/],
  ['two entries for one file', (j) => j.files.push({ ...file(j) }), /file list|not a file devdns setup manages/],
  // setup --all: `all` is true or absent, for a resolver that can route every name, and the file is that plan's.
  ['an `all` that is a string', (j) => (j.all = 'yes'), /all "yes" is not true/],
  ['an `all` of false (never written)', (j) => (j.all = false), /all false is not true/],
  ['`all` for macOS, which cannot route every name', (j) => (j.all = true), /resolver "macos" cannot route every name to devdns/],
  [
    '`all` for the hosts file',
    (j) => {
      j.all = true;
      j.resolver = 'hosts';
    },
    /resolver "hosts" cannot route every name to devdns/,
  ],
  [
    '`all` with the file of a setup without it',
    (j) => {
      asDnsmasq(j, dnsmasqAfter(false));
      j.all = true;
    },
    /devdns\.conf is not what setup writes there/,
  ],
  ['the file of setup --all without `all`', (j) => asDnsmasq(j, dnsmasqAfter(true)), /devdns\.conf is not what setup writes there/],
  ['recorded upstreams that are not a list', (j) => (j.upstreams = '192.0.2.1'), /upstreams are not a list/],
  [
    'a recorded upstream that is not an address',
    (j) => (j.upstreams = ['192.0.2.1', 'evil.example\nnameserver 6.6.6.6']),
    /upstreams are not/,
  ],
  ['a recorded upstream that is devdns or another loopback server', (j) => (j.upstreams = ['127.0.0.1']), /upstreams are not/],
  ['a recorded upstream that is this machine by the unspecified address', (j) => (j.upstreams = ['0.0.0.0']), /upstreams are not/],
  ['a recorded upstream that is this machine by the unspecified IPv6 address', (j) => (j.upstreams = ['::']), /upstreams are not/],
  [
    'a recorded upstream that is this machine by the mapped unspecified address',
    (j) => (j.upstreams = ['::ffff:0.0.0.0']),
    /upstreams are not/,
  ],
  ['a recorded upstream not in its normal form', (j) => (j.upstreams = ['2001:DB8::1']), /upstreams are not/],
  ['anchors that are not a list', (j) => (j.anchors = 'test'), /anchors .* are not at most 64 DNS names/],
  ['an anchor with a line break', (j) => (j.anchors = ['test\nevil.example']), /anchors .* are not at most 64 DNS names/],
  ['too many anchors', (j) => (j.anchors = Array.from({ length: 65 }, (_, i) => `a${i}.example`)), /are not at most 64/],
  ['too many recorded upstreams', (j) => (j.upstreams = Array.from({ length: 17 }, (_, i) => `192.0.2.${i + 1}`)), /at most 16/],
];

describe('a hostile setup journal is refused, and nothing changes', () => {
  for (const [title, change, reason] of cases) {
    it(title, async () => {
      const home = tempDir();
      const root = tempDir();
      try {
        mkdirSync(join(root.path, 'etc/resolver'), { recursive: true });
        writeFileSync(join(root.path, 'etc/resolver/test'), 'nameserver 10.9.9.9\n');
        const before = snapshot(root.path);
        const wayOut = `/etc/resolver/../../../${basename(home.path)}/pwned`;
        writeFileSync(journalPath(home.path), JSON.stringify(journal(root.path, change)).replace('ESCAPE', wayOut));
        await assert.rejects(teardown(home.path), (error: Error) => {
          assert.match(error.message, /setup-journal\.json: is not a journal devdns setup wrote/);
          assert.match(error.message, reason);
          assert.doesNotMatch(error.message, /\n/, 'one line');
          return true;
        });
        assert.deepEqual(snapshot(root.path), before, 'the root is unchanged');
        assert.ok(existsSync(journalPath(home.path)), 'the journal is kept for the user to look at');
        assert.ok(!existsSync(join(home.path, 'pwned')), 'nothing written outside the root');
      } finally {
        home.cleanup();
        root.cleanup();
      }
    });
  }

  it('a journal of over a megabyte', async () => {
    const home = tempDir();
    try {
      writeFileSync(journalPath(home.path), JSON.stringify({ ...journal('/'), pad: 'x'.repeat(2 * 1024 * 1024) }));
      await assert.rejects(
        teardown(home.path),
        /setup-journal\.json: is not a journal devdns setup wrote \(is 2 MiB, more than the 1 MiB devdns reads\)/,
      );
    } finally {
      home.cleanup();
    }
  });

  it('a journal that is a link to another file', async () => {
    const home = tempDir();
    try {
      writeFileSync(join(home.path, 'elsewhere.json'), JSON.stringify(journal('/')));
      symlinkSync(join(home.path, 'elsewhere.json'), journalPath(home.path));
      await assert.rejects(
        teardown(home.path),
        /setup-journal\.json: is not a journal devdns setup wrote \(is a symbolic link; devdns does not follow links in its home\)/,
      );
    } finally {
      home.cleanup();
    }
  });

  it('a journal whose managed path leads through a symlinked directory out of the root', async () => {
    const home = tempDir();
    const root = tempDir();
    const outside = tempDir();
    try {
      mkdirSync(join(root.path, 'etc'));
      symlinkSync(outside.path, join(root.path, 'etc/resolver'));
      writeFileSync(join(outside.path, 'test'), 'secret\n');
      chmodSync(join(outside.path, 'test'), 0o600);
      const before = snapshot(outside.path);
      writeFileSync(journalPath(home.path), JSON.stringify(journal(root.path, (j) => (file(j).mode = 0o644))));
      await assert.rejects(teardown(home.path), /etc\/resolver\/test: leads through a link to .*, outside .*; nothing was changed/);
      assert.deepEqual(snapshot(outside.path), before, 'the outside file keeps its content and mode');
    } finally {
      home.cleanup();
      root.cleanup();
      outside.cleanup();
    }
  });
});

describe('what teardown takes from a journal it accepts', () => {
  it('restores modes no wider than 0644: exec bits dropped, 0600 kept', async () => {
    for (const [recorded, restored] of [
      [0o777, 0o644],
      [0o755, 0o644],
      [0o600, 0o600],
    ]) {
      const home = tempDir();
      const root = tempDir();
      try {
        mkdirSync(join(root.path, 'etc/resolver'), { recursive: true });
        writeFileSync(journalPath(home.path), JSON.stringify(journal(root.path, (j) => (file(j).mode = recorded))));
        await teardown(home.path);
        assert.equal(statSync(join(root.path, 'etc/resolver/test')).mode & 0o7777, restored, `recorded ${recorded?.toString(8)}`);
      } finally {
        home.cleanup();
        root.cleanup();
      }
    }
  });

  it("runs the resolver's own reload commands, never those an older journal lists", async () => {
    const home = tempDir();
    try {
      const runs: string[][] = [];
      class Recording extends SystemAccess {
        override async run(command: readonly string[]) {
          runs.push([...command]);
          return { exitCode: 0, stdout: '', stderr: '', failure: '' };
        }
        override writeFile(): 'renamed' {
          return 'renamed';
        }
      }
      writeFileSync(journalPath(home.path), JSON.stringify({ ...journal('/'), reload: [['sh', '-c', `touch ${home.path}/pwned`]] }));
      const found = readJournal(home.path) ?? assert.fail('no journal');
      await undoJournal(home.path, new Recording('/', { privileged: false }), found);
      assert.deepEqual(runs, [
        ['dscacheutil', '-flushcache'],
        ['killall', '-HUP', 'mDNSResponder'],
      ]);
    } finally {
      home.cleanup();
    }
  });
});

describe("as root, only root's own copy of the journal is trusted", () => {
  it('a journal only the user could have written is refused as root, naming it', () => {
    const home = tempDir();
    const root = tempDir();
    try {
      mkdirSync(join(root.path, 'etc/resolver'), { recursive: true });
      writeFileSync(journalPath(home.path), JSON.stringify(journal(root.path)));
      assert.throws(
        () => journalToUndo(home.path, { privileged: true }),
        (error: Error & { code?: string; hint?: string }) => {
          assert.equal(error.code, 'journal-untrusted');
          assert.match(error.message, /setup-journal\.json: not written by devdns setup as root \(no copy in .*var\/lib\/devdns\)/);
          assert.match(error.hint ?? '', /without sudo/);
          return true;
        },
      );
      assert.equal(journalToUndo(home.path, { privileged: false })?.root, root.path, 'the user may still undo it as themselves');
    } finally {
      home.cleanup();
      root.cleanup();
    }
  });

  const skip = isRoot ? false : 'needs root to own the trusted copy';
  it('setup as root keeps a root-only copy; teardown restores from it whatever the user copy says', { skip }, async () => {
    const home = tempDir();
    const root = tempDir();
    try {
      mkdirSync(join(root.path, 'etc/resolver'), { recursive: true });
      writeFileSync(join(root.path, 'etc/resolver/test'), 'nameserver 10.9.9.9\n');
      const before = snapshot(root.path);
      const system = new SystemAccess(root.path, { privileged: true });
      const plan = planSetup({ resolver: 'macos', tlds: ['test'], host: '127.0.0.1', port: 9090 });
      await applyPlan({ home: home.path, system, plan, tlds: ['test'], host: '127.0.0.1', port: 9090 });
      const trusted = trustedJournalPath(root.path, home.path);
      assert.equal(statSync(trusted).mode & 0o777, 0o600);
      assert.equal(statSync(join(root.path, TRUSTED_DIR)).mode & 0o777, 0o700);
      // The user rewrites their copy: what was there before becomes a setuid script.
      const forged = journal(root.path, (j) => (file(j).mode = 0o755));
      writeFileSync(journalPath(home.path), JSON.stringify(forged));
      const found = journalToUndo(home.path, { privileged: true }) ?? assert.fail('no journal');
      await undoJournal(home.path, system, found);
      assert.deepEqual(snapshot(root.path), before, "restored from root's copy, its directories gone too");
      assert.equal(readFileSync(join(root.path, 'etc/resolver/test'), 'utf8'), 'nameserver 10.9.9.9\n');
    } finally {
      home.cleanup();
      root.cleanup();
    }
  });

  it('a "trusted" copy another user can write is refused', { skip }, async () => {
    const home = tempDir();
    const root = tempDir();
    try {
      const system = new SystemAccess(root.path, { privileged: true });
      const plan = planSetup({ resolver: 'macos', tlds: ['test'], host: '127.0.0.1', port: 9090 });
      await applyPlan({ home: home.path, system, plan, tlds: ['test'], host: '127.0.0.1', port: 9090 });
      chownSync(join(root.path, TRUSTED_DIR), 65534, 65534);
      assert.throws(
        () => journalToUndo(home.path, { privileged: true }),
        /is not a journal devdns setup wrote \(it is not out of other users' reach: .*devdns is not owned by root\)/,
      );
    } finally {
      home.cleanup();
      root.cleanup();
    }
  });
});
