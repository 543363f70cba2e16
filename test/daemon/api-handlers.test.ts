// The control API's handlers called directly, over a DNS service in a temp home on port 0: what
// add, rm, ls and resolve return, the API error each bad input turns into, and that an edit is
// served at once.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { SERVED_LISTING_LIMIT, type StatusBody } from '../../src/control/protocol.js';
import type { ApiRequest, ApiResult, Handlers } from '../../src/control/server.js';
import { buildHandlers } from '../../src/daemon/api-handlers.js';
import { type DnsService, startDnsService } from '../../src/daemon/dns-service.js';
import { QueryLog } from '../../src/daemon/query-log.js';
import { recordFileText } from '../../src/records/file-text.js';
import { emptyRecordFile, makeRecord } from '../../src/records/types.js';
import { tempDir } from '../helpers/devdns.js';

type Call = [route: keyof Handlers, query: Record<string, string>, body?: Record<string, unknown>];

const A = { name: 'myapp.test', type: 'A', ttl: 5, value: '127.0.0.1', zone: 'test' };
const AAAA = { ...A, type: 'AAAA', value: '::1' };

describe('api handlers', () => {
  const dir = tempDir();
  let service: DnsService;
  let queryLog: QueryLog;
  let handlers: Handlers;
  let stops = 0;
  const status = { running: true } as StatusBody;

  before(async () => {
    service = await startDnsService({ home: dir.path, host: '127.0.0.1', port: 0 });
    queryLog = new QueryLog(join(dir.path, 'queries.log'));
    handlers = buildHandlers({ home: dir.path, service, queryLog, status: () => status, requestStop: () => stops++ });
  });
  after(async () => {
    await service.close();
    await queryLog.close();
    dir.cleanup();
  });

  const call = async ([route, query, body]: Call): Promise<ApiResult> => {
    const request: ApiRequest = { query: new URLSearchParams(query), body };
    return handlers[route](request);
  };
  const answered = async (call_: Call): Promise<{ status: number; body: unknown }> => {
    const result = await call(call_);
    assert.ok('status' in result, 'a JSON answer');
    return result;
  };
  /** The error code and message a call is refused with. */
  const refusal = async (call_: Call): Promise<[string, string]> => {
    try {
      await call(call_);
    } catch (error) {
      return [(error as { code: string }).code, (error as Error).message];
    }
    assert.fail(`${call_[0]} was not refused`);
  };

  // In order: each case sees the records the ones before it left.
  const results: Array<[string, Call, number, unknown]> = [
    [
      'add: the localhost pair',
      ['addRecord', {}, { name: 'myapp.test' }],
      201,
      { added: [A, AAAA], unchanged: [], retimed: [], renewed: [], zonesAdded: [], notes: [], warnings: [] },
    ],
    [
      'add again: unchanged, 200',
      ['addRecord', {}, { name: 'myapp.test' }],
      200,
      { added: [], unchanged: [A, AAAA], retimed: [], renewed: [], zonesAdded: [], notes: [], warnings: [] },
    ],
    [
      'add, the short form {domain, ip}',
      ['addRecord', {}, { domain: 'seed.test', ip: '10.0.0.9' }],
      201,
      {
        added: [{ ...A, name: 'seed.test', value: '10.0.0.9' }],
        unchanged: [],
        retimed: [],
        renewed: [],
        zonesAdded: [],
        notes: [],
        warnings: [],
      },
    ],
    [
      'ls: every record with its source',
      ['listRecords', {}],
      200,
      [A, AAAA, { ...A, name: 'seed.test', value: '10.0.0.9' }].map((r) => ({ ...r, source: 'user' })),
    ],
    ['ls with a pattern', ['listRecords', { pattern: 'seed.test' }], 200, [{ ...A, name: 'seed.test', value: '10.0.0.9', source: 'user' }]],
    [
      'ls as the CLI asks: the records that match, and no conflict or project left out',
      ['served', { pattern: 'seed' }],
      200,
      { records: [{ ...A, name: 'seed.test', value: '10.0.0.9', source: 'user' }], conflicts: [], problems: [] },
    ],
    ['rm', ['removeRecords', {}, { name: 'seed.test' }], 200, { removed: ['seed.test A 10.0.0.9'], zonesRemoved: [] }],
    ['reload: the records in service', ['reload', {}], 200, { records: 2 }],
    ['status', ['status', {}], 200, status],
    ['queries: none yet', ['queries', {}], 200, []],
    ['stop: accepted', ['stop', {}], 202, { stopping: true }],
  ];
  for (const [title, request, code, body] of results) {
    it(title, async () => {
      assert.deepEqual(await answered(request), { status: code, body });
    });
  }

  it('asks the daemon to stop once the answer is on its way', async () => {
    const turn = () => new Promise((resolve) => setImmediate(resolve));
    await turn(); // the stop case above has had its turn
    const before = stops;
    await call(['stop', {}]);
    assert.equal(stops, before, 'not before the answer');
    await turn();
    assert.equal(stops, before + 1);
  });

  const resolved = (type: string, rcode: string, answer: string[], authority = 0) => ({ type, rcode, answer, authority });
  const resolutions: Array<[string, Record<string, string>, ReturnType<typeof resolved>]> = [
    ['A by default, a final dot dropped', { name: 'myapp.test.' }, resolved('A', 'NOERROR', ['myapp.test A 127.0.0.1'])],
    ['a type in any case', { name: 'MyApp.test', type: 'aaaa' }, resolved('AAAA', 'NOERROR', ['MyApp.test AAAA ::1'])],
    ['a type by number', { name: 'myapp.test', type: '28' }, resolved('28', 'NOERROR', ['myapp.test AAAA ::1'])],
    ['ANY', { name: 'myapp.test', type: 'any' }, resolved('ANY', 'NOERROR', ['myapp.test A 127.0.0.1'])],
    ['a name that does not exist', { name: 'nope.test' }, resolved('A', 'NXDOMAIN', [], 1)],
    ['a name outside the zones', { name: 'example.com' }, resolved('A', 'REFUSED', [])],
  ];
  for (const [title, query, expected] of resolutions) {
    it(`resolve: ${title}`, async () => {
      const { status: code, body } = await answered(['resolve', query]);
      const { type, rcode, answer, authority } = body as { type: string; rcode: string; answer: string[]; authority: string[] };
      assert.equal(code, 200);
      assert.deepEqual({ type, rcode, answer, authority: authority.length }, expected);
    });
  }

  it('serves an edit at once: resolve and the DNS service see an added and a removed name', async () => {
    await call(['addRecord', {}, { name: 'new.test', value: '10.1.1.1' }]);
    assert.deepEqual((await answered(['resolve', { name: 'new.test' }])).body, {
      name: 'new.test',
      type: 'A',
      rcode: 'NOERROR',
      authoritative: true,
      answer: ['new.test A 10.1.1.1'],
      authority: [],
      additional: [],
      matches: [{ name: 'new.test', wildcard: false }],
    });
    await call(['removeRecords', {}, { name: 'new.test' }]);
    assert.equal(service.answer('new.test', 1).rcode, 3, 'NXDOMAIN once removed');
  });

  const refusals: Array<[string, Call, string, RegExp]> = [
    ['add: an unknown field', ['addRecord', {}, { name: 'x.test', admin: true }], 'invalid-record', /unknown field "admin"/],
    ['add: the short form with a long field', ['addRecord', {}, { domain: 'x.test', ttl: 5 }], 'invalid-record', /unknown field "ttl"/],
    ['add: a name that is not a string', ['addRecord', {}, { name: 5 }], 'invalid-record', /name: must be a string/],
    ['add: a TTL that is not a number', ['addRecord', {}, { name: 'x.test', ttl: true }], 'invalid-record', /ttl: must be a number/],
    [
      'add: force that is not a boolean',
      ['addRecord', {}, { name: 'x.test', force: 'yes' }],
      'invalid-record',
      /force: must be true or false/,
    ],
    ['add: a bad address', ['addRecord', {}, { name: 'x.test', value: '999.1.1.1' }], 'invalid-record', /not an IPv4 address/],
    ['add: a bad name', ['addRecord', {}, { name: 'bad..test' }], 'invalid-record', /empty label/],
    ['add: a bad type', ['addRecord', {}, { name: 'x.test', type: 'BOGUS', value: 'x' }], 'invalid-record', /not a record type/],
    ['rm: an unknown field', ['removeRecords', {}, { name: 'x.test', ttl: 5 }], 'invalid-record', /unknown field "ttl"/],
    ['rm: no such record', ['removeRecords', {}, { name: 'none.test' }], 'no-match', /no record matches none\.test/],
    ['rm: no such value', ['removeRecords', {}, { name: 'myapp.test', value: '9.9.9.9' }], 'no-match', /myapp\.test 9\.9\.9\.9/],
    ['resolve: no name', ['resolve', {}], 'invalid-body', /give a name/],
    ['resolve: SOA, which devdns makes itself', ['resolve', { name: 'myapp.test', type: 'SOA' }], 'invalid-record', /SOA records are made/],
    ['resolve: an unknown type', ['resolve', { name: 'myapp.test', type: 'BOGUS' }], 'invalid-record', /not a record type/],
    ['queries: a limit of 0', ['queries', { limit: '0' }], 'invalid-body', /at least 1/],
    ['queries: a limit that is not a number', ['queries', { limit: 'x' }], 'invalid-body', /whole number/],
  ];
  for (const [title, request, code, message] of refusals) {
    it(title, async () => {
      const [got, text] = await refusal(request);
      assert.equal(got, code);
      assert.match(text, message);
    });
  }

  it('refuses ls, add and rm on a records file that does not parse, leaving the last good records in service', async () => {
    writeFileSync(join(dir.path, 'records.json'), '{broken');
    for (const request of [
      ['listRecords', {}],
      ['served', {}],
      ['addRecord', {}, { name: 'more.test' }],
      ['removeRecords', {}, { name: 'myapp.test' }],
    ] as Call[]) {
      const [code, message] = await refusal(request);
      assert.equal(code, 'records-invalid', request[0]);
      assert.match(message, /not valid JSON/, request[0]);
    }
    assert.equal(service.answer('myapp.test', 1).answer.length, 1);
  });
});

