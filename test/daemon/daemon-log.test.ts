// The daemon's own log, in process: the rate limit by kind and the count of what it held back,
// one message to one line, rotation, and writes that fail (a full device, a closed file, a
// stream whose writes fail) counted and never thrown.
import assert from 'node:assert/strict';
import { closeSync, createWriteStream, existsSync, readdirSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { DaemonLog, keepOutputFailuresFromStopping, LogFile, oneLine, RateLimiter } from '../../src/daemon/daemon-log.js';
import { tempDir } from '../helpers/devdns.js';
import { eventually } from '../helpers/server.js';

describe('RateLimiter', () => {
  it('admits N a second of each kind, counts the rest, and starts again the next second', () => {
    let now = 5_000;
    const limiter = new RateLimiter(3, () => now);
    const admitted = Array.from({ length: 10 }, () => limiter.admit('dns'));
    assert.deepEqual(admitted, [true, true, true, false, false, false, false, false, false, false]);
    assert.equal(limiter.admit('control'), true, 'another kind has its own limit');
    now += 999;
    assert.equal(limiter.admit('dns'), false, 'still the same second');
    assert.deepEqual(limiter.takeSuppressed(), [['dns', 8]]);
    assert.deepEqual(limiter.takeSuppressed(), [], 'taken once');
    now += 1;
    assert.equal(limiter.admit('dns'), true);
  });
});

describe('DaemonLog', () => {
  it('writes a flood of one kind as N lines and one line counting the rest', () => {
    const lines: string[] = [];
    let now = 1_000;
    const log = new DaemonLog({ write: (line) => lines.push(line), linesPerSecond: 5, now: () => now });
    for (let i = 0; i < 100_000; i++) log.log('dns-dropped', `dropped ${i}`);
    log.log('reload', 'records reloaded: 3');
    now += 1000;
    log.flush();
    assert.deepEqual(lines, [
      'dropped 0',
      'dropped 1',
      'dropped 2',
      'dropped 3',
      'dropped 4',
      'records reloaded: 3',
      'dns-dropped: suppressed 99995 similar messages',
    ]);
    log.close();
  });

  it('writes the count when the second is over, though no more lines come', async () => {
    const lines: string[] = [];
    const log = new DaemonLog({ write: (line) => lines.push(line), linesPerSecond: 1 });
    log.log('control', 'one');
    log.log('control', 'two');
    await eventually(() => (lines.includes('control: suppressed 1 similar message') ? true : undefined), 3_000, 'the count');
    log.close();
  });

  it('makes one line of a message with newlines or escape sequences, and cuts a long one', () => {
    assert.equal(oneLine('a\nb\u001b[31mc'), 'a\\x0ab\\x1b[31mc');
    assert.ok(oneLine('x'.repeat(5000)).length < 1100);
  });
});

describe('LogFile', () => {
  it('counts and drops lines a full device will not take, and never throws', () => {
    const file = new LogFile('/dev/full');
    for (let i = 0; i < 100; i++) file.append(`line ${i}`);
    assert.equal(file.failures, 100);
    file.close();
  });

  it('opens the file again after its descriptor was closed under it, and says how many lines were lost', () => {
    const dir = tempDir();
    try {
      const path = join(dir.path, 'daemon.log');
      const file = new LogFile(path);
      file.append('first');
      // Close the log's descriptor behind its back, found the way the kernel shows it.
      const fd = readdirSync('/proc/self/fd').find((entry) => {
        try {
          return readlinkSync(`/proc/self/fd/${entry}`) === path;
        } catch {
          return false;
        }
      });
      assert.ok(fd);
      closeSync(Number(fd));
      file.append('second');
      file.append('third');
      assert.equal(file.failures, 1);
      const text = readFileSync(path, 'utf8');
      assert.match(text, / first\n/);
      assert.match(text, / 1 daemon log lines could not be written \(EBADF\)\n.* third\n$/);
      file.close();
    } finally {
      dir.cleanup();
    }
  });

  it('rotates past its size to .1, like the query log', () => {
    const dir = tempDir();
    try {
      const path = join(dir.path, 'daemon.log');
      const file = new LogFile(path, 1000);
      for (let i = 0; i < 100; i++) file.append(`line ${i} ${'x'.repeat(50)}`);
      file.close();
      assert.ok(existsSync(`${path}.1`));
      assert.ok(statSync(path).size <= 1000);
      assert.ok(statSync(`${path}.1`).size <= 1000);
      assert.match(readFileSync(path, 'utf8'), /line 99 /);
      assert.equal(file.failures, 0);
    } finally {
      dir.cleanup();
    }
  });
});

describe('keepOutputFailuresFromStopping', () => {
  it("takes a failed write's error from the CLI's handler that would exit, tells once, and puts it back", async () => {
    const stream = createWriteStream('/dev/full') as unknown as NodeJS.WriteStream;
    let exited = 0;
    const exit = () => {
      exited++;
    };
    stream.on('error', exit);
    const told: string[] = [];
    const restore = keepOutputFailuresFromStopping(
      (name, error) => told.push(`${name}: ${(error as NodeJS.ErrnoException).code}`),
      [['stderr', stream]],
    );
    stream.write('a line\n');
    stream.write('another\n');
    await eventually(() => (told.length > 0 ? true : undefined), 2_000, 'the failure told');
    assert.deepEqual(told, ['stderr: ENOSPC']);
    assert.equal(exited, 0);
    restore();
    assert.deepEqual(stream.listeners('error'), [exit]);
    stream.destroy();
  });
});
