// `devdns setup` in process on a --root tree (dnsmasq): a served name setup cannot route (an
// override with "_", an override of a whole TLD) is left out with one warning line and the rest is
// routed; the offer to run setup again never offers it; and the re-run itself (setupAgain) keeps
// routing a risky TLD the user routed with --force.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { offerRouteUpdate } from '../../src/cli/commands/setup.js';
import type { CommandContext } from '../../src/cli/context.js';
import { Output } from '../../src/cli/output.js';
import { readJournal } from '../../src/os/journal.js';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/devdns.js';

const UNDERSCORE_WARNING =
  'warning: setup does not route _svc.example.net to devdns: it writes only names of letters, digits and hyphens into the resolver\'s files, and this one has "_"; to route it by hand, send _svc.example.net to 127.0.0.1 port 9090 in the resolver\'s own configuration\n';

describe('setup with a served name it cannot route', () => {
  let home: ReturnType<typeof tempDir>;
  let root: ReturnType<typeof tempDir>;
  let env: Record<string, string>;
  beforeEach(() => {
    home = tempDir();
    root = tempDir();
    env = { DEVDNS_HOME: home.path, NO_COLOR: '1' };
  });
  afterEach(() => {
    home.cleanup();
    root.cleanup();
  });
  const cli = (...args: string[]) => runCli(args, env);
  // No --port: a re-run routes to the port of the settings (or of the running daemon), as setup does.
  const setupArgs = (...extra: string[]) => ['setup', '--root', root.path, '--platform', 'linux', '--resolver', 'dnsmasq', ...extra];
  const conf = () => readFileSync(join(root.path, 'etc/dnsmasq.d/devdns.conf'), 'utf8');
  /** offerRouteUpdate as override and rm call it, with --yes: what it printed. */
  const offerWithYes = async () => {
    const written = { out: '', err: '' };
    const io = {
      stdout: { write: (text: string) => (written.out += text) },
      stderr: { write: (text: string) => (written.err += text) },
      env,
    };
    const context: CommandContext = { output: new Output(io), home: home.path };
    await offerRouteUpdate(context, true);
    return written;
  };

  it('an override with "_" is left out with one warning line; .test and the other overrides are routed', async () => {
    assert.equal((await cli('override', '_svc.example.net', '127.0.0.1', '--force')).code, 0);
    assert.equal((await cli('override', 'api.example.com', '127.0.0.1', '--force')).code, 0);
    assert.equal((await cli('add', 'myapp.test')).code, 0);
    const dry = await cli(...setupArgs('--dry-run'));
    assert.equal(dry.code, 0, dry.stderr);
    assert.ok(dry.stderr.startsWith(UNDERSCORE_WARNING), dry.stderr);
    assert.equal(dry.stderr.split('\n').filter((line) => line.includes('_svc')).length, 1);
    assert.equal(
      dry.stdout,
      '# Written by devdns setup; devdns teardown removes it.\nserver=/test/127.0.0.1#9090\nserver=/api.example.com/127.0.0.1#9090\n',
    );
    const real = await cli(...setupArgs('--yes'));
    assert.equal(real.code, 0, real.stderr);
    assert.deepEqual(readJournal(home.path)?.tlds, ['test', 'api.example.com']);
  });

  it('a wildcard subtree override still routes its subtree; an override of a whole TLD (a hand-edited file) is left out', async () => {
    assert.equal((await cli('override', '*.staging.example.com', '10.0.0.7', '--force')).code, 0);
    const path = join(home.path, 'records.json');
    const file = JSON.parse(readFileSync(path, 'utf8'));
    writeFileSync(path, JSON.stringify({ ...file, zones: { ...file.zones, net: { override: true } } }));
    const result = await cli(...setupArgs('--yes'));
    assert.equal(result.code, 0, result.stderr);
    assert.match(
      result.stderr,
      /^warning: setup does not route \.net to devdns: it routes an override's own name, and this one is a whole top-level domain: every \.net name would go to devdns; override the names you need under it instead, e\.g\. api\.example\.net$/m,
    );
    assert.match(conf(), /^server=\/staging\.example\.com\/127\.0\.0\.1#9090$/m);
    assert.doesNotMatch(conf(), /server=\/net\//);
    assert.deepEqual(readJournal(home.path)?.tlds, ['test', 'staging.example.com']);
  });

  it('--tld with "_" is refused in one line saying why', async () => {
    const result = await cli(...setupArgs('--dry-run', '--tld', 'my_tld', '--force'));
    assert.equal(result.code, 1);
    assert.equal(
      result.stderr,
      'devdns: --tld: setup does not route .my_tld to devdns: it writes only names of letters, digits and hyphens into the resolver\'s files, and this one has "_" (give a TLD such as test)\n',
    );
  });

  it('after setup, an override with "_" is not offered a route: override warns instead of saying to run setup again', async () => {
    assert.equal((await cli(...setupArgs('--yes'))).code, 0);
    const begun = await cli('override', '_svc.example.net', '127.0.0.1', '--force');
    assert.equal(begun.code, 0, begun.stderr);
    assert.ok(begun.stderr.endsWith(UNDERSCORE_WARNING), begun.stderr);
    assert.doesNotMatch(begun.stderr, /setup again/);
    // And the re-run for an override begun beside it routes that one, leaving the "_" one out.
    assert.equal((await cli('override', 'api.example.com', '127.0.0.1', '--force')).code, 0);
    const offered = await offerWithYes();
    assert.equal(offered.err.split('\n').filter((line) => line.includes('setup does not route _svc.example.net')).length, 1, offered.err);
    assert.deepEqual(readJournal(home.path)?.tlds, ['test', 'api.example.com']);
    assert.match(conf(), /^server=\/api\.example\.com\/127\.0\.0\.1#9090$/m);
  });

  it('the re-run setup offers after an override keeps a risky TLD the user routed with --force', async () => {
    assert.equal((await cli('add', 'app.dev', '--force')).code, 0);
    assert.match((await cli(...setupArgs('--yes'))).stderr, /routing \.dev to devdns would hide every real site under it/);
    assert.equal((await cli(...setupArgs('--yes', '--force'))).code, 0);
    assert.deepEqual(readJournal(home.path)?.tlds, ['test', 'dev']);
    assert.equal((await cli('override', 'api.example.com', '127.0.0.1', '--force')).code, 0);
    const offered = await offerWithYes();
    assert.doesNotMatch(offered.err, /would hide/);
    assert.deepEqual(readJournal(home.path)?.tlds, ['test', 'dev', 'api.example.com']);
    assert.match(conf(), /^server=\/dev\/127\.0\.0\.1#9090$/m);
  });

  it('the re-run routes exactly what setup routed: only overrides stay only overrides, never a TLD the user did not route', async () => {
    assert.equal((await cli('add', 'app.dev', '--force')).code, 0);
    assert.equal((await cli('override', 'api.example.com', '127.0.0.1', '--force')).code, 0);
    assert.equal((await cli(...setupArgs('--yes', '--tld', 'api.example.com'))).code, 0);
    assert.deepEqual(readJournal(home.path)?.tlds, ['api.example.com']);
    assert.equal((await cli('override', 'web.example.com', '127.0.0.1', '--force')).code, 0);
    await offerWithYes();
    assert.deepEqual(readJournal(home.path)?.tlds, ['api.example.com', 'web.example.com'], 'not .test, and not .dev');
    assert.doesNotMatch(conf(), /server=\/(dev|test)\//);
    // The last routed name ends: nothing is left to route, and the route goes.
    assert.equal((await cli('rm', 'api.example.com')).code, 0);
    assert.equal((await cli('rm', 'web.example.com')).code, 0);
    await offerWithYes();
    assert.equal(readJournal(home.path), undefined, 'torn down');
  });

  it('a journal of another tree lets no risky TLD past the check here', async () => {
    assert.equal((await cli('add', 'app.dev', '--force')).code, 0);
    assert.equal((await cli(...setupArgs('--yes', '--force'))).code, 0);
    assert.ok(readJournal(home.path)?.tlds.includes('dev'));
    const other = tempDir();
    try {
      const elsewhere = await cli('setup', '--dry-run', '--root', other.path, '--platform', 'linux', '--resolver', 'dnsmasq');
      assert.equal(elsewhere.code, 1);
      assert.match(elsewhere.stderr, /routing \.dev to devdns would hide every real site under it/);
    } finally {
      other.cleanup();
    }
  });

  it('after setup --all, the end of the last override leaves every name routed: nothing is offered, nothing torn down', async () => {
    assert.equal((await cli('override', 'api.example.com', '127.0.0.1', '--force')).code, 0);
    assert.equal((await cli('config', 'set', 'forward', 'all')).code, 0);
    assert.equal((await cli(...setupArgs('--yes', '--all', '--tld', 'api.example.com'))).code, 0);
    assert.equal(readJournal(home.path)?.all, true);
    const removed = await cli('rm', 'api.example.com');
    assert.equal(removed.code, 0, removed.stderr);
    assert.doesNotMatch(removed.stderr, /setup again|teardown/);
    await offerWithYes();
    assert.equal(readJournal(home.path)?.all, true, 'still set up for every name');
    assert.match(conf(), /^server=127\.0\.0\.1#9090$/m);
  });
});
