// Readers for the other import formats, and the guess of which one a file is: hosts files,
// dnsmasq configuration, devdns's own JSON, and the seed project's YAML map (`name: ip`).
import { InputError } from '../errors.js';
import { parseQuotedStrings, quoteCharacterString } from '../records/character-strings.js';
import { ipFamily, parseIPv4, parseIPv6 } from '../records/ip.js';
import { normalizeName } from '../records/names.js';
import { checkTxtSizes } from '../records/rdata-readers.js';
import { checkRecordFile } from '../records/record-file.js';
import { parseRdata, parseTtl } from '../records/record-input.js';
import { JsonSyntaxError, parseStrictJson } from '../records/strict-json.js';
import type { RecordData } from '../records/types.js';
import { emptyImport, onLine, type ParsedImport } from './imported.js';
import { parseZoneFile } from './zone-parser.js';

export const IMPORT_FORMATS = ['auto', 'zone', 'hosts', 'json', 'dnsmasq', 'yaml'] as const;
export type ImportFormat = Exclude<(typeof IMPORT_FORMATS)[number], 'auto'>;

/** Names every hosts file carries for the machine itself: not records to import. */
const LOCAL_HOST_NAMES = new Set([
  'localhost',
  'localhost.localdomain',
  'localhost4',
  'localhost4.localdomain4',
  'localhost6',
  'localhost6.localdomain6',
  'ip6-localhost',
  'ip6-loopback',
  'ip6-localnet',
  'ip6-mcastprefix',
  'ip6-allnodes',
  'ip6-allrouters',
  'ip6-allhosts',
  'broadcasthost',
]);

function address(text: string, field: string): RecordData {
  const family = ipFamily(text);
  const parsed = family === 6 ? parseIPv6(text) : parseIPv4(text);
  if (!parsed.ok) throw new InputError(field, `"${text}" is not an IP address: ${parsed.reason}`, 'write an IPv4 or IPv6 address');
  return family === 6 ? { type: 'AAAA', address: parsed.address } : { type: 'A', address: parsed.address };
}

/** /etc/hosts: an address, then one or more names; comments after #. */
export function parseHosts(text: string): ParsedImport {
  const parsed = emptyImport();
  for (const [index, raw] of text.split(/\r?\n/).entries()) {
    const line = index + 1;
    const fields = (raw.split('#')[0] ?? '').trim().split(/\s+/).filter(Boolean);
    if (fields.length === 0) continue;
    onLine(parsed, line, () => {
      const [ip = '', ...names] = fields;
      const data = address(ip, 'address');
      if (names.length === 0) throw new InputError('name', `no name follows ${ip}`, 'write: address name [name ...]');
      for (const name of names) {
        if (LOCAL_HOST_NAMES.has(name.toLowerCase())) {
          parsed.skipped.push({ line, what: `${name} ${ip}`, reason: "the machine's own name" });
          continue;
        }
        if (!name.includes('.')) {
          parsed.skipped.push({ line, what: name, reason: 'a single-label name belongs to no zone' });
          continue;
        }
        parsed.records.push({ line, name: normalizeName(name, 'name'), ttl: undefined, data });
      }
    });
  }
  return parsed;
}

