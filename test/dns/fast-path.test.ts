// The fast path (cached, patched replies) gives exactly the bytes of the full path, for every
// question in a generated set: names, types, letter case, EDNS sizes and versions, DO, RD, CD,
// UDP and TCP.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as packet from 'dns-packet';
import { Responder } from '../../src/dns/respond.js';
import { buildZoneIndex } from '../../src/dns/zone-index.js';
import { parseRecordInput } from '../../src/records/record-input.js';
import { addRecords } from '../../src/records/record-set.js';
import { emptyRecordFile } from '../../src/records/types.js';
import { zone } from '../helpers/dns.js';
import { FUZZ_SEED, GOOD, malformed, random } from '../helpers/fuzz.js';
import { ednsVariants, encode, index, mixCase, names, types } from '../helpers/question-set.js';
import { countingResponder, respondUncached } from '../helpers/responder.js';

describe('the fast path', () => {
  it("gives byte-for-byte the full path's reply for every question of the generated set", () => {
    const { responder, hits: levels } = countingResponder(index);
    let compared = 0;
    let hits = 0;
    for (const name of names) {
      for (const type of types) {
        for (const edns of ednsVariants) {
          for (const transport of ['udp', 'tcp'] as const) {
            // Warm the cache with another spelling, ID and flags of the same question.
            const warm = responder.respond(encode(mixCase(name, 1), type, edns, 1, packet.RECURSION_DESIRED), transport);
            for (const [seed, id, flags] of [
              [0, 4242, 0],
              [1, 65535, packet.RECURSION_DESIRED | packet.CHECKING_DISABLED],
            ] as const) {
              const query = encode(mixCase(name, seed), type, edns, id, flags);
              const fast = responder.respond(query, transport);
              const slow = respondUncached(index, query, transport);
              assert.ok(slow.reply, `${name} ${type}`);
              assert.deepEqual(fast.reply, slow.reply, `${name} ${type} edns=${JSON.stringify(edns)} ${transport} id=${id}`);
              if (fast.response === warm.response) hits++;
              compared++;
            }
          }
        }
      }
    }
    assert.ok(compared >= 1000, `${compared} questions compared`);
    // Every repeat of the warming bytes comes from the exact level; other spellings from the
    // question level, but for answers written uncompressed (SRV), which only the exact level keeps.
    assert.ok(hits > compared * 0.9, `${hits} of ${compared} came from the cache`);
    assert.equal(levels.exact, compared / 2);
    assert.ok(levels.byQuestion > (compared / 2) * 0.8, `${levels.byQuestion} from the question level`);
  });

  it('forgets cached replies when the records change', () => {
    const responder = new Responder(index);
    const query = encode('myapp.test', 'A', undefined, 7, 0);
    responder.respond(query, 'udp');
    assert.ok(responder.cachedReplies > 0);
    responder.setIndex(zone({ name: 'myapp.test', value: '10.9.9.9' }));
    assert.equal(responder.cachedReplies, 0);
    const reply = responder.respond(query, 'udp').reply;
    assert.ok(reply);
    assert.deepEqual(
      (packet.decode(reply).answers as Array<{ data: string }>).map((a) => a.data),
      ['10.9.9.9'],
    );
  });

  it('answers from the exact level only what reads the same: any other header or section goes the full path', () => {
    const { responder, hits } = countingResponder(index);
    const plain = encode('myapp.test', 'A', undefined, 7, packet.RECURSION_DESIRED);
    const withOpt = encode('myapp.test', 'A', { size: 1232, version: 0, do: false }, 7, 0);
    const variants: Array<[string, Buffer]> = [];
    const mutate = (name: string, base: Buffer, change: (bytes: Buffer) => void) => {
      const copy = Buffer.from(base);
      change(copy);
      variants.push([name, copy]);
    };
    for (const [label, base] of [
      ['plain', plain],
      ['EDNS', withOpt],
    ] as const) {
      mutate(`${label} as sent`, base, () => undefined);
      mutate(`${label} QR=1`, base, (b) => {
        b[2] = (b[2] ?? 0) | 0x80;
      });
      mutate(`${label} opcode 2`, base, (b) => {
        b[2] = (b[2] ?? 0) | 0x10;
      });
      mutate(`${label} opcode 5`, base, (b) => {
        b[2] = (b[2] ?? 0) | 0x28;
      });
      mutate(`${label} AA, TC, RA, Z, AD set`, base, (b) => {
        b[2] = (b[2] ?? 0) | 0x06;
        b[3] = (b[3] ?? 0) | 0xe0;
      });
      mutate(`${label} QDCOUNT 2`, base, (b) => b.writeUInt16BE(2, 4));
      mutate(`${label} QDCOUNT 0`, base, (b) => b.writeUInt16BE(0, 4));
      mutate(`${label} ANCOUNT 1`, base, (b) => b.writeUInt16BE(1, 6));
      mutate(`${label} NSCOUNT 1`, base, (b) => b.writeUInt16BE(1, 8));
      mutate(`${label} ARCOUNT + 1`, base, (b) => b.writeUInt16BE(b.readUInt16BE(10) + 1, 10));
      mutate(`${label} ARCOUNT + 256`, base, (b) => b.writeUInt16BE(b.readUInt16BE(10) + 256, 10));
      mutate(`${label} ID 0`, base, (b) => b.writeUInt16BE(0, 0));
      variants.push([`${label} with a byte after it`, Buffer.concat([base, Buffer.from([0])])]);
      variants.push([`${label} cut short`, base.subarray(0, base.length - 1)]);
    }
    // An OPT whose owner is not the root, in the same number of bytes as a sound one.
    mutate('OPT owned by a label', withOpt, (b) => {
      b[b.length - 11] = 0x41;
    });
    const cookie = packet.encode({
      type: 'query',
      id: 7,
      questions: [{ name: 'myapp.test', type: 'A', class: 'IN' }],
      additionals: [{ type: 'OPT', name: '.', udpPayloadSize: 1232, options: [{ code: 10, data: Buffer.alloc(8, 1) }] } as never],
    });
    variants.push(['EDNS with a cookie', cookie]);
    for (const transport of ['udp', 'tcp'] as const) {
      // Twice each: the first fills the cache, the second may come from it.
      for (const round of [1, 2]) {
        for (const [name, bytes] of variants) {
          const fast = responder.respond(bytes, transport);
          const slow = respondUncached(index, bytes, transport);
          assert.deepEqual(fast.reply, slow.reply, `${name} over ${transport}, round ${round}`);
          assert.equal(fast.dropped, slow.dropped, name);
        }
      }
    }
    assert.ok(hits.exact >= 8, `${hits.exact} from the exact level`);
  });

  it('answers the seeded stream of malformed datagrams exactly as the full path does, each sent twice', () => {
    const fuzzIndex = zone({ name: 'myapp.test' });
    const { responder, hits } = countingResponder(fuzzIndex);
    const next = random(FUZZ_SEED);
    for (let i = 0; i < 20_000; i++) {
      const datagram = i % 100 === 0 ? GOOD : malformed(next);
      const transport = i % 2 === 0 ? 'udp' : 'tcp';
      const slow = respondUncached(fuzzIndex, datagram, transport);
      for (const round of [1, 2]) {
        const fast = responder.respond(datagram, transport);
        if (!(fast.reply === undefined ? slow.reply === undefined : slow.reply !== undefined && fast.reply.equals(slow.reply))) {
          assert.fail(`datagram ${i} (${datagram.toString('hex')}) over ${transport}, round ${round}: the cache answered differently`);
        }
      }
    }
    assert.ok(hits.exact > 100, `${hits.exact} from the exact level`);
  });

  it('says whether an answer is an override zone’s, from either level of the cache as on the full path', () => {
    const file = [
      { name: 'api.example.com', value: '127.0.0.1', override: true },
      { name: 'api.example.com', type: 'TXT', value: 'mock' },
      { name: 'myapp.test' },
    ].reduce(
      (made, { override, ...input }) => addRecords(made, { ...parseRecordInput(input), override: override === true }).file,
      emptyRecordFile(),
    );
    const overrides = buildZoneIndex(file);
    const { responder, hits } = countingResponder(overrides);
    const questions: Array<[name: string, type: string, override: boolean]> = [
      ['api.example.com', 'A', true],
      ['api.example.com', 'TXT', true],
      ['myapp.test', 'A', false],
      ['nothing.test', 'A', false],
      ['test', 'SOA', false],
    ];
    for (const [name, type, override] of questions) {
      // The full path, the exact level (the same bytes), the question level (another spelling).
      for (const [spelling, id] of [
        [name, 1],
        [name, 2],
        [mixCase(name, 1), 3],
      ] as const) {
        const exchange = responder.respond(encode(spelling, type, { size: 1232, version: 0, do: false }, id, 0), 'udp');
        assert.ok(exchange.response, `${spelling} ${type} answered`);
        assert.equal(exchange.override, override, `${spelling} ${type}`);
        assert.equal(respondUncached(overrides, encode(spelling, type, undefined, id, 0), 'udp').override, override);
      }
    }
    assert.equal(hits.exact, questions.length);
    assert.equal(hits.byQuestion, questions.length);
    // The override ended: the cached answers go, and with them what they said.
    responder.setIndex(zone({ name: 'myapp.test' }));
    const ended = responder.respond(encode('api.example.com', 'A', { size: 1232, version: 0, do: false }, 4, 0), 'udp');
    assert.equal(ended.response?.rcode, 5);
    assert.equal(ended.override, false);
  });

  it('keeps the cache bounded', () => {
    const responder = new Responder(index, { maxEntries: 50 });
    for (let i = 0; i < 200; i++) responder.respond(encode(`n${i}.test`, 'A', undefined, i, 0), 'udp');
    assert.ok(responder.cachedReplies <= 50);
  });

  it('keeps the cache bounded in bytes: large TCP answers asked in every spelling', () => {
    // The largest RRset devdns keeps (MAX_RRSET_OCTETS, about 16 KiB), asked in 64 spellings.
    const large = zone(...Array.from({ length: 60 }, (_, i) => ({ name: 'big.test', value: `${i}${'x'.repeat(250)}`, type: 'TXT' })));
    const limit = 64 * 1024;
    const { responder, hits } = countingResponder(large, { maxEntries: 10_000, maxBytes: limit });
    let most = 0;
    for (let i = 0; i < 64; i++) {
      // Every case variant is another exact key for the same 15 KiB answer.
      const spelling = [...'big.test'].map((c, at) => ((i >> at) & 1 ? c.toUpperCase() : c)).join('');
      const exchange = responder.respond(encode(spelling, 'TXT', undefined, i, 0), 'tcp');
      assert.ok(exchange.reply && exchange.reply.length > 15_000);
      most = Math.max(most, responder.cachedBytes);
    }
    assert.ok(most <= limit, `${most} bytes cached`);
    assert.ok(hits.byQuestion > 0, 'the large answer is still served from the cache');
  });
});
