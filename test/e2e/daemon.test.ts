// End to end: the background daemon and its control API, driven by the built binary as a user
// would, with a temporary home and ephemeral ports, and stopped in `finally`.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { type DaemonState, processAlive } from '../../src/daemon/state.js';
import { serviceName } from '../../src/os/service-files.js';
import { fileBytes, isRoot, recordsFile, runCommand, runDevdns, tempDir } from '../helpers/devdns.js';
import { freePort } from '../helpers/ports.js';
import { eventually } from '../helpers/server.js';

const statePath = (home: string) => join(home, 'daemon.json');
const readState = (home: string) => JSON.parse(readFileSync(statePath(home), 'utf8')) as DaemonState;

/** A temporary home with a daemon on ephemeral ports; always stopped afterwards. */
async function withDaemon(run: (home: string, state: DaemonState) => Promise<void>, args: string[] = []): Promise<void> {
  const dir = tempDir();
  try {
    const started = Date.now();
    const up = await runDevdns(['up', '--port', '0', '--control-port', '0', ...args], { home: dir.path });
    assert.equal(up.code, 0, up.stderr);
    // The CLI returns at once even with its output piped: the daemon holds none of its pipes.
    assert.ok(Date.now() - started < 5_000, `devdns up took ${Date.now() - started} ms`);
    await run(dir.path, readState(dir.path));
  } finally {
    await runDevdns(['down'], { home: dir.path });
    dir.cleanup();
  }
}

async function dig(state: DaemonState, ...args: string[]): Promise<string> {
  const result = await runCommand(
    'dig',
    ['@127.0.0.1', '-p', String(state.dns.port), '+norec', '+time=1', '+tries=1', ...args],
    process.env,
  );
  return result.stdout;
}

interface HttpResult {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: { error?: { code: string } } & Record<string, unknown>;
}

/** A raw request to the control API with exactly the headers given. */
function api(state: DaemonState, method: string, path: string, headers: Record<string, string>, body?: string): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    // Node sends a DELETE body without a length unless told; a real client sends one.
    const length = body === undefined ? {} : { 'content-length': String(Buffer.byteLength(body)) };
    const req = request(
      { host: '127.0.0.1', port: state.control.port, method, path, headers: { ...length, ...headers }, setHost: false },
      (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (chunk: string) => {
          text += chunk;
        });
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text ? JSON.parse(text.split('\n')[0] ?? '{}') : {} }),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}
const good = (state: DaemonState, extra: Record<string, string> = {}) => ({
  host: `127.0.0.1:${state.control.port}`,
  authorization: `Bearer ${state.token}`,
  ...extra,
});
const json = { 'content-type': 'application/json' };

