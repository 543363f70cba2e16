// `devdns setup` / `devdns teardown`: route our TLDs from the OS resolver to devdns, journalled,
// and undo exactly that. Run again through sudo, they trust from the home only what journal.ts
// checks: the journal root acts on is root's own copy, and the plan is recomputed and validated.
import { resolve } from 'node:path';
import { lookupDaemon } from '../../daemon/state.js';
import { DevdnsError, ExitCode, InputError } from '../../errors.js';
import { applyPlan, journalPlan, journalToUndo, undoJournal } from '../../os/journal.js';
import { describeCommand } from '../../os/reload.js';
import { detectResolver, needsRouting, planSetup, RESOLVERS, type ResolverKind, tldsToRoute } from '../../os/resolvers.js';
import { SystemAccess } from '../../os/system.js';
import { normalizeName } from '../../records/names.js';
import { parseInteger } from '../../records/record-input.js';
import { proposeZone } from '../../records/zones.js';
import { loadServedRecords } from '../../store/projects.js';
import { loadSettings } from '../../store/settings.js';
import type { CommandContext } from '../context.js';
import { confirm, needsRoot, rerunWithSudo } from '../privilege.js';

export interface SetupOptions {
  tld?: string[];
  dryRun?: boolean;
  yes?: boolean;
  force?: boolean;
  resolver?: string;
  dnsmasqDir?: string;
  platform?: string;
  root?: string;
  port?: string;
}

/** The TLDs to route: those given, else those of the zones devdns serves (not localhost or reverse zones). */
function chooseTlds(context: CommandContext, options: SetupOptions): string[] {
  const given = options.tld?.flatMap((tld) => tld.split(',')).filter(Boolean);
  const zones = Object.keys(loadServedRecords(context.home).file.zones);
  const routable =
    given && given.length > 0
      ? given.map((tld) => normalizeName(tld.replace(/^\./, ''), '--tld')).filter(needsRouting)
      : tldsToRoute(zones);
  for (const tld of routable) {
    if (tld.includes('.')) throw new InputError('--tld', `"${tld}" is not a top-level domain`, 'give the last label only, e.g. --tld test');
    const risk = proposeZone(`x.${tld}`).risk;
    if (risk && !options.force) {
      throw new InputError(
        '--tld',
        `routing .${tld} to devdns would ${risk === 'mdns' ? 'break mDNS (Bonjour) names' : 'hide every real site under it'}`,
        `use .test, or add --force if you mean it`,
      );
    }
  }
  if (routable.length === 0) throw new InputError('--tld', 'no top-level domain to route', 'give one: --tld test');
  return routable;
}

function resolverOption(text: string | undefined): ResolverKind | undefined {
  if (text === undefined) return undefined;
  if (!(RESOLVERS as readonly string[]).includes(text))
    throw new InputError('--resolver', `"${text}" is not one devdns knows`, `use one of ${RESOLVERS.join(', ')}`);
  return text as ResolverKind;
}

/** The DNS address the OS should send lookups to: the running daemon's, else the one given, else the default. */
function dnsTarget(context: CommandContext, options: SetupOptions): { host: string; port: number } {
  const running = lookupDaemon(context.home);
  const settings = loadSettings(context.home);
  const host = settings.dnsHost;
  if (options.port !== undefined) return { host, port: parseInteger(options.port, '--port', 1, 65535) };
  if (running.kind === 'running') return running.state.dns;
  return { host, port: settings.dnsPort };
}

