// Reads RFC 1035 master files (§5): $ORIGIN and $TTL, relative names and @, the owner carried
// over from the line before, parentheses across lines, comments, quoted strings and escapes,
// TTL and class in either order, TTL units (1h30m). Records devdns serves become records; its
// own SOA and apex NS are skipped (devdns makes those); other types are skipped with the reason.
// A `; devdns: override NAME` comment, as devdns's export writes for an override, makes NAME one.
import { InputError } from '../errors.js';
import { normalizeName } from '../records/names.js';
import { parseRdata, parseTtl } from '../records/record-input.js';
import { recordKind } from '../records/record-types.js';
import { isRecordType, type RecordType } from '../records/types.js';
import { emptyImport, onLine, type ParsedImport } from './imported.js';

interface Token {
  text: string;
  quoted: boolean;
}

interface LogicalLine {
  line: number;
  /** The line began with white space: the owner is the previous one. */
  continues: boolean;
  tokens: Token[];
}

/** Splits the text into logical lines (parentheses join physical ones), tokens and quoted strings. */
function tokenize(text: string): { lines: LogicalLine[]; problems: Array<{ line: number; message: string }> } {
  const lines: LogicalLine[] = [];
  const problems: Array<{ line: number; message: string }> = [];
  let current: LogicalLine | undefined;
  let depth = 0;
  let lineNumber = 1;
  let i = 0;
  const startLine = () => {
    current = { line: lineNumber, continues: text[i] === ' ' || text[i] === '\t', tokens: [] };
  };
  startLine();
  while (i < text.length) {
    const char = text[i] ?? '';
    if (char === '\n') {
      lineNumber++;
      i++;
      if (depth === 0) {
        if (current && current.tokens.length > 0) lines.push(current);
        startLine();
      }
      continue;
    }
    if (char === ' ' || char === '\t' || char === '\r') {
      i++;
      continue;
    }
    if (char === ';') {
      while (i < text.length && text[i] !== '\n') i++;
      continue;
    }
    if (char === '(') {
      depth++;
      i++;
      continue;
    }
    if (char === ')') {
      if (depth === 0) problems.push({ line: lineNumber, message: 'a ")" without "("' });
      else depth--;
      i++;
      continue;
    }
    if (char === '"') {
      // Keep the quotes and escapes: parseRdata reads TXT and CAA strings in this form.
      const start = i;
      i++;
      while (i < text.length && text[i] !== '"') {
        if (text[i] === '\\') i++;
        if (text[i] === '\n') lineNumber++;
        i++;
      }
      if (i >= text.length) problems.push({ line: lineNumber, message: 'a quoted string is not closed' });
      i++;
      current?.tokens.push({ text: text.slice(start, i), quoted: true });
      continue;
    }
    const start = i;
    while (i < text.length && !' \t\r\n;()"'.includes(text[i] ?? '')) {
      if (text[i] === '\\') i++;
      i++;
    }
    current?.tokens.push({ text: text.slice(start, i), quoted: false });
  }
  if (depth > 0) problems.push({ line: lineNumber, message: 'a "(" is not closed' });
  if (current && current.tokens.length > 0) lines.push(current);
  return { lines, problems };
}

const TTL_UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 };

/** A TTL in seconds from `3600` or BIND's `1h30m`; undefined when the token is not a TTL. */
function readTtl(token: string): number | undefined {
  if (/^\d+$/.test(token)) return parseTtl(token, 'TTL');
  if (!/^(\d+[smhdw])+$/i.test(token)) return undefined;
  let total = 0;
  for (const [, amount = '0', unit = 's'] of token.toLowerCase().matchAll(/(\d+)([smhdw])/g))
    total += Number(amount) * (TTL_UNITS[unit] ?? 1);
  return parseTtl(total, 'TTL');
}

const CLASSES = new Set(['IN', 'CH', 'CS', 'HS']);

function absolute(name: string, origin: string | undefined, line: number): string {
  if (name === '@') {
    if (origin === undefined) throw new InputError('name', '"@" needs an $ORIGIN first', 'add $ORIGIN zone. at the top');
    return origin;
  }
  if (name.endsWith('.')) return name.slice(0, -1);
  if (origin === undefined)
    throw new InputError('name', `"${name}" is relative but no $ORIGIN is set (line ${line})`, 'add $ORIGIN, or end the name with a dot');
  return origin === '' ? name : `${name}.${origin}`;
}

/**
 * The rdata as devdns reads it: names made absolute against the origin, and each token of a
 * character-strings field (TXT, the last field) quoted when the file left it bare.
 */