describe('devdns up, status, down (built binary)', () => {
  it('up, status, up again, down, down again', async () => {
    const dir = tempDir();
    try {
      const up = await runDevdns(['up', '--port', '0', '--control-port', '0'], { home: dir.path });
      assert.equal(up.code, 0, up.stderr);
      const state = readState(dir.path);
      assert.match(up.stderr, new RegExp(`devdns is running \\(pid ${state.pid}\\)`));
      assert.match(up.stderr, new RegExp(`DNS +127\\.0\\.0\\.1:${state.dns.port} \\(UDP and TCP\\)`));
      assert.match(up.stderr, new RegExp(`control +http://127\\.0\\.0\\.1:${state.control.port}`));
      assert.match(up.stderr, /log +.*daemon\.log/);
      assert.equal(statSync(statePath(dir.path)).mode & 0o777, 0o600, 'the state file is private');
      assert.equal(statSync(dir.path).mode & 0o777, 0o700, 'in a private directory');
      assert.equal(state.token.length, 64);
      assert.equal(state.controlSocket, join(dir.path, 'control.sock'), 'the state names the control socket');
      assert.equal(statSync(join(dir.path, 'control.sock')).mode & 0o777, 0o600, 'which only the user can open');

      const status = await runDevdns(['status', '--json'], { home: dir.path });
      assert.equal(status.code, 0);
      const body = JSON.parse(status.stdout) as Record<string, unknown>;
      assert.equal(body.running, true);
      assert.equal(body.pid, state.pid);
      assert.deepEqual(body.dns, { host: '127.0.0.1', port: state.dns.port });
      assert.deepEqual(body.control, { host: '127.0.0.1', port: state.control.port });
      assert.equal(body.records, 0);
      assert.equal(body.controlSocket, state.controlSocket);
      const human = await runDevdns(['status'], { home: dir.path });
      assert.match(human.stdout, /^devdns is running\n {2}pid +\d+\n {2}uptime/);
      assert.match(human.stdout, new RegExp(`\n {2}socket +${state.controlSocket}`));

      const again = await runDevdns(['up', '--port', '0', '--control-port', '0'], { home: dir.path });
      assert.equal(again.code, 0);
      assert.match(again.stderr, new RegExp(`already running \\(pid ${state.pid}\\)`));
      assert.doesNotMatch(again.stderr, /not applied/);
      const elsewhere = await runDevdns(['start', '--port', String(state.dns.port + 1)], { home: dir.path });
      assert.equal(elsewhere.code, 0);
      assert.match(
        elsewhere.stderr,
        new RegExp(
          `--port ${state.dns.port + 1} not applied: devdns is already running with --port ${state.dns.port} \\(to move it: devdns restart --port ${state.dns.port + 1}\\)`,
        ),
      );

      const token = await runDevdns(['token'], { home: dir.path });
      assert.equal(token.stdout, `${state.token}\n`);

      const down = await runDevdns(['down'], { home: dir.path });
      assert.equal(down.code, 0);
      assert.match(down.stderr, new RegExp(`devdns stopped \\(pid ${state.pid}\\)`));
      assert.equal(processAlive(state.pid), false, 'the daemon is gone');
      assert.equal(fileBytes(statePath(dir.path)), undefined, 'its state file is removed');
      assert.throws(() => statSync(join(dir.path, 'control.sock')), /ENOENT/, 'and its socket');
      // Both ports are free again.
      const reuse = await runDevdns(['up', '--port', String(state.dns.port), '--control-port', String(state.control.port)], {
        home: dir.path,
      });
      assert.equal(reuse.code, 0, reuse.stderr);
      assert.equal((await runDevdns(['down'], { home: dir.path })).code, 0);

      const downAgain = await runDevdns(['down'], { home: dir.path });
      assert.deepEqual([downAgain.code, downAgain.stderr], [0, 'devdns is not running\n']);
      const stopped = await runDevdns(['status', '--json'], { home: dir.path });
      assert.equal(stopped.code, 3);
      assert.equal((JSON.parse(stopped.stdout) as { running: boolean }).running, false);
      assert.equal((await runDevdns(['token'], { home: dir.path })).code, 3);
    } finally {
      await runDevdns(['down'], { home: dir.path });
      dir.cleanup();
    }
  });

  it('restart uses the settings, not the flags of the last start, and says which flag it dropped', async () => {
    await withDaemon(async (home, state) => {
      // Started with --port 0 --control-port 0; the ports are now set with devdns config.
      const [dnsPort, controlPort] = [await freePort(), await freePort()];
      for (const [key, value] of [
        ['dns.port', dnsPort],
        ['control.port', controlPort],
      ] as const) {
        const set = await runDevdns(['config', 'set', key, String(value)], { home });
        assert.equal(set.code, 0, set.stderr);
        assert.match(set.stderr, /devdns restart/);
      }
      const restart = await runDevdns(['restart'], { home });
      assert.equal(restart.code, 0, restart.stderr);
      assert.match(
        restart.stderr,
        new RegExp(`the last start's DNS port, ${state.dns.port}, came from --port; restart uses ${dnsPort} from the settings`),
      );
      assert.doesNotMatch(restart.stderr, /was a flag/, 'the flag was --port 0, not the port it chose');
      const after = readState(home);
      assert.notEqual(after.pid, state.pid);
      assert.deepEqual([after.dns.port, after.control.port], [dnsPort, controlPort]);
      assert.notEqual(after.token, state.token, 'the token rotates');
      // A flag given again wins for that run.
      const flagged = await runDevdns(['restart', '--port', '0'], { home });
      assert.equal(flagged.code, 0, flagged.stderr);
      assert.notEqual(readState(home).dns.port, dnsPort);
      assert.equal(readState(home).control.port, controlPort);
    });
  });

  it('answers a name added while it runs within 100 ms of devdns add returning', async () => {
    await withDaemon(async (home, state) => {
      const add = await runDevdns(['add', 'fresh.test', '10.7.7.7'], { home });
      assert.equal(add.code, 0, add.stderr);
      const returned = Date.now();
      const answer = await dig(state, '+short', 'fresh.test');
      assert.equal(answer.trim(), '10.7.7.7');
      assert.ok(Date.now() - returned < 100 + 50, 'answered on the first try'); // dig itself takes some ms
      const rm = await runDevdns(['rm', 'fresh.test'], { home });
      assert.equal(rm.code, 0);
      assert.match(await dig(state, 'fresh.test'), /status: NXDOMAIN/);
    });
  });

  it('takes the seed project\'s POST /records {"domain", "ip"} and answers it', async () => {
    await withDaemon(async (_home, state) => {
      const posted = await api(state, 'POST', '/records', good(state, json), JSON.stringify({ domain: 'seed.test', ip: '127.0.0.9' }));
      assert.equal(posted.status, 201);
      assert.deepEqual(posted.body.added, [{ name: 'seed.test', type: 'A', ttl: 5, value: '127.0.0.9', zone: 'test' }]);
      assert.equal((await dig(state, '+short', 'seed.test')).trim(), '127.0.0.9');
      const own = await api(
        state,
        'POST',
        '/records',
        good(state, json),
        JSON.stringify({ name: 'shop.test', type: 'MX', value: 'mail.shop.test', priority: 10 }),
      );
      assert.equal(own.status, 201);
      const again = await api(state, 'POST', '/records', good(state, json), JSON.stringify({ domain: 'seed.test', ip: '127.0.0.9' }));
      assert.equal(again.status, 200, `an identical record is a no-op: ${JSON.stringify(again.body)}`);
      const listed = await api(state, 'GET', '/records', good(state));
      assert.deepEqual(
        (listed.body as unknown as Array<{ name: string }>).map((r) => r.name),
        ['seed.test', 'shop.test'],
      );
      const invalid = await api(state, 'POST', '/records', good(state, json), JSON.stringify({ domain: 'bad.test', ip: '256.1.1.1' }));
      assert.equal(invalid.status, 400);
      assert.equal(invalid.body.error?.code, 'invalid-record');
      const removed = await api(state, 'DELETE', '/records', good(state, json), JSON.stringify({ name: 'seed.test' }));
      assert.equal(removed.status, 200);
      assert.match(await dig(state, 'seed.test'), /status: NXDOMAIN/);
      const missing = await api(state, 'DELETE', '/records', good(state, json), JSON.stringify({ name: 'seed.test' }));
      assert.equal(missing.status, 404);
      assert.equal(missing.body.error?.code, 'no-match');
    });
  });

  it('detects a daemon killed with -9, cleans its state file, and starts again', async () => {
    await withDaemon(async (home, state) => {
      process.kill(state.pid, 'SIGKILL');
      await eventually(() => (processAlive(state.pid) ? undefined : true));
      const status = await runDevdns(['status'], { home });
      assert.equal(status.code, 3);
      assert.match(status.stderr, new RegExp(`removed a stale state file \\(devdns pid ${state.pid} is not running\\)`));
      assert.equal(fileBytes(statePath(home)), undefined);
      const up = await runDevdns(['up', '--port', '0', '--control-port', '0'], { home });
      assert.equal(up.code, 0, up.stderr);
    });
  });

  it('reports a port in use: which port, that another devdns holds it, and the fix', async () => {
    await withDaemon(async (_home, state) => {
      const other = tempDir();
      try {
        const dns = await runDevdns(['up', '--port', String(state.dns.port), '--control-port', '0'], { home: other.path });
        assert.equal(dns.code, 1);
        assert.match(
          dns.stderr,
          new RegExp(
            `^devdns: UDP port ${state.dns.port} on 127\\.0\\.0\\.1 is in use by another devdns \\(pid ${state.pid}\\) \\(.*--port.*\\)\\n$`,
          ),
        );
        const control = await runDevdns(['up', '--port', '0', '--control-port', String(state.control.port)], { home: other.path });
        assert.equal(control.code, 1);
        assert.match(control.stderr, new RegExp(`control \\(TCP\\) port ${state.control.port} .* by another devdns .*--control-port`));
        assert.equal(fileBytes(statePath(other.path)), undefined, 'nothing is left half-started');
        const status = await runDevdns(['status'], { home: other.path });
        assert.equal(status.code, 3);
      } finally {
        other.cleanup();
      }
    });
  });

  it('fails to start on a broken records file, with the reason, leaving nothing behind', async () => {
    const dir = tempDir();
    try {
      writeFileSync(recordsFile(dir.path), '{"version": 1, "records": [');
      const up = await runDevdns(['up', '--port', '0', '--control-port', '0'], { home: dir.path });
      assert.equal(up.code, 1);
      assert.match(up.stderr, /^devdns: .*records\.json: is not valid JSON: line 1, column 28/);
      assert.match(up.stderr, /daemon\.log/);
      assert.equal(fileBytes(statePath(dir.path)), undefined);
    } finally {
      dir.cleanup();
    }
  });
});

