// The hosts-file fallback: devdns's A and AAAA records between marker lines in the system hosts
// file. Only the block is ever touched, and only a block found exactly (whole marker lines, one
// begin and one end); the file is written by SystemAccess, by the same link rule as setup's files.
import { DevdnsError } from '../errors.js';
import { isLoopback } from '../records/listen-address.js';
import { isWildcardName } from '../records/names.js';
import type { DnsRecord } from '../records/types.js';
import { proposeZone } from '../records/zones.js';
import { domainList } from './resolvers.js';
import { SystemAccess } from './system.js';

export const BLOCK_BEGIN = '# devdns begin';
export const BLOCK_END = '# devdns end';
/** Who keeps the block, as its second line says: `devdns hosts sync` by hand, or setup's hosts-file route through the daemon. */
export type BlockKeeper = 'sync' | 'setup';
const BLOCK_NOTES: Record<BlockKeeper, string> = {
  sync: '# written by devdns hosts sync; devdns hosts clean removes this block',
  setup: '# kept in step by devdns, the route devdns setup chose; devdns teardown removes this block',
};

export function defaultHostsPath(platform: NodeJS.Platform = process.platform): string {
  return platform === 'win32' ? 'C:\\Windows\\System32\\drivers\\etc\\hosts' : '/etc/hosts';
}

export interface HostsBlock {
  lines: string[];
  /** Records a hosts file cannot hold, with why. */
  skipped: Array<{ name: string; type: string; reason: string }>;
}

/**
 * Who takes a record with an end (`--for`) out of the block at its end: only the daemon, while it
 * runs, writing setup's route itself. Anything else that writes the block (`hosts sync`, setup,
 * sudo for a daemon that may not write the file) leaves such records out: no one would take them
 * out at their end.
 */
export interface BlockUpkeep {
  /** The daemon writes this block, and takes out each record at its end. */
  daemonKeeps: boolean;
}

/** The block's lines for the records: one line per address, wildcards and other types skipped. */
export function hostsBlock(records: readonly DnsRecord[], tlds: readonly string[] | undefined, upkeep: BlockUpkeep): HostsBlock {
  const lines: string[] = [];
  const skipped: HostsBlock['skipped'] = [];
  for (const record of records) {
    if (record.expires !== undefined && !upkeep.daemonKeeps) {
      if (record.type === 'A' || record.type === 'AAAA')
        skipped.push({
          name: record.name,
          type: record.type,
          reason: `it ends (--for): only the running daemon writes such a name, into setup's hosts-file route when it may write the file, since it takes the name out at its end`,
        });
      continue;
    }
    // As setup's route, the file speaks only for the TLDs setup routed: nothing else is taken over.
    const route = tlds?.find((tld) => record.name === tld || record.name.endsWith(`.${tld}`));
    if (tlds && route === undefined) {
      if (record.type === 'A' || record.type === 'AAAA')
        skipped.push({
          name: record.name,
          type: record.type,
          reason: `not under ${domainList(tlds)}, the domains setup routes`,
        });
      continue;
    }
    if (record.type !== 'A' && record.type !== 'AAAA') {
      if (record.type === 'CNAME') skipped.push({ name: record.name, type: record.type, reason: 'a hosts file has no aliases' });
      continue;
    }
    if (isWildcardName(record.name)) {
      skipped.push({ name: record.name, type: record.type, reason: 'a hosts file has no wildcards' });
      continue;
    }
    // The hosts file speaks for every program on the machine: no real site or mDNS name is taken
    // over there, unless setup routes it as an override (a route that is a name, not a TLD).
    const risk = route?.includes('.') ? undefined : proposeZone(record.name).risk;
    if (risk) {
      const reason =
        risk === 'mdns' ? 'a .local name belongs to mDNS' : 'not a reserved development name; the hosts file would hide the real site';
      skipped.push({ name: record.name, type: record.type, reason });
      continue;
    }
    // RFC 6761 §6.3: localhost names are loopback. The hosts file must not make them anything else.
    if ((record.name === 'localhost' || record.name.endsWith('.localhost')) && !isLoopback(record.address)) {
      skipped.push({ name: record.name, type: record.type, reason: 'a localhost name is always loopback (RFC 6761)' });
      continue;
    }
    lines.push(`${record.address} ${record.name}`);
  }
  return { lines, skipped };
}

