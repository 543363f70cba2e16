// The writers' lock: a killed holder's lock is taken over at once (by its pid), a live holder is
// waited for and never robbed, an older devdns's lock directory is taken once stale.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { lstatSync, mkdirSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { acquireLock, LockError } from '../../src/store/file-lock.js';
import { tempDir } from '../helpers/devdns.js';

/** The pid of a process that has exited and been reaped. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'console.log(process.pid)'], { encoding: 'utf8' });
  return Number(child.stdout.trim());
}

/** Whether the lock is there (it is a link to nothing: existsSync would say no). */
const present = (path: string) => lstatSync(path, { throwIfNoEntry: false }) !== undefined;

const options = { waitMs: 1_500, staleMs: 10_000 };

describe('acquireLock', () => {
  it('takes over at once a lock whose holder is dead', async () => {
    const dir = tempDir();
    try {
      const path = join(dir.path, 'records.json.lock');
      symlinkSync(`${deadPid()}:-:${hostname()}`, path);
      const started = Date.now();
      const release = await acquireLock(path, options);
      assert.ok(Date.now() - started < 1_000, `took ${Date.now() - started} ms`);
      release();
      assert.equal(present(path), false);
    } finally {
      dir.cleanup();
    }
  });

  it('waits for a live holder, then says who holds it; the lock is left as it was', async () => {
    const dir = tempDir();
    try {
      const path = join(dir.path, 'records.json.lock');
      const release = await acquireLock(path, options);
      // A second process on this host (this one, under another pid would be the same): the holder runs.
      await assert.rejects(
        acquireLock(path, { ...options, waitMs: 200 }),
        (error: unknown) => error instanceof LockError && error.failure.kind === 'timeout' && error.failure.holder?.pid === process.pid,
      );
      assert.equal(present(path), true);
      release();
      (await acquireLock(path, options))();
    } finally {
      dir.cleanup();
    }
  });

  it('a reused pid is not the holder: the start time must match too', { skip: process.platform !== 'linux' }, async () => {
    const dir = tempDir();
    try {
      const path = join(dir.path, 'records.json.lock');
      // Our own pid, but a start time this process does not have.
      symlinkSync(`${process.pid}:1:${hostname()}`, path);
      (await acquireLock(path, options))();
    } finally {
      dir.cleanup();
    }
  });

  it("a FIFO or a huge file in the lock's place neither hangs the writer nor fills its memory; it is taken over", {
    timeout: 10_000,
  }, async () => {
    const dir = tempDir();
    try {
      // Both in one child with a deadline: a reader that blocks on the FIFO would hang this process.
      // Each is older than an unfinished lock may be, so it is taken over at once rather than after a wait.
      const made: Array<[string, (path: string) => void]> = [
        ['a FIFO', (path) => execFileSync('mkfifo', [path])],
        ['a huge file', (path) => writeFileSync(path, Buffer.alloc(8 * 1024 * 1024, 0x31))],
      ];
      const old = new Date(Date.now() - 60_000);
      const paths = made.map(([, make], index) => {
        const path = join(dir.path, `records-${index}.json.lock`);
        make(path);
        utimesSync(path, old, old);
        return path;
      });
      const script = `import(${JSON.stringify(new URL('../../src/store/file-lock.ts', import.meta.url).href)}).then(async (lock) => {
        for (const path of ${JSON.stringify(paths)}) {
          const release = await lock.acquireLock(path, { waitMs: 5000, staleMs: 10000 });
          release();
          console.log('taken');
        }
      })`;
      const child = spawnSync(process.execPath, ['--import', 'tsx', '-e', script], { encoding: 'utf8', timeout: 8_000 });
      const taken = child.stdout.split('\n').filter((line) => line === 'taken').length;
      for (const [index, [what]] of made.entries()) {
        assert.ok(taken > index, `the writer hung or failed on ${what}: ${child.signal ?? ''} ${child.stderr}`);
      }
      assert.equal(child.signal, null, 'the writer hung');
    } finally {
      dir.cleanup();
    }
  });

  it("an older devdns's lock directory is taken once stale, not before", async () => {
    const dir = tempDir();
    try {
      const path = join(dir.path, 'records.json.lock');
      mkdirSync(path);
      await assert.rejects(acquireLock(path, { ...options, waitMs: 100 }), LockError);
      const old = new Date(Date.now() - 60_000);
      utimesSync(path, old, old);
      (await acquireLock(path, options))();
    } finally {
      dir.cleanup();
    }
  });

  it('20 writers at once each get the lock alone', async () => {
    const dir = tempDir();
    try {
      const path = join(dir.path, 'records.json.lock');
      let inside = 0;
      let most = 0;
      await Promise.all(
        Array.from({ length: 20 }, async () => {
          const release = await acquireLock(path, { ...options, waitMs: 10_000 });
          inside += 1;
          most = Math.max(most, inside);
          await new Promise((resolve) => setImmediate(resolve));
          inside -= 1;
          release();
        }),
      );
      assert.equal(most, 1);
    } finally {
      dir.cleanup();
    }
  });
});