/** dnsmasq's record options; everything else in its configuration is not a record. */
export function parseDnsmasq(text: string): ParsedImport {
  const parsed = emptyImport();
  for (const [index, raw] of text.split(/\r?\n/).entries()) {
    const line = index + 1;
    const trimmed = raw.trim();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    const equals = trimmed.indexOf('=');
    const option = equals < 0 ? trimmed : trimmed.slice(0, equals);
    const value = equals < 0 ? '' : trimmed.slice(equals + 1);
    const parts = value.split(',').map((part) => part.trim());
    const add = (name: string, data: RecordData, ttl?: number) =>
      parsed.records.push({ line, name: normalizeName(name, 'name', { wildcard: true }), ttl, data });
    onLine(parsed, line, () => {
      switch (option) {
        case 'address':
        case 'local': {
          // address=/a.test/b.test/127.0.0.1: each domain and everything below it, as dnsmasq
          // reads it: a leading dot changes nothing (Valet writes address=/.test/127.0.0.1), `#`
          // as the address is the null address (0.0.0.0 and ::), and no address (or local=)
          // means never forwarded, which devdns never does.
          const pieces = value.split('/');
          const ip = option === 'local' ? '' : (pieces.at(-1) ?? '');
          const domains = pieces
            .slice(1, option === 'local' ? undefined : -1)
            .filter(Boolean)
            .map((domain) => domain.replace(/^\./, ''));
          if (domains.includes('#') || domains.length === 0) {
            parsed.skipped.push({ line, what: trimmed, reason: domains.length === 0 ? 'it names no domain' : 'it matches every name' });
            return;
          }
          if (ip === '') {
            parsed.skipped.push({
              line,
              what: trimmed,
              reason: 'it only keeps names from being forwarded; devdns forwards nothing and answers NXDOMAIN for missing names anyway',
            });
            return;
          }
          const data = ip === '#' ? [address('0.0.0.0', 'address'), address('::', 'address')] : [address(ip, 'address')];
          for (const domain of domains) {
            for (const each of data) {
              add(domain, each);
              add(`*.${domain}`, each);
            }
          }
          return;
        }
        case 'host-record': {
          const ttl = /^\d+$/.test(parts.at(-1) ?? '') && parts.length > 2 ? parseTtl(parts.pop() ?? '', 'TTL') : undefined;
          const names = parts.filter((part) => ipFamily(part) === undefined);
          const addresses = parts.filter((part) => ipFamily(part) !== undefined);
          for (const name of names) for (const ip of addresses) add(name, address(ip, 'address'), ttl);
          return;
        }
        case 'cname': {
          const ttl = /^\d+$/.test(parts.at(-1) ?? '') ? parseTtl(parts.pop() ?? '', 'TTL') : undefined;
          const target = parts.pop() ?? '';
          for (const alias of parts) add(alias, parseRdata('CNAME', target), ttl);
          return;
        }
        case 'mx-host': {
          const [name = '', target = name, preference = '1'] = parts;
          add(name, parseRdata('MX', `${preference} ${target}`));
          return;
        }
        case 'srv-host': {
          const [name = '', target = '.', port = '0', priority = '0', weight = '0'] = parts;
          add(name, parseRdata('SRV', `${priority} ${weight} ${port} ${target}`));
          return;
        }
        case 'txt-record': {
          const comma = value.indexOf(',');
          const name = comma < 0 ? value : value.slice(0, comma);
          const strings = comma < 0 ? [''] : parseQuotedStrings(value.slice(comma + 1).replace(/",\s*"/g, '" "'));
          // Bounded as any TXT value is: a string of at most 255 octets, the whole at most 4,000.
          add(name, { type: 'TXT', strings: checkTxtSizes(strings) });
          return;
        }
        case 'ptr-record': {
          const [name = '', target = ''] = parts;
          add(name, parseRdata('PTR', target));
          return;
        }
        case 'dns-rr': {
          const [name = '', type = '', hex = ''] = parts;
          if (type !== '257') {
            parsed.skipped.push({ line, what: trimmed, reason: `record type ${type} is not one devdns serves` });
            return;
          }
          const bytes = Buffer.from(hex.replace(/[:\s]/g, ''), 'hex');
          const tagLength = bytes[1] ?? 0;
          const tag = bytes.subarray(2, 2 + tagLength).toString('latin1');
          const caaValue = bytes.subarray(2 + tagLength).toString('latin1');
          // Read as the same value typed would be: the tag's letters, the value's characters, checked.
          // An empty tag would leave the flags to be read as the tag.
          if (tag === '')
            throw new InputError('value', 'the CAA data has an empty tag', 'a CAA tag is 1-15 letters and digits (RFC 8659 §4.1)');
          add(name, parseRdata('CAA', `${bytes[0] ?? 0} ${tag} ${quoteCharacterString(caaValue)}`));
          return;
        }
        default:
          parsed.skipped.push({ line, what: option, reason: 'not a record (dnsmasq configuration)' });
      }
    });
  }
  return parsed;
}

/** devdns's own JSON (what `devdns export --format json` writes, and a team's devdns.json). */
export function parseJsonExport(text: string): ParsedImport {
  const parsed = emptyImport();
  let raw: unknown;
  try {
    raw = parseStrictJson(text);
  } catch (error) {
    parsed.problems.push({ line: error instanceof JsonSyntaxError ? error.line : 1, message: (error as Error).message });
    return parsed;
  }
  const checked = checkRecordFile(raw);
  if (!checked.ok) {
    parsed.problems.push({ line: 1, message: checked.problem });
    return parsed;
  }
  parsed.zones = checked.file.zones;
  for (const [index, record] of checked.file.records.entries()) {
    const { name, ttl, ...data } = record;
    parsed.records.push({ line: index + 1, name, ttl, data: data as RecordData });
  }
  return parsed;
}

/** The seed project's records map: `myapp.test: 127.0.0.1` per line. */
export function parseYamlMap(text: string): ParsedImport {
  const parsed = emptyImport();
  for (const [index, raw] of text.split(/\r?\n/).entries()) {
    const line = index + 1;
    const trimmed = (raw.split(' #')[0] ?? '').trim();
    if (trimmed === '' || trimmed.startsWith('#') || trimmed === '---') continue;
    onLine(parsed, line, () => {
      const match = /^["']?([^"':]+)["']?\s*:\s*["']?([^"'\s]+)["']?$/.exec(trimmed);
      if (!match) throw new InputError('line', `"${trimmed}" is not "name: address"`, 'write: myapp.test: 127.0.0.1');
      parsed.records.push({
        line,
        name: normalizeName(match[1] ?? '', 'name', { wildcard: true }),
        ttl: undefined,
        data: address(match[2] ?? '', 'address'),
      });
    });
  }
  return parsed;
}

/** Which format a file is, from its content. */
export function detectFormat(text: string): ImportFormat {
  const lines = text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#') && !line.startsWith(';'));
  if (text.trimStart().startsWith('{')) return 'json';
  if (lines.some((line) => /^(address|host-record|cname|mx-host|srv-host|txt-record|ptr-record|dns-rr|server|listen-address)=/.test(line)))
    return 'dnsmasq';
  if (lines.some((line) => /^\$(ORIGIN|TTL)\b/i.test(line) || /\sIN\s+[A-Z]+\s/i.test(line) || /\sSOA\s/.test(line))) return 'zone';
  if (lines.length > 0 && lines.every((line) => /^["']?[^\s:]+["']?\s*:\s*\S+$/.test(line) || line === '---')) {
    if (lines.some((line) => ipFamily(line.split(':')[0] ?? '') === undefined)) return 'yaml';
  }
  return 'hosts';
}

export function parseImport(text: string, format: ImportFormat): ParsedImport {
  switch (format) {
    case 'zone':
      return parseZoneFile(text);
    case 'hosts':
      return parseHosts(text);
    case 'json':
      return parseJsonExport(text);
    case 'dnsmasq':
      return parseDnsmasq(text);
    case 'yaml':
      return parseYamlMap(text);
  }
}
