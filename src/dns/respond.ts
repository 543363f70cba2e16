// One DNS exchange: query bytes in, reply bytes out (or nothing, for what must not be answered).
// read -> answer -> encode, with the size limit of the transport.
import { answerQuery } from './answer.js';
import { encodeResponse } from './encode.js';
import { CLASSIC_UDP_PAYLOAD, EDNS_UDP_PAYLOAD, type EdnsInfo, type Query, type Response } from './protocol.js';
import { readQuery } from './wire.js';
import type { ZoneIndex } from './zone-index.js';

export type Transport = 'udp' | 'tcp';

export interface Exchange {
  /** Undefined when the message is dropped unanswered. */
  reply: Buffer | undefined;
  query: Query | undefined;
  response: Response | undefined;
  /** Why the message was dropped. */
  dropped?: string;
}

/** The UDP size a reply may take: 512 without EDNS; the client's size clamped to 512..1232 with it. */
export function udpLimit(edns: EdnsInfo | undefined): number {
  if (!edns) return CLASSIC_UDP_PAYLOAD;
  return Math.min(Math.max(edns.udpSize, CLASSIC_UDP_PAYLOAD), EDNS_UDP_PAYLOAD);
}

const TCP_MESSAGE_LIMIT = 65535;

export function respond(index: ZoneIndex, bytes: Uint8Array, transport: Transport): Exchange {
  const read = readQuery(bytes);
  if (read.kind === 'drop') return { reply: undefined, query: undefined, response: undefined, dropped: read.reason };
  const response = answerQuery(index, read.query);
  const maxSize = transport === 'tcp' ? TCP_MESSAGE_LIMIT : udpLimit(read.query.edns);
  const reply = encodeResponse(response, { maxSize, query: { bytes, questionEnd: read.questionEnd, dottedLabel: read.dottedLabel } });
  return { reply, query: read.query, response };
}
