// The records file's text: what devdns writes reads back exactly, one record per line.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { recordFileChunks, recordFileText, rememberFileText } from '../../src/records/file-text.js';
import { checkRecordFile } from '../../src/records/record-file.js';
import { parseRecordInput } from '../../src/records/record-input.js';
import { addRecords } from '../../src/records/record-set.js';
import { parseStrictJson } from '../../src/records/strict-json.js';
import { type DnsRecord, emptyRecordFile, type RecordFile } from '../../src/records/types.js';
import { EVERY_TYPE } from '../helpers/record-samples.js';

/** The text of `file` made from a copy, so that no run's text is reused. */
const freshText = (file: RecordFile) => recordFileText(JSON.parse(JSON.stringify(file)) as RecordFile);

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
    const file = fileOf(EVERY_TYPE);
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

  it('reads back with JSON.parse alone as the very records a full check makes, every type', () => {
    // What a reader relies on when it takes a file devdns wrote and checked without checking it again.
    const file = fileOf(EVERY_TYPE);
    assert.deepEqual(JSON.parse(recordFileText(file)), readBack(recordFileText(file)));
    assert.deepEqual(JSON.parse(recordFileText(file)), file);
  });

  it('takes the text a file was read from as its runs: the next text is the same as one made afresh', () => {
    for (const count of [1, 1_999, 2_000, 2_001, 4_500]) {
      const made = fileOf(Array.from({ length: count }, (_, i) => ({ name: `h${i}.test`, value: '10.0.0.1' })));
      const text = freshText(made);
      const read = JSON.parse(text) as RecordFile;
      rememberFileText(read, text);
      const changes: RecordFile[] = [
        read,
        addRecords(read, parseRecordInput({ name: 'last.test', value: '10.0.0.2' })).file,
        { ...read, records: read.records.filter((_, i) => i !== Math.floor(count / 2)) },
        { ...read, serial: read.serial + 1, records: [{ ...(read.records[0] as DnsRecord), ttl: 60 }, ...read.records.slice(1)] },
      ];
      for (const changed of changes) assert.equal(recordFileText(changed), freshText(changed), `${count} records`);
      // The lines are taken as they are: a space inside the first and the last record's line
      // (which devdns never writes) shows that each run's text came from the text read.
      const first = text.indexOf('"ttl":5');
      const last = text.lastIndexOf('"ttl":5');
      const spaced = `${text.slice(0, first)}"ttl": 5${text.slice(first + 7, last)}${last === first ? '' : '"ttl": 5'}${text.slice(last + 7)}`;
      const readSpaced = JSON.parse(spaced) as RecordFile;
      rememberFileText(readSpaced, spaced);
      assert.equal(recordFileText(readSpaced), spaced, `${count} records`);
    }
  });

  it('takes nothing from a text of another layout', () => {
    const made = fileOf(Array.from({ length: 2_500 }, (_, i) => ({ name: `h${i}.test`, value: '10.0.0.1' })));
    const text = freshText(made);
    const others = [
      text.replaceAll('\n', '\r\n'),
      text.replace(',\n    {"name":"h1.test"', ', {"name":"h1.test"'),
      text.replace('"records": [', '"records":  ['),
      JSON.stringify(made, null, 2),
    ];
    for (const other of others) {
      const read = JSON.parse(other) as RecordFile;
      assert.deepEqual(read, made);
      rememberFileText(read, other);
      assert.equal(recordFileText(read), text);
    }
  });
});
