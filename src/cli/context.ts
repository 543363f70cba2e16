// What every command is handed: where to print, and where devdns keeps its files.
import { homedir } from 'node:os';
import { devdnsHome } from '../store/paths.js';
import { type CliIo, createOutput, type Output } from './output.js';

export interface CommandContext {
  output: Output;
  /** The devdns home directory (DEVDNS_HOME or the per-user default). */
  home: string;
}

export async function commandContext(io: CliIo): Promise<CommandContext> {
  return { output: await createOutput(io), home: devdnsHome({ env: io.env, platform: process.platform, homedir: homedir() }) };
}
