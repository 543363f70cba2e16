// An upstream's CNAME chain that leads into a name devdns answers itself (an override, or one of
// its own zones) must not bring the real site's address with it: `www.shop.example` -> CNAME
// `shop.example`, overridden, is answered with the chain up to `shop.example` and devdns's own
// answer there, whatever the upstream said next. And the other way round: a CNAME override whose
// target lies outside devdns (`api.example.com` CNAME `real.other.net`) is joined to the upstream's
// answer for the target, for a client devdns resolves for. Pure.
import { asciiLower, decide, MAX_CNAME_CHAIN, questionQuery } from '../dns/answer.js';
import { encodeResponse } from '../dns/encode.js';
import { EDNS_UDP_PAYLOAD, QTYPE, type Query, RCODE, type ResourceRecord, type Response } from '../dns/protocol.js';
import type { ForwardRequest } from '../dns/respond.js';
import { type ZoneIndex, zoneFor } from '../dns/zone-index.js';
import { type AnswerLine, answerHasCname, readAnswerLines } from './reply-facts.js';
import { FLAG, readMessage, type WireMessage, type WireRecord, writeMessage } from './reply-shape.js';

/**
 * The reply to send instead of `reply` when its chain enters devdns's names; undefined when it does
 * not. Called on every forwarded reply, cached ones included, so a reply with no CNAME in its
 * answer, or an index with no zones, is let through on a scan of the record types: only a chain
 * is read into text (`readLines`, given by tests that count the reads).
 */
export function spliceLocalAnswer(
  index: ZoneIndex,
  query: Query,
  reply: Uint8Array,
  maxSize: number,
  readLines: (reply: Uint8Array) => AnswerLine[] | undefined = readAnswerLines,
): Buffer | undefined {
  const question = query.question;
  if (question === undefined || question.type === QTYPE.CNAME || index.zones.length === 0 || !answerHasCname(reply)) return undefined;
  const lines = readLines(reply);
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

/**
 * The client's reply to a local answer whose chain leaves devdns (request.chase), joined with
 * `forwarded`, the reply to the chain's target: devdns's records first, then the upstream's
 * answer, its rcode and its negative SOA (RFC 1034 §4.3.2 step 3a; RFC 2308 §2.1 for a chain
 * that ends in NXDOMAIN). Not authoritative, as part of it is not devdns's; RA set. Undefined
 * when the upstream gave nothing to join (SERVFAIL, REFUSED): the local answer goes alone.
 */
export function joinChased(request: ForwardRequest, forwarded: Uint8Array): Buffer | undefined {
  const { chase, query } = request;
  if (chase === undefined) return undefined;
  const upstream = readMessage(forwarded);
  const rcode = upstream === undefined ? undefined : upstream.flags & 0x000f;
  if (upstream === undefined || (rcode !== RCODE.NOERROR && rcode !== RCODE.NXDOMAIN)) return undefined;
  const local = readMessage(encodeResponse({ ...chase.local, edns: undefined }, { maxSize: 65535 }).bytes);
  if (local === undefined) return undefined;
  const opt: WireRecord[] = query.edns
    ? [{ name: '', type: QTYPE.OPT, klass: EDNS_UDP_PAYLOAD, ttl: query.edns.dnssecOk ? 0x8000 : 0, rdata: [] }]
    : [];
  const flags = FLAG.QR | FLAG.RA | (query.recursionDesired ? FLAG.RD : 0) | (query.checkingDisabled ? FLAG.CD : 0) | (rcode as number);
  const joined: WireMessage = {
    id: query.id,
    flags,
    question: local.question,
    answer: [...local.answer, ...upstream.answer],
    authority: upstream.authority,
    additional: [...upstream.additional.filter((record) => record.type !== QTYPE.OPT), ...opt],
  };
  const whole = writeMessage(joined).bytes;
  if (whole.length <= request.maxSize) return whole;
  // Over the client's UDP size: TC=1 with the question alone, and the client asks over TCP.
  return writeMessage({ ...joined, flags: flags | FLAG.TC, answer: [], authority: [], additional: opt }).bytes;
}

/**
 * An upstream NXDOMAIN for a name devdns makes exist (an overridden name's other types, or an
 * empty non-terminal above its records) as NODATA instead: the name exists, and a resolver that
 * took the NXDOMAIN would hold every type of it, and every name below, as absent (RFC 8020),
 * devdns's own addresses there included. Only for a reply with no answer records, whose NXDOMAIN
 * is about the name asked and not a CNAME target's. Undefined when the reply stands as it is.
 */
export function existingNameNodata(index: ZoneIndex, query: Query, reply: Uint8Array): Buffer | undefined {
  const name = query.question && asciiLower(query.question.name);
  if (name === undefined || reply.length < 12 || ((reply[3] ?? 0) & 0x0f) !== RCODE.NXDOMAIN) return undefined;
  if (((reply[6] ?? 0) | (reply[7] ?? 0)) !== 0 || !index.existing.has(name)) return undefined;
  const zone = zoneFor(index, name);
  if (zone === undefined || !index.overrides.has(zone)) return undefined;
  const nodata = Buffer.from(reply);
  nodata[3] = ((nodata[3] ?? 0) & 0xf0) | RCODE.NOERROR;
  return nodata;
}
