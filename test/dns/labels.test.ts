// Question labels holding octets no stored name can hold (a dot, NUL, a newline, a space, DEL,
// 0x80-0xff, a backslash): each label stays one label, as Knot and NSD treat them, so the name
// matches no record and no other name, and the answer is the one the rules give a name that does
// not exist (NXDOMAIN, a wildcard, a referral, REFUSED outside the zones), well-formed, with the
// question echoed byte for byte. Checked by an independent decoder (dns-packet), over UDP and TCP,
// through the full path and the reply cache.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as packet from 'dns-packet';
import { labelOctets, labelText } from '../../src/dns/name-text.js';
import { Responder } from '../../src/dns/respond.js';
import { readQuery } from '../../src/dns/wire.js';
import { dnsHeader, zone } from '../helpers/dns.js';
import { FUZZ_SEED, labelMutation, random } from '../helpers/fuzz.js';
import { respondUncached } from '../helpers/responder.js';

const index = zone(
  { name: 'myapp.test' },
  { name: '*.wild.test', value: '127.0.0.9' },
  { name: 'sub.test', value: 'ns1.sub.test', type: 'NS' },
  { name: 'ns1.sub.test', value: '10.0.0.53' },
  { name: '_x._tcp.srv.test', value: '1 2 3 web.srv.test', type: 'SRV' },
  { name: '*.srv.test', value: '1 2 3 web.srv.test', type: 'SRV' },
);

/** A query for the name made of these labels (octets as given), type A unless told, with EDNS. */
function query(labels: Array<string | Buffer>, type = 1): Buffer {
  const parts = [dnsHeader(0x1234, 0x0100, 1, 0, 0, 1)];
  for (const label of labels) {
    const octets = typeof label === 'string' ? Buffer.from(label, 'latin1') : label;
    parts.push(Buffer.from([octets.length]), octets);
  }
  parts.push(Buffer.from([0, type >> 8, type & 0xff, 0, 1]));
  parts.push(Buffer.from([0, 0, 41, 4, 208, 0, 0, 0, 0, 0, 0]));
  return Buffer.concat(parts);
}

/** The bad labels: each is one label on the wire. */
const odd: Array<[string, string | Buffer]> = [
  ['a dot', 'a.b'],
  ['two dots', 'a..b'],
  ['only a dot', '.'],
  ['a trailing dot', 'myapp.'],
  ['NUL', Buffer.from([0x61, 0x00, 0x62])],
  ['a newline before a name', '\nmyapp'],
  ['a space', ' myapp'],
  ['DEL', '\x7f'],
  ['0x80', Buffer.from([0x80])],
  ['0xff', Buffer.from([0xff, 0x61])],
  ['UTF-8 bytes', Buffer.from('é', 'utf8')],
  ['a backslash', 'a\\b'],
  ['a backslash and digits', '\\046'],
  ['mixed case and a dot', 'MyApp.Test'],
  ['a tab and upper case', 'My\tApp'],
  ['63 octets of dots', '.'.repeat(63)],
];

type Expect = { rcode: string; aa: boolean; answers: number; authority: string[] };
const nx: Expect = { rcode: 'NXDOMAIN', aa: true, answers: 0, authority: ['SOA'] };

/** Where the odd label goes, and what the rules give. */
const placements: Array<[string, (label: string | Buffer) => Array<string | Buffer>, Expect]> = [
  ['below a name that exists', (l) => [l, 'myapp', 'test'], nx],
  ['as the leftmost label of a zone', (l) => [l, 'test'], nx],
  ['in the middle of a name', (l) => ['www', l, 'test'], nx],
  ['under a wildcard', (l) => [l, 'wild', 'test'], { rcode: 'NOERROR', aa: true, answers: 1, authority: [] }],
  ['below a delegation', (l) => [l, 'sub', 'test'], { rcode: 'NOERROR', aa: false, answers: 0, authority: ['NS'] }],
  ['as the top-level label', (l) => ['myapp', l], { rcode: 'REFUSED', aa: false, answers: 0, authority: [] }],
];

interface Decoded {
  rcode: string;
  flag_aa: boolean;
  flag_tc: boolean;
  questions: Array<{ name: string }>;
  answers: Array<{ name: string; type: string }>;
  authorities: Array<{ type: string }>;
}