/** Marks a block appended to a file that had no final line break, so removing it restores that. */
const ADDED_BREAK = ' (devdns added the line break before it)';

const damaged = (why: string, path: string) =>
  new DevdnsError(
    'hosts-block-damaged',
    `the devdns block in ${path} is damaged (${why}); it is unchanged`,
    `fix the lines between "${BLOCK_BEGIN}" and "${BLOCK_END}" by hand`,
  );

/**
 * The block as a span of the text: from the start of its begin line to after its end line. Markers
 * are whole lines; a begin without an end, or a second block, is refused rather than guessed at.
 */
function findBlock(content: string, eol: string, path: string): { start: number; end: number; addedBreak: boolean } | undefined {
  let begin: { start: number; addedBreak: boolean } | undefined;
  let found: { start: number; end: number; addedBreak: boolean } | undefined;
  for (let start = 0; start < content.length; ) {
    const lineEnd = content.indexOf(eol, start);
    const next = lineEnd < 0 ? content.length : lineEnd + eol.length;
    const line = content.slice(start, lineEnd < 0 ? content.length : lineEnd);
    if (line === BLOCK_BEGIN || line === `${BLOCK_BEGIN}${ADDED_BREAK}`) {
      if (begin || found) throw damaged('a second begin line', path);
      begin = { start, addedBreak: line !== BLOCK_BEGIN };
    } else if (line === BLOCK_END) {
      if (!begin) throw damaged('an end line without a begin line', path);
      found = { start: begin.start, end: next, addedBreak: begin.addedBreak };
      begin = undefined;
    }
    start = next;
  }
  if (begin) throw damaged('a begin line without an end line', path);
  return found;
}

/**
 * The file with the block set to `blockLines` (undefined: the block removed). Everything outside
 * the block stays byte for byte, and removing the block restores the file exactly as it was
 * before the first sync.
 */
export function withBlock(
  content: string,
  blockLines: readonly string[] | undefined,
  { keeper = 'sync', path = 'the hosts file' }: { keeper?: BlockKeeper; path?: string } = {},
): string {
  const eol = content.includes('\r\n') ? '\r\n' : '\n';
  const found = findBlock(content, eol, path);
  const blockText = (addedBreak: boolean) =>
    blockLines === undefined
      ? ''
      : [`${BLOCK_BEGIN}${addedBreak ? ADDED_BREAK : ''}`, BLOCK_NOTES[keeper], ...blockLines, BLOCK_END]
          .map((line) => `${line}${eol}`)
          .join('');
  if (found) {
    const before = content.slice(0, found.start);
    const after = content.slice(found.end);
    if (blockLines !== undefined) return `${before}${blockText(found.addedBreak)}${after}`;
    return `${found.addedBreak && before.endsWith(eol) ? before.slice(0, -eol.length) : before}${after}`;
  }
  if (blockLines === undefined) return content;
  const addBreak = content !== '' && !content.endsWith(eol);
  return `${content}${addBreak ? eol : ''}${blockText(addBreak)}`;
}

/** The lines a block holds for the records, or undefined when there are none: nothing to write is no block, not an empty one. */
export function blockLines(block: HostsBlock): string[] | undefined {
  return block.lines.length > 0 ? block.lines : undefined;
}

/** The hosts file's text; throws ENOENT when it does not exist. A link is followed (system.ts). */
export function readHostsFile(path: string, system = new SystemAccess('/')): string {
  const bytes = system.readBytes(path);
  if (bytes === undefined) throw Object.assign(new Error(`${system.path(path)} does not exist`), { code: 'ENOENT' });
  return bytes.toString('utf8');
}

