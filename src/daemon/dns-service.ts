// The running DNS service: the records file and linked project files, watched, served by the DNS
// server. A change (a `devdns add`, a hand edit, a pull of a team's devdns.json) is answered
// within milliseconds; a file that stops parsing is reported and the last good records keep
// being served. start() undoes a half-finished start.
import { type FSWatcher, mkdirSync, watch } from 'node:fs';
import { basename, dirname } from 'node:path';
import { answerQuestion } from '../dns/answer.js';
import type { Question, Response } from '../dns/protocol.js';
import { Responder } from '../dns/respond.js';
import { type DnsLimits, type DnsServer, startDnsServer } from '../dns/server.js';
import type { Transport } from '../dns/transport.js';
import { buildZoneIndex, type ZoneIndex } from '../dns/zone-index.js';
import type { RecordFile } from '../records/types.js';
import { HOME_FILES } from '../store/paths.js';
import { loadServedRecords, readLinks, servedSourcesStamp } from '../store/projects.js';
import { RecordStore } from '../store/record-store.js';

/** A query answered, as recorded for every one: numbers and references, no text made. */
export interface AnsweredQuery {
  /** When, in milliseconds since the epoch. */
  at: number;
  address: string;
  port: number;
  transport: Transport;
  /** As sent, case and all. */
  question: Question;
  response: Response;
  /** Time spent answering, in microseconds. */
  micros: number;
}

export interface DnsServiceOptions {
  home: string;
  host: string;
  port: number;
  /** What TCP clients may hold (the DNS server's defaults when not given). */
  limits?: DnsLimits;
  /** Each answered query (dropped ones and those without a readable question are not). */
  onQuery?: (query: AnsweredQuery) => void;
  /** After a reload that worked, with what is served now. */
  onReload?: (served: RecordFile) => void;
  /** The records file stopped parsing (the last good records stay in service), or a watch failed. */
  onProblem?: (error: Error) => void;
  /** A message dropped unanswered, or answered FORMERR: why, and where it came from. Per packet. */
  onBadMessage?: (reason: string, address: string, port: number, transport: Transport) => void;
  /** A socket error or a failure to answer one message; the server goes on. Per packet. */
  onServerError?: (error: Error) => void;
}

export interface DnsService {
  host: string;
  port: number;
  recordsPath: string;
  recordCount(): number;
  /** What is served now: the user's records and linked projects'. */
  served(): RecordFile;
  /** Why the last reload failed, while the last good records are served; undefined after one that worked. */
  recordsError(): string | undefined;
  /** Answers a question from the records in service, by the same rules as over the wire. */
  answer(name: string, type: number): Response;
  /**
   * Re-reads the records now, unless no source file changed since they were read: a change made
   * through the daemon, then seen by the file watcher, is loaded once. Returns whether it read.
   */
  reload(): boolean;
  close(): Promise<void>;
}

function safeLinks(home: string) {
  try {
    return readLinks(home);
  } catch {
    return [];
  }
}

/** Lets a burst of file events (temp file, rename) settle into one reload. */
const RELOAD_SETTLE_MS = 15;

export async function startDnsService(options: DnsServiceOptions): Promise<DnsService> {
  const store = new RecordStore(options.home);
  const problem = options.onProblem ?? (() => undefined);
  // The user's records file not parsing stops the start, with the store's own message; a linked
  // project file that does not parse is reported and left out.
  let loadedStamp = '';
  const load = (stamp = servedSourcesStamp(options.home)) => {
    // Stamped before reading: a write during the read changes the stamp, so it is read again.
    // Kept only for a read that worked: after a failure (a home opened to others, a file
    // refused), every reload tries again, since what was wrong may lie outside the files' stat.
    loadedStamp = '';
    const served = loadServedRecords(options.home);
    for (const broken of served.problems) problem(new Error(`linked project left out: ${broken.message}`));
    loadedStamp = served.problems.length === 0 ? stamp : '';
    return served.file;
  };
  let file = load();
  let index: ZoneIndex = buildZoneIndex(file);
  const responder = new Responder(index);
  const watchers = new Map<string, FSWatcher>();
  let timer: NodeJS.Timeout | undefined;
  const schedule = () => {
    clearTimeout(timer);
    timer = setTimeout(reload, RELOAD_SETTLE_MS);
  };

  let closed = false;
  /** Watches the home (records, links) and each linked project's directory: files are replaced by rename. */
  const watchSources = (): void => {
    if (closed) return;
    const wanted = new Map<string, Set<string>>([[options.home, new Set<string>([HOME_FILES.records, HOME_FILES.links])]]);
    for (const link of safeLinks(options.home)) {
      const dir = dirname(link.path);
      wanted.set(dir, new Set([...(wanted.get(dir) ?? []), basename(link.path)]));
    }
    for (const [dir, watcher] of watchers) {
      if (!wanted.has(dir)) {
        watcher.close();
        watchers.delete(dir);
      }
    }
    for (const [dir, names] of wanted) {
      if (watchers.has(dir)) continue;
      try {
        const watcher = watch(dir, (_event, name) => {
          if (name === null || names.has(name)) schedule();
        });
        watcher.on('error', problem);
        watchers.set(dir, watcher);
      } catch (error) {
        problem(new Error(`cannot watch ${dir}: ${(error as Error).message}`));
      }
    }
  };

  let recordsError: string | undefined;
  const reload = (): boolean => {
    const stamp = servedSourcesStamp(options.home);
    if (stamp === loadedStamp) return false;
    try {
      const next = load(stamp);
      file = next;
      index = buildZoneIndex(next);
      responder.setIndex(index);
      recordsError = undefined;
      options.onReload?.(next);
    } catch (error) {
      const hint = (error as { hint?: unknown }).hint;
      recordsError = `${(error as Error).message}${typeof hint === 'string' && hint !== '' ? ` (${hint})` : ''}`;
      problem(error as Error);
    }
    watchSources();
    return true;
  };

  const stopWatching = (): void => {
    closed = true;
    clearTimeout(timer);
    for (const watcher of watchers.values()) watcher.close();
    watchers.clear();
  };

  mkdirSync(options.home, { recursive: true, mode: 0o700 });
  watchSources();

  const { onQuery, onBadMessage } = options;
  let server: DnsServer;
  try {
    server = await startDnsServer({
      host: options.host,
      port: options.port,
      ...options.limits,
      onError: options.onServerError ?? problem,
      handle: (message, address, port, transport) => {
        const started = performance.now();
        const exchange = responder.respond(message, transport);
        const { reply, question, response } = exchange;
        if (onQuery && question && response) {
          const micros = Math.round((performance.now() - started) * 1000);
          onQuery({ at: Date.now(), address, port, transport, question, response, micros });
        }
        const bad = exchange.dropped ?? exchange.malformed;
        if (onBadMessage && bad !== undefined)
          onBadMessage(exchange.dropped ? `dropped: ${bad}` : `FORMERR: ${bad}`, address, port, transport);
        return reply;
      },
    });
  } catch (error) {
    stopWatching();
    throw error;
  }

  return {
    host: server.host,
    port: server.port,
    recordsPath: store.path,
    recordCount: () => file.records.length,
    served: () => file,
    recordsError: () => recordsError,
    answer: (name, type) => answerQuestion(index, name, type),
    reload,
    close: async () => {
      stopWatching();
      await server.close();
    },
  };
}
