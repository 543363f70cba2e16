// The records file's text: what devdns writes reads back exactly, one record per line.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { recordFileChunks, recordFileText } from '../../src/records/file-text.js';
import { checkRecordFile } from '../../src/records/record-file.js';
import { parseRecordInput } from '../../src/records/record-input.js';
import { addRecords } from '../../src/records/record-set.js';
import { parseStrictJson } from '../../src/records/strict-json.js';
import { emptyRecordFile, type RecordFile } from '../../src/records/types.js';

function fileOf(inputs: Array<Parameters<typeof parseRecordInput>[0]>): RecordFile {
  let file = emptyRecordFile();
  for (const input of inputs) file = addRecords(file, parseRecordInput(input)).file;
  return file;
}

const readBack = (text: string) => {
  const checked = checkRecordFile(parseStrictJson(text));
  assert.ok(checked.ok, checked.ok ? '' : checked.problem);
  return checked.file;
};

describe('the records file text', () => {
  it('reads back as the same records, every type, with hard text in TXT', () => {
    const file = fileOf([
      { name: 'a.test' },
      { name: '*.shop.test', value: '127.0.0.3' },
      { name: 'www.a.test', type: 'CNAME', value: 'a.test' },
      { name: 'a.test', type: 'MX', value: 'mail.a.test', priority: 10 },
      { name: 'a.test', type: 'TXT', value: '"say \\"hi\\"" "semi; and ünïcode \\\\ back"' },
      { name: '_http._tcp.a.test', type: 'SRV', value: 'a.test', priority: 0, weight: 5, port: 8080 },
      { name: 'a.test', type: 'CAA', value: '0 issue "letsencrypt.org"' },
      { name: 'sub.a.test', type: 'NS', value: 'ns.other.example' },
      { name: '1.0.0.127.in-addr.arpa', type: 'PTR', value: 'a.test' },
    ]);
    const text = recordFileText(file);
    assert.deepEqual(readBack(text), file);
    // One line per record, between the header and the end.
    const lines = text.split('\n');
    assert.equal(lines.filter((line) => line.startsWith('    {"name":')).length, file.records.length);
    assert.ok(text.endsWith(']\n}\n'));
  });

  it('writes an empty set as an empty array', () => {
    const file = emptyRecordFile();
    assert.deepEqual(readBack(recordFileText(file)), file);
    assert.match(recordFileText(file), /"records": \[\]\n\}\n$/);
  });

  it('comes in chunks that join to the whole, for a set larger than one chunk', () => {
    const file = fileOf(Array.from({ length: 4_500 }, (_, i) => ({ name: `h${i}.test`, value: '10.0.0.1' })));
    const chunks = [...recordFileChunks(file)];
    assert.ok(chunks.length > 3, `${chunks.length} chunks`);
    assert.equal(chunks.join(''), recordFileText(file));
    assert.equal(readBack(chunks.join('')).records.length, 4_500);
  });

  it('reuses the text of a run only when it holds the same records at the same place', () => {
    const file = fileOf(Array.from({ length: 4_500 }, (_, i) => ({ name: `h${i}.test`, value: '10.0.0.1' })));
    recordFileText(file);
    const changes: RecordFile[] = [
      // one gone from the first run: every run after it shifts
      { ...file, records: file.records.filter((_, i) => i !== 10) },
      // one added at the end: the runs before are reused
      addRecords(file, parseRecordInput({ name: 'last.test', value: '10.0.0.2' })).file,
      // the first record of a later run moved to the front: its run's text must not follow it there
      { ...file, records: [file.records[2_000], ...file.records.filter((_, i) => i !== 2_000)].filter((r) => r !== undefined) },
      // a run's first record kept, the rest of it different
      { ...file, records: [...file.records.slice(0, 2_001), ...file.records.slice(2_002)] },
    ];
    for (const changed of changes) assert.deepEqual(readBack(recordFileText(changed)), changed);
  });
});
