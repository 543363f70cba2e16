// The hosts-file fallback: devdns's A and AAAA records between marker lines in the system hosts
// file. Only the block is ever touched; the file is replaced whole (temp file and rename) or, where
// it is a mount point and cannot be renamed over (containers, bind mounts), rewritten in place.
import {
  chownSync,
  closeSync,
  fsyncSync,
  ftruncateSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { isWildcardName } from '../records/names.js';
import type { DnsRecord } from '../records/types.js';

export const BLOCK_BEGIN = '# devdns begin';
export const BLOCK_END = '# devdns end';
const BLOCK_NOTE = '# written by devdns hosts sync; devdns hosts clean removes this block';

export function defaultHostsPath(platform: NodeJS.Platform = process.platform): string {
  return platform === 'win32' ? 'C:\\Windows\\System32\\drivers\\etc\\hosts' : '/etc/hosts';
}

export interface HostsBlock {
  lines: string[];
  /** Records a hosts file cannot hold, with why. */
  skipped: Array<{ name: string; type: string; reason: string }>;
}

/** The block's lines for the records: one line per address, wildcards and other types skipped. */
export function hostsBlock(records: readonly DnsRecord[]): HostsBlock {
  const lines: string[] = [];
  const skipped: HostsBlock['skipped'] = [];
  for (const record of records) {
    if (record.type !== 'A' && record.type !== 'AAAA') {
      if (record.type === 'CNAME') skipped.push({ name: record.name, type: record.type, reason: 'a hosts file has no aliases' });
      continue;
    }
    if (isWildcardName(record.name)) {
      skipped.push({ name: record.name, type: record.type, reason: 'a hosts file has no wildcards' });
      continue;
    }
    lines.push(`${record.address} ${record.name}`);
  }
  return { lines, skipped };
}

/** Marks a block appended to a file that had no final line break, so removing it restores that. */
const ADDED_BREAK = ' (devdns added the line break before it)';

/** The block as a span of the text: from the start of its begin line to after its end line. */
function findBlock(content: string, eol: string): { start: number; end: number; addedBreak: boolean } | undefined {
  const lineStart = (index: number) => (index === 0 ? 0 : content.lastIndexOf(eol, index) + eol.length);
  let begin = content.indexOf(BLOCK_BEGIN);
  while (begin >= 0 && lineStart(begin) !== begin) begin = content.indexOf(BLOCK_BEGIN, begin + 1);
  if (begin < 0) return undefined;
  const beginLineEnd = content.indexOf(eol, begin);
  const marker = content.slice(begin, beginLineEnd < 0 ? undefined : beginLineEnd);
  let endMarker = content.indexOf(`${eol}${BLOCK_END}`, begin);
  if (endMarker < 0) return undefined;
  endMarker += eol.length;
  const endLineEnd = content.indexOf(eol, endMarker);
  return { start: begin, end: endLineEnd < 0 ? content.length : endLineEnd + eol.length, addedBreak: marker.endsWith(ADDED_BREAK) };
}

/**
 * The file with the block set to `blockLines` (undefined: the block removed). Everything outside
 * the block stays byte for byte, and removing the block restores the file exactly as it was
 * before the first sync.
 */
export function withBlock(content: string, blockLines: readonly string[] | undefined): string {
  const eol = content.includes('\r\n') ? '\r\n' : '\n';
  const found = findBlock(content, eol);
  const blockText = (addedBreak: boolean) =>
    blockLines === undefined
      ? ''
      : [`${BLOCK_BEGIN}${addedBreak ? ADDED_BREAK : ''}`, BLOCK_NOTE, ...blockLines, BLOCK_END].map((line) => `${line}${eol}`).join('');
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

export function readHostsFile(path: string): string {
  return readFileSync(path, 'utf8');
}

/**
 * Replaces the file's content safely: a temp file beside it, fsync, rename, keeping mode and owner.
 * A mount point cannot be renamed over (EBUSY), so there it is rewritten in place in one write.
 * Returns how it was written.
 */
export function writeHostsFile(path: string, content: string): 'renamed' | 'in-place' {
  const stat = statSync(path);
  const temp = join(dirname(path), `.${basename(path)}.devdns-${process.pid}`);
  try {
    writeFileSync(temp, content, { mode: stat.mode & 0o777, flag: 'wx' });
    try {
      chownSync(temp, stat.uid, stat.gid);
    } catch {
      // not root: the file stays ours, as the original was
    }
    const fd = openSync(temp, 'r');
    fsyncSync(fd);
    closeSync(fd);
    renameSync(temp, path);
    return 'renamed';
  } catch (error) {
    rmSync(temp, { force: true });
    // EBUSY/EXDEV: a mount point; EACCES/EPERM: a directory we may not write holding a file we may.
    if (!['EBUSY', 'EXDEV', 'EPERM', 'EACCES'].includes((error as NodeJS.ErrnoException).code ?? '')) throw error;
  }
  const fd = openSync(path, 'r+');
  try {
    const bytes = Buffer.from(content, 'utf8');
    writeSync(fd, bytes, 0, bytes.length, 0);
    ftruncateSync(fd, bytes.length);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  return 'in-place';
}
