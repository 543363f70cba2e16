// Whole exchanges in process: query bytes from an independent encoder (dns-packet), the reply
// decoded by it too. Checks what only the bytes show: flags, EDNS, truncation, the echoed question.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as packet from 'dns-packet';
import { udpLimit } from '../../src/dns/respond.js';
import { zone } from '../helpers/dns.js';
import { respondUncached } from '../helpers/responder.js';

const index = zone(
  { name: 'myapp.test' },
  { name: 'mapped.test', value: '::ffff:10.1.2.3' },
  ...Array.from({ length: 5 }, (_, i) => ({ name: 'big.test', value: `${String(i).repeat(200)}`, type: 'TXT' })),
  { name: 'shop.test', value: 'mail.shop.test', type: 'MX', priority: '10' },
  { name: 'shop.test', value: '0 issue "letsencrypt.org"', type: 'CAA' },
  { name: '_x._tcp.shop.test', value: '1 2 3 web.shop.test', type: 'SRV' },
);

/** What dns-packet's decoder returns, as far as these tests read it. */
interface Rr {
  name: string;
  type: string;
  ttl: number;
  data: unknown;
  [field: string]: unknown;
}
interface Decoded {
  id: number;
  type: string;
  rcode: string;
  flag_aa: boolean;
  flag_rd: boolean;
  flag_ra: boolean;
  flag_tc: boolean;
  questions: unknown[];
  answers: Rr[];
  authorities: Rr[];
  additionals: Rr[];
}
const decode = (bytes: Buffer) => packet.decode(bytes) as unknown as Decoded;

interface Ask {
  name: string;
  type?: string;
  edns?: { size: number; version?: number; do?: boolean; padding?: number } | false;
}
function ask({ name, type = 'A', edns = { size: 1232 } }: Ask, transport: 'udp' | 'tcp' = 'udp') {
  const additionals = edns
    ? [
        {
          type: 'OPT',
          name: '.',
          udpPayloadSize: edns.size,
          extendedRcode: 0,
          ednsVersion: edns.version ?? 0,
          flags: edns.do ? packet.DNSSEC_OK : 0,
          // RFC 7830 padding: a larger query, for the size a reply may take in proportion.
          options: edns.padding ? [{ code: 12, data: Buffer.alloc(edns.padding) }] : [],
        },
      ]
    : [];
  const bytes = packet.encode({
    type: 'query',
    id: 777,
    flags: packet.RECURSION_DESIRED,
    questions: [{ name, type: type as never, class: 'IN' }],
    additionals: additionals as never,
  });
  const exchange = respondUncached(index, bytes, transport);
  assert.ok(exchange.reply, 'a reply');
  return { bytes: exchange.reply, decoded: decode(exchange.reply) };
}

