import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createOutput, Output } from '../../src/cli/output.js';
import { DevdnsError } from '../../src/errors.js';

function fakeIo(isTTY: boolean, columns: number, env: Record<string, string> = {}) {
  const written = { out: '', err: '' };
  const io = {
    stdout: { isTTY, columns, write: (text: string) => (written.out += text) },
    stderr: { isTTY, columns, write: (text: string) => (written.err += text) },
    env,
  };
  return { io, written };
}

describe('Output', () => {
  it('escapes control characters in data and tables too (a linked project path), keeping tabs and line breaks of data', async () => {
    const { io, written } = fakeIo(false, 80);
    const output = await createOutput(io as never);
    output.table(['SOURCE'], [['/tmp/evil\u001b]0;OWNED\u0007dir']]);
    output.data('a\tb\nc\u001b[2J');
    assert.ok(![27, 7].some((code) => written.out.includes(String.fromCharCode(code))), 'no ESC or BEL');
    assert.match(written.out, /\/tmp\/evil\\x1b\]0;OWNED\\x07dir\n/);
    assert.match(written.out, /a\tb\nc\\x1b\[2J\n$/);
  });

  it('escapes control characters in messages: text from files cannot drive the terminal or forge a line', async () => {
    const { io, written } = fakeIo(false, 80);
    const output = await createOutput(io as never);
    const hostile = 'x\u001b]0;PWNED\u0007\u001b[2J\u009b2J\nfake line';
    output.error(new DevdnsError('invalid-input', `name: "${hostile}"`, `hint ${hostile}`));
    output.warn(hostile);
    output.info(`two\nlines ${hostile}`);
    assert.ok(![27, 7, 0x9b].some((code) => written.err.includes(String.fromCharCode(code))), 'no ESC, BEL or CSI');
    assert.match(written.err, /x\\x1b\]0;PWNED\\x07\\x1b\[2J\\x9b2J\\x0afake line/);
    const [error, warning, ...info] = written.err.split('\n');
    assert.match(error ?? '', /^devdns: name: "x.*fake line" \(hint x.*fake line\)$/, 'the error is one line');
    assert.match(warning ?? '', /^warning: x.*fake line$/, 'the warning is one line');
    assert.match(info[0] ?? '', /^two\\x0alines x.*fake line$/, 'info is one line too');
  });

  it('runs work without a spinner off a TTY, on a terminal with no width, or with NO_COLOR', async () => {
    for (const [isTTY, columns, env] of [
      [false, 80, {}],
      [true, 0, {}],
      [true, 80, { NO_COLOR: '1' }],
    ] as const) {
      const { io, written } = fakeIo(isTTY, columns, env);
      assert.equal(await new Output(io).withSpinner('working', async () => 42), 42);
      assert.equal(written.err, '', `isTTY=${isTTY} columns=${columns}`);
    }
  });

  it('colours only a TTY, and never with NO_COLOR, TERM=dumb, --quiet or --json', async () => {
    const coloured = new RegExp(`${String.fromCharCode(27)}\\[`);
    const cases: Array<{ isTTY: boolean; env: Record<string, string>; configure: { quiet?: boolean; json?: boolean }; colour: boolean }> = [
      { isTTY: true, env: {}, configure: {}, colour: true },
      { isTTY: false, env: {}, configure: {}, colour: false },
      { isTTY: true, env: { NO_COLOR: '' }, configure: {}, colour: false },
      { isTTY: true, env: { TERM: 'dumb' }, configure: {}, colour: false },
      { isTTY: true, env: {}, configure: { quiet: true }, colour: false },
      { isTTY: true, env: {}, configure: { json: true }, colour: false },
    ];
    for (const { isTTY, env, configure, colour } of cases) {
      const { io, written } = fakeIo(isTTY, 80, env);
      const output = await createOutput(io);
      output.configure(configure);
      output.error(new DevdnsError('x', 'broke', 'fix'));
      output.table(['A'], [['b']], { 0: 'cyan' });
      const what = JSON.stringify({ isTTY, env, configure });
      assert.equal(coloured.test(written.err), colour, `stderr ${what}`);
      assert.equal(coloured.test(written.out), colour, `stdout ${what}`);
      assert.match(written.err, /devdns:.*broke.*\(fix\)/);
    }
  });

  it('prints errors as one line with the hint in brackets', () => {
    const { io, written } = fakeIo(false, 80);
    new Output(io).error(new DevdnsError('x', 'something broke', 'do this'));
    assert.equal(written.err, 'devdns: something broke (do this)\n');
  });

  it('pads tables to the widest cell', () => {
    const { io, written } = fakeIo(false, 80);
    new Output(io).table(
      ['A', 'BB'],
      [
        ['long-cell', 'x'],
        ['y', 'z'],
      ],
    );
    assert.equal(written.out, 'A          BB\nlong-cell  x\ny          z\n');
  });
});
