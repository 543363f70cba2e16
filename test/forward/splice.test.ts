// A forwarded CNAME chain that enters an overridden name gets devdns's answer there, never the
// real site's address that came with it.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as packet from 'dns-packet';
import { readQuery } from '../../src/dns/wire.js';
import { buildZoneIndex } from '../../src/dns/zone-index.js';
import { spliceLocalAnswer } from '../../src/forward/splice.js';
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
});
