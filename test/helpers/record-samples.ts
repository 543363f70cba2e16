// Record inputs the tests share.
import type { parseRecordInput } from '../../src/records/record-input.js';

/** Every type, with hard text in TXT. */
export const EVERY_TYPE: Array<Parameters<typeof parseRecordInput>[0]> = [
  { name: 'a.test' },
  { name: '*.shop.test', value: '127.0.0.3' },
  { name: 'www.a.test', type: 'CNAME', value: 'a.test' },
  { name: 'a.test', type: 'MX', value: 'mail.a.test', priority: 10 },
  { name: 'a.test', type: 'TXT', value: '"say \\"hi\\"" "semi; and ünïcode \\\\ back"' },
  { name: '_http._tcp.a.test', type: 'SRV', value: 'a.test', priority: 0, weight: 5, port: 8080 },
  { name: 'a.test', type: 'CAA', value: '0 issue "letsencrypt.org"' },
  { name: 'sub.a.test', type: 'NS', value: 'ns.other.example' },
  { name: '1.0.0.127.in-addr.arpa', type: 'PTR', value: 'a.test' },
];
