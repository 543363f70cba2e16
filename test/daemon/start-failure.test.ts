// The start-failure line: what the daemon writes when its start fails, and what the launcher reads back.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatStartFailure, readStartFailure, START_FAILURE_MARKER, type StartFailure } from '../../src/daemon/start-failure.js';
import { DevdnsError, PortInUseError } from '../../src/errors.js';

const stamp = '2026-01-01T00:00:00.000Z';

describe('start-failure line', () => {
  const roundTrips: Array<[string, DevdnsError, StartFailure]> = [
    [
      'a typed error keeps its code and hint',
      new PortInUseError('UDP', '127.0.0.1', 9090),
      {
        code: 'port-in-use',
        message: 'UDP port 9090 on 127.0.0.1 is in use',
        hint: "choose another with --port, or see what holds it: ss -lunpt 'sport = :9090'",
      },
    ],
    [
      'no hint: none read back',
      new DevdnsError('records-invalid', 'records.json: is a directory'),
      { code: 'records-invalid', message: 'records.json: is a directory' },
    ],
    [
      'parentheses and quotes stay in the message',
      new DevdnsError('x', 'a "quoted" (bracketed) message', 'a (hint)'),
      { code: 'x', message: 'a "quoted" (bracketed) message', hint: 'a (hint)' },
    ],
    ['a line break stays inside the one line', new DevdnsError('x', 'two\nlines'), { code: 'x', message: 'two\nlines' }],
  ];
  for (const [title, error, expected] of roundTrips) {
    it(title, () => {
      const line = formatStartFailure(error);
      assert.ok(line.startsWith(START_FAILURE_MARKER));
      assert.equal(line.split('\n').length, 1);
      assert.deepEqual(readStartFailure(`${stamp} ${line}\ndevdns: ${error.message}\n`), expected);
    });
  }

  const logs: Array<[string, string, StartFailure | undefined]> = [
    ['an empty log', '', undefined],
    ['human lines only', `${stamp} devdns: serving DNS on 127.0.0.1:9090\ndevdns: something (a hint)\n`, undefined],
    ['a line cut short', `${stamp} ${START_FAILURE_MARKER}{"code":"x","mess`, undefined],
    ['a marker without the fields', `${START_FAILURE_MARKER}{"code":1,"message":"m"}`, undefined],
    [
      'the last of two',
      `${formatStartFailure(new DevdnsError('first', 'one'))}\n${formatStartFailure(new DevdnsError('second', 'two'))}\n`,
      { code: 'second', message: 'two' },
    ],
  ];
  for (const [title, log, expected] of logs) it(`reads ${title}`, () => assert.deepEqual(readStartFailure(log), expected));
});
