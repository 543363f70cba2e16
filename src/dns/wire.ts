// Reads a DNS query from its bytes, bounded at every step, before any library parser sees it.
// Only plain queries get through: a header that is sane, one question whose name is walked
// label by label (a pointer there can only point backwards, so it is refused), and at most an
// OPT record and one other in the additional section. Everything else is dropped (responses,
// runts) or marked malformed (FORMERR). Pure: bytes in, a Query out.
import { labelText } from './name-text.js';
import { type EdnsInfo, OPCODE_QUERY, QTYPE, type Query } from './protocol.js';

export type ReadResult =
  | { kind: 'drop'; reason: string }
  | {
      kind: 'query';
      query: Query;
      /** Where the question section ends: bytes 12..questionEnd are the question as sent. */
      questionEnd: number;
    };

const HEADER_BYTES = 12;
const MAX_NAME_OCTETS = 255;

class Malformed extends Error {}

/**
 * The question name as text: labels joined by dots, an octet that is not a letter, digit, "-",
 * "_" or "*" written `\DDD` (name-text.ts), so a label holding a dot or a control byte stays one
 * label that matches nothing, rather than becoming other labels or another name.
 */
function readQuestionName(bytes: Uint8Array, start: number): { name: string; end: number } {
  const labels: string[] = [];
  let offset = start;
  let octets = 1;
  for (;;) {
    const length = bytes[offset];
    if (length === undefined) throw new Malformed('the question name runs past the end');
    if (length === 0) return { name: labels.join('.'), end: offset + 1 };
    // 0xC0 is a compression pointer; 0x40 and 0x80 are reserved label types (RFC 6891 §5).
    if (length & 0xc0) throw new Malformed(length >= 0xc0 ? 'a compression pointer in the question' : 'a reserved label type');
    octets += length + 1;
    if (octets > MAX_NAME_OCTETS) throw new Malformed('the question name is over 255 octets');
    if (offset + 1 + length > bytes.length) throw new Malformed('a label runs past the end');
    labels.push(labelText(bytes, offset + 1, offset + 1 + length));
    offset += length + 1;
  }
}

/**
 * The question of a message (a response too): its name as readQuery reads it, type and class;
 * undefined when the message holds no well-formed question at its head.
 */
export function readQuestion(bytes: Uint8Array): { name: string; type: number; class: number } | undefined {
  try {
    const name = readQuestionName(bytes, HEADER_BYTES);
    if (name.end + 4 > bytes.length) return undefined;
    return { name: name.name, type: u16(bytes, name.end), class: u16(bytes, name.end + 2) };
  } catch (error) {
    if (error instanceof Malformed) return undefined;
    throw error;
  }
}

/** Skips an owner name in the additional section without following pointers. */
function skipName(bytes: Uint8Array, start: number): { end: number; root: boolean } {
  let offset = start;
  for (let labels = 0; labels < 128; labels++) {
    const length = bytes[offset];
    if (length === undefined) throw new Malformed('a record name runs past the end');
    if (length === 0) return { end: offset + 1, root: offset === start };
    if ((length & 0xc0) === 0xc0) return { end: offset + 2, root: false };
    if (length & 0xc0) throw new Malformed('a reserved label type');
    offset += length + 1;
  }
  throw new Malformed('a record name has too many labels');
}

const u16 = (bytes: Uint8Array, at: number): number => ((bytes[at] ?? 0) << 8) | (bytes[at + 1] ?? 0);

/** Reads the additional section: at most one OPT (RFC 6891 §6.1.1) and one other record. */
function readAdditional(bytes: Uint8Array, start: number, count: number): { edns: EdnsInfo | undefined; end: number } {
  let offset = start;
  let edns: EdnsInfo | undefined;
  for (let i = 0; i < count; i++) {
    const owner = skipName(bytes, offset);
    offset = owner.end;
    if (offset + 10 > bytes.length) throw new Malformed('an additional record is cut short');
    const type = u16(bytes, offset);
    const klass = u16(bytes, offset + 2);
    const ttlHigh = u16(bytes, offset + 4);
    const ttlLow = u16(bytes, offset + 6);
    const rdlength = u16(bytes, offset + 8);
    offset += 10;
    if (offset + rdlength > bytes.length) throw new Malformed('an additional record is longer than the message');
    if (type === QTYPE.OPT) {
      if (edns) throw new Malformed('two OPT records');
      if (!owner.root) throw new Malformed('an OPT record whose owner is not the root');
      checkOptions(bytes, offset, rdlength);
      edns = { udpSize: klass, version: ttlHigh & 0xff, dnssecOk: (ttlLow & 0x8000) !== 0 };
    }
    offset += rdlength;
  }
  return { edns, end: offset };
}

/** EDNS options are code, length, data; the lengths must add up to the record's (RFC 6891 §6.1.2). */
function checkOptions(bytes: Uint8Array, start: number, rdlength: number): void {
  let offset = start;
  const end = start + rdlength;
  while (offset < end) {
    if (offset + 4 > end) throw new Malformed('an EDNS option header is cut short');
    offset += 4 + u16(bytes, offset + 2);
    if (offset > end) throw new Malformed('an EDNS option is longer than its record');
  }
}

export function readQuery(bytes: Uint8Array): ReadResult {
  if (bytes.length < HEADER_BYTES) return { kind: 'drop', reason: 'shorter than a DNS header' };
  const flags = u16(bytes, 2);
  // A response sent to us is never answered: that way lie loops and reflection (RFC 5358).
  if (flags & 0x8000) return { kind: 'drop', reason: 'a response (QR=1)' };
  const questionCount = u16(bytes, 4);
  const query: Query = {
    id: u16(bytes, 0),
    opcode: (flags >> 11) & 0xf,
    recursionDesired: (flags & 0x0100) !== 0,
    checkingDisabled: (flags & 0x0010) !== 0,
    question: undefined,
    questionCount,
    edns: undefined,
    malformed: undefined,
  };
  let questionEnd = HEADER_BYTES;
  try {
    if (query.opcode !== OPCODE_QUERY) throw new Malformed('not a standard query');
    // RFC 9619: exactly one question. Never allocate from the counts.
    if (questionCount !== 1) throw new Malformed(`${questionCount} questions`);
    if (u16(bytes, 6) !== 0 || u16(bytes, 8) !== 0) throw new Malformed('a query with answer or authority records');
    const additionalCount = u16(bytes, 10);
    if (additionalCount > 2) throw new Malformed(`${additionalCount} additional records`);
    const name = readQuestionName(bytes, HEADER_BYTES);
    if (name.end + 4 > bytes.length) throw new Malformed('the question has no type and class');
    query.question = { name: name.name, type: u16(bytes, name.end), class: u16(bytes, name.end + 2) };
    questionEnd = name.end + 4;
    const additional = readAdditional(bytes, questionEnd, additionalCount);
    query.edns = additional.edns;
    if (additional.end !== bytes.length) throw new Malformed('bytes after the last record');
    return { kind: 'query', query, questionEnd };
  } catch (error) {
    if (!(error instanceof Malformed)) throw error;
    query.malformed = error.message;
    return { kind: 'query', query, questionEnd };
  }
}
