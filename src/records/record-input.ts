// Turns what a user types (name, value, -t, --ttl, --priority, --weight, --port) into record data,
// checking every field. Shared by the CLI, and by anything else that accepts records as text.
import { InputError } from '../errors.js';
import { ipFamily, parseIPv4, parseIPv6 } from './ip.js';
import { normalizeName } from './names.js';
import { isRecordType, MAX_TTL, RECORD_TYPES, type RecordData, type RecordType } from './types.js';

/** The raw fields of one `add` or `rm`; numbers may arrive as text (CLI) or numbers (JSON). */
export interface RecordInput {
  name: string;
  value?: string | undefined;
  type?: string | undefined;
  ttl?: string | number | undefined;
  priority?: string | number | undefined;
  weight?: string | number | undefined;
  port?: string | number | undefined;
}

export interface ParsedInput {
  name: string;
  /** Undefined: keep the RRset's TTL, or the default for a new one. */
  ttl: number | undefined;
  data: RecordData[];
  /** Things the user should know, e.g. that a long TXT value was split. */
  notes: string[];
}

const TXT_STRING_OCTETS = 255;
/** Bounds a TXT record so that answers and the records file stay small (HOSTILE-INPUTS 27). */
export const MAX_TXT_OCTETS = 4000;

const encoder = new TextEncoder();
const octets = (text: string): number => encoder.encode(text).length;

/** A whole number in [min, max], from text or a JSON number. */
export function parseInteger(value: string | number, field: string, min: number, max: number): number {
  const text = String(value).trim();
  if (!/^-?[0-9]+$/.test(text)) {
    throw new InputError(field, `"${value}" is not a whole number`, `use a number from ${min} to ${max}`);
  }
  const number = Number(text);
  if (number < min || number > max) {
    throw new InputError(field, `${text} is out of range`, `use a number from ${min} to ${max}`);
  }
  return number;
}

export function parseTtl(value: string | number, field = '--ttl'): number {
  // RFC 2181 §8: a TTL is an unsigned 31-bit number of seconds.
  return parseInteger(value, field, 0, MAX_TTL);
}

export function parseType(text: string, field = '--type'): RecordType {
  const type = text.toUpperCase();
  if (type === 'SOA') {
    throw new InputError(field, 'SOA records are made by devdns for each zone', 'set zone options instead');
  }
  if (!isRecordType(type)) {
    throw new InputError(field, `"${text}" is not a record type devdns serves`, `use one of ${RECORD_TYPES.join(', ')}`);
  }
  return type;
}

/** Reads a record's name, type, TTL and data from user input. No value means the localhost pair. */
export function parseRecordInput(input: RecordInput): ParsedInput {
  const name = normalizeName(input.name, 'name', { wildcard: true });
  const ttl = input.ttl === undefined ? undefined : parseTtl(input.ttl);
  const type = input.type === undefined ? undefined : parseType(input.type);
  rejectMisplacedOptions(type, input);
  const notes: string[] = [];
  if (input.value === undefined) {
    if (type !== undefined && type !== 'A' && type !== 'AAAA') {
      throw new InputError('value', `a ${type} record needs a value`, `devdns add ${input.name} VALUE -t ${type}`);
    }
    const data: RecordData[] = [];
    if (type !== 'AAAA') data.push({ type: 'A', address: '127.0.0.1' });
    if (type !== 'A') data.push({ type: 'AAAA', address: '::1' });
    return { name, ttl, data, notes };
  }
  const inferred = type ?? inferType(input.value);
  return { name, ttl, data: [parseRdata(inferred, input.value, input, notes)], notes };
}

function rejectMisplacedOptions(type: RecordType | undefined, input: RecordInput): void {
  const uses: Record<'priority' | 'weight' | 'port', readonly RecordType[]> = {
    priority: ['MX', 'SRV'],
    weight: ['SRV'],
    port: ['SRV'],
  };
  for (const option of ['priority', 'weight', 'port'] as const) {
    if (input[option] === undefined) continue;
    if (type === undefined || !uses[option].includes(type)) {
      throw new InputError(
        `--${option}`,
        `applies only to ${uses[option].join(' and ')} records`,
        `add -t ${uses[option][0]}, or drop --${option}`,
      );
    }
  }
}

function inferType(value: string): RecordType {
  const family = ipFamily(value);
  if (family === 4) return 'A';
  if (family === 6) return 'AAAA';
  throw new InputError('value', `"${value}" is not an IP address`, 'for another record type give -t, e.g. -t CNAME');
}

