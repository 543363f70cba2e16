// Start-at-login definitions for the daemon: a systemd user unit (Linux) and a launchd user agent
// (macOS). Both run `devdns up --foreground`, which is the daemon itself. Pure text and paths.
import { join } from 'node:path';

export type ServicePlatform = 'linux' | 'darwin';

export interface ServiceSpec {
  platform: ServicePlatform;
  /** The node binary and the devdns script, absolute. */
  node: string;
  bin: string;
  /** DEVDNS_HOME to pass on, when the user set one. */
  home: string | undefined;
  logPath: string;
  userHome: string;
  xdgConfigHome: string | undefined;
}

export const LAUNCHD_LABEL = 'dev.devdns.daemon';
export const SYSTEMD_UNIT = 'devdns.service';

export function servicePath(spec: Pick<ServiceSpec, 'platform' | 'userHome' | 'xdgConfigHome'>): string {
  if (spec.platform === 'darwin') return join(spec.userHome, 'Library', 'LaunchAgents', `${LAUNCHD_LABEL}.plist`);
  return join(spec.xdgConfigHome || join(spec.userHome, '.config'), 'systemd', 'user', SYSTEMD_UNIT);
}

const xml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
/** systemd quoting: double quotes, with backslash and quote escaped; % doubled (specifier). */
const unitQuote = (text: string) => `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/%/g, '%%')}"`;

export function serviceFile(spec: ServiceSpec): string {
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
    <string>${LAUNCHD_LABEL}</string>
    <key>ProgramArguments</key>
    <array>
      <string>${xml(spec.node)}</string>
      <string>${xml(spec.bin)}</string>
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
ExecStart=${unitQuote(spec.node)} ${unitQuote(spec.bin)} up --foreground
${env}
Restart=on-failure
RestartSec=2

[Install]
WantedBy=default.target
`;
}

/** The commands that load the definition now, and unload it, as the user would type them. */
export function serviceCommands(platform: ServicePlatform, path: string): { start: string[][]; stop: string[][] } {
  if (platform === 'darwin') {
    const domain = `gui/${process.getuid?.() ?? 501}`;
    return { start: [['launchctl', 'bootstrap', domain, path]], stop: [['launchctl', 'bootout', domain, path]] };
  }
  return {
    start: [
      ['systemctl', '--user', 'daemon-reload'],
      ['systemctl', '--user', 'enable', '--now', SYSTEMD_UNIT],
    ],
    stop: [
      ['systemctl', '--user', 'disable', '--now', SYSTEMD_UNIT],
      ['systemctl', '--user', 'daemon-reload'],
    ],
  };
}
