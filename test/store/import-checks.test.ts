// Whatever an import takes in, the file it writes passes the checks every reader applies: a
// command takes a file devdns wrote without checking it again (checked-mark.ts), so a value or a
// zone an import let through unchecked would be served. Seeded streams of good and bad lines of
// each format, imported with --skip-invalid and --force into files already holding records.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { type ImportFormat, parseImport } from '../../src/interop/import-formats.js';
import { checkRecordFile } from '../../src/records/record-file.js';
import { parseStrictJson } from '../../src/records/strict-json.js';
import { importRecords } from '../../src/store/import.js';
import { RecordStore } from '../../src/store/record-store.js';
import { tempDir } from '../helpers/devdns.js';
import { random } from '../helpers/fuzz.js';

const NAMES = [
  'a.test',
  'b.test',
  'www.a.test',
  '*.a.test',
  'app.test',
  'x.internal',
  'a.example.com',
  '__proto__',
  'A.TEST',
  'a..test',
  '',
];
const VALUES = ['10.0.0.1', '::1', 'fd00::7', '999.1.1.1', 'a.test', 'b.test', 'app.test', '0.0.0.0', '#', ''];
const TEXTS = [
  '"v=spf1 -all"',
  `"${'t'.repeat(255)}"`,
  `"${'t'.repeat(256)}"`,
  Array(17)
    .fill(`"${'u'.repeat(250)}"`)
    .join(','),
  '"bell\u0007"',
  '""',
];
const HEX = ['000569737375656c657473656e63727970742e6f7267', '00054953535545', '0000410a42', '00ff', '', 'zz', `0010${'61'.repeat(16)}76`];

function pick<T>(next: () => number, items: readonly T[]): T {
  return items[Math.floor(next() * items.length)] as T;
}

const LINES: Record<Exclude<ImportFormat, 'json' | 'yaml'>, (next: () => number) => string> = {
  hosts: (next) => `${pick(next, VALUES)} ${pick(next, NAMES)} ${pick(next, NAMES)}`,
  dnsmasq: (next) => {
    const name = pick(next, NAMES);
    const other = pick(next, VALUES);
    return pick(next, [
      `address=/${name}/${other}`,
      `host-record=${name},${other}`,
      `cname=${name},${other}`,
      `mx-host=${name},${other},${Math.floor(next() * 70_000)}`,
      `srv-host=_http._tcp.${name},${other},${Math.floor(next() * 70_000)}`,
      `txt-record=${name},${pick(next, TEXTS)}`,
      `ptr-record=1.0.0.10.in-addr.arpa,${other}`,
      `dns-rr=${name},257,${pick(next, HEX)}`,
    ]);
  },
  zone: (next) =>
    `${pick(next, NAMES)}. ${pick(next, ['', '60', '2147483648'])} IN ${pick(next, [
      `A ${pick(next, VALUES)}`,
      `AAAA ${pick(next, VALUES)}`,
      `CNAME ${pick(next, VALUES)}.`,
      `TXT ${pick(next, TEXTS).replaceAll(',', ' ')}`,
      `MX 10 ${pick(next, VALUES)}.`,
      `CAA 0 ${pick(next, ['issue', 'ISSUE', 'x'.repeat(16)])} "ca.example"`,
      `NS ${pick(next, VALUES)}.`,
      `SRV 0 5 ${Math.floor(next() * 70_000)} ${pick(next, VALUES)}.`,
    ])}`,
};

describe('what an import writes', () => {
  for (const [format, line] of Object.entries(LINES)) {
    it(`passes every check a reader applies: ${format}`, async () => {
      const next = random(format.length * 7919);
      for (let round = 0; round < 20; round++) {
        const dir = tempDir();
        try {
          const home = join(dir.path, 'home');
          const store = new RecordStore(home);
          // Records already there, which new zones or names must not make invalid.
          await importRecords(home, parseImport('127.0.0.1 web.test app.test\n', 'hosts'), {});
          const text = Array.from({ length: 40 }, () => line(next)).join('\n');
          for (const force of [false, true]) {
            try {
              await importRecords(home, parseImport(text, format as ImportFormat), { skipInvalid: true, force });
            } catch (error) {
              // Refusing the whole import is always allowed; writing a bad file never is.
              assert.ok((error as { code?: string }).code !== undefined, String(error));
            }
            const checked = checkRecordFile(parseStrictJson(readFileSync(store.path, 'utf8')));
            assert.ok(checked.ok, `${format}, round ${round}: ${checked.ok ? '' : checked.problem}\n${text}`);
          }
        } finally {
          dir.cleanup();
        }
      }
    });
  }
});
