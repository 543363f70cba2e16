// Whole numbers from what a user types or a file holds: record fields, TTLs, ports and counts.
import { InputError } from '../errors.js';
import { MAX_TTL } from './types.js';

/** A whole number in [min, max], from text or a JSON number. */
export function parseInteger(value: string | number, field: string, min: number, max: number): number {
  const text = String(value).trim();
  if (!/^-?[0-9]+$/.test(text)) {
    throw new InputError(field, `"${value}" is not a whole number`, `use a number from ${min} to ${max}`);
  }
  const number = Number(text);
  if (number < min || number > max) {
    throw new InputError(field, `${text} is out of range`, `use a number from ${min} to ${max}`);
  }
  return number;
}

export function parseTtl(value: string | number, field = '--ttl'): number {
  // RFC 2181 §8: a TTL is an unsigned 31-bit number of seconds.
  return parseInteger(value, field, 0, MAX_TTL);
}
