// The README's field lists for the JSON that commands print, read from README.md itself and
// compared with what the built binary prints: editing one side without the other fails here.
// Also what `status` says about a records file it refuses, and `up --json`.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { BIN, recordsFile, runCommand, runDevdns, tempDir } from '../helpers/devdns.js';

const README = readFileSync(fileURLToPath(new URL('../../README.md', import.meta.url)), 'utf8');

/**
 * The field names the README lists in the sentence that starts with `anchor`: backquoted words,
 * leaving out what is in parentheses (examples, values, the shape of a nested object).
 */
function documentedFields(anchor: string): string[] {
  const start = README.indexOf(anchor);
  assert.ok(start >= 0, `README.md has no "${anchor}"`);
  let text = README.slice(start + anchor.length);
  for (let previous = ''; previous !== text; ) {
    previous = text;
    text = text.replace(/\([^()]*\)/g, '');
  }
  const sentence = text.slice(0, text.search(/\.(\s|$)/));
  return [...sentence.matchAll(/`([a-z][A-Za-z]*)`/g)].map((match) => match[1] as string).sort();
}

const keys = (value: object) => Object.keys(value).sort();

describe('the README lists the fields the JSON output has (built binary)', () => {
  it('ls --json, status --json stopped and running, up --json; status explains a refused records file', { timeout: 60_000 }, async () => {
    const dir = tempDir();
    const home = dir.path;
    try {
      const run = async (...args: string[]) => runDevdns(args, { home });
      assert.equal((await run('add', 'myapp.test')).code, 0);

      const ls = await run('ls', '--json');
      const listed = JSON.parse(ls.stdout) as object[];
      assert.ok(listed.length > 0);
      for (const record of listed)
        assert.deepEqual(keys(record), documentedFields('`--json` prints an array of objects with'), 'ls --json');

      const stopped = await run('status', '--json');
      assert.equal(stopped.code, 3);
      assert.deepEqual(keys(JSON.parse(stopped.stdout)), documentedFields('Stopped, `--json` prints'), 'status --json, stopped');

      const up = await run('up', '--json', '--port', '0', '--control-port', '0');
      assert.equal(up.code, 0, up.stderr);
      const started = JSON.parse(up.stdout);
      assert.deepEqual(keys(started), documentedFields('With `--json`, `up` prints'), 'up --json');
      assert.equal(started.alreadyRunning, false);
      const again = JSON.parse((await run('up', '--json')).stdout);
      assert.deepEqual([again.alreadyRunning, again.pid, keys(again)], [true, started.pid, keys(started)]);

      const running = await run('status', '--json');
      assert.equal(running.code, 0, running.stderr);
      const body = JSON.parse(running.stdout);
      assert.deepEqual(keys(body), documentedFields('Running, `--json` prints'), 'status --json, running');
      assert.equal(body.recordsError, null);

      // A broken records file: the running daemon serves the last good records, and status says why.
      writeFileSync(recordsFile(home), '{"version": 1, "records": [');
      const reload = await run('add', 'other.test'); // refused too, and the daemon re-reads the file
      assert.equal(reload.code, 1);
      const broken = await run('status');
      assert.equal(broken.code, 0);
      assert.match(broken.stdout, /^ {2}records +2, the last good ones; the file is refused: .*records\.json: is not valid JSON/m);
      assert.match(broken.stderr, /the daemon serves the last good records: fix .*records\.json/);
      const brokenJson = JSON.parse((await run('status', '--json')).stdout);
      assert.match(brokenJson.recordsError, /records\.json: is not valid JSON/);

      assert.equal((await run('down')).code, 0);
      const down = await run('status');
      assert.equal(down.code, 3);
      assert.match(down.stderr, /records +refused, so devdns up would fail: .*records\.json: is not valid JSON/);
      const downJson = JSON.parse((await run('status', '--json')).stdout);
      assert.deepEqual([downJson.records, typeof downJson.recordsError], [null, 'string']);
    } finally {
      await runDevdns(['down'], { home });
      dir.cleanup();
    }
  });

  it('the systemd unit in "Start at login" is what service install writes', async () => {
    const dir = tempDir();
    try {
      const section = README.slice(README.indexOf('## Start at login'));
      const shown = section.slice(section.indexOf('```ini\n') + 7, section.indexOf('\n```', section.indexOf('```ini')) + 1);
      // The default home (no DEVDNS_HOME), under a home of the test's own: a dry run writes nothing.
      const env = { HOME: dir.path, XDG_CONFIG_HOME: join(dir.path, '.config'), DEVDNS_HOME: undefined };
      const result = await runCommand(process.execPath, [BIN, 'service', 'install', '--dry-run'], {
        ...process.env,
        ...env,
        NO_COLOR: '1',
      });
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stderr, /would write .*\/systemd\/user\/devdns\.service:/);
      // Only where node and devdns are installed differs from machine to machine.
      const execStart = (unit: string) =>
        unit.replace(/^ExecStart="[^"]+"/m, 'ExecStart="NODE"').replace(/ "[^"]*\/bin\/devdns\.js" up /, ' "DEVDNS" up ');
      assert.equal(execStart(result.stdout), execStart(shown));
    } finally {
      dir.cleanup();
    }
  });

  it('up --json with --foreground is refused in one line', async () => {
    const dir = tempDir();
    try {
      const result = await runDevdns(['up', '--json', '--foreground', '--port', '0', '--control-port', '0'], { home: dir.path });
      assert.equal(result.code, 1);
      assert.match(result.stderr, /^devdns: --json: the foreground daemon prints query lines, not one JSON object/);
    } finally {
      dir.cleanup();
    }
  });
});
