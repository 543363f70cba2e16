// Start-up stays small: `devdns --version` loads nothing but the bin, and `devdns ls` (off a
// terminal) only the CLI, the record model and the store — no daemon, DNS, control, OS or
// import/export code, and none of the heavy packages. Every module the ES loader resolves is
// listed by a resolve hook registered with --import.
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import module from 'node:module';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { BIN, runCommand, runDevdns, tempDir } from '../helpers/devdns.js';

describe('start-up loads only what the command needs (built binary)', () => {
  const dir = tempDir();
  const list = join(dir.path, 'modules.txt');
  const register = join(dir.path, 'register.mjs');

  before(async () => {
    writeFileSync(
      join(dir.path, 'hooks.mjs'),
      `import { appendFileSync } from 'node:fs';
export async function resolve(specifier, context, next) {
  const result = await next(specifier, context);
  appendFileSync(process.env.DEVDNS_TEST_MODULES, result.url + '\\n');
  return result;
}
`,
    );
    writeFileSync(register, `import { register } from 'node:module';\nregister(new URL('./hooks.mjs', import.meta.url));\n`);
    assert.equal((await runDevdns(['add', 'myapp.test'], { home: dir.path })).code, 0);
  });
  after(() => dir.cleanup());

  /** The modules `devdns ...args` resolves, as paths relative to the package (or node:...). */
  async function modulesOf(...args: string[]): Promise<string[]> {
    writeFileSync(list, '');
    const result = await runCommand(process.execPath, ['--import', register, BIN, ...args], {
      ...process.env,
      DEVDNS_HOME: dir.path,
      DEVDNS_TEST_MODULES: list,
      NO_COLOR: '1',
    });
    assert.equal(result.code, 0, result.stderr);
    const root = new URL('../../', import.meta.url).href;
    return [...new Set(readFileSync(list, 'utf8').split('\n').filter(Boolean))].map((url) => url.replace(root, ''));
  }

  it('devdns --version loads the bin alone', async () => {
    const modules = await modulesOf('--version');
    assert.deepEqual(
      modules.filter((m) => !m.startsWith('node:')),
      ['bin/devdns.js'],
    );
  });

  it('devdns ls loads no daemon, DNS, control, OS or interop code, and no heavy package', async () => {
    const modules = await modulesOf('ls');
    assert.ok(modules.includes('dist/cli/commands/ls.js'), modules.join(' '));
    const unwanted = modules.filter((m) =>
      /^dist\/(daemon|dns|control|os|interop)\/|node_modules\/(chalk|ora|execa|conf|proper-lockfile|dns2)\//.test(m),
    );
    assert.deepEqual(unwanted, []);
  });

  it('devdns add with the daemon running loads neither conf nor the records file code: the daemon makes the change', async () => {
    assert.equal((await runDevdns(['up', '--port', '0', '--control-port', '0'], { home: dir.path })).code, 0);
    try {
      const modules = await modulesOf('add', 'sent.test', '10.0.0.9');
      assert.ok(modules.includes('dist/cli/daemon-edits.js'), modules.join(' '));
      const unwanted = modules.filter((m) =>
        /^dist\/(dns|os|interop|records\/record-(file|set|types))|^dist\/store\/(record-store|records-writer|edits|projects)|node_modules\/(conf|ajv|semver|execa)\//.test(
          m,
        ),
      );
      assert.deepEqual(unwanted, []);
    } finally {
      await runDevdns(['down'], { home: dir.path });
    }
  });
});

describe('compiled code kept between runs (built binary)', () => {
  const uid = process.getuid?.() ?? 0;
  const run = async (tmp: string) => {
    const result = await runCommand(process.execPath, [BIN, 'ls'], {
      ...process.env,
      TMPDIR: tmp,
      DEVDNS_HOME: join(tmp, 'home'),
      NO_COLOR: '1',
    });
    assert.equal(result.code, 0, result.stderr);
  };

  it('lives in a directory of the user alone, made 0700', {
    skip: !('enableCompileCache' in module) && 'Node has no compile cache',
  }, async () => {
    const dir = tempDir();
    try {
      await run(dir.path);
      const cache = join(dir.path, `devdns-compile-cache-${uid}`);
      assert.equal(statSync(cache).mode & 0o777, 0o700);
      assert.ok(readdirSync(cache).length > 0, 'compiled code was kept');
    } finally {
      dir.cleanup();
    }
  });

  it('is never one that others may write: a planted directory is left unused', async () => {
    const dir = tempDir();
    try {
      const cache = join(dir.path, `devdns-compile-cache-${uid}`);
      mkdirSync(cache);
      chmodSync(cache, 0o777);
      await run(dir.path);
      assert.deepEqual(readdirSync(cache), []);
      assert.ok(!existsSync(join(dir.path, 'node-compile-cache')), "node's shared default is not used either");
    } finally {
      dir.cleanup();
    }
  });
});
