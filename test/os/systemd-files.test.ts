// systemd-resolved's negative trust anchor files, read by resolved's own rules: only `;` lines are
// comments, a line is one name and nothing after it; and which of resolved's built-in anchors a
// file of devdns's must list so that writing it turns none of them off.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RESOLVED_BUILTIN_NEGATIVE_ANCHORS } from '../../src/os/resolvers.js';
import { builtinAnchorsToKeep, negativeAnchorLine, negativeAnchors } from '../../src/os/systemd-files.js';
import { withTree } from '../helpers/tree.js';

describe('negative trust anchor lines, as resolved reads them', () => {
  const cases: Array<[string, string | undefined]> = [
    ['api.example.com', 'api.example.com'],
    ['  API.Example.COM.  ', 'api.example.com'],
    ['; a comment', undefined],
    ['', undefined],
    // `#` is no comment to resolved: the line is a name, and it turns the built-in anchors off.
    ['#mine', '#mine'],
    ['test extra', undefined],
    ['corp.example ; note', undefined],
    ['foo..bar', undefined],
    ['"example"', 'example'],
    [`${'a'.repeat(64)}.example`, undefined],
  ];
  for (const [line, expected] of cases) it(JSON.stringify(line), () => assert.equal(negativeAnchorLine(line), expected));

  it('reads the files of every systemd directory, /etc hiding the same name in /usr/lib', () => {
    const anchors = withTree(
      {
        '/etc/dnssec-trust-anchors.d/a.negative': 'mine.example\n',
        '/usr/lib/dnssec-trust-anchors.d/a.negative': 'hidden.example\n',
        '/run/dnssec-trust-anchors.d/b.negative': '; only a comment\nrun.example\n',
        '/etc/dnssec-trust-anchors.d/c.positive': '. IN DS 1 8 2 AA\n',
      },
      (system) => negativeAnchors(system),
    );
    assert.deepEqual(anchors, [
      { domain: 'mine.example', file: '/etc/dnssec-trust-anchors.d/a.negative' },
      { domain: 'run.example', file: '/run/dnssec-trust-anchors.d/b.negative' },
    ]);
  });
});

describe("resolved's built-in anchors a file of devdns's keeps", () => {
  it("all of them where no file names a domain, and devdns's own file does not count", () => {
    assert.deepEqual(
      withTree({}, (system) => builtinAnchorsToKeep(system)),
      RESOLVED_BUILTIN_NEGATIVE_ANCHORS,
    );
    const ours = { '/etc/dnssec-trust-anchors.d/devdns.negative': '; Written by devdns setup\ntest\n' };
    assert.deepEqual(
      withTree(ours, (system) => builtinAnchorsToKeep(system)),
      RESOLVED_BUILTIN_NEGATIVE_ANCHORS,
    );
    assert.deepEqual(
      withTree({ '/etc/dnssec-trust-anchors.d/other.negative': '; comments only\n\n' }, (system) => builtinAnchorsToKeep(system)),
      RESOLVED_BUILTIN_NEGATIVE_ANCHORS,
      'a file of comments names none, and turns nothing off',
    );
  });

  it('none where a file of the system already turned them off: devdns does not turn them on again', () => {
    assert.deepEqual(
      withTree({ '/etc/dnssec-trust-anchors.d/corp.negative': 'corp.example\n' }, (system) => builtinAnchorsToKeep(system)),
      [],
    );
  });
});
