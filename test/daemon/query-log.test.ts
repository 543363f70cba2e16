import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { QueryLog, type QueryLogEntry, type RawQueryLogEntry } from '../../src/daemon/query-log.js';
import { tempDir } from '../helpers/devdns.js';

const entry = (i: number): RawQueryLogEntry => ({
  at: Date.UTC(2026, 10, 26, 12, 0, i),
  client: `127.0.0.1#${1000 + i}`,
  transport: 'udp',
  name: `host${i}.test`,
  type: 'A',
  rcode: 'NOERROR',
  answer: ['A 127.0.0.1'],
  micros: i,
});

describe('QueryLog', () => {
  it('keeps the most recent entries in memory, oldest first, and counts all', () => {
    const dir = tempDir();
    try {
      const log = new QueryLog(join(dir.path, 'q.log'), { capacity: 3 });
      for (let i = 0; i < 5; i++) log.record(entry(i));
      assert.deepEqual(
        log.recent().map((e) => e.name),
        ['host2.test', 'host3.test', 'host4.test'],
      );
      assert.deepEqual(
        log.recent(2).map((e) => e.name),
        ['host3.test', 'host4.test'],
      );
      assert.equal(log.count, 5);
      log.close();
    } finally {
      dir.cleanup();
    }
  });

  it('writes JSON lines in batches, rotating the file at its size limit', () => {
    const dir = tempDir();
    try {
      const path = join(dir.path, 'q.log');
      const log = new QueryLog(path, { maxFileBytes: 1000 });
      for (let i = 0; i < 30; i++) {
        log.record(entry(i));
        log.flush();
      }
      log.close();
      assert.ok(statSync(path).size <= 1000, 'the file stays under its limit');
      assert.ok(existsSync(`${path}.1`), 'the older part was rotated');
      const lines = [...readFileSync(`${path}.1`, 'utf8').split('\n'), ...readFileSync(path, 'utf8').split('\n')].filter(Boolean);
      assert.equal((JSON.parse(lines.at(-1) ?? '{}') as QueryLogEntry).name, 'host29.test');
      assert.equal(statSync(path).mode & 0o777, 0o600);
    } finally {
      dir.cleanup();
    }
  });

  it('writes nothing until there is something, and tells subscribers at once', () => {
    const dir = tempDir();
    try {
      const path = join(dir.path, 'q.log');
      const log = new QueryLog(path);
      log.flush();
      assert.equal(existsSync(path), false);
      const seen: string[] = [];
      const stop = log.subscribe((e) => seen.push(e.name));
      log.record(entry(1));
      stop();
      log.record(entry(2));
      assert.deepEqual(seen, ['host1.test']);
      log.close();
      assert.equal(readFileSync(path, 'utf8').split('\n').filter(Boolean).length, 2);
    } finally {
      dir.cleanup();
    }
  });
});

describe('QueryLog under load', () => {
  it('writes at most so many queries a second to the file and counts the rest; the ring keeps them all', () => {
    const dir = tempDir();
    try {
      const path = join(dir.path, 'q.log');
      const log = new QueryLog(path, { maxFileLinesPerSecond: 10, capacity: 100 });
      for (let i = 0; i < 25; i++) log.record({ ...entry(0), name: `n${i}.test` });
      log.close();
      const lines = readFileSync(path, 'utf8')
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as { name?: string; notLogged?: number });
      assert.equal(lines.filter((l) => l.name).length, 10);
      assert.equal(lines.at(-1)?.notLogged, 15);
      assert.equal(log.recent().length, 25);
      assert.equal(log.count, 25);
    } finally {
      dir.cleanup();
    }
  });
});
