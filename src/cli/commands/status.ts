// `devdns status`: whether the daemon runs, where, since when, and what it serves.
import { type ForwardingStatus, ROUTES } from '../../control/protocol.js';
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

/** A refused file's message, with its hint, in one line. */
function describeError(error: unknown): string {
  const hint = (error as { hint?: unknown }).hint;
  return `${(error as Error).message}${typeof hint === 'string' && hint !== '' ? ` (${hint})` : ''}`;
}

/** One line: what is forwarded, where, how the upstreams fare, and the cache. */
function describeForwarding(forwarding: ForwardingStatus): string {
  const { cache } = forwarding;
  const asked = cache.hits + cache.staleHits + cache.misses;
  const upstreams =
    forwarding.upstreams.length === 0
      ? 'no upstream (devdns config set upstream IP)'
      : forwarding.upstreams.map((u) => `${u.label} (${u.answered} answered, ${u.failed} failed)`).join(', ');
  const rate = asked === 0 ? '' : `, ${Math.round((100 * (cache.hits + cache.staleHits)) / asked)}% hits`;
  return `${forwarding.mode === 'all' ? 'every other name' : 'what overrides leave'} to ${upstreams}; ${forwarding.forwarded} forwarded; cache ${cache.entries} answers, ${Math.ceil(cache.bytes / 1024)} KiB${rate}`;
}

/** Returns the exit code: 0 running, 3 not running. */
export async function runStatus(context: CommandContext, options: { json?: boolean }): Promise<number> {
  const { output } = context;
  const daemon = findDaemon(context);
  const store = new RecordStore(context.home);
  if (!daemon) {
    let records: number | null = null;
    let recordsError: string | null = null;
    try {
      records = store.read().records.length;
    } catch (error) {
      recordsError = describeError(error);
    }
    if (options.json)
      output.json({
        running: false,
        pid: null,
        dns: null,
        control: null,
        controlSocket: null,
        records,
        recordsFile: store.path,
        recordsError,
      });
    else {
      output.info('devdns is not running (start it: devdns up)');
      output.info(
        recordsError === null ? `  records  ${records} in ${store.path}` : `  records  refused, so devdns up would fail: ${recordsError}`,
      );
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
    [
      'records',
      body.recordsError
        ? `${body.records}, the last good ones; the file is refused: ${body.recordsError}`
        : `${body.records} in ${body.recordsFile}`,
    ],
    ['queries', String(body.queries)],
    ...(body.forwarding ? ([['forward', describeForwarding(body.forwarding)]] as Array<[string, string]>) : []),
    ['logs', `${body.logFile}, ${body.queryLogFile}`],
    ['version', body.version],
  ];
  output.data(`devdns is running`);
  for (const [label, value] of lines) output.data(`  ${label.padEnd(8)} ${value}`);
  if (body.recordsError) output.warn(`the daemon serves the last good records: fix ${body.recordsFile} (devdns ls says what is wrong)`);
  return ExitCode.ok;
}
