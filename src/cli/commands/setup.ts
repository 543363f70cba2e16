// `devdns setup` / `devdns teardown`: route our TLDs from the OS resolver to devdns (with --all,
// every name), journalled, and undo exactly that. Run again through sudo, they trust from the home only what journal.ts
// checks: the journal root acts on is root's own copy, and the plan is recomputed and validated.
import { resolve } from 'node:path';
import { lookupDaemon } from '../../daemon/state.js';
import { DevdnsError, ExitCode, InputError } from '../../errors.js';
import { blockLines, hostsBlock } from '../../os/hosts-file.js';
import {
  applyPlan,
  checkHostsFile,
  type Journal,
  journalPlan,
  journalToUndo,
  readJournal,
  readJournalOrNone,
  recordedUpstreams,
  undoJournal,
} from '../../os/journal.js';
import { describeCommand } from '../../os/reload.js';
import {
  describeUnrouted,
  detectResolver,
  domainList,
  domainsToRoute,
  HOSTS_FILE,
  needsRouting,
  overrideRoutes,
  planSetup,
  RESOLVERS,
  type ResolverKind,
  type UnroutedDomain,
  unroutable,
  unroutedMessage,
} from '../../os/resolvers.js';
import { SystemAccess } from '../../os/system.js';
import { systemUpstreams } from '../../os/system-upstreams.js';
import { builtinAnchorsToKeep } from '../../os/systemd-files.js';
import { normalizeName } from '../../records/names.js';
import { parseInteger } from '../../records/record-input.js';
import { proposeZone } from '../../records/zones.js';
import { loadServedRecords } from '../../store/projects.js';
import { loadSettings } from '../../store/settings.js';
import type { CommandContext } from '../context.js';
import type { Output } from '../output.js';
import { confirm, needsRoot, offer, rerunWithSudo } from '../privilege.js';

export interface SetupOptions {
  tld?: string[];
  dryRun?: boolean;
  yes?: boolean;
  /** Route a TLD that would hide real sites or mDNS names; it changes nothing else. */
  force?: boolean;
  resolver?: string;
  dnsmasqDir?: string;
  platform?: string;
  root?: string;
  port?: string;
  /** Route every name to devdns, which forwards what it does not serve (needs forward all). */
  all?: boolean;
}

/**
 * The domains to route: the TLDs given, else those of the zones devdns serves (not localhost or
 * reverse zones); and, either way, each override's own name. An override of api.example.com
 * routes exactly that name, never .com. Also the served domains setup cannot route (see
 * unroutable), which are left out and said rather than failing the whole setup: the overrides'
 * always, the TLDs of own zones unless --tld chose others.
 */
function chooseDomains(context: CommandContext, options: SetupOptions): { domains: string[]; unrouted: UnroutedDomain[] } {
  const given = options.tld?.flatMap((tld) => tld.split(',')).filter(Boolean);
  const chosen = given !== undefined && given.length > 0;
  const served = domainsToRoute(loadServedRecords(context.home).file.zones);
  const overrides = overrideRoutes(served.domains);
  // Routed already on this system (or tree): the user agreed to each (a risky one took --force),
  // as setupAgain relies on. A journal of another tree speaks for nothing here.
  const journal = readJournalOrNone(context.home);
  const journalled = new Set(journal?.root === resolve(options.root ?? '/') ? journal.tlds : []);
  const tlds = chosen
    ? given.map((tld) => normalizeName(tld.replace(/^\./, ''), '--tld')).filter(needsRouting)
    : served.domains.filter((domain) => !overrides.includes(domain));
  for (const tld of tlds) {
    // An override's name given back (as config's re-run of an earlier setup does) is one already routed.
    if (overrides.includes(tld)) continue;
    if (tld.includes('.')) throw new InputError('--tld', `"${tld}" is not a top-level domain`, 'give the last label only, e.g. --tld test');
    const unrouted = unroutable(tld, false);
    if (unrouted) throw new InputError('--tld', unroutedMessage(unrouted), 'give a TLD such as test');
    const risk = proposeZone(`x.${tld}`).risk;
    if (risk && !options.force && !journalled.has(tld)) {
      throw new InputError(
        '--tld',
        `routing .${tld} to devdns would ${risk === 'mdns' ? 'break mDNS (Bonjour) names' : 'hide every real site under it'}`,
        `use .test, or add --force if you mean it`,
      );
    }
  }
  const routable = [...new Set([...tlds, ...overrides])];
  if (routable.length === 0) throw new InputError('--tld', 'no top-level domain to route', 'give one: --tld test');
  return { domains: routable, unrouted: served.unrouted.filter((domain) => domain.override || !chosen) };
}

