// The daemon's records writer: files written in order, bytes exact, and one that outgrows the
// writer thread's heap written by a larger one.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { Worker } from 'node:worker_threads';
import { BackgroundWriter } from '../../src/store/records-writer.js';
import { withTempHome } from '../helpers/devdns.js';

const write = (writer: BackgroundWriter, home: string, chunks: string[]) =>
  writer.write(
    home,
    chunks,
    chunks.reduce((sum, chunk) => sum + Buffer.byteLength(chunk), 0),
  );

/** Runs `run` with a writer for a fresh private home, closed afterwards. */
async function withWriter(run: (writer: BackgroundWriter, home: string) => Promise<void>): Promise<void> {
  await withTempHome(async (home) => {
    mkdirSync(home, { mode: 0o700 });
    const writer = new BackgroundWriter();
    try {
      await run(writer, home);
    } finally {
      await writer.close();
    }
  });
}

describe('BackgroundWriter', () => {
  it('writes each file in order, byte for byte (UTF-8 too), mode 0600', async () => {
    await withWriter(async (writer, home) => {
      const texts = Array.from({ length: 5 }, (_, i) => [`{"n": ${i}, `, '"text": "ünïcode ✓"', '}\n']);
      await Promise.all(texts.map((chunks) => write(writer, home, chunks)));
      assert.equal(readFileSync(join(home, 'records.json'), 'utf8'), texts.at(-1)?.join(''));
      assert.equal(statSync(join(home, 'records.json')).mode & 0o777, 0o600);
    });
  });

  it('writes a file larger than its thread was made for', async () => {
    await withWriter(async (writer, home) => {
      await write(writer, home, ['{}\n']);
      // 24 MiB: four copies of it are more than the first thread's 64 MiB.
      const big = Array.from({ length: 24 }, (_, i) => `${String(i % 10).repeat(1024 * 1024 - 1)}\n`);
      await write(writer, home, big);
      const written = readFileSync(join(home, 'records.json'), 'utf8');
      assert.equal(written.length, 24 * 1024 * 1024);
      assert.equal(written, big.join(''));
      await write(writer, home, ['{"after": true}\n']);
      assert.equal(readFileSync(join(home, 'records.json'), 'utf8'), '{"after": true}\n');
    });
  });

  it('starts another thread for a write given as soon as its thread failed, before that thread has exited', async () => {
    await withWriter(async (writer, home) => {
      await write(writer, home, ['{"n": 1}\n']);
      const thread = await (writer as unknown as { thread: Promise<{ worker: Worker } | undefined> }).thread;
      // Node 20 cannot start a worker from the TypeScript sources (it writes in this thread, and
      // has no thread to fail); every later Node runs this case.
      if (thread === undefined) {
        assert.match(process.version, /^v20\./);
        return;
      }
      const { worker } = thread;
      const failed = new Promise((resolve) => worker.once('error', resolve));
      // A message without data: the thread throws outside its own error handling (a crash).
      worker.postMessage({ id: -1, home });
      await failed;
      await write(writer, home, ['{"n": 2}\n']);
      assert.equal(readFileSync(join(home, 'records.json'), 'utf8'), '{"n": 2}\n');
    });
  });

  it('takes calls in turn: writes given at once across a restart and a close all land, in order', async () => {
    await withWriter(async (writer, home) => {
      const big = Array.from({ length: 24 }, () => `${'x'.repeat(1024 * 1024 - 1)}\n`);
      // Not awaited one by one: the big file restarts the thread with a larger heap, and the
      // close stops it, while the other writes wait their turn.
      const results = await Promise.allSettled([
        write(writer, home, ['{"n": 1}\n']),
        write(writer, home, big),
        write(writer, home, ['{"n": 2}\n']),
        writer.close(),
        write(writer, home, ['{"n": 3}\n']),
      ]);
      assert.deepEqual(
        results.map((result) => result.status),
        ['fulfilled', 'fulfilled', 'fulfilled', 'fulfilled', 'fulfilled'],
      );
      assert.equal(readFileSync(join(home, 'records.json'), 'utf8'), '{"n": 3}\n');
    });
  });
});
