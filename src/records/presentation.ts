// Zone-file presentation form (RFC 1035 §5.1) of record data: what `ls` shows and `--json` prints.
import type { DnsRecord, RecordData } from './types.js';

/** A domain name as a zone file writes it: fully qualified, with the trailing dot. */
export function absoluteName(name: string): string {
  return `${name}.`;
}

const encoder = new TextEncoder();

/**
 * A character-string in quotes: `"` and `\` escaped, and every octet outside printable ASCII
 * as `\DDD` (RFC 1035 §5.1), so the text survives any zone-file reader.
 */
export function quoteCharacterString(text: string): string {
  let out = '"';
  for (const byte of encoder.encode(text)) {
    if (byte === 0x22 || byte === 0x5c) out += `\\${String.fromCharCode(byte)}`;
    else if (byte < 0x20 || byte > 0x7e) out += `\\${byte.toString().padStart(3, '0')}`;
    else out += String.fromCharCode(byte);
  }
  return `${out}"`;
}

export function formatRdata(data: RecordData): string {
  switch (data.type) {
    case 'A':
    case 'AAAA':
      return data.address;
    case 'CNAME':
    case 'NS':
    case 'PTR':
      return absoluteName(data.target);
    case 'MX':
      return `${data.priority} ${absoluteName(data.exchange)}`;
    case 'TXT':
      return data.strings.map(quoteCharacterString).join(' ');
    case 'SRV':
      return `${data.priority} ${data.weight} ${data.port} ${absoluteName(data.target)}`;
    case 'CAA':
      return `${data.flags} ${data.tag} ${quoteCharacterString(data.value)}`;
  }
}

/** One line a record, as `ls` and messages show it: `myapp.test A 127.0.0.1 (ttl 5)`. */
export function describeRecord(record: DnsRecord): string {
  return `${record.name} ${record.type} ${formatRdata(record)}`;
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: exactly these are replaced
const CONTROLS = /[\u0000-\u001f\u007f-\u009f]/g;

/**
 * Text for a terminal or a log line: C0 and C1 control characters and DEL become `\xHH`, so
 * that text from a file or a packet can neither move the cursor, retitle the window (ESC, OSC,
 * CSI), nor start a line of its own. `keep` lists controls let through (a message's own \n).
 */
export function escapeControls(text: string, keep = ''): string {
  return text.replace(CONTROLS, (c) => (keep.includes(c) ? c : `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`));
}