/** One warning line for each served domain setup leaves out of the route: why, and what to do instead. */
function warnUnrouted(output: Output, unrouted: readonly UnroutedDomain[], host: string, port: number): void {
  for (const domain of unrouted) {
    const { message, fix } = describeUnrouted(domain, host, port);
    output.warn(`${message}; ${fix}`);
  }
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
  const all = options.all === true;
  const settings = loadSettings(context.home);
  // Refused rather than changed for the user: the setting is devdns's behaviour for every client, setup only the route.
  if (all && settings.forward !== 'all')
    throw new InputError(
      '--all',
      'forward is overrides, so devdns would refuse every name outside its zones and the machine could resolve nothing else',
      'devdns config set forward all, then devdns setup --all',
    );
  const { domains: tlds, unrouted } = chooseDomains(context, options);
  const { host, port } = dnsTarget(context, options);
  warnUnrouted(output, unrouted, host, port);
  const detected = options.resolver
    ? { resolver: resolverOption(options.resolver) as ResolverKind, evidence: 'chosen with --resolver' }
    : detectResolver(system, platform);
  const anchors = detected.resolver === 'systemd-resolved' ? builtinAnchorsToKeep(system) : undefined;
  const detectedPlan = planSetup({ resolver: detected.resolver, tlds, host, port, dnsmasqDir, all, anchors });
  output.info(`resolver: ${detectedPlan.resolver} (${detected.evidence})`);
  for (const note of detectedPlan.notes) output.info(`note: ${note}`);
  if (detectedPlan.refusal) throw new DevdnsError('setup-all-unsupported', detectedPlan.refusal.message, detectedPlan.refusal.hint);
  // A resolver that cannot route a domain: the hosts file is the route, and the plan says what it misses.
  const plan =
    detectedPlan.files.length === 0 && detectedPlan.hostsFile === undefined && detectedPlan.resolver === 'resolv.conf'
      ? planSetup({ resolver: 'hosts', tlds, host, port, dnsmasqDir })
      : detectedPlan;
  // upstream auto leaves out a local resolver (it would send the names back to devdns): on a
  // dnsmasq machine that can leave devdns nothing to forward to, and dnsmasq's fallback answering.
  if (
    all &&
    system.root === '/' &&
    settings.upstream.join(',') === 'auto' &&
    systemUpstreams({ recorded: recordedUpstreams(readJournalOrNone(context.home)) }).length === 0
  )
    output.warn(
      'upstream auto finds no server for devdns to forward to here (the system resolver is local); set one: devdns config set upstream IP',
    );
  if (plan !== detectedPlan) {
    output.info(`route: the hosts file (${system.path(HOSTS_FILE)})`);
    for (const note of plan.notes) output.info(`note: ${note}`);
  }
  // The plan speaks of system paths; under --root they are the tree's.
  const planPaths = [...plan.files.map((file) => file.path), ...(plan.hostsFile === undefined ? [] : [plan.hostsFile])];
  for (const line of plan.summary) output.info(`- ${planPaths.reduce((text, path) => text.replaceAll(path, system.path(path)), line)}`);
  if (plan.files.length === 0 && plan.hostsFile === undefined) return ExitCode.user;
  // A dry run stops where the real run would.
  checkHostsFile(system, plan);
  const hosts =
    plan.hostsFile === undefined
      ? undefined
      : hostsBlock(loadServedRecords(context.home).file.records, tlds, {
          // Only the daemon writes a record with an end (it takes it out at its end): it adds them once the journal is written.
          daemonKeeps: false,
        });
  for (const skip of hosts?.skipped ?? []) output.warn(`not in the hosts file: ${skip.name} ${skip.type} (${skip.reason})`);
  if (options.dryRun) {
    for (const file of plan.files) {
      output.info(`would write ${system.path(file.path)}:`);
      output.data(file.content.trimEnd());
    }
    if (plan.hostsFile !== undefined) {
      const lines = hosts ? blockLines(hosts) : undefined;
      output.info(
        `would set the devdns block of ${system.path(plan.hostsFile)} to ${lines ? `${lines.length} lines` : 'nothing (no names yet)'}:`,
      );
      for (const line of lines ?? []) output.data(line);
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
  const hostsLines = hosts ? blockLines(hosts) : undefined;
  // What upstream auto finds now, with the previous setup undone, is what this one may hide.
  const upstreams =
    system.root === '/' ? systemUpstreams({ recorded: recordedUpstreams(previous) }).map((server) => server.host) : undefined;
  const reports = await applyPlan({ home: context.home, system, plan, tlds, host, port, dnsmasqDir, hostsLines, upstreams });
  for (const file of plan.files) output.success(`wrote ${system.path(file.path)}`);
  if (plan.hostsFile !== undefined)
    output.success(
      `wrote ${hostsLines?.length ?? 0} ${hostsLines?.length === 1 ? 'line' : 'lines'} into the devdns block of ${system.path(plan.hostsFile)}`,
    );
  let ok = true;
  for (const report of reports) {
    if (report.ok) output.info(`ran ${describeCommand(report.command)}: ${report.detail}`);
    else {
      ok = false;
      output.warn(`${describeCommand(report.command)}: ${report.detail}`);
    }
  }
  const list = domainList(tlds);
  const where = system.root === '/' ? '' : ` in the tree ${system.root} (this system's own resolver is unchanged)`;
  if (plan.all)
    output.info(
      `every name now goes to devdns at ${host}:${port}${where} (${list} only to devdns); check with: devdns doctor; undo with: devdns teardown`,
    );
  else if (plan.hostsFile === undefined)
    output.info(`${list} now go to devdns at ${host}:${port}${where}; check with: devdns doctor; undo with: devdns teardown`);
  else {
    output.info(
      `your ${list} names now resolve through ${system.path(plan.hostsFile)}${where}; ${lookupDaemon(context.home).kind === 'running' ? 'the running daemon rewrites its block on every change' : 'the daemon keeps its block in step with your records once started (devdns up)'}; check with: devdns doctor; undo with: devdns teardown`,
    );
    // Root writing for a user through sudo: their daemon will not be able to write the file.
    if (system.root === '/' && process.getuid?.() === 0 && process.env.SUDO_UID !== undefined && process.env.SUDO_UID !== '0')
      output.info(
        `note: the daemon runs as you and cannot write ${plan.hostsFile}: after a change, devdns add and rm say so, and sudo devdns hosts sync brings it up to date`,
      );
  }
  return ok ? ExitCode.ok : ExitCode.user;
}

/**
 * Setup again on the same system with the same resolver and TLDs as the journal's, for what has
 * changed since (the port, or the overrides, whose routes are recomputed from the records). The
 * journal's TLDs exactly, never more: a setup that routed only overrides gives their names, and
 * one with nothing left to route is torn down. A risky TLD among them passes, as chooseDomains
 * lets every journalled TLD (the user took setup --force for it then).
 */
export async function setupAgain(context: CommandContext, journal: Journal): Promise<number> {
  const overrides = overrideRoutes(domainsToRoute(loadServedRecords(context.home).file.zones).domains);
  // setup --all routes every name whatever else it routes: with nothing else, it still needs one
  // domain of its own, and .test (which --all sends to devdns anyway) changes nothing.
  const journalled = journal.tlds.filter((domain) => !domain.includes('.'));
  const tlds = journalled.length === 0 && overrides.length === 0 && journal.all ? ['test'] : journalled;
  if (tlds.length === 0 && overrides.length === 0) return runTeardown(context, { yes: true, root: journal.root });
  return runSetup(context, {
    yes: true,
    root: journal.root,
    resolver: journal.resolver,
    tld: tlds.length > 0 ? tlds : overrides,
    ...(journal.dnsmasqDir === undefined ? {} : { dnsmasqDir: journal.dnsmasqDir }),
    ...(journal.all ? { all: true } : {}),
  });
}

/**
 * After an edit, where setup routes names to devdns: when an override began or ended since, its
 * route is not yet in the OS, or is still there. Offers to run setup again (on a terminal, or with
 * yes), else says what to run. Until then devdns forwards what an ended override's route still
 * sends it, so the real name keeps resolving while devdns runs.
 */
export async function offerRouteUpdate(context: CommandContext, yes?: boolean): Promise<void> {
  let journal: Journal | undefined;
  try {
    journal = readJournal(context.home);
  } catch {
    return; // a journal that cannot be read is doctor's, setup's and teardown's to report
  }
  if (journal === undefined || journal.undoing) return;
  const served = domainsToRoute(loadServedRecords(context.home).file.zones);
  // An override setup cannot route is never offered (setup would leave it out): it is said instead, by setup when it runs.
  const unrouted = served.unrouted.filter((domain) => domain.override);
  const sayUnrouted = () => warnUnrouted(context.output, unrouted, journal.host, journal.port);
  const wanted = overrideRoutes(served.domains);
  const routed = overrideRoutes(journal.tlds);
  const begun = wanted.filter((domain) => !routed.includes(domain));
  // With setup --all every name goes to devdns, which forwards an ended override's: its route is
  // no different from the rest, and is left until setup runs again for another reason.
  const ended = journal.all ? [] : routed.filter((domain) => !wanted.includes(domain));
  if (begun.length === 0 && ended.length === 0) return sayUnrouted();
  const undoes = wanted.length === 0 && journal.tlds.every((domain) => domain.includes('.'));
  const what = [
    ...(begun.length > 0 ? [`route ${begun.join(', ')} to devdns`] : []),
    ...(ended.length > 0 ? [`give ${ended.join(', ')} back to the real servers`] : []),
  ].join(' and ');
  const sudo = needsRoot(journal.root) ? ' (it asks for sudo)' : '';
  const run = undoes ? 'devdns teardown (nothing else is routed)' : 'devdns setup again';
  if (await offer(context, `Run ${run} to ${what}?${sudo}`, `to ${what}, run ${run}${sudo}`, yes)) await setupAgain(context, journal);
  else sayUnrouted();
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
    ...(options.all ? ['--all'] : []),
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
  const { hostsFile } = journalPlan(journal);
  if (hostsFile !== undefined) output.info(`- remove the devdns block from ${system.path(hostsFile)}`);
  for (const command of journalPlan(journal).reload) output.info(`- run ${describeCommand(command)}`);
  if (options.dryRun) return ExitCode.ok;
  if (needsRoot(system.root)) {
    if (!(await confirm('This changes system files as root, with sudo. Continue?', options.yes))) return ExitCode.user;
    return rerunWithSudo(context, ['teardown', '--yes']);
  }
  const { restored, reports } = await undoJournal(context.home, system, journal);
  for (const { path, removed, block } of restored)
    output.success(
      block ? `removed the devdns block from ${system.path(path)}` : `${removed ? 'removed' : 'restored'} ${system.path(path)}`,
    );
  for (const report of reports) if (!report.ok) output.warn(`${describeCommand(report.command)}: ${report.detail}`);
  output.info(
    journal.all
      ? `lookups for every name (${domainList(journal.tlds)} among them) no longer go to devdns`
      : `lookups for ${domainList(journal.tlds)} no longer go to devdns`,
  );
  if (reports.some((report) => !report.ok))
    throw new DevdnsError('teardown-incomplete', 'the files are restored, but a reload command failed', 'run it yourself (above)');
  return ExitCode.ok;
}