describe('the control API refuses what it must (built binary)', () => {
  it('refuses every hostile request with a JSON error and changes nothing', async () => {
    await withDaemon(async (home, state) => {
      await runDevdns(['add', 'keep.test'], { home });
      const before = fileBytes(recordsFile(home));
      const record = JSON.stringify({ name: 'evil.test', value: '10.6.6.6' });
      const cases: Array<[string, Promise<HttpResult>, number, string]> = [
        ['no token', api(state, 'GET', '/status', { host: `127.0.0.1:${state.control.port}` }), 401, 'unauthorized'],
        ['a wrong token', api(state, 'GET', '/status', good(state, { authorization: `Bearer ${'0'.repeat(64)}` })), 401, 'unauthorized'],
        ['a short token', api(state, 'GET', '/status', good(state, { authorization: 'Bearer x' })), 401, 'unauthorized'],
        [
          'the token in the query string',
          api(state, 'GET', `/status?token=${state.token}`, { host: `127.0.0.1:${state.control.port}` }),
          401,
          'unauthorized',
        ],
        ['a rebinding Host', api(state, 'GET', '/status', good(state, { host: `evil.example:${state.control.port}` })), 421, 'bad-host'],
        ['a Host with another port', api(state, 'GET', '/status', good(state, { host: '127.0.0.1:80' })), 421, 'bad-host'],
        [
          'an Origin',
          api(state, 'POST', '/records', good(state, { ...json, origin: 'https://evil.example' }), record),
          403,
          'origin-refused',
        ],
        ['a null Origin', api(state, 'GET', '/status', good(state, { origin: 'null' })), 403, 'origin-refused'],
        [
          'text/plain JSON',
          api(state, 'POST', '/records', good(state, { 'content-type': 'text/plain' }), record),
          415,
          'unsupported-media-type',
        ],
        [
          'a form body',
          api(state, 'POST', '/records', good(state, { 'content-type': 'application/x-www-form-urlencoded' }), 'name=evil.test'),
          415,
          'unsupported-media-type',
        ],
        [
          'a 100 KB body',
          api(state, 'POST', '/records', good(state, json), JSON.stringify({ name: 'x'.repeat(100_000) })),
          413,
          'body-too-large',
        ],
        [
          '__proto__ keys',
          api(state, 'POST', '/records', good(state, json), '{"name": "evil.test", "__proto__": {"admin": true}}'),
          400,
          'forbidden-key',
        ],
        [
          'nested constructor keys',
          api(state, 'POST', '/records', good(state, json), '{"name": "evil.test", "x": {"constructor": {}}}'),
          400,
          'forbidden-key',
        ],
        ['malformed JSON', api(state, 'POST', '/records', good(state, json), '{"name": '), 400, 'invalid-json'],
        ['a JSON array', api(state, 'POST', '/records', good(state, json), '[]'), 400, 'invalid-body'],
        [
          'an unknown field',
          api(state, 'POST', '/records', good(state, json), '{"name": "evil.test", "admin": true}'),
          400,
          'invalid-record',
        ],
        ['an unknown route', api(state, 'GET', '/admin', good(state)), 404, 'not-found'],
        ['GET on a POST route', api(state, 'GET', '/stop', good(state)), 405, 'method-not-allowed'],
        ['PUT on records', api(state, 'PUT', '/records', good(state, json), record), 405, 'method-not-allowed'],
        [
          'OPTIONS preflight',
          api(state, 'OPTIONS', '/records', good(state, { origin: 'https://evil.example', 'access-control-request-method': 'POST' })),
          403,
          'origin-refused',
        ],
      ];
      for (const [title, pending, status, code] of cases) {
        const result = await pending;
        assert.equal(result.status, status, title);
        assert.equal(result.body.error?.code, code, title);
        assert.ok(!Object.keys(result.headers).some((name) => name.startsWith('access-control-')), `${title}: no CORS headers`);
      }
      const allow = (await api(state, 'GET', '/stop', good(state))).headers.allow;
      assert.equal(allow, 'POST');
      assert.deepEqual(fileBytes(recordsFile(home)), before, 'the records file is unchanged');
      assert.match(await dig(state, 'evil.test'), /status: NXDOMAIN/);
      assert.equal((await runDevdns(['status'], { home })).code, 0, 'the daemon is still up');
    });
  });
});

