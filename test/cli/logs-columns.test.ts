// `devdns logs` on a terminal: a header and columns aligned over the lines shown (the answer last,
// never cut); piped: one line of tab-separated fields per query, no header, for cut and awk.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { QueryLogEntry } from '../../src/control/protocol.js';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/devdns.js';

const entry = (
  time: string,
  client: string,
  name: string,
  type: string,
  rcode: string,
  answer: string[],
  micros: number,
): QueryLogEntry => ({
  time: `2026-12-02T${time}Z`,
  client,
  transport: 'udp',
  name,
  type,
  rcode,
  answer,
  micros,
});

const ENTRIES = [
  entry('08:00:00.001', '127.0.0.1#53000', 'myapp.test', 'A', 'NOERROR', ['A 127.0.0.1'], 45),
  entry('08:00:00.002', '127.0.0.1#5', 'a-much-longer-name.shop.test', 'AAAA', 'NXDOMAIN', [], 1234),
  {
    ...entry('08:00:00.003', '[::1]#61000', 'www.example.com', 'A', 'NOERROR', ['A 192.0.2.7'], 7),
    source: 'upstream',
    upstream: '127.0.0.2:53',
  },
  { ...entry('08:00:00.004', '127.0.0.1#6', 'api.example.com', 'A', 'NOERROR', ['A 127.0.0.1'], 9), source: 'override' },
];

describe('devdns logs columns', () => {
  const dir = tempDir();
  const home = join(dir.path, 'home');
  const env = { DEVDNS_HOME: home, NO_COLOR: '1' };
  before(() => {
    mkdirSync(home, { mode: 0o700 });
    writeFileSync(join(home, 'queries.log'), `${ENTRIES.map((e) => JSON.stringify(e)).join('\n')}\n`, { mode: 0o600 });
  });
  after(() => dir.cleanup());

  it('on a terminal: a header, and every column starts where its header does', async () => {
    const result = await runCli(['logs'], env, true);
    assert.equal(result.code, 0, result.stderr);
    const [header = '', ...lines] = result.stdout.trimEnd().split('\n');
    assert.match(header, /^TIME +CLIENT +NAME +TYPE +RESULT +µs +FROM +ANSWER$/);
    assert.equal(lines.length, 4);
    const starts = ['CLIENT', 'NAME', 'TYPE', 'RESULT', 'FROM', 'ANSWER'].map((title) => header.indexOf(title));
    // A line of an earlier version, without a source, is devdns's records.
    const cells = [
      ['127.0.0.1#53000', 'myapp.test', 'A', 'NOERROR', 'record', 'A 127.0.0.1'],
      ['127.0.0.1#5', 'a-much-longer-name.shop.test', 'AAAA', 'NXDOMAIN', 'record', '-'],
      ['[::1]#61000', 'www.example.com', 'A', 'NOERROR', '127.0.0.2:53', 'A 192.0.2.7'],
      ['127.0.0.1#6', 'api.example.com', 'A', 'NOERROR', 'override', 'A 127.0.0.1'],
    ];
    for (const [i, line] of lines.entries()) {
      let from = 12;
      for (const [column, text] of (cells[i] ?? []).entries()) {
        from = line.indexOf(text, from);
        assert.equal(from, starts[column], `${line}: ${text}`);
        from += text.length;
      }
      // The duration is right-aligned under µs.
      const micros = String(ENTRIES[i]?.micros);
      assert.equal(line.indexOf(`${micros}  `, 12) + micros.length, header.indexOf('µs') + 2, `${line}: ${micros}`);
    }
    assert.ok(lines[2]?.endsWith('A 192.0.2.7'), 'the answer is whole');
  });

  it('piped: tab-separated fields in the same order as before, where the answer came from last, no header', async () => {
    const result = await runCli(['logs'], env, false);
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(
      result.stdout
        .trimEnd()
        .split('\n')
        .map((line) => line.split('\t')),
      [
        ['08:00:00.001', '127.0.0.1#53000', 'myapp.test', 'A', 'NOERROR', 'A 127.0.0.1', '45µs', 'record'],
        ['08:00:00.002', '127.0.0.1#5', 'a-much-longer-name.shop.test', 'AAAA', 'NXDOMAIN', '-', '1234µs', 'record'],
        ['08:00:00.003', '[::1]#61000', 'www.example.com', 'A', 'NOERROR', 'A 192.0.2.7', '7µs', '127.0.0.2:53'],
        ['08:00:00.004', '127.0.0.1#6', 'api.example.com', 'A', 'NOERROR', 'A 127.0.0.1', '9µs', 'override'],
      ],
    );
  });

  it('--json on a terminal stays one object per line, without a header', async () => {
    const result = await runCli(['logs', '--json'], env, true);
    assert.deepEqual(
      result.stdout
        .trimEnd()
        .split('\n')
        .map((line) => JSON.parse(line).name),
      ENTRIES.map((e) => e.name),
    );
  });
});
