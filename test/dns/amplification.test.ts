// How much larger than its query a UDP reply may be (UDP_AMPLIFICATION in src/dns/respond.ts):
// the report's case (70 A records, a 37-byte query with EDNS 4096, answered with 1,157 bytes),
// the same from the reply cache, the full answer over TCP, and the worst case over a sweep of
// names, RRset sizes, EDNS sizes and query sizes.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as packet from 'dns-packet';
import { UDP_AMPLIFICATION, udpLimit } from '../../src/dns/respond.js';
import { zone } from '../helpers/dns.js';
import { countingResponder, respondUncached } from '../helpers/responder.js';

const seventy = Array.from({ length: 70 }, (_, i) => ({ name: 'big.test', value: `10.0.${i >> 8}.${i & 0xff}` }));

function query(name: string, edns: { size: number; padding?: number } | undefined): Buffer {
  const options = edns?.padding ? [{ code: 12, data: Buffer.alloc(edns.padding) }] : [];
  return packet.encode({
    type: 'query',
    id: 7,
    questions: [{ name, type: 'A', class: 'IN' }],
    additionals: (edns ? [{ type: 'OPT', name: '.', udpPayloadSize: edns.size, options }] : []) as never,
  });
}

describe('UDP amplification', () => {
  it('answers 70 A records to a 37-byte query with EDNS 4096 truncated over UDP, in full over TCP', () => {
    const index = zone(...seventy);
    const bytes = query('big.test', { size: 4096 });
    assert.equal(bytes.length, 37);
    const { responder: cached, hits } = countingResponder(index);
    for (const [how, reply] of [
      ['full path', respondUncached(index, bytes, 'udp').reply],
      ['cache, first', cached.respond(bytes, 'udp').reply],
      ['cache, second', cached.respond(bytes, 'udp').reply],
    ] as const) {
      assert.ok(reply);
      const ratio = reply.length / bytes.length;
      assert.ok(ratio <= 512 / 37, `${how}: ${reply.length} bytes, ${ratio.toFixed(1)}x`);
      const decoded = packet.decode(reply);
      assert.equal(decoded.flag_tc, true, how);
      assert.deepEqual(decoded.answers, [], how);
    }
    assert.ok(hits.exact > 0, 'the second came from the cache');
    const tcp = respondUncached(index, bytes, 'tcp').reply;
    assert.ok(tcp);
    const decoded = packet.decode(tcp);
    assert.equal(decoded.flag_tc, false);
    assert.equal(decoded.answers?.length, 70);
  });

  it('limits a UDP reply to the client size, 1232, and UDP_AMPLIFICATION x the query, never below 512', () => {
    const edns = (udpSize: number) => ({ udpSize, version: 0, dnssecOk: false });
    assert.equal(udpLimit(edns(4096), 37), 512);
    assert.equal(udpLimit(edns(4096), 100), 100 * UDP_AMPLIFICATION);
    assert.equal(udpLimit(edns(4096), 200), 1232);
    assert.equal(udpLimit(edns(700), 200), 700);
    assert.equal(udpLimit(undefined, 200), 512);
  });

  it('never sends more than 512 bytes for a 22-byte question, about 23x: the worst case', (t) => {
    let worst = { ratio: 0, what: '' };
    for (const name of ['test', 'a.test', 'big.test']) {
      for (let count = 1; count <= 80; count += 3) {
        const records = Array.from({ length: count }, (_, i) => ({ name, value: `10.1.${i >> 8}.${i & 0xff}` }));
        const index = zone(...records);
        for (const edns of [
          undefined,
          { size: 512 },
          { size: 1232 },
          { size: 4096 },
          { size: 65535 },
          { size: 4096, padding: 60 },
          { size: 4096, padding: 150 },
        ]) {
          const bytes = query(name, edns);
          const reply = respondUncached(index, bytes, 'udp').reply;
          assert.ok(reply);
          assert.ok(
            reply.length <= Math.max(512, UDP_AMPLIFICATION * bytes.length),
            `${name} x${count} ${JSON.stringify(edns)}: ${reply.length}`,
          );
          const ratio = reply.length / bytes.length;
          if (ratio > worst.ratio)
            worst = { ratio, what: `${reply.length} bytes for ${bytes.length} (${name}, ${count} A, ${JSON.stringify(edns)})` };
        }
      }
    }
    t.diagnostic(`worst: ${worst.ratio.toFixed(1)}x, ${worst.what}`);
    assert.ok(worst.ratio <= 512 / 22, worst.what);
    assert.ok(worst.ratio > 20, `the sweep reaches the bound: ${worst.what}`);
  });
});
