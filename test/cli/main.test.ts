import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/devdns.js';

const ESC = '\u001b[';

const cli = runCli;

describe('the devdns program', () => {
  let dir: ReturnType<typeof tempDir>;
  let env: Record<string, string>;
  beforeEach(() => {
    dir = tempDir();
    env = { DEVDNS_HOME: dir.path };
  });
  afterEach(() => dir.cleanup());

  it('prints its version', async () => {
    const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    for (const flag of ['--version', '-v']) {
      const result = await cli([flag], env);
      assert.deepEqual(result, { code: 0, stdout: `${version}\n`, stderr: '' });
    }
  });

  it('lists every command with a description in --help', async () => {
    const result = await cli(['--help'], env);
    assert.equal(result.code, 0);
    for (const command of ['add', 'rm', 'ls', 'help']) assert.match(result.stdout, new RegExp(`^  ${command} .*\\S  +\\S`, 'm'));
    assert.match(result.stdout, new RegExp(`Records live in ${dir.path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
  });

  it('shows examples in help for each command', async () => {
    for (const command of ['add', 'rm', 'ls']) {
      const result = await cli(['help', command], env);
      assert.equal(result.code, 0);
      assert.match(result.stdout, /Examples:\n {2}\$ devdns /);
    }
  });

  it('exits 2 on a usage error, with a one-line message', async () => {
    for (const args of [['frob'], ['add'], ['add', 'a.test', '1.2.3.4', 'extra'], ['ls', '--jsn']]) {
      const result = await cli(args, env);
      assert.equal(result.code, 2, args.join(' '));
      assert.equal(result.stderr.trim().split('\n').length, 1, result.stderr);
      assert.match(result.stderr, /^devdns: /);
    }
  });

  it('points at -- when a value looks like an option', async () => {
    const result = await cli(['add', 'shop.test', '-all', '-t', 'TXT'], env);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /unknown option '-all' .*goes after --/);
    const fixed = await cli(['add', 'shop.test', '-t', 'TXT', '--', '-all'], env);
    assert.equal(fixed.code, 0, fixed.stderr);
  });

  it('adds, lists and removes, with messages on stderr and data on stdout', async () => {
    const added = await cli(['add', 'MyApp.Test'], env);
    assert.equal(added.code, 0);
    assert.equal(added.stdout, '');
    assert.equal(added.stderr, 'added myapp.test A 127.0.0.1 (ttl 5)\nadded myapp.test AAAA ::1 (ttl 5)\n');
    const listed = await cli(['ls'], env);
    assert.equal(listed.stdout, 'NAME        TYPE  TTL  VALUE\nmyapp.test  A     5    127.0.0.1\nmyapp.test  AAAA  5    ::1\n');
    const removed = await cli(['rm', 'myapp.test', '-t', 'AAAA'], env);
    assert.equal(removed.stderr, 'removed myapp.test AAAA ::1\n');
    const empty = await cli(['ls', 'nothing'], env);
    assert.deepEqual(empty, { code: 0, stdout: '', stderr: 'no records match "nothing"\n' });
  });

  it('colours only on a TTY, and never with NO_COLOR', async () => {
    await cli(['add', 'a.test'], env);
    const tty = await cli(['ls'], env, true);
    assert.ok(tty.stdout.includes(ESC), 'coloured on a TTY');
    const noColor = await cli(['ls'], { ...env, NO_COLOR: '1' }, true);
    assert.ok(!noColor.stdout.includes(ESC));
    const piped = await cli(['ls'], env, false);
    assert.ok(!piped.stdout.includes(ESC));
  });

  it('prints no stack trace for an unexpected error unless DEVDNS_DEBUG=1', async () => {
    // A home that is a file makes the store fail in a way no validation foresees.
    const home = `${dir.path}/file`;
    await import('node:fs').then((fs) => fs.writeFileSync(home, 'x'));
    const result = await cli(['add', 'a.test'], { DEVDNS_HOME: home });
    assert.equal(result.code, 1);
    assert.equal(result.stderr.trim().split('\n').length, 1, result.stderr);
    assert.doesNotMatch(result.stderr, /\n\s+at /);
  });
});
