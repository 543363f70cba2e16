// Who holds a port, so that "port in use" can say what to stop. Linux: the kernel's socket tables
// in /proc, matched to processes by socket inode (only processes we may inspect). Elsewhere: lsof.
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { commandLine } from '../platform/processes.js';
import { runProgram } from '../platform/run-program.js';

export interface PortOwner {
  pid: number;
  /** The command line, shortened. */
  command: string;
  isDevdns: boolean;
}

/** Socket inodes bound to `port` in /proc/net/{udp,udp6,tcp,tcp6}. */
function socketInodes(port: number): Set<string> {
  const inodes = new Set<string>();
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  for (const table of ['udp', 'udp6', 'tcp', 'tcp6']) {
    let text = '';
    try {
      text = readFileSync(`/proc/net/${table}`, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      // local_address is "ADDR:PORT"; inode is the tenth field.
      if (fields[1]?.endsWith(`:${hexPort}`) && fields[9] && fields[9] !== '0') inodes.add(fields[9]);
    }
  }
  return inodes;
}

function describeProcess(pid: number): PortOwner {
  const command = (commandLine(pid) ?? []).join(' ').replace(/\s+/g, ' ');
  return { pid, command: command.length > 120 ? `${command.slice(0, 117)}...` : command, isDevdns: command.includes('devdns') };
}

function findOnLinux(port: number): PortOwner | undefined {
  const inodes = socketInodes(port);
  if (inodes.size === 0) return undefined;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${entry}/fd`);
    } catch {
      continue; // another user's process
    }
    for (const fd of fds) {
      try {
        const target = readlinkSync(`/proc/${entry}/fd/${fd}`);
        const inode = /^socket:\[(\d+)\]$/.exec(target)?.[1];
        if (inode !== undefined && inodes.has(inode)) return describeProcess(Number(entry));
      } catch {
        // closed meanwhile
      }
    }
  }
  return undefined;
}

async function findWithLsof(port: number): Promise<PortOwner | undefined> {
  try {
    const { stdout } = await runProgram('lsof', ['-nP', `-i:${port}`, '-Fpc'], { timeoutMs: 3_000 });
    const pid = Number(/^p(\d+)$/m.exec(stdout)?.[1]);
    const command = /^c(.+)$/m.exec(stdout)?.[1] ?? '';
    return Number.isInteger(pid) && pid > 0 ? { pid, command, isDevdns: command.includes('devdns') || command === 'node' } : undefined;
  } catch {
    return undefined;
  }
}

export async function findPortOwner(port: number): Promise<PortOwner | undefined> {
  if (port === 0) return undefined;
  if (process.platform === 'linux') return findOnLinux(port);
  return findWithLsof(port);
}
