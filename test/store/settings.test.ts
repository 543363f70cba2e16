// Settings that would claim real names need the same consent as `devdns add --force`.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { InputError } from '../../src/errors.js';
import { getSetting, setSetting } from '../../src/store/settings.js';
import { tempDir } from '../helpers/devdns.js';

describe('settings: zones', () => {
  const cases: Array<[string, boolean, RegExp | string[]]> = [
    ['test,internal', false, ['test', 'internal']],
    ['com', false, /zones: would serve names outside devdns's reserved zones: com \(a whole public top-level domain/],
    ['test,github.com', false, /github\.com \(a public domain/],
    ['printer.local', false, /printer\.local \(mDNS names/],
    ['com', true, ['com']],
  ];
  for (const [text, force, expected] of cases) {
    it(`zones=${text}${force ? ' --force' : ''}`, () => {
      const dir = tempDir();
      try {
        const home = join(dir.path, 'home');
        if (expected instanceof RegExp) {
          assert.throws(
            () => setSetting(home, 'zones', text, { force }),
            (error: unknown) => error instanceof InputError && expected.test(error.message),
          );
          assert.deepEqual(getSetting(home, 'zones').value, [], 'nothing stored');
        } else {
          setSetting(home, 'zones', text, { force });
          assert.deepEqual(getSetting(home, 'zones').value, expected);
        }
      } finally {
        dir.cleanup();
      }
    });
  }
});

describe('settings: upstream and forward', () => {
  const cases: Array<[string, string, RegExp | string | number | string[]]> = [
    ['upstream', '192.0.2.53, 192.0.2.54:5353', ['192.0.2.53', '192.0.2.54:5353']],
    ['upstream', 'auto', ['auto']],
    ['upstream', 'dns.example', /is a name/],
    ['upstream', 'tls://9.9.9.9#Dns.Quad9.net', ['tls://9.9.9.9#dns.quad9.net']],
    ['upstream', 'https://9.9.9.9/dns-query#Dns.Quad9.net', ['https://9.9.9.9/dns-query#dns.quad9.net']],
    // A name to look up is refused here, never stored to fail at the next start.
    ['upstream', 'https://dns.example/dns-query', /dns\.example is a name/],
    ['forward', 'ALL', 'all'],
    ['forward', 'overrides', 'overrides'],
    ['forward', 'everything', /"everything" is not overrides or all/],
    ['forward.timeout', '5', 5],
    ['forward.timeout', '0', /0 is out of range/],
    ['forward.timeout', '1.5', /"1\.5" is not a whole number/],
    ['cache.max-ttl', '0', 0],
    ['cache.max-ttl', '3600', 3600],
    ['cache.max-ttl', '604801', /604801 is out of range/],
  ];
  for (const [key, text, expected] of cases) {
    it(`${key}=${text}`, () => {
      const dir = tempDir();
      try {
        const home = join(dir.path, 'home');
        const before = getSetting(home, key).value;
        if (expected instanceof RegExp) {
          assert.throws(
            () => setSetting(home, key, text),
            (error: unknown) => error instanceof InputError && expected.test(error.message),
          );
          assert.deepEqual(getSetting(home, key).value, before, 'nothing stored');
        } else {
          setSetting(home, key, text);
          assert.deepEqual(getSetting(home, key).value, expected);
        }
      } finally {
        dir.cleanup();
      }
    });
  }
});
