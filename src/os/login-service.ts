// Installing the start-at-login definition that service-files.ts writes: the file in place, and the
// commands that load or unload it (systemctl --user, launchctl), stopping at the first that fails.
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { runProgram } from '../platform/run-program.js';
import { KIB, readTextSafely, writeFileAtomically } from '../store/safe-file.js';

/** Writes the definition; returns false when the file already held exactly this text. */
export function writeServiceFile(path: string, text: string): boolean {
  // Read as any file devdns did not write: a FIFO or a link to a device there must not hang it.
  const same = readTextSafely(path, { maxBytes: 64 * KIB, followLinks: true }) === text;
  mkdirSync(dirname(path), { recursive: true });
  writeFileAtomically(path, text, 0o644);
  return !same;
}

export function serviceFileExists(path: string): boolean {
  return existsSync(path);
}

/**
 * A service file that is there, read as a file anyone could have put there: a regular file of at
 * most 64 KiB, else an UnsafeFileError naming why. Undefined when there is none.
 */
export function readServiceFile(path: string): string | undefined {
  return readTextSafely(path, { maxBytes: 64 * KIB, followLinks: true });
}

/** Removes the definition (a link itself, not what it points to). */
export function removeServiceFile(path: string): void {
  rmSync(path, { force: true });
}

export interface FailedCommand {
  command: readonly string[];
  /** The first line of what it printed on stderr. */
  reason: string;
}

/** Runs the load or unload commands in order; the first that fails stops the rest and is returned. */
export async function runServiceCommands(commands: readonly string[][]): Promise<FailedCommand | undefined> {
  for (const [command = '', ...args] of commands) {
    const result = await runProgram(command, args, { timeoutMs: 15_000 });
    if (result.exitCode !== 0) return { command: [command, ...args], reason: (result.stderr || result.failure).split('\n')[0] ?? '' };
  }
  return undefined;
}
