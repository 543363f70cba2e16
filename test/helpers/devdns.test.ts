// runCommand: what a command prints and its code, a kill at the deadline, and no timer left armed.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runCommand } from './devdns.js';

const timers = () => process.getActiveResourcesInfo().filter((kind) => kind === 'Timeout').length;

describe('runCommand', () => {
  it('gives what the command printed and its exit code, and leaves no timer', async () => {
    const before = timers();
    const result = await runCommand(process.execPath, ['-e', 'console.log("out"); console.error("err"); process.exit(3)'], process.env);
    assert.deepEqual(result, { code: 3, stdout: 'out\n', stderr: 'err\n' });
    assert.equal(timers(), before);
  });

  it('rejects a command that cannot start, and leaves no timer', async () => {
    const before = timers();
    await assert.rejects(runCommand('/nonexistent/devdns-test-command', [], process.env), { code: 'ENOENT' });
    assert.equal(timers(), before);
  });

  it('kills a command still running at its deadline', async () => {
    const started = Date.now();
    const result = await runCommand(process.execPath, ['-e', 'setTimeout(() => {}, 60_000)'], process.env, 200);
    assert.equal(result.code, null);
    assert.ok(Date.now() - started < 5_000, `ended after ${Date.now() - started} ms`);
  });
});
