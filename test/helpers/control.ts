// A control server in-process for tests: port 0, a socket in a temp dir, fake handlers, given limits.
import { join } from 'node:path';
import { type ControlLimits, type ControlServer, type Handlers, startControlServer } from '../../src/control/server.js';
import { tempDir } from './devdns.js';

export const TEST_TOKEN = 'a'.repeat(64);
const ok = () => ({ status: 200, body: { ok: true } });

export function fakeHandlers(overrides: Partial<Handlers> = {}): Handlers {
  return {
    status: ok,
    listRecords: ok,
    addRecord: async () => {
      await new Promise((resolve) => setImmediate(resolve));
      return { status: 201, body: { added: [] } };
    },
    removeRecords: ok,
    reload: ok,
    queries: ok,
    resolve: ok,
    stop: ok,
    ...overrides,
  };
}

/** Runs `run` against a fresh server, closed (and its socket removed) afterwards. */
export async function withControlServer(
  limits: Partial<ControlLimits>,
  run: (server: ControlServer, socketPath: string) => Promise<void>,
  handlers: Partial<Handlers> = {},
): Promise<void> {
  const dir = tempDir();
  const socketPath = join(dir.path, 'control.sock');
  const server = await startControlServer({
    host: '127.0.0.1',
    port: 0,
    socket: { path: socketPath },
    token: TEST_TOKEN,
    handlers: fakeHandlers(handlers),
    limits,
  });
  try {
    await run(server, socketPath);
  } finally {
    await server.close();
    dir.cleanup();
  }
}
