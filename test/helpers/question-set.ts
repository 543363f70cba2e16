// The generated set of questions that the fast path and the encoder are each compared over:
// names of every kind in one zone, every type, EDNS sizes and versions, DO.
import * as packet from 'dns-packet';
import { zone } from './dns.js';

export const index = zone(
  { name: 'myapp.test' },
  { name: 'www.myapp.test', value: 'myapp.test', type: 'CNAME' },
  { name: '*.shop.test', value: '127.0.0.2' },
  { name: 'shop.test', value: 'mail.shop.test', type: 'MX', priority: '10' },
  { name: 'mail.shop.test', value: '10.0.0.25' },
  { name: '_http._tcp.shop.test', value: 'web.shop.test', type: 'SRV', port: '8080' },
  { name: 'shop.test', value: '0 issue "letsencrypt.org"', type: 'CAA' },
  ...Array.from({ length: 5 }, (_, i) => ({ name: 'big.test', value: `${i}${'x'.repeat(200)}`, type: 'TXT' })),
  { name: 'sub.test', value: 'ns1.sub.test', type: 'NS' },
  { name: 'ns1.sub.test', value: '10.0.0.53' },
);

export const names = [
  'myapp.test',
  'www.myapp.test',
  'x.shop.test',
  'a.b.shop.test',
  'shop.test',
  'mail.shop.test',
  '_http._tcp.shop.test',
  'big.test',
  'nope.test',
  'host.sub.test',
  'test',
  'example.com',
];
export const types = ['A', 'AAAA', 'MX', 'TXT', 'SRV', 'CAA', 'NS', 'SOA', 'CNAME', 'ANY', 'UNKNOWN_65'] as const;
export const ednsVariants: Array<{ size: number; version: number; do: boolean } | undefined> = [
  undefined,
  { size: 512, version: 0, do: false },
  { size: 1232, version: 0, do: false },
  { size: 4096, version: 0, do: true },
  { size: 1232, version: 1, do: false },
];

/** Mixed case, deterministic: every other letter upper-cased. */
export const mixCase = (name: string, seed: number) => [...name].map((c, i) => ((i + seed) % 2 === 0 ? c.toUpperCase() : c)).join('');

export function encode(name: string, type: string, edns: (typeof ednsVariants)[number], id: number, flags: number): Buffer {
  const additionals = edns
    ? [{ type: 'OPT', name: '.', udpPayloadSize: edns.size, ednsVersion: edns.version, flags: edns.do ? packet.DNSSEC_OK : 0, options: [] }]
    : [];
  return packet.encode({
    type: 'query',
    id,
    flags,
    questions: [{ name, type: type as never, class: 'IN' }],
    additionals: additionals as never,
  });
}
