// answerQuery(index, query) -> response: every answering rule of an authoritative server, with no
// sockets, files or clocks. The rules, in order (DESIGN.md section 4):
//   opcode other than QUERY -> NOTIMP; malformed or not one question -> FORMERR; EDNS version > 0
//   -> BADVERS; a class other than IN, or a zone transfer -> REFUSED; outside our zones -> REFUSED;
//   below a delegation -> a referral; the name with the type -> the RRset; a CNAME -> it and the
//   chase of its target; the name without the type, or an empty non-terminal -> NODATA; else the
//   closest encloser's wildcard; else NXDOMAIN. Negative answers carry the zone's SOA.
import { recordKind, targetName } from '../records/record-types.js';
import { RECORD_TYPES } from '../records/types.js';
import {
  CLASS_IN,
  EDNS_UDP_PAYLOAD,
  OPCODE_QUERY,
  QTYPE,
  type Query,
  type Question,
  RCODE,
  type ResourceRecord,
  type Response,
} from './protocol.js';
import { type Node, rrsetAt, type ZoneIndex, zoneFor } from './zone-index.js';

/** CNAME chains longer than this are answered SERVFAIL (RFC 1034 §3.6.2 asks for a bound). */
export const MAX_CNAME_CHAIN = 8;

/** RRset preference for the one RRset a minimal ANY answer gives (RFC 8482 §4.1): the table's, then SOA. */
const ANY_ORDER = [
  ...[...RECORD_TYPES].sort((a, b) => recordKind(a).anyRank - recordKind(b).anyRank).map((type) => recordKind(type).code),
  QTYPE.SOA,
];

/** Query types that are not data: answered without a lookup. */
const META_TYPES: ReadonlyMap<number, number> = new Map([
  [0, RCODE.FORMERR], // reserved
  [QTYPE.OPT, RCODE.FORMERR], // a pseudo-record, never a question (RFC 6891 §6.1.1)
  [249, RCODE.FORMERR], // TKEY
  [250, RCODE.FORMERR], // TSIG
  [QTYPE.IXFR, RCODE.REFUSED], // zone transfers are not offered (RFC 5936 §4.2)
  [QTYPE.AXFR, RCODE.REFUSED],
  [253, RCODE.NOTIMP], // MAILB, obsolete
  [254, RCODE.NOTIMP], // MAILA, obsolete
]);

/** DNS names compare case-insensitively in ASCII only (RFC 4343). */
export function asciiLower(name: string): string {
  return /[A-Z]/.test(name) ? name.replace(/[A-Z]+/g, (letters) => letters.toLowerCase()) : name;
}

function emptyResponse(query: Query, rcode: number): Response {
  return {
    id: query.id,
    opcode: query.opcode,
    rcode,
    authoritative: false,
    recursionDesired: query.recursionDesired,
    checkingDisabled: query.checkingDisabled,
    question: query.question,
    answer: [],
    authority: [],
    additional: [],
    edns: query.edns ? { udpSize: EDNS_UDP_PAYLOAD, dnssecOk: query.edns.dnssecOk } : undefined,
    matches: [],
  };
}

/** One question, IN class, as a plain query without EDNS. */
export function questionQuery(name: string, type: number): Query {
  return {
    id: 0,
    opcode: OPCODE_QUERY,
    recursionDesired: false,
    checkingDisabled: false,
    question: { name, type, class: CLASS_IN },
    questionCount: 1,
    edns: undefined,
    malformed: undefined,
  };
}

/** The answer to one question, IN class, as a plain query without EDNS gets it: for `devdns resolve` and checks of the records. */
export function answerQuestion(index: ZoneIndex, name: string, type: number): Response {
  return answerQuery(index, questionQuery(name, type));
}

/** Where names outside devdns's own zones go (the `forward` setting). */
export interface AnswerPolicy {
  /** `forward all`: every name outside devdns's zones and overrides goes upstream; else those are REFUSED. */
  forwardAll: boolean;
  /**
   * Domains the OS still sends to devdns though no zone holds them: the route of an override that
   * ended before setup ran again. Their names are forwarded, so the real name keeps resolving.
   */
  routed?: readonly string[];
  /**
   * Forwarding is set up, so an override's other types and names are resolved for the client:
   * answers in an override zone say RA=1, the local ones as the forwarded ones, since a client
   * sees one server for the name (RFC 1035 §4.1.1). devdns's own zones are authoritative only:
   * RA=0 there, as before.
   */
  recursion?: boolean;
}

