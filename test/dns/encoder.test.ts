// The encoder writes with ByteWriter exactly the bytes of dns2's own writer, for every question
// of the generated set, truncation included.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as packet from 'dns-packet';
import { answerQuery } from '../../src/dns/answer.js';
import { dns2Packet } from '../../src/dns/dns2-packet.js';
import { encodeResponse, encodeResponseWith } from '../../src/dns/encode.js';
import { udpLimit } from '../../src/dns/respond.js';
import { readQuery } from '../../src/dns/wire.js';
import { zone } from '../helpers/dns.js';
import { ednsVariants, encode, index, names, types } from '../helpers/question-set.js';

describe('the encoder', () => {
  it("writes with ByteWriter exactly the bytes of dns2's own writer, for every question of the set", () => {
    // Larger than any UDP limit, so truncation is compared too.
    const large = zone(...Array.from({ length: 30 }, (_, i) => ({ name: 'big.test', value: `${i}${'x'.repeat(250)}`, type: 'TXT' })));
    let compared = 0;
    for (const [records, questionNames] of [
      [index, [...names, 'a.b\\.c.test']],
      [large, ['big.test', 'BIG.test']],
    ] as const) {
      for (const name of questionNames) {
        for (const type of types) {
          for (const edns of ednsVariants) {
            const bytes = encode(name, type, edns, 99, packet.RECURSION_DESIRED);
            const read = readQuery(bytes);
            assert.equal(read.kind, 'query');
            if (read.kind !== 'query') continue;
            const response = answerQuery(records, read.query);
            for (const maxSize of [udpLimit(read.query.edns), 65535]) {
              const options = { maxSize };
              const ours = encodeResponse(response, options);
              const theirs = encodeResponseWith(response, options, () => new (dns2Packet().Writer)());
              assert.deepEqual(ours, theirs, `${name} ${type} edns=${JSON.stringify(edns)} max ${maxSize}`);
              compared++;
            }
          }
        }
      }
    }
    assert.ok(compared > 1000, `${compared} answers compared`);
  });
});
