// DNS over TLS (RFC 7858): the TCP exchange of tcp-upstream.ts over TLS to port 853, the
// certificate verified against the name the user gave after `#` (RFC 7858 §4.2's "strict
// privacy": no answer without a verified certificate). The system's CAs, and NODE_EXTRA_CA_CERTS
// for a private one, are what Node trusts.
import { tls } from '../platform/builtins.js';
import { queryTcp, type StreamOpener } from './tcp-upstream.js';
import type { Upstream, UpstreamQuestion } from './udp-upstream.js';

export interface TlsUpstream extends Upstream {
  /** The name the certificate must be for. */
  servername: string;
}

export function queryTls(upstream: TlsUpstream, query: Uint8Array, question: UpstreamQuestion, timeoutMs: number): Promise<Uint8Array> {
  const open: StreamOpener = () => ({
    socket: tls().connect({
      host: upstream.host,
      port: upstream.port,
      servername: upstream.servername,
      rejectUnauthorized: true,
      // The name checked is the one after `#`, not the address connected to.
      checkServerIdentity: (_host, certificate) => tls().checkServerIdentity(upstream.servername, certificate),
      ALPNProtocols: ['dot'],
    }),
    ready: 'secureConnect',
  });
  return queryTcp(upstream, query, question, timeoutMs, open);
}