/**
 * Why a question goes upstream: a type or name an override leaves to the real servers, a name
 * outside every zone under `forward all`, or a name an ended override's route still sends here.
 */
export type ForwardRule = 'override' | 'all' | 'route';

/**
 * What to do with a query: answer it (from the records, or with an error), or forward it upstream.
 * `rule` says why it goes upstream: a type or name an override leaves to the real servers, or a
 * name outside every zone under `forward all`.
 */
export type Decision =
  | {
      kind: 'answer';
      response: Response;
      /** The question's name lies in an override zone: the answer is an override's, as the log says. */
      override: boolean;
    }
  | { kind: 'forward'; question: Question; rule: ForwardRule };

/**
 * At an overridden name, the types answered here whatever records the name has: the address
 * types, and HTTPS and SVCB, whose address hints would lead a browser to the real
 * site (answered NODATA, as devdns holds none).
 */
const OVERRIDE_TYPES: ReadonlySet<number> = new Set([QTYPE.A, QTYPE.AAAA, QTYPE.SVCB, QTYPE.HTTPS, QTYPE.ANY]);

const NO_FORWARDING: AnswerPolicy = { forwardAll: false };

/**
 * The answering rules of DESIGN.md section 10, as far as they exist: the records and overrides,
 * then forwarding where the policy says, then REFUSED. Pure.
 */
export function decide(index: ZoneIndex, query: Query, policy: AnswerPolicy = NO_FORWARDING): Decision {
  const response = answerOrForward(index, query, policy);
  if (response !== undefined) {
    const name = query.question && asciiLower(query.question.name);
    const zone = name === undefined ? undefined : zoneFor(index, name);
    const override = zone !== undefined && index.overrides.has(zone);
    if (policy.recursion === true && override) response.recursionAvailable = true;
    return { kind: 'answer', response, override };
  }
  const question = query.question as Question;
  const name = asciiLower(question.name);
  const rule = zoneFor(index, name) !== undefined ? 'override' : policy.forwardAll ? 'all' : 'route';
  return { kind: 'forward', question, rule };
}

/** Whether `name` is at or under one of the routed domains. */
const isRouted = (name: string, routed: readonly string[] | undefined): boolean =>
  routed?.some((domain) => name === domain || name.endsWith(`.${domain}`)) === true;

/**
 * What answers `name` in the override zone `zone`, by RFC 4592's rules as devdns's own zones
 * follow them, and the override rule that devdns answers only where it holds something:
 * - a name with records: its node.
 * - an empty non-terminal below the apex, made to exist by devdns's own records under it
 *   (`b.staging.example.com` when `a.b.staging.example.com` has records; RFC 8020): 'empty'. A
 *   wildcard above does not cover it, since it exists (RFC 4592 §2.2.2), so it has no address
 *   here: the override types are answered NODATA by devdns, not forwarded, as the real servers
 *   would give the real address (which the override is there to hide) or an NXDOMAIN that denies
 *   the names devdns serves below it (RFC 8020). Other types are forwarded, as at any name devdns
 *   overrides.
 * - a name that does not exist: its closest encloser's wildcard (RFC 4592 §3.3.1), so a name
 *   under an empty non-terminal is not the wildcard's above it; else nothing.
 * - the apex without records of its own (the zone of a wildcard): nothing.
 * Nothing means devdns holds nothing there, and the real servers answer every type.
 */
function overrideNode(index: ZoneIndex, name: string, zone: string): Node | 'empty' | undefined {
  const own = index.nodes.get(name);
  if (own !== undefined) return own;
  if (index.existing.has(name)) return name !== zone && (index.below.get(name) ?? 0) > 0 ? 'empty' : undefined;
  let encloser = name;
  while (encloser !== zone) {
    encloser = encloser.slice(encloser.indexOf('.') + 1);
    if (index.existing.has(encloser)) break;
  }
  return index.nodes.get(`*.${encloser}`);
}

/** Whether the override zone answers `type` at `name` itself, or leaves it to the real servers. */
function overrideAnswers(index: ZoneIndex, name: string, zone: string, type: number): boolean {
  const node = overrideNode(index, name, zone);
  if (node === undefined) return false;
  if (node === 'empty') return OVERRIDE_TYPES.has(type);
  return OVERRIDE_TYPES.has(type) || rrsetAt(node, type) !== undefined || rrsetAt(node, QTYPE.CNAME) !== undefined;
}

