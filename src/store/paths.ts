// Where devdns keeps its files: DEVDNS_HOME when set, else the per-user config directory of the
// OS; and the one list of the file names devdns keeps there.
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

export interface HomeEnvironment {
  env: Readonly<Record<string, string | undefined>>;
  platform: NodeJS.Platform;
  homedir: string;
}

/** The directory for every devdns file (records now; state and logs too). */
export function devdnsHome(
  { env, platform, homedir: home }: HomeEnvironment = { env: process.env, platform: process.platform, homedir: homedir() },
): string {
  if (env.DEVDNS_HOME) return resolve(env.DEVDNS_HOME);
  if (platform === 'darwin') return join(home, 'Library', 'Preferences', 'devdns');
  if (platform === 'win32') return join(env.APPDATA ?? join(home, 'AppData', 'Roaming'), 'devdns', 'Config');
  return join(env.XDG_CONFIG_HOME || join(home, '.config'), 'devdns');
}

/** Every file devdns keeps in its home, by what it is. */
export const HOME_FILES = {
  /** The user's records (conf writes it). */
  records: 'records.json',
  /** The hash of the records file devdns last wrote and checked (checked-mark.ts). */
  recordsChecked: 'records.checked',
  /** The writers' lock beside the records. */
  recordsLock: 'records.json.lock',
  /** The running daemon's pid, ports and token. */
  state: 'daemon.json',
  daemonLog: 'daemon.log',
  queryLog: 'queries.log',
  settings: 'settings.json',
  links: 'links.json',
  journal: 'setup-journal.json',
} as const;

export type HomeFile = keyof typeof HOME_FILES;

/** The logs, which are rotated to `<name>.1` (daemon/log-file.ts). */
export const ROTATED_FILES: readonly HomeFile[] = ['daemonLog', 'queryLog'];

/** Where a rotated log's previous part goes. */
export function rotatedPath(path: string): string {
  return `${path}.1`;
}

/** devdns's own files in a home, besides the records: every name above, and the rotated logs. */
export const OWN_FILES: readonly string[] = [
  ...Object.values(HOME_FILES).filter((name) => name !== HOME_FILES.records),
  ...ROTATED_FILES.map((file) => rotatedPath(HOME_FILES[file])),
];

export function homePath(home: string, file: HomeFile): string {
  return join(home, HOME_FILES[file]);
}

export const RECORDS_FILE_NAME = HOME_FILES.records;

export function recordsPath(home: string): string {
  return homePath(home, 'records');
}
