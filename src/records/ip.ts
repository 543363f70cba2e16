// Strict IP address parsing and canonical formatting. Pure: the DNS encoder trusts what passes here.

/** The result of a parse: the canonical text, or why the input is not an address. */
export type IpParse = { ok: true; address: string } | { ok: false; reason: string };

const DECIMAL_OCTET = /^(0|[1-9][0-9]{0,2})$/;

/**
 * Dotted-quad IPv4 only: four decimal octets 0-255, no leading zeros (`010` is octal to some
 * parsers and decimal to others), no trailing dot, no shorthand such as `127.1`.
 */
export function parseIPv4(text: string): IpParse {
  if (isDottedQuad(text)) return { ok: true, address: text };
  // Not an address: the checks below say why.
  if (text.endsWith('.')) return { ok: false, reason: 'it ends with a dot' };
  const parts = text.split('.');
  if (parts.length !== 4) {
    return { ok: false, reason: `it has ${parts.length} part${parts.length === 1 ? '' : 's'}; an IPv4 address has 4` };
  }
  for (const part of parts) {
    if (part === '') return { ok: false, reason: 'it has an empty part' };
    if (/^0[0-9]/.test(part)) return { ok: false, reason: `part "${part}" has a leading zero (octal or decimal?)` };
    if (!DECIMAL_OCTET.test(part)) return { ok: false, reason: `part "${part}" is not a number 0-255` };
    if (Number(part) > 255) return { ok: false, reason: `part ${part} is over 255` };
  }
  return { ok: true, address: text };
}

/** True when `text` is an address as {@link parseIPv4} accepts it, checked in one pass without allocating. */
export function isDottedQuad(text: string): boolean {
  const length = text.length;
  if (length < 7 || length > 15) return false;
  let parts = 0;
  let value = 0;
  let digits = 0;
  for (let i = 0; i <= length; i++) {
    const code = i === length ? 0x2e : text.charCodeAt(i);
    if (code === 0x2e) {
      if (digits === 0 || value > 255) return false;
      parts++;
      value = 0;
      digits = 0;
    } else if (code >= 0x30 && code <= 0x39) {
      // A leading zero only as the whole part ("0", never "01").
      if (digits === 1 && value === 0) return false;
      value = value * 10 + (code - 0x30);
      digits++;
      if (digits > 3) return false;
    } else {
      return false;
    }
  }
  return parts === 4;
}

/** Parses IPv6 text into eight 16-bit groups; IPv4-mapped and other embedded dotted forms are accepted. */
function ipv6Groups(text: string): number[] | string {
  if (text.includes('%')) return 'it has a zone id (%...), which has no meaning in DNS';
  if (!/^[0-9a-fA-F:.]+$/.test(text)) return 'it has characters other than hex digits, ":" and "."';
  const halves = text.split('::');
  if (halves.length > 2) return 'it has "::" more than once';
  const parseSide = (side: string): number[] | string => {
    if (side === '') return [];
    const groups: number[] = [];
    const pieces = side.split(':');
    for (const [i, piece] of pieces.entries()) {
      if (piece.includes('.')) {
        if (i !== pieces.length - 1) return 'it has an IPv4 part before the end';
        const v4 = parseIPv4(piece);
        if (!v4.ok) return `its IPv4 part is wrong: ${v4.reason}`;
        const [a, b, c, d] = piece.split('.').map(Number) as [number, number, number, number];
        groups.push((a << 8) | b, (c << 8) | d);
      } else {
        if (!/^[0-9a-fA-F]{1,4}$/.test(piece)) return `group "${piece}" is not 1-4 hex digits`;
        groups.push(Number.parseInt(piece, 16));
      }
    }
    return groups;
  };
  const head = parseSide(halves[0] ?? '');
  if (typeof head === 'string') return head;
  if (halves.length === 1) return head.length === 8 ? head : `it has ${head.length} groups; an IPv6 address has 8`;
  const tail = parseSide(halves[1] ?? '');
  if (typeof tail === 'string') return tail;
  const missing = 8 - head.length - tail.length;
  if (missing < 1) return 'it has "::" but no groups left for it to stand for';
  return [...head, ...new Array<number>(missing).fill(0), ...tail];
}

/** RFC 5952 §4: lowercase, no leading zeros, the longest run (2+) of zero groups as "::", first on a tie. */
export function formatIPv6(groups: readonly number[]): string {
  const isMapped = groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff;
  if (isMapped) {
    // RFC 5952 §5: IPv4-mapped addresses keep the dotted quad.
    const [g6 = 0, g7 = 0] = groups.slice(6);
    return `::ffff:${g6 >> 8}.${g6 & 0xff}.${g7 >> 8}.${g7 & 0xff}`;
  }
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < groups.length; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < groups.length && groups[j] === 0) j++;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLength).join(':')}`;
}

export function parseIPv6(text: string): IpParse {
  const groups = ipv6Groups(text);
  if (typeof groups === 'string') return { ok: false, reason: groups };
  return { ok: true, address: formatIPv6(groups) };
}

/** Which family a value looks like, to infer A or AAAA; `undefined` when it is neither. */
export function ipFamily(text: string): 4 | 6 | undefined {
  if (text.includes(':')) return 6;
  if (/^[0-9.]+$/.test(text)) return 4;
  return undefined;
}
