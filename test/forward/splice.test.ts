// A forwarded CNAME chain that enters an overridden name gets devdns's answer there, never the
// real site's address that came with it.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as packet from 'dns-packet';
import { chaseTarget, decide } from '../../src/dns/answer.js';
import type { ForwardRequest } from '../../src/dns/respond.js';
import { readQuery } from '../../src/dns/wire.js';
import { buildZoneIndex } from '../../src/dns/zone-index.js';
import { answerHasCname, readAnswerLines } from '../../src/forward/reply-facts.js';
import { existingNameNodata, joinChased, spliceLocalAnswer } from '../../src/forward/splice.js';
import { parseRecordInput } from '../../src/records/record-input.js';
import { addRecords } from '../../src/records/record-set.js';
import { emptyRecordFile } from '../../src/records/types.js';

const file = addRecords(emptyRecordFile(), { ...parseRecordInput({ name: 'shop.example.net', value: '127.0.0.1' }), override: true }).file;
const index = buildZoneIndex(file);

function exchange(type: 'A' | 'AAAA', answers: packet.Answer[]) {
  const query = packet.encode({
    type: 'query',
    id: 77,
    flags: packet.RECURSION_DESIRED,
    questions: [{ name: 'WWW.shop.example.net', type, class: 'IN' }],
  });
  const read = readQuery(query);
  if (read.kind !== 'query') throw new Error('unreadable');
  const reply = packet.encode({
    type: 'response',
    id: 77,
    flags: packet.RECURSION_DESIRED,
    questions: [{ name: 'WWW.shop.example.net', type, class: 'IN' }],
    answers,
  });
  return { query: read.query, reply };
}

const cname: packet.Answer = { type: 'CNAME', name: 'www.shop.example.net', ttl: 300, data: 'shop.example.net' } as packet.Answer;

describe('spliceLocalAnswer', () => {
  it('answers the overridden end of a chain itself, dropping the real address', () => {
    const { query, reply } = exchange('A', [
      cname,
      { type: 'A', name: 'shop.example.net', ttl: 300, data: '93.184.216.34' } as packet.Answer,
    ]);
    const spliced = spliceLocalAnswer(index, query, reply, 1232);
    assert.ok(spliced);
    const decoded = packet.decode(spliced) as unknown as { id: number; answers: Array<{ type: string; data: string }> };
    assert.equal(decoded.id, 77);
    assert.deepEqual(
      decoded.answers.map((a) => `${a.type} ${a.data}`),
      ['CNAME shop.example.net', 'A 127.0.0.1'],
    );
  });

  it('gives NODATA for a type the override holds none of (no real AAAA leaks)', () => {
    const { query, reply } = exchange('AAAA', [
      cname,
      { type: 'AAAA', name: 'shop.example.net', ttl: 300, data: '2606:2800::1' } as packet.Answer,
    ]);
    const decoded = packet.decode(spliceLocalAnswer(index, query, reply, 1232) as Buffer) as unknown as {
      answers: Array<{ type: string }>;
    };
    assert.deepEqual(
      decoded.answers.map((a) => a.type),
      ['CNAME'],
    );
  });

  it('leaves a chain that never enters devdns as the upstream gave it', () => {
    const other: packet.Answer = { type: 'CNAME', name: 'www.shop.example.net', ttl: 300, data: 'cdn.example.org' } as packet.Answer;
    const { query, reply } = exchange('A', [other, { type: 'A', name: 'cdn.example.org', ttl: 300, data: '192.0.2.1' } as packet.Answer]);
    assert.equal(spliceLocalAnswer(index, query, reply, 1232), undefined);
  });

  it('reads a reply into text only when its answer holds a CNAME and devdns has zones to enter', () => {
    let reads = 0;
    const counted = (bytes: Uint8Array) => {
      reads++;
      return readAnswerLines(bytes);
    };
    const address = { type: 'A', name: 'www.shop.example.net', ttl: 300, data: '192.0.2.1' } as packet.Answer;
    const plain = exchange('A', [address, { ...address, data: '192.0.2.2' } as packet.Answer]);
    assert.equal(spliceLocalAnswer(index, plain.query, plain.reply, 1232, counted), undefined);
    const empty = exchange('A', []);
    assert.equal(spliceLocalAnswer(index, empty.query, empty.reply, 1232, counted), undefined);
    assert.equal(reads, 0);
    const chain = exchange('A', [cname, { type: 'A', name: 'shop.example.net', ttl: 300, data: '93.184.216.34' } as packet.Answer]);
    assert.equal(
      spliceLocalAnswer({ ...buildZoneIndex(emptyRecordFile()), zones: [] }, chain.query, chain.reply, 1232, counted),
      undefined,
    );
    assert.equal(reads, 0);
    assert.ok(spliceLocalAnswer(index, chain.query, chain.reply, 1232, counted));
    assert.equal(reads, 1);
  });
});

describe('answerHasCname', () => {
  it('finds a CNAME among the answer records by their types, past names compressed or not', () => {
    const { reply } = exchange('A', [
      { type: 'A', name: 'www.shop.example.net', ttl: 300, data: '192.0.2.1' } as packet.Answer,
      { type: 'TXT', name: 'Other.Name.example', ttl: 300, data: 'x' } as packet.Answer,
      cname,
    ]);
    assert.equal(answerHasCname(reply), true);
    assert.equal(answerHasCname(exchange('A', [cname]).reply), true);
    assert.equal(answerHasCname(exchange('AAAA', []).reply), false);
    // Cut short: the full read decides.
    assert.equal(answerHasCname(reply.subarray(0, reply.length - 30)), true);
  });
});

