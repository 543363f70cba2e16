// Runs the built devdns binary in a temporary home, as a user would, and captures what it prints.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const BIN = fileURLToPath(new URL('../../bin/devdns.js', import.meta.url));

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  home: string;
  env?: Record<string, string | undefined>;
  /** Kill the process after this long (a hung command fails the test instead of the run). */
  timeoutMs?: number;
}

/** Runs `devdns ...args` with DEVDNS_HOME set and colour off. */
export function runDevdns(args: readonly string[], { home, env = {}, timeoutMs = 30_000 }: RunOptions): Promise<RunResult> {
  return runCommand(process.execPath, [BIN, ...args], { ...process.env, NO_COLOR: '1', ...env, DEVDNS_HOME: home }, timeoutMs);
}

/**
 * Runs a command to its end. After `timeoutMs` it is sent SIGTERM and resolves with code null
 * once it has closed; the timer is cleared as soon as the command fails to start or closes, so
 * nothing stays armed after it.
 */
export function runCommand(command: string, args: readonly string[], env: NodeJS.ProcessEnv, timeoutMs = 30_000): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const timer = setTimeout(() => child.kill(), timeoutMs);
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** A fresh temporary directory, removed by the returned cleanup. */
export function tempDir(prefix = 'devdns-test-'): { path: string; cleanup: () => void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, cleanup: () => rmSync(path, { recursive: true, force: true }) };
}

/** Runs `work` with a home that does not exist yet, in a temporary directory removed afterwards. */
export async function withTempHome(work: (home: string) => Promise<void>): Promise<void> {
  const dir = tempDir();
  try {
    await work(join(dir.path, 'home'));
  } finally {
    dir.cleanup();
  }
}

export function recordsFile(home: string): string {
  return join(home, 'records.json');
}

/** The records file's bytes, or undefined when it does not exist. */
export function fileBytes(path: string): Buffer | undefined {
  try {
    return readFileSync(path);
  } catch {
    return undefined;
  }
}

export const isRoot = process.getuid?.() === 0;
