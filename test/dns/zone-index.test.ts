// The zone index updated in place: after any change at some names it is what a fresh build of
// the new records would be, field by field and answer by answer.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { answerQuestion } from '../../src/dns/answer.js';
import { describeData } from '../../src/dns/describe.js';
import { QTYPE, type ResourceRecord } from '../../src/dns/protocol.js';
import { buildZoneIndex, type Node, PROBE_ADDRESS, PROBE_LABEL, updateZoneIndex, type ZoneIndex } from '../../src/dns/zone-index.js';
import type { DnsRecord, RecordFile } from '../../src/records/types.js';

/** A small seeded generator (mulberry32), so that a failing case can be run again. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ZONES = ['test', 'sub.test', 'example', '10.in-addr.arpa', 'api.elsewhere.org'];
const LABELS = ['a', 'b', 'ns', '*', PROBE_LABEL, 'x'];

/** Names from a few labels, so that names share ancestors, wildcards and probe names often. */
function randomName(next: () => number): string {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T;
  const zone = next() < 0.05 ? 'elsewhere.org' : pick(ZONES);
  const depth = Math.floor(next() * 5);
  const labels = Array.from({ length: depth }, () => pick(LABELS));
  // "*" only as the whole leftmost label, as in a valid file.
  const kept = labels.filter((label, i) => label !== '*' || i === 0);
  return [...kept, zone].join('.');
}

function randomRecord(next: () => number, name: string, names: readonly string[]): DnsRecord {
  const target = () => names[Math.floor(next() * names.length)] ?? 'a.test';
  const roll = next();
  if (roll < 0.3) return { name, type: 'A', ttl: 5, address: `10.0.0.${Math.floor(next() * 4)}` };
  if (roll < 0.4) return { name, type: 'AAAA', ttl: 5, address: `fd00::${Math.floor(next() * 4)}` };
  if (roll < 0.55) return { name, type: 'CNAME', ttl: 5, target: target() };
  if (roll < 0.7) return { name, type: 'NS', ttl: 5, target: target() };
  if (roll < 0.8) return { name, type: 'MX', ttl: 5, priority: 10, exchange: target() };
  if (roll < 0.9) return { name, type: 'TXT', ttl: 5, strings: [`t${Math.floor(next() * 4)}`] };
  return { name, type: 'SRV', ttl: 5, priority: 0, weight: 0, port: 80, target: target() };
}

function randomRecords(next: () => number, pool: readonly string[], count: number): DnsRecord[] {
  return Array.from({ length: count }, () => randomRecord(next, pool[Math.floor(next() * pool.length)] as string, pool));
}

const fileOf = (records: DnsRecord[], serial: number, zones: RecordFile['zones']): RecordFile => ({ version: 1, serial, zones, records });

/** A node's RRsets as [type, records] pairs. */
function rrsets(node: Node): Array<[number, ResourceRecord[]]> {
  const pairs: Array<[number, ResourceRecord[]]> = [];
  for (let i = 0; i < node.length; i += 2) pairs.push([node[i] as number, node[i + 1] as ResourceRecord[]]);
  return pairs;
}

/** Everything in an index, in one order, so that two indexes built different ways compare equal. */
function canonical(index: ZoneIndex): unknown {
  const sorted = <T>(items: Iterable<T>) => [...items].sort();
  return {
    zones: index.zones,
    overrides: [...index.overrides].sort(),
    serial: index.serial,
    nodes: sorted(index.nodes.keys()).map((name) => [
      name,
      rrsets(index.nodes.get(name) ?? [])
        .sort((a, b) => a[0] - b[0])
        .map(([type, rrset]) => [type, JSON.stringify(rrset)]),
    ]),
    existing: sorted(index.existing),
    cuts: sorted(index.cuts),
    soa: sorted(index.soa.keys()).map((zone) => JSON.stringify(index.soa.get(zone))),
    below: sorted(index.below.keys()).map((name) => [name, index.below.get(name)]),
  };
}

const TYPES = [QTYPE.A, QTYPE.AAAA, QTYPE.CNAME, QTYPE.NS, QTYPE.MX, QTYPE.TXT, QTYPE.SRV, QTYPE.SOA, QTYPE.ANY];

/** The answer to every type at each name, and at a name below each. */
function answers(index: ZoneIndex, names: readonly string[]): string[] {
  const asked = new Set([...names, ...names.map((name) => `q.${name}`), ...ZONES.map((zone) => `${PROBE_LABEL}.${zone}`)]);
  return [...asked].sort().flatMap((name) => TYPES.map((type) => `${name} ${type} ${JSON.stringify(answerQuestion(index, name, type))}`));
}

/** The records at each name in `changed` replaced by random ones (often none), the rest kept in order. */
function change(next: () => number, records: DnsRecord[], changed: ReadonlySet<string>, pool: readonly string[]): DnsRecord[] {
  const kept = records.filter((record) => !changed.has(record.name));
  for (const name of changed) {
    const count = next() < 0.4 ? 0 : 1 + Math.floor(next() * 3);
    kept.push(...Array.from({ length: count }, () => randomRecord(next, name, pool)));
  }
  return kept;
}

const recordsAtIn = (file: RecordFile) => (name: string) => file.records.filter((record) => record.name === name);

