// `--for 30m`: how long a record lasts, as a user types it, and the time left as it is shown. Pure,
// and light: `add` and `ls` load it without the record-set code.
import { InputError } from '../errors.js';

const UNIT_SECONDS: Readonly<Record<string, number>> = { s: 1, m: 60, h: 3600, d: 86_400 };
/** The longest `--for`: a year. Past that a record is not temporary. */
export const MAX_LIFETIME_SECONDS = 365 * 86_400;
const DURATION = /^(?:\d{1,9}[smhd])+$/;

/** `--for` as seconds: 90s, 30m, 2h, 1h30m, 7d; 1 second to a year. */
export function parseDuration(text: string, field = '--for'): number {
  const given = text.trim().toLowerCase();
  const hint = 'use a number and a unit, e.g. 30m, 2h, 1h30m or 7d';
  if (!DURATION.test(given)) throw new InputError(field, `"${text}" is not a duration`, hint);
  let seconds = 0;
  for (const [, count, unit] of given.matchAll(/(\d+)([smhd])/g)) seconds += Number(count) * (UNIT_SECONDS[unit as string] as number);
  if (seconds < 1 || seconds > MAX_LIFETIME_SECONDS)
    throw new InputError(field, `"${text}" is ${seconds < 1 ? 'no time at all' : 'more than a year'}`, `${hint}; at most 365d`);
  return seconds;
}

/** The time left until `expires`, as a person says it: 1h 29m, 45s, 2d 3h. */
export function timeLeft(expires: string, now: number): string {
  const seconds = Math.max(0, Math.round((Date.parse(expires) - now) / 1000));
  if (seconds < 60) return `${seconds}s`;
  const days = Math.floor(seconds / 86_400);
  const hours = Math.floor((seconds % 86_400) / 3600);
  const minutes = Math.floor((seconds % 3600) / 60);
  if (days > 0) return hours > 0 ? `${days}d ${hours}h` : `${days}d`;
  if (hours > 0) return minutes > 0 ? `${hours}h ${minutes}m` : `${hours}h`;
  return `${minutes}m`;
}
