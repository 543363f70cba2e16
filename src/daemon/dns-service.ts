// The running DNS service: the records file and linked project files, watched, served by the DNS
// server. A change (a `devdns add`, a hand edit, a pull of a team's devdns.json) is answered
// within milliseconds; a file that stops parsing is reported and the last good records keep
// being served. start() undoes a half-finished start.
import { type FSWatcher, mkdirSync, watch } from 'node:fs';
import { basename, dirname } from 'node:path';
import { type AnswerPolicy, answerQuery, answerQuestion, chaseTarget, decide, type ForwardRule, questionQuery } from '../dns/answer.js';
import { encodeQuery, encodeResponse } from '../dns/encode.js';
import { type Question, RCODE, RCODE_NAMES, type Response, typeName } from '../dns/protocol.js';
import { type ForwardRequest, Responder } from '../dns/respond.js';
import { type DnsLimits, type DnsServer, startDnsServer } from '../dns/server.js';
import type { Transport } from '../dns/transport.js';
import { readQuery } from '../dns/wire.js';
import { buildZoneIndex, updateZoneIndex, type ZoneIndex } from '../dns/zone-index.js';
import { type AnswerSource, type Forwarded, type Forwarder, refusedReply } from '../forward/forwarder.js';
import { readAnswerLines } from '../forward/reply-facts.js';
import { existingNameNodata, joinChased, spliceLocalAnswer } from '../forward/splice.js';
import { liveRecords, nextExpiry } from '../records/expiry.js';
import { isLoopback } from '../records/listen-address.js';
import type { DnsRecord, RecordFile } from '../records/types.js';
import type { RecordEditor } from '../store/edits.js';
import { HOME_FILES } from '../store/paths.js';
import {
  mergeServed,
  mergeZones,
  readLinks,
  readServedSources,
  type ServedRecords,
  type ServedSources,
  servedSourcesStamp,
  withRecordsStamp,
} from '../store/projects.js';
import { fileStamp, RecordStore } from '../store/record-store.js';
import { BackgroundWriter, type RecordsFileWriter } from '../store/records-writer.js';
import type { QueryLogging } from '../store/settings.js';

/** A query answered, as recorded for every one: numbers and references, no text made. */
export interface AnsweredQuery {
  /** When, in milliseconds since the epoch. */
  at: number;
  address: string;
  port: number;
  transport: Transport;
  /** As sent, case and all. */
  question: Question;
  /** The answer: devdns's own, or what the log shows of a forwarded one (read off the wire once). */
  response: Response | AnswerSummary;
  /** Time spent answering, in microseconds. */
  micros: number;
  /** Where the answer came from; devdns's records when absent. */
  source?: QuerySource;
  /** The upstream that answered (source 'upstream'). */
  upstream?: string;
}

/** What the log shows of an answer. */
export interface AnswerSummary {
  rcode: string;
  /** `TYPE value` each. */
  answer: string[];
}

/** Where an answer came from: a record, an override, refused, or the forwarder's sources. */
export type QuerySource = 'record' | 'override' | 'refused' | AnswerSource;

export interface DnsServiceOptions {
  home: string;
  host: string;
  port: number;
  /** What TCP clients may hold (the DNS server's defaults when not given). */
  limits?: DnsLimits;
  /** Each answered query (dropped ones and those without a readable question are not). */
  onQuery?: (query: AnsweredQuery) => void;
  /** After a reload or an edit that worked: what is served now (made when asked for), and how many records. */
  onReload?: (served: () => RecordFile, records: number) => void;
  /** The records file stopped parsing (the last good records stay in service), or a watch failed. */
  onProblem?: (error: Error) => void;
  /** A message dropped unanswered, or answered FORMERR: why, and where it came from. Per packet. */
  onBadMessage?: (reason: string, address: string, port: number, transport: Transport) => void;
  /** A socket error or a failure to answer one message; the server goes on. Per packet. */
  onServerError?: (error: Error) => void;
  /** What writes the records file (a worker thread unless given: tests give one that fails or waits). */
  writer?: RecordsFileWriter;
  /** Where questions the records leave to the real servers go; without one they are REFUSED. */
  forwarding?: Forwarding;
  /** Which queries go to onQuery (the `log.queries` setting; `own` when not given). */
  logging?: QueryLogging;
  /** The wall clock (ms since the epoch) records' ends are measured by: Date.now unless given (tests step it). */
  now?: () => number;
}

