// The control API's add goes through the same edit as `devdns add`: a CNAME that leads to no
// address comes back with the warning among the notes, and the record is added (201).
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { StatusBody } from '../../src/control/protocol.js';
import type { Handlers } from '../../src/control/server.js';
import { buildHandlers } from '../../src/daemon/api-handlers.js';
import { type DnsService, startDnsService } from '../../src/daemon/dns-service.js';
import { QueryLog } from '../../src/daemon/query-log.js';
import { tempDir } from '../helpers/devdns.js';

describe('api add: a CNAME without an address', () => {
  const dir = tempDir();
  let service: DnsService;
  let queryLog: QueryLog;
  let handlers: Handlers;

  before(async () => {
    service = await startDnsService({ home: dir.path, host: '127.0.0.1', port: 0 });
    queryLog = new QueryLog(join(dir.path, 'queries.log'));
    handlers = buildHandlers({ home: dir.path, service, queryLog, status: () => ({ running: true }) as StatusBody, requestStop: () => {} });
  });
  after(async () => {
    await service.close();
    await queryLog.close();
    dir.cleanup();
  });

  it('is added, with the warning among the warnings', async () => {
    const add = (body: Record<string, unknown>) => handlers.addRecord({ query: new URLSearchParams(), body });
    await add({ name: '*.shop.test', value: '127.0.0.1' });
    const result = await add({ name: 'www.shop.test', type: 'CNAME', value: 'shop.test' });
    assert.ok('status' in result);
    assert.equal(result.status, 201);
    const notes = (result.body as { warnings: string[] }).warnings;
    assert.ok(
      notes.some((note) => note.startsWith('www.shop.test resolves to no address: its target shop.test has no A or AAAA record')),
      notes.join('\n'),
    );
  });
});