describe('api handlers: GET /served at scale', () => {
  it(`lists at most ${SERVED_LISTING_LIMIT} records at once, so that a listing never holds up the answers for long`, async () => {
    const dir = tempDir();
    const records = Array.from({ length: SERVED_LISTING_LIMIT + 1 }, (_, i) =>
      makeRecord(`host${i}.test`, 5, { type: 'A', address: '10.0.0.1' }),
    );
    writeFileSync(join(dir.path, 'records.json'), recordFileText({ ...emptyRecordFile(), zones: { test: {} }, records }), { mode: 0o600 });
    const service = await startDnsService({ home: dir.path, host: '127.0.0.1', port: 0 });
    const queryLog = new QueryLog(join(dir.path, 'queries.log'));
    try {
      const handlers = buildHandlers({ home: dir.path, service, queryLog, status: () => ({}) as StatusBody, requestStop: () => undefined });
      const served = (query: Record<string, string>) => handlers.served({ query: new URLSearchParams(query), body: undefined });
      await assert.rejects(
        async () => served({}),
        (error: { code?: string; message?: string }) =>
          error.code === 'listing-too-large' && /^20001 records match; the daemon lists at most 20000/.test(error.message ?? ''),
      );
      const one = await served({ pattern: `host${SERVED_LISTING_LIMIT}.test` });
      assert.ok('body' in one);
      assert.deepEqual(
        (one.body as { records: Array<{ name: string }> }).records.map((r) => r.name),
        [`host${SERVED_LISTING_LIMIT}.test`],
      );
    } finally {
      await service.close();
      await queryLog.close();
      dir.cleanup();
    }
  });
});
