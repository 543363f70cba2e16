// `devdns status`: whether the daemon runs, where, since when, and what it serves.
import { ROUTES } from '../../control/protocol.js';
import { ExitCode } from '../../errors.js';
import { RecordStore } from '../../store/record-store.js';
import type { CommandContext } from '../context.js';
import { findDaemon } from '../running-daemon.js';

function duration(seconds: number): string {
  const units: Array<[number, string]> = [
    [86400, 'd'],
    [3600, 'h'],
    [60, 'm'],
  ];
  const parts: string[] = [];
  let rest = seconds;
  for (const [size, unit] of units) {
    if (rest >= size) {
      parts.push(`${Math.floor(rest / size)}${unit}`);
      rest %= size;
    }
  }
  return [...parts, `${rest}s`].slice(0, 2).join(' ');
}

/** Returns the exit code: 0 running, 3 not running. */
export async function runStatus(context: CommandContext, options: { json?: boolean }): Promise<number> {
  const { output } = context;
  const daemon = findDaemon(context);
  const store = new RecordStore(context.home);
  if (!daemon) {
    let records: number | null = null;
    try {
      records = store.read().records.length;
    } catch {
      // the records file has a problem; ls and add say what
    }
    if (options.json)
      output.json({ running: false, pid: null, dns: null, control: null, controlSocket: null, records, recordsFile: store.path });
    else {
      output.info('devdns is not running (start it: devdns up)');
      output.info(`  records  ${records ?? '?'} in ${store.path}`);
    }
    return ExitCode.daemonDown;
  }
  const { body } = await daemon.client.call(ROUTES.status);
  if (options.json) {
    output.json(body);
    return ExitCode.ok;
  }
  const lines: Array<[string, string]> = [
    ['pid', String(body.pid)],
    ['uptime', `${duration(body.uptimeSeconds)} (since ${body.startedAt})`],
    [
      'DNS',
      `${body.dns.host}:${body.dns.port} (UDP and TCP)${body.sources ? `; host from ${body.sources.dnsHost}, port from ${body.sources.dnsPort}` : ''}`,
    ],
    ['control', `http://${body.control.host}:${body.control.port}${body.sources ? `; port from ${body.sources.controlPort}` : ''}`],
    ...(body.controlSocket ? ([['socket', `${body.controlSocket} (only you can open it)`]] as Array<[string, string]>) : []),
    ['records', `${body.records} in ${body.recordsFile}`],
    ['queries', String(body.queries)],
    ['logs', `${body.logFile}, ${body.queryLogFile}`],
    ['version', body.version],
  ];
  output.data(`devdns is running`);
  for (const [label, value] of lines) output.data(`  ${label.padEnd(8)} ${value}`);
  return ExitCode.ok;
}
