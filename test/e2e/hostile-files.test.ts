// End to end: files in the home and files named by the user that devdns did not write are hostile.
// FIFOs, links to /dev/zero, oversized files and another user's files are refused with one line,
// at once, by every command and by the running daemon, which keeps serving its last good records.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { isRoot, runCommand, runDevdns, tempDir } from '../helpers/devdns.js';
import { startDevdns } from '../helpers/server.js';

async function digShort(port: number, name: string): Promise<string> {
  const result = await runCommand(
    'dig',
    ['@127.0.0.1', '-p', String(port), name, 'A', '+short', '+tries=1', '+time=2'],
    process.env,
    10_000,
  );
  return result.stdout.trim();
}

/** Makes `path` hostile in one way; `dir` is scratch space beside it. */
const kinds: Array<[string, (path: string, dir: string) => void, RegExp]> = [
  ['a FIFO', (path) => execFileSync('mkfifo', [path]), /is a named pipe \(FIFO\), not a regular file/],
  ['a link to /dev/zero', (path) => symlinkSync('/dev/zero', path), /is a symbolic link; devdns does not follow links in its home/],
  ['a directory', (path) => mkdirSync(path), /is a directory, not a regular file/],
];

/** Each home file, with a command that must read it. */
const homeFiles: Array<[string, string[]]> = [
  ['records.json', ['ls']],
  ['records.json', ['add', 'x.test', '127.0.0.1']],
  ['settings.json', ['config', 'list']],
  ['links.json', ['links']],
];