function rdataText(type: RecordType, fields: Token[], origin: string | undefined, line: number): string {
  const wire = recordKind(type).wire;
  return fields
    .map((token, index) => {
      const kind = wire[Math.min(index, wire.length - 1)]?.kind;
      if (kind === 'strings') return token.quoted ? token.text : `"${token.text.replace(/"/g, '\\"')}"`;
      return kind === 'name' && index < wire.length ? `${absolute(token.text, origin, line)}.` : token.text;
    })
    .join(' ');
}

export interface ZoneParseOptions {
  /** The origin before any $ORIGIN (e.g. the zone's name); none by default. */
  origin?: string;
  /** The SOA and NS that devdns makes itself: skipped on import. */
}

/** The mark devdns's export puts in an override zone's file (export.ts's OVERRIDE_MARK). */
const OVERRIDE_MARK = /^;\s*devdns:\s*override\s+(\S+)\s*$/;

export function parseZoneFile(text: string, options: ZoneParseOptions = {}): ParsedImport {
  const parsed = emptyImport();
  // A comment to every other reader; to devdns, the zone is an override, as it was exported.
  for (const [index, raw] of text.split(/\r?\n/).entries()) {
    const mark = OVERRIDE_MARK.exec(raw.trim());
    if (mark === null) continue;
    onLine(parsed, index + 1, () => {
      const zone = normalizeName((mark[1] as string).replace(/\.$/, ''), 'override zone');
      parsed.zones = { ...parsed.zones, [zone]: { override: true } };
    });
  }
  const { lines, problems } = tokenize(text);
  for (const problem of problems) parsed.problems.push(problem);
  let origin = options.origin;
  let defaultTtl: number | undefined;
  let lastOwner: string | undefined;
  let lastTtl: number | undefined;
  for (const logical of lines) {
    const { line, tokens } = logical;
    const first = tokens[0]?.text ?? '';
    if (first.startsWith('$')) {
      onLine(parsed, line, () => {
        const directive = first.toUpperCase();
        const value = tokens[1]?.text;
        if (directive === '$ORIGIN' && value) origin = normalizeName(absolute(value, origin, line), '$ORIGIN');
        else if (directive === '$TTL' && value) defaultTtl = readTtl(value) ?? parseTtl(value, '$TTL');
        else if (directive === '$INCLUDE') throw new InputError('$INCLUDE', 'is not supported', 'paste the included file in its place');
        else throw new InputError(first, 'is not a directive devdns knows', 'use $ORIGIN or $TTL');
      });
      continue;
    }
    onLine(parsed, line, () => {
      let index = 0;
      let owner = lastOwner;
      if (!logical.continues) {
        owner = normalizeName(absolute(first, origin, line), 'name', { wildcard: true });
        index = 1;
      }
      if (owner === undefined) throw new InputError('name', 'the first record has no owner name', 'start the line with a name');
      let ttl: number | undefined;
      for (let k = 0; k < 2; k++) {
        const token = tokens[index]?.text ?? '';
        const asTtl = readTtl(token);
        if (ttl === undefined && asTtl !== undefined) {
          ttl = asTtl;
          index++;
        } else if (CLASSES.has(token.toUpperCase())) {
          if (token.toUpperCase() !== 'IN')
            throw new InputError('class', `${token.toUpperCase()} is not served by devdns`, 'only IN records');
          index++;
        }
      }
      const type = (tokens[index]?.text ?? '').toUpperCase();
      if (type === '') throw new InputError('type', 'the record has no type', 'write: name [ttl] [IN] TYPE data');
      const fields = tokens.slice(index + 1);
      lastOwner = owner;
      const effectiveTtl = ttl ?? defaultTtl ?? lastTtl;
      lastTtl = effectiveTtl;
      if (type === 'SOA') {
        parsed.skipped.push({ line, what: `${owner} SOA`, reason: 'devdns makes the SOA of its zones itself' });
        return;
      }
      if (!isRecordType(type)) {
        parsed.skipped.push({ line, what: `${owner} ${type}`, reason: `${type} is not a type devdns serves` });
        return;
      }
      const data = parseRdata(type, rdataText(type, fields, origin, line));
      if (type === 'NS' && data.type === 'NS' && data.target === 'localhost' && owner === origin) {
        parsed.skipped.push({ line, what: `${owner} NS localhost.`, reason: 'devdns makes this NS record itself' });
        return;
      }
      parsed.records.push({ line, name: owner, ttl: effectiveTtl, data });
    });
  }
  return parsed;
}