/** A slowloris as another user: connections to the TCP control port that send headers a byte a second. */
const SLOWLORIS = `
const net = require('node:net');
const [port, count] = process.argv.slice(1).map(Number);
const stopAt = Date.now() + 60000;
let open = 0, reported = false, made = 0;
function hold() {
  if (Date.now() > stopAt || made >= 20000) return;
  made += 1;
  const socket = net.connect({ host: '127.0.0.1', port });
  socket.on('error', () => undefined);
  socket.on('connect', () => {
    open += 1;
    socket.write('GET /status HTTP/1.1\\r\\nHost: 127.0.0.1:' + port + '\\r\\n');
    if (open >= count && !reported) { reported = true; console.log('holding'); }
  });
  const drip = setInterval(() => socket.write('X'), 1000);
  socket.on('close', () => { clearInterval(drip); open -= 1; setTimeout(hold, 5); });
}
for (let i = 0; i < count; i += 1) hold();
process.stdin.on('end', () => process.exit(0)).resume();
setTimeout(() => process.exit(0), 60000);
`;

describe('the control channel belongs to its user (built binary, as root)', { skip: !isRoot && 'needs root for runuser' }, () => {
  it('another user cannot open the control socket, even in a home it may enter; the owner can', async () => {
    await withDaemon(async (home, state) => {
      const socketPath = state.controlSocket ?? '';
      const tryConnect = `require('node:net').connect(${JSON.stringify(socketPath)}).on('connect', () => { console.log('connected'); process.exit(0); }).on('error', (e) => console.log(e.code))`;
      const denied = await runCommand('runuser', ['-u', 'nobody', '--', process.execPath, '-e', tryConnect], process.env);
      assert.equal(denied.stdout.trim(), 'EACCES', denied.stderr);
      // A home others may pass through: the socket's own mode (0600) still keeps them out.
      chmodSync(home, 0o711);
      const stillDenied = await runCommand('runuser', ['-u', 'nobody', '--', process.execPath, '-e', tryConnect], process.env);
      assert.equal(stillDenied.stdout.trim(), 'EACCES', stillDenied.stderr);
      chmodSync(home, 0o700);
      const status = await runDevdns(['status'], { home });
      assert.equal(status.code, 0, status.stderr);
    });
  });

  it("a TCP slowloris from another user stops neither the owner's status and add, nor a TCP client", { timeout: 60_000 }, async () => {
    await withDaemon(async (home, state) => {
      const attacker = spawn('runuser', ['-u', 'nobody', '--', process.execPath, '-e', SLOWLORIS, String(state.control.port), '200'], {
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      let out = '';
      attacker.stdout.setEncoding('utf8').on('data', (chunk: string) => {
        out += chunk;
      });
      try {
        await eventually(() => (out.includes('holding') ? true : undefined), 15_000, 'the slowloris to hold its connections');
        const status = await runDevdns(['status', '--json'], { home, timeoutMs: 10_000 });
        assert.equal(status.code, 0, status.stderr);
        const add = await runDevdns(['add', 'held.test', '10.9.9.9'], { home, timeoutMs: 10_000 });
        assert.equal(add.code, 0, add.stderr);
        assert.doesNotMatch(add.stderr, /did not reload/);
        assert.equal((await dig(state, '+short', 'held.test')).trim(), '10.9.9.9');
        // Over TCP too: the holder that waited longest makes room, or the answer is a prompt 503.
        const tcp = await eventually(
          async () => {
            const answer = await api(state, 'GET', '/status', good(state)).catch(() => undefined);
            if (answer !== undefined) assert.ok([200, 503].includes(answer.status), `answered ${answer.status}`);
            return answer?.status === 200 ? answer : undefined;
          },
          10_000,
          'a TCP client to get through',
        );
        assert.equal(tcp.body.pid, state.pid);
      } finally {
        attacker.stdin.end();
        attacker.kill();
      }
    });
  });
});

describe('the control API under a flood (built binary)', () => {
  it('answers each of 1,000 concurrent POSTs (2xx, or 503 with Retry-After) and stays bounded in memory', { timeout: 60_000 }, async () => {
    await withDaemon(async (_home, state) => {
      const body = JSON.stringify({ domain: 'flood.test', ip: '127.0.0.1' });
      const answers = await Promise.all(
        Array.from(
          { length: 1_000 },
          () =>
            new Promise<string>((resolve) => {
              const req = request(
                {
                  host: '127.0.0.1',
                  port: state.control.port,
                  method: 'POST',
                  path: '/records',
                  agent: false,
                  headers: { ...good(state, json), 'content-length': String(body.length) },
                },
                (res) => {
                  res.resume();
                  res.on('end', () => resolve(res.statusCode === 503 ? `503 retry-after ${res.headers['retry-after']}` : 'ok'));
                },
              );
              req.on('error', (error: NodeJS.ErrnoException) => resolve(`error ${error.code}`));
              req.end(body);
            }),
        ),
      );
      const counts: Record<string, number> = {};
      for (const answer of answers) counts[answer] = (counts[answer] ?? 0) + 1;
      assert.equal((counts.ok ?? 0) + (counts['503 retry-after 1'] ?? 0), 1_000, JSON.stringify(counts));
      const peak = Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${state.pid}/status`, 'utf8'))?.[1]);
      assert.ok(peak < 120 * 1024, `the daemon peaked at ${Math.round(peak / 1024)} MiB`);
    });
  });
});

describe('writers stay serialised (built binary)', () => {
  it('50 concurrent CLI adds and 50 concurrent API posts leave exactly 100 records, each answered', { timeout: 120_000 }, async () => {
    await withDaemon(async (home, state) => {
      const cli = Array.from({ length: 50 }, (_, i) => runDevdns(['add', `cli${i}.test`, `10.1.0.${i + 1}`], { home, timeoutMs: 90_000 }));
      const posts = Array.from({ length: 50 }, (_, i) =>
        api(state, 'POST', '/records', good(state, json), JSON.stringify({ domain: `api${i}.test`, ip: `10.2.0.${i + 1}` })),
      );
      const [cliResults, postResults] = await Promise.all([Promise.all(cli), Promise.all(posts)]);
      for (const result of cliResults) {
        assert.equal(result.code, 0, result.stderr);
        assert.match(result.stderr, /^added cli\d+\.test A 10\.1\.0\.\d+ \(ttl 5\)\n$/);
      }
      for (const result of postResults) assert.equal(result.status, 201, JSON.stringify(result.body));
      const listed = JSON.parse((await runDevdns(['ls', '--json'], { home })).stdout) as Array<{ name: string }>;
      assert.equal(listed.length, 100);
      assert.equal(new Set(listed.map((r) => r.name)).size, 100);
      // The file holds them too, as one write after another left it (no change lost between writers).
      const file = JSON.parse(readFileSync(join(home, 'records.json'), 'utf8')) as { records: unknown[] };
      assert.equal(file.records.length, 100);
      assert.equal((await dig(state, '+short', 'api49.test')).trim(), '10.2.0.50');
      assert.equal((await dig(state, '+short', 'cli49.test')).trim(), '10.1.0.50');
    });
  });

  it('an add the daemon took but did not answer is not written again by the command', { timeout: 60_000 }, async () => {
    await withDaemon(async (home, state) => {
      assert.equal((await runDevdns(['add', 'early.test', '10.4.0.2'], { home })).code, 0);
      process.kill(state.pid, 'SIGSTOP');
      let result: Awaited<ReturnType<typeof runDevdns>>;
      try {
        result = await runDevdns(['add', 'late.test', '10.4.0.1'], { home, timeoutMs: 30_000 });
        // The command did not write the file itself: the change is the stopped daemon's to make.
        assert.ok(!readFileSync(join(home, 'records.json'), 'utf8').includes('late.test'));
      } finally {
        process.kill(state.pid, 'SIGCONT');
      }
      assert.equal(result.code, 1);
      assert.match(result.stderr, /did not answer.*the change may or may not have been made \(see what is there with devdns ls NAME/);
      await eventually(() => (readFileSync(join(home, 'records.json'), 'utf8').includes('late.test') ? true : undefined));
      const listed = JSON.parse((await runDevdns(['ls', '--json', 'late.test'], { home })).stdout) as unknown[];
      assert.equal(listed.length, 1);
    });
  });

  it('a change sent to the daemon is made once: add again is unchanged, rm then says no match', async () => {
    await withDaemon(async (home) => {
      assert.equal((await runDevdns(['add', 'once.test', '10.3.0.1'], { home })).code, 0);
      const again = await runDevdns(['add', 'once.test', '10.3.0.1'], { home });
      assert.equal(again.code, 0, again.stderr);
      assert.match(again.stderr, /once\.test A 10\.3\.0\.1 exists already; nothing added/);
      assert.match((await runDevdns(['rm', 'once.test'], { home })).stderr, /^removed once\.test A 10\.3\.0\.1\n$/);
      const gone = await runDevdns(['rm', 'once.test'], { home });
      assert.equal(gone.code, 1);
      assert.match(gone.stderr, /no record matches once\.test/);
    });
  });
});

describe('query log and resolve (built binary)', () => {
  it('logs shows the queries dig made; resolve says which record answered', async () => {
    await withDaemon(async (home, state) => {
      await runDevdns(['add', '*.shop.test', '127.0.0.3'], { home });
      await runDevdns(['add', 'myapp.test'], { home });
      await dig(state, 'myapp.test', 'A');
      await dig(state, 'gone.test', 'AAAA');
      await dig(state, 'Deep.Shop.Test', 'A');
      const logs = await runDevdns(['logs', '--json', '-n', '10'], { home });
      assert.equal(logs.code, 0, logs.stderr);
      const entries = logs.stdout
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as Record<string, unknown>);
      assert.deepEqual(
        entries.map((e) => [e.name, e.type, e.rcode, e.answer, e.source]),
        [
          ['myapp.test', 'A', 'NOERROR', ['A 127.0.0.1'], 'record'],
          ['gone.test', 'AAAA', 'NXDOMAIN', [], 'record'],
          ['Deep.Shop.Test', 'A', 'NOERROR', ['A 127.0.0.3'], 'record'],
        ],
      );
      for (const entry of entries) {
        assert.match(String(entry.client), /^127\.0\.0\.1#\d+$/);
        assert.equal(typeof entry.micros, 'number');
        assert.ok(!Number.isNaN(Date.parse(String(entry.time))));
      }
      const table = await runDevdns(['logs', '-n', '1'], { home });
      assert.match(
        table.stdout,
        /^\d\d:\d\d:\d\d\.\d{3}\t127\.0\.0\.1#\d+\tDeep\.Shop\.Test\tA\tNOERROR\tA 127\.0\.0\.3\t\d+µs\trecord\n$/,
      );

      const wildcard = await runDevdns(['resolve', 'anything.shop.test'], { home });
      assert.equal(wildcard.code, 0);
      assert.match(
        wildcard.stdout,
        /^anything\.shop\.test A: NOERROR\n {2}anything\.shop\.test A 127\.0\.0\.3\n {2}from wildcard \*\.shop\.test\n$/,
      );
      const exact = await runDevdns(['resolve', 'myapp.test', 'aaaa'], { home });
      assert.match(exact.stdout, /myapp\.test AAAA ::1\n {2}from record myapp\.test/);
      const missing = await runDevdns(['resolve', 'nope.test'], { home });
      assert.match(missing.stdout, /nope\.test A: NXDOMAIN/);
      assert.equal(missing.code, 1, 'no answer is a failure a script can test');
      const noType = await runDevdns(['resolve', 'myapp.test', 'MX', '--json'], { home });
      assert.deepEqual([noType.code, JSON.parse(noType.stdout).rcode], [1, 'NOERROR']);

      // The query log file outlives the daemon: logs reads it when the daemon is down.
      await runDevdns(['down'], { home });
      const offline = await runDevdns(['logs', '-n', '2', '--json'], { home });
      assert.equal(offline.code, 0);
      assert.match(offline.stderr, /not running/);
      assert.equal(offline.stdout.trim().split('\n').length, 2);
      assert.equal((await runDevdns(['resolve', 'myapp.test'], { home })).code, 3);
    });
  });

  it('logs -f streams queries as they come', async () => {
    await withDaemon(async (home, state) => {
      await runDevdns(['add', 'follow.test'], { home });
      const { spawn } = await import('node:child_process');
      const { BIN } = await import('../helpers/devdns.js');
      const child = spawn(process.execPath, [BIN, 'logs', '-f', '--json', '-n', '1'], {
        env: { ...process.env, DEVDNS_HOME: home },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
        out += chunk;
      });
      try {
        // Keep asking until the stream is open and has shown the query.
        await eventually(
          async () => {
            await dig(state, 'follow.test');
            return out.includes('"name":"follow.test"') ? true : undefined;
          },
          5_000,
          'a streamed query',
        );
      } finally {
        child.kill('SIGINT');
      }
    });
  });
});

describe('devdns service (built binary)', () => {
  it('writes and removes a systemd user unit or launchd agent; --dry-run changes nothing', async () => {
    const dir = tempDir();
    try {
      const env = { HOME: dir.path, XDG_CONFIG_HOME: '' };
      // A home other than the default one: its unit carries a hash of its path.
      const { unit: unitName, label } = serviceName(join(dir.path, 'devdns'));
      const unitPattern = unitName.replace('.', '\\.');
      const dryLinux = await runDevdns(['service', 'install', '--dry-run', '--platform', 'linux'], { home: join(dir.path, 'devdns'), env });
      assert.equal(dryLinux.code, 0, dryLinux.stderr);
      assert.match(dryLinux.stderr, new RegExp(`would write ${dir.path}/\\.config/systemd/user/${unitPattern}`));
      assert.match(dryLinux.stdout, /^ExecStart=".*node.*" ".*bin\/devdns\.js" up --foreground$/m);
      assert.match(dryLinux.stdout, /^Environment="DEVDNS_HOME=.*devdns"$/m);
      assert.match(dryLinux.stdout, /^WantedBy=default\.target$/m);
      assert.match(dryLinux.stderr, new RegExp(`systemctl --user enable --now ${unitPattern}`));
      const dryMac = await runDevdns(['service', 'install', '--dry-run', '--platform', 'darwin'], { home: join(dir.path, 'devdns'), env });
      assert.match(dryMac.stderr, new RegExp(`Library/LaunchAgents/${label.replace(/\./g, '\\.')}\\.plist`));
      assert.match(dryMac.stdout, /<string>up<\/string>\s*<string>--foreground<\/string>/);
      assert.match(dryMac.stdout, /<key>RunAtLoad<\/key>\s*<true\/>/);
      assert.equal(fileBytes(join(dir.path, '.config')), undefined, 'a dry run writes nothing');

      const install = await runDevdns(['service', 'install', '--platform', 'linux'], { home: join(dir.path, 'devdns'), env });
      assert.equal(install.code, 0, install.stderr);
      const unit = join(dir.path, '.config', 'systemd', 'user', unitName);
      assert.match(readFileSync(unit, 'utf8'), /ExecStart=/);
      const uninstall = await runDevdns(['service', 'uninstall', '--platform', 'linux'], { home: join(dir.path, 'devdns'), env });
      assert.equal(uninstall.code, 0, uninstall.stderr);
      assert.equal(fileBytes(unit), undefined);
      const twice = await runDevdns(['service', 'uninstall', '--platform', 'linux'], { home: join(dir.path, 'devdns'), env });
      assert.equal(twice.code, 0);
      assert.match(twice.stderr, /no devdns service is installed/);
    } finally {
      dir.cleanup();
    }
  });
});
