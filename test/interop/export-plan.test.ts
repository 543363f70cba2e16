// Which text an export writes where: stdout, one file, or a directory of zone files.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { InputError } from '../../src/errors.js';
import { type ExportRequest, exportZone, planExport } from '../../src/interop/export.js';
import { detectFormat, parseImport } from '../../src/interop/import-formats.js';
import { parseRecordInput, type RecordInput } from '../../src/records/record-input.js';
import { addRecords } from '../../src/records/record-set.js';
import { emptyRecordFile, type RecordFile } from '../../src/records/types.js';
import { importRecords } from '../../src/store/import.js';
import { recordsFile, tempDir } from '../helpers/devdns.js';

const file: RecordFile = {
  version: 1,
  serial: 7,
  zones: { test: {}, internal: {} },
  records: [
    { name: 'a.test', type: 'A', ttl: 5, address: '127.0.0.1' },
    { name: 'b.internal', type: 'A', ttl: 5, address: '127.0.0.2' },
  ],
};

const paths = (request: ExportRequest) => {
  const plan = planExport(file, request);
  return { makeDirectory: plan.makeDirectory, paths: plan.writes.map((write) => write.path) };
};

describe('planExport', () => {
  const cases: Array<[string, ExportRequest, ReturnType<typeof paths>]> = [
    [
      'zones to stdout, one after another',
      { format: 'zone', outputIsDirectory: false },
      { makeDirectory: undefined, paths: [undefined, undefined] },
    ],
    [
      'one zone to a file',
      { format: 'zone', zone: 'test', output: 'x.zone', outputIsDirectory: false },
      { makeDirectory: undefined, paths: ['x.zone'] },
    ],
    [
      'one zone into a directory',
      { format: 'zone', zone: 'test', output: 'd', outputIsDirectory: true },
      { makeDirectory: undefined, paths: ['d/test.zone'] },
    ],
    [
      'zones into an existing directory',
      { format: 'zone', output: 'd', outputIsDirectory: true },
      { makeDirectory: undefined, paths: ['d/test.zone', 'd/internal.zone'] },
    ],
    [
      'zones into a new directory',
      { format: 'zone', output: 'new/', outputIsDirectory: false },
      { makeDirectory: 'new/', paths: ['new/test.zone', 'new/internal.zone'] },
    ],
    ['hosts to a file', { format: 'hosts', output: 'hosts', outputIsDirectory: false }, { makeDirectory: undefined, paths: ['hosts'] }],
    ['json to stdout', { format: 'json', outputIsDirectory: false }, { makeDirectory: undefined, paths: [undefined] }],
  ];
  for (const [label, request, expected] of cases) it(label, () => assert.deepEqual(paths(request), expected));

  it('refuses several zones into one file, and says how', () => {
    assert.throws(
      () => planExport(file, { format: 'zone', output: 'all.zone', outputIsDirectory: false }),
      (error) => error instanceof InputError && /2 zones \(test, internal\) make 2 zone files/.test(error.message),
    );
  });

  it('writes each zone its own text', () => {
    const [test, internal] = planExport(file, { format: 'zone', outputIsDirectory: false }).writes;
    assert.match(test?.text ?? '', /^\$ORIGIN test\.$/m);
    assert.match(test?.text ?? '', /^a\s+5\s+IN\s+A\s+127\.0\.0\.1$/m);
    assert.doesNotMatch(test?.text ?? '', /127\.0\.0\.2/);
    assert.match(internal?.text ?? '', /^\$ORIGIN internal\.$/m);
    assert.match(internal?.text ?? '', /^b\s+5\s+IN\s+A\s+127\.0\.0\.2$/m);
  });
});

describe('an override zone in a zone file', () => {
  const overridden = [
    { name: 'api.example.com', value: '127.0.0.1' },
    { name: 'api.example.com', type: 'TXT', value: 'mock' },
    { name: 'deep.api.example.com', value: '127.0.0.2' },
  ].reduce<RecordFile>(
    (built, input: RecordInput) => addRecords(built, { ...parseRecordInput(input), override: true }).file,
    emptyRecordFile(),
  );

  it('is written with its records and the mark, and no SOA or NS for the real domain', () => {
    const text = exportZone(overridden, 'api.example.com');
    assert.doesNotMatch(text, /\sIN\s+SOA\s/);
    assert.doesNotMatch(text, /\sIN\s+NS\s/);
    assert.match(text, /^; devdns: override api\.example\.com$/m);
    assert.match(text, /^@\s+\d+\s+IN\s+A\s+127\.0\.0\.1$/m);
    const plan = planExport(overridden, { format: 'zone', outputIsDirectory: false });
    assert.match(plan.notes.join('\n'), /api\.example\.com: an override, written without SOA or NS/);
  });

  it('comes back from devdns import as the same override', async () => {
    const text = exportZone(overridden, 'api.example.com');
    assert.equal(detectFormat(text), 'zone');
    const parsed = parseImport(text, 'zone');
    assert.deepEqual([parsed.problems, parsed.skipped, parsed.zones], [[], [], { 'api.example.com': { override: true } }]);
    const dir = tempDir();
    try {
      const report = await importRecords(dir.path, parsed, { force: true });
      assert.equal(report.added.length, 3);
      const kept = JSON.parse(readFileSync(recordsFile(dir.path), 'utf8')) as RecordFile;
      assert.deepEqual(kept.zones, overridden.zones);
      assert.deepEqual(kept.records.map((r) => `${r.name} ${r.type}`).sort(), overridden.records.map((r) => `${r.name} ${r.type}`).sort());
    } finally {
      dir.cleanup();
    }
  });
});
