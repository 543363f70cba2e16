// Question names as text: how a name read off the wire, whose labels may hold any octet, is
// written so that it can never be mistaken for another name. Letters, digits, "-", "_" and "*"
// stand for themselves; every other octet, the dot and the backslash included, is written
// `\DDD` (decimal, RFC 1035 §5.1). So the text splits into labels at its dots exactly as the wire
// name did, case folding (RFC 4343) touches ASCII letters only, and a name with a backslash is
// one devdns cannot hold: stored names are lowercase letters, digits, "-", "_" and "*" (see
// src/records/names.ts), so such a name matches no record. Pure.

/** Octets that stand for themselves in a label's text. */
function isPlain(octet: number): boolean {
  return (
    (octet >= 0x61 && octet <= 0x7a) || // a-z
    (octet >= 0x41 && octet <= 0x5a) || // A-Z
    (octet >= 0x30 && octet <= 0x39) || // 0-9
    octet === 0x2d || // -
    octet === 0x5f || // _
    octet === 0x2a // *
  );
}

/** A label's octets (`bytes[start..end)`) as text. */
export function labelText(bytes: Uint8Array, start: number, end: number): string {
  let text = '';
  for (let i = start; i < end; i++) {
    const octet = bytes[i] ?? 0;
    text += isPlain(octet) ? String.fromCharCode(octet) : `\\${String(octet).padStart(3, '0')}`;
  }
  return text;
}

/** True when a name's text holds an escaped octet: it names nothing devdns holds. */
export function hasEscapes(name: string): boolean {
  return name.includes('\\');
}

/** A label's text back to its octets: the inverse of labelText. */
export function labelOctets(text: string): Uint8Array {
  const octets: number[] = [];
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '\\') {
      octets.push(Number(text.slice(i + 1, i + 4)) & 0xff);
      i += 3;
    } else {
      octets.push(text.charCodeAt(i) & 0xff);
    }
  }
  return Uint8Array.from(octets);
}
