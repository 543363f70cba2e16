// An upstream's CNAME chain that leads into a name devdns answers itself (an override, or one of
// its own zones) must not bring the real site's address with it: `www.shop.example` -> CNAME
// `shop.example`, overridden, is answered with the chain up to `shop.example` and devdns's own
// answer there, whatever the upstream said next. Pure.
import { asciiLower, decide, MAX_CNAME_CHAIN, questionQuery } from '../dns/answer.js';
import { encodeResponse } from '../dns/encode.js';
import { EDNS_UDP_PAYLOAD, QTYPE, type Query, RCODE, type ResourceRecord, type Response } from '../dns/protocol.js';
import { type ZoneIndex, zoneFor } from '../dns/zone-index.js';
import { readAnswerLines } from './reply-facts.js';

/** The reply to send instead of `reply` when its chain enters devdns's names; undefined when it does not. */
export function spliceLocalAnswer(index: ZoneIndex, query: Query, reply: Uint8Array, maxSize: number): Buffer | undefined {
  const question = query.question;
  if (question === undefined || question.type === QTYPE.CNAME) return undefined;
  const lines = readAnswerLines(reply);
  if (lines === undefined) return undefined;
  const chain: ResourceRecord[] = [];
  let name = asciiLower(question.name);
  for (const line of lines) {
    if (line.type !== QTYPE.CNAME || line.name !== name) continue;
    const target = line.data.replace(/\.$/, '');
    chain.push({ name: chain.length === 0 ? question.name : line.name, ttl: line.ttl, data: { type: 'CNAME', target } });
    if (zoneFor(index, target) !== undefined) {
      const local = decide(index, questionQuery(target, question.type));
      if (local.kind === 'answer' && local.response.rcode !== RCODE.REFUSED) return encoded(query, chain, local.response, maxSize);
    }
    // A chain devdns would follow no further than its own.
    if (chain.length > MAX_CNAME_CHAIN) return undefined;
    name = target;
  }
  return undefined;
}

function encoded(query: Query, chain: ResourceRecord[], local: Response, maxSize: number): Buffer {
  const response: Response = {
    ...local,
    id: query.id,
    recursionDesired: query.recursionDesired,
    checkingDisabled: query.checkingDisabled,
    question: query.question,
    authoritative: false,
    // A forwarded reply, as every other: devdns resolved it for the client.
    recursionAvailable: true,
    answer: [...chain, ...local.answer],
    edns: query.edns ? { udpSize: EDNS_UDP_PAYLOAD, dnssecOk: query.edns.dnssecOk } : undefined,
  };
  return encodeResponse(response, { maxSize }).bytes;
}
