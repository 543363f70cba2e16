// Start-up stays small: `devdns --version` loads nothing but the bin, and `devdns ls` (off a
// terminal) only the CLI, the record model and the store — no daemon, DNS, control, OS or
// import/export code, and none of the heavy packages. Every module the ES loader resolves is
// listed by a resolve hook registered with --import.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
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
});
