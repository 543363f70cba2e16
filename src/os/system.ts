// The operating system as setup, teardown, hosts sync and doctor see it: files under a root (`/`,
// or a test's temporary tree with --root), and the commands setup runs. The one place they touch
// the system, so the one place that decides what a path may lead to.
//
// The rule for links, the same for every writer (setup, teardown, hosts sync/clean):
// - No path may lead outside the root: the real path of the file, or of its deepest existing
//   parent, must lie inside the root's real path. A symlinked directory pointing outside is
//   refused before anything is created, written or chmod-ed.
// - A file that is itself a symlink is followed, and its target (which must exist, be a regular
//   file, and lie inside the root) is rewritten; the link stays a link. /etc/hosts and
//   /etc/resolv.conf are links on many systems (NixOS, WSL, systemd's stub), and replacing the
//   link with a regular file would silently detach the system from the file it really reads.
//   A dangling link is refused: following it would create a file wherever it points.
import {
  closeSync,
  fchmodSync,
  fchownSync,
  constants as fs,
  fstatSync,
  fsyncSync,
  ftruncateSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  realpathSync,
  renameSync,
  rmdirSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs';
import { basename, dirname, isAbsolute, join, normalize, relative, resolve, sep } from 'node:path';
import { DevdnsError } from '../errors.js';
import { rootOnlyProblem } from '../platform/root-only.js';
import { type ProgramResult, runProgram } from '../platform/run-program.js';
import { existsNoFollow } from '../store/safe-file.js';
import { verbose } from '../verbose.js';

/** A system path that breaks the rule above; nothing was changed. */
/** For a directory, FIFO or device where a file belongs: there is no link to remove. */
const NOT_A_FILE_HINT = 'devdns reads and writes only regular files there: put a regular file in its place, or give another --root tree';

export class UnsafePathError extends DevdnsError {
  override readonly name = 'UnsafePathError';
  constructor(
    readonly path: string,
    reason: string,
    hint = 'remove the link, or give a --root tree without links leading out of it',
  ) {
    super('unsafe-path', `${path}: ${reason}; nothing was changed`, hint);
  }
}

/** True when `path` is `dir` or lies below it (both absolute and normalised). */
export function isInside(path: string, dir: string): boolean {
  const rel = relative(dir, path);
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel));
}

/** An absolute path in normal form: no `.`/`..` segments, no doubled or trailing slashes. */
export function isNormalPath(path: string): boolean {
  return isAbsolute(path) && !path.includes('\0') && normalize(path) === path && (path === '/' || !path.endsWith('/'));
}

export class SystemAccess {
  /** True when this process runs as root: files it trusts must be out of other users' reach. */
  readonly privileged: boolean;

  constructor(
    /** Every system path is taken below this directory. */
    readonly root: string = '/',
    options: { privileged?: boolean } = {},
  ) {
    this.privileged = options.privileged ?? process.geteuid?.() === 0;
  }

  /** The path of a system path such as /etc/resolver/test under the root (links not resolved). */
  path(systemPath: string): string {
    if (!isNormalPath(systemPath)) throw new UnsafePathError(systemPath, 'is not an absolute path in normal form (no "..")');
    return this.root === '/' ? systemPath : join(resolve(this.root), systemPath);
  }

  /**
   * The real file a system path leads to, by the rule above: its target when it is a link, and
   * never outside the root. For a file that does not exist yet, the real path it would have.
   */
  target(systemPath: string): string {
    const path = this.path(systemPath);
    const nominal = this.realParent(systemPath);
    // Run as root, every directory on the way and the file itself must be root's alone: a
    // --dnsmasq-dir, a link or a file another user can change would let them aim root's writes.
    this.checkRootOnly(path, deepestExisting(dirname(nominal.path)));
    if (nominal.missing) return nominal.path;
    let stat: ReturnType<typeof lstatSync>;
    try {
      stat = lstatSync(nominal.path);
    } catch {
      return nominal.path;
    }
    this.checkRootOnly(path, nominal.path);
    if (stat.isSymbolicLink()) {
      let real: string;
      try {
        real = realpathSync(nominal.path);
      } catch {
        throw new UnsafePathError(path, 'is a link to nothing (devdns follows links and will not create their target)');
      }
      this.checkInside(path, real, 'is a link to');
      if (!statSync(real).isFile()) throw new UnsafePathError(path, 'is a link to something other than a file');
      this.checkRootOnly(path, real);
      return real;
    }
    if (!stat.isFile()) throw new UnsafePathError(path, 'is not a regular file', NOT_A_FILE_HINT);
    return nominal.path;
  }

  /**
   * The path with its deepest existing parent replaced by that parent's real path, which must
   * lie inside the root; `missing` when some parent does not exist yet. The last part is not resolved.
   */
  private realParent(systemPath: string): { path: string; missing: boolean } {
    const path = this.path(systemPath);
    let parent = dirname(path);
    const parts: string[] = [basename(path)];
    while (!existsNoFollow(parent)) {
      parts.unshift(basename(parent));
      parent = dirname(parent);
    }
    const real = this.checkInside(path, realpathSync(parent), 'leads through a link to');
    return { path: join(real, ...parts), missing: parts.length > 1 };
  }

  private checkRootOnly(path: string, existing: string): void {
    if (!this.privileged) return;
    // lstat for the link itself (its owner), then the chain of real directories above what it leads to.
    const hint = "as root, devdns writes only where no other user can: make it root's and not writable by others (chown root, chmod go-w)";
    const own = lstatSync(existing);
    if (own.uid !== 0) throw new UnsafePathError(path, `leads through ${existing}, which is not root's (uid ${own.uid})`, hint);
    const problem = rootOnlyProblem(existing);
    if (problem) throw new UnsafePathError(path, `is not out of other users' reach: ${problem}`, hint);
  }

