// `devdns config list|get|set|unset`: persistent settings, and what a change means for a running
// daemon and for the port `devdns setup` routed the system to.
import { lookupDaemon } from '../../daemon/state.js';
import { InputError } from '../../errors.js';
import { readJournal, routedPort } from '../../os/journal.js';
import { domainList } from '../../os/resolvers.js';
import { isLoopback } from '../../records/listen-address.js';
import { formatValue, getSetting, listSettings, setSetting, unsetSetting } from '../../store/settings.js';
import type { CommandContext } from '../context.js';
import { offer } from '../privilege.js';

export interface ConfigOptions {
  json?: boolean;
  allowLan?: boolean;
  force?: boolean;
  yes?: boolean;
}

const ADDRESS_KEYS = new Set(['dns.host', 'dns.port', 'control.port']);
/** Settings the daemon reads once, when it starts. */
const START_KEYS = new Set(['upstream', 'forward', 'forward.timeout', 'cache.max-ttl', 'log.queries']);

/** Whether setup --all routes every name to devdns (a journal that cannot be read is setup's and doctor's to report). */
function journalRoutesEveryName(home: string): boolean {
  try {
    return readJournal(home)?.all === true;
  } catch {
    return false;
  }
}

export async function runConfig(
  context: CommandContext,
  action: string,
  key: string | undefined,
  value: string | undefined,
  options: ConfigOptions,
  env: Readonly<Record<string, string | undefined>>,
): Promise<void> {
  const { output } = context;
  if (action === 'list') {
    const rows = listSettings(context.home);
    if (options.json) output.json(rows);
    else
      output.table(
        ['KEY', 'VALUE', 'SOURCE', 'DESCRIPTION'],
        rows.map((row) => [row.key, formatValue(row.value), row.source, row.description]),
      );
    return;
  }
  if (action !== 'get' && action !== 'set' && action !== 'unset')
    throw new InputError('action', `"${action}" is not list, get, set or unset`, 'devdns config list');
  if (key === undefined) throw new InputError('key', 'is missing', `devdns config ${action} dns.port${action === 'set' ? ' 5300' : ''}`);
  if (action === 'get') {
    const current = getSetting(context.home, key);
    output.data(options.json ? JSON.stringify(current) : formatValue(current.value));
    return;
  }
  if (action === 'set' && value === undefined) throw new InputError('value', 'is missing', `devdns config set ${key} VALUE`);
  const change =
    action === 'set'
      ? setSetting(context.home, key, value ?? '', { allowLan: options.allowLan === true, force: options.force === true })
      : unsetSetting(context.home, key);
  output.success(`${key}: ${formatValue(change.from)} -> ${formatValue(change.to)}${action === 'unset' ? ' (the default)' : ''}`);
  if (key === 'dns.host' && !isLoopback(String(change.to)))
    output.warn(`devdns will listen on ${change.to}, reachable from the network: anyone there can query your names`);
  if (key === 'forward' && change.to !== 'all' && journalRoutesEveryName(context.home))
    output.warn(
      'devdns setup --all sends every name to devdns, which now refuses those outside its zones: run devdns teardown, or set forward all again',
    );
  if (START_KEYS.has(key)) {
    // Read when the daemon starts: a running one goes on with what it had.
    if (lookupDaemon(context.home).kind === 'running' && formatValue(change.from) !== formatValue(change.to)) {
      if (
        await offer(
          context,
          `devdns runs with the ${key} it started with. Restart it now?`,
          'restart devdns to use it: devdns restart',
          options.yes,
        )
      ) {
        const { runRestart } = await import('./restart.js');
        await runRestart(context, {}, env);
      }
    }
    return;
  }
  if (!ADDRESS_KEYS.has(key)) return;
  const running = lookupDaemon(context.home);
  const now =
    running.kind === 'running'
      ? { 'dns.host': running.state.dns.host, 'dns.port': running.state.dns.port, 'control.port': running.state.control.port }[key]
      : undefined;
  if (now !== undefined && String(now) !== formatValue(change.to)) {
    if (
      await offer(
        context,
        `devdns runs with ${key} ${now}. Restart it with ${formatValue(change.to)} now?`,
        'restart devdns to use it: devdns restart',
        options.yes,
      )
    ) {
      const { runRestart } = await import('./restart.js');
      await runRestart(context, {}, env);
    }
  }
  const journal = readJournal(context.home);
  // The hosts-file route holds addresses, not a port: moving the port does not touch it.
  if (key === 'dns.port' && journal && routedPort(journal) !== undefined && journal.port !== Number(change.to)) {
    const tlds = domainList(journal.tlds);
    if (
      await offer(
        context,
        `devdns setup sends ${tlds} to port ${journal.port}. Run setup again for port ${formatValue(change.to)}?`,
        `devdns setup sends ${tlds} to port ${journal.port}: run devdns setup again`,
        options.yes,
      )
    ) {
      // The same system, resolver and TLDs as before; only the port changes.
      await (await import('./setup.js')).setupAgain(context, journal);
    }
  }
}
