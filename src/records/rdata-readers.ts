// Reads one record's data from its value text, type by type: what `add` takes, and what zone
// files and the records file are turned into before they are checked. Pure.
import { InputError } from '../errors.js';
import { CHARACTER_STRING_OCTETS, octets, parseQuotedStrings, refuseControls, splitCharacterStrings } from './character-strings.js';
import { ipFamily, parseIPv4, parseIPv6 } from './ip.js';
import { normalizeName } from './names.js';
import { parseInteger } from './parse-integer.js';
import type { AaaaRecord, ARecord, CaaRecord, MxRecord, RecordType, SrvRecord } from './types.js';

/** Numeric fields given as options rather than in the value (`--priority 10`). */
export interface ValueOptions {
  priority?: string | number | undefined;
  weight?: string | number | undefined;
  port?: string | number | undefined;
}

/** Bounds a TXT record so that answers and the records file stay small (HOSTILE-INPUTS 27). */
export const MAX_TXT_OCTETS = 4000;

export function readA(value: string): Omit<ARecord, 'name' | 'ttl'> {
  // ipFamily(value) === 6, without its regular expression: a colon is what makes it 6.
  if (value.includes(':')) {
    throw new InputError('value', `"${value}" is an IPv6 address; an A record holds IPv4`, 'use -t AAAA, or leave -t out');
  }
  const parsed = parseIPv4(value);
  if (!parsed.ok)
    throw new InputError('value', `"${value}" is not an IPv4 address: ${parsed.reason}`, 'write four numbers 0-255, like 127.0.0.1');
  return { type: 'A', address: parsed.address };
}

export function readAaaa(value: string): Omit<AaaaRecord, 'name' | 'ttl'> {
  if (!value.includes(':') && ipFamily(value) === 4) {
    throw new InputError('value', `"${value}" is an IPv4 address; an AAAA record holds IPv6`, 'use -t A, or leave -t out');
  }
  const parsed = parseIPv6(value);
  if (!parsed.ok) throw new InputError('value', `"${value}" is not an IPv6 address: ${parsed.reason}`, 'write it like ::1 or fd00::10');
  return { type: 'AAAA', address: parsed.address };
}

/** A name that a record points at: never an address (RFC 1034 §3.6.2, RFC 2181 §10.3). */
export function readTarget(value: string, type: RecordType): string {
  const notAnAddress = (text: string) => {
    if (parseIPv4(text).ok || parseIPv6(text).ok) {
      throw new InputError(
        'value',
        `a ${type} record points at a host name, and "${value}" is an IP address`,
        'use an A or AAAA record for an address',
      );
    }
  };
  notAnAddress(value);
  const name = normalizeName(value, 'value', {});
  // "10.0.0.1." is the address once its final dot is gone, as the file keeps it.
  notAnAddress(name);
  return name;
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

/** MX and SRV also accept the zone-file form (`10 mail.shop.test`), so `rm` takes back what `ls` prints. */
export function readMx(value: string, options: ValueOptions): Omit<MxRecord, 'name' | 'ttl'> {
  const fields = splitFields(value, 2);
  const priority = eitherForm(fields?.[0], options.priority, '--priority');
  if (priority === undefined) {
    throw new InputError('--priority', 'an MX record needs a priority (lower is preferred)', 'add --priority 10');
  }
  return {
    type: 'MX',
    priority: parseInteger(priority, '--priority', 0, 65535),
    exchange: readTarget(fields?.[1] ?? value, 'MX'),
  };
}

export function readSrv(value: string, options: ValueOptions): Omit<SrvRecord, 'name' | 'ttl'> {
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
    target: readTarget(fields?.[3] ?? value, 'SRV'),
  };
}

export function readCaa(value: string): Omit<CaaRecord, 'name' | 'ttl'> {
  // RFC 8659 §4.1: [flags] tag value; the tag is 1-15 letters and digits.
  const match = /^(?:([0-9]+)\s+)?([A-Za-z0-9]+)\s+(.+)$/.exec(value.trim());
  if (!match) {
    throw new InputError('value', `"${value}" is not a CAA value`, 'write it like: 0 issue "letsencrypt.org"');
  }
  const [, flags = '0', tag = '', rest = ''] = match;
  if (tag.length > 15) throw new InputError('value', `CAA tag "${tag}" is longer than 15 characters`, 'use issue, issuewild or iodef');
  const strings = rest.startsWith('"') ? parseQuotedStrings(rest) : [rest];
  if (strings.length !== 1) throw new InputError('value', 'a CAA value is one string', 'quote it once: "letsencrypt.org"');
  return { type: 'CAA', flags: parseInteger(flags, 'CAA flags', 0, 255), tag: tag.toLowerCase(), value: refuseControls(strings[0] ?? '') };
}

/**
 * TXT data: a value starting with `"` is read in zone-file form (several quoted strings, `\"`,
 * `\\` and `\DDD` escapes); any other value is the text itself, split into 255-octet strings.
 */
export function readTxt(value: string, notes: string[]): string[] {
  const strings = value.startsWith('"') ? parseQuotedStrings(value) : splitCharacterStrings(refuseControls(value), notes);
  return checkTxtSizes(strings);
}

/** The bounds on TXT data once it is read into its strings: the whole, then each string. */
export function checkTxtSizes(strings: string[]): string[] {
  const total = strings.reduce((sum, text) => sum + octets(text), 0);
  if (total > MAX_TXT_OCTETS) {
    throw new InputError(
      'value',
      `TXT data is ${total} octets; devdns keeps TXT records to ${MAX_TXT_OCTETS}`,
      'shorten it, or split it over several records',
    );
  }
  for (const text of strings) {
    if (octets(text) > CHARACTER_STRING_OCTETS) {
      throw new InputError(
        'value',
        `a quoted TXT string is ${octets(text)} octets; one string holds at most 255 (RFC 1035 §3.3.14)`,
        'split it into several quoted strings',
      );
    }
  }
  return strings;
}
