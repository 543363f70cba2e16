// Every devdns command as a declaration: its name, summary, arguments, options, examples, and a
// `run` that imports the command's module only when it runs and returns the exit code.
// cli/main.ts builds the commander program from this table; the order here is the order in help.
import type { Command } from 'commander';
import { ExitCode } from '../errors.js';
import { RECORD_TYPES } from '../records/types.js';
import type { AddOptions } from './commands/add.js';
import type { ConfigOptions } from './commands/config.js';
import type { ExportOptions } from './commands/export.js';
import type { HostsOptions } from './commands/hosts.js';
import type { ImportCommandOptions } from './commands/import.js';
import type { LogsOptions } from './commands/logs.js';
import type { ServiceOptions } from './commands/service.js';
import type { SetupOptions, TeardownOptions } from './commands/setup.js';
import type { UpOptions } from './commands/up.js';
import type { CommandContext } from './context.js';
import type { CliIo } from './output.js';

/** What a command's `run` is handed once commander has parsed its arguments. */
export interface CommandCall<Args extends readonly (string | undefined)[] = readonly (string | undefined)[], Options = object> {
  context: CommandContext;
  env: CliIo['env'];
  /** The positional arguments in declared order; an optional one not given is undefined. */
  args: Args;
  options: Options;
  /** The whole program: the completion scripts are made from it. */
  program: Command;
}

export interface CommandDeclaration {
  name: string;
  /** Other words for it, as Valet, puma-dev and localias users type them (`start`, `list`, ...). */
  aliases?: readonly string[];
  summary: string;
  /** `<required>` or `[optional]`, each with what it is. */
  arguments?: ReadonlyArray<readonly [spec: string, description?: string]>;
  options?: ReadonlyArray<readonly [flags: string, description: string]>;
  examples?: readonly string[];
  /** Left out of help and the completion scripts. */
  hidden?: boolean;
  /** Never reads or writes the devdns home, so the home is not checked first. */
  homeless?: boolean;
  run(call: CommandCall): Promise<number>;
}

/** A command that reports no status of its own exits 0 once it has finished. */
async function finished(work: Promise<void> | void): Promise<number> {
  await work;
  return ExitCode.ok;
}

const TYPE_OPTION = ['-t, --type <type>', `record type: ${RECORD_TYPES.join(', ')}`] as const;

const FOR_OPTION = ['--for <duration>', 'the record ends after this long: 90s, 30m, 2h, 1h30m, 7d (at most 365d)'] as const;

