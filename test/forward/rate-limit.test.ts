// A token bucket per client: a burst, then the rate; clients apart; a bounded memory of clients.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ClientRateLimit } from '../../src/forward/rate-limit.js';

describe('ClientRateLimit', () => {
  it('lets a burst through, then the rate, each client on its own', () => {
    let now = 0;
    const limit = new ClientRateLimit({ perSecond: 10, burst: 5 }, () => now);
    const taken = (client: string, times: number) => Array.from({ length: times }, () => limit.allow(client)).filter(Boolean).length;
    assert.equal(taken('a', 8), 5);
    assert.equal(taken('b', 3), 3);
    now += 300; // 3 tokens back
    assert.equal(taken('a', 8), 3);
    now += 60_000; // never more than the burst
    assert.equal(taken('a', 8), 5);
  });

  it('forgets the client seen longest ago, never more than maxClients', () => {
    const limit = new ClientRateLimit({ perSecond: 1, burst: 1, maxClients: 2 }, () => 0);
    assert.equal(limit.allow('a'), true);
    assert.equal(limit.allow('a'), false);
    limit.allow('b');
    limit.allow('c'); // a is forgotten: it starts again with a full bucket
    assert.equal(limit.allow('a'), true);
  });
});
