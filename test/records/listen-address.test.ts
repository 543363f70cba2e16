import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isLoopback, parseListenAddress } from '../../src/records/listen-address.js';

describe('parseListenAddress', () => {
  it('accepts loopback addresses and ports 0-65535', () => {
    assert.deepEqual(parseListenAddress('127.0.0.1', '9090'), { host: '127.0.0.1', port: 9090 });
    assert.deepEqual(parseListenAddress('::1', 0), { host: '::1', port: 0 });
    assert.deepEqual(parseListenAddress('127.0.0.53', 53), { host: '127.0.0.53', port: 53 });
  });
  const bad: Array<[string, string | number, RegExp]> = [
    ['0.0.0.0', 9090, /--host: 0\.0\.0\.0 is not a loopback address/],
    ['::', 9090, /not a loopback address/],
    ['192.168.1.10', 9090, /not a loopback address/],
    ['localhost', 9090, /not an IP address/],
    ['127.0.0.1', 65536, /--port: 65536 is out of range/],
    ['127.0.0.1', 'http', /--port: "http" is not a whole number/],
  ];
  for (const [host, port, message] of bad) {
    it(`refuses ${host} port ${port}`, () => assert.throws(() => parseListenAddress(host, port), message));
  }
  it('knows loopback', () => {
    assert.equal(isLoopback('::ffff:127.0.0.1'), true);
    assert.equal(isLoopback('10.0.0.1'), false);
  });
});
