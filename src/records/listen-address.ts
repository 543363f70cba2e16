// Where the DNS server may listen: a loopback address and a port. devdns serves this machine only
// (an open resolver on the network is an amplifier, RFC 5358).
import { InputError } from '../errors.js';
import { parseIPv4, parseIPv6 } from './ip.js';
import { parseInteger } from './record-input.js';

export function isLoopback(address: string): boolean {
  return address === '::1' || address.startsWith('127.') || address.startsWith('::ffff:127.');
}

/**
 * Whether asking an address (in its normal form) reaches this machine: a loopback address, or
 * the unspecified one (0.0.0.0, ::, ::ffff:0.0.0.0), which a socket sends to this host.
 */
export function reachesThisMachine(address: string): boolean {
  return isLoopback(address) || address === '0.0.0.0' || address === '::' || address === '::ffff:0.0.0.0';
}

/** A checked address and port; a non-loopback address only with `allowLan` (devdns up --allow-lan). */
export function parseListenAddress(
  host: string,
  port: string | number,
  options: { allowLan?: boolean; field?: string } = {},
): { host: string; port: number } {
  const field = options.field ?? '--host';
  const v4 = parseIPv4(host);
  const v6 = parseIPv6(host);
  const address = v4.ok ? v4.address : v6.ok ? v6.address : undefined;
  if (address === undefined) {
    throw new InputError(field, `"${host}" is not an IP address`, 'use 127.0.0.1 or ::1 (a name such as localhost may mean either)');
  }
  if (!isLoopback(address) && !options.allowLan) {
    throw new InputError(
      field,
      `${address} is not a loopback address; devdns answers this machine only`,
      'use 127.0.0.1 or ::1, or add --allow-lan to be reachable from the network',
    );
  }
  return { host: address, port: parseInteger(port, '--port', 0, 65535) };
}
