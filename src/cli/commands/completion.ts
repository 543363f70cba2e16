// `devdns completion <shell>`: the shell's completion script; and `devdns __complete names`, which
// those scripts run for the record names to offer.
import type { Command } from 'commander';
import { ExitCode, InputError } from '../../errors.js';
import { loadServedRecords } from '../../store/projects.js';
import { SETTINGS } from '../../store/settings.js';
import { bashCompletion, fishCompletion, zshCompletion } from '../completion.js';
import type { CommandContext } from '../context.js';

const SCRIPTS: Record<string, typeof bashCompletion> = { bash: bashCompletion, zsh: zshCompletion, fish: fishCompletion };

export function runCompletion(context: CommandContext, shell: string, program: Command): number {
  const make = Object.hasOwn(SCRIPTS, shell) ? SCRIPTS[shell] : undefined;
  if (!make) throw new InputError('shell', `"${shell}" is not bash, zsh or fish`, 'devdns completion bash');
  context.output.data(make(program, Object.keys(SETTINGS)).trimEnd());
  return ExitCode.ok;
}

/** The words a completion script asks for: `names`, the served record names, one per line. */
export function runCompleteNames(context: CommandContext, what: string): number {
  if (what !== 'names') return ExitCode.ok;
  for (const name of new Set(loadServedRecords(context.home).file.records.map((r) => r.name))) context.output.data(name);
  return ExitCode.ok;
}
