// The daemon in process, in a temp home on port 0: the DNS service, the control API and the state
// file start and stop together, once (a second `up` is the binary's to show: it needs a devdns
// command line, test/e2e/daemon.test.ts); a start that
// fails half-way (a port in use) leaves no state, socket or port behind; limits passed in reach
// both servers.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { type Daemon, type DaemonOptions, startDaemon } from '../../src/daemon/daemon.js';
import { statePath } from '../../src/daemon/state.js';
import { hold } from '../helpers/control.js';
import { tempDir } from '../helpers/devdns.js';
import { addresses, askUdp, isOpen, openTcp, queryBytes } from '../helpers/dns-server.js';
import { assertTcpFree, closeTcp, freePort, listenTcp, portOf } from '../helpers/ports.js';
import { addToHome, eventually } from '../helpers/server.js';

const options = (home: string, more: Partial<DaemonOptions> = {}): DaemonOptions => ({
  home,
  dnsHost: '127.0.0.1',
  dnsPort: 0,
  controlPort: 0,
  version: '0.0.0-test',
  onMessage: () => undefined,
  ...more,
});

/** Runs `run` with a daemon in a fresh home holding myapp.test; stopped, and the home removed, afterwards. */
async function withDaemon(more: Partial<DaemonOptions>, run: (daemon: Daemon, home: string) => Promise<void>): Promise<void> {
  const dir = tempDir();
  try {
    await addToHome(dir.path, { name: 'myapp.test' });
    const daemon = await startDaemon(options(dir.path, more));
    try {
      await run(daemon, dir.path);
    } finally {
      await daemon.stop();
    }
  } finally {
    dir.cleanup();
  }
}

/** GET or POST on the daemon's control port with its token. */
async function control(daemon: Daemon, method: string, path: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`http://127.0.0.1:${daemon.state.control.port}${path}`, {
    method,
    headers: { authorization: `Bearer ${daemon.state.token}`, ...(method === 'POST' ? { 'content-type': 'application/json' } : {}) },
    ...(method === 'POST' ? { body: '{}' } : {}),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe('daemon start and stop', () => {
  it('serves DNS and the control API once started, with the state file written; stop removes it, once', async () => {
    let ports: number[] = [];
    let home = '';
    await withDaemon({}, async (daemon, dir) => {
      home = dir;
      const { state } = daemon;
      ports = [state.dns.port, state.control.port];
      assert.deepEqual(JSON.parse(readFileSync(statePath(home), 'utf8')), state, 'the state file, written once ready');
      assert.equal(state.pid, process.pid);
      assert.match(state.token, /^[0-9a-f]{64}$/);
      const reply = await askUdp(state.dns.port, queryBytes(1));
      assert.ok(reply);
      assert.deepEqual(addresses(reply), ['127.0.0.1']);
      const status = await control(daemon, 'GET', '/status');
      assert.equal(status.status, 200);
      assert.deepEqual([status.body.records, status.body.dns, status.body.controlSocket], [2, state.dns, state.controlSocket ?? null]);
      const first = daemon.stop();
      assert.equal(daemon.stop(), first, 'a second stop waits for the same');
      await first;
      assert.equal(existsSync(statePath(home)), false, 'the state file is removed');
      if (state.controlSocket) assert.equal(existsSync(state.controlSocket), false, 'the socket is removed');
    });
    for (const port of ports) await assertTcpFree(port);
  });

  it('resolves stopRequested on POST /stop', async () => {
    await withDaemon({}, async (daemon) => {
      assert.equal((await control(daemon, 'POST', '/stop')).status, 202);
      await daemon.stopRequested;
    });
  });

  const portCases: Array<[string, (port: number) => Partial<DaemonOptions>]> = [
    ['the DNS port', (port) => ({ dnsPort: port })],
    ['the control port', (port) => ({ controlPort: port })],
  ];
  for (const [what, given] of portCases) {
    it(`fails to start when ${what} is in use, leaving no state, socket or port behind`, async () => {
      const taken = await listenTcp();
      const takenPort = portOf(taken);
      const dnsPort = what === 'the DNS port' ? takenPort : await freePort();
      const dir = tempDir();
      try {
        await assert.rejects(startDaemon(options(dir.path, { dnsPort, ...given(takenPort) })), { code: 'port-in-use' });
        assert.equal(existsSync(statePath(dir.path)), false, 'no state file');
        await closeTcp(taken);
        // Whatever it had bound is free again, the DNS port included when it was not the one taken.
        await assertTcpFree(dnsPort);
        await assertTcpFree(takenPort);
      } finally {
        if (taken.listening) await closeTcp(taken);
        dir.cleanup();
      }
    });
  }
});

describe('daemon limits', () => {
  it('passes its control limits on: a trickling body is cut off at the request deadline', async () => {
    await withDaemon({ controlLimits: { requestTimeoutMs: 300 } }, async (daemon) => {
      const { port } = daemon.state.control;
      const started = Date.now();
      const trickle = hold(
        port,
        `POST /records HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAuthorization: Bearer ${daemon.state.token}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{`,
      );
      const end = await trickle.closed;
      assert.match(end.reply, /^HTTP\/1\.1 408 /);
      assert.ok(end.at - started < 300 + 1_000, `closed after ${end.at - started} ms`);
    });
  });

  it('passes its DNS limits on: an idle TCP connection is closed at its deadline', async () => {
    await withDaemon({ dnsLimits: { tcpIdleMs: 200 } }, async (daemon) => {
      const socket = await openTcp(daemon.state.dns.port);
      try {
        await eventually(() => (isOpen(socket) ? undefined : true), 2_000, 'the idle connection closed');
      } finally {
        socket.destroy();
      }
    });
  });
});