/**
 * Reads the data of one record of `type` from its value text. MX, SRV and CAA also accept the
 * zone-file form (`10 mail.shop.test`), so `rm` takes back what `ls` prints.
 */
export function parseRdata(type: RecordType, value: string, options: RecordInput = { name: '' }, notes: string[] = []): RecordData {
  switch (type) {
    case 'A': {
      if (ipFamily(value) === 6) {
        throw new InputError('value', `"${value}" is an IPv6 address; an A record holds IPv4`, 'use -t AAAA, or leave -t out');
      }
      const parsed = parseIPv4(value);
      if (!parsed.ok)
        throw new InputError('value', `"${value}" is not an IPv4 address: ${parsed.reason}`, 'write four numbers 0-255, like 127.0.0.1');
      return { type, address: parsed.address };
    }
    case 'AAAA': {
      if (!value.includes(':') && ipFamily(value) === 4) {
        throw new InputError('value', `"${value}" is an IPv4 address; an AAAA record holds IPv6`, 'use -t A, or leave -t out');
      }
      const parsed = parseIPv6(value);
      if (!parsed.ok) throw new InputError('value', `"${value}" is not an IPv6 address: ${parsed.reason}`, 'write it like ::1 or fd00::10');
      return { type, address: parsed.address };
    }
    case 'CNAME':
    case 'NS':
    case 'PTR':
      return { type, target: parseTargetName(value, type) };
    case 'MX':
      return parseMx(value, options);
    case 'TXT':
      return { type, strings: parseTxt(value, notes) };
    case 'SRV':
      return parseSrv(value, options);
    case 'CAA':
      return parseCaa(value);
  }
}

/** A name that a record points at: never an address (RFC 1034 §3.6.2, RFC 2181 §10.3). */
function parseTargetName(value: string, type: RecordType): string {
  if (parseIPv4(value).ok || parseIPv6(value).ok) {
    throw new InputError(
      'value',
      `a ${type} record points at a host name, and "${value}" is an IP address`,
      'use an A or AAAA record for an address',
    );
  }
  return normalizeName(value, 'value', {});
}

/** Splits `10 mail.shop.test` into its numeric fields and the name, when the value has that form. */
function splitFields(value: string, count: number): string[] | undefined {
  const parts = value.trim().split(/\s+/);
  return parts.length === count && parts.slice(0, -1).every((part) => /^[0-9]+$/.test(part)) ? parts : undefined;
}

function eitherForm(inValue: string | undefined, option: string | number | undefined, flag: string): string | number | undefined {
  if (inValue !== undefined && option !== undefined) {
    throw new InputError(flag, 'is given twice, in the value and as an option', `drop ${flag}, or give only the host name as the value`);
  }
  return inValue ?? option;
}

function parseMx(value: string, options: RecordInput): RecordData {
  const fields = splitFields(value, 2);
  const priority = eitherForm(fields?.[0], options.priority, '--priority');
  if (priority === undefined) {
    throw new InputError('--priority', 'an MX record needs a priority (lower is preferred)', 'add --priority 10');
  }
  return {
    type: 'MX',
    priority: parseInteger(priority, '--priority', 0, 65535),
    exchange: parseTargetName(fields?.[1] ?? value, 'MX'),
  };
}

function parseSrv(value: string, options: RecordInput): RecordData {
  const fields = splitFields(value, 4);
  const port = eitherForm(fields?.[2], options.port, '--port');
  if (port === undefined) {
    throw new InputError(
      '--port',
      'an SRV record needs the port of the service',
      'add --port 8080 (and --priority, --weight if you need them)',
    );
  }
  return {
    type: 'SRV',
    // RFC 2782: priority and weight default to 0 here; both are 16-bit.
    priority: parseInteger(eitherForm(fields?.[0], options.priority, '--priority') ?? 0, '--priority', 0, 65535),
    weight: parseInteger(eitherForm(fields?.[1], options.weight, '--weight') ?? 0, '--weight', 0, 65535),
    port: parseInteger(port, '--port', 0, 65535),
    target: parseTargetName(fields?.[3] ?? value, 'SRV'),
  };
}