function check(title: string, bytes: Buffer, reply: Buffer | undefined, expect: Expect): void {
  assert.ok(reply, `${title}: a reply`);
  const read = readQuery(bytes);
  assert.ok(read.kind === 'query');
  const questionEnd = read.questionEnd;
  assert.deepEqual(reply.subarray(12, questionEnd), bytes.subarray(12, questionEnd), `${title}: the question echoed byte for byte`);
  const decoded = packet.decode(reply) as unknown as Decoded;
  assert.equal(decoded.rcode, expect.rcode, title);
  assert.equal(decoded.flag_aa, expect.aa, title);
  assert.equal(decoded.answers.length, expect.answers, title);
  assert.deepEqual(
    decoded.authorities.map((r) => r.type),
    expect.authority,
    title,
  );
  // An answer's owner is the question name itself (a synthesised wildcard answer), not another.
  for (const answer of decoded.answers) assert.equal(answer.name, decoded.questions[0]?.name, `${title}: the owner`);
}

describe('question labels that no stored name can hold', () => {
  const cached = new Responder(index);
  for (const [label, bytesOf] of odd) {
    for (const [where, place, expect] of placements) {
      it(`${label}, ${where}`, () => {
        const bytes = query(place(bytesOf));
        for (const transport of ['udp', 'tcp'] as const) {
          check(`${transport} full path`, bytes, respondUncached(index, bytes, transport).reply, expect);
          // Twice through the cache: the first fills it, the second is served from it.
          check(`${transport} cache, first`, bytes, cached.respond(bytes, transport).reply, expect);
          check(`${transport} cache, second`, bytes, cached.respond(bytes, transport).reply, expect);
        }
      });
    }
  }

  it('does not take a label "\\nmyapp" for myapp, nor a label "myapp.test" for myapp.test', () => {
    for (const labels of [['\nmyapp', 'test'], ['myapp.test'], ['\nmyapp.test'], ['myapp\n', 'test'], ['myapp', 'test\0']]) {
      const reply = respondUncached(index, query(labels), 'udp').reply;
      assert.ok(reply);
      const decoded = packet.decode(reply) as unknown as Decoded;
      assert.deepEqual(decoded.answers, [], JSON.stringify(labels));
    }
  });

  it('answers a wildcard SRV for a dotted label uncompressed and readable', () => {
    const bytes = query(['a.b', 'srv', 'test'], 33);
    const reply = respondUncached(index, bytes, 'udp').reply;
    check('SRV', bytes, reply, { rcode: 'NOERROR', aa: true, answers: 1, authority: [] });
  });

  it('reads names in letters, digits, "-", "_" and "*" as they are', () => {
    for (const labels of [
      ['MyApp', 'TEST'],
      ['_x', '_tcp', 'srv', 'test'],
      ['*', 'wild', 'test'],
      ['a-b', 'test'],
    ]) {
      const read = readQuery(query(labels));
      assert.ok(read.kind === 'query');
      assert.equal(read.query.question?.name, labels.join('.'));
    }
  });

  it('writes every other octet \\DDD, and reads it back', () => {
    const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    for (let start = 0; start < 256; start += 63) {
      const label = all.subarray(start, Math.min(start + 63, 256));
      const text = labelText(label, 0, label.length);
      assert.doesNotMatch(text, /[^A-Za-z0-9_*\\-]/);
      assert.deepEqual(Buffer.from(labelOctets(text)), label);
    }
    assert.equal(labelText(Buffer.from('a.b\n'), 0, 4), 'a\\046b\\010');
  });

  it(`answers 20000 label mutations of a good query (seed ${FUZZ_SEED}) well-formed, and only myapp.test with its address`, () => {
    const next = random(FUZZ_SEED);
    const responder = new Responder(index);
    for (let i = 0; i < 20_000; i++) {
      const bytes = labelMutation(next);
      const transport = i % 2 === 0 ? 'udp' : 'tcp';
      const reply = responder.respond(bytes, transport).reply;
      assert.ok(reply, `datagram ${bytes.toString('hex')}: a reply`);
      const name = bytes.subarray(13, 23).toString('latin1').toLowerCase();
      let decoded: Decoded;
      try {
        decoded = packet.decode(reply) as unknown as Decoded;
      } catch (error) {
        assert.fail(`datagram ${bytes.toString('hex')}: reply ${reply.toString('hex')} does not parse: ${(error as Error).message}`);
      }
      assert.deepEqual(reply.subarray(12, 27), bytes.subarray(12, 27), `datagram ${bytes.toString('hex')}: the question echoed`);
      const expected = name === 'myapp\x04test' ? 1 : 0;
      assert.equal(decoded.answers.length, expected, `datagram ${bytes.toString('hex')}`);
    }
  });
});
