#!/usr/bin/env node
// The devdns command: hands the arguments to the CLI; all logic lives in dist/cli.
// `--version` alone is answered here, without loading the CLI, so scripts that ask are fast.
import { readFileSync } from 'node:fs';
import module from 'node:module';

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
  // Node 22.1+ keeps compiled code between runs (a no-op on Node 20): faster start-up for every command.
  module.enableCompileCache?.();
  const { main } = await import('../dist/cli/main.js');
  process.exitCode = await main(args);
}
