// Start-at-login definitions for the daemon: a systemd user unit (Linux) and a launchd user agent
// (macOS). Both run `devdns up --foreground`, which is the daemon itself, with the node flags the
// launcher gives it. Pure text and paths.
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { DAEMON_NODE_OPTIONS } from '../platform/daemon-flags.js';

export type ServicePlatform = 'linux' | 'darwin';

export interface ServiceSpec {
  platform: ServicePlatform;
  /** The node binary and the devdns script, absolute. */
  node: string;
  bin: string;
  /** DEVDNS_HOME to pass on; undefined for the default home. */
  home: string | undefined;
  logPath: string;
  userHome: string;
  xdgConfigHome: string | undefined;
}

export const LAUNCHD_LABEL = 'dev.devdns.daemon';
export const SYSTEMD_UNIT = 'devdns.service';

/** A home's service names: the default home's are fixed, any other home's carry a hash of its path. */
export interface ServiceName {
  /** The systemd unit, `devdns.service` or `devdns-<8 hex>.service`. */
  unit: string;
  /** The launchd label, `dev.devdns.daemon` or `dev.devdns.daemon.<8 hex>`. */
  label: string;
}

/** `home` is the real path of a home other than the default, or undefined for the default home. */
export function serviceName(home: string | undefined): ServiceName {
  if (home === undefined) return { unit: SYSTEMD_UNIT, label: LAUNCHD_LABEL };
  const hash = createHash('sha256').update(home).digest('hex').slice(0, 8);
  return { unit: `devdns-${hash}.service`, label: `${LAUNCHD_LABEL}.${hash}` };
}

export function servicePath(
  spec: Pick<ServiceSpec, 'platform' | 'userHome' | 'xdgConfigHome'>,
  name: ServiceName = serviceName(undefined),
): string {
  if (spec.platform === 'darwin') return join(spec.userHome, 'Library', 'LaunchAgents', `${name.label}.plist`);
  return join(spec.xdgConfigHome || join(spec.userHome, '.config'), 'systemd', 'user', name.unit);
}

const unxml = (text: string) =>
  text
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&');
const unUnitQuote = (text: string) => text.replace(/%%/g, '%').replace(/\\(.)/g, '$1');

/**
 * The home a service file written by serviceFile runs: its DEVDNS_HOME, or null when it sets
 * none (the default home). Undefined when the text is not a devdns service file at all.
 */
export function serviceFileHome(platform: ServicePlatform, text: string): string | null | undefined {
  if (platform === 'darwin') {
    if (!/<string>up<\/string>\s*<string>--foreground<\/string>/.test(text)) return undefined;
    const match = /<key>DEVDNS_HOME<\/key>\s*<string>([^<]*)<\/string>/.exec(text);
    return match ? unxml(match[1] ?? '') : null;
  }
  if (!/^ExecStart=.* up --foreground$/m.test(text)) return undefined;
  const match = /^Environment="DEVDNS_HOME=((?:[^"\\]|\\.)*)"$/m.exec(text);
  return match ? unUnitQuote(match[1] ?? '') : null;
}

const xml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
/** systemd quoting: double quotes, with backslash and quote escaped; % doubled (specifier). */
const unitQuote = (text: string) => `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/%/g, '%%')}"`;

export function serviceFile(spec: ServiceSpec, name: ServiceName = serviceName(undefined)): string {
  const environment: Record<string, string> = { DEVDNS_DAEMON: '1', ...(spec.home ? { DEVDNS_HOME: spec.home } : {}) };
  if (spec.platform === 'darwin') {
    const env = Object.entries(environment)
      .map(([key, value]) => `      <key>${xml(key)}</key>\n      <string>${xml(value)}</string>`)
      .join('\n');
    return `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
  <dict>
    <key>Label</key>
    <string>${xml(name.label)}</string>
    <key>ProgramArguments</key>
    <array>
      <string>${xml(spec.node)}</string>
${DAEMON_NODE_OPTIONS.map((flag) => `      <string>${xml(flag)}</string>\n`).join('')}      <string>${xml(spec.bin)}</string>
      <string>up</string>
      <string>--foreground</string>
    </array>
    <key>EnvironmentVariables</key>
    <dict>
${env}
    </dict>
    <key>RunAtLoad</key>
    <true/>
    <key>KeepAlive</key>
    <dict>
      <key>SuccessfulExit</key>
      <false/>
    </dict>
    <key>StandardOutPath</key>
    <string>${xml(spec.logPath)}</string>
    <key>StandardErrorPath</key>
    <string>${xml(spec.logPath)}</string>
  </dict>
</plist>
`;
  }
  const env = Object.entries(environment)
    .map(([key, value]) => `Environment=${unitQuote(`${key}=${value}`)}`)
    .join('\n');
  return `[Unit]
Description=devdns: DNS for local development
Documentation=https://www.npmjs.com/package/devdns

[Service]
Type=simple
ExecStart=${[spec.node, ...DAEMON_NODE_OPTIONS, spec.bin].map(unitQuote).join(' ')} up --foreground
${env}
Restart=on-failure
RestartSec=2

[Install]
WantedBy=default.target
`;
}

/** The commands that load the definition now, and unload it, as the user would type them. */
export function serviceCommands(
  platform: ServicePlatform,
  path: string,
  name: ServiceName = serviceName(undefined),
): { start: string[][]; stop: string[][] } {
  if (platform === 'darwin') {
    const domain = `gui/${process.getuid?.() ?? 501}`;
    return { start: [['launchctl', 'bootstrap', domain, path]], stop: [['launchctl', 'bootout', domain, path]] };
  }
  return {
    start: [
      ['systemctl', '--user', 'daemon-reload'],
      ['systemctl', '--user', 'enable', '--now', name.unit],
    ],
    stop: [
      ['systemctl', '--user', 'disable', '--now', name.unit],
      ['systemctl', '--user', 'daemon-reload'],
    ],
  };
}
