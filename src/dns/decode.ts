// Reads the answers devdns gets back from itself (doctor's checks) with dns2's parser. Queries
// from the network are read by wire.ts instead, so dns2's parser never sees untrusted bytes.
import { dns2Packet } from './dns2-packet.js';
import { QTYPE } from './protocol.js';

/** The rcode and the A/AAAA addresses of an answer. */
export function readAddresses(bytes: Buffer): { id: number; rcode: number; addresses: string[] } {
  const parsed = dns2Packet().parse(bytes);
  const addresses = parsed.answers.filter((r) => r.type === QTYPE.A || r.type === QTYPE.AAAA).map((r) => r.address ?? '');
  return { id: parsed.header.id, rcode: parsed.header.rcode, addresses };
}