describe('joinChased', () => {
  const withAlias = buildZoneIndex(
    addRecords(emptyRecordFile(), {
      ...parseRecordInput({ name: 'alias.example.com', type: 'CNAME', value: 'real.other.net' }),
      override: true,
    }).file,
  );
  const chased = (maxSize = 1232) => {
    const read = readQuery(
      packet.encode({
        type: 'query',
        id: 5,
        flags: packet.RECURSION_DESIRED,
        questions: [{ name: 'alias.example.com', type: 'A', class: 'IN' }],
      }),
    );
    if (read.kind !== 'query') throw new Error('unreadable');
    const decision = decide(withAlias, read.query, { forwardAll: false, recursion: true });
    if (decision.kind !== 'answer') throw new Error('not answered');
    const target = chaseTarget(withAlias, read.query, decision.response);
    assert.equal(target, 'real.other.net');
    const request: ForwardRequest = { ...read, rule: 'override', maxSize, chase: { target: target as string, local: decision.response } };
    return request;
  };
  const upstream = (rcode: number, answers: packet.Answer[], authorities: packet.Answer[] = []) =>
    packet.encode({
      type: 'response',
      id: 1,
      flags: packet.RECURSION_AVAILABLE | rcode,
      questions: [{ name: 'real.other.net', type: 'A', class: 'IN' }],
      answers,
      authorities,
    });
  type Joined = { rcode: string; flag_tc: boolean; answers: Array<{ type: string }>; authorities: Array<{ type: string }> };

  it('ends the chain with the upstream NXDOMAIN and its SOA (RFC 2308 §2.1)', () => {
    const soa = {
      type: 'SOA',
      name: 'other.net',
      ttl: 30,
      data: { mname: 'ns.other.net', rname: 'h.other.net', serial: 1, refresh: 1, retry: 1, expire: 1, minimum: 30 },
    } as packet.Answer;
    const joined = packet.decode(joinChased(chased(), upstream(3, [], [soa])) as Buffer) as unknown as Joined;
    assert.deepEqual(
      [joined.rcode, joined.answers.map((a) => a.type), joined.authorities.map((a) => a.type)],
      ['NXDOMAIN', ['CNAME'], ['SOA']],
    );
  });

  it('gives nothing to join for an upstream SERVFAIL, and TC=1 past the client size', () => {
    assert.equal(joinChased(chased(), upstream(2, [])), undefined);
    const many = Array.from(
      { length: 60 },
      (_, i) => ({ type: 'A', name: 'real.other.net', ttl: 60, data: `192.0.2.${i}` }) as packet.Answer,
    );
    const cut = packet.decode(joinChased(chased(512), upstream(0, many)) as Buffer) as unknown as Joined;
    assert.deepEqual([cut.flag_tc, cut.answers.length], [true, 0]);
  });

  it("is asked for from an override, whatever zones the chain crosses, and never in devdns's own zones", () => {
    const own = buildZoneIndex(
      addRecords(addRecords(emptyRecordFile(), parseRecordInput({ name: 'a.test', type: 'CNAME', value: 'real.other.net' })).file, {
        ...parseRecordInput({ name: 'b.example.com', type: 'CNAME', value: 'a.test' }),
        override: true,
      }).file,
    );
    for (const name of ['a.test', 'b.example.com']) {
      const read = readQuery(packet.encode({ type: 'query', id: 5, questions: [{ name, type: 'A', class: 'IN' }] }));
      if (read.kind !== 'query') throw new Error('unreadable');
      const decision = decide(own, read.query, { forwardAll: false, recursion: true });
      assert.ok(decision.kind === 'answer');
      assert.equal(chaseTarget(own, read.query, decision.response), name === 'a.test' ? undefined : 'real.other.net', name);
    }
  });
});

describe('existingNameNodata', () => {
  const overridden = buildZoneIndex(
    addRecords(
      addRecords(emptyRecordFile(), { ...parseRecordInput({ name: 'new.example.com', value: '127.0.0.1' }), override: true }).file,
      parseRecordInput({ name: 'x.deep.new.example.com', value: '127.0.0.2' }),
    ).file,
  );
  const nxdomain = (name: string, answers: packet.Answer[] = []) => {
    const read = readQuery(packet.encode({ type: 'query', id: 5, questions: [{ name, type: 'MX', class: 'IN' }] }));
    if (read.kind !== 'query') throw new Error('unreadable');
    const reply = packet.encode({ type: 'response', id: 5, flags: 3, questions: [{ name, type: 'MX', class: 'IN' }], answers });
    const fixed = existingNameNodata(overridden, read.query, reply);
    return fixed === undefined ? undefined : (packet.decode(fixed) as unknown as { rcode: string }).rcode;
  };

  it('makes an NXDOMAIN NODATA for an overridden name and an empty non-terminal above its records (RFC 8020)', () => {
    assert.equal(nxdomain('NEW.example.com'), 'NOERROR');
    assert.equal(nxdomain('deep.new.example.com'), 'NOERROR');
  });

  it('leaves it for a name devdns holds nothing at, and for a CNAME target that does not exist', () => {
    assert.equal(nxdomain('other.new.example.com'), undefined);
    const chain = { type: 'CNAME', name: 'new.example.com', ttl: 60, data: 'gone.example.net' } as packet.Answer;
    assert.equal(nxdomain('new.example.com', [chain]), undefined);
  });
});
