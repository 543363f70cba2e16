import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { AnsweredQuery } from '../../src/daemon/dns-service.js';
import { QueryLog, type QueryLogEntry, toLogEntry } from '../../src/daemon/query-log.js';
import { CLASS_IN, QTYPE, type Response } from '../../src/dns/protocol.js';
import { tempDir } from '../helpers/devdns.js';

const response = (name: string): Response => ({
  id: 1,
  opcode: 0,
  rcode: 0,
  authoritative: true,
  recursionDesired: false,
  checkingDisabled: false,
  question: { name, type: QTYPE.A, class: CLASS_IN },
  answer: [{ name, ttl: 5, data: { type: 'A', address: '127.0.0.1' } }],
  authority: [],
  additional: [],
  edns: undefined,
  matches: [{ name, wildcard: false }],
});

const entry = (i: number, name = `host${i}.test`): AnsweredQuery => ({
  at: Date.UTC(2026, 10, 26, 12, 0, i),
  address: '127.0.0.1',
  port: 1000 + i,
  transport: 'udp',
  question: { name, type: QTYPE.A, class: CLASS_IN },
  response: response(name),
  micros: i,
});

describe('toLogEntry', () => {
  it('turns an answered query into the text the log shows', () => {
    assert.deepEqual(toLogEntry({ ...entry(3), question: { name: 'Host3.TEST', type: QTYPE.A, class: CLASS_IN } }), {
      time: '2026-11-26T12:00:03.000Z',
      client: '127.0.0.1#1003',
      transport: 'udp',
      name: 'Host3.TEST',
      type: 'A',
      rcode: 'NOERROR',
      answer: ['A 127.0.0.1'],
      micros: 3,
      source: 'record',
    });
    const forwarded = toLogEntry({
      ...entry(4),
      response: { rcode: 'NXDOMAIN', answer: [] },
      source: 'upstream',
      upstream: '127.0.0.2:53',
    });
    assert.deepEqual(
      [forwarded.rcode, forwarded.answer, forwarded.source, forwarded.upstream],
      ['NXDOMAIN', [], 'upstream', '127.0.0.2:53'],
    );
    assert.equal(toLogEntry({ ...entry(1), question: { name: '', type: 65, class: CLASS_IN } }).name, '.');
    assert.equal(toLogEntry({ ...entry(1), question: { name: 'x.test', type: 65, class: CLASS_IN } }).type, 'HTTPS');
  });
});

describe('QueryLog', () => {
  it('keeps the most recent entries in memory, oldest first, and counts all', async () => {
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
      await log.close();
    } finally {
      dir.cleanup();
    }
  });

  it('writes JSON lines in batches, rotating the file at its size limit', async () => {
    const dir = tempDir();
    try {
      const path = join(dir.path, 'q.log');
      const log = new QueryLog(path, { maxFileBytes: 1000 });
      for (let i = 0; i < 30; i++) {
        log.record(entry(i));
        await log.flush();
      }
      await log.close();
      assert.ok(statSync(path).size <= 1000, 'the file stays under its limit');
      assert.ok(existsSync(`${path}.1`), 'the older part was rotated');
      const lines = [...readFileSync(`${path}.1`, 'utf8').split('\n'), ...readFileSync(path, 'utf8').split('\n')].filter(Boolean);
      assert.equal((JSON.parse(lines.at(-1) ?? '{}') as QueryLogEntry).name, 'host29.test');
      assert.equal(statSync(path).mode & 0o777, 0o600);
    } finally {
      dir.cleanup();
    }
  });

  it('writes nothing until there is something, and tells subscribers at once', async () => {
    const dir = tempDir();
    try {
      const path = join(dir.path, 'q.log');
      const log = new QueryLog(path);
      await log.flush();
      assert.equal(existsSync(path), false);
      const seen: string[] = [];
      const stop = log.subscribe((e) => seen.push(e.name));
      log.record(entry(1));
      stop();
      log.record(entry(2));
      assert.deepEqual(seen, ['host1.test']);
      await log.close();
      assert.equal(readFileSync(path, 'utf8').split('\n').filter(Boolean).length, 2);
    } finally {
      dir.cleanup();
    }
  });
});

describe('QueryLog under load', () => {
  it('writes at most so many queries a second to the file and counts the rest; the ring keeps them all', async () => {
    const dir = tempDir();
    try {
      const path = join(dir.path, 'q.log');
      const log = new QueryLog(path, { maxFileLinesPerSecond: 10, capacity: 100 });
      for (let i = 0; i < 25; i++) log.record(entry(0, `n${i}.test`));
      await log.close();
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
