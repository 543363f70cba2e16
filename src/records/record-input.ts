// Turns what a user types (name, value, -t, --ttl, --priority, --weight, --port) into record data,
// checking every field. Shared by the CLI, and by anything else that accepts records as text.
import { InputError } from '../errors.js';
import { parseDuration } from './duration.js';
import { ipFamily } from './ip.js';
import { normalizeName } from './names.js';
import { parseTtl } from './parse-integer.js';
import type { ValueOptions } from './rdata-readers.js';
import { parseType, type RecordOption, recordKind, typesTaking } from './record-types.js';
import { RECORD_TYPES, type RecordData, type RecordType } from './types.js';

// The CLI, the store and the daemon read numbers and types through this module's names.
export { parseInteger, parseTtl } from './parse-integer.js';
export { parseType } from './record-types.js';

/** The raw fields of one `add` or `rm`; numbers may arrive as text (CLI) or numbers (JSON). */
export interface RecordInput extends ValueOptions {
  name: string;
  value?: string | undefined;
  type?: string | undefined;
  ttl?: string | number | undefined;
  /** `--for`: how long the record lasts (30m, 2h, 7d); forever when not given. */
  for?: string | undefined;
}

export interface ParsedInput {
  name: string;
  /** Undefined: keep the RRset's TTL, or the default for a new one. */
  ttl: number | undefined;
  /** Seconds the record lasts from when it is added (`--for`); undefined: no end. */
  lifetime?: number;
  data: RecordData[];
  /** Things the user should know, e.g. that a long TXT value was split. */
  notes: string[];
}

/** Reads a record's name, type, TTL and data from user input. No value means the localhost pair. */
export function parseRecordInput(input: RecordInput): ParsedInput {
  const name = normalizeName(input.name, 'name', { wildcard: true });
  const ttl = input.ttl === undefined ? undefined : parseTtl(input.ttl);
  const lifetime = input.for === undefined ? {} : { lifetime: parseDuration(input.for) };
  const type = input.type === undefined ? undefined : parseType(input.type);
  rejectMisplacedOptions(type, input);
  const notes: string[] = [];
  if (input.value === undefined) return { name, ttl, ...lifetime, data: localhostData(type, input.name), notes };
  refuseAddressWithPort(input.name, input.value);
  const inferred = type ?? inferType(input.value);
  return { name, ttl, ...lifetime, data: [parseRdata(inferred, input.value, input, notes)], notes };
}

/** The localhost address of each type that has one (A and AAAA), or of the type asked for. */
function localhostData(type: RecordType | undefined, name: string): RecordData[] {
  if (type !== undefined && recordKind(type).localhost === undefined) {
    throw new InputError('value', `a ${type} record needs a value`, `devdns add ${name} VALUE -t ${type}`);
  }
  return RECORD_TYPES.filter((t) => type === undefined || t === type).flatMap((t) => {
    const address = recordKind(t).localhost;
    return address === undefined ? [] : [parseRdata(t, address)];
  });
}

function rejectMisplacedOptions(type: RecordType | undefined, input: RecordInput): void {
  for (const option of ['priority', 'weight', 'port'] as const satisfies readonly RecordOption[]) {
    if (input[option] === undefined) continue;
    const takers = typesTaking(option);
    if (type === undefined || !takers.includes(type)) {
      throw new InputError(`--${option}`, `applies only to ${takers.join(' and ')} records`, `add -t ${takers[0]}, or drop --${option}`);
    }
  }
}

/** `127.0.0.1:3000` or `[::1]:3000`: an address with a port, as a URL or a dev server prints it. */
const ADDRESS_WITH_PORT = /^(?:(\d{1,3}(?:\.\d{1,3}){3})|\[([0-9A-Fa-f:.]+)\]):(\d{1,5})$/;

/** DNS maps a name to an address; the port stays in the URL (SRV aside, which browsers ignore). */
function refuseAddressWithPort(name: string, value: string): void {
  const match = ADDRESS_WITH_PORT.exec(value);
  if (!match) return;
  const [, ipv4, ipv6, port] = match;
  throw new InputError(
    'value',
    `"${value}" has a port: DNS gives a name an address, never a port`,
    `devdns add ${name} ${ipv4 ?? ipv6}, then open http://${name}:${port}/`,
  );
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
export function parseRdata(type: RecordType, value: string, options: ValueOptions = {}, notes: string[] = []): RecordData {
  return recordKind(type).read(value, options, notes);
}
