// End to end: records that end (`--for`), with the built binary and dig. While devdns runs, a
// record is answered until its end and then not, and leaves the file; while devdns is down, a
// record that ends is never served again, and leaves the file when devdns starts.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { recordsFile, runCommand, runDevdns, tempDir } from '../helpers/devdns.js';
import { eventually, type RunningDevdns, startDevdns } from '../helpers/server.js';

const dig = async (port: number, name: string) => {
  const result = await runCommand('dig', ['+tries=1', '+time=2', '-p', String(port), '@127.0.0.1', name, 'A'], {});
  assert.equal(result.code, 0, result.stderr);
  return {
    status: /status: (\w+)/.exec(result.stdout)?.[1],
    answer: result.stdout.match(/^[^;\s].*\sIN\s+A\s+\S+$/gm)?.map((line) => line.split(/\s+/).at(-1)) ?? [],
  };
};

describe('records that end (built binary, dig)', () => {
  let dir: ReturnType<typeof tempDir>;
  let devdns: RunningDevdns | undefined;
  before(() => {
    dir = tempDir();
  });
  after(async () => {
    await devdns?.stop();
    dir.cleanup();
  });

  it('while devdns runs: answered until the end, then NXDOMAIN, and gone from the file and from ls', async () => {
    const home = dir.path;
    assert.equal((await runDevdns(['add', 'keep.test', '127.0.0.1'], { home })).code, 0);
    devdns = await startDevdns(home);
    const port = Number((await devdns.waitFor('stderr', /DNS on 127\.0\.0\.1:(\d+)/))[1]);
    const added = await runDevdns(['add', 'demo.test', '127.0.0.9', '--for', '2s'], { home });
    assert.equal(added.code, 0, added.stderr);
    assert.match(added.stderr, /added demo\.test A 127\.0\.0\.9 \(ttl 5; ends at \d{4}-\d\d-\d\d \d\d:\d\d UTC, in [12]s\)/);
    const listed = await runDevdns(['ls'], { home });
    assert.match(listed.stdout, /^NAME +TYPE +TTL +VALUE +ENDS IN\n/);
    assert.match(listed.stdout, /^demo\.test +A +5 +127\.0\.0\.9 +[012]s$/m);
    assert.match(listed.stdout, /^keep\.test +A +5 +127\.0\.0\.1 +-$/m);
    const json = JSON.parse((await runDevdns(['ls', '--json'], { home })).stdout) as Array<{ name: string; expires?: string }>;
    const expires = json.find((r) => r.name === 'demo.test')?.expires ?? assert.fail('no expires in ls --json');
    assert.deepEqual((await dig(port, 'demo.test')).answer, ['127.0.0.9']);
    const gone = await eventually(async () => ((await dig(port, 'demo.test')).status === 'NXDOMAIN' ? Date.now() : undefined), 8_000);
    assert.ok(gone >= Date.parse(expires), 'not before its end');
    assert.deepEqual((await dig(port, 'keep.test')).answer, ['127.0.0.1']);
    await eventually(
      () => (readFileSync(recordsFile(home), 'utf8').includes('demo.test') ? undefined : true),
      5_000,
      'the file without it',
    );
    assert.doesNotMatch((await runDevdns(['ls'], { home })).stdout, /demo\.test/);
    await devdns.stop();
    devdns = undefined;
  });

  it('while devdns is down: never served after its end, and gone from the file once devdns starts', async () => {
    const home = dir.path;
    const added = await runDevdns(['add', 'brief.test', '127.0.0.8', '--for', '1s'], { home });
    assert.equal(added.code, 0, added.stderr);
    const expires = Date.parse(
      (JSON.parse(readFileSync(recordsFile(home), 'utf8')) as { records: Array<{ name: string; expires?: string }> }).records.find(
        (r) => r.name === 'brief.test',
      )?.expires ?? '',
    );
    assert.ok(Number.isFinite(expires));
    await eventually(() => (Date.now() > expires ? true : undefined), 5_000, 'its end');
    assert.doesNotMatch((await runDevdns(['ls'], { home })).stdout, /brief\.test/, 'ls leaves it out at once');
    assert.match(readFileSync(recordsFile(home), 'utf8'), /brief\.test/, 'still in the file while nothing runs');
    devdns = await startDevdns(home);
    const port = Number((await devdns.waitFor('stderr', /DNS on 127\.0\.0\.1:(\d+)/))[1]);
    assert.equal((await dig(port, 'brief.test')).status, 'NXDOMAIN');
    await eventually(
      () => (readFileSync(recordsFile(home), 'utf8').includes('brief.test') ? undefined : true),
      5_000,
      'the file without it',
    );
    assert.deepEqual((await dig(port, 'keep.test')).answer, ['127.0.0.1']);
  });

  it('refuses a bad --for with a one-line error and a hint, changing nothing', async () => {
    const home = dir.path;
    const before = readFileSync(recordsFile(home), 'utf8');
    const bad = await runDevdns(['add', 'x.test', '127.0.0.1', '--for', '2 weeks'], { home });
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /^devdns: --for: "2 weeks" is not a duration \(use a number and a unit, e\.g\. 30m, 2h, 1h30m or 7d\)\n$/);
    assert.equal(readFileSync(recordsFile(home), 'utf8'), before);
  });
});
