import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { describe, it } from 'node:test';
import { findPortOwner } from '../../src/os/port-owner.js';

describe('findPortOwner', { skip: process.platform === 'linux' ? false : 'reads /proc (Linux)' }, () => {
  it('finds the process that holds a UDP port', async () => {
    const socket = createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    try {
      const owner = await findPortOwner(socket.address().port);
      assert.equal(owner?.pid, process.pid);
      assert.match(owner?.command ?? '', /node/);
    } finally {
      socket.close();
    }
  });
  it('finds nobody on port 0 or a free port', async () => {
    assert.equal(await findPortOwner(0), undefined);
  });
});
