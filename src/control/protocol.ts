// The control API's contract, shared by the daemon's server and the CLI's client: routes, the
// bodies they carry, and the stable error codes. Pure data.
import type { ListedRecord } from '../records/listing.js';
import type { ServedListing } from '../store/projects.js';

/** The control API listens here only: a literal address, never the name "localhost". */
export const CONTROL_HOST = '127.0.0.1';
export const MAX_BODY_BYTES = 64 * 1024;
/** The most records GET /served lists at once: about 20 ms of the daemon's time. */
export const SERVED_LISTING_LIMIT = 20_000;

/**
 * A route of the API: its method and path, and as types only what it takes (query parameters
 * for GET, else a JSON body) and what it answers. The client calls routes, never paths.
 */
export interface Route<Request, Response> {
  method: 'GET' | 'POST' | 'DELETE';
  path: string;
  /** Never set: carries the request and response types to the client. */
  readonly bodies?: { request: Request; response: Response };
}

/** Query parameters of a GET route. */
export type QueryParameters = Record<string, string | number | undefined>;

const route = <Request, Response>(method: Route<Request, Response>['method'], path: string): Route<Request, Response> => ({
  method,
  path,
});

export const ROUTES = {
  status: route<undefined, StatusBody>('GET', '/status'),
  listRecords: route<{ pattern?: string } | undefined, ListedRecord[]>('GET', '/records'),
  /**
   * What `devdns ls` prints: the records served, with where each comes from, and what is wrong
   * among the sources. More than SERVED_LISTING_LIMIT matching records are refused
   * (`listing-too-large`): listing them would hold up the daemon's answers; `ls` reads the files.
   */
  served: route<{ pattern?: string } | undefined, ServedBody>('GET', '/served'),
  addRecord: route<RecordBody, AddedBody>('POST', '/records'),
  removeRecords: route<{ name: string; type?: string; value?: string }, RemovedBody>('DELETE', '/records'),
  reload: route<Record<string, never>, { records: number }>('POST', '/reload'),
  /** With `follow`, a stream of JSON lines: the last `limit` entries, then each new one. */
  queries: route<{ limit?: number; follow?: 1 }, QueryLogEntry[]>('GET', '/queries'),
  resolve: route<{ name: string; type: string }, ResolveBody>('GET', '/resolve'),
  stop: route<Record<string, never>, { stopping: true }>('POST', '/stop'),
  /** `devdns cache flush`: forgets every forwarded answer kept; says how many went. */
  flushCache: route<Record<string, never>, { flushed: number }>('POST', '/cache/flush'),
} as const;

export type RouteName = keyof typeof ROUTES;

/** Every error the API answers, with its HTTP status. Codes are stable: scripts may rely on them. */
export const API_ERRORS = {
  'bad-host': 421,
  'origin-refused': 403,
  unauthorized: 401,
  'not-found': 404,
  'method-not-allowed': 405,
  'unsupported-media-type': 415,
  'body-too-large': 413,
  'request-timeout': 408,
  'invalid-json': 400,
  'invalid-body': 400,
  'forbidden-key': 400,
  'invalid-record': 400,
  'no-match': 404,
  'records-invalid': 409,
  'listing-too-large': 422,
  'too-many-streams': 429,
  busy: 503,
  internal: 500,
} as const;

export type ApiErrorCode = keyof typeof API_ERRORS;

export interface ApiErrorBody {
  error: { code: ApiErrorCode; message: string; hint?: string };
}

/** Where each listening value came from: the default, a setting, or a flag of `devdns up`. */
export interface DaemonSources {
  dnsHost: 'default' | 'setting' | 'flag';
  dnsPort: 'default' | 'setting' | 'flag';
  controlPort: 'default' | 'setting' | 'flag';
}

/** What a running daemon is, as its state file and GET /status both say it. */
export interface DaemonIdentity {
  pid: number;
  version: string;
  startedAt: string;
  dns: { host: string; port: number };
  control: { host: string; port: number };
  sources?: DaemonSources;
}

export interface StatusBody extends DaemonIdentity {
  running: true;
  uptimeSeconds: number;
  /** The control API's Unix domain socket (null where there is none, as on Windows). */
  controlSocket: string | null;
  records: number;
  queries: number;
  recordsFile: string;
  /** Why the records file is refused now (the last good records are served), or null. */
  recordsError: string | null;
  logFile: string;
  queryLogFile: string;
  /** The forwarder's state; absent from a daemon of an earlier version. */
  forwarding?: ForwardingStatus;
}

export interface ForwardingStatus {
  /** The `forward` setting: overrides, or all. */
  mode: string;
  /** Questions forwarded since start: counted, not logged by name. */
  forwarded: number;
  upstreams: Array<{ label: string; answered: number; failed: number }>;
  cache: { entries: number; bytes: number; hits: number; staleHits: number; misses: number };
}

/** One answered query, as the query log keeps it and GET /queries answers it. */
export interface QueryLogEntry {
  /** ISO 8601, UTC. */
  time: string;
  /** `address#port`. */
  client: string;
  transport: 'udp' | 'tcp';
  name: string;
  type: string;
  rcode: string;
  /** The answer records, `TYPE value` each. */
  answer: string[];
  micros: number;
  /**
   * Where the answer came from: `record`, `override`, `refused`, or for a forwarded name (logged
   * only with log.queries all or errors) `upstream`, `cache`, `stale`, `failed` or `limited`.
   * Absent in lines logged by earlier versions.
   */
  source?: string;
  /** The upstream that answered (source `upstream`). */
  upstream?: string;
}

/** GET /resolve: the daemon's answer to one question, and the stored names it came from. */
export interface ResolveBody {
  name: string;
  type: string;
  rcode: string;
  authoritative: boolean;
  answer: string[];
  authority: string[];
  additional: string[];
  matches: Array<{ name: string; wildcard: boolean }>;
  /** Present when the question went to the forwarder: why, and where the answer came from. */
  forwarded?: {
    rule: 'override' | 'all' | 'route';
    /** upstream, cache, stale, failed (no upstream answered) or limited (the client's rate). */
    source: string;
    upstream?: string;
    ttlLeft?: number;
  };
}

/** GET /served: what `devdns ls` shows (store/projects.ts makes it, for the daemon and for `ls` alike). */
export type ServedBody = ServedListing;

export interface AddedBody {
  added: ListedRecord[];
  unchanged: ListedRecord[];
  retimed: Array<{ name: string; type: string; from: number; to: number }>;
  /** Records there already whose end the add changed (`--for`, or none given: lasting now). Absent from earlier daemons. */
  renewed?: ListedRecord[];
  zonesAdded: string[];
  /** What reading the input noticed (a long TXT value split, say). */
  notes: string[];
  /** What may not work as meant (a CNAME that leads to no address, a TTL left different). */
  warnings: string[];
}

export interface RemovedBody {
  /** Each removed record in presentation form. */
  removed: string[];
  zonesRemoved: string[];
}

/** The record shapes POST /records takes: devdns's own, or the seed project's `{domain, ip}`. */
export interface RecordBody {
  name?: string;
  type?: string;
  value?: string;
  ttl?: number | string;
  priority?: number | string;
  weight?: number | string;
  port?: number | string;
  force?: boolean;
  /** `devdns override`: take over a real name (its zone becomes an override). */
  override?: boolean;
  /** How long the records last (`--for`: 30m, 2h, 7d). */
  for?: string;
  domain?: string;
  ip?: string;
}