export async function runSetup(context: CommandContext, options: SetupOptions): Promise<number> {
  const { output } = context;
  const platform = (options.platform ?? process.platform) as NodeJS.Platform;
  const system = new SystemAccess(resolve(options.root ?? '/'));
  const dnsmasqDir = options.dnsmasqDir === undefined ? undefined : resolve(options.dnsmasqDir);
  const tlds = chooseTlds(context, options);
  const { host, port } = dnsTarget(context, options);
  const detected = options.resolver
    ? { resolver: resolverOption(options.resolver) as ResolverKind, evidence: 'chosen with --resolver' }
    : detectResolver(system, platform);
  const plan = planSetup({ resolver: detected.resolver, tlds, host, port, dnsmasqDir });
  output.info(`resolver: ${plan.resolver} (${detected.evidence})`);
  for (const line of plan.summary) output.info(`- ${line}`);
  for (const note of plan.notes) output.info(`note: ${note}`);
  if (plan.files.length === 0) {
    // Nothing devdns can route here; the hosts file works everywhere, without wildcards.
    if (
      options.dryRun ||
      !(await confirm('Write your names into the hosts file instead (devdns hosts sync)?', options.yes).catch(() => false))
    ) {
      return ExitCode.user;
    }
    const { runHosts } = await import('./hosts.js');
    return runHosts(context, 'sync', { yes: options.yes === true });
  }
  if (options.dryRun) {
    for (const file of plan.files) {
      output.info(`would write ${system.path(file.path)}:`);
      output.data(file.content.trimEnd());
    }
    for (const command of plan.reload) output.info(`would run: ${describeCommand(command)}`);
    return ExitCode.ok;
  }
  if (needsRoot(system.root)) {
    if (!(await confirm('This changes system files as root, with sudo. Continue?', options.yes))) return ExitCode.user;
    return rerunWithSudo(context, setupArgs(options, dnsmasqDir));
  }
  if (!(await confirm('Make these changes?', options.yes))) return ExitCode.user;
  // As root, only a journal root itself wrote is undone: a planted one is refused here, not continued.
  const previous = journalToUndo(context.home, { privileged: system.privileged });
  if (previous) {
    output.info('undoing the previous setup first');
    await undoJournal(context.home, new SystemAccess(previous.root), previous);
  }
  const reports = await applyPlan({ home: context.home, system, plan, tlds, host, port, dnsmasqDir });
  for (const file of plan.files) output.success(`wrote ${system.path(file.path)}`);
  let ok = true;
  for (const report of reports) {
    if (report.ok) output.info(`ran ${describeCommand(report.command)}: ${report.detail}`);
    else {
      ok = false;
      output.warn(`${describeCommand(report.command)}: ${report.detail}`);
    }
  }
  output.info(
    `${tlds.map((tld) => `.${tld}`).join(', ')} now go to devdns at ${host}:${port}; check with: devdns doctor; undo with: devdns teardown`,
  );
  return ok ? ExitCode.ok : ExitCode.user;
}

/** The arguments for running this setup again through sudo: only the options the user gave. */
function setupArgs(options: SetupOptions, dnsmasqDir: string | undefined): string[] {
  return [
    'setup',
    '--yes',
    ...(options.tld ?? []).flatMap((tld) => ['--tld', tld]),
    ...(options.resolver === undefined ? [] : ['--resolver', options.resolver]),
    ...(dnsmasqDir === undefined ? [] : ['--dnsmasq-dir', dnsmasqDir]),
    ...(options.port === undefined ? [] : ['--port', options.port]),
    ...(options.force ? ['--force'] : []),
  ];
}

export interface TeardownOptions {
  yes?: boolean;
  dryRun?: boolean;
  root?: string;
}

export async function runTeardown(context: CommandContext, options: TeardownOptions): Promise<number> {
  const { output } = context;
  const root = options.root === undefined ? undefined : resolve(options.root);
  const privileged = new SystemAccess().privileged;
  const journal = journalToUndo(context.home, { privileged, root });
  if (!journal) {
    output.info('nothing to undo: devdns setup has not changed this system');
    return ExitCode.ok;
  }
  const system = new SystemAccess(journal.root);
  for (const entry of journal.files) {
    output.info(`- ${entry.before === null ? 'remove' : 'restore'} ${system.path(entry.path)}`);
  }
  for (const command of journalPlan(journal).reload) output.info(`- run ${describeCommand(command)}`);
  if (options.dryRun) return ExitCode.ok;
  if (needsRoot(system.root)) {
    if (!(await confirm('This changes system files as root, with sudo. Continue?', options.yes))) return ExitCode.user;
    return rerunWithSudo(context, ['teardown', '--yes']);
  }
  const { restored, reports } = await undoJournal(context.home, system, journal);
  for (const { path, removed } of restored) output.success(`${removed ? 'removed' : 'restored'} ${system.path(path)}`);
  for (const report of reports) if (!report.ok) output.warn(`${describeCommand(report.command)}: ${report.detail}`);
  output.info(`lookups for ${journal.tlds.map((tld) => `.${tld}`).join(', ')} no longer go to devdns`);
  if (reports.some((report) => !report.ok))
    throw new DevdnsError('teardown-incomplete', 'the files are restored, but a reload command failed', 'run it yourself (above)');
  return ExitCode.ok;
}