  private checkInside(path: string, real: string, what: string): string {
    const rootReal = realpathSync(resolve(this.root));
    if (!isInside(real, rootReal)) throw new UnsafePathError(path, `${what} ${real}, outside ${rootReal}`);
    return real;
  }

  /** The file's text, or undefined when it cannot be read (detection only: never fails). */
  readFile(systemPath: string): string | undefined {
    try {
      return readFileSync(this.target(systemPath), 'utf8');
    } catch {
      return undefined;
    }
  }

  /** The file's bytes, or undefined when it does not exist; a path breaking the rule throws. */
  readBytes(systemPath: string): Buffer | undefined {
    const real = this.target(systemPath);
    try {
      return readFileSync(real);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  /** Whether a file or directory is there (inside the root). */
  exists(systemPath: string): boolean {
    try {
      statSync(this.realParent(systemPath).path);
      return true;
    } catch {
      return false;
    }
  }

  /** The names in a directory, sorted; empty when it is not there or leads out of the root (detection only: never fails). */
  list(systemPath: string): string[] {
    try {
      const path = this.path(systemPath);
      return readdirSync(this.checkInside(path, realpathSync(path), 'leads through a link to')).sort();
    } catch {
      return [];
    }
  }

  /** The permission bits of a file, or undefined when it does not exist. */
  mode(systemPath: string): number | undefined {
    try {
      return statSync(this.target(systemPath)).mode & 0o7777;
    } catch {
      return undefined;
    }
  }

  /** Creates the missing parents of a path (never through a link out of the root); returns those it created, outermost first. */
  makeParents(systemPath: string): string[] {
    const created: string[] = [];
    for (let dir = dirname(systemPath); !existsNoFollow(this.path(dir)); dir = dirname(dir)) created.unshift(dir);
    // Each directory is made in the real path of its parent, checked to lie inside the root first.
    for (const dir of created) mkdirSync(this.realParent(dir).path, { mode: 0o755 });
    return created;
  }

  /**
   * Replaces a file's content by the rule above: a complete copy beside the real file, renamed
   * over it (keeping owner, and mode unless one is given); where it cannot be renamed over (a
   * mount point, a directory we may not write) it is rewritten in place in one write.
   * Returns how it was written.
   */
  writeFile(systemPath: string, content: Buffer | string, mode?: number): 'renamed' | 'in-place' {
    const real = this.target(systemPath);
    verbose(`writing ${real}`);
    const bytes = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
    const old = statOrUndefined(real);
    const finalMode = (mode ?? (old ? old.mode : 0o644)) & 0o777;
    const temp = join(dirname(real), `.${basename(real)}.devdns-${process.pid}`);
    try {
      writeThrough(temp, fs.O_WRONLY | fs.O_CREAT | fs.O_EXCL | fs.O_NOFOLLOW, bytes, finalMode, old);
      renameSync(temp, real);
      return 'renamed';
    } catch (error) {
      rmSync(temp, { force: true });
      const code = (error as NodeJS.ErrnoException).code ?? '';
      // EBUSY/EXDEV: a mount point; EACCES/EPERM: a directory we may not write holding a file we may.
      if (!old || !['EBUSY', 'EXDEV', 'EPERM', 'EACCES'].includes(code)) throw error;
    }
    writeThrough(real, fs.O_WRONLY | fs.O_NOFOLLOW, bytes, finalMode);
    return 'in-place';
  }

  /** Removes a file (a link itself, never its target), after checking where its directory leads. */
  removeFile(systemPath: string): void {
    const { path } = this.realParent(systemPath);
    verbose(`removing ${path}`);
    rmSync(path, { force: true });
  }

  /** Removes a directory if it is empty (never a link, never outside the root); true when it is gone. */
  removeEmptyDir(systemPath: string): boolean {
    try {
      const { path } = this.realParent(systemPath);
      if (!lstatSync(path).isDirectory()) return false;
      rmdirSync(path);
      return true;
    } catch {
      return !existsNoFollow(this.path(systemPath));
    }
  }

  async run(command: readonly string[]): Promise<ProgramResult> {
    const [file = '', ...args] = command;
    return runProgram(file, args, { timeoutMs: 20_000 });
  }

  /** Whether a program is on PATH. */
  async has(program: string): Promise<boolean> {
    return (await this.run(['sh', '-c', `command -v ${program}`])).exitCode === 0;
  }
}

/** The path itself when it exists, else its nearest existing parent. */
function deepestExisting(path: string): string {
  let dir = path;
  while (!existsNoFollow(dir) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
}

function statOrUndefined(path: string): import('node:fs').Stats | undefined {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}

/** Opens (never following a link), writes all of `bytes`, sets mode (and owner), fsyncs. */
function writeThrough(path: string, flags: number, bytes: Buffer, mode: number, owner?: { uid: number; gid: number }): void {
  const fd = openSync(path, flags, mode);
  try {
    if (!fstatSync(fd).isFile()) throw new UnsafePathError(path, 'is not a regular file', NOT_A_FILE_HINT);
    writeSync(fd, bytes, 0, bytes.length, 0);
    ftruncateSync(fd, bytes.length);
    if (owner) {
      try {
        fchownSync(fd, owner.uid, owner.gid);
      } catch {
        // not root: the file stays ours, as the original was
      }
    }
    fchmodSync(fd, mode); // open's mode applies only to a new file, and through the umask
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
