// The query reader: what it lets through, what it answers FORMERR, and what it drops unanswered.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as packet from 'dns-packet';
import { readQuery } from '../../src/dns/wire.js';
import { dnsHeader } from '../helpers/dns.js';

const header = dnsHeader;
const name = (...labels: string[]) =>
  Buffer.concat([...labels.map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l, 'latin1')])), Buffer.from([0])]);
const typeClass = (type = 1, klass = 1) => Buffer.from([type >> 8, type & 0xff, klass >> 8, klass & 0xff]);
const opt = (size = 1232, ttl = 0, rdata = Buffer.alloc(0)) => {
  const fixed = Buffer.alloc(11);
  fixed.writeUInt16BE(41, 1);
  fixed.writeUInt16BE(size, 3);
  fixed.writeUInt32BE(ttl, 5);
  fixed.writeUInt16BE(rdata.length, 9);
  return Buffer.concat([fixed, rdata]);
};
const plain = (...rest: Buffer[]) => Buffer.concat([header(7, 0x0100, 1, 0, 0, rest.length), name('MyApp', 'test'), typeClass(), ...rest]);

describe('readQuery', () => {
  it('reads a query from a real encoder', () => {
    const bytes = packet.encode({
      type: 'query',
      id: 99,
      flags: packet.RECURSION_DESIRED | packet.CHECKING_DISABLED,
      questions: [{ name: 'Shop.TEST', type: 'AAAA', class: 'IN' }],
      additionals: [
        { type: 'OPT', name: '.', udpPayloadSize: 4096, flags: packet.DNSSEC_OK, options: [{ code: 10, data: Buffer.alloc(8) }] } as never,
      ],
    });
    const read = readQuery(bytes);
    assert.equal(read.kind, 'query');
    assert.deepEqual(read.kind === 'query' && read.query, {
      id: 99,
      opcode: 0,
      recursionDesired: true,
      checkingDisabled: true,
      question: { name: 'Shop.TEST', type: 28, class: 1 },
      questionCount: 1,
      edns: { udpSize: 4096, version: 0, dnssecOk: true },
      malformed: undefined,
    });
  });

  it('keeps a label with a dot as one label, its dot written \\046', () => {
    const read = readQuery(Buffer.concat([header(1, 0, 1), name('a.b', 'test'), typeClass()]));
    assert.ok(read.kind === 'query' && read.query.question?.name === 'a\\046b.test');
  });

  const drops: Array<[string, Buffer]> = [
    ['an empty datagram', Buffer.alloc(0)],
    ['11 bytes', Buffer.alloc(11)],
    ['a response (QR=1)', Buffer.concat([header(1, 0x8000, 1), name('a', 'test'), typeClass()])],
  ];
  for (const [title, bytes] of drops) {
    it(`drops ${title}`, () => assert.equal(readQuery(bytes).kind, 'drop'));
  }

  const malformed: Array<[string, Buffer, RegExp]> = [
    ['no question', header(1, 0, 0), /0 questions/],
    ['two questions', Buffer.concat([header(1, 0, 2), name('a', 'test'), typeClass(), name('b', 'test'), typeClass()]), /2 questions/],
    ['QDCOUNT 65535 with one question', Buffer.concat([header(1, 0, 65535), name('a', 'test'), typeClass()]), /65535 questions/],
    ['all counts 65535', header(1, 0, 65535, 65535, 65535, 65535), /65535 questions/],
    ['answers in a query', Buffer.concat([header(1, 0, 1, 1), name('a', 'test'), typeClass()]), /answer or authority/],
    ['ARCOUNT 65535', Buffer.concat([header(1, 0, 1, 0, 0, 65535), name('a', 'test'), typeClass()]), /65535 additional/],
    [
      'a label length of 64 (reserved bits 01)',
      Buffer.concat([header(1, 0, 1), Buffer.from([64]), Buffer.alloc(64, 97), Buffer.from([0]), typeClass()]),
      /reserved label type/,
    ],
    ['an extended label type 0x80', Buffer.concat([header(1, 0, 1), Buffer.from([0x80, 1, 0]), typeClass()]), /reserved label type/],
    ['a label running past the end', Buffer.concat([header(1, 0, 1), Buffer.from([20, 97, 97])]), /past the end/],
    ['a pointer to itself', Buffer.concat([header(1, 0, 1), Buffer.from([0xc0, 0x0c]), typeClass()]), /compression pointer/],
    ['a pointer beyond the end', Buffer.concat([header(1, 0, 1), Buffer.from([0xff, 0xff]), typeClass()]), /compression pointer/],
    [
      'a name over 255 octets',
      Buffer.concat([
        header(1, 0, 1),
        Buffer.concat(Array.from({ length: 130 }, () => Buffer.from([1, 97]))),
        Buffer.from([0]),
        typeClass(),
      ]),
      /over 255/,
    ],
    ['no root label', Buffer.concat([header(1, 0, 1), Buffer.from([1, 97])]), /past the end/],
    ['no type and class', Buffer.concat([header(1, 0, 1), name('a', 'test')]), /no type and class/],
    ['a short type and class', Buffer.concat([header(1, 0, 1), name('a', 'test'), Buffer.from([0, 1, 0])]), /no type and class/],
    [
      'an OPT longer than the message',
      (() => {
        const o = opt(1232, 0, Buffer.alloc(4));
        o.writeUInt16BE(100, 9);
        return plain(o);
      })(),
      /longer than the message/,
    ],
    ['an EDNS option whose length lies', plain(opt(1232, 0, Buffer.from([0, 10, 0, 9, 1, 2]))), /option is longer/],
    ['an EDNS option header cut short', plain(opt(1232, 0, Buffer.from([0, 10, 0]))), /cut short/],
    ['two OPT records', plain(opt(), opt()), /two OPT/],
    [
      'an OPT with a non-root owner',
      (() => {
        const o = Buffer.concat([name('x'), opt().subarray(1)]);
        return plain(o);
      })(),
      /not the root/,
    ],
    ['an additional record cut short', plain(Buffer.from([0, 0, 41])), /cut short/],
    ['bytes after the last record', Buffer.concat([plain(), Buffer.from([1, 2, 3])]), /bytes after/],
  ];
  for (const [title, bytes, reason] of malformed) {
    it(`marks ${title} malformed`, () => {
      const read = readQuery(bytes);
      assert.equal(read.kind, 'query');
      assert.match((read.kind === 'query' && read.query.malformed) || '', reason);
    });
  }

  it('reads a non-QUERY opcode without reading on', () => {
    const read = readQuery(Buffer.concat([header(1, 5 << 11, 1), name('a', 'test'), typeClass()]));
    assert.ok(read.kind === 'query' && read.query.opcode === 5 && read.query.question === undefined);
  });

  it('reads the EDNS version and DO bit', () => {
    const read = readQuery(plain(opt(512, (1 << 16) | 0x8000)));
    assert.deepEqual(read.kind === 'query' && read.query.edns, { udpSize: 512, version: 1, dnssecOk: true });
  });

  it('skips a TSIG-like record with a compressed owner without following the pointer', () => {
    const tsig = Buffer.concat([Buffer.from([0xc0, 0x0c, 0, 250, 0, 255, 0, 0, 0, 0, 0, 2, 1, 2])]);
    const read = readQuery(plain(tsig));
    assert.ok(read.kind === 'query' && read.query.malformed === undefined);
  });
});
