// Domain-name rules: how a user's text becomes a stored name, and what a stored name may be.
import { InputError } from '../errors.js';

/** RFC 1035 §2.3.4: 63 octets a label; 255 octets on the wire is 253 characters in text form. */
export const MAX_LABEL_OCTETS = 63;
export const MAX_NAME_CHARS = 253;
export const WILDCARD_LABEL = '*';

export interface NameRules {
  /** Allow `*` as the whole leftmost label (RFC 4592). Owner names only. */
  wildcard?: boolean;
}

/**
 * Turns user text into a stored name: lowercase ASCII, no trailing dot, every label checked.
 * `field` names the input in errors ("name", "value", "CNAME target").
 */
export function normalizeName(text: string, field: string, rules: NameRules = {}): string {
  // Text already in stored form comes back as it is: the full rules would give it back unchanged.
  return isStoredName(text, rules.wildcard === true) ? text : normalizeNameInFull(text, field, rules);
}

/** {@link normalizeName} without its shortcut: every rule in turn, each with its own message. */
export function normalizeNameInFull(text: string, field: string, rules: NameRules = {}): string {
  const fail = (message: string, hint?: string): never => {
    throw new InputError(field, message, hint);
  };
  if (text === '' || text === '.') fail('is empty', 'give a domain name such as myapp.test');
  if (text.startsWith('-')) fail(`"${text}" starts with "-"`, 'a domain name starts with a letter, digit or _');
  if (/\s/.test(text)) fail(`"${text}" contains white space`, 'a domain name has no spaces');
  if (text.startsWith('.')) fail(`"${text}" starts with a dot`, 'remove the leading dot');
  let name = text.endsWith('.') ? text.slice(0, -1) : text;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: checking for exactly these
  if (/[\u0000-\u001f\u007f]/.test(name)) fail('contains a control character', 'type the name as plain text');
  if (/[^\x20-\x7e]/.test(name)) name = idnToAscii(name, field);
  name = name.toLowerCase();
  const labels = name.split('.');
  for (const [index, label] of labels.entries()) {
    checkLabel(label, index, text, field, rules);
  }
  if (name.length > MAX_NAME_CHARS) {
    fail(`is ${name.length} characters long; a domain name has at most ${MAX_NAME_CHARS}`, 'use a shorter name');
  }
  return name;
}

const DOT = 0x2e;
const HYPHEN = 0x2d;
const STAR = 0x2a;

/** `a-z`, `0-9`, `_` and `-`: what a stored label holds. */
function isLabelCode(code: number): boolean {
  return (code >= 0x61 && code <= 0x7a) || (code >= 0x30 && code <= 0x39) || code === 0x5f || code === HYPHEN;
}

/**
 * True when `text` is a name exactly as {@link normalizeName} stores it, so that it would come
 * back unchanged: labels of 1 to 63 of `a-z0-9_-`, none starting or ending with `-`, at most 253
 * characters in all, and `*` only as the whole leftmost label when `wildcard` allows it. One
 * pass over the characters, without allocating: the records file holds names in this form.
 */
export function isStoredName(text: string, wildcard: boolean): boolean {
  const length = text.length;
  if (length === 0 || length > MAX_NAME_CHARS) return false;
  let start = 0;
  if (text.charCodeAt(0) === STAR) {
    if (!wildcard) return false;
    if (length === 1) return true;
    if (text.charCodeAt(1) !== DOT) return false;
    start = 2;
  }
  let labelStart = start;
  for (let i = start; i <= length; i++) {
    const code = i === length ? DOT : text.charCodeAt(i);
    if (code === DOT) {
      const labelLength = i - labelStart;
      if (labelLength === 0 || labelLength > MAX_LABEL_OCTETS) return false;
      if (text.charCodeAt(labelStart) === HYPHEN || text.charCodeAt(i - 1) === HYPHEN) return false;
      labelStart = i + 1;
    } else if (!isLabelCode(code)) {
      return false;
    }
  }
  return true;
}

/** IDNs are stored as punycode (UTS #46 via the WHATWG URL parser): dns2 corrupts raw UTF-8 on the wire. */
function idnToAscii(name: string, field: string): string {
  const isWild = name.startsWith('*.');
  const rest = isWild ? name.slice(2) : name;
  let ascii = '';
  try {
    ascii = new URL(`http://${rest}/`).hostname;
  } catch {
    // not a valid IDN: reported below
  }
  if (ascii === '' || ascii.startsWith('[') || /[^a-z0-9_.-]/.test(ascii)) {
    throw new InputError(field, `"${name}" is not a valid internationalised domain name`, 'check the characters (IDNA 2008)');
  }
  return isWild ? `*.${ascii}` : ascii;
}

function checkLabel(label: string, index: number, text: string, field: string, rules: NameRules): void {
  const fail = (message: string, hint: string): never => {
    throw new InputError(field, message, hint);
  };
  if (label === '') fail(`"${text}" has an empty label (two dots in a row)`, 'remove the extra dot');
  if (label.includes(WILDCARD_LABEL)) {
    if (label !== WILDCARD_LABEL || index !== 0 || !rules.wildcard) {
      fail(
        `"${text}" has "*" where a wildcard cannot be`,
        rules.wildcard
          ? '"*" may only be the whole leftmost label (RFC 4592), as in *.shop.test'
          : 'a wildcard is only allowed as a record name',
      );
    }
    return;
  }
  if (label.length > MAX_LABEL_OCTETS) {
    fail(`label "${label.slice(0, 20)}..." is ${label.length} octets; a label has at most ${MAX_LABEL_OCTETS}`, 'shorten that label');
  }
  const bad = /[^a-z0-9_-]/.exec(label);
  if (bad) fail(`"${text}" has the character "${bad[0]}"`, 'a label holds letters, digits, "-" and "_"');
  if (label.startsWith('-') || label.endsWith('-')) {
    fail(`label "${label}" starts or ends with "-"`, 'a label may not begin or end with a hyphen (RFC 952)');
  }
}

export function isWildcardName(name: string): boolean {
  return name === WILDCARD_LABEL || name.startsWith(`${WILDCARD_LABEL}.`);
}

/** True when `name` is `zone` itself or lies below it. Both are stored names. */
export function isAtOrBelow(name: string, zone: string): boolean {
  if (name === zone) return true;
  // `.${zone}` at the end, compared in place: this runs for every record against every zone.
  const dot = name.length - zone.length - 1;
  return dot >= 0 && name.charCodeAt(dot) === DOT && name.endsWith(zone);
}
