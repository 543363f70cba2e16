// The running DNS service: the records file, watched, served by the DNS server. A change to the
// file (a `devdns add`, a hand edit) is answered within milliseconds; a file that stops parsing
// is reported and the last good records keep being served. start() undoes a half-finished start.
import { type FSWatcher, mkdirSync, watch } from 'node:fs';
import { answerQuery } from '../dns/answer.js';
import { CLASS_IN, type Query, type Response } from '../dns/protocol.js';
import { respond } from '../dns/respond.js';
import { type Client, type DnsServer, startDnsServer } from '../dns/server.js';
import { buildZoneIndex, type ZoneIndex } from '../dns/zone-index.js';
import { RECORDS_FILE_NAME } from '../store/paths.js';
import { RecordStore } from '../store/record-store.js';

export interface QueryEvent {
  client: Client;
  query: Query | undefined;
  response: Response | undefined;
  dropped: string | undefined;
  /** Time spent answering, in microseconds. */
  micros: number;
}

export interface DnsServiceOptions {
  home: string;
  host: string;
  port: number;
  tcpIdleMs?: number;
  onQuery?: (event: QueryEvent) => void;
  onReload?: (recordCount: number) => void;
  /** The records file stopped parsing (the last good records stay in service), or a socket error. */
  onProblem?: (error: Error) => void;
}

export interface DnsService {
  host: string;
  port: number;
  recordsPath: string;
  recordCount(): number;
  /** Answers a question from the records in service, by the same rules as over the wire. */
  answer(name: string, type: number): Response;
  /** Re-reads the records file now. */
  reload(): void;
  close(): Promise<void>;
}

/** Lets a burst of file events (temp file, rename) settle into one reload. */
const RELOAD_SETTLE_MS = 15;

export async function startDnsService(options: DnsServiceOptions): Promise<DnsService> {
  const store = new RecordStore(options.home);
  // A records file that does not parse stops the start, with the store's own message.
  let file = store.read();
  let index: ZoneIndex = buildZoneIndex(file);
  const problem = options.onProblem ?? (() => undefined);

  const reload = (): void => {
    try {
      const next = store.read();
      file = next;
      index = buildZoneIndex(next);
      options.onReload?.(next.records.length);
    } catch (error) {
      problem(error as Error);
    }
  };

  mkdirSync(options.home, { recursive: true, mode: 0o700 });
  let timer: NodeJS.Timeout | undefined;
  // The directory is watched, not the file: writers replace the file by renaming a new one over it.
  const watcher: FSWatcher = watch(options.home, (_event, name) => {
    if (name !== null && name !== RECORDS_FILE_NAME) return;
    clearTimeout(timer);
    timer = setTimeout(reload, RELOAD_SETTLE_MS);
  });
  watcher.on('error', problem);

  let server: DnsServer;
  try {
    server = await startDnsServer({
      host: options.host,
      port: options.port,
      ...(options.tcpIdleMs === undefined ? {} : { tcpIdleMs: options.tcpIdleMs }),
      onError: problem,
      handle: (message, client) => {
        const started = process.hrtime.bigint();
        const exchange = respond(index, message, client.transport);
        const micros = Number((process.hrtime.bigint() - started) / 1000n);
        options.onQuery?.({ client, query: exchange.query, response: exchange.response, dropped: exchange.dropped, micros });
        return exchange.reply;
      },
    });
  } catch (error) {
    watcher.close();
    throw error;
  }

  return {
    host: server.host,
    port: server.port,
    recordsPath: store.path,
    recordCount: () => file.records.length,
    answer: (name, type) =>
      answerQuery(index, {
        id: 0,
        opcode: 0,
        recursionDesired: false,
        checkingDisabled: false,
        question: { name, type, class: CLASS_IN },
        questionCount: 1,
        edns: undefined,
        malformed: undefined,
      }),
    reload,
    close: async () => {
      clearTimeout(timer);
      watcher.close();
      await server.close();
    },
  };
}
