import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { describe, it } from 'node:test';
import { ControlClient } from '../../src/control/client.js';
import { ROUTES } from '../../src/control/protocol.js';
import { TEST_TOKEN, withControlServer } from '../helpers/control.js';

describe('control client', () => {
  it('uses the socket when the state names one, and tries again after a 503 with Retry-After', async () => {
    // One place per listener, held by a connection that sends nothing: it is closed after 300 ms.
    await withControlServer({ maxConnections: 1, headersTimeoutMs: 300, evictAfterMs: 60_000 }, async (_server, socketPath) => {
      const holder = connect({ path: socketPath });
      holder.on('error', () => undefined);
      try {
        await new Promise((resolve) => holder.once('connect', resolve));
        // Port 1 on TCP would fail: the answer can only come over the socket.
        const client = new ControlClient({ control: { host: '127.0.0.1', port: 1 }, controlSocket: socketPath, token: TEST_TOKEN });
        const started = Date.now();
        const answer = await client.call(ROUTES.status);
        assert.deepEqual(answer, { status: 200, body: { ok: true } });
        assert.ok(Date.now() - started >= 200, 'it waited for the place to free up');
      } finally {
        holder.destroy();
      }
    });
  });
});