export const COMMANDS: readonly CommandDeclaration[] = [
  {
    name: 'add',
    summary: 'add a record (no value: 127.0.0.1 and ::1)',
    arguments: [
      ['<name>', 'the domain name, e.g. myapp.test or *.shop.test'],
      ['[value]', 'IPv4 or IPv6 address, or the data for -t TYPE'],
    ],
    options: [
      TYPE_OPTION,
      ['--ttl <seconds>', "time to live, 0-2147483647 (default: the RRset's, else 5)"],
      ['--priority <n>', 'MX or SRV priority, 0-65535'],
      ['--weight <n>', 'SRV weight, 0-65535 (default 0)'],
      ['--port <n>', 'SRV port, 0-65535'],
      FOR_OPTION,
      ['--force', 'serve a name under a public TLD such as .dev or .com'],
    ],
    examples: [
      'devdns add myapp.test                       # A 127.0.0.1 and AAAA ::1',
      'devdns add api.myapp.test 127.0.0.2',
      "devdns add '*.shop.test' 127.0.0.1          # wildcard (RFC 4592)",
      'devdns add shop.test 127.0.0.1              # the wildcard does not cover shop.test itself',
      'devdns add www.shop.test shop.test -t CNAME',
      'devdns add shop.test mail.shop.test -t MX --priority 10',
      "devdns add shop.test 'v=spf1 -all' -t TXT",
      'devdns add _http._tcp.shop.test web.shop.test -t SRV --priority 0 --weight 5 --port 8080',
      'devdns add demo.test 127.0.0.1 --for 30m     # gone in 30 minutes (ls shows the time left)',
      'devdns add shop.test -t TXT -- -starts-with-a-dash   # -- ends the options',
    ],
    run: async ({ context, args: [name, value], options }: CommandCall<[string, string | undefined], AddOptions>) =>
      finished((await import('./commands/add.js')).runAdd(context, name, value, options)),
  },
  {
    name: 'override',
    summary: 'take over a real name (or *.subtree): its addresses from devdns, everything else from its real servers',
    arguments: [
      ['<name>', 'the real name, or *.name for the names under it'],
      ['[value]', 'IPv4 or IPv6 address (default: A 127.0.0.1 and AAAA ::1)'],
    ],
    options: [
      TYPE_OPTION,
      ['--ttl <seconds>', "time to live, 0-2147483647 (default: the RRset's, else 5)"],
      FOR_OPTION,
      ['--force', 'take the name over without asking (asked on a terminal; needed elsewhere)'],
    ],
    examples: [
      'devdns override api.example.com 127.0.0.1',
      'devdns override api.example.com 127.0.0.1 --for 2h   # ends by itself, even while devdns is down',
      "devdns override '*.staging.example.com' 10.0.0.7",
      'devdns rm api.example.com                 # removing its last record ends the override',
    ],
    run: async ({ context, args: [name, value], options }: CommandCall<[string, string | undefined], AddOptions>) =>
      finished((await import('./commands/add.js')).runAdd(context, name, value, { ...options, override: true })),
  },
  {
    name: 'rm',
    aliases: ['remove', 'delete'],
    summary: 'remove the records that match a name, and optionally a type and value',
    arguments: [
      ['<name>', 'the domain name'],
      ['[value]', 'remove only the record with this value'],
    ],
    options: [TYPE_OPTION],
    examples: [
      'devdns rm myapp.test                 # every record at the name',
      'devdns rm myapp.test ::1',
      'devdns rm shop.test -t MX',
      "devdns rm '*.shop.test'",
    ],
    run: async ({ context, args: [name, value], options }: CommandCall<[string, string | undefined], { type?: string }>) =>
      finished((await import('./commands/rm.js')).runRm(context, name, value, options)),
  },
  {
    name: 'ls',
    aliases: ['list'],
    summary: 'list records, optionally those whose name contains a pattern',
    arguments: [['[pattern]', 'show only names containing this text']],
    options: [['--json', 'print a JSON array of {name, type, ttl, value, zone}']],
    examples: ['devdns ls', 'devdns ls shop.test', 'devdns ls --json'],
    run: async ({ context, args: [pattern], options }: CommandCall<[string | undefined], { json?: boolean }>) =>
      finished((await import('./commands/ls.js')).runLs(context, pattern, options)),
  },
  {
    name: 'up',
    aliases: ['start'],
    summary: 'start the DNS daemon in the background (or in this terminal with --foreground)',
    options: [
      ['--host <address>', 'loopback address for DNS (default 127.0.0.1; ::1 works too)'],
      ['--port <port>', 'DNS port, UDP and TCP; 0 picks a free one (default 9090)'],
      ['--control-port <port>', 'control API port on 127.0.0.1; 0 picks a free one (default 9091)'],
      ['--allow-lan', 'allow a --host that is not a loopback address (devdns becomes reachable from the network)'],
      ['--foreground', 'stay in this terminal and print one line per query (for launchd and systemd too)'],
      ['--json', 'print where it listens as one JSON object (for scripts)'],
    ],
    examples: [
      'devdns up',
      'devdns up --json',
      'devdns up --port 5300 --control-port 5301',
      'devdns up --foreground',
      'dig @127.0.0.1 -p 9090 myapp.test      # ask it',
    ],
    run: async ({ context, options, env }: CommandCall<[], UpOptions>) =>
      finished((await import('./commands/up.js')).runUp(context, options, env)),
  },
  {
    name: 'down',
    aliases: ['stop'],
    summary: 'stop the daemon (not running is fine)',
    examples: ['devdns down'],
    run: async ({ context }) => finished((await import('./commands/down.js')).runDown(context)),
  },
  {
    name: 'restart',
    summary: 'stop the daemon and start it again, on the addresses of the settings unless flags are given',
    options: [
      ['--host <address>', 'loopback address for DNS'],
      ['--port <port>', 'DNS port, UDP and TCP'],
      ['--control-port <port>', 'control API port'],
    ],
    examples: ['devdns restart', 'devdns restart --port 5300'],
    run: async ({ context, options, env }: CommandCall<[], UpOptions>) =>
      finished((await import('./commands/restart.js')).runRestart(context, options, env)),
  },
  {
    name: 'status',
    summary: 'show whether the daemon runs, where it listens, and what it serves (exit 3 when stopped)',
    options: [['--json', 'print an object with running, pid, dns, control, records, ...']],
    examples: ['devdns status', 'devdns status --json'],
    run: async ({ context, options }: CommandCall<[], { json?: boolean }>) =>
      (await import('./commands/status.js')).runStatus(context, options),
  },
  {
    name: 'logs',
    summary: 'show the recent DNS queries; -f follows new ones',
    options: [
      ['-n, --lines <n>', 'how many recent queries (default 20)'],
      ['-f, --follow', 'keep printing queries as they come (Ctrl-C stops)'],
      ['--json', 'one JSON object per line'],
      ['--probes', "show devdns doctor's own probe queries too"],
    ],
    examples: ['devdns logs', 'devdns logs -n 100', 'devdns logs -f'],
    run: async ({ context, options }: CommandCall<[], LogsOptions>) =>
      finished((await import('./commands/logs.js')).runLogs(context, options)),
  },
  {
    name: 'resolve',
    summary: 'ask the running daemon, and show the answer and the record that produced it',
    arguments: [
      ['<name>', 'the name to look up'],
      ['[type]', 'record type (default A)'],
    ],
    options: [['--json', 'print the answer as JSON']],
    examples: ['devdns resolve myapp.test', 'devdns resolve anything.shop.test AAAA', 'devdns resolve shop.test MX'],
    run: async ({ context, args: [name, type], options }: CommandCall<[string, string | undefined], { json?: boolean }>) =>
      (await import('./commands/resolve.js')).runResolve(context, name, type, options),
  },
  {
    name: 'token',
    summary: "print the running daemon's control-API token, for scripts",
    examples: ['curl -H "Authorization: Bearer $(devdns token)" http://127.0.0.1:9091/status'],
    run: async ({ context }) => finished((await import('./commands/token.js')).runToken(context)),
  },
  {
    name: 'service',
    summary: 'start devdns at login: install or uninstall a systemd user unit or launchd agent',
    arguments: [['<action>', 'install or uninstall']],
    options: [
      ['--dry-run', 'print what would be written and run, change nothing'],
      ['--platform <platform>', 'linux or darwin (default: this machine)'],
    ],
    examples: ['devdns service install --dry-run', 'devdns service install', 'devdns service uninstall'],
    run: async ({ context, args: [action], options, env }: CommandCall<[string], ServiceOptions>) =>
      finished((await import('./commands/service.js')).runService(context, action, options, env)),
  },
  {
    name: 'setup',
    summary: 'make this machine send your TLDs (.test) to devdns: /etc/resolver, systemd-resolved, dnsmasq or the hosts file',
    options: [
      ['--tld <tld...>', 'top-level domains to route (default: those of your zones, e.g. test)'],
      [
        '--all',
        "route every name to devdns, the machine's one resolver (needs forward all; systemd-resolved or dnsmasq; falls back to dnsmasq's own servers while devdns is down, fails with resolved)",
      ],
      ['--dry-run', 'show what would change and change nothing'],
      ['--yes', 'do not ask before changing system files'],
      ['--resolver <kind>', 'skip detection: macos, systemd-resolved, networkmanager-dnsmasq, dnsmasq, hosts (the hosts file)'],
      ['--dnsmasq-dir <dir>', "dnsmasq's configuration directory (default /etc/dnsmasq.d)"],
      ['--port <port>', "DNS port to route to (default: the running daemon's, else 9090)"],
      ['--platform <platform>', 'plan for another platform (linux, darwin), for --dry-run'],
      ['--root <dir>', 'treat <dir> as / (for trying setup on a copy of the system files)'],
      ['--force', 'route a public TLD or .local anyway'],
    ],
    examples: ['devdns setup --dry-run', 'devdns setup', 'devdns setup --tld test --tld internal', 'devdns setup --all', 'devdns teardown'],
    run: async ({ context, options }: CommandCall<[], SetupOptions>) => (await import('./commands/setup.js')).runSetup(context, options),
  },
  {
    name: 'teardown',
    summary: 'undo exactly what devdns setup changed (harmless when nothing is set up)',
    options: [
      ['--dry-run', 'show what would be restored'],
      ['--yes', 'do not ask before changing system files'],
      ['--root <dir>', 'the tree devdns setup --root changed (default: the one the journal names)'],
    ],
    examples: ['devdns teardown'],
    run: async ({ context, options }: CommandCall<[], TeardownOptions>) =>
      (await import('./commands/setup.js')).runTeardown(context, options),
  },
  {
    name: 'hosts',
    summary: 'fallback: write your A/AAAA names into the hosts file (sync), or remove them (clean)',
    arguments: [['<action>', 'sync or clean']],
    options: [
      ['--hosts-file <path>', 'another hosts file (default /etc/hosts)'],
      ['--yes', 'do not ask before using sudo'],
    ],
    examples: ['devdns hosts sync', 'devdns hosts clean'],
    run: async ({ context, args: [action], options }: CommandCall<[string], HostsOptions>) =>
      (await import('./commands/hosts.js')).runHosts(context, action, options),
  },
  {
    name: 'doctor',
    summary: 'check every layer from the daemon to the system resolver; prints the fix for each failure',
    options: [
      ['--json', 'print {ok, checks: [{id, status, message, fix}]}'],
      ['--hosts-file <path>', 'the hosts file to look at (default /etc/hosts)'],
    ],
    examples: ['devdns doctor', 'devdns doctor --json'],
    run: async ({ context, options }: CommandCall<[], { json?: boolean; hostsFile?: string }>) =>
      (await import('./commands/doctor.js')).runDoctor(context, options),
  },
  {
    name: 'export',
    summary: 'write the records as zone files, a hosts file, dnsmasq lines or devdns JSON',
    options: [
      ['--format <format>', 'zone (default), hosts, json or dnsmasq'],
      ['--zone <zone>', 'only this zone'],
      ['-o, --output <path>', 'write to a file (a directory for several zone files) instead of stdout'],
    ],
    examples: ['devdns export --zone test > test.zone', 'devdns export --format json -o devdns.json', 'devdns export --format hosts'],
    run: async ({ context, options }: CommandCall<[], ExportOptions>) =>
      finished((await import('./commands/export.js')).runExport(context, options)),
  },
  {
    name: 'import',
    summary: 'add records from a zone file, hosts file, dnsmasq config, devdns JSON or YAML map, or from Valet or puma-dev',
    arguments: [['[file]', 'the file to read (none with --from)']],
    options: [
      ['--format <format>', 'auto (default), zone, hosts, json, dnsmasq or yaml'],
      ['--from <tool>', 'read what valet or puma-dev serves, from its own files in your home'],
      ['--tld <tld>', 'with --from: the TLD it serves (puma-dev: test unless started with -d; Valet: its setting)'],
      ['--dry-run', 'show what would change and write nothing'],
      ['--replace', "replace all your records with the file's instead of adding to them"],
      ['--skip-invalid', 'import the valid lines even when some are not'],
      ['--force', 'import names under public TLDs too'],
    ],
    examples: [
      'devdns import /etc/hosts --dry-run',
      'devdns import dnsmasq.conf',
      'devdns import test.zone --replace',
      'devdns import --from valet --dry-run',
      'devdns import --from puma-dev',
    ],
    run: async ({ context, args: [path], options, env }: CommandCall<[string | undefined], ImportCommandOptions>) =>
      finished((await import('./commands/import.js')).runImport(context, path, options, env)),
  },
  {
    name: 'link',
    summary: "serve a team's devdns.json beside your records (default: the nearest one up to the git root)",
    arguments: [['[dir]', 'the project directory, or its devdns.json']],
    options: [['--force', 'serve the public or .local names the file claims (asked on a terminal; only those it claims now)']],
    examples: ['cd ~/code/shop && devdns link', 'devdns link ~/code/shop', 'devdns links'],
    run: async ({ context, args: [dir], options }: CommandCall<[string | undefined], { force?: boolean }>) =>
      finished((await import('./commands/link.js')).runLink(context, dir, options)),
  },
  {
    name: 'unlink',
    summary: 'stop serving a linked devdns.json',
    arguments: [['[dir]', 'the project directory, or its devdns.json']],
    examples: ['devdns unlink', 'devdns unlink ~/code/shop'],
    run: async ({ context, args: [dir] }: CommandCall<[string | undefined]>) =>
      finished((await import('./commands/link.js')).runUnlink(context, dir)),
  },
  {
    name: 'links',
    summary: 'list the linked project files',
    options: [['--json', 'print an array of {path, linkedAt, records, problem}']],
    examples: ['devdns links'],
    run: async ({ context, options }: CommandCall<[], { json?: boolean }>) =>
      finished((await import('./commands/link.js')).runLinks(context, options)),
  },
  {
    name: 'cache',
    summary: 'forget the forwarded answers the daemon keeps: devdns cache flush',
    arguments: [['<action>', 'flush']],
    examples: ['devdns cache flush'],
    run: async ({ context, args: [action] }: CommandCall<[string]>) => (await import('./commands/cache.js')).runCache(context, action),
  },
  {
    name: 'config',
    summary:
      'show and change settings: dns.host, dns.port, control.port, ttl, zones, log.size, upstream, forward, forward.timeout, cache.max-ttl, log.queries',
    arguments: [
      ['[action]', 'list (the default), get, set or unset'],
      ['[key]', 'the setting'],
      ['[value]', 'the new value (set)'],
    ],
    options: [
      ['--json', 'print JSON'],
      ['--allow-lan', 'allow a dns.host that is not a loopback address'],
      ['--force', 'allow zones under a public TLD or .local'],
      ['--yes', 'restart the daemon, and run setup again, without asking when a change needs it'],
    ],
    examples: ['devdns config', 'devdns config set dns.port 5300', 'devdns config get dns.port', 'devdns config unset dns.port'],
    run: async ({
      context,
      args: [action, key, value],
      options,
      env,
    }: CommandCall<[string | undefined, string | undefined, string | undefined], ConfigOptions>) =>
      finished((await import('./commands/config.js')).runConfig(context, action ?? 'list', key, value, options, env)),
  },
  {
    name: 'completion',
    summary: 'print a shell completion script: bash, zsh or fish',
    arguments: [['<shell>', 'bash, zsh or fish']],
    examples: [
      'devdns completion bash > ~/.local/share/bash-completion/completions/devdns',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a zsh expression, shown to the user
      'devdns completion zsh > "${fpath[1]}/_devdns"',
      'devdns completion fish > ~/.config/fish/completions/devdns.fish',
    ],
    homeless: true,
    run: async ({ context, args: [shell], program }: CommandCall<[string]>) =>
      (await import('./commands/completion.js')).runCompletion(context, shell, program),
  },
  {
    name: 'uninstall',
    summary: 'stop devdns and undo everything it changed on this machine (records kept unless --purge)',
    options: [
      ['--yes', 'do not ask first'],
      ['--purge', 'remove your records too'],
    ],
    examples: ['devdns uninstall', 'devdns uninstall --purge --yes', 'npm uninstall -g devdns   # then remove the command'],
    run: async ({ context, options, env }: CommandCall<[], { yes?: boolean; purge?: boolean }>) =>
      (await import('./commands/uninstall.js')).runUninstall(context, options, env),
  },
  {
    name: 'version',
    summary: 'print the devdns version (as devdns --version)',
    hidden: true,
    homeless: true,
    run: async ({ context }: CommandCall) => {
      const { packageVersion } = await import('../platform/package-version.js');
      context.output.data(packageVersion());
      return ExitCode.ok;
    },
  },

  {
    // For the completion scripts: record names, one per line.
    name: '__complete',
    summary: '',
    arguments: [['<what>']],
    hidden: true,
    run: async ({ context, args: [what] }: CommandCall<[string]>) =>
      (await import('./commands/completion.js')).runCompleteNames(context, what),
  },
];