/**
 * Where a local answer in an override zone leaves off: the target of its last CNAME, when devdns
 * holds nothing there (a name outside its zones, or one an override leaves to the real servers).
 * A client's resolver would ask that name next; where devdns is that resolver (forwarding on, RD
 * set: the rule for RA above), the daemon asks it upstream and joins the chain (RFC 1034 §4.3.2
 * step 3a), so the client does not get the CNAME alone. Undefined for every other answer, and in
 * devdns's own zones, which are authoritative only. Pure.
 */
export function chaseTarget(index: ZoneIndex, query: Query, response: Response): string | undefined {
  const question = query.question;
  if (question === undefined || question.type === QTYPE.CNAME || question.type === QTYPE.ANY) return undefined;
  if (response.rcode !== RCODE.NOERROR) return undefined;
  const zone = zoneFor(index, asciiLower(question.name));
  if (zone === undefined || !index.overrides.has(zone)) return undefined;
  const last = response.answer[response.answer.length - 1];
  if (last === undefined || last.data.type !== 'CNAME') return undefined;
  const target = asciiLower(last.data.target);
  const targetZone = zoneFor(index, target);
  if (targetZone !== undefined && !(index.overrides.has(targetZone) && !overrideAnswers(index, target, targetZone, question.type)))
    return undefined;
  return target;
}

/**
 * The authoritative answer to a query, where nothing is forwarded: a question an override
 * leaves to the real servers is REFUSED, as for any name devdns does not answer.
 */
export function answerQuery(index: ZoneIndex, query: Query): Response {
  return answerOrForward(index, query, NO_FORWARDING) ?? { ...emptyResponse(query, RCODE.REFUSED) };
}

/** The answer to a query, or undefined when it is for an upstream. */
function answerOrForward(index: ZoneIndex, query: Query, policy: AnswerPolicy): Response | undefined {
  if (query.opcode !== OPCODE_QUERY) return { ...emptyResponse(query, RCODE.NOTIMP), question: undefined };
  const question = query.question;
  if (query.malformed !== undefined || question === undefined) {
    return emptyResponse(query, RCODE.FORMERR);
  }
  // RFC 6891 §6.1.3: a version we do not speak gets BADVERS, with our OPT saying version 0.
  if (query.edns && query.edns.version > 0) return emptyResponse(query, RCODE.BADVERS);
  if (question.class !== 1) return emptyResponse(query, RCODE.REFUSED);
  const meta = META_TYPES.get(question.type);
  if (meta !== undefined) return emptyResponse(query, meta);
  const response = emptyResponse(query, RCODE.NOERROR);
  const name = asciiLower(question.name);
  const zone = zoneFor(index, name);
  // Not ours: devdns is not a resolver and says so (RFC 5358), without AA; or the upstream's.
  if (zone === undefined) return policy.forwardAll || isRouted(name, policy.routed) ? undefined : { ...response, rcode: RCODE.REFUSED };
  if (index.overrides.has(zone) && !overrideAnswers(index, name, zone, question.type)) return undefined;
  response.authoritative = true;
  new Lookup(index, response, question).resolve(name, zone, question.name);
  return response;
}

/** One walk down the zone for a question, following CNAMEs; it fills `response`. */
class Lookup {
  private readonly visited = new Set<string>();

  constructor(
    private readonly index: ZoneIndex,
    private readonly response: Response,
    private readonly question: Question,
  ) {}

  /** `owner` is the name as it goes on the wire: the query's spelling for the first step. */
  resolve(name: string, zone: string, owner: string): void {
    const { index, response } = this;
    this.visited.add(name);
    const cut = this.cutAbove(name, zone);
    if (cut !== undefined) {
      // Below a delegation we know only the referral (RFC 1034 §4.3.2 step 3b); not authoritative.
      if (response.answer.length === 0) this.refer(cut);
      return;
    }
    const node = index.nodes.get(name);
    if (node) {
      this.answerFrom(node, zone, owner, { name, wildcard: false });
    } else if (index.existing.has(name)) {
      this.negative(zone, RCODE.NOERROR); // an empty non-terminal: NODATA (RFC 8020)
    } else {
      // RFC 4592 §3.3.1: only the closest encloser's wildcard may answer, and only for a name that does not exist.
      const source = `*.${this.closestEncloser(name, zone)}`;
      const wildcard = index.nodes.get(source);
      if (wildcard) this.answerFrom(wildcard, zone, owner, { name: source, wildcard: true });
      else this.negative(zone, RCODE.NXDOMAIN);
    }
  }