describe('respond', () => {
  it('answers with AA, the ID, RD echoed, RA clear, and the question as asked', () => {
    const { decoded } = ask({ name: 'MyApp.Test' });
    assert.equal(decoded.id, 777);
    assert.equal(decoded.type, 'response');
    assert.equal(decoded.flag_aa, true);
    assert.equal(decoded.flag_rd, true);
    assert.equal(decoded.flag_ra, false);
    assert.deepEqual(decoded.questions, [{ name: 'MyApp.Test', type: 'A', class: 'IN' }]);
    assert.deepEqual(
      decoded.answers?.map((a) => [a.name.toLowerCase(), a.type, a.ttl, a.data]),
      [['myapp.test', 'A', 5, '127.0.0.1']],
    );
  });

  it('encodes every record type so that another decoder reads it back', () => {
    assert.deepEqual(ask({ name: 'myapp.test', type: 'AAAA' }).decoded.answers?.[0]?.data, '::1');
    assert.deepEqual(ask({ name: 'mapped.test', type: 'AAAA' }).decoded.answers?.[0]?.data, '::ffff:a01:203');
    assert.deepEqual(ask({ name: 'shop.test', type: 'MX' }).decoded.answers?.[0]?.data, { preference: 10, exchange: 'mail.shop.test' });
    assert.deepEqual(ask({ name: 'shop.test', type: 'CAA' }).decoded.answers?.[0]?.data, {
      flags: 0,
      tag: 'issue',
      value: 'letsencrypt.org',
      issuerCritical: false,
    });
    assert.deepEqual(ask({ name: '_x._tcp.shop.test', type: 'SRV' }).decoded.answers?.[0]?.data, {
      priority: 1,
      weight: 2,
      port: 3,
      target: 'web.shop.test',
    });
    const soa = ask({ name: 'nope.test' }).decoded;
    assert.equal(soa.rcode, 'NXDOMAIN');
    assert.deepEqual(soa.authorities?.[0]?.data, {
      mname: 'localhost',
      rname: 'hostmaster.test',
      serial: 2026112601,
      refresh: 3600,
      retry: 600,
      expire: 86400,
      minimum: 5,
    });
  });

  it('echoes an OPT with 1232 and copies DO; none without EDNS', () => {
    const withEdns = ask({ name: 'myapp.test', edns: { size: 4096, do: true } }).decoded;
    const opt = withEdns.additionals?.find((r) => r.type === 'OPT') as { udpPayloadSize: number; flags: number } | undefined;
    assert.equal(opt?.udpPayloadSize, 1232);
    assert.equal((opt?.flags ?? 0) & packet.DNSSEC_OK, packet.DNSSEC_OK);
    assert.deepEqual(ask({ name: 'myapp.test', edns: false }).decoded.additionals, []);
  });

  it('answers EDNS version 1 with BADVERS: rcode 16 split between header and OPT', () => {
    const { bytes, decoded } = ask({ name: 'myapp.test', edns: { size: 1232, version: 1 } });
    assert.equal(bytes.readUInt16BE(2) & 0xf, 0, 'the header holds the low bits, 0');
    const opt = decoded.additionals?.find((r) => r.type === 'OPT') as { extendedRcode: number; ednsVersion: number } | undefined;
    assert.equal(opt?.extendedRcode, 1, '16 >> 4');
    assert.equal(opt?.ednsVersion, 0);
  });

  it('truncates over the UDP limit: TC, no partial RRset; TCP gets it all', () => {
    for (const edns of [false, { size: 512 }, { size: 100 }] as const) {
      const { bytes, decoded } = ask({ name: 'big.test', type: 'TXT', edns });
      assert.ok(bytes.length <= 512, `${bytes.length} bytes`);
      assert.equal(decoded.flag_tc, true);
      assert.deepEqual(decoded.answers, []);
    }
    // 1,100 bytes for a 37-byte query is more than UDP_AMPLIFICATION allows: TC, and TCP.
    const amplified = ask({ name: 'big.test', type: 'TXT', edns: { size: 1232 } });
    assert.equal(amplified.decoded.flag_tc, true);
    const fits = ask({ name: 'big.test', type: 'TXT', edns: { size: 1232, padding: 100 } });
    assert.equal(fits.decoded.flag_tc, false);
    assert.equal(fits.decoded.answers?.length, 5);
    const tcp = ask({ name: 'big.test', type: 'TXT', edns: false }, 'tcp');
    assert.equal(tcp.decoded.flag_tc, false);
    assert.equal(tcp.decoded.answers?.length, 5);
  });

  it('clamps the client UDP size to 512..1232', () => {
    assert.equal(udpLimit(undefined), 512);
    assert.equal(udpLimit({ udpSize: 0, version: 0, dnssecOk: false }), 512);
    assert.equal(udpLimit({ udpSize: 1000, version: 0, dnssecOk: false }), 1000);
    assert.equal(udpLimit({ udpSize: 65535, version: 0, dnssecOk: false }), 1232);
  });

  it('echoes a question whose label holds a dot byte for byte', () => {
    const query = Buffer.from('000a0100000100000000000003612e6204746573740000010001', 'hex');
    const exchange = respondUncached(index, query, 'udp');
    assert.ok(exchange.reply);
    assert.deepEqual(exchange.reply.subarray(12, query.length), query.subarray(12));
    assert.equal(decode(exchange.reply).rcode, 'NXDOMAIN');
  });

  it('never answers a response, and answers FORMERR with the ID for a broken query', () => {
    const response = packet.encode({ type: 'response', id: 1, questions: [{ name: 'myapp.test', type: 'A', class: 'IN' }] });
    assert.equal(respondUncached(index, response, 'udp').reply, undefined);
    const broken = Buffer.from('abcd0000ffffffffffffffff', 'hex');
    const reply = respondUncached(index, broken, 'udp').reply;
    assert.ok(reply);
    assert.equal(reply.readUInt16BE(0), 0xabcd);
    assert.equal(reply.readUInt16BE(2) & 0x800f, 0x8001, 'QR and FORMERR');
  });
});
