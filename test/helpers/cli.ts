// The devdns program run in this process with captured output, for tests of what a user sees.
import { main } from '../../src/cli/main.js';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `devdns ...args` in process with `env` (DEVDNS_HOME included) and captured output. */
export async function runCli(args: string[], env: Record<string, string | undefined>, isTTY = false): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const code = await main(args, {
    stdout: { write: (text: string) => (stdout += text), isTTY },
    stderr: { write: (text: string) => (stderr += text), isTTY },
    env,
  });
  return { code, stdout, stderr };
}
