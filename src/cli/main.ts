// The devdns command line: commander wiring, help texts, and the one place errors become output.
// Each command's module is loaded only when that command runs, so start-up stays small.
import { Command, CommanderError, Option } from 'commander';
import { DevdnsError, ExitCode, InputError } from '../errors.js';
import { RECORD_TYPES } from '../records/types.js';
import { checkHome } from '../store/home.js';
import { setVerboseSink } from '../verbose.js';
import { type CommandContext, commandContext } from './context.js';
import type { CliIo } from './output.js';
import { packageVersion } from './version.js';

/** Commands that never touch the devdns home. */
const HOMELESS_COMMANDS = new Set(['completion', 'help']);

const examples = (lines: string[]): string => `\nExamples:\n${lines.map((line) => `  $ ${line}`).join('\n')}\n`;

/**
 * The command to build alone: the first word of the arguments. Help, completion and the bare
 * command need them all (as does a word that names none, for the suggestion), so undefined.
 */
function commandToBuild(argv: readonly string[]): string | undefined {
  const word = argv.find((arg) => !arg.startsWith('-'));
  return word === 'help' || word === 'completion' ? undefined : word;
}

/** `only`: build just that command, when it is one; commander's setup is milliseconds of every start. */
function buildProgram(context: CommandContext, io: CliIo, setExitCode: (code: number) => void, only?: string): Command {
  const wants = (name: string) => only === undefined || only === name;
  const program = new Command('devdns')
    .description('DNS for local development: make myapp.test resolve everywhere on this machine.')
    .version(packageVersion(), '-v, --version', 'print the devdns version')
    .helpCommand('help [command]', 'show help for a command, with examples')
    .option('-q, --quiet', 'print only data, warnings and errors')
    .option('--verbose', 'say which files devdns reads and writes and which commands it runs')
    .hook('preAction', (_program, action) => {
      const global = program.opts<{ quiet?: boolean; verbose?: boolean }>();
      context.output.configure({ ...global, json: action.opts<{ json?: boolean }>().json === true });
      setVerboseSink(global.verbose && !global.quiet ? (line) => context.output.verbose(line) : undefined);
      // Every command that reads or writes the home checks it first: one that another user can
      // write or owns could hand any command planted records, settings or state.
      if (!HOMELESS_COMMANDS.has(action.name())) checkHome(context.home);
    })
    .showSuggestionAfterError()
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
      outputError: (text, write) => write(usageMessage(text)),
    })
    .addHelpText(
      'after',
      `\nRecords live in ${context.home} (set DEVDNS_HOME to use another directory).\n${examples(['devdns add myapp.test', 'devdns ls'])}`,
    );

  const typeOption = () => new Option('-t, --type <type>', `record type: ${RECORD_TYPES.join(', ')}`);

  if (wants('add')) {
    program
      .command('add')
      .description('add a record (no value: 127.0.0.1 and ::1)')
      .argument('<name>', 'the domain name, e.g. myapp.test or *.shop.test')
      .argument('[value]', 'IPv4 or IPv6 address, or the data for -t TYPE')
      .addOption(typeOption())
      .option('--ttl <seconds>', "time to live, 0-2147483647 (default: the RRset's, else 5)")
      .option('--priority <n>', 'MX or SRV priority, 0-65535')
      .option('--weight <n>', 'SRV weight, 0-65535 (default 0)')
      .option('--port <n>', 'SRV port, 0-65535')
      .option('--force', 'serve a name under a public TLD such as .dev or .com')
      .addHelpText(
        'after',
        examples([
          'devdns add myapp.test                       # A 127.0.0.1 and AAAA ::1',
          'devdns add api.myapp.test 127.0.0.2',
          "devdns add '*.shop.test' 127.0.0.1          # wildcard (RFC 4592)",
          'devdns add www.shop.test shop.test -t CNAME',
          'devdns add shop.test mail.shop.test -t MX --priority 10',
          "devdns add shop.test 'v=spf1 -all' -t TXT",
          'devdns add _http._tcp.shop.test web.shop.test -t SRV --priority 0 --weight 5 --port 8080',
          'devdns add shop.test -t TXT -- -starts-with-a-dash   # -- ends the options',
        ]),
      )
      .action(async (name: string, value: string | undefined, options: Record<string, string | boolean | undefined>) => {
        const { runAdd } = await import('./commands/add.js');
        await runAdd(context, name, value, options);
      });
  }

  if (wants('rm')) {
    program
      .command('rm')
      .description('remove the records that match a name, and optionally a type and value')
      .argument('<name>', 'the domain name')
      .argument('[value]', 'remove only the record with this value')
      .addOption(typeOption())
      .addHelpText(
        'after',
        examples([
          'devdns rm myapp.test                 # every record at the name',
          'devdns rm myapp.test ::1',
          'devdns rm shop.test -t MX',
          "devdns rm '*.shop.test'",
        ]),
      )
      .action(async (name: string, value: string | undefined, options: { type?: string }) => {
        const { runRm } = await import('./commands/rm.js');
        await runRm(context, name, value, options);
      });
  }

  if (wants('ls')) {
    program
      .command('ls')
      .description('list records, optionally those whose name contains a pattern')
      .argument('[pattern]', 'show only names containing this text')
      .option('--json', 'print a JSON array of {name, type, ttl, value, zone}')
      .addHelpText('after', examples(['devdns ls', 'devdns ls shop.test', 'devdns ls --json']))
      .action(async (pattern: string | undefined, options: { json?: boolean }) => {
        const { runLs } = await import('./commands/ls.js');
        runLs(context, pattern, options);
      });
  }

  if (wants('up')) {
    program
      .command('up')
      .description('start the DNS daemon in the background (or in this terminal with --foreground)')
      .option('--host <address>', 'loopback address for DNS (default 127.0.0.1; ::1 works too)')
      .option('--port <port>', 'DNS port, UDP and TCP; 0 picks a free one (default 9090)')
      .option('--control-port <port>', 'control API port on 127.0.0.1; 0 picks a free one (default 9091)')
      .option('--allow-lan', 'allow a --host that is not a loopback address (devdns becomes reachable from the network)')
      .option('--foreground', 'stay in this terminal and print one line per query (for launchd and systemd too)')
      .addHelpText(
        'after',
        examples([
          'devdns up',
          'devdns up --port 5300 --control-port 5301',
          'devdns up --foreground',
          'dig @127.0.0.1 -p 9090 myapp.test      # ask it',
        ]),
      )
      .action(async (options: { foreground?: boolean; host?: string; port?: string; controlPort?: string; allowLan?: boolean }) => {
        const { runUp } = await import('./commands/up.js');
        await runUp(context, options, io.env);
      });
  }

  if (wants('down')) {
    program
      .command('down')
      .description('stop the daemon (not running is fine)')
      .addHelpText('after', examples(['devdns down']))
      .action(async () => {
        const { runDown } = await import('./commands/down.js');
        await runDown(context);
      });
  }

  if (wants('restart')) {
    program
      .command('restart')
      .description('stop the daemon and start it again, on the same addresses unless told otherwise')
      .option('--host <address>', 'loopback address for DNS')
      .option('--port <port>', 'DNS port, UDP and TCP')
      .option('--control-port <port>', 'control API port')
      .addHelpText('after', examples(['devdns restart', 'devdns restart --port 5300']))
      .action(async (options: { host?: string; port?: string; controlPort?: string }) => {
        const { runRestart } = await import('./commands/restart.js');
        await runRestart(context, options, io.env);
      });
  }

  if (wants('status')) {
    program
      .command('status')
      .description('show whether the daemon runs, where it listens, and what it serves (exit 3 when stopped)')
      .option('--json', 'print an object with running, pid, dns, control, records, ...')
      .addHelpText('after', examples(['devdns status', 'devdns status --json']))
      .action(async (options: { json?: boolean }) => {
        const { runStatus } = await import('./commands/status.js');
        setExitCode(await runStatus(context, options));
      });
  }

  if (wants('logs')) {
    program
      .command('logs')
      .description('show the recent DNS queries; -f follows new ones')
      .option('-n, --lines <n>', 'how many recent queries (default 20)')
      .option('-f, --follow', 'keep printing queries as they come (Ctrl-C stops)')
      .option('--json', 'one JSON object per line')
      .addHelpText('after', examples(['devdns logs', 'devdns logs -n 100', 'devdns logs -f']))
      .action(async (options: { lines?: string; follow?: boolean; json?: boolean }) => {
        const { runLogs } = await import('./commands/logs.js');
        await runLogs(context, options);
      });
  }

  if (wants('resolve')) {
    program
      .command('resolve')
      .description('ask the running daemon, and show the answer and the record that produced it')
      .argument('<name>', 'the name to look up')
      .argument('[type]', 'record type (default A)')
      .option('--json', 'print the answer as JSON')
      .addHelpText(
        'after',
        examples(['devdns resolve myapp.test', 'devdns resolve anything.shop.test AAAA', 'devdns resolve shop.test MX']),
      )
      .action(async (name: string, type: string | undefined, options: { json?: boolean }) => {
        const { runResolve } = await import('./commands/resolve.js');
        await runResolve(context, name, type, options);
      });
  }

  if (wants('token')) {
    program
      .command('token')
      .description("print the running daemon's control-API token, for scripts")
      .addHelpText('after', examples(['curl -H "Authorization: Bearer $(devdns token)" http://127.0.0.1:9091/status']))
      .action(async () => {
        const { runToken } = await import('./commands/token.js');
        runToken(context);
      });
  }

  if (wants('service')) {
    program
      .command('service')
      .description('start devdns at login: install or uninstall a systemd user unit or launchd agent')
      .argument('<action>', 'install or uninstall')
      .option('--dry-run', 'print what would be written and run, change nothing')
      .option('--platform <platform>', 'linux or darwin (default: this machine)')
      .addHelpText('after', examples(['devdns service install --dry-run', 'devdns service install', 'devdns service uninstall']))
      .action(async (action: string, options: { dryRun?: boolean; platform?: string }) => {
        const { runService } = await import('./commands/service.js');
        await runService(context, action, options, io.env);
      });
  }

  if (wants('setup')) {
    program
      .command('setup')
      .description('make this machine send your TLDs (.test) to devdns: /etc/resolver, systemd-resolved or dnsmasq')
      .option('--tld <tld...>', 'top-level domains to route (default: those of your zones, e.g. test)')
      .option('--dry-run', 'show what would change and change nothing')
      .option('--yes', 'do not ask before changing system files')
      .option('--resolver <kind>', 'skip detection: macos, systemd-resolved, networkmanager-dnsmasq, dnsmasq')
      .option('--dnsmasq-dir <dir>', "dnsmasq's configuration directory (default /etc/dnsmasq.d)")
      .option('--port <port>', "DNS port to route to (default: the running daemon's, else 9090)")
      .option('--platform <platform>', 'plan for another platform (linux, darwin), for --dry-run')
      .option('--root <dir>', 'treat <dir> as / (for trying setup on a copy of the system files)')
      .option('--force', 'route a public TLD or .local anyway')
      .addHelpText(
        'after',
        examples(['devdns setup --dry-run', 'devdns setup', 'devdns setup --tld test --tld internal', 'devdns teardown']),
      )
      .action(async (options: Record<string, unknown>) => {
        const { runSetup } = await import('./commands/setup.js');
        setExitCode(await runSetup(context, options));
      });
  }

  if (wants('teardown')) {
    program
      .command('teardown')
      .description('undo exactly what devdns setup changed (harmless when nothing is set up)')
      .option('--dry-run', 'show what would be restored')
      .option('--yes', 'do not ask before changing system files')
      .option('--root <dir>', 'the tree devdns setup --root changed (default: the one the journal names)')
      .addHelpText('after', examples(['devdns teardown']))
      .action(async (options: { yes?: boolean; dryRun?: boolean; root?: string }) => {
        const { runTeardown } = await import('./commands/setup.js');
        setExitCode(await runTeardown(context, options));
      });
  }

  if (wants('hosts')) {
    program
      .command('hosts')
      .description('fallback: write your A/AAAA names into the hosts file (sync), or remove them (clean)')
      .argument('<action>', 'sync or clean')
      .option('--hosts-file <path>', 'another hosts file (default /etc/hosts)')
      .option('--yes', 'do not ask before using sudo')
      .addHelpText('after', examples(['devdns hosts sync', 'devdns hosts clean']))
      .action(async (action: string, options: { hostsFile?: string; yes?: boolean }) => {
        const { runHosts } = await import('./commands/hosts.js');
        setExitCode(await runHosts(context, action, options));
      });
  }

  if (wants('doctor')) {
    program
      .command('doctor')
      .description('check every layer from the daemon to the system resolver; prints the fix for each failure')
      .option('--json', 'print {ok, checks: [{id, status, message, fix}]}')
      .option('--hosts-file <path>', 'the hosts file to look at (default /etc/hosts)')
      .addHelpText('after', examples(['devdns doctor', 'devdns doctor --json']))
      .action(async (options: { json?: boolean; hostsFile?: string }) => {
        const { runDoctor } = await import('./commands/doctor.js');
        setExitCode(await runDoctor(context, options));
      });
  }

  if (wants('export')) {
    program
      .command('export')
      .description('write the records as zone files, a hosts file, dnsmasq lines or devdns JSON')
      .option('--format <format>', 'zone (default), hosts, json or dnsmasq')
      .option('--zone <zone>', 'only this zone')
      .option('-o, --output <path>', 'write to a file (a directory for several zone files) instead of stdout')
      .addHelpText(
        'after',
        examples(['devdns export --zone test > test.zone', 'devdns export --format json -o devdns.json', 'devdns export --format hosts']),
      )
      .action(async (options: { format?: string; zone?: string; output?: string }) => {
        const { runExport } = await import('./commands/export.js');
        runExport(context, options);
      });
  }

  if (wants('import')) {
    program
      .command('import')
      .description('add records from a zone file, hosts file, dnsmasq config, devdns JSON or YAML map')
      .argument('<file>', 'the file to read')
      .option('--format <format>', 'auto (default), zone, hosts, json, dnsmasq or yaml')
      .option('--dry-run', 'show what would change and write nothing')
      .option('--replace', "replace all your records with the file's instead of adding to them")
      .option('--skip-invalid', 'import the valid lines even when some are not')
      .option('--force', 'import names under public TLDs too')
      .addHelpText(
        'after',
        examples(['devdns import /etc/hosts --dry-run', 'devdns import dnsmasq.conf', 'devdns import test.zone --replace']),
      )
      .action(async (path: string, options: Record<string, unknown>) => {
        const { runImport } = await import('./commands/import.js');
        await runImport(context, path, options);
      });
  }

  if (wants('link')) {
    program
      .command('link')
      .description("serve a team's devdns.json beside your records (default: the nearest one up to the git root)")
      .argument('[dir]', 'the project directory, or its devdns.json')
      .option('--force', 'serve the public or .local names the file claims (asked on a terminal; only those it claims now)')
      .addHelpText('after', examples(['cd ~/code/shop && devdns link', 'devdns link ~/code/shop', 'devdns links']))
      .action(async (dir: string | undefined, options: { force?: boolean }) => {
        const { runLink } = await import('./commands/link.js');
        await runLink(context, dir, options);
      });
  }

  if (wants('unlink')) {
    program
      .command('unlink')
      .description('stop serving a linked devdns.json')
      .argument('[dir]', 'the project directory, or its devdns.json')
      .addHelpText('after', examples(['devdns unlink', 'devdns unlink ~/code/shop']))
      .action(async (dir: string | undefined) => {
        const { runUnlink } = await import('./commands/link.js');
        await runUnlink(context, dir);
      });
  }

  if (wants('links')) {
    program
      .command('links')
      .description('list the linked project files')
      .option('--json', 'print an array of {path, linkedAt, records, problem}')
      .addHelpText('after', examples(['devdns links']))
      .action(async (options: { json?: boolean }) => {
        const { runLinks } = await import('./commands/link.js');
        runLinks(context, options);
      });
  }

  if (wants('config')) {
    program
      .command('config')
      .description('show and change settings: dns.host, dns.port, control.port, ttl, zones, log.size')
      .argument('<action>', 'list, get, set or unset')
      .argument('[key]', 'the setting')
      .argument('[value]', 'the new value (set)')
      .option('--json', 'print JSON')
      .option('--allow-lan', 'allow a dns.host that is not a loopback address')
      .option('--force', 'allow zones under a public TLD or .local')
      .option('--yes', 'restart the daemon, and run setup again, without asking when a change needs it')
      .addHelpText(
        'after',
        examples(['devdns config list', 'devdns config set dns.port 5300', 'devdns config get dns.port', 'devdns config unset dns.port']),
      )
      .action(
        async (
          action: string,
          key: string | undefined,
          value: string | undefined,
          options: { json?: boolean; allowLan?: boolean; force?: boolean; yes?: boolean },
        ) => {
          const { runConfig } = await import('./commands/config.js');
          await runConfig(context, action, key, value, options, io.env);
        },
      );
  }

  if (wants('completion')) {
    program
      .command('completion')
      .description('print a shell completion script: bash, zsh or fish')
      .argument('<shell>', 'bash, zsh or fish')
      .addHelpText(
        'after',
        examples([
          'devdns completion bash > ~/.local/share/bash-completion/completions/devdns',
          // biome-ignore lint/suspicious/noTemplateCurlyInString: a zsh expression, shown to the user
          'devdns completion zsh > "${fpath[1]}/_devdns"',
          'devdns completion fish > ~/.config/fish/completions/devdns.fish',
        ]),
      )
      .action(async (shell: string) => {
        const completion = await import('./completion.js');
        const { SETTINGS } = await import('../store/settings.js');
        const make = { bash: completion.bashCompletion, zsh: completion.zshCompletion, fish: completion.fishCompletion }[shell];
        if (!make) throw new InputError('shell', `"${shell}" is not bash, zsh or fish`, 'devdns completion bash');
        context.output.data(make(program, Object.keys(SETTINGS)).trimEnd());
      });
  }

  if (wants('uninstall')) {
    program
      .command('uninstall')
      .description('stop devdns and undo everything it changed on this machine (records kept unless --purge)')
      .option('--yes', 'do not ask first')
      .option('--purge', 'remove your records too')
      .addHelpText(
        'after',
        examples(['devdns uninstall', 'devdns uninstall --purge --yes', 'npm uninstall -g devdns   # then remove the command']),
      )
      .action(async (options: { yes?: boolean; purge?: boolean }) => {
        const { runUninstall } = await import('./commands/uninstall.js');
        setExitCode(await runUninstall(context, options, io.env));
      });
  }

  // For the completion scripts: record names, one per line.
  if (wants('__complete')) {
    program
      .command('__complete', { hidden: true })
      .argument('<what>')
      .action(async (what: string) => {
        if (what !== 'names') return;
        const { loadServedRecords } = await import('../store/projects.js');
        for (const name of new Set(loadServedRecords(context.home).file.records.map((r) => r.name))) context.output.data(name);
      });
  }

  return program;
}

