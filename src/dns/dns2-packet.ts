// dns2's Packet, the one way into dns2: the encoder writes answers and queries with it and the
// decoder reads the answers devdns gets from itself. Loaded on first use, never at import.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** What dns2's writer offers; ByteWriter (encode.ts) implements the same. */
export interface Dns2Writer {
  /** dns2's name-compression table: a Map compresses; anything else writes names in full. */
  names?: unknown;
}

/** The part of dns2's encoder devdns uses; its bundled types describe the parser's view. */
export interface Dns2Packet {
  header: Record<string, number>;
  questions: unknown[];
  answers: unknown[];
  authorities: unknown[];
  additionals: unknown[];
  toBuffer(writer?: Dns2Writer): Buffer;
}

export interface Dns2PacketApi {
  new (): Dns2Packet;
  parse(bytes: Buffer): { header: { rcode: number; id: number }; answers: Array<{ type: number; address?: string }> };
  Writer: new () => Dns2Writer;
  Resource: { EDNS(rdata: unknown[], options: { udpPayloadSize: number; doFlag: boolean }): Record<string, unknown> };
}

let loadedPacket: Dns2PacketApi | undefined;

/**
 * dns2's Packet, loaded on first use from its own file. The package's entry point also loads its
 * UDP, TCP and DNS-over-HTTPS servers and clients, none of which devdns uses: about 30 ms and
 * 5 MiB more at every start. Its exports map names only the entry point, so the file is found
 * beside it; the version is pinned in package.json.
 */
export function dns2Packet(): Dns2PacketApi {
  if (!loadedPacket) {
    const require = createRequire(import.meta.url);
    loadedPacket = require(join(dirname(require.resolve('dns2')), 'packet.js')) as Dns2PacketApi;
  }
  return loadedPacket;
}
