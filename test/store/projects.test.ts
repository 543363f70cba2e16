import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { decide } from '../../src/dns/answer.js';
import { QTYPE } from '../../src/dns/protocol.js';
import { buildZoneIndex } from '../../src/dns/zone-index.js';
import type { RecordFile } from '../../src/records/types.js';
import { addRecord } from '../../src/store/edits.js';
import {
  describeConflict,
  findProjectFile,
  linkProject,
  loadServedRecords,
  mergeServed,
  readLinks,
  type ServedRecords,
  unlinkProject,
} from '../../src/store/projects.js';
import { tempDir } from '../helpers/devdns.js';
import { query } from '../helpers/dns.js';
import { addToHome } from '../helpers/server.js';

const project = (dir: string, records: Array<{ name: string; address: string }>) => {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, 'devdns.json');
  writeFileSync(
    path,
    JSON.stringify({
      version: 1,
      zones: { test: {} },
      records: records.map((r) => ({ name: r.name, type: 'A', ttl: 5, address: r.address })),
    }),
  );
  return path;
};

describe('project files', () => {
  it('serves your records, then the most recently linked project; reports every conflict', async () => {
    const dir = tempDir();
    try {
      const home = join(dir.path, 'home');
      await addToHome(home, { name: 'mine.test', value: '10.0.0.1' });
      const older = project(join(dir.path, 'older'), [
        { name: 'mine.test', address: '10.0.1.1' },
        { name: 'shared.test', address: '10.0.1.2' },
        { name: 'older.test', address: '10.0.1.3' },
      ]);
      const newer = project(join(dir.path, 'newer'), [
        { name: 'shared.test', address: '10.0.2.2' },
        { name: 'newer.test', address: '10.0.2.3' },
      ]);
      linkProject(home, older, {}, new Date('2026-01-01T00:00:00Z'));
      linkProject(home, newer, {}, new Date('2026-01-02T00:00:00Z'));
      const served = loadServedRecords(home);
      const byName = served.file.records
        .map(
          (r, i) =>
            `${r.name} ${r.type === 'A' ? r.address : ''} ${served.sources[i] === 'user' ? 'user' : served.sources[i]?.includes('newer') ? 'newer' : 'older'}`,
        )
        .sort();
      assert.deepEqual(byName, [
        'mine.test 10.0.0.1 user',
        'newer.test 10.0.2.3 newer',
        'older.test 10.0.1.3 older',
        'shared.test 10.0.2.2 newer',
      ]);
      assert.deepEqual(
        served.conflicts.map((c) => [c.name, c.winner === 'user' ? 'user' : 'newer', c.loser.includes('older') ? 'older' : 'newer']),
        [
          ['mine.test', 'user', 'older'],
          ['shared.test', 'newer', 'older'],
        ],
      );
      assert.match(
        describeConflict(served.conflicts[0] ?? assert.fail()),
        /^mine\.test is defined by your records and by .*older\/devdns\.json; your records are served \(rule: your own records win, then the most recently linked project\)$/,
      );
      // Linking the older one again makes it the most recent.
      linkProject(home, older, {}, new Date('2026-01-03T00:00:00Z'));
      const again = loadServedRecords(home);
      assert.equal(again.sources[again.file.records.findIndex((r) => r.name === 'shared.test')], older);
      unlinkProject(home, older);
      assert.deepEqual(
        readLinks(home).map((l) => l.path),
        [newer],
      );
      assert.throws(() => unlinkProject(home, older), /is not linked/);
    } finally {
      dir.cleanup();
    }
  });

  it('asks before a project file may claim localhost names', () => {
    const dir = tempDir();
    try {
      const home = join(dir.path, 'home');
      const path = join(dir.path, 'p', 'devdns.json');
      mkdirSync(join(dir.path, 'p'));
      writeFileSync(
        path,
        JSON.stringify({
          version: 1,
          zones: { localhost: {} },
          records: [{ name: 'localhost', type: 'A', ttl: 5, address: '192.0.2.66' }],
        }),
      );
      assert.throws(
        () => linkProject(home, path),
        /claims names outside devdns's reserved zones: localhost \(localhost names, which every program takes for this machine\)/,
      );
      linkProject(home, path, { force: true });
      assert.equal(loadServedRecords(home).file.records.length, 1);
    } finally {
      dir.cleanup();
    }
  });

  it('leaves out an unreadable project file, saying why', async () => {
    const dir = tempDir();
    try {
      const home = join(dir.path, 'home');
      const path = project(join(dir.path, 'p'), [{ name: 'p.test', address: '10.0.0.1' }]);
      linkProject(home, path);
      writeFileSync(path, '{"version": 1, "records": [');
      const served = loadServedRecords(home);
      assert.deepEqual(served.file.records, []);
      assert.match(served.problems[0]?.message ?? '', /devdns\.json: line 1/);
    } finally {
      dir.cleanup();
    }
  });

  it('finds the nearest devdns.json up to the git root, not beyond', () => {
    const dir = tempDir();
    try {
      project(join(dir.path, 'outer'), []);
      mkdirSync(join(dir.path, 'outer', 'repo', '.git'), { recursive: true });
      mkdirSync(join(dir.path, 'outer', 'repo', 'src', 'deep'), { recursive: true });
      assert.equal(findProjectFile(join(dir.path, 'outer', 'repo', 'src', 'deep')), undefined, 'the git root stops the search');
      const inRepo = project(join(dir.path, 'outer', 'repo'), []);
      assert.equal(findProjectFile(join(dir.path, 'outer', 'repo', 'src', 'deep')), inRepo);
    } finally {
      dir.cleanup();
    }
  });
});

