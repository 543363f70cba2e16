// systemd's configuration as systemd-resolved reads it: drop-in directories, where a file name in
// /etc hides the same name in /run or /usr/lib, and the negative trust anchor files of
// dnssec-trust-anchors.d(5), read by resolved's own rules (resolved-dns-trust-anchor.c): a line
// that starts with `;` is a comment, every other line one domain name and nothing after it.
import { RESOLVED_BUILTIN_NEGATIVE_ANCHORS, RESOLVED_NEGATIVE_ANCHORS } from './resolvers.js';
import type { SystemAccess } from './system.js';

/** Where systemd looks for drop-ins and trust anchors, the first winning for a file name (systemd.syntax(7)). */
const SYSTEMD_DIRS = ['/etc', '/run', '/usr/local/lib', '/usr/lib'];
const TRUST_ANCHORS = 'dnssec-trust-anchors.d';

/**
 * The files of a systemd drop-in directory (`resolved.conf.d`), in the order systemd reads them:
 * by file name, a name in /etc hiding the same name in /run or /usr/lib.
 */
export function dropIns(system: SystemAccess, relative: string, suffix: string): string[] {
  const byName = new Map<string, string>();
  for (const dir of SYSTEMD_DIRS) {
    for (const name of system.list(`${dir}/${relative}`)) {
      if (name.endsWith(suffix) && !byName.has(name)) byName.set(name, `${dir}/${relative}/${name}`);
    }
  }
  return [...byName.keys()].sort().map((name) => byName.get(name) as string);
}

/**
 * The domain of one line of a .negative file, as resolved reads it, or undefined for a comment,
 * a blank line and a line it ignores (an empty label, a name too long, anything after the name).
 * One pair of quotes around the name is taken off, as systemd's word splitting does.
 */
export function negativeAnchorLine(raw: string): string | undefined {
  const line = raw.trim();
  if (line === '' || line.startsWith(';')) return undefined;
  const words = line.split(/\s+/);
  if (words.length !== 1) return undefined;
  const word = (words[0] as string).replace(/^"(.*)"$/, '$1').replace(/^'(.*)'$/, '$1');
  const name = word.toLowerCase().replace(/\.$/, '');
  if (name === '' || name.length > 253) return undefined;
  if (name.split('.').some((label) => label === '' || label.length > 63)) return undefined;
  return name;
}

/** The negative trust anchors systemd-resolved's files name, with the file each is in. */
export function negativeAnchors(system: SystemAccess): Array<{ domain: string; file: string }> {
  const anchors: Array<{ domain: string; file: string }> = [];
  for (const file of dropIns(system, TRUST_ANCHORS, '.negative')) {
    for (const raw of (system.readFile(file) ?? '').split('\n')) {
      const domain = negativeAnchorLine(raw);
      if (domain !== undefined) anchors.push({ domain, file });
    }
  }
  return anchors;
}

/** Where resolved's own negative trust anchors are said to come from. */
export const BUILTIN_ANCHORS_FILE = "systemd-resolved's built-in list";

/**
 * The negative trust anchors resolved uses: those its files name (but `without`'s), or, while
 * they name none, its built-in ones, since any anchor in any file turns those off.
 */
export function negativeAnchorsInForce(system: SystemAccess, without?: string): Array<{ domain: string; file: string }> {
  const fromFiles = negativeAnchors(system).filter((anchor) => anchor.file !== without);
  if (fromFiles.length > 0) return fromFiles;
  return RESOLVED_BUILTIN_NEGATIVE_ANCHORS.map((domain) => ({ domain, file: BUILTIN_ANCHORS_FILE }));
}

/**
 * The negative trust anchors of resolved's own that a file of devdns's must list to keep: all of
 * them where no other .negative file names a domain (devdns's file would turn them off), none
 * where one does (they are off already, and stay so).
 */
export function builtinAnchorsToKeep(system: SystemAccess): readonly string[] {
  const inForce = negativeAnchorsInForce(system, RESOLVED_NEGATIVE_ANCHORS);
  return inForce.some((anchor) => anchor.file === BUILTIN_ANCHORS_FILE) ? RESOLVED_BUILTIN_NEGATIVE_ANCHORS : [];
}
