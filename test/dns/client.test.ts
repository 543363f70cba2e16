// The one-question DNS client doctor uses: an answer over UDP and TCP from a real server in
// process, and a prompt error, with nothing left open, when no answer comes.
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { createServer, type Socket } from 'node:net';
import { describe, it } from 'node:test';
import { startDnsService } from '../../src/daemon/dns-service.js';
import { askTcp, askUdp } from '../../src/dns/client.js';
import { tempDir } from '../helpers/devdns.js';
import { addToHome } from '../helpers/server.js';

const openHandles = () => process.getActiveResourcesInfo().filter((kind) => kind === 'UDPWrap' || kind === 'TCPSocketWrap').length;

describe('DNS client', () => {
  it('asks over UDP and TCP and reads the addresses and rcode', async () => {
    const dir = tempDir();
    try {
      await addToHome(dir.path, { name: 'myapp.test', value: '10.1.1.1' });
      const service = await startDnsService({ home: dir.path, host: '127.0.0.1', port: 0 });
      try {
        for (const ask of [askUdp, askTcp]) {
          const found = await ask('127.0.0.1', service.port, 'myapp.test', 1);
          assert.deepEqual([found.rcode, found.addresses], [0, ['10.1.1.1']], ask.name);
          const missing = await ask('127.0.0.1', service.port, 'nope.test', 1);
          assert.deepEqual([missing.rcode, missing.addresses], [3, []], ask.name);
        }
      } finally {
        await service.close();
      }
    } finally {
      dir.cleanup();
    }
  });

  it('gives up at its deadline when the server stays silent, and closes its socket', async () => {
    const silentUdp = createSocket('udp4');
    await new Promise<void>((resolve) => silentUdp.bind(0, '127.0.0.1', resolve));
    const held: Socket[] = [];
    const silentTcp = createServer((socket) => held.push(socket));
    await new Promise<void>((resolve) => silentTcp.listen(0, '127.0.0.1', resolve));
    try {
      const before = openHandles();
      const udpPort = silentUdp.address().port;
      const tcpPort = (silentTcp.address() as { port: number }).port;
      await assert.rejects(askUdp('127.0.0.1', udpPort, 'myapp.test', 1, 100), /no answer over UDP within 100 ms/);
      await assert.rejects(askTcp('127.0.0.1', tcpPort, 'myapp.test', 1, 100), /no answer over TCP within 100 ms/);
      await new Promise((resolve) => setImmediate(resolve));
      assert.ok(openHandles() <= before + held.length, 'the client closed its sockets');
    } finally {
      for (const socket of held) socket.destroy();
      silentUdp.close();
      silentTcp.close();
    }
  });

  it('reports a refused connection at once', async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as { port: number }).port;
    await new Promise((resolve) => probe.close(resolve));
    const started = Date.now();
    await assert.rejects(askTcp('127.0.0.1', port, 'myapp.test', 1, 2_000), /ECONNREFUSED/);
    assert.ok(Date.now() - started < 1_500);
  });
});