  private answerFrom(node: Node, zone: string, owner: string, source: Response['matches'][number]): void {
    const { response } = this;
    const type = this.question.type;
    const cname = rrsetAt(node, QTYPE.CNAME);
    const rrset = type === QTYPE.ANY ? ANY_ORDER.map((t) => rrsetAt(node, t)).find((set) => set !== undefined) : rrsetAt(node, type);
    if (cname && type !== QTYPE.CNAME && type !== QTYPE.ANY) {
      response.matches.push(source);
      this.add(cname, owner);
      this.chase(cname[0]?.data.type === 'CNAME' ? cname[0].data.target : '');
    } else if (rrset) {
      response.matches.push(source);
      this.add(rrset, owner);
      if (type !== QTYPE.ANY) response.additional.push(...this.additionalFor(rrset));
    } else {
      this.negative(zone, RCODE.NOERROR); // NODATA: the name exists with other types (RFC 2308 §2.2)
    }
  }

  /** Follows a CNAME to its target when the target is in one of our zones (RFC 1034 §4.3.2 step 3a). */
  private chase(target: string): void {
    if (this.visited.has(target) || this.visited.size > MAX_CNAME_CHAIN) {
      // A loop or a chain too long: no answer can be given (HOSTILE-INPUTS 31).
      Object.assign(this.response, { rcode: RCODE.SERVFAIL, answer: [], authority: [], additional: [], matches: [] });
      return;
    }
    const zone = zoneFor(this.index, target);
    // Into an override, only as far as devdns holds the target: the client's resolver asks the rest.
    if (zone === undefined || (this.index.overrides.has(zone) && !overrideAnswers(this.index, target, zone, this.question.type))) return;
    this.resolve(target, zone, target);
  }

  /** Adds an RRset under the owner as sent (synthesised wildcard answers take the query name). */
  private add(rrset: readonly ResourceRecord[], owner: string): void {
    for (const record of rrset) this.response.answer.push(owner === record.name ? record : { ...record, name: owner });
  }

  /** NODATA or NXDOMAIN: the rcode and the zone's SOA in authority (RFC 2308 §3). */
  private negative(zone: string, rcode: number): void {
    this.response.rcode = rcode;
    const soa = this.index.soa.get(zone);
    if (soa) this.response.authority.push(soa);
  }

  /** The longest existing ancestor of a name that does not exist (RFC 4592 §3.3.1). */
  private closestEncloser(name: string, zone: string): string {
    let candidate = name;
    while (candidate !== zone) {
      candidate = candidate.slice(candidate.indexOf('.') + 1);
      if (this.index.existing.has(candidate)) return candidate;
    }
    return zone;
  }

  /** The highest delegation at or above `name`, below the apex; none when the zone has no cuts. */
  private cutAbove(name: string, zone: string): string | undefined {
    if (this.index.cuts.size === 0) return undefined;
    const labels = name.split('.');
    const zoneLabels = zone.split('.').length;
    for (let i = labels.length - zoneLabels - 1; i >= 0; i--) {
      const candidate = labels.slice(i).join('.');
      if (this.index.cuts.has(candidate)) return candidate;
    }
    return undefined;
  }

  private refer(cut: string): void {
    const ns = rrsetAt(this.index.nodes.get(cut), QTYPE.NS) ?? [];
    this.response.authoritative = false;
    this.response.authority.push(...ns);
    this.response.additional.push(...this.additionalFor(ns, cut));
  }

  /**
   * Addresses of the names an answer points at (RFC 1035 §3.3.9, RFC 2782), when we hold them.
   * For a referral only glue: addresses at or below the cut.
   */
  private additionalFor(rrset: readonly ResourceRecord[], cut?: string): ResourceRecord[] {
    const extra: ResourceRecord[] = [];
    for (const { data } of rrset) {
      const target = data.type !== 'SOA' && recordKind(data.type).additional ? targetName(data) : undefined;
      if (target === undefined || (cut !== undefined && !(target === cut || target.endsWith(`.${cut}`)))) continue;
      const node = this.index.nodes.get(target);
      extra.push(...(rrsetAt(node, QTYPE.A) ?? []), ...(rrsetAt(node, QTYPE.AAAA) ?? []));
    }
    return extra;
  }
}
