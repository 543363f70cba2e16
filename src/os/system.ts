// The operating system as setup, teardown and doctor see it: files under a root (`/`, or a test's
// temporary tree with --root), and commands run with execa. The one place they touch the system.
import { chmodSync, mkdirSync, readFileSync, rmdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { verbose } from '../verbose.js';

export interface CommandResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export class SystemAccess {
  constructor(
    /** Every system path is taken below this directory. */
    readonly root: string = '/',
  ) {}

  /** The real path of a system path such as /etc/resolver/test. */
  path(systemPath: string): string {
    return this.root === '/' ? systemPath : join(resolve(this.root), systemPath);
  }

  readFile(systemPath: string): string | undefined {
    try {
      return readFileSync(this.path(systemPath), 'utf8');
    } catch {
      return undefined;
    }
  }

  readBytes(systemPath: string): Buffer | undefined {
    try {
      return readFileSync(this.path(systemPath));
    } catch {
      return undefined;
    }
  }

  exists(systemPath: string): boolean {
    try {
      statSync(this.path(systemPath));
      return true;
    } catch {
      return false;
    }
  }

  /** The permission bits of a file, or undefined when it does not exist. */
  mode(systemPath: string): number | undefined {
    try {
      return statSync(this.path(systemPath)).mode & 0o7777;
    } catch {
      return undefined;
    }
  }

  /** Creates the missing parents of a path; returns those it created, outermost first. */
  makeParents(systemPath: string): string[] {
    const created: string[] = [];
    for (let dir = dirname(systemPath); !this.exists(dir); dir = dirname(dir)) created.unshift(dir);
    if (created.length > 0) mkdirSync(this.path(dirname(systemPath)), { recursive: true, mode: 0o755 });
    return created;
  }

  writeFile(systemPath: string, content: Buffer | string, mode = 0o644): void {
    verbose(`writing ${this.path(systemPath)}`);
    writeFileSync(this.path(systemPath), content, { mode });
    chmodSync(this.path(systemPath), mode); // writeFile's mode applies only to a new file
  }

  removeFile(systemPath: string): void {
    verbose(`removing ${this.path(systemPath)}`);
    rmSync(this.path(systemPath), { force: true });
  }

  /** Removes a directory if it is empty; true when it is gone. */
  removeEmptyDir(systemPath: string): boolean {
    try {
      rmdirSync(this.path(systemPath));
      return true;
    } catch {
      return !this.exists(systemPath);
    }
  }

  async run(command: readonly string[]): Promise<CommandResult> {
    const { execa } = await import('execa');
    verbose(`running ${command.join(' ')}`);
    const [file = '', ...args] = command;
    const result = await execa(file, args, { reject: false, timeout: 20_000, stdin: 'ignore' });
    return { exitCode: result.exitCode ?? 1, stdout: String(result.stdout ?? ''), stderr: String(result.stderr ?? result.message ?? '') };
  }

  /** Whether a program is on PATH. */
  async has(program: string): Promise<boolean> {
    return (await this.run(['sh', '-c', `command -v ${program}`])).exitCode === 0;
  }
}
