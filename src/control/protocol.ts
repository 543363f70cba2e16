// The control API's contract, shared by the daemon's server and the CLI's client: routes, the
// bodies they carry, and the stable error codes. Pure data.

/** The control API listens here only: a literal address, never the name "localhost". */
export const CONTROL_HOST = '127.0.0.1';
export const MAX_BODY_BYTES = 64 * 1024;

export const ROUTES = {
  status: { method: 'GET', path: '/status' },
  listRecords: { method: 'GET', path: '/records' },
  addRecord: { method: 'POST', path: '/records' },
  removeRecords: { method: 'DELETE', path: '/records' },
  reload: { method: 'POST', path: '/reload' },
  queries: { method: 'GET', path: '/queries' },
  resolve: { method: 'GET', path: '/resolve' },
  stop: { method: 'POST', path: '/stop' },
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
  'too-many-streams': 429,
  busy: 503,
  internal: 500,
} as const;

export type ApiErrorCode = keyof typeof API_ERRORS;

export interface ApiErrorBody {
  error: { code: ApiErrorCode; message: string; hint?: string };
}

export interface StatusBody {
  running: true;
  pid: number;
  version: string;
  startedAt: string;
  uptimeSeconds: number;
  dns: { host: string; port: number };
  control: { host: string; port: number };
  /** The control API's Unix domain socket (null where there is none, as on Windows). */
  controlSocket: string | null;
  records: number;
  queries: number;
  recordsFile: string;
  logFile: string;
  queryLogFile: string;
  /** Where each listening value came from: default, setting or flag. */
  sources?: { dnsHost: string; dnsPort: string; controlPort: string };
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
  domain?: string;
  ip?: string;
}
