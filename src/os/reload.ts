// After setup or teardown changes a resolver's files: running the plan's reload commands (planned
// by resolvers.ts, never read from a file), and restarting a dnsmasq that is not a systemd service
// by stopping the processes that read the directory and starting them again.
import { findProcesses, rootsExecutable, waitForExit } from '../platform/processes.js';
import { runProgram } from '../platform/run-program.js';
import { RESTART_DNSMASQ } from './resolvers.js';
import type { SystemAccess } from './system.js';

export interface RunReport {
  command: string[];
  ok: boolean;
  detail: string;
}

/**
 * Restarts a dnsmasq that is not a systemd service: the processes reading `dir` are stopped and
 * started again with the same arguments (dnsmasq reads its conf-dir only at start). Under systemd,
 * `systemctl restart dnsmasq`.
 */
async function restartDnsmasq(system: SystemAccess, dir: string): Promise<RunReport> {
  const command = [RESTART_DNSMASQ, dir];
  const real = system.path(dir);
  // Only a dnsmasq that root runs from a binary only root can change: any user can start a
  // process named dnsmasq whose arguments mention the directory, and root must never run what
  // another user chose. It is started again from its real executable, not from argv[0].
  const running = findProcesses((argv) => /(^|\/)dnsmasq$/.test(argv[0] ?? '') && argv.some((arg) => arg.includes(real)))
    .map((found) => ({ ...found, exe: rootsExecutable(found.pid) }))
    .filter((found): found is typeof found & { exe: string } => found.exe !== undefined);
  if (running.length === 0) {
    const result = await system.run(['systemctl', 'restart', 'dnsmasq']);
    return {
      command: ['systemctl', 'restart', 'dnsmasq'],
      ok: result.exitCode === 0,
      detail: result.exitCode === 0 ? 'restarted' : `restart dnsmasq yourself (${result.stderr.split('\n')[0]})`,
    };
  }
  let ran: string[] = command;
  for (const { pid, argv, exe } of running) {
    ran = ['kill', String(pid), '&&', exe, ...argv.slice(1)];
    process.kill(pid, 'SIGTERM');
    if (!(await waitForExit(pid, 5_000))) return { command: ran, ok: false, detail: `dnsmasq (pid ${pid}) did not stop` };
    const started = await runProgram(exe, argv.slice(1), { timeoutMs: 10_000 });
    if (started.exitCode !== 0) return { command: ran, ok: false, detail: `dnsmasq did not start again: ${started.stderr.split('\n')[0]}` };
  }
  return { command: ran, ok: true, detail: `restarted dnsmasq (${running.map((p) => `pid ${p.pid}`).join(', ')})` };
}

/** A reload command as a person would type it: the dnsmasq restart step is ours, so say what it does. */
export function describeCommand(command: readonly string[]): string {
  if (command[0] === RESTART_DNSMASQ) return `systemctl restart dnsmasq (or restart the dnsmasq that reads ${command[1] ?? ''})`;
  return command.join(' ');
}

/** Runs a plan's reload commands (planned by resolvers.ts, never read from a file). */
export async function runReload(system: SystemAccess, commands: readonly string[][]): Promise<RunReport[]> {
  const reports: RunReport[] = [];
  for (const command of commands) {
    // A --root tree is a copy of system files: the running system's services are not ours to restart.
    if (system.root !== '/') {
      reports.push({ command, ok: true, detail: `skipped (files under ${system.root}, not the running system)` });
      continue;
    }
    if (command[0] === RESTART_DNSMASQ) {
      reports.push(await restartDnsmasq(system, command[1] ?? ''));
      continue;
    }
    const result = await system.run(command);
    reports.push({
      command,
      ok: result.exitCode === 0,
      detail: result.exitCode === 0 ? 'done' : ((result.stderr || result.stdout).split('\n')[0] ?? ''),
    });
  }
  return reports;
}