export type Asked = { kind: 'answer'; response: Response } | { kind: 'forward'; rule: ForwardRule; outcome: Forwarded };

export interface Forwarding {
  forwarder: Forwarder;
  /** `forward all`: every name outside devdns's zones too. */
  forwardAll: boolean;
  /** Each forwarded query's outcome: counted, never logged by name (forwarded names are other people's). */
  onForwarded?: (forwarded: Forwarded) => void;
  /**
   * The domains the OS routes to devdns (setup's journal), read at the start and again whenever
   * the journal (`journal`, a file in the home) changes: an ended override's route still there is
   * forwarded, not refused.
   */
  routes?: () => readonly string[];
  /** The file `routes` reads, watched in the home. */
  routesFile?: string;
  /** After `routesFile` changed (setup ran, or teardown): the routes were read again. */
  onRoutesFile?: () => void;
  /** Whether a client may send one more question upstream now (a rate per client); all may when absent. */
  admit?: (address: string) => boolean;
}

export interface DnsService {
  host: string;
  port: number;
  recordsPath: string;
  recordCount(): number;
  /** Queries answered from the records since the start, logged or not (forwarded ones are counted by the forwarding). */
  answered(): number;
  /** What is served now: the user's records and linked projects'. */
  served(): RecordFile;
  /** Why the last reload failed, while the last good records are served; undefined after one that worked. */
  recordsError(): string | undefined;
  /** Answers a question from the records in service, by the same rules as over the wire. */
  answer(name: string, type: number): Response;
  /** The forwarder in service, if any: its upstreams' health and its cache. */
  forwarder: Forwarder | undefined;
  /**
   * A question as a client's would be taken (`devdns resolve`): answered from the records, or
   * forwarded through the cache and the upstreams, with where the answer came from.
   */
  ask(name: string, type: number): Promise<Asked>;
  /**
   * Re-reads the records now, unless no source file changed since they were read: a change made
   * through the daemon, then seen by the file watcher, is loaded once. Returns whether it read.
   */
  reload(): boolean;
  /**
   * Changes the user's records as the one writer while the daemon runs: in memory, then written
   * (still under the writers' lock, for the commands that write themselves), then served by
   * updating only the names that changed. Nothing is read back.
   */
  editor: RecordEditor;
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

/** The names whose records differ between two sets, by identity: records are never changed in place. */
function changedNames(before: readonly DnsRecord[], after: readonly DnsRecord[]): Set<string> {
  const kept = new Set(after);
  const names = new Set<string>();
  for (const record of before) if (!kept.delete(record)) names.add(record.name);
  // What is left in `kept` is new.
  for (const record of kept) names.add(record.name);
  return names;
}

/** The records served at each of `names`: the user's there, else the first linked project's (mergeServed's rule). */
function servedAt(sources: ServedSources, names: ReadonlySet<string>): Map<string, DnsRecord[]> {
  const at = new Map<string, DnsRecord[]>();
  for (const record of sources.user.records) {
    if (!names.has(record.name)) continue;
    const list = at.get(record.name);
    if (list) list.push(record);
    else at.set(record.name, [record]);
  }
  for (const project of sources.projects) {
    const claimed = new Set<string>();
    for (const record of project.file?.records ?? []) {
      if (!names.has(record.name) || (at.has(record.name) && !claimed.has(record.name))) continue;
      claimed.add(record.name);
      at.set(record.name, [...(at.get(record.name) ?? []), record]);
    }
  }
  return at;
}

/** How long after a record's end the daemon removes it: ends a few milliseconds apart go in one write. */
const EXPIRY_SLACK_MS = 20;
/**
 * How long the daemon waits, at most, before it looks at the clock again for the next end. A
 * timer's delay does not run while the machine sleeps and does not follow a change of the clock;
 * the clock is what says when a record has ended.
 */
const EXPIRY_CHECK_MS = 10_000;

/** The reply with RA clear, copied (a reply may be the responder's cached one); the same reply when RA is clear. */
function withoutRecursion(reply: Buffer): Buffer {
  if (reply.length < 4 || ((reply[3] as number) & 0x80) === 0) return reply;
  const copy = Buffer.from(reply);
  copy[3] = (copy[3] as number) & ~0x80;
  return copy;
}

/** What the log shows of a forwarded reply: its rcode and answer records, read off the wire. */
function forwardedSummary(reply: Buffer): AnswerSummary {
  const rcode = (reply[3] ?? 0) & 0x0f;
  const lines = readAnswerLines(reply) ?? [];
  return { rcode: RCODE_NAMES[rcode] ?? String(rcode), answer: lines.map((line) => `${typeName(line.type)} ${line.data}`) };
}

export async function startDnsService(options: DnsServiceOptions): Promise<DnsService> {
  const writer = options.writer ?? new BackgroundWriter();
  const now = options.now ?? Date.now;
  const store = new RecordStore(options.home, {
    now: () => new Date(now()),
    keep: true,
    // What the daemon serves goes to every program on the machine: it never takes a file unchecked.
    checkInFull: true,
    writer,
    onWrite: (before, after, touched) => serveEdit(before, after, touched),
    // A reload put off while writing runs once the writes are over, whether they worked or not.
    onIdle: () => {
      if (!reloadWaiting || closed) return;
      reloadWaiting = false;
      schedule();
    },
  });
  const problem = options.onProblem ?? (() => undefined);
  // The user's records file not parsing stops the start, with the store's own message; a linked
  // project file that does not parse is reported and left out.
  let loadedStamp = '';
  let sources: ServedSources;
  /** What is served, merged from the sources when asked for: after an edit, only the index is brought up to date at once. */
  let merged: ServedRecords | undefined;
  const served = (): ServedRecords => {
    merged ??= mergeServed(sources);
    return merged;
  };
  /** How many records are served: without linked projects, the user's, counted without a merge. */
  const count = (): number =>
    sources.projects.some((project) => project.file !== undefined) ? served().file.records.length : sources.user.records.length;
  const load = (stamp = servedSourcesStamp(options.home)): ServedRecords => {
    // Stamped before reading: a write during the read changes the stamp, so it is read again.
    // Kept only for a read that worked: after a failure (a home opened to others, a file
    // refused), every reload tries again, since what was wrong may lie outside the files' stat.
    loadedStamp = '';
    const next = readServedSources(options.home, undefined, store);
    const all = mergeServed(next);
    for (const broken of all.problems) problem(new Error(`linked project left out: ${broken.message}`));
    sources = next;
    merged = all;
    loadedStamp = all.problems.length === 0 ? stamp : '';
    return all;
  };
  let index: ZoneIndex = buildZoneIndex(load().file);
  const { forwarding } = options;
  /**
   * A question for the upstreams, through the forwarder (within the client's rate when `client`
   * is given), its reply made to keep devdns's own answers where the chain enters them, and never
   * an NXDOMAIN for a name devdns makes exist.
   */
  const forwardQuery = (active: Forwarding, message: Buffer, request: ForwardRequest, client?: string): Forwarded | Promise<Forwarded> => {
    const { admit } = active;
    const admitted = admit && client !== undefined ? () => admit(client) : undefined;
    if (request.chase !== undefined) return chaseQuery(active, request, request.chase, admitted);
    // A cached answer comes back at once, and goes back to the client in the same turn.
    const outcome = active.forwarder.forwardNow(message, request, admitted);
    return outcome instanceof Promise ? outcome.then((later) => keepLocal(later, request)) : keepLocal(outcome, request);
  };
  /** A forwarded reply made to keep devdns's own answers where its chain enters them, and its names existing. */
  const keepLocal = (outcome: Forwarded, request: ForwardRequest): Forwarded => {
    const spliced =
      spliceLocalAnswer(index, request.query, outcome.reply, request.maxSize) ?? existingNameNodata(index, request.query, outcome.reply);
    return spliced ? { ...outcome, reply: spliced } : outcome;
  };
  /**
   * A local answer whose CNAME chain leaves devdns: the target asked upstream (through the cache,
   * as any forwarded question, and spliced where its chain comes back into devdns's names), then
   * joined to devdns's records; the local answer alone when the upstream gives nothing to join.
   */
  const chaseQuery = async (
    active: Forwarding,
    request: ForwardRequest,
    chase: NonNullable<ForwardRequest['chase']>,
    admit?: () => boolean,
  ): Promise<Forwarded> => {
    const local = (): Buffer => encodeResponse(chase.local, { maxSize: request.maxSize }).bytes;
    const message = encodeQuery(0, chase.target, request.query.question?.type ?? 0, { recursionDesired: true });
    const asked = readQuery(message);
    if (asked.kind !== 'query') return { reply: local(), source: 'failed' };
    const targetRequest: ForwardRequest = { query: asked.query, questionEnd: asked.questionEnd, rule: 'override', maxSize: 65535 };
    const outcome = await active.forwarder.forward(message, targetRequest, admit);
    const reply = spliceLocalAnswer(index, asked.query, outcome.reply, 65535) ?? outcome.reply;
    return { ...outcome, reply: joinChased(request, reply) ?? local() };
  };
  /** The override routes setup left in the OS: read when the daemon starts and when the journal changes. */
  let routed = forwarding?.routes?.() ?? [];
  const policy = (): AnswerPolicy => ({
    forwardAll: forwarding?.forwardAll === true,
    recursion: forwarding !== undefined,
    routed,
  });
  const responder = new Responder(index, { policy: policy() });
  const watchers = new Map<string, FSWatcher>();
  let timer: NodeJS.Timeout | undefined;
  const schedule = () => {
    clearTimeout(timer);
    timer = setTimeout(reload, RELOAD_SETTLE_MS);
  };
  let routesTimer: NodeJS.Timeout | undefined;
  const rereadRoutes = (): void => {
    clearTimeout(routesTimer);
    routesTimer = setTimeout(() => {
      if (closed || forwarding?.routes === undefined) return;
      forwarding.onRoutesFile?.();
      const next = forwarding.routes();
      if (next.length === routed.length && next.every((route, at) => route === routed[at])) return;
      routed = next;
      responder.setIndex(index, policy());
    }, RELOAD_SETTLE_MS);
  };

  let closed = false;
  /** Watches the home (records, links) and each linked project's directory: files are replaced by rename. */
  const watchSources = (): void => {
    if (closed) return;
    const routesFile = forwarding?.routes === undefined ? undefined : forwarding.routesFile;
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
          if (routesFile !== undefined && dir === options.home && (name === null || name === routesFile)) rereadRoutes();
        });
        watcher.on('error', problem);
        watchers.set(dir, watcher);
      } catch (error) {
        problem(new Error(`cannot watch ${dir}: ${(error as Error).message}`));
      }
    }
  };

  let recordsError: string | undefined;
  /** While the daemon writes the file, it is its own to serve: a reload waits for the write. */
  let reloadWaiting = false;
  const reload = (): boolean => {
    if (store.busy()) {
      reloadWaiting = true;
      return false;
    }
    return reloadNow();
  };
  const reloadNow = (): boolean => {
    const stamp = servedSourcesStamp(options.home);
    if (stamp === loadedStamp) return false;
    try {
      const next = load(stamp);
      index = buildZoneIndex(next.file);
      responder.setIndex(index, policy());
      recordsError = undefined;
      scheduleExpiry();
      options.onReload?.(() => next.file, count());
    } catch (error) {
      const hint = (error as { hint?: unknown }).hint;
      recordsError = `${(error as Error).message}${typeof hint === 'string' && hint !== '' ? ` (${hint})` : ''}`;
      problem(error as Error);
    }
    watchSources();
    return true;
  };

  /**
   * Serves the user's records as the daemon just wrote them, changing in the index only the names
   * the changes touched (every name that differs, when one of them did not say).
   */
  function serveEdit(before: RecordFile, user: RecordFile, touched: ReadonlySet<string> | undefined): void {
    const stamp = servedSourcesStamp(options.home);
    // Another file changed meanwhile (a link, a project, the settings, or the records before this
    // write): read everything again.
    if (before !== sources.user || loadedStamp === '' || withRecordsStamp(loadedStamp, fileStamp(store.path)) !== stamp) {
      reloadNow();
      return;
    }
    sources = { ...sources, user };
    merged = undefined;
    try {
      const names = touched ?? changedNames(before.records, user.records);
      const at = servedAt(sources, names);
      // A project's zone lost to the user's (mergeServed's zone rules) leaves out records servedAt would take: built whole.
      const zones = mergeZones(sources);
      if (zones.anyLost || !updateZoneIndex(index, { ...user, zones: zones.zones }, names, (name) => at.get(name) ?? [])) {
        index = buildZoneIndex(served().file);
      }
    } catch (error) {
      // The change is on disk: whatever went wrong here, what is served is built from it afresh.
      problem(new Error(`serving a change in place failed (${(error as Error).message}); built afresh`));
      index = buildZoneIndex(served().file);
    }
    responder.setIndex(index, policy());
    loadedStamp = stamp;
    recordsError = undefined;
    scheduleExpiry();
    options.onReload?.(() => served().file, count());
  }

  /**
   * At a record's end it stops being served at once, from what was last read: a records file that
   * no longer parses, or a write that fails, cannot keep it served. Then the user's file is written
   * without the records that have ended (the store leaves them out of every write), and everything
   * is read again, so that what a linked project's file holds past its end goes too and the hosts
   * route follows.
   */
  let expiryTimer: NodeJS.Timeout | undefined;
  /** The next end of a record served (ms since the epoch), looked at before each answer. */
  let nextEnd: number | undefined;
  const scheduleExpiry = (): void => {
    clearTimeout(expiryTimer);
    nextEnd = closed ? undefined : nextExpiry(served().file);
    if (nextEnd === undefined) return;
    expiryTimer = setTimeout(
      () => (nextEnd !== undefined && now() >= nextEnd ? expire() : scheduleExpiry()),
      Math.min(Math.max(0, nextEnd - now()) + EXPIRY_SLACK_MS, EXPIRY_CHECK_MS),
    );
  };
  /** Ends what has ended when the clock has passed the next end (a sleep, a change of the clock): one comparison otherwise. */
  const keepEnds = (): void => {
    if (nextEnd !== undefined && now() >= nextEnd) expire();
  };
  /** What is served, without what has ended by `at`. */
  const endServed = (at: number): void => {
    const user = liveRecords(sources.user, at);
    const projects = sources.projects.map((project) =>
      project.file === undefined ? project : { ...project, file: liveRecords(project.file, at) },
    );
    if (user !== sources.user || projects.some((project, position) => project.file !== sources.projects[position]?.file)) {
      sources = { ...sources, user, projects };
      merged = undefined;
      index = buildZoneIndex(served().file);
      responder.setIndex(index, policy());
      options.onReload?.(() => served().file, count());
    }
    scheduleExpiry();
  };
  const expire = (): void => {
    endServed(now());
    store
      .update((file) => ({ file, result: undefined }))
      .catch((error: Error) => problem(new Error(`removing records that have ended failed: ${error.message}`)))
      .finally(() => {
        if (closed) return;
        loadedStamp = '';
        reload();
      });
  };

  const editor: RecordEditor = {
    update: (change, touched) => store.update(change, touched),
    served,
    index: () => index,
  };

  const stopWatching = (): void => {
    closed = true;
    clearTimeout(timer);
    clearTimeout(routesTimer);
    clearTimeout(expiryTimer);
    for (const watcher of watchers.values()) watcher.close();
    watchers.clear();
  };

  mkdirSync(options.home, { recursive: true, mode: 0o700 });
  watchSources();
  scheduleExpiry();
  // Records that ended while devdns was down are never served; they leave the file now.
  if (store.holdsEnded()) expire();

  const { onBadMessage } = options;
  const logging = options.logging ?? 'own';
  const onQuery = logging === 'off' ? undefined : options.onQuery;
  /** Forwarded queries are named in the log only when the user asked for them. */
  const logForwarded = onQuery !== undefined && (logging === 'all' || logging === 'errors');
  /** Where a local answer came from, for the log: an override's zone (as the responder knew when it made the answer), or devdns's own. */
  const localSource = (response: Response, override: boolean | undefined): QuerySource =>
    response.rcode === RCODE.REFUSED ? 'refused' : override === true ? 'override' : 'record';
  let answered = 0;
  let server: DnsServer;
  try {
    server = await startDnsServer({
      host: options.host,
      port: options.port,
      ...options.limits,
      onError: options.onServerError ?? problem,
      handle: (message, address, port, transport) => {
        const started = performance.now();
        keepEnds();
        const exchange = responder.respond(message, transport);
        const { reply, question, response, override } = exchange;
        // Never an open resolver (RFC 5358): only this machine's programs are answered for others' names;
        // another client gets REFUSED, or the local part of a chain to chase as it is.
        const forwardable = forwarding !== undefined && isLoopback(address);
        if (exchange.forward && (forwardable || exchange.forward.chase === undefined)) {
          if (forwarding === undefined || !forwardable) return refusedReply(message, exchange.forward);
          const { onForwarded } = forwarding;
          const settle = (outcome: Forwarded): Buffer => {
            onForwarded?.(outcome);
            if (logForwarded && question) {
              const rcode = (outcome.reply[3] ?? 0) & 0x0f;
              if (logging === 'all' || rcode !== RCODE.NOERROR) {
                const micros = Math.round((performance.now() - started) * 1000);
                const summary = forwardedSummary(outcome.reply);
                const upstream = outcome.upstream === undefined ? {} : { upstream: outcome.upstream };
                onQuery?.({
                  at: Date.now(),
                  address,
                  port,
                  transport,
                  question,
                  response: summary,
                  micros,
                  source: outcome.source,
                  ...upstream,
                });
              }
            }
            return outcome.reply;
          };
          const outcome = forwardQuery(forwarding, message, exchange.forward, address);
          return outcome instanceof Promise ? outcome.then(settle) : settle(outcome);
        }
        if (question && response) answered++;
        if (onQuery && question && response && (logging !== 'errors' || response.rcode !== RCODE.NOERROR)) {
          const micros = Math.round((performance.now() - started) * 1000);
          onQuery({ at: Date.now(), address, port, transport, question, response, micros, source: localSource(response, override) });
        }
        const bad = exchange.dropped ?? exchange.malformed;
        if (onBadMessage && bad !== undefined)
          onBadMessage(exchange.dropped ? `dropped: ${bad}` : `FORMERR: ${bad}`, address, port, transport);
        // Recursion is for this machine's programs (RFC 5358): another client is told it has none.
        return forwardable || reply === undefined ? reply : withoutRecursion(reply);
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
    recordCount: count,
    answered: () => answered,
    served: () => served().file,
    recordsError: () => recordsError,
    answer: (name, type) => {
      keepEnds();
      return answerQuestion(index, name, type);
    },
    forwarder: forwarding?.forwarder,
    ask: async (name, type) => {
      keepEnds();
      const query = questionQuery(name, type);
      const decision = decide(index, query, policy());
      const target = decision.kind === 'answer' && forwarding !== undefined ? chaseTarget(index, query, decision.response) : undefined;
      if (decision.kind === 'answer' && target === undefined) return { kind: 'answer', response: decision.response };
      if (forwarding === undefined) return { kind: 'answer', response: answerQuery(index, query) };
      const message = encodeQuery(0, name, type, { recursionDesired: true });
      const read = readQuery(message);
      if (read.kind !== 'query') return { kind: 'answer', response: answerQuery(index, query) };
      const rule = decision.kind === 'forward' ? decision.rule : 'override';
      const chase = decision.kind === 'answer' && target !== undefined ? { chase: { target, local: decision.response } } : {};
      const request: ForwardRequest = { query: read.query, questionEnd: read.questionEnd, rule, maxSize: 65535, ...chase };
      return { kind: 'forward', rule, outcome: await forwardQuery(forwarding, message, request) };
    },
    reload,
    editor,
    close: async () => {
      stopWatching();
      await server.close();
      // A change the daemon took is written before it goes.
      await store.settled();
      await writer.close();
    },
  };
}
