#!/usr/bin/env node
// The devdns command: hands the arguments to the CLI; all logic lives in dist/cli.
// `--version` alone is answered here, without loading the CLI, so scripts that ask are fast.
import { existsSync, lstatSync, mkdirSync, readFileSync } from 'node:fs';
import module from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Where Node may keep compiled code between runs: a directory of this user's alone. Node's default
 * is one shared directory in /tmp that whoever makes it first owns, and compiled code read from
 * there is run: one another user could make or write is never used.
 */
function privateCompileCache() {
  if (typeof process.getuid !== 'function') return undefined;
  const uid = process.getuid();
  const dir = join(tmpdir(), `devdns-compile-cache-${uid}`);
  try {
    mkdirSync(dir, { mode: 0o700 });
  } catch {
    // there already, or not possible: checked below
  }
  try {
    const stats = lstatSync(dir);
    return stats.isDirectory() && stats.uid === uid && (stats.mode & 0o077) === 0 ? dir : undefined;
  } catch {
    return undefined;
  }
}

// `devdns ls | head`: a reader that stops early ends the command quietly, as in any pipeline,
// not with a stack trace. Any other failure to write is one line and exit code 1.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error) => {
    if (error.code !== 'EPIPE' && stream === process.stdout) process.stderr.write(`devdns: cannot write the output: ${error.message}\n`);
    process.exit(error.code === 'EPIPE' ? (process.exitCode ?? 0) : 1);
  });
}

const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === '--version' || args[0] === '-v')) {
  process.stdout.write(`${JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version}\n`);
} else {
  // Node 22.1+ keeps compiled code between runs (Node 20 has no such cache): faster start-up for every command.
  const cache = module.enableCompileCache ? privateCompileCache() : undefined;
  if (cache !== undefined) module.enableCompileCache(cache);
  // While the CLI loads, the command's own module (dist/cli/commands/<word>.js, which the CLI
  // imports when it runs the command) starts loading too: Node 20 reads each module file on its
  // thread pool, so the two overlap. Loading it does nothing else; a failure shows when the CLI
  // imports it.
  const word = args.find((arg) => !arg.startsWith('-'));
  const command = word && /^[a-z]+$/.test(word) ? new URL(`../dist/cli/commands/${word}.js`, import.meta.url) : undefined;
  if (command && existsSync(command)) import(command.href).catch(() => undefined);
  const { main } = await import('../dist/cli/main.js');
  process.exitCode = await main(args);
}
