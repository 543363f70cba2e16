// `devdns import`'s report, as a user reads it: added then updated lines, skipped lines and the
// summary; and a bad last line, after many good ones, writes nothing. The report lines are made
// one at a time as they are printed (import.ts), so these pin down what they say and in what order.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { RecordStore } from '../../src/store/record-store.js';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/devdns.js';

describe('devdns import report', () => {
  let dir: ReturnType<typeof tempDir>;
  let env: Record<string, string>;
  const file = (name: string, text: string) => {
    const path = join(dir.path, name);
    writeFileSync(path, text);
    return path;
  };
  const served = () => new RecordStore(join(dir.path, 'home')).read().records.map((r) => `${r.name} ${r.ttl}`);
  beforeEach(() => {
    dir = tempDir();
    env = { DEVDNS_HOME: join(dir.path, 'home'), NO_COLOR: '1' };
  });
  afterEach(() => dir.cleanup());

  it('lists added records, then updated ones, then the counts', async () => {
    await runCli(['import', file('one.zone', 'a.test. 60 IN A 10.0.0.1\n'), '--format', 'zone'], env);
    const run = await runCli(
      ['import', file('two.zone', 'a.test. 120 IN A 10.0.0.1\nb.test. 60 IN A 10.0.0.2\n'), '--format', 'zone'],
      env,
    );
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, /added b\.test A 10\.0\.0\.2\nupdated a\.test A: ttl 60 -> 120\n1 added, 1 updated, 0 unchanged, 0 skipped\n/);
  });

  it('past 20 lines: the first 5 of added then updated, a count, and --verbose shows the rest in order', async () => {
    const before = Array.from({ length: 3 }, (_, i) => `u${i}.test. 60 IN A 10.0.1.${i + 1}`);
    await runCli(['import', file('before.zone', `${before.join('\n')}\n`), '--format', 'zone'], env);
    const added = Array.from({ length: 30 }, (_, i) => `n${i}.test. 60 IN A 10.0.2.${i + 1}`);
    const retimed = before.map((line) => line.replace(' 60 ', ' 90 '));
    const path = file('after.zone', `${[...added, ...retimed].join('\n')}\n`);
    const quiet = await runCli(['import', path, '--format', 'zone', '--dry-run'], env);
    assert.equal(quiet.code, 0, quiet.stderr);
    const shown = quiet.stderr.split('\n').filter((line) => line.includes('would be'));
    assert.deepEqual(
      shown.slice(0, 5),
      Array.from({ length: 5 }, (_, i) => `would be added n${i}.test A 10.0.2.${i + 1}`),
    );
    assert.match(
      quiet.stderr,
      /\.\.\. and 28 more records would be added or updated \(--verbose shows them all\)\ndry run: 30 added, 3 updated/,
    );
    const verbose = await runCli(['--verbose', 'import', path, '--format', 'zone', '--dry-run'], env);
    const listed = verbose.stderr.match(/would be (added n\d+|updated u\d+)\.test/g) ?? [];
    assert.equal(listed.length, 33);
    assert.deepEqual(listed.slice(28), [
      'would be added n28.test',
      'would be added n29.test',
      'would be updated u0.test',
      'would be updated u1.test',
      'would be updated u2.test',
    ]);
  });

  it('lists skipped lines by file and line; --skip-invalid warns of the invalid ones', async () => {
    const path = file('h', '10.0.0.3 c.test\n10.0.0.4 example.com\n10.0.0.5 d.test\nnot-an-ip e.test\n');
    const run = await runCli(['import', path, '--format', 'hosts', '--skip-invalid'], env);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, new RegExp(`${path}:2: skipped example\\.com: `));
    assert.match(run.stderr, new RegExp(`warning: ${path}:4: address: "not-an-ip" is not an IP address`));
    assert.match(
      run.stderr,
      /added c\.test A 10\.0\.0\.3\nadded d\.test A 10\.0\.0\.5\n2 added, 0 updated, 0 unchanged, 1 skipped, 1 invalid\n/,
    );
  });

  it('a bad last line after many good ones writes nothing', async () => {
    await runCli(['import', file('first.hosts', '10.0.0.1 kept.test\n'), '--format', 'hosts'], env);
    const good = Array.from({ length: 500 }, (_, i) => `10.1.${i >> 8}.${i & 255} g${i}.test`);
    const run = await runCli(['import', file('big.hosts', `${good.join('\n')}\nnot-an-ip last.test\n`), '--format', 'hosts'], env);
    assert.notEqual(run.code, 0);
    assert.match(run.stderr, /big\.hosts:501: address: "not-an-ip"/);
    assert.match(run.stderr, /1 line could not be imported; nothing was written/);
    assert.deepEqual(served(), ['kept.test 5']);
  });
});
