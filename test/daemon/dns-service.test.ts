// The DNS service in process, in a temp home on port 0: it answers from the records file over
// UDP and TCP, serves a change within moments and keeps the last good records through a broken
// file, reports each query and each bad message, and leaves no watcher or socket behind on close
// or on a start that fails.
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { chmodSync, copyFileSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import * as packet from 'dns-packet';
import type { AnsweredQuery, DnsService, DnsServiceOptions } from '../../src/daemon/dns-service.js';
import { startDnsService } from '../../src/daemon/dns-service.js';
import { toLogEntry } from '../../src/daemon/query-log.js';
import { answerQuestion } from '../../src/dns/answer.js';
import { buildZoneIndex } from '../../src/dns/zone-index.js';
import { Forwarder, type UpstreamTransport } from '../../src/forward/forwarder.js';
import { parseRecordInput } from '../../src/records/record-input.js';
import { addRecords } from '../../src/records/record-set.js';
import { addRecord, removeRecord } from '../../src/store/edits.js';
import { linkProject, loadServedRecords } from '../../src/store/projects.js';
import { RecordStore } from '../../src/store/record-store.js';
import type { RecordsFileWriter } from '../../src/store/records-writer.js';
import { setSetting } from '../../src/store/settings.js';
import { recordsFile, tempDir } from '../helpers/devdns.js';
import { dnsHeader, formatResource, summarize } from '../helpers/dns.js';
import { addresses, askTcp, askUdp, isOpen, openTcp, queryBytes } from '../helpers/dns-server.js';
import { assertTcpFree } from '../helpers/ports.js';
import { addToHome, eventually } from '../helpers/server.js';

const watchers = () => process.getActiveResourcesInfo().filter((kind) => kind === 'FSEventWrap').length;
/** Waits until no directory is watched: each case closes its services, whose watchers go a tick later. */
const noWatchers = () => eventually(() => (watchers() === 0 ? true : undefined), 1_000, 'no watchers left');

/** Runs `run` against a service in a fresh home holding myapp.test, closed (and the home removed) afterwards. */
async function withService(options: Partial<DnsServiceOptions>, run: (service: DnsService, home: string) => Promise<void>): Promise<void> {
  const dir = tempDir();
  try {
    await addToHome(dir.path, { name: 'myapp.test' });
    const service = await startDnsService({ home: dir.path, host: '127.0.0.1', port: 0, ...options });
    try {
      await run(service, dir.path);
    } finally {
      await service.close();
    }
  } finally {
    dir.cleanup();
  }
}

/** An upstream that answers each question with an empty NOERROR, and counts them. */
function echoingUpstream(): UpstreamTransport & { asked: number } {
  const upstream = {
    label: 'fake',
    asked: 0,
    ask: async (query: Uint8Array) => {
      upstream.asked++;
      const reply = Buffer.from(query);
      reply[2] = (reply[2] ?? 0) | 0x80;
      return reply;
    },
  };
  return upstream;
}

/** Adds `name` A 10.9.9.9 to the home's records, ending at `expires`. */
const addEnding = (home: string, name: string, expires: string) =>
  new RecordStore(home).update((file) => ({
    file: { ...file, records: [...file.records, { name, type: 'A', ttl: 5, address: '10.9.9.9', expires }] },
    result: undefined,
  }));

/** The addresses a UDP query for `name` gets, or undefined without an answer. */
const udpAddresses = async (port: number, name: string) => {
  const reply = await askUdp(port, queryBytes(1, name));
  return reply ? addresses(reply) : undefined;
};

describe('DNS service', () => {
  it('answers from the records file over UDP and TCP, and by answer()', async () => {
    await withService({}, async (service, home) => {
      assert.equal(service.recordsPath, recordsFile(home));
      assert.equal(service.recordCount(), 2);
      assert.deepEqual(await udpAddresses(service.port, 'myapp.test'), ['127.0.0.1']);
      const tcp = await openTcp(service.port);
      try {
        assert.deepEqual(await askTcp(tcp, 7), ['127.0.0.1']);
      } finally {
        tcp.destroy();
      }
      assert.deepEqual(service.answer('myapp.test', 28).answer.map(formatResource), ['myapp.test AAAA ::1']);
    });
  });

  it('serves a change to the records file without being asked, and says so', async () => {
    const reloads: number[] = [];
    await withService({ onReload: (served) => reloads.push(served().records.length) }, async (service, home) => {
      await addToHome(home, { name: 'new.test', value: '10.2.2.2' });
      assert.deepEqual(
        await eventually(
          async () => {
            const got = await udpAddresses(service.port, 'new.test');
            return got?.length ? got : undefined;
          },
          3_000,
          'the new name answered',
        ),
        ['10.2.2.2'],
      );
      assert.ok(reloads.includes(3), `reloads: ${reloads.join(', ')}`);
    });
  });

  it('reads a change once: a reload after the watcher has read it reads nothing, one after a write reads it', async () => {
    const reloads: number[] = [];
    await withService({ onReload: (served) => reloads.push(served().records.length) }, async (service, home) => {
      assert.equal(service.reload(), false, 'nothing written since the start');
      await addToHome(home, { name: 'new.test', value: '10.2.2.2' });
      await eventually(() => (reloads.length > 0 ? true : undefined), 3_000, 'the watcher reloaded');
      assert.equal(service.reload(), false, 'the watcher read this change already');
      assert.deepEqual(reloads, [3]);
      await addToHome(home, { name: 'other.test', value: '10.3.3.3' });
      assert.equal(service.reload(), true, 'a new write is read at once, before the watcher');
      assert.equal(service.recordCount(), 4);
      assert.deepEqual(service.answer('other.test', 1).answer.map(formatResource), ['other.test A 10.3.3.3']);
      assert.equal(service.reload(), false);
    });
  });

  it('after a read that failed, a reload reads again even if no file changed: the cause may lie outside them', async () => {
    const problems: string[] = [];
    const elsewhere = tempDir();
    try {
      await addToHome(elsewhere.path, { name: 'myapp.test' }, { name: 'new.test', value: '10.2.2.2' });
      await withService({ onProblem: (error) => problems.push(error.message) }, async (service, home) => {
        assert.equal(service.recordCount(), 2);
        chmodSync(home, 0o777);
        try {
          const staged = join(home, 'staged');
          copyFileSync(recordsFile(elsewhere.path), staged);
          renameSync(staged, recordsFile(home));
          service.reload();
          assert.ok(problems.length > 0, 'the open home was refused');
          assert.equal(service.recordCount(), 2, 'the last good records stay');
        } finally {
          chmodSync(home, 0o700);
        }
        // Only the home's mode changed back, not a file: the reload must read all the same.
        service.reload();
        assert.equal(service.recordCount(), 3);
      });
    } finally {
      elsewhere.cleanup();
    }
  });

  it('keeps serving the last good records when the file stops parsing, and reports it', async () => {
    const problems: string[] = [];
    await withService({ onProblem: (error) => problems.push(error.message) }, async (service, home) => {
      writeFileSync(recordsFile(home), '{broken');
      await eventually(() => (problems.length > 0 ? true : undefined), 3_000, 'the problem reported');
      assert.match(problems[0] ?? '', /not valid JSON/);
      assert.deepEqual(await udpAddresses(service.port, 'myapp.test'), ['127.0.0.1']);
      assert.equal(service.recordCount(), 2);
    });
  });

  it('keeps serving the last good records through a file that fails half-way (a bad record among good ones), then serves the fix', async () => {
    const problems: string[] = [];
    await withService({ onProblem: (error) => problems.push(error.message) }, async (service, home) => {
      const good = JSON.parse(readFileSync(recordsFile(home), 'utf8')) as { records: Array<Record<string, unknown>> };
      const records = [...good.records, { name: 'new.test', type: 'A', address: '10.0.0.1' }];
      // Valid JSON; the third of four records is not a record devdns can serve.
      const broken = [...records.slice(0, 2), { name: 'bad.test', type: 'A', address: '999.0.0.1' }, records[2]];
      writeFileSync(recordsFile(home), JSON.stringify({ ...good, zones: { test: {} }, records: broken }));
      await eventually(() => (problems.length > 0 ? true : undefined), 3_000, 'the problem reported');
      assert.match(problems[0] ?? '', /records\[2\]\.address/);
      assert.deepEqual(await udpAddresses(service.port, 'myapp.test'), ['127.0.0.1']);
      assert.equal(await udpAddresses(service.port, 'new.test').then((got) => got?.length ?? 0), 0, 'nothing of the bad file is served');
      assert.match(service.recordsError() ?? '', /records\[2\]/);
      writeFileSync(recordsFile(home), JSON.stringify({ ...good, zones: { test: {} }, records }));
      assert.deepEqual(
        await eventually(async () => (await udpAddresses(service.port, 'new.test'))?.[0], 3_000, 'the fix served'),
        '10.0.0.1',
      );
      assert.equal(service.recordsError(), undefined);
    });
  });

  it('stops serving a record at its end even when the records file no longer parses then', async () => {
    const problems: string[] = [];
    await withService({ onProblem: (error) => problems.push(error.message) }, async (service, home) => {
      await addEnding(home, 'demo.test', new Date(Date.now() + 1_500).toISOString());
      await eventually(async () => (await udpAddresses(service.port, 'demo.test'))?.[0], 3_000, 'demo.test served');
      writeFileSync(recordsFile(home), '{broken');
      await eventually(() => (problems.length > 0 ? true : undefined), 3_000, 'the broken file reported');
      await eventually(
        async () => ((await udpAddresses(service.port, 'demo.test'))?.length === 0 ? true : undefined),
        4_000,
        'demo.test ended',
      );
      assert.deepEqual(await udpAddresses(service.port, 'myapp.test'), ['127.0.0.1'], 'the rest is served on');
      assert.equal(readFileSync(recordsFile(home), 'utf8'), '{broken', 'a file that does not parse is not written over');
    });
  });

  it("ends a record by the clock, not by a timer's delay: the first answer after a sleep or a clock step is without it", async () => {
    let slept = 0;
    await withService({ now: () => Date.now() + slept }, async (service, home) => {
      await addEnding(home, 'demo.test', new Date(Date.now() + 60_000).toISOString());
      await eventually(async () => (await udpAddresses(service.port, 'demo.test'))?.[0], 3_000, 'demo.test served');
      slept = 61_000;
      assert.deepEqual(await udpAddresses(service.port, 'demo.test'), [], 'the first answer after the end');
      assert.deepEqual(await udpAddresses(service.port, 'myapp.test'), ['127.0.0.1']);
      await eventually(
        () => (readFileSync(recordsFile(home), 'utf8').includes('demo.test') ? undefined : true),
        3_000,
        'demo.test gone from the file',
      );
      assert.deepEqual(await udpAddresses(service.port, 'demo.test'), [], 'and not served again after the reload');
    });
  });

  it('serves an edit through its editor at once, by the names it touched, and once: the watcher reads nothing more', async () => {
    const reloads: number[] = [];
    await withService({ onReload: (_served, count) => reloads.push(count) }, async (service, home) => {
      await addRecord(home, { name: 'api.myapp.test', value: '10.0.0.7' }, {}, service.editor);
      // Answered when the edit returns, without waiting for the watcher.
      assert.deepEqual(await udpAddresses(service.port, 'api.myapp.test'), ['10.0.0.7']);
      await removeRecord(home, { name: 'myapp.test' }, service.editor);
      assert.deepEqual(service.answer('myapp.test', 1).rcode, 0, 'an empty non-terminal above api.myapp.test: NODATA');
      assert.equal(service.answer('myapp.test', 1).answer.length, 0);
      assert.equal(service.recordCount(), 1);
      assert.equal(service.reload(), false, 'what the daemon wrote it has served already');
      assert.deepEqual(reloads, [3, 1]);
      // The file holds what is served.
      assert.deepEqual(
        (JSON.parse(readFileSync(recordsFile(home), 'utf8')) as { records: Array<{ name: string }> }).records.map((r) => r.name),
        ['api.myapp.test'],
      );
    });
  });

  it('reads a hand edit made between two of its own writes before changing the records again', async () => {
    await withService({}, async (service, home) => {
      await addRecord(home, { name: 'one.test', value: '10.0.0.1' }, {}, service.editor);
      // Another writer (a command while the daemon was thought down, an editor) replaces the file.
      await addToHome(home, { name: 'hand.test', value: '10.0.0.2' });
      await addRecord(home, { name: 'two.test', value: '10.0.0.3' }, {}, service.editor);
      for (const [name, address] of [
        ['one.test', '10.0.0.1'],
        ['hand.test', '10.0.0.2'],
        ['two.test', '10.0.0.3'],
      ]) {
        assert.deepEqual(await udpAddresses(service.port, name ?? ''), [address], name);
      }
      assert.equal((JSON.parse(readFileSync(recordsFile(home), 'utf8')) as { records: unknown[] }).records.length, 5);
    });
  });

  it('reads a change put off while its own write ran once that write has failed', async () => {
    let service: DnsService | undefined;
    let deferred: boolean | undefined;
    // A write that fails (a full disk, say) while the settings change and a reload is asked for.
    const writer: RecordsFileWriter = {
      write: async (home) => {
        setSetting(home, 'zones', 'internal');
        deferred = service?.reload();
        throw Object.assign(new Error('no space left on device'), { code: 'ENOSPC' });
      },
      close: async () => undefined,
    };
    await withService({ writer }, async (started, home) => {
      service = started;
      assert.equal(started.answer('box.internal', 1).rcode, 5, 'internal is not served yet: REFUSED');
      await assert.rejects(addRecord(home, { name: 'one.test', value: '10.0.0.1' }, {}, started.editor), /disk is full/);
      assert.equal(deferred, false, 'the reload waited for the write');
      // Settings are not watched: only the reload put off can serve the new zone.
      await eventually(() => (started.answer('box.internal', 1).rcode === 3 ? true : undefined), 2_000, 'internal served: NXDOMAIN');
      assert.equal(started.answer('one.test', 1).rcode, 3, 'the failed change is not served: NXDOMAIN');
    });
  });

  it('reports each answered query, and each message dropped or answered FORMERR with why', async () => {
    const queries: AnsweredQuery[] = [];
    const bad: string[] = [];
    await withService(
      { onQuery: (query) => queries.push(query), onBadMessage: (reason, _address, _port, transport) => bad.push(`${transport} ${reason}`) },
      async (service) => {
        await udpAddresses(service.port, 'MyApp.test');
        assert.equal(queries.length, 1);
        const [query] = queries;
        assert.deepEqual(
          [query?.transport, query?.address, query?.question.name, query?.response.rcode],
          ['udp', '127.0.0.1', 'MyApp.test', 0],
        );
        // A response (QR=1) is dropped; a query with no question is answered FORMERR.
        assert.equal(await askUdp(service.port, dnsHeader(1, 0x8000, 1), 200), undefined);
        assert.ok(await askUdp(service.port, dnsHeader(2, 0, 0)));
        assert.equal(bad.length, 2, bad.join('; '));
        assert.match(bad[0] ?? '', /^udp dropped: /);
        assert.match(bad[1] ?? '', /^udp FORMERR: /);
      },
    );
  });

  it('passes its limits to the DNS server', async () => {
    await withService({ limits: { tcpIdleMs: 200 } }, async (service) => {
      const socket = await openTcp(service.port);
      try {
        await eventually(() => (isOpen(socket) ? undefined : true), 2_000, 'the idle connection closed');
      } finally {
        socket.destroy();
      }
    });
  });

  it('closes its watchers and sockets on close, and a second close is no error', async () => {
    await noWatchers();
    let port = 0;
    await withService({}, async (service) => {
      port = service.port;
      assert.ok(watchers() > 0, 'watching the home');
      await service.close();
    });
    await noWatchers();
    await assertTcpFree(port);
  });

  it('leaves no watcher behind when its port is in use, nor when the records file does not parse', async () => {
    await noWatchers();
    await withService({}, async (running, home) => {
      await assert.rejects(startDnsService({ home, host: '127.0.0.1', port: running.port }), { name: 'PortInUseError' });
    });
    const dir = tempDir();
    try {
      writeFileSync(recordsFile(dir.path), '{broken');
      await assert.rejects(startDnsService({ home: dir.path, host: '127.0.0.1', port: 0 }), /not valid JSON/);
    } finally {
      dir.cleanup();
    }
    await noWatchers();
  });
});

describe('forwarding is for this machine only', () => {
  const lan = Object.values(networkInterfaces())
    .flat()
    .find((face) => face !== undefined && !face.internal && face.family === 'IPv4')?.address;
  it('forwards for a loopback client, and answers REFUSED, asking nothing, to one from another address', {
    skip: lan === undefined ? 'no non-loopback IPv4 address on this machine' : false,
  }, async () => {
    const upstream = echoingUpstream();
    const dir = tempDir();
    try {
      await new RecordStore(dir.path).update((file) => ({
        file: addRecords(file, { ...parseRecordInput({ name: 'api.example.com', value: '127.0.0.1' }), override: true }).file,
        result: undefined,
      }));
      const forwarding = { forwarder: new Forwarder({ upstreams: [upstream] }), forwardAll: false };
      const service = await startDnsService({ home: dir.path, host: '0.0.0.0', port: 0, forwarding });
      try {
        const ask = (from: string, to: string, type: 'MX' | 'A' = 'MX') =>
          new Promise<Buffer>((resolve, reject) => {
            const socket = createSocket('udp4');
            const timer = setTimeout(() => {
              socket.close();
              reject(new Error(`no reply from ${to}`));
            }, 3_000);
            socket.on('message', (message) => {
              clearTimeout(timer);
              socket.close();
              resolve(message);
            });
            socket.bind(0, from, () =>
              socket.send(
                packet.encode({ type: 'query', id: 1, questions: [{ name: 'api.example.com', type, class: 'IN' }] }),
                service.port,
                to,
              ),
            );
          });
        const rcode = (reply: Buffer) => (reply[3] ?? 0) & 0x0f;
        assert.equal(rcode(await ask('127.0.0.1', '127.0.0.1')), 0);
        assert.equal(upstream.asked, 1);
        assert.equal(rcode(await ask(lan as string, lan as string)), 5, 'REFUSED');
        assert.equal(upstream.asked, 1, 'nothing asked upstream for another address');
        // devdns's own answer: recursion available to this machine, and not to another address.
        const ra = (reply: Buffer) => ((reply[3] ?? 0) & 0x80) !== 0;
        const local = await ask('127.0.0.1', '127.0.0.1', 'A');
        assert.deepEqual([rcode(local), ra(local)], [0, true]);
        const lanReply = await ask(lan as string, lan as string, 'A');
        assert.deepEqual([rcode(lanReply), ra(lanReply)], [0, false]);
        const again = await ask('127.0.0.1', '127.0.0.1', 'A');
        assert.deepEqual([rcode(again), ra(again)], [0, true], "the responder's cached reply is left as it was");
      } finally {
        await service.close();
      }
    } finally {
      dir.cleanup();
    }
  });
});

describe("the routes setup left in the OS (its journal's override routes)", () => {
  it('are read again when the journal changes, with no record edited: a route setup took away is refused again', async () => {
    const upstream = echoingUpstream();
    let routes = ['old.example.com'];
    let read = 0;
    const forwarding = {
      forwarder: new Forwarder({ upstreams: [upstream] }),
      forwardAll: false,
      routes: () => {
        read++;
        return routes;
      },
      routesFile: 'setup-journal.json',
    };
    await withService({ forwarding }, async (service, home) => {
      const rcode = async () => ((await askUdp(service.port, queryBytes(3, 'api.old.example.com')))?.[3] ?? 0xff) & 0x0f;
      assert.equal(await rcode(), 0, 'the stale route forwarded');
      assert.equal(upstream.asked, 1);
      const reads = read;
      routes = [];
      writeFileSync(join(home, 'setup-journal.json'), '{}');
      await eventually(async () => ((await rcode()) === 5 ? true : undefined), 3_000, 'REFUSED once the journal changed');
      const before = upstream.asked;
      assert.equal(await rcode(), 5);
      assert.equal(upstream.asked, before, 'nothing asked upstream for a route that is gone');
      assert.ok(read > reads);
    });
  });
});

describe('a CNAME override whose target is outside devdns', () => {
  it('is followed upstream for a client that asks devdns to recurse, and joined to the chain', async () => {
    const questions: string[] = [];
    const upstream: UpstreamTransport = {
      label: 'fake',
      ask: async (query) => {
        const asked = packet.decode(Buffer.from(query));
        const question = asked.questions?.[0] as packet.Question;
        questions.push(`${question.name} ${question.type}`);
        return packet.encode({
          type: 'response',
          id: asked.id,
          flags: packet.RECURSION_DESIRED | packet.RECURSION_AVAILABLE | packet.AUTHORITATIVE_ANSWER,
          questions: [question],
          answers: [{ type: 'A', name: question.name, ttl: 60, data: '192.0.2.7' }],
        });
      },
    };
    const dir = tempDir();
    try {
      await new RecordStore(dir.path).update((file) => ({
        file: addRecords(file, {
          ...parseRecordInput({ name: 'alias.example.com', type: 'CNAME', value: 'real.other.net' }),
          override: true,
        }).file,
        result: undefined,
      }));
      const forwarding = { forwarder: new Forwarder({ upstreams: [upstream] }), forwardAll: false };
      const service = await startDnsService({ home: dir.path, host: '127.0.0.1', port: 0, forwarding });
      try {
        const ask = async (rd: boolean) => {
          const flags = rd ? packet.RECURSION_DESIRED : 0;
          const query = packet.encode({ type: 'query', id: 9, flags, questions: [{ name: 'Alias.example.com', type: 'A', class: 'IN' }] });
          const reply = await askUdp(service.port, query);
          assert.ok(reply);
          const decoded = packet.decode(reply) as unknown as {
            id: number;
            flag_aa: boolean;
            flag_ra: boolean;
            answers: Array<{ name: string; type: string; data: string }>;
          };
          return decoded;
        };
        // Without RD, the client's resolver follows the chain itself: the CNAME alone, as before (and not kept
        // for the next client, which may ask with RD).
        const alone = await ask(false);
        assert.deepEqual(
          alone.answers.map((a) => a.type),
          ['CNAME'],
        );
        const chased = await ask(true);
        assert.deepEqual(
          chased.answers.map((a) => `${a.name} ${a.type} ${a.data}`),
          ['Alias.example.com CNAME real.other.net', 'real.other.net A 192.0.2.7'],
        );
        assert.deepEqual([chased.id, chased.flag_aa, chased.flag_ra], [9, false, true]);
        assert.deepEqual(questions, ['real.other.net A']);
        // `devdns resolve` takes the same path, through the cache.
        const resolved = await service.ask('alias.example.com', 1);
        assert.equal(resolved.kind, 'forward');
        if (resolved.kind === 'forward') {
          assert.equal(resolved.outcome.source, 'cache');
          assert.equal((packet.decode(resolved.outcome.reply).answers ?? []).length, 2);
        }
        assert.equal(questions.length, 1);
      } finally {
        await service.close();
      }
    } finally {
      dir.cleanup();
    }
  });
});

describe('log.queries: which queries the log names', () => {
  /** An upstream that answers every question NOERROR with no records, counting them. */
  const upstream: UpstreamTransport = {
    label: '127.0.0.2:53',
    ask: async (query) => {
      const reply = Buffer.from(query);
      reply[2] = (reply[2] ?? 0) | 0x80;
      return reply;
    },
  };
  const asked: ReadonlyArray<readonly [string, 'A' | 'MX']> = [
    ['myapp.test', 'A'],
    ['nothing.test', 'A'],
    ['api.example.com', 'A'],
    ['api.example.com', 'MX'],
    ['elsewhere.example.org', 'A'],
  ];
  const logged = async (logging: 'off' | 'errors' | 'own' | 'all', questions = asked) => {
    const dir = tempDir();
    try {
      await addToHome(dir.path, { name: 'myapp.test' });
      await new RecordStore(dir.path).update((file) => ({
        file: addRecords(file, { ...parseRecordInput({ name: 'api.example.com', value: '127.0.0.1' }), override: true }).file,
        result: undefined,
      }));
      const seen: string[] = [];
      const forwarding = { forwarder: new Forwarder({ upstreams: [upstream] }), forwardAll: false };
      const service = await startDnsService({
        home: dir.path,
        host: '127.0.0.1',
        port: 0,
        forwarding,
        logging,
        onQuery: (query) => {
          const entry = toLogEntry(query);
          seen.push(`${entry.name} ${entry.type} ${entry.rcode} ${entry.source}${entry.upstream ? ` ${entry.upstream}` : ''}`);
        },
      });
      try {
        for (const [name, type] of questions) {
          const reply = await askUdp(
            service.port,
            Buffer.from(packet.encode({ type: 'query', id: 7, flags: packet.RECURSION_DESIRED, questions: [{ name, type, class: 'IN' }] })),
          );
          assert.ok(reply, `${name} ${type} answered`);
        }
        return { seen, answered: service.answered() };
      } finally {
        await service.close();
      }
    } finally {
      dir.cleanup();
    }
  };

  it('own (the default): every local answer with its source; forwarded ones only counted', async () => {
    const { seen, answered } = await logged('own');
    assert.deepEqual(seen, [
      'myapp.test A NOERROR record',
      'nothing.test A NXDOMAIN record',
      'api.example.com A NOERROR override',
      'elsewhere.example.org A REFUSED refused',
    ]);
    assert.equal(answered, 4);
  });

  it('own: an answer from the responder’s cache says where it came from as the first did, in any spelling', async () => {
    const again: typeof asked = [
      ['api.example.com', 'A'],
      ['api.example.com', 'A'],
      ['API.Example.COM', 'A'],
      ['myapp.test', 'A'],
      ['myapp.test', 'A'],
      ['MyApp.Test', 'A'],
    ];
    const { seen } = await logged('own', again);
    assert.deepEqual(seen, [
      'api.example.com A NOERROR override',
      'api.example.com A NOERROR override',
      'API.Example.COM A NOERROR override',
      'myapp.test A NOERROR record',
      'myapp.test A NOERROR record',
      'MyApp.Test A NOERROR record',
    ]);
  });

  it('all: forwarded names too, with the upstream that answered', async () => {
    const { seen } = await logged('all');
    assert.ok(seen.includes('api.example.com MX NOERROR upstream 127.0.0.2:53'), seen.join('\n'));
    assert.equal(seen.length, 5);
  });

  it('errors: only failed answers; off: none, still counted', async () => {
    assert.deepEqual((await logged('errors')).seen, ['nothing.test A NXDOMAIN record', 'elsewhere.example.org A REFUSED refused']);
    const off = await logged('off');
    assert.deepEqual(off.seen, []);
    assert.equal(off.answered, 4);
  });
});

describe('an edit of yours beside linked projects', () => {
  /**
   * A service whose home holds `setup`'s records and links the team file of `zones` and A
   * `records` (agreed to); `run` gets a check that what the service answers for each name is what
   * a fresh read of every file serves.
   */
  async function withProject(
    setup: (home: string) => Promise<unknown>,
    zones: Record<string, object>,
    records: Array<[name: string, address: string]>,
    run: (service: DnsService, home: string, agrees: (...names: string[]) => void) => Promise<void>,
  ): Promise<void> {
    const dir = tempDir();
    try {
      const home = join(dir.path, 'home');
      await addToHome(home, { name: 'myapp.test' });
      await setup(home);
      mkdirSync(join(dir.path, 'team'));
      const team = join(dir.path, 'team', 'devdns.json');
      const json = { version: 1, zones, records: records.map(([name, address]) => ({ name, type: 'A', ttl: 5, address })) };
      writeFileSync(team, JSON.stringify(json));
      linkProject(home, team, { force: true });
      const service = await startDnsService({ home, host: '127.0.0.1', port: 0 });
      const agrees = (...names: string[]) => {
        const fresh = buildZoneIndex(loadServedRecords(home).file);
        for (const name of names) assert.deepEqual(summarize(service.answer(name, 1)), summarize(answerQuestion(fresh, name, 1)), name);
      };
      try {
        await run(service, home, agrees);
      } finally {
        await service.close();
      }
    } finally {
      dir.cleanup();
    }
  }

  /** withProject with nothing of yours but myapp.test, and a team override of api.example.com. */
  const withTeamOverride = (run: Parameters<typeof withProject>[3]) =>
    withProject(async () => undefined, { 'api.example.com': { override: true } }, [['api.example.com', '127.0.0.9']], run);

  it('a project zone lost to your override stays lost when you edit a name in it', async () => {
    const override = (home: string) => addRecord(home, { name: 'api.example.com', value: '127.0.0.1' }, { override: true, force: true });
    await withProject(override, { 'api.example.com': {} }, [['x.api.example.com', '10.0.0.9']], async (service, home, agrees) => {
      agrees('api.example.com', 'x.api.example.com');
      await addRecord(home, { name: 'x.api.example.com', value: '10.0.0.5' }, {}, service.editor);
      assert.deepEqual(service.answer('x.api.example.com', 1).answer.map(formatResource), ['x.api.example.com A 10.0.0.5']);
      await removeRecord(home, { name: 'x.api.example.com' }, service.editor);
      // Your override leaves the name to the real servers: not the team's record, whose zone lost.
      assert.equal(service.answer('x.api.example.com', 1).rcode, 5);
      agrees('api.example.com', 'x.api.example.com');
    });
  });

  it('a project override your edit puts inside your own zone is lost at once, and served again once your zone goes', async () => {
    await withTeamOverride(async (service, home, agrees) => {
      assert.deepEqual(service.answer('api.example.com', 1).answer.map(formatResource), ['api.example.com A 127.0.0.9']);
      await addRecord(home, { name: 'www.example.com', value: '10.0.0.1' }, { force: true }, service.editor);
      assert.equal(service.answer('api.example.com', 1).rcode, 3, 'your zone example.com, answered in full');
      agrees('api.example.com', 'www.example.com', 'gone.example.com');
      await removeRecord(home, { name: 'www.example.com' }, service.editor);
      assert.deepEqual(service.answer('api.example.com', 1).answer.map(formatResource), ['api.example.com A 127.0.0.9']);
      agrees('api.example.com', 'www.example.com');
    });
  });

  it('beside a project override that stands, an edit is served as a fresh read serves it', async () => {
    await withTeamOverride(async (service, home, agrees) => {
      await addRecord(home, { name: 'two.test', value: '10.0.0.2' }, {}, service.editor);
      agrees('two.test', 'myapp.test', 'api.example.com', 'v2.api.example.com', 'gone.test');
      await removeRecord(home, { name: 'myapp.test' }, service.editor);
      agrees('myapp.test', 'two.test', 'api.example.com', 'v2.api.example.com');
    });
  });
});
