// DNS over HTTPS (RFC 8484): questions POSTed as application/dns-message over one HTTP/2
// connection per upstream, kept while questions come and closed after a quiet spell, made again
// after an error or a GOAWAY. The certificate is verified against the name after `#` (or the
// address, when none was given); there is no way to skip that. The server is not trusted: an
// answer is taken only with :status 200, the DNS media type, at most 65535 bytes, and the
// question asked, within the caller's deadline; every failure becomes a rejection, never a throw.
import type { ClientHttp2Session, ClientHttp2Stream, IncomingHttpHeaders, IncomingHttpStatusHeader } from 'node:http2';
import { isIP } from 'node:net';
import { withDeadline } from '../dns/client.js';
import { http2, tls } from '../platform/builtins.js';
import { UpstreamMismatch } from './tcp-upstream.js';
import { answersQuestion, type Upstream, type UpstreamQuestion, UpstreamTimeout } from './udp-upstream.js';

export interface HttpsUpstream extends Upstream {
  /** The request's :path, `/dns-query`. */
  path: string;
  /** The name the certificate must be for, sent as SNI and :authority; the address when it is one. */
  servername: string;
}

export interface HttpsClientOptions {
  /** The connection closes once no question has been open this long (default 10 s). */
  idleMs?: number;
  /** Certificates to trust in place of the system's; for tests, as NODE_EXTRA_CA_CERTS is for the daemon. */
  ca?: string | Buffer;
}

/** RFC 8484 §6: the one media type, for the request and the answer. */
const DNS_MESSAGE = 'application/dns-message';
/** The largest DNS message (RFC 1035 §4.2.2's 16-bit length); a longer body is not one. */
export const MAX_ANSWER_BYTES = 65535;
const DEFAULT_IDLE_MS = 10_000;

/** The upstream answered, but not with a DNS message: a status other than 200, another type, too large. */
export class UpstreamRefusedAnswer extends Error {}