/**
 * Sets the devdns block of a hosts file to `lines` (undefined: removes it) when it holds anything
 * else, and says how: `unchanged`, or how it was written. The file is replaced safely
 * (SystemAccess.writeFile): a complete copy renamed over the real file, keeping mode and owner,
 * in place where that cannot be done (a mount point); a link stays a link and its target changes.
 */
export function setHostsBlock(
  path: string,
  lines: readonly string[] | undefined,
  system = new SystemAccess('/'),
  keeper: BlockKeeper = 'sync',
): 'unchanged' | 'renamed' | 'in-place' {
  const content = readHostsFile(path, system);
  refuseNonHostsFile(content, system.path(path));
  const next = withBlock(content, lines, { keeper, path: system.path(path) });
  return next === content ? 'unchanged' : system.writeFile(path, next);
}

/**
 * A hosts file is lines of text: a file that is JSON (a records file or journal given by mistake)
 * or binary is not one, and devdns appends nothing to it.
 */
function refuseNonHostsFile(content: string, path: string): void {
  const why = content.includes('\0') ? 'it holds binary data' : /^\s*[[{]/.test(content) ? 'it is JSON' : undefined;
  if (why === undefined) return;
  throw new DevdnsError(
    'hosts-not-hosts',
    `${path} is not a hosts file (${why}); it is unchanged`,
    "give the hosts file with --hosts-file (the system's is /etc/hosts)",
  );
}

export type HostsBlockState =
  /** `endsLeftOut`: setup's route, held without these names with an end that the running daemon would write: it may not write the file. */
  { kind: 'current'; endsLeftOut?: string[] } | { kind: 'behind' } | { kind: 'unusable'; reason: string; hint?: string };

/** Whether the file's block holds exactly `lines`, is behind, or cannot be used (a damaged block, a file that cannot be read). */
export function hostsBlockState(
  path: string,
  lines: readonly string[] | undefined,
  system = new SystemAccess('/'),
  keeper: BlockKeeper = 'sync',
): HostsBlockState {
  try {
    const content = readHostsFile(path, system);
    refuseNonHostsFile(content, system.path(path));
    return withBlock(content, lines, { keeper, path: system.path(path) }) === content ? { kind: 'current' } : { kind: 'behind' };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (error instanceof DevdnsError) return { kind: 'unusable', reason: error.message, ...(error.hint ? { hint: error.hint } : {}) };
    return {
      kind: 'unusable',
      reason: code === 'ENOENT' ? `${system.path(path)} does not exist` : `${system.path(path)}: ${code ?? (error as Error).message}`,
    };
  }
}

/**
 * Whether setup's hosts-file route holds what it should for `records`. While the daemon runs,
 * either as the daemon writes it (records with an end included, when it may write the file) or as
 * anything else does (`hosts sync` and setup leave them out, since no one may take them out at
 * their end); while it is down, only without them (a daemon that died left them behind).
 */
export function routeBlockState(
  path: string,
  records: readonly DnsRecord[],
  tlds: readonly string[],
  system: SystemAccess,
  daemonRunning: boolean,
): HostsBlockState {
  const withoutEnds = hostsBlock(records, tlds, { daemonKeeps: false });
  const without = hostsBlockState(path, blockLines(withoutEnds), system, 'setup');
  if (!daemonRunning) return without;
  const withEnds = hostsBlock(records, tlds, { daemonKeeps: true });
  const kept = hostsBlockState(path, blockLines(withEnds), system, 'setup');
  if (kept.kind !== 'behind' || without.kind !== 'current') return kept;
  // The form without them, while the daemon runs: it wrote nothing since (it may not write the file).
  const leftOut = withEnds.lines.filter((line) => !withoutEnds.lines.includes(line)).map((line) => line.split(' ')[1] as string);
  return { kind: 'current', endsLeftOut: [...new Set(leftOut)] };
}

/** Replaces the whole file's content, by the same rule as setHostsBlock. Returns how it was written. */
export function writeHostsFile(path: string, content: string): 'renamed' | 'in-place' {
  return new SystemAccess('/').writeFile(path, content);
}