describe('overrides in project files', () => {
  /** A project file of zones and A records, as a team would commit it. */
  const projectWith = (dir: string, zones: Record<string, object>, records: Array<{ name: string; address: string }>) => {
    mkdirSync(dir, { recursive: true });
    const path = join(dir, 'devdns.json');
    writeFileSync(
      path,
      JSON.stringify({ version: 1, zones, records: records.map((r) => ({ name: r.name, type: 'A', ttl: 5, address: r.address })) }),
    );
    return path;
  };

  it('serves a linked override once agreed to, as an override', async () => {
    const dir = tempDir();
    try {
      const home = join(dir.path, 'home');
      await addToHome(home, { name: 'mine.test', value: '10.0.0.1' });
      // The same zone made devdns's own by a second project linked later loses to the override.
      const other = projectWith(join(dir.path, 'other'), { 'api.stripe.com': {} }, [{ name: 'api.stripe.com', address: '10.9.9.9' }]);
      linkProject(home, other, { force: true }, new Date('2026-01-01T00:00:00Z'));
      const team = projectWith(join(dir.path, 'team'), { 'api.stripe.com': { override: true } }, [
        { name: 'api.stripe.com', address: '127.0.0.1' },
      ]);
      assert.throws(() => linkProject(home, team, {}), /claims names outside devdns's reserved zones/);
      linkProject(home, team, { force: true }, new Date('2026-01-02T00:00:00Z'));
      const served = loadServedRecords(home);
      assert.deepEqual(served.file.zones['api.stripe.com'], { override: true });
      assert.deepEqual(
        served.file.records.filter((r) => r.name === 'api.stripe.com').map((r) => (r.type === 'A' ? r.address : '')),
        ['127.0.0.1'],
      );
      assert.deepEqual(
        served.conflicts.map((c) => [c.name, c.winner === team, c.loser === other]),
        [['api.stripe.com', true, true]],
      );
    } finally {
      dir.cleanup();
    }
  });

  it('a zone that is an override in one source and devdns’s own in another: the first wins, and it is said', async () => {
    const dir = tempDir();
    try {
      const home = join(dir.path, 'home');
      // Yours: example.com served in full (add --force).
      await addRecord(home, { name: 'www.example.com', value: '10.0.0.1' }, { force: true });
      await addRecord(home, { name: 'api.example.com', value: '10.0.0.2' }, { force: true });
      const team = projectWith(join(dir.path, 'team'), { 'api.example.com': { override: true } }, [
        { name: 'api.example.com', address: '127.0.0.1' },
      ]);
      linkProject(home, team, { force: true });
      const served = loadServedRecords(home);
      assert.equal(served.file.zones['api.example.com'], undefined, 'the override does not take your names');
      assert.deepEqual(
        served.file.records.filter((r) => r.name === 'api.example.com').map((r) => (r.type === 'A' ? r.address : '')),
        ['10.0.0.2'],
      );
      assert.deepEqual(
        served.conflicts.map((c) => [c.name, c.winner, c.loser === team]),
        [['api.example.com', 'user', true]],
      );
    } finally {
      dir.cleanup();
    }
  });
});

describe('a project zone inside or around a zone of another kind', () => {
  /** A record file of these zones and A records. */
  const fileOf = (zones: RecordFile['zones'], records: Array<[name: string, address: string]>): RecordFile => ({
    version: 1,
    serial: 1,
    zones,
    records: records.map(([name, address]) => ({ name, type: 'A', ttl: 5, address })),
  });
  /** What devdns does with an A question for `name` from what is served: forward it, or answer it (rcode, addresses). */
  const what = (served: ServedRecords, name: string): string => {
    const decision = decide(buildZoneIndex(served.file), query(name, QTYPE.A), { forwardAll: false });
    if (decision.kind === 'forward') return 'forward';
    const rcode = ['NOERROR', 'FORMERR', 'SERVFAIL', 'NXDOMAIN'][decision.response.rcode] ?? String(decision.response.rcode);
    return [rcode, ...decision.response.answer.map((r) => (r.data.type === 'A' ? r.data.address : r.data.type))].join(' ');
  };
  const conflicts = (served: ServedRecords) => served.conflicts.map((c) => [c.name, c.winner, c.loser]);
  const TEAM = '/team/devdns.json';
  /** What is served of `user`'s records beside one linked team file, `team`, at TEAM. */
  const besideTeam = (user: RecordFile, team: RecordFile, settingsZones: string[] = []) =>
    mergeServed({ user, settingsZones, projects: [{ path: TEAM, file: team }] });

  it('an override a project makes inside your own zone is a conflict, its records left out: a name there without records stays NXDOMAIN', async () => {
    const dir = tempDir();
    try {
      const home = join(dir.path, 'home');
      await addToHome(home, { name: 'mine.test', value: '10.0.0.1' });
      const team = join(dir.path, 'team', 'devdns.json');
      mkdirSync(dirname(team));
      writeFileSync(
        team,
        JSON.stringify({
          version: 1,
          zones: { 'shop.test': { override: true } },
          records: [{ name: 'api.shop.test', type: 'A', ttl: 5, address: '10.0.0.9' }],
        }),
      );
      // Under .test: no consent asked, which is why it must not take the names from your zone.
      linkProject(home, team);
      const served = loadServedRecords(home);
      assert.equal(served.file.zones['shop.test'], undefined);
      assert.deepEqual(
        served.file.records.map((r) => r.name),
        ['mine.test'],
      );
      assert.deepEqual(conflicts(served), [['shop.test', 'user', team]]);
      assert.match(
        describeConflict(served.conflicts[0] ?? assert.fail()),
        /^shop\.test is defined by your records and by .*team\/devdns\.json; your records are served/,
      );
      assert.equal(what(served, 'gone.shop.test'), 'NXDOMAIN', 'not forwarded upstream');
      assert.equal(what(served, 'api.shop.test'), 'NXDOMAIN');
    } finally {
      dir.cleanup();
    }
  });

  it('an override inside the own zone of a project linked after it loses to that project', () => {
    const user = fileOf({ test: {} }, []);
    const served = mergeServed({
      user,
      settingsZones: [],
      projects: [
        { path: '/newer/devdns.json', file: fileOf({ 'corp.internal': {} }, [['www.corp.internal', '10.0.1.1']]) },
        { path: '/older/devdns.json', file: fileOf({ 'api.corp.internal': { override: true } }, [['api.corp.internal', '10.0.2.1']]) },
      ],
    });
    assert.deepEqual(Object.keys(served.file.zones), ['test', 'corp.internal']);
    assert.deepEqual(conflicts(served), [['api.corp.internal', '/newer/devdns.json', '/older/devdns.json']]);
    assert.equal(what(served, 'api.corp.internal'), 'NXDOMAIN');
  });

  it('an own zone a project makes inside your override is a conflict too: the names there stay the real servers’', () => {
    const user = fileOf({ test: {}, 'example.com': { override: true } }, [['example.com', '127.0.0.1']]);
    const served = besideTeam(user, fileOf({ 'shop.example.com': {} }, [['www.shop.example.com', '10.0.0.9']]));
    assert.equal(served.file.zones['shop.example.com'], undefined);
    assert.deepEqual(conflicts(served), [['shop.example.com', 'user', TEAM]]);
    assert.equal(what(served, 'www.shop.example.com'), 'forward');
    assert.equal(what(served, 'example.com'), 'NOERROR 127.0.0.1');
  });

  it('a project’s own zone around your override is served, as devdns add makes it: the override stays one', () => {
    const user = fileOf({ test: {}, 'api.example.com': { override: true } }, [['api.example.com', '127.0.0.1']]);
    const served = besideTeam(
      user,
      fileOf({ 'example.com': {} }, [
        ['www.example.com', '10.0.0.9'],
        ['api.example.com', '10.0.0.8'],
      ]),
    );
    assert.deepEqual(served.file.zones, { test: {}, 'api.example.com': { override: true }, 'example.com': {} });
    assert.deepEqual(conflicts(served), [['api.example.com', 'user', TEAM]], 'the name, as any record');
    assert.equal(what(served, 'api.example.com'), 'NOERROR 127.0.0.1');
    assert.equal(what(served, 'v2.api.example.com'), 'forward');
    assert.equal(what(served, 'www.example.com'), 'NOERROR 10.0.0.9');
    assert.equal(what(served, 'gone.example.com'), 'NXDOMAIN');
  });

  it('a project’s override around your own zone is served, as devdns override makes it: your zone stays yours, in full', () => {
    const user = fileOf({ test: {}, 'shop.example.com': {} }, [['www.shop.example.com', '10.0.0.1']]);
    const served = besideTeam(user, fileOf({ 'example.com': { override: true } }, [['api.example.com', '127.0.0.1']]));
    assert.deepEqual(served.file.zones['example.com'], { override: true });
    assert.deepEqual(conflicts(served), []);
    assert.equal(what(served, 'api.example.com'), 'NOERROR 127.0.0.1');
    assert.equal(what(served, 'other.example.com'), 'forward');
    assert.equal(what(served, 'www.shop.example.com'), 'NOERROR 10.0.0.1');
    assert.equal(what(served, 'gone.shop.example.com'), 'NXDOMAIN', 'not forwarded upstream');
  });

  it('a zone named in the settings is yours: no project makes an override in it', () => {
    const team = fileOf({ 'nas.home.arpa': { override: true } }, [['nas.home.arpa', '10.0.0.5']]);
    const served = besideTeam(fileOf({ test: {} }, []), team, ['home.arpa']);
    assert.deepEqual(conflicts(served), [['nas.home.arpa', 'user', TEAM]]);
    assert.equal(what(served, 'nas.home.arpa'), 'NXDOMAIN');
  });

  it('an override inside another override, and an own zone inside an own zone, are served', () => {
    const user = fileOf({ test: {}, 'example.com': { override: true } }, [['example.com', '127.0.0.1']]);
    const served = besideTeam(
      user,
      fileOf({ 'api.example.com': { override: true }, 'shop.test': {} }, [
        ['api.example.com', '127.0.0.2'],
        ['www.shop.test', '10.0.0.3'],
      ]),
    );
    assert.deepEqual(conflicts(served), []);
    assert.equal(what(served, 'api.example.com'), 'NOERROR 127.0.0.2');
    assert.equal(what(served, 'www.shop.test'), 'NOERROR 10.0.0.3');
  });
});
