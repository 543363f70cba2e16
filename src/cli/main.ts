// The devdns command line: the commander program built from the command table, the checks before
// every command, and the one place errors become output. Each command's module is loaded only
// when that command runs, so start-up stays small.
import { Command, CommanderError } from 'commander';
import { asDevdnsError, DevdnsError, ExitCode } from '../errors.js';
import { packageVersion } from '../platform/package-version.js';
import { checkHome } from '../store/home.js';
import { setVerboseSink } from '../verbose.js';
import { COMMANDS, type CommandDeclaration } from './command-table.js';
import { type CommandContext, commandContext } from './context.js';
import type { CliIo } from './output.js';

const examples = (lines: readonly string[]): string => `\nExamples:\n${lines.map((line) => `  $ ${line}`).join('\n')}\n`;

/**
 * The command to build alone: the first word of the arguments. Help, completion and the bare
 * command need them all (as does a word that names none, for the suggestion), so undefined.
 */
function commandToBuild(argv: readonly string[]): string | undefined {
  const word = argv.find((arg) => !arg.startsWith('-'));
  return word === 'help' || word === 'completion' ? undefined : word;
}

/**
 * The program with `commands` in it (commander's setup is milliseconds of every start, so only
 * the one invoked when argv names one). Parsing hands the command it picks to `choose`, ready to run.
 */
export function buildProgram(
  context: CommandContext,
  io: CliIo,
  commands: readonly CommandDeclaration[],
  choose: (run: () => Promise<number>) => void,
): Command {
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
      // write or owns could hand any command planted records, settings or state. (help is commander's own.)
      const declaration = commands.find((command) => command.name === action.name());
      if (declaration !== undefined && declaration.homeless !== true) checkHome(context.home);
    })
    // The command list shows each command by its name; its aliases are in its own help.
    .configureHelp({ subcommandTerm: commandTerm })
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

  for (const declaration of commands) {
    const command = program
      .command(declaration.name, { hidden: declaration.hidden === true })
      .aliases(declaration.aliases ?? [])
      .description(declaration.summary);
    for (const [spec, description] of declaration.arguments ?? []) command.argument(spec, description);
    for (const [flags, description] of declaration.options ?? []) command.option(flags, description);
    if (declaration.examples) command.addHelpText('after', examples(declaration.examples));
    command.action((...params: unknown[]) => {
      const args = params.slice(0, declaration.arguments?.length ?? 0) as Array<string | undefined>;
      choose(() => declaration.run({ context, env: io.env, args, options: command.opts(), program }));
    });
  }
  return program;
}

/** A command as the command list shows it: commander's form, without the aliases (its own help shows those). */
function commandTerm(command: Command): string {
  const args = command.registeredArguments.map((arg) => {
    const name = `${arg.name()}${arg.variadic ? '...' : ''}`;
    return arg.required ? `<${name}>` : `[${name}]`;
  });
  return [command.name(), ...(command.options.length > 0 ? ['[options]'] : []), ...args].join(' ');
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

/**
 * `devdns help nope` would print the whole help and exit 0, as if nope were nothing to worry
 * about: it is parsed as `devdns nope`, so commander says it is no command, with its suggestion.
 */
function helpTarget(argv: readonly string[]): readonly string[] {
  const words = argv.filter((arg) => !arg.startsWith('-'));
  const word = words[1];
  if (words[0] !== 'help' || word === undefined || word === 'help') return argv;
  return COMMANDS.some((command) => command.name === word || command.aliases?.includes(word) === true) ? argv : [word];
}

/** Runs the CLI and returns the exit code; never throws. */
export async function main(
  argv: readonly string[],
  io: CliIo = { stdout: process.stdout, stderr: process.stderr, env: process.env },
): Promise<number> {
  const context = await commandContext(io);
  try {
    const args = helpTarget(argv);
    const word = commandToBuild(args);
    const only = COMMANDS.filter((command) => command.name === word || command.aliases?.includes(word ?? '') === true);
    const chosen: { run?: () => Promise<number> } = {};
    const program = buildProgram(context, io, only.length > 0 ? only : COMMANDS, (run) => {
      chosen.run = run;
    });
    await program.parseAsync([...args], { from: 'user' });
    return chosen.run ? await chosen.run() : ExitCode.ok;
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
    context.output.error(asDevdnsError(error));
    return ExitCode.user;
  }
}
