// Reading files devdns did not write: each kind of hostile file is refused by the open descriptor,
// without blocking and before its content is read; writes replace a planted link, never follow it.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, lstatSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DevdnsError } from '../../src/errors.js';
import { checkHome, ensurePrivateHome, readHomeFile, removeHomeFile, writeHomeFile } from '../../src/store/home.js';
import { type ReadLimits, readFileSafely, type UnsafeReason, writeFileAtomically } from '../../src/store/safe-file.js';
import { isRoot, tempDir } from '../helpers/devdns.js';

const NOBODY = 65534;
const posix = process.platform !== 'win32';

/** Each case makes `path` into something hostile; the reader must refuse it for `reason`. */
const hostile: Array<[string, (path: string, dir: string) => void, UnsafeReason, { followLinks?: boolean; rootOnly?: boolean }?]> = [
  ['a FIFO (open would block)', (path) => execFileSync('mkfifo', [path]), 'not-regular'],
  ['a directory', (path) => mkdirSync(path), 'not-regular'],
  ['a link to /dev/zero, followed', (path) => symlinkSync('/dev/zero', path), 'not-regular', { followLinks: true }],
  [
    'a link to a FIFO, followed',
    (path, dir) => {
      execFileSync('mkfifo', [join(dir, 'fifo')]);
      symlinkSync(join(dir, 'fifo'), path);
    },
    'not-regular',
    { followLinks: true },
  ],
  [
    'a link to a regular file, in the home',
    (path, dir) => {
      writeFileSync(join(dir, 'elsewhere'), '{}');
      symlinkSync(join(dir, 'elsewhere'), path);
    },
    'symlink',
  ],
  ['a link to /dev/zero, in the home', (path) => symlinkSync('/dev/zero', path), 'symlink'],
  ['a file over the limit', (path) => writeFileSync(path, Buffer.alloc(2048, 0x20)), 'too-large'],
  [
    'a file writable by others',
    (path) => {
      writeFileSync(path, '{}');
      chmodSync(path, 0o666);
    },
    'shared-writable',
  ],
  [
    'a file of another user',
    (path) => {
      writeFileSync(path, '{}');
      chownSync(path, NOBODY, NOBODY);
    },
    'foreign-owner',
    { rootOnly: true },
  ],
];

const SAFE_FILE = new URL('../../src/store/safe-file.ts', import.meta.url).href;

/** A script that reads each path with its limits and prints, per case, that it began and how it was refused. */
function readerScript(cases: Array<{ path: string; limits: ReadLimits }>): string {
  return `import(${JSON.stringify(SAFE_FILE)}).then(({ readFileSafely, UnsafeFileError }) => {
    for (const [index, { path, limits }] of ${JSON.stringify(cases)}.entries()) {
      console.log(JSON.stringify({ index, began: true }));
      let result;
      try { readFileSafely(path, limits); result = { unsafe: false }; }
      catch (e) { result = { unsafe: e instanceof UnsafeFileError, reason: e.reason, named: e.message.startsWith(path + ': ') }; }
      console.log(JSON.stringify({ index, result }));
    }
  });`;
}

describe('readFileSafely', () => {
  const cases = hostile.filter(([, , , options = {}]) => posix && (options.rootOnly !== true || isRoot));
  /** What the reader said of each case, or why it said nothing: every case is read in one child process. */
  const outcomes = new Map<number, { result?: unknown; began?: boolean }>();
  let childError = '';
  const dir = tempDir();

  before(() => {
    const reads = cases.map(([, make, , options = {}], index) => {
      const caseDir = join(dir.path, String(index));
      mkdirSync(caseDir);
      const path = join(caseDir, 'records.json');
      make(path, caseDir);
      return { path, limits: { maxBytes: 1024, followLinks: options.followLinks === true, owner: process.getuid?.() ?? 0 } };
    });
    // In a child with a deadline: a reader that blocks in open() (a FIFO) would hang this process;
    // the case that began and never ended is the one that blocked.
    const child = spawnSync(process.execPath, ['--import', 'tsx', '-e', readerScript(reads)], { encoding: 'utf8', timeout: 5_000 });
    childError = `${child.signal ?? ''} ${child.stderr}`;
    for (const line of child.stdout.split('\n').filter((text) => text !== '')) {
      const { index, began, result } = JSON.parse(line) as { index: number; began?: boolean; result?: unknown };
      outcomes.set(index, { ...outcomes.get(index), ...(began === true ? { began } : { result }) });
    }
  });

  after(() => dir.cleanup());

  for (const [what, , reason, options = {}] of hostile) {
    it(`refuses ${what}`, { skip: !posix || (options.rootOnly === true && !isRoot) }, () => {
      const outcome = outcomes.get(cases.findIndex(([name]) => name === what));
      assert.ok(outcome?.began, `the read was never reached (${what}): ${childError}`);
      assert.ok('result' in outcome, `the read blocked (${what}): ${childError}`);
      assert.deepEqual(outcome.result, { unsafe: true, reason, named: true }, childError);
    });
  }

  it('reads a regular file, and says undefined for a missing one', () => {
    const dir = tempDir();
    try {
      const path = join(dir.path, 'a.json');
      assert.equal(readFileSafely(path, { maxBytes: 10, followLinks: false }), undefined);
      writeFileSync(path, '0123456789');
      assert.equal(readFileSafely(path, { maxBytes: 10, followLinks: false })?.toString(), '0123456789');
    } finally {
      dir.cleanup();
    }
  });
});

