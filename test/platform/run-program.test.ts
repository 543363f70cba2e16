// Running programs: what they printed kept apart from why they failed, and a blocking run that
// reports the same way.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runProgram, runProgramSync } from '../../src/platform/run-program.js';

describe('runProgram', () => {
  it('keeps stdout, stderr and the reason for a failure apart', async () => {
    const ok = await runProgram('sh', ['-c', 'echo out; echo err >&2'], { timeoutMs: 5_000 });
    assert.deepEqual(ok, { exitCode: 0, stdout: 'out', stderr: 'err', failure: '' });
    const quiet = await runProgram('sh', ['-c', 'echo only-stdout; exit 3'], { timeoutMs: 5_000 });
    assert.deepEqual([quiet.exitCode, quiet.stdout, quiet.stderr], [3, 'only-stdout', '']);
    assert.match(quiet.failure, /exit code 3/);
    const missing = await runProgram('devdns-no-such-program', [], { timeoutMs: 5_000 });
    assert.notEqual(missing.exitCode, 0);
    assert.equal(missing.stderr, '');
    assert.match(missing.failure, /ENOENT/);
  });

  it('gives up at its deadline', async () => {
    const started = Date.now();
    const slow = await runProgram('sleep', ['5'], { timeoutMs: 100 });
    assert.notEqual(slow.exitCode, 0);
    assert.match(slow.failure, /timed out/i);
    assert.ok(Date.now() - started < 3_000);
  });

  it('runs blocking, with input, and reports the same way', () => {
    assert.deepEqual(runProgramSync('cat', [], { timeoutMs: 5_000, input: 'piped' }), {
      exitCode: 0,
      stdout: 'piped',
      stderr: '',
      failure: '',
    });
    const missing = runProgramSync('devdns-no-such-program', [], { timeoutMs: 5_000 });
    assert.notEqual(missing.exitCode, 0);
    assert.match(missing.failure, /ENOENT/);
  });
});