/** One DoH upstream: its HTTP/2 connection, made on the first question, and the questions on it. */
export class HttpsUpstreamClient {
  readonly #upstream: HttpsUpstream;
  readonly #idleMs: number;
  readonly #ca: string | Buffer | undefined;
  #session: ClientHttp2Session | undefined;
  #open = 0;
  #idle: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(upstream: HttpsUpstream, options: HttpsClientOptions = {}) {
    this.#upstream = upstream;
    this.#idleMs = options.idleMs ?? DEFAULT_IDLE_MS;
    this.#ca = options.ca;
  }

  /** Whether a connection is held now (for tests of the idle close). */
  get connected(): boolean {
    return this.#session !== undefined;
  }

  /**
   * Sends `query` with ID 0 (RFC 8484 §4.1: the same question is the same request, for HTTP
   * caches) and returns the answer, whose ID must be 0 too and whose question must be the one
   * asked; the forwarder puts the client's ID back.
   */
  ask(query: Uint8Array, question: UpstreamQuestion, timeoutMs: number): Promise<Uint8Array> {
    const message = Buffer.from(query);
    message.writeUInt16BE(0, 0);
    const where = this.#describe();
    return withDeadline(
      timeoutMs,
      () => new UpstreamTimeout(this.#upstream, timeoutMs),
      (finish) => {
        let session: ClientHttp2Session;
        let stream: ClientHttp2Stream;
        try {
          if (this.#closed) throw new Error(`${where}: devdns is stopping`);
          session = this.#connect();
          stream = session.request(
            {
              ':method': 'POST',
              ':path': this.#upstream.path,
              'content-type': DNS_MESSAGE,
              accept: DNS_MESSAGE,
              'content-length': String(message.length),
            },
            { endStream: false },
          );
        } catch (error) {
          // A connection that a GOAWAY or an error has just ended: the next question makes another.
          this.#forget(this.#session);
          finish(error instanceof Error ? error : new Error(String(error)));
          return { close: () => undefined };
        }
        this.#opened();
        stream.on('close', () => this.#closedOne());
        readAnswer(stream, where, question, finish);
        stream.end(message);
        return {
          close: () => {
            if (!stream.closed) stream.close(http2().constants.NGHTTP2_CANCEL);
            // No connection within the whole wait: it is not kept for the next question.
            if (session.connecting) this.#forget(session);
          },
        };
      },
    );
  }

  /** Ends the connection now, and refuses questions from here on (the daemon is stopping). */
  close(): void {
    this.#closed = true;
    clearTimeout(this.#idle);
    this.#session?.destroy();
    this.#session = undefined;
  }

  #describe(): string {
    const { host, port, path } = this.#upstream;
    return `${host.includes(':') ? `[${host}]` : host}:${port}${path}`;
  }

  /** The connection held, or a new one. The name is never looked up: the address is the upstream's. */
  #connect(): ClientHttp2Session {
    const held = this.#session;
    if (held !== undefined && !held.closed && !held.destroyed) return held;
    const { host, port, servername } = this.#upstream;
    const named = isIP(servername) === 0;
    const authority = `https://${servername.includes(':') ? `[${servername}]` : servername}:${port}`;
    const session = http2().connect(authority, {
      createConnection: () =>
        tls().connect({
          host,
          port,
          // RFC 6066 §3: SNI carries a name, never an address.
          ...(named ? { servername } : {}),
          ALPNProtocols: ['h2'],
          rejectUnauthorized: true,
          checkServerIdentity: (_host, certificate) => tls().checkServerIdentity(servername, certificate),
          ...(this.#ca === undefined ? {} : { ca: this.#ca }),
        }),
      settings: { enablePush: false },
    });
    // A held connection never keeps the daemon's process alive; an open question has its own timer.
    session.unref();
    session.on('error', () => this.#forget(session));
    // Going away: the questions open on it are still answered (node closes it after them); new ones go on a new one.
    session.on('goaway', () => {
      if (session === this.#session) this.#session = undefined;
    });
    session.on('close', () => this.#forget(session));
    this.#session = session;
    return session;
  }

  #forget(session: ClientHttp2Session | undefined): void {
    if (session === undefined || session !== this.#session) return;
    this.#session = undefined;
    if (!session.destroyed) session.destroy();
  }

  #opened(): void {
    this.#open++;
    clearTimeout(this.#idle);
    this.#idle = undefined;
  }

  #closedOne(): void {
    this.#open--;
    if (this.#open > 0 || this.#session === undefined) return;
    const session = this.#session;
    this.#idle = setTimeout(() => {
      if (this.#open > 0 || session !== this.#session) return;
      // Quiet: a GOAWAY and the socket closed, so nothing is held between bursts of questions.
      this.#session = undefined;
      session.close();
    }, this.#idleMs).unref();
  }
}

/**
 * Reads the answer on `stream` into `finish`: the headers checked first, the body held to
 * MAX_ANSWER_BYTES, and taken only when the stream closed cleanly and it answers `question`.
 */
function readAnswer(
  stream: ClientHttp2Stream,
  where: string,
  question: UpstreamQuestion,
  finish: (result: Uint8Array | Error) => void,
): void {
  const chunks: Buffer[] = [];
  let received = 0;
  let accepted = false;
  let ended = false;
  stream.on('response', (headers: IncomingHttpHeaders & IncomingHttpStatusHeader) => {
    const problem = refusal(headers);
    if (problem !== undefined) finish(new UpstreamRefusedAnswer(`${where} ${problem}`));
    else accepted = true;
  });
  stream.on('data', (chunk: Buffer) => {
    if (!accepted) return;
    received += chunk.length;
    if (received > MAX_ANSWER_BYTES) {
      accepted = false;
      finish(new UpstreamRefusedAnswer(`${where} sent more than ${MAX_ANSWER_BYTES} bytes`));
      return;
    }
    chunks.push(chunk);
  });
  stream.on('end', () => {
    ended = true;
  });
  stream.on('error', (error) => finish(error));
  // Node ends the body of a stream cut off too: only one closed without an error code (the
  // server's END_STREAM) has the whole answer. (nghttp2 resets one shorter than its content-length.)
  stream.on('close', () => {
    if (!accepted || !ended || stream.rstCode !== http2().constants.NGHTTP2_NO_ERROR) {
      finish(new UpstreamMismatch(`${where} closed the stream without an answer`));
      return;
    }
    const answer = Buffer.concat(chunks);
    finish(answersQuestion(answer, 0, question) ? answer : new UpstreamMismatch(`${where} answered another question`));
  });
}

/** Why an answer's headers say it is not a DNS message, or undefined when they are right. */
function refusal(headers: IncomingHttpHeaders & IncomingHttpStatusHeader): string | undefined {
  const status = headers[':status'];
  if (status !== 200) return `answered HTTP ${status ?? 'without a status'}`;
  const type = String(headers['content-type'] ?? '')
    .split(';')[0]
    ?.trim()
    .toLowerCase();
  if (type !== DNS_MESSAGE) return `answered ${type === '' ? 'without a content-type' : type}, not ${DNS_MESSAGE}`;
  const length = Number(headers['content-length'] ?? 0);
  if (length > MAX_ANSWER_BYTES) return `announced ${length} bytes, more than a DNS message`;
  return undefined;
}