describe('writeFileAtomically', () => {
  it('replaces a link planted at the name instead of writing through it', () => {
    const dir = tempDir();
    try {
      const outside = join(dir.path, 'outside');
      writeFileSync(outside, 'precious');
      const path = join(dir.path, 'settings.json');
      symlinkSync(outside, path);
      writeFileAtomically(path, '{}\n');
      assert.equal(readFileSync(outside, 'utf8'), 'precious');
      assert.equal(lstatSync(path).isFile(), true);
      assert.equal(lstatSync(path).mode & 0o777, 0o600);
    } finally {
      dir.cleanup();
    }
  });
});

describe('checkHome', () => {
  it('accepts a missing or private home; refuses a shared, foreign or non-directory one', { skip: !posix }, () => {
    const dir = tempDir();
    try {
      const home = join(dir.path, 'home');
      assert.doesNotThrow(() => checkHome(home));
      mkdirSync(home, { mode: 0o700 });
      assert.doesNotThrow(() => checkHome(home));
      chmodSync(home, 0o770);
      assert.throws(() => checkHome(home), /can be written by other users \(mode 770\)/);
      chmodSync(home, 0o700);
      // A parent others can write, without the sticky bit: they could swap the whole home.
      chmodSync(dir.path, 0o777);
      assert.throws(() => checkHome(home), /the directory holding .* can be written by other users/);
      chmodSync(dir.path, 0o1777);
      assert.doesNotThrow(() => checkHome(home));
      chmodSync(dir.path, 0o700);
      const file = join(dir.path, 'file');
      writeFileSync(file, '');
      assert.throws(() => checkHome(file), /is not a directory/);
    } finally {
      dir.cleanup();
    }
  });

  it('as root through sudo, holds the home and its files to the user who ran sudo', { skip: !isRoot }, () => {
    const dir = tempDir();
    const sudoUid = process.env.SUDO_UID;
    try {
      const foreign = join(dir.path, 'foreign');
      mkdirSync(foreign, { mode: 0o700 });
      chownSync(foreign, NOBODY, NOBODY);
      // Plain root takes no home of another user's...
      delete process.env.SUDO_UID;
      assert.throws(() => checkHome(foreign), /belongs to another user \(uid 65534\)/);
      // ...and root through sudo only the home of the user who ran it.
      process.env.SUDO_UID = String(NOBODY);
      assert.throws(() => checkHome(dir.path), /belongs to another user \(uid 0\)/);
      assert.equal(checkHome(foreign), NOBODY);
      const home = join(dir.path, 'home');
      mkdirSync(home, { mode: 0o700 });
      chownSync(home, NOBODY, NOBODY);
      const path = join(home, 'records.json');
      writeFileSync(path, '{}');
      // Root-owned, in a home that belongs to nobody: not the home owner's file.
      assert.throws(() => readHomeFile(home, path, 1024), /belongs to another user \(uid 0\)/);
      chownSync(path, NOBODY, NOBODY);
      assert.equal(readHomeFile(home, path, 1024), '{}');
    } finally {
      if (sudoUid === undefined) delete process.env.SUDO_UID;
      else process.env.SUDO_UID = sudoUid;
      dir.cleanup();
    }
  });

  it('root acting for a user writes and removes home files as that user, and never makes the home', { skip: !isRoot }, () => {
    const dir = tempDir();
    const saved = { uid: process.env.SUDO_UID, gid: process.env.SUDO_GID };
    try {
      chmodSync(dir.path, 0o755);
      // Where a swapped link would lead root: a directory only root may write, holding a root file.
      const rootOnly = join(dir.path, 'etc');
      mkdirSync(rootOnly, { mode: 0o755 });
      writeFileSync(join(rootOnly, 'daemon.json'), 'root');
      const home = join(dir.path, 'home');
      mkdirSync(home, { mode: 0o700 });
      chownSync(home, NOBODY, NOBODY);
      process.env.SUDO_UID = String(NOBODY);
      process.env.SUDO_GID = String(NOBODY);
      writeHomeFile(join(home, 'setup-journal.json'), '{}');
      assert.equal(lstatSync(join(home, 'setup-journal.json')).uid, NOBODY, 'written as the user');
      assert.throws(() => writeHomeFile(join(rootOnly, 'setup-journal.json'), '{}'), /EACCES|permission denied/i);
      assert.throws(() => removeHomeFile(join(rootOnly, 'daemon.json')), /EACCES|permission denied/i);
      assert.equal(readFileSync(join(rootOnly, 'daemon.json'), 'utf8'), 'root', 'the root file is still there');
      assert.throws(
        () => ensurePrivateHome(join(dir.path, 'missing')),
        (error: unknown) => error instanceof DevdnsError && error.code === 'home-missing' && /without sudo first/.test(error.hint ?? ''),
      );
      assert.equal(lstatSync(join(dir.path, 'missing'), { throwIfNoEntry: false }), undefined, 'root made no home');
    } finally {
      for (const [key, value] of [
        ['SUDO_UID', saved.uid],
        ['SUDO_GID', saved.gid],
      ] as const) {
        if (value === undefined) delete process.env[key];
        else process.env[key] = value;
      }
      dir.cleanup();
    }
  });
});
