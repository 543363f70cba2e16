// The command table: every command builds into the program with a summary and examples, and every
// command's run returns its exit code (run in a temp home, against a daemon launched there when
// the command needs one).
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { COMMANDS, type CommandCall, type CommandDeclaration } from '../../src/cli/command-table.js';
import type { CommandContext } from '../../src/cli/context.js';
import { buildProgram } from '../../src/cli/main.js';
import { Output } from '../../src/cli/output.js';
import { launchDaemon, stopDaemon } from '../../src/daemon/launcher.js';
import { SETTINGS } from '../../src/store/settings.js';
import { tempDir } from '../helpers/devdns.js';

function fakeIo(home: string) {
  const written = { out: '', err: '' };
  const io = {
    stdout: { write: (text: string) => (written.out += text) },
    stderr: { write: (text: string) => (written.err += text) },
    env: { DEVDNS_HOME: home, HOME: home, NO_COLOR: '1' },
  };
  return { io, written };
}

const declared = (name: string): CommandDeclaration => {
  const declaration = COMMANDS.find((command) => command.name === name);
  assert.ok(declaration, name);
  return declaration;
};

describe('the command table', () => {
  it('names each command once', () => {
    assert.equal(new Set(COMMANDS.map((command) => command.name)).size, COMMANDS.length);
  });

  for (const declaration of COMMANDS) {
    it(`${declaration.name}: builds alone, with its arguments and options${declaration.hidden ? '' : ', a summary and examples'}`, () => {
      const { io, written } = fakeIo('/nonexistent');
      const context: CommandContext = { output: new Output(io), home: '/nonexistent' };
      const program = buildProgram(context, io, [declaration], () => undefined);
      const [command, ...others] = program.commands;
      assert.ok(command);
      assert.equal(others.length, 0);
      assert.equal(command.name(), declaration.name);
      assert.equal(command.registeredArguments.length, declaration.arguments?.length ?? 0);
      assert.equal(command.options.length, declaration.options?.length ?? 0);
      if (declaration.hidden) return;
      assert.notEqual(declaration.summary, '');
      assert.ok((declaration.examples ?? []).length > 0, 'has examples');
      command.outputHelp();
      assert.match(written.out, /\nExamples:\n {2}\$ /);
    });
  }

  it('parsing picks the command and its arguments; nothing runs until asked', async () => {
    const { io } = fakeIo('/nonexistent');
    const context: CommandContext = { output: new Output(io), home: '/nonexistent' };
    const seen: { call?: CommandCall } = {};
    const fake: CommandDeclaration = {
      ...declared('config'),
      run: async (call) => {
        seen.call = call;
        return 7;
      },
    };
    let chosen: (() => Promise<number>) | undefined;
    const program = buildProgram(context, io, [{ ...fake, homeless: true }], (run) => {
      chosen = run;
    });
    await program.parseAsync(['config', 'get', 'dns.port', '--json'], { from: 'user' });
    assert.deepEqual(Object.keys(seen), [], 'not run while parsing');
    assert.equal(await chosen?.(), 7);
    assert.deepEqual(seen.call?.args, ['get', 'dns.port', undefined]);
    assert.deepEqual(seen.call?.options, { json: true });
  });
});

describe('every command run returns its exit code', { timeout: 90_000 }, () => {
  const built = existsSync(new URL('../../dist/cli/main.js', import.meta.url));
  it('in a temp home, with the daemon stopped, then running', {
    skip: built ? false : 'needs npm run build (it starts a daemon)',
  }, async () => {
    const dir = tempDir();
    const home = join(dir.path, 'home');
    const root = join(dir.path, 'root');
    mkdirSync(home, { mode: 0o700 });
    mkdirSync(root);
    const hostsFile = join(dir.path, 'hosts');
    const importFile = join(dir.path, 'import.hosts');
    const project = join(dir.path, 'project');
    writeFileSync(hostsFile, '127.0.0.1 localhost\n');
    writeFileSync(importFile, '10.0.0.9 imported.test\n');
    mkdirSync(project);
    writeFileSync(join(project, 'devdns.json'), '{"version": 1, "zones": {}, "records": []}\n');
    const { io } = fakeIo(home);
    const context: CommandContext = { output: new Output(io), home };
    const program = buildProgram(context, io, COMMANDS, () => undefined);
    const ran = new Set<string>();
    const run = async (name: string, args: Array<string | undefined>, options: object = {}) => {
      ran.add(name);
      const code = await declared(name).run({ context, env: io.env, args, options, program });
      assert.equal(typeof code, 'number', name);
      return code;
    };
    try {
      // The daemon stopped.
      assert.equal(await run('add', ['a.test', undefined]), 0);
      assert.equal(await run('add', ['b.test', '10.0.0.2']), 0);
      assert.equal(await run('rm', ['b.test', undefined]), 0);
      assert.equal(await run('override', ['api.example.com', '127.0.0.1'], { force: true }), 0);
      assert.equal(await run('ls', [undefined]), 0);
      assert.equal(await run('export', [], { format: 'json' }), 0);
      assert.equal(await run('import', [importFile], { dryRun: true }), 0);
      assert.equal(await run('link', [project]), 0);
      assert.equal(await run('links', []), 0);
      assert.equal(await run('unlink', [project]), 0);
      assert.equal(await run('config', ['list', undefined, undefined]), 0);
      assert.equal(await run('completion', ['bash']), 0);
      assert.equal(await run('__complete', ['names']), 0);
      assert.equal(await run('service', ['install'], { dryRun: true, platform: 'linux' }), 0);
      const setup = { dryRun: true, root, platform: 'linux', resolver: 'dnsmasq', tld: ['test'] };
      assert.equal(await run('setup', [], setup), 0);
      assert.equal(await run('teardown', [], { dryRun: true, root }), 0);
      assert.equal(await run('hosts', ['sync'], { hostsFile, yes: true }), 0);
      assert.equal(typeof (await run('doctor', [], { hostsFile })), 'number');
      assert.equal(await run('status', []), 3);
      assert.equal(await run('down', []), 0);
      // A daemon running in the home, on ports of its own.
      await launchDaemon(home, ['--port', '0', '--control-port', '0'], 8_000);
      assert.equal(await run('up', []), 0, 'already running');
      assert.equal(await run('status', [], { json: true }), 0);
      assert.equal(await run('resolve', ['a.test', undefined]), 0);
      assert.equal(await run('logs', [], { lines: '5' }), 0);
      assert.equal(await run('token', []), 0);
      assert.equal(await run('cache', ['flush']), 0);
      assert.equal(await run('version', []), 0);
      assert.equal(await run('restart', [], { port: '0', controlPort: '0' }), 0);
      assert.equal(await run('down', []), 0);
      // uninstall cleans the real hosts file when it holds devdns's block: not run here.
      assert.deepEqual(
        COMMANDS.map((command) => command.name).filter((name) => !ran.has(name)),
        ['uninstall'],
      );
    } finally {
      await stopDaemon(home, { timeoutMs: 4_000 });
      dir.cleanup();
    }
  });
});

describe('the config summary', () => {
  it('names every setting, in the order config list shows them', () => {
    assert.equal(declared('config').summary, `show and change settings: ${Object.keys(SETTINGS).join(', ')}`);
  });
});
