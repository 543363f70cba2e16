// The README's `devdns add` examples, run in order with the built binary as a user pastes them
// into a shell: every line succeeds, none warns that a name has no address, and the CNAME among
// them (www.shop.test) answers an address.
import assert from 'node:assert/strict';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { answerQuery } from '../../src/dns/answer.js';
import { CLASS_IN, QTYPE } from '../../src/dns/protocol.js';
import { buildZoneIndex } from '../../src/dns/zone-index.js';
import { loadServedRecords } from '../../src/store/projects.js';
import { BIN, runCommand, tempDir } from '../helpers/devdns.js';

const README = fileURLToPath(new URL('../../README.md', import.meta.url));

/** The lines of the ```sh block under the `### \`devdns add ...` heading. */
export function addExamples(readme: string): string[] {
  const section = readme.split(/^### `devdns add /m)[1];
  assert.ok(section !== undefined, 'the README has a devdns add section');
  const block = /```sh\n([\s\S]*?)```/.exec(section.split(/^#{2,3} /m)[0] ?? '')?.[1];
  assert.ok(block !== undefined, 'the devdns add section has a sh block');
  return block.split('\n').filter((line) => line.trim() !== '' && !line.trim().startsWith('#'));
}

describe('the README devdns add examples (built binary)', () => {
  const dir = tempDir();
  const home = join(dir.path, 'home');
  const shell = (line: string) => {
    // `devdns` on PATH is the built binary, so the shell reads the quotes and comments as it would for a user.
    return runCommand('/bin/sh', ['-c', line], {
      ...process.env,
      NO_COLOR: '1',
      DEVDNS_HOME: home,
      PATH: `${dir.path}:${process.env.PATH}`,
    });
  };
  before(() => {
    const wrapper = join(dir.path, 'devdns');
    writeFileSync(wrapper, `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)} "$@"\n`);
    chmodSync(wrapper, 0o755);
  });
  after(() => dir.cleanup());

  it('run in order without a warning, and www.shop.test resolves to an address', async () => {
    const lines = addExamples(readFileSync(README, 'utf8'));
    assert.ok(
      lines.some((line) => /-t CNAME/.test(line)),
      'the examples include a CNAME',
    );
    for (const line of lines) {
      assert.match(line, /^devdns add /);
      const result = await shell(line);
      assert.equal(result.code, 0, `${line}\n${result.stderr}`);
      assert.doesNotMatch(result.stderr, /warning:.*no address/, line);
    }
    const index = buildZoneIndex(loadServedRecords(home).file);
    const response = answerQuery(index, {
      id: 0,
      opcode: 0,
      recursionDesired: false,
      checkingDisabled: false,
      question: { name: 'www.shop.test', type: QTYPE.A, class: CLASS_IN },
      questionCount: 1,
      edns: undefined,
      malformed: undefined,
    });
    assert.deepEqual(
      response.answer.map(
        (rr) => `${rr.name} ${rr.data.type} ${'target' in rr.data ? rr.data.target : 'address' in rr.data ? rr.data.address : ''}`,
      ),
      ['www.shop.test CNAME shop.test', 'shop.test A 127.0.0.1'],
    );
  });
});
