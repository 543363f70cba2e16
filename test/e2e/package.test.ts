// End to end: the package a user installs. `npm pack` then `npm install -g` of the tarball into a
// temporary prefix must give a working `devdns` with nothing but Node; and `npm install -g .` in a
// copy of the source tree must build and install it, as the README's quick start says.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, lstatSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runCommand, tempDir } from '../helpers/devdns.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

/** PATH with only Node's own directory and the install prefix: no devDependencies, no repo tools. */
const minimalEnv = (prefix: string, home: string): NodeJS.ProcessEnv => ({
  PATH: [join(prefix, 'bin'), dirname(process.execPath), '/usr/bin', '/bin'].join(':'),
  HOME: home,
  DEVDNS_HOME: join(home, 'devdns'),
  NO_COLOR: '1',
});

/** Installing from the registry cache is enough: `npm ci` filled it. */
const npmInstallFlags = ['--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'];

async function checkInstalled(prefix: string, home: string): Promise<void> {
  const devdns = join(prefix, 'bin', 'devdns');
  const env = minimalEnv(prefix, home);
  const shown = await runCommand(devdns, ['--version'], env);
  assert.deepEqual(shown, { code: 0, stdout: `${version}\n`, stderr: '' });
  const added = await runCommand(devdns, ['add', 'myapp.test', '127.0.0.1'], env);
  assert.equal(added.code, 0, added.stderr);
  const listed = await runCommand(devdns, ['ls'], env);
  assert.equal(listed.code, 0, listed.stderr);
  assert.match(listed.stdout, /^myapp\.test +A +5 +127\.0\.0\.1$/m);
}

describe('distribution', () => {
  it('npm pack gives a package that installs globally and runs with only Node', { timeout: 240_000 }, async () => {
    const dir = tempDir('devdns-pack-');
    try {
      // dist/ was built by `npm test`; --ignore-scripts keeps it from being rebuilt under other tests.
      const packed = JSON.parse(
        execFileSync(npm, ['pack', '--json', '--ignore-scripts', '--pack-destination', dir.path], { cwd: root, encoding: 'utf8' }),
      ) as Array<{
        filename: string;
        files: Array<{ path: string }>;
      }>;
      const files = packed[0]?.files.map((file) => file.path) ?? [];
      for (const needed of ['package.json', 'bin/devdns.js', 'dist/cli/main.js', 'README.md', 'CHANGELOG.md'])
        assert.ok(files.includes(needed), `${needed} is packed`);
      assert.deepEqual(
        files.filter((path) => /^(src|test|scripts|\.ci)\//.test(path)),
        [],
        'no sources or tests are packed',
      );
      const bin = readFileSync(join(root, 'bin', 'devdns.js'), 'utf8');
      assert.ok(bin.startsWith('#!/usr/bin/env node\n'), 'the command has a shebang');

      const prefix = join(dir.path, 'prefix');
      execFileSync(npm, ['install', '--global', '--prefix', prefix, ...npmInstallFlags, join(dir.path, packed[0]?.filename ?? '')], {
        cwd: dir.path,
        stdio: 'pipe',
      });
      const installed = join(prefix, 'lib', 'node_modules', 'devdns');
      assert.equal(existsSync(join(installed, 'node_modules', 'typescript')), false, 'devDependencies are not installed');
      await checkInstalled(prefix, join(dir.path, 'home'));
    } finally {
      dir.cleanup();
    }
  });

  it("the README's install command in a fresh copy of the source installs a copy that outlives the clone", {
    timeout: 300_000,
  }, async () => {
    const dir = tempDir('devdns-clone-');
    try {
      const readme = readFileSync(join(root, 'README.md'), 'utf8');
      const quickStart = readme.slice(readme.indexOf('## Quick start'));
      const opening = quickStart.indexOf('```sh\n') + 6;
      const block = quickStart.slice(opening, quickStart.indexOf('\n```', opening));
      const install = block
        .split('\n')
        .find((line) => line.startsWith('npm install -g'))
        ?.replace(/\s+#.*$/, '');
      assert.ok(install, "the README's quick start has an npm install -g line");
      const clone = join(dir.path, 'devdns');
      mkdirSync(clone);
      // What a clone holds: the files git tracks, without node_modules or dist.
      const tracked = execFileSync('git', ['ls-files', '-z'], { cwd: root, encoding: 'utf8' }).split('\0').filter(Boolean);
      for (const path of tracked) if (existsSync(join(root, path))) cpSync(join(root, path), join(clone, path), { recursive: true });
      const prefix = join(dir.path, 'prefix');
      const result = await runCommand(
        'sh',
        ['-c', install],
        {
          ...process.env,
          npm_config_prefix: prefix,
          npm_config_prefer_offline: 'true',
          npm_config_audit: 'false',
          npm_config_fund: 'false',
        },
        280_000,
      );
      assert.equal(result.code, 0, `${install}\n${result.stdout}\n${result.stderr}`);
      const installed = join(prefix, 'lib', 'node_modules', 'devdns');
      assert.ok(!lstatSync(installed).isSymbolicLink(), 'a copy is installed, not a link to the clone');
      // The clone moves away (or is deleted): the command still works.
      renameSync(clone, join(dir.path, 'moved'));
      rmSync(join(dir.path, 'moved'), { recursive: true, force: true });
      await checkInstalled(prefix, join(dir.path, 'home'));
    } finally {
      dir.cleanup();
    }
  });
});
