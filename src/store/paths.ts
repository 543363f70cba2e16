// Where devdns keeps its files: DEVDNS_HOME when set, else the per-user config directory of the OS.
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

export const RECORDS_FILE_NAME = 'records.json';

export function recordsPath(home: string): string {
  return join(home, RECORDS_FILE_NAME);
}