describe('hostile files (built binary)', () => {
  for (const [file, args] of homeFiles) {
    for (const [kind, make, message] of kinds) {
      it(`devdns ${args[0]} with ${file} as ${kind}: one line, exit 1, at once`, { skip: process.platform === 'win32' }, async () => {
        const dir = tempDir();
        try {
          const home = join(dir.path, 'home');
          mkdirSync(home, { mode: 0o700 });
          make(join(home, file), dir.path);
          const result = await runDevdns(args, { home, timeoutMs: 10_000 });
          assert.equal(result.code, 1, `exit ${result.code}: ${result.stderr}`);
          const lines = result.stderr.trim().split('\n');
          assert.equal(lines.length, 1, result.stderr);
          assert.match(lines[0] ?? '', new RegExp(`^devdns: ${join(home, file).replaceAll('/', '\\/')}: `));
          assert.match(lines[0] ?? '', message);
        } finally {
          dir.cleanup();
        }
      });
    }
  }

  it('import of a FIFO or of /dev/zero is refused at once', async () => {
    const dir = tempDir();
    try {
      const home = join(dir.path, 'home');
      const fifo = join(dir.path, 'hosts');
      execFileSync('mkfifo', [fifo]);
      for (const path of [fifo, '/dev/zero']) {
        const result = await runDevdns(['import', path, '--format', 'hosts'], { home, timeoutMs: 10_000 });
        assert.equal(result.code, 1, result.stderr);
        assert.match(result.stderr, /not a regular file/);
      }
    } finally {
      dir.cleanup();
    }
  });

  it('logs planted as links in the home: up refuses daemon.log; queries.log is never written through', { timeout: 60_000 }, async () => {
    const dir = tempDir();
    try {
      const home = join(dir.path, 'home');
      assert.equal((await runDevdns(['add', 'app.test', '10.0.0.7'], { home })).code, 0);
      const outside = join(dir.path, 'outside');
      writeFileSync(outside, 'precious\n');
      symlinkSync(outside, join(home, 'daemon.log'));
      const up = await runDevdns(['up', '--port', '0', '--control-port', '0'], { home });
      assert.equal(up.code, 1, up.stderr);
      assert.match(up.stderr, /daemon\.log: is a symbolic link/);
      rmSync(join(home, 'daemon.log'));
      symlinkSync(outside, join(home, 'queries.log'));
      const daemon = await startDevdns(home);
      try {
        assert.equal(await digShort(daemon.port, 'app.test'), '10.0.0.7');
        await daemon.waitFor('stderr', /queries\.log: is a symbolic link/);
      } finally {
        assert.equal(await daemon.stop(), 0);
      }
      assert.equal(readFileSync(outside, 'utf8'), 'precious\n');
    } finally {
      dir.cleanup();
    }
  });

  it('service install with a FIFO where the unit goes: refused at once, not hung', async () => {
    const dir = tempDir();
    try {
      const config = join(dir.path, 'config');
      mkdirSync(join(config, 'systemd', 'user'), { recursive: true });
      const unit = join(config, 'systemd', 'user', 'devdns.service');
      execFileSync('mkfifo', [unit]);
      const result = await runDevdns(['service', 'install', '--platform', 'linux'], {
        home: join(dir.path, 'home'),
        env: { XDG_CONFIG_HOME: config, HOME: dir.path },
        timeoutMs: 10_000,
      });
      assert.equal(result.code, 1, result.stderr);
      assert.match(result.stderr, /devdns\.service: is a named pipe \(FIFO\), not a regular file/);
    } finally {
      dir.cleanup();
    }
  });

  it('a project file committed as a link to /dev/zero: link refuses it; swapped in under the daemon, DNS goes on', {
    timeout: 60_000,
  }, async () => {
    const dir = tempDir();
    const home = join(dir.path, 'home');
    const repo = join(dir.path, 'repo');
    mkdirSync(join(repo, '.git'), { recursive: true });
    const project = join(repo, 'devdns.json');
    symlinkSync('/dev/zero', project);
    const linked = await runDevdns(['link', repo], { home, timeoutMs: 10_000 });
    assert.equal(linked.code, 1, linked.stderr);
    assert.match(linked.stderr, new RegExp(`${project.replaceAll('/', '\\/')}: is a device, not a regular file`));

    // A good file is linked, then replaced by the link (what a git pull does) while the daemon runs.
    rmSync(project);
    writeFileSync(
      project,
      JSON.stringify({ version: 1, zones: { test: {} }, records: [{ name: 'team.test', type: 'A', ttl: 5, address: '10.0.0.5' }] }),
    );
    assert.equal((await runDevdns(['link', repo], { home })).code, 0);
    assert.equal((await runDevdns(['add', 'mine.test', '10.0.0.1'], { home })).code, 0);
    const daemon = await startDevdns(home);
    try {
      assert.equal(await digShort(daemon.port, 'team.test'), '10.0.0.5');
      rmSync(project);
      symlinkSync('/dev/zero', project);
      await daemon.waitFor('stderr', /is a device, not a regular file/);
      assert.equal(await digShort(daemon.port, 'mine.test'), '10.0.0.1');
      const rss = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${daemon.child.pid}/status`, 'utf8'))?.[1]);
      assert.ok(rss < 300 * 1024, `daemon RSS ${rss} KiB`);
    } finally {
      assert.equal(await daemon.stop(), 0);
      dir.cleanup();
    }
  });

  it('records.json swapped for a FIFO, then a link to /dev/zero, under the daemon: it serves the last good records and stops normally', {
    timeout: 60_000,
  }, async () => {
    const dir = tempDir();
    const home = join(dir.path, 'home');
    assert.equal((await runDevdns(['add', 'app.test', '10.0.0.7'], { home })).code, 0);
    const daemon = await startDevdns(home);
    try {
      const records = join(home, 'records.json');
      // Swapped in by rename, as an attacker would: deleting first would let the daemon read a
      // home with no records file at all (no records, which is legitimate) in between.
      const swapped = join(home, 'swapped');
      execFileSync('mkfifo', [swapped]);
      renameSync(swapped, records);
      await daemon.waitFor('stderr', /records\.json: is a named pipe \(FIFO\)/);
      assert.equal(await digShort(daemon.port, 'app.test'), '10.0.0.7');
      symlinkSync('/dev/zero', swapped);
      renameSync(swapped, records);
      await daemon.waitFor('stderr', /records\.json: is a symbolic link/);
      assert.equal(await digShort(daemon.port, 'app.test'), '10.0.0.7');
    } finally {
      // SIGTERM is enough: the daemon is not stuck in open().
      assert.equal(await daemon.stop(), 0);
      dir.cleanup();
    }
  });

  it('another user cannot hand commands their records: a shared home or a planted file is refused', { skip: !isRoot }, async () => {
    const dir = tempDir();
    try {
      const home = join(dir.path, 'home');
      chmodSync(dir.path, 0o755);
      assert.equal((await runDevdns(['add', 'bank.test', '10.0.0.1'], { home })).code, 0);
      // The home opened to everyone: another user replaces the records file.
      chmodSync(home, 0o777);
      const planted = JSON.stringify({
        version: 1,
        serial: 1,
        zones: { test: {} },
        records: [{ name: 'bank.test', type: 'A', ttl: 5, address: '6.6.6.6' }],
      });
      const attacker = await runCommand(
        'runuser',
        [
          '-u',
          'nobody',
          '--',
          'sh',
          '-c',
          `rm -f '${home}/records.json' && printf '%s' '${planted}' > '${home}/records.json' && mkdir '${home}/records.json.lock'`,
        ],
        process.env,
      );
      assert.equal(attacker.code, 0, attacker.stderr);
      const hostsFile = join(dir.path, 'hosts');
      writeFileSync(hostsFile, '127.0.0.1 localhost\n');
      for (const args of [['ls'], ['add', 'x.test'], ['hosts', 'sync', '--hosts-file', hostsFile, '--yes'], ['export']]) {
        const started = Date.now();
        const result = await runDevdns(args, { home });
        // Refused at once, not after waiting on the lock the other user planted.
        assert.ok(Date.now() - started < 5_000, `${args.join(' ')} took ${Date.now() - started} ms`);
        assert.equal(result.code, 1, `${args.join(' ')}: ${result.stderr}`);
        assert.match(result.stderr, /can be written by other users \(mode 777\) \(make it private: chmod 700 /);
        assert.doesNotMatch(result.stdout, /6\.6\.6\.6/);
      }
      assert.equal(readFileSync(hostsFile, 'utf8'), '127.0.0.1 localhost\n');
      // Closed again, the planted file is still not the user's own.
      chmodSync(home, 0o700);
      rmSync(join(home, 'records.json.lock'), { recursive: true });
      const listed = await runDevdns(['ls'], { home });
      assert.equal(listed.code, 1);
      assert.match(listed.stderr, /records\.json: belongs to another user \(uid 65534\)/);
      chownSync(join(home, 'records.json'), 0, 0);
      assert.equal((await runDevdns(['ls'], { home })).code, 0);
    } finally {
      dir.cleanup();
    }
  });

  it('a lock left by a killed writer is taken at once, by its pid, not after a timeout', async () => {
    const dir = tempDir();
    try {
      const home = join(dir.path, 'home');
      assert.equal((await runDevdns(['add', 'a.test'], { home })).code, 0);
      const dead = Number(execFileSync(process.execPath, ['-e', 'console.log(process.pid)'], { encoding: 'utf8' }).trim());
      symlinkSync(`${dead}:-:${hostname()}`, join(home, 'records.json.lock'));
      const started = Date.now();
      const result = await runDevdns(['add', 'b.test'], { home });
      assert.equal(result.code, 0, result.stderr);
      assert.ok(Date.now() - started < 5_000, `add took ${Date.now() - started} ms`);
      assert.match((await runDevdns(['ls'], { home })).stdout, /b\.test/);
    } finally {
      dir.cleanup();
    }
  });

  it('ls of 130,000 records lists them all (no stack overflow)', { timeout: 60_000 }, async () => {
    const dir = tempDir();
    try {
      const home = join(dir.path, 'home');
      mkdirSync(home, { mode: 0o700 });
      const records = Array.from({ length: 130_000 }, (_, i) => ({
        name: `h${i}.test`,
        type: 'A',
        ttl: 5,
        address: `10.${i >> 16}.${(i >> 8) & 255}.${i & 255}`,
      }));
      writeFileSync(join(home, 'records.json'), JSON.stringify({ version: 1, serial: 1, zones: { test: {} }, records }), { mode: 0o600 });
      const listed = await runDevdns(['ls'], { home, timeoutMs: 50_000 });
      assert.equal(listed.code, 0, listed.stderr);
      assert.equal(listed.stdout.trim().split('\n').length, 130_001);
    } finally {
      dir.cleanup();
    }
  });
});