/** Commander's own errors, reworded into devdns's one-line form with a hint. */
function usageMessage(text: string): string {
  const [first = '', ...rest] = text
    .trim()
    .replace(/^error: /, '')
    .split('\n');
  const suggestion = /\(Did you mean (.+)\?\)/.exec(rest.join(' '))?.[1];
  const hint = suggestion
    ? `did you mean ${suggestion}?`
    : /unknown option '-[^-]/.test(first)
      ? 'a value that starts with "-" goes after --, e.g. devdns add NAME -t TXT -- -value'
      : 'see devdns help';
  return `devdns: ${first.replace(/\.$/, '')} (${hint})\n`;
}

/** Runs the CLI and returns the exit code; never throws. */
export async function main(
  argv: readonly string[],
  io: CliIo = { stdout: process.stdout, stderr: process.stderr, env: process.env },
): Promise<number> {
  const context = await commandContext(io);
  try {
    let code: number = ExitCode.ok;
    const setExitCode = (status: number) => {
      code = status;
    };
    const only = commandToBuild(argv);
    let program = buildProgram(context, io, setExitCode, only);
    if (only !== undefined && program.commands.length === 0) program = buildProgram(context, io, setExitCode);
    await program.parseAsync([...argv], { from: 'user' });
    return code;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and --version end through here too, with exit code 0.
      return error.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
    }
    if (error instanceof DevdnsError) {
      context.output.error(error);
      return error.exitCode;
    }
    if (io.env.DEVDNS_DEBUG === '1') io.stderr.write(`${(error as Error).stack}\n`);
    context.output.error(
      new DevdnsError('internal', `unexpected error: ${(error as Error).message}`, 'run again with DEVDNS_DEBUG=1 and report it'),
    );
    return ExitCode.user;
  }
}
