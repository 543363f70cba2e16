// Asking before changing the system, and getting root for it: commands that write system files
// ask first (--yes answers for the user) and run themselves again through sudo when not root.
import { createInterface } from 'node:readline/promises';
import { DevdnsError } from '../errors.js';
import { DEVDNS_BIN, runInTerminal } from '../platform/run-program.js';
import type { CommandContext } from './context.js';

/** True when writing under `root` needs privileges this process lacks. */
export function needsRoot(root: string): boolean {
  return root === '/' && process.platform !== 'win32' && process.getuid?.() !== 0;
}

/** Asks on a terminal; elsewhere only --yes goes ahead, and the hint says what to run. */
export async function offer(context: CommandContext, question: string, hint: string, yes: boolean | undefined): Promise<boolean> {
  if (yes || process.stdin.isTTY) return confirm(question, yes);
  context.output.info(hint);
  return false;
}

/** Asks a yes/no question on the terminal; without one, only --yes may go ahead. */
export async function confirm(question: string, yes: boolean | undefined): Promise<boolean> {
  if (yes) return true;
  if (!process.stdin.isTTY) {
    throw new DevdnsError(
      'needs-confirmation',
      'this changes system settings and needs your go-ahead',
      'run it in a terminal to be asked, or add --yes',
    );
  }
  const prompt = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await prompt.question(`${question} [y/N] `)).trim());
  } finally {
    prompt.close();
  }
}

/**
 * Runs a devdns command as root through sudo, with the same home; returns its exit code. `args`
 * is the one privileged step (setup, teardown, hosts), never the whole command line: `uninstall`
 * or `config set` run again as root would do as root what needs no root. What root then reads
 * from the home is checked there (journal.ts, settings, records); see README "Running as root".
 */
export async function rerunWithSudo(context: CommandContext, args: readonly string[]): Promise<number> {
  const withYes = args.includes('--yes') ? args : [...args, '--yes'];
  context.output.info(`running: sudo devdns ${withYes.join(' ')}`);
  return runInTerminal('sudo', ['env', `DEVDNS_HOME=${context.home}`, process.execPath, DEVDNS_BIN, ...withYes]);
}