describe('updateZoneIndex', () => {
  it('leaves the index as a fresh build of the new records would be, over many random changes', () => {
    const zones = {
      test: {},
      'sub.test': { negativeTtl: 30 },
      example: {},
      '10.in-addr.arpa': {},
      'api.elsewhere.org': { override: true as const },
    };
    for (let seed = 1; seed <= 40; seed++) {
      const next = random(seed);
      const pool = Array.from({ length: 25 }, () => randomName(next));
      let file = fileOf(randomRecords(next, pool, Math.floor(next() * 40)), seed, zones);
      const index = buildZoneIndex(file);
      for (let step = 0; step < 12; step++) {
        const changed = new Set(Array.from({ length: 1 + Math.floor(next() * 3) }, () => pool[Math.floor(next() * pool.length)] as string));
        file = fileOf(change(next, file.records, changed, pool), next() < 0.5 ? file.serial : file.serial + 1, zones);
        assert.equal(updateZoneIndex(index, file, changed, recordsAtIn(file)), true);
        const fresh = buildZoneIndex(file);
        const context = `seed ${seed}, step ${step}, changed ${[...changed].join(' ')}`;
        assert.deepEqual(canonical(index), canonical(fresh), context);
        assert.deepEqual(answers(index, pool), answers(fresh, pool), context);
      }
    }
  });

  it('takes away the empty non-terminals above a deep name when its last record goes', () => {
    const before = fileOf([{ name: 'a.b.c.d.test', type: 'A', ttl: 5, address: '10.0.0.1' }], 1, { test: {} });
    const index = buildZoneIndex(before);
    assert.equal(index.existing.has('c.d.test'), true);
    const after = fileOf([], 2, { test: {} });
    assert.equal(
      updateZoneIndex(index, after, new Set(['a.b.c.d.test']), () => []),
      true,
    );
    for (const name of ['a.b.c.d.test', 'b.c.d.test', 'c.d.test', 'd.test']) assert.equal(index.existing.has(name), false, name);
    assert.equal(answerQuestion(index, 'c.d.test', QTYPE.A).rcode, 3);
    assert.deepEqual(canonical(index), canonical(buildZoneIndex(after)));
  });

  it('keeps an empty non-terminal while another name below it has records', () => {
    const a = { name: 'a.mid.test', type: 'A', ttl: 5, address: '10.0.0.1' } as const;
    const b = { name: 'b.mid.test', type: 'A', ttl: 5, address: '10.0.0.2' } as const;
    const index = buildZoneIndex(fileOf([a, b], 1, { test: {} }));
    assert.equal(
      updateZoneIndex(index, fileOf([b], 2, { test: {} }), new Set([a.name]), () => []),
      true,
    );
    assert.equal(index.existing.has('mid.test'), true);
    assert.equal(index.existing.has(a.name), false);
    assert.equal(
      updateZoneIndex(index, fileOf([], 3, { test: {} }), new Set([b.name]), () => []),
      true,
    );
    assert.equal(index.existing.has('mid.test'), false);
  });

  it('brings back the probe address when the records at the probe name go, and gives way to records there', () => {
    const probe = `${PROBE_LABEL}.test`;
    const mine = { name: probe, type: 'A', ttl: 60, address: '10.9.9.9' } as const;
    const index = buildZoneIndex(fileOf([], 1, { test: {} }));
    updateZoneIndex(index, fileOf([mine], 2, { test: {} }), new Set([probe]), () => [mine]);
    assert.deepEqual(
      answerQuestion(index, probe, QTYPE.A).answer.map((r) => describeData(r.data)),
      ['A 10.9.9.9'],
    );
    updateZoneIndex(index, fileOf([], 3, { test: {} }), new Set([probe]), () => []);
    assert.deepEqual(
      answerQuestion(index, probe, QTYPE.A).answer.map((r) => describeData(r.data)),
      [`A ${PROBE_ADDRESS}`],
    );
    assert.equal(index.existing.has(probe), true);
  });

  it("serves devdns's own apex NS again when the user's goes, and keeps the SOA at the apex", () => {
    const ns = { name: 'test', type: 'NS', ttl: 5, target: 'ns.elsewhere.org' } as const;
    const index = buildZoneIndex(fileOf([ns], 1, { test: {} }));
    const after = fileOf([], 2, { test: {} });
    updateZoneIndex(index, after, new Set(['test']), () => []);
    assert.deepEqual(
      answerQuestion(index, 'test', QTYPE.NS).answer.map((r) => describeData(r.data)),
      ['NS localhost.'],
    );
    assert.equal(answerQuestion(index, 'test', QTYPE.SOA).answer.length, 1);
    assert.deepEqual(canonical(index), canonical(buildZoneIndex(after)));
  });

  it('follows the serial in every SOA, as a build does', () => {
    const index = buildZoneIndex(fileOf([], 7, { test: {}, example: {} }));
    const before = index.soa.get('test');
    updateZoneIndex(index, fileOf([], 9, { test: {}, example: {} }), new Set(), () => []);
    assert.equal(index.serial, 9);
    assert.deepEqual(
      answerQuestion(index, 'example', QTYPE.SOA).answer.map((r) => r.data.type === 'SOA' && r.data.serial),
      [9],
    );
    // An answer made before keeps what it had.
    assert.equal(before?.data.type === 'SOA' && before.data.serial, 7);
  });

  it('refuses, leaving the index as it was, when the zones or their settings differ', () => {
    const record = { name: 'a.test', type: 'A', ttl: 5, address: '10.0.0.1' } as const;
    const index = buildZoneIndex(fileOf([record], 1, { test: {} }));
    const was = canonical(index);
    const cases: RecordFile['zones'][] = [{ test: {}, example: {} }, { example: {} }, { test: { negativeTtl: 60 } }, {}];
    for (const zones of cases) {
      assert.equal(
        updateZoneIndex(index, fileOf([], 2, zones), new Set(['a.test']), () => []),
        false,
        JSON.stringify(zones),
      );
      assert.deepEqual(canonical(index), was);
    }
    // The same minimum written out is the same setting.
    assert.equal(
      updateZoneIndex(index, fileOf([record], 2, { test: { negativeTtl: 5 } }), new Set(), () => []),
      true,
    );
  });
});