function parseCaa(value: string): RecordData {
  // RFC 8659 §4.1: [flags] tag value; the tag is 1-15 letters and digits.
  const match = /^(?:([0-9]+)\s+)?([A-Za-z0-9]+)\s+(.+)$/.exec(value.trim());
  if (!match) {
    throw new InputError('value', `"${value}" is not a CAA value`, 'write it like: 0 issue "letsencrypt.org"');
  }
  const [, flags = '0', tag = '', rest = ''] = match;
  if (tag.length > 15) throw new InputError('value', `CAA tag "${tag}" is longer than 15 characters`, 'use issue, issuewild or iodef');
  const strings = rest.startsWith('"') ? parseQuotedStrings(rest) : [rest];
  if (strings.length !== 1) throw new InputError('value', 'a CAA value is one string', 'quote it once: "letsencrypt.org"');
  return { type: 'CAA', flags: parseInteger(flags, 'CAA flags', 0, 255), tag: tag.toLowerCase(), value: checkText(strings[0] ?? '') };
}

/**
 * TXT data: a value starting with `"` is read in zone-file form (several quoted strings, `\"`,
 * `\\` and `\DDD` escapes); any other value is the text itself, split into 255-octet strings.
 */
function parseTxt(value: string, notes: string[]): string[] {
  const strings = value.startsWith('"') ? parseQuotedStrings(value) : splitText(checkText(value), notes);
  const total = strings.reduce((sum, text) => sum + octets(text), 0);
  if (total > MAX_TXT_OCTETS) {
    throw new InputError(
      'value',
      `TXT data is ${total} octets; devdns keeps TXT records to ${MAX_TXT_OCTETS}`,
      'shorten it, or split it over several records',
    );
  }
  for (const text of strings) {
    if (octets(text) > TXT_STRING_OCTETS) {
      throw new InputError(
        'value',
        `a quoted TXT string is ${octets(text)} octets; one string holds at most 255 (RFC 1035 §3.3.14)`,
        'split it into several quoted strings',
      );
    }
  }
  return strings;
}

function checkText(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing exactly these
  if (/[\u0000-\u001f\u007f]/.test(text)) {
    throw new InputError('value', 'contains a control character (a tab, newline or similar)', 'use plain text');
  }
  return text;
}

/** Splits text into character-strings of at most 255 octets without cutting a UTF-8 sequence. */
function splitText(text: string, notes: string[]): string[] {
  if (octets(text) <= TXT_STRING_OCTETS) return [text];
  const strings: string[] = [];
  let current = '';
  for (const char of text) {
    if (octets(current) + octets(char) > TXT_STRING_OCTETS) {
      strings.push(current);
      current = '';
    }
    current += char;
  }
  strings.push(current);
  notes.push(
    `TXT value is ${octets(text)} octets, so it was split into ${strings.length} strings of at most 255 (RFC 1035 §3.3.14); clients join them`,
  );
  return strings;
}

const decoder = new TextDecoder('utf-8', { fatal: true });

/** Reads `"one" "two \"quoted\" \226\130\172"` into its strings; unbalanced quotes are an error. */
export function parseQuotedStrings(text: string): string[] {
  const strings: string[] = [];
  let i = 0;
  const fail = (message: string): never => {
    throw new InputError('value', message, 'write it like "first string" "second string", with \\" for a quote');
  };
  while (i < text.length) {
    while (text[i] === ' ') i++;
    if (i >= text.length) break;
    if (text[i] !== '"') fail(`text outside quotes at character ${i + 1}`);
    i++;
    const bytes: number[] = [];
    for (;;) {
      const char = text[i];
      if (char === undefined) fail('has an unbalanced quote');
      if (char === '"') break;
      if (char === '\\') {
        const digits = /^[0-9]{3}/.exec(text.slice(i + 1))?.[0];
        if (digits !== undefined) {
          if (Number(digits) > 255) fail(`escape \\${digits} is over 255`);
          bytes.push(Number(digits));
          i += 4;
          continue;
        }
        i++;
        if (text[i] === undefined) fail('ends with a lone backslash');
      }
      const codePoint = text.codePointAt(i) ?? 0;
      const char2 = String.fromCodePoint(codePoint);
      bytes.push(...encoder.encode(char2));
      i += char2.length;
    }
    i++;
    if (i < text.length && text[i] !== ' ') fail(`a quoted string must be followed by a space, at character ${i + 1}`);
    let decoded = '';
    try {
      decoded = decoder.decode(new Uint8Array(bytes));
    } catch {
      fail('has escapes that are not UTF-8 text');
    }
    strings.push(checkText(decoded));
  }
  if (strings.length === 0) fail('has no string');
  return strings;
}
