// Which zone a name belongs to, and which zones devdns may claim without being told twice.
import { InputError } from '../errors.js';
import { isAtOrBelow } from './names.js';
import type { ZoneSettings } from './types.js';

/**
 * Names reserved for local use, safe to serve: RFC 2606 (test, example, invalid, localhost),
 * RFC 8375 (home.arpa), ICANN's 2024 resolution (internal), and the RFC 6303 locally served
 * reverse zones (loopback, private, link-local, documentation), so PTR records work too.
 */
const RFC6303_V4 = [
  '0',
  '127',
  '10',
  '254.169',
  '168.192',
  '2.0.192',
  '100.51.198',
  '113.0.203',
  '255.255.255.255',
  ...Array.from({ length: 16 }, (_, i) => `${16 + i}.172`),
].map((zone) => `${zone}.in-addr.arpa`);
const RFC6303_V6 = [
  `${'0.'.repeat(32)}ip6.arpa`,
  `1.${'0.'.repeat(31)}ip6.arpa`,
  'd.f.ip6.arpa',
  '8.e.f.ip6.arpa',
  '9.e.f.ip6.arpa',
  'a.e.f.ip6.arpa',
  'b.e.f.ip6.arpa',
  '8.b.d.0.1.0.0.2.ip6.arpa',
];
export const RESERVED_ZONES: readonly string[] = [
  'test',
  'localhost',
  'internal',
  'example',
  'invalid',
  'home.arpa',
  ...RFC6303_V4,
  ...RFC6303_V6,
];

/** The longest of `zones` that holds `name`, or undefined when none does. */
export function zoneOf(name: string, zones: Iterable<string>): string | undefined {
  let best: string | undefined;
  for (const zone of zones) {
    if (isAtOrBelow(name, zone) && (best === undefined || zone.length > best.length)) best = zone;
  }
  return best;
}

/**
 * Whether `zone` (the zone that holds a name, as {@link zoneOf} finds it) is one devdns answers in
 * full: its own, where a name without records is NXDOMAIN and nothing is asked upstream. No
 * override may be made inside it, by the user (`devdns override`) or by a linked project, as that
 * would hand the real servers names the user keeps to devdns.
 */
export function answeredInFull(zones: Readonly<Record<string, ZoneSettings>>, zone: string | undefined): zone is string {
  return zone !== undefined && zones[zone]?.override !== true;
}

/** Why a zone needs the user's explicit consent. */
export type ZoneRisk = 'public' | 'mdns';

export interface ZoneProposal {
  zone: string;
  /** Present when claiming the zone can break something outside devdns. */
  risk?: ZoneRisk;
}

/**
 * A zone name devdns can keep: every one but `__proto__`, which as a key of the plain objects the
 * zones are kept in (and JSON files hold) would stand for the object's prototype, not a zone.
 * No real top-level domain has an underscore. Returns the zone; throws InputError.
 */
export function usableZone(zone: string, field: string): string {
  if (zone === '__proto__') throw new InputError(field, 'a zone cannot be named "__proto__"', 'choose another name');
  return zone;
}

/**
 * The zone to start serving for a name that lies in none of ours. A reserved name gets its
 * reserved zone. Anything else is a real (or future) public name: claiming it shadows real
 * sites, and TLDs such as .dev and .app are HSTS-preloaded, so it needs consent; its zone is
 * then the name's last two labels, never a whole TLD. `.local` belongs to mDNS (RFC 6762).
 */
export function proposeZone(name: string): ZoneProposal {
  const reserved = zoneOf(name, RESERVED_ZONES);
  if (reserved !== undefined) return { zone: reserved };
  const labels = name.split('.').filter((label) => label !== '*');
  const zone = labels.slice(-2).join('.');
  if (labels.at(-1) === 'local') return { zone, risk: 'mdns' };
  return { zone, risk: 'public' };
}

/** A zone that needs the user's consent before devdns serves it, and why. */
export interface RiskyZone {
  zone: string;
  /** `localhost`: names every program takes for this machine (RFC 6761 §6.3). */
  risk: ZoneRisk | 'localhost';
  /** The zone is a whole top-level domain (`com`): every real name under it would be shadowed. */
  wholeTld: boolean;
}

/**
 * The zones of a file (a linked project's, say) that claim real names: anything outside the
 * reserved zones, and `.local`. Records always lie in a listed zone (the file checker makes
 * sure), so the listed zones are all there is to check.
 */
export function riskyZones(zones: Iterable<string>, options: { localhost?: boolean } = {}): RiskyZone[] {
  const risky: RiskyZone[] = [];
  for (const zone of zones) {
    // Someone else's file (a linked project) may not make localhost names anything: it is asked too.
    if (options.localhost && zoneOf(zone, ['localhost']) !== undefined) {
      risky.push({ zone, risk: 'localhost', wholeTld: zone === 'localhost' });
      continue;
    }
    if (zoneOf(zone, RESERVED_ZONES) !== undefined) continue;
    risky.push({ zone, risk: zone === 'local' || zone.endsWith('.local') ? 'mdns' : 'public', wholeTld: !zone.includes('.') });
  }
  return risky.sort((a, b) => a.zone.localeCompare(b.zone));
}

/** One line on what serving these zones would do, for refusals and doctor. */
export function describeRiskyZones(zones: readonly RiskyZone[]): string {
  return zones
    .map(({ zone, risk, wholeTld }) =>
      risk === 'localhost'
        ? `${zone} (localhost names, which every program takes for this machine)`
        : risk === 'mdns'
          ? `${zone} (mDNS names: lookups there stall)`
          : wholeTld
            ? `${zone} (a whole public top-level domain: every real .${zone} site)`
            : `${zone} (a public domain: its real sites)`,
    )
    .join(', ');
}
