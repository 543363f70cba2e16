// The forwarder's policy, with upstreams played by functions and a clock the test moves: the
// cache and its key, identical questions sharing one upstream query, failover and preference,
// stale answers, SERVFAIL at the deadline whatever a transport does, and the reply fitted to the
// client (its ID, RD and CD bits, its spelling, the UDP size). And what a reply's bytes say:
// TTLs, negative answers, and records outside the question's chain that keep it out of the cache.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as packet from 'dns-packet';
import type { ForwardRequest } from '../../src/dns/respond.js';
import { readQuery } from '../../src/dns/wire.js';
import { Forwarder, refusedReply, type UpstreamTransport } from '../../src/forward/forwarder.js';
import { shapeReply } from '../../src/forward/reply-shape.js';
import type { UpstreamQuestion } from '../../src/forward/udp-upstream.js';

type Answer = packet.Answer;
const RCODES: Record<string, number> = { NOERROR: 0, SERVFAIL: 2, NXDOMAIN: 3, REFUSED: 5 };

function clientQuery(name: string, type: string, options: { id?: number; rd?: boolean; cd?: boolean; edns?: number } = {}): Buffer {
  const flags = (options.rd === false ? 0 : packet.RECURSION_DESIRED) | (options.cd ? packet.CHECKING_DISABLED : 0);
  return packet.encode({
    type: 'query',
    id: options.id ?? 4242,
    flags,
    questions: [{ name, type: type as never, class: 'IN' }],
    ...(options.edns ? { additionals: [{ type: 'OPT', name: '.', udpPayloadSize: options.edns } as never] } : {}),
  });
}

function request(message: Buffer, maxSize = 65535): ForwardRequest {
  const read = readQuery(message);
  assert.equal(read.kind, 'query');
  if (read.kind !== 'query') throw new Error('unreachable');
  return { query: read.query, questionEnd: read.questionEnd, rule: 'override', maxSize };
}

/** An upstream's reply to `query` (as the transport got it: the question as asked, any ID). */
function upstreamReply(
  query: Uint8Array,
  answers: Answer[],
  options: { rcode?: string; authorities?: Answer[]; additionals?: Answer[]; tc?: boolean; flags?: number } = {},
): Buffer {
  const asked = packet.decode(Buffer.from(query));
  return packet.encode({
    type: 'response',
    id: 7,
    // dns-packet takes the rcode from the low bits of the flags.
    flags:
      packet.RECURSION_DESIRED |
      packet.RECURSION_AVAILABLE |
      (options.tc ? packet.TRUNCATED_RESPONSE : 0) |
      (options.flags ?? 0) |
      (RCODES[options.rcode ?? 'NOERROR'] ?? 0),
    questions: asked.questions,
    answers,
    authorities: options.authorities ?? [],
    additionals: options.additionals ?? [],
  } as never);
}

const soa = (ttl: number, minimum: number): Answer =>
  ({
    type: 'SOA',
    name: 'example.com',
    ttl,
    data: { mname: 'ns.example.com', rname: 'hostmaster.example.com', serial: 1, refresh: 3600, retry: 600, expire: 86400, minimum },
  }) as Answer;

interface FakeUpstream extends UpstreamTransport {
  calls: number;
  retries: number;
}

function fake(
  label: string,
  answer: (query: Uint8Array, question: UpstreamQuestion) => Promise<Uint8Array> | Uint8Array,
  retry?: (query: Uint8Array) => Uint8Array,
): FakeUpstream {
  const upstream: FakeUpstream = {
    label,
    calls: 0,
    retries: 0,
    ask: async (query, question) => {
      upstream.calls++;
      return answer(query, question);
    },
    ...(retry
      ? {
          retry: async (query: Uint8Array) => {
            upstream.retries++;
            return retry(query);
          },
        }
      : {}),
  };
  return upstream;
}

const addressOf = (name: string, address: string, ttl = 60): Answer => ({ type: 'A', name, ttl, data: address }) as Answer;
const never = () => new Promise<Uint8Array>(() => undefined);
const fails = () => Promise.reject(new Error('unreachable'));

function clock() {
  let now = 1_000;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

/** What the tests read of a reply, as dns-packet decodes it. */
interface Decoded {
  id: number;
  rcode: string;
  flag_tc: boolean;
  flag_rd: boolean;
  flag_cd: boolean;
  flag_aa: boolean;
  flag_ra: boolean;
  flag_ad: boolean;
  opcode: string;
  questions: Array<{ name: string }>;
  answers: Array<{ ttl: number }>;
  authorities: Array<{ type: string; ttl: number }>;
  additionals: unknown[];
}

const decode = (bytes: Uint8Array): Decoded => packet.decode(Buffer.from(bytes)) as unknown as Decoded;

async function forward(forwarder: Forwarder, message: Buffer, maxSize?: number) {
  const outcome = await forwarder.forward(message, request(message, maxSize));
  return { ...outcome, decoded: decode(outcome.reply) };
}

describe('Forwarder', () => {
  it('asks once, then answers from the cache with the TTL counted down, whatever the spelling', async () => {
    const time = clock();
    const upstream = fake('u1', (query) => upstreamReply(query, [addressOf('api.example.com', '192.0.2.1', 60)]));
    const forwarder = new Forwarder({ upstreams: [upstream], now: time.now });
    const first = await forward(forwarder, clientQuery('api.example.com', 'A'));
    assert.deepEqual([first.source, first.upstream, first.decoded.id], ['upstream', 'u1', 4242]);
    time.advance(10_500);
    const again = await forward(forwarder, clientQuery('API.example.COM', 'A', { id: 99 }));
    assert.equal(again.source, 'cache');
    assert.equal(again.decoded.id, 99);
    assert.equal(again.decoded.questions[0]?.name, 'API.example.COM');
    assert.equal(again.decoded.answers[0]?.ttl, 50);
    assert.equal(upstream.calls, 1);
    // Another type is another question.
    await forward(forwarder, clientQuery('api.example.com', 'TXT'));
    assert.equal(upstream.calls, 2);
    forwarder.flush();
    await forward(forwarder, clientQuery('api.example.com', 'A'));
    assert.equal(upstream.calls, 3);
  });

  it('shares one upstream query among identical questions in flight', async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const upstream = fake('u1', async (query) => {
      await gate;
      return upstreamReply(query, [addressOf('api.example.com', '192.0.2.1')]);
    });
    const forwarder = new Forwarder({ upstreams: [upstream] });
    const pending = [1, 2, 3].map((id) => forward(forwarder, clientQuery('api.example.com', 'A', { id })));
    release();
    const replies = await Promise.all(pending);
    assert.equal(upstream.calls, 1);
    assert.deepEqual(
      replies.map((r) => r.decoded.id),
      [1, 2, 3],
    );
  });

  it('fails over to the next upstream, and asks the one that answered first from then on', async () => {
    const down = fake('down', fails);
    const refusing = fake('refusing', (query) => upstreamReply(query, [], { rcode: 'SERVFAIL' }));
    const up = fake('up', (query) => upstreamReply(query, [addressOf('api.example.com', '192.0.2.1')]));
    const forwarder = new Forwarder({ upstreams: [down, refusing, up] });
    const first = await forward(forwarder, clientQuery('a.example.com', 'A'));
    assert.deepEqual([first.source, first.upstream], ['upstream', 'up']);
    await forward(forwarder, clientQuery('b.example.com', 'A'));
    assert.deepEqual([down.calls, refusing.calls, up.calls], [1, 1, 2]);
    const stats = forwarder.stats();
    assert.deepEqual(
      stats.upstreams.map((u) => [u.label, u.answered, u.failed]),
      [
        ['down', 0, 1],
        ['refusing', 0, 1],
        ['up', 2, 0],
      ],
    );
  });

  it("passes an upstream's SERVFAIL on when every upstream says it, without keeping it", async () => {
    const refusing = fake('refusing', (query) => upstreamReply(query, [], { rcode: 'SERVFAIL' }));
    const forwarder = new Forwarder({ upstreams: [refusing] });
    assert.equal((await forward(forwarder, clientQuery('a.example.com', 'A'))).decoded.rcode, 'SERVFAIL');
    await forward(forwarder, clientQuery('a.example.com', 'A'));
    assert.equal(refusing.calls, 2);
  });

  it('gives SERVFAIL at the deadline when no upstream answers, even one that ignores its timeout', async () => {
    const silent = fake('silent', never);
    const forwarder = new Forwarder({ upstreams: [silent], timeoutMs: 300 });
    const started = performance.now();
    const outcome = await forward(forwarder, clientQuery('a.example.com', 'A', { id: 5 }));
    const took = performance.now() - started;
    assert.deepEqual([outcome.source, outcome.decoded.rcode, outcome.decoded.id], ['failed', 'SERVFAIL', 5]);
    assert.ok(took >= 290 && took < 1_000, `${took} ms`);
  });

  it("shares a longer deadline out over the rounds, so that it is used: each upstream gets at least 1 s, and a third of what it is one's to wait", async () => {
    const shares = async (timeoutMs: number, count: number) => {
      const asked: number[] = [];
      const upstreams = Array.from(
        { length: count },
        (_, at): UpstreamTransport => ({
          label: `u${at}`,
          ask: (_query, _question, ms) => {
            asked.push(ms);
            return Promise.reject(new Error('unreachable'));
          },
        }),
      );
      const outcome = await forward(new Forwarder({ upstreams, timeoutMs }), clientQuery('a.example.com', 'A'));
      assert.equal(outcome.decoded.rcode, 'SERVFAIL');
      return asked;
    };
    assert.deepEqual(await shares(2_000, 1), [1_000, 1_000, 1_000]);
    assert.deepEqual(await shares(9_000, 1), [3_000, 3_000, 3_000]);
    assert.deepEqual(await shares(12_000, 2), [2_000, 2_000, 2_000, 2_000, 2_000, 2_000]);
  });

  it('serves an expired answer stale (TTL 30) only when no upstream answers', async () => {
    const time = clock();
    let up = true;
    const upstream = fake('u1', (query) => (up ? upstreamReply(query, [addressOf('api.example.com', '192.0.2.1', 5)]) : never()));
    const forwarder = new Forwarder({ upstreams: [upstream], now: time.now, timeoutMs: 100 });
    await forward(forwarder, clientQuery('api.example.com', 'A'));
    time.advance(6_000);
    // Expired, and the upstream answers: a fresh answer, not the stale one.
    assert.equal((await forward(forwarder, clientQuery('api.example.com', 'A'))).source, 'upstream');
    time.advance(6_000);
    up = false;
    const stale = await forward(forwarder, clientQuery('api.example.com', 'A'));
    assert.deepEqual([stale.source, stale.decoded.answers[0]?.ttl], ['stale', 30]);
  });

  it('serves stale too when the upstream answers SERVFAIL (its own servers are down)', async () => {
    const time = clock();
    let failing = false;
    const upstream = fake('u1', (query) =>
      upstreamReply(query, failing ? [] : [addressOf('api.example.com', '192.0.2.1', 5)], { rcode: failing ? 'SERVFAIL' : 'NOERROR' }),
    );
    const forwarder = new Forwarder({ upstreams: [upstream], now: time.now });
    await forward(forwarder, clientQuery('api.example.com', 'A'));
    time.advance(10_000);
    failing = true;
    const stale = await forward(forwarder, clientQuery('api.example.com', 'A'));
    assert.deepEqual([stale.source, stale.decoded.rcode, stale.decoded.answers[0]?.ttl], ['stale', 'NOERROR', 30]);
  });

  it('keeps a negative answer by its SOA, and one without an SOA not at all (RFC 2308 §5)', async () => {
    const time = clock();
    let withSoa = true;
    const upstream = fake('u1', (query) => upstreamReply(query, [], { rcode: 'NXDOMAIN', authorities: withSoa ? [soa(300, 20)] : [] }));
    const forwarder = new Forwarder({ upstreams: [upstream], now: time.now });
    await forward(forwarder, clientQuery('nope.example.com', 'A'));
    time.advance(19_000);
    assert.equal((await forward(forwarder, clientQuery('nope.example.com', 'A'))).source, 'cache');
    time.advance(2_000);
    assert.equal((await forward(forwarder, clientQuery('nope.example.com', 'A'))).source, 'upstream');
    withSoa = false;
    await forward(forwarder, clientQuery('other.example.com', 'A'));
    await forward(forwarder, clientQuery('other.example.com', 'A'));
    assert.equal(upstream.calls, 4);
  });

  it('reads a TTL of 2^31 or more as 0 (RFC 2181 §8), passing it on as 0 and keeping nothing', async () => {
    const upstream = fake('u1', (query) => upstreamReply(query, [addressOf('api.example.com', '192.0.2.1', 0x80000000)]));
    const forwarder = new Forwarder({ upstreams: [upstream] });
    const first = await forward(forwarder, clientQuery('api.example.com', 'A'));
    assert.equal(first.decoded.answers[0]?.ttl, 0);
    assert.equal((await forward(forwarder, clientQuery('api.example.com', 'A'))).source, 'upstream');
    assert.equal(upstream.calls, 2);
  });

  it('tells a client no longer a TTL than the cache keeps the answer, fresh and from the cache', async () => {
    const time = clock();
    const upstream = fake('u1', (query) =>
      upstreamReply(query, [
        { type: 'CNAME', name: 'api.example.com', ttl: 604_800, data: 'edge.example.net' } as Answer,
        addressOf('edge.example.net', '192.0.2.1', 200_000),
      ]),
    );
    const forwarder = new Forwarder({ upstreams: [upstream], now: time.now, cache: { maxTtl: 3_600 } });
    const fresh = await forward(forwarder, clientQuery('api.example.com', 'A'));
    assert.deepEqual(
      fresh.decoded.answers.map((a) => a.ttl),
      [3_600, 3_600],
    );
    time.advance(10_000);
    const kept = await forward(forwarder, clientQuery('api.example.com', 'A'));
    assert.equal(kept.source, 'cache');
    assert.deepEqual(
      kept.decoded.answers.map((a) => a.ttl),
      [3_590, 3_590],
    );
    assert.equal(kept.ttlLeft, 3_590);
  });

  it("gives a negative answer's SOA the negative TTL, min(TTL, MINIMUM), counted down in the cache (RFC 2308 §3, §5)", async () => {
    const time = clock();
    const upstream = fake('u1', (query) => upstreamReply(query, [], { rcode: 'NXDOMAIN', authorities: [soa(300, 20)] }));
    const forwarder = new Forwarder({ upstreams: [upstream], now: time.now });
    const fresh = await forward(forwarder, clientQuery('nope.example.com', 'A'));
    assert.deepEqual(
      fresh.decoded.authorities.map((r) => [r.type, r.ttl]),
      [['SOA', 20]],
    );
    time.advance(5_000);
    const kept = await forward(forwarder, clientQuery('nope.example.com', 'A'));
    assert.equal(kept.source, 'cache');
    assert.deepEqual(
      kept.decoded.authorities.map((r) => [r.type, r.ttl]),
      [['SOA', 15]],
    );
    // And never above the cache's cap on negative answers.
    const capped = new Forwarder({
      upstreams: [fake('u2', (query) => upstreamReply(query, [], { authorities: [soa(86_400, 86_400)] }))],
      cache: { maxNegativeTtl: 600 },
    });
    assert.equal((await forward(capped, clientQuery('api.example.com', 'TXT'))).decoded.authorities[0]?.ttl, 600);
  });

  it('passes on and keeps only the chain and the negative SOA: no NS or glue the question did not ask for (RFC 5452)', async () => {
    const poisoned = (query: Uint8Array) =>
      upstreamReply(query, [addressOf('api.example.com', '192.0.2.1')], {
        authorities: [
          { type: 'NS', name: 'example.com', ttl: 86_400, data: 'ns.attacker.example' } as Answer,
          { type: 'NS', name: 'bank.example', ttl: 86_400, data: 'ns.attacker.example' } as Answer,
        ],
        additionals: [addressOf('ns.attacker.example', '203.0.113.66'), addressOf('api.example.com', '192.0.2.1')],
      });
    const upstream = fake('u1', poisoned);
    const forwarder = new Forwarder({ upstreams: [upstream] });
    for (const source of ['upstream', 'cache']) {
      const outcome = await forward(forwarder, clientQuery('api.example.com', 'A'));
      assert.equal(outcome.source, source);
      assert.equal(outcome.decoded.answers.length, 1);
      assert.deepEqual(outcome.decoded.authorities, []);
      // The additional record at the question's own name stays; the glue for another name goes.
      assert.deepEqual(
        (outcome.decoded.additionals as Answer[]).map((r) => r.name),
        ['api.example.com'],
      );
    }
    // A negative answer keeps its SOA only when it is the zone's of the name asked.
    const stray = fake('u2', (query) =>
      upstreamReply(query, [], {
        rcode: 'NXDOMAIN',
        authorities: [{ ...soa(300, 300), name: 'other.example' } as Answer, soa(300, 60)],
      }),
    );
    const negative = await forward(new Forwarder({ upstreams: [stray] }), clientQuery('nope.example.com', 'A'));
    assert.deepEqual(
      negative.decoded.authorities.map((r) => [r.type, (r as unknown as Answer).name, r.ttl]),
      [['SOA', 'example.com', 60]],
    );
  });

  it('sets its own header bits: AA clear, RA set, AD only to a client that asked with AD or DO (RFC 6840 §5.8)', async () => {
    let asked: Decoded | undefined;
    const upstream = fake('u1', (query) => {
      asked = decode(query);
      return upstreamReply(query, [addressOf('api.example.com', '192.0.2.1')], {
        flags: packet.AUTHORITATIVE_ANSWER | packet.AUTHENTIC_DATA,
      });
    });
    const forwarder = new Forwarder({ upstreams: [upstream] });
    const plain = await forward(forwarder, clientQuery('api.example.com', 'A'));
    assert.deepEqual([plain.decoded.flag_aa, plain.decoded.flag_ra, plain.decoded.flag_ad], [false, true, false]);
    // devdns asks with AD, so a validating upstream says what it found.
    assert.equal(asked?.flag_ad, true);
    const withAd = packet.encode({
      type: 'query',
      id: 3,
      flags: packet.RECURSION_DESIRED | packet.AUTHENTIC_DATA,
      questions: [{ name: 'api.example.com', type: 'A', class: 'IN' }],
    });
    const ad = await forward(forwarder, withAd);
    assert.deepEqual([ad.source, ad.decoded.flag_aa, ad.decoded.flag_ad], ['cache', false, true]);
    const withDo = packet.encode({
      type: 'query',
      id: 4,
      flags: packet.RECURSION_DESIRED,
      questions: [{ name: 'api.example.com', type: 'A', class: 'IN' }],
      additionals: [{ type: 'OPT', name: '.', udpPayloadSize: 1232, flags: packet.DNSSEC_OK } as never],
    });
    assert.equal((await forward(forwarder, withDo)).decoded.flag_ad, true);
    // RA on the replies devdns makes itself too.
    assert.equal((await forward(new Forwarder({ upstreams: [] }), clientQuery('a.example.com', 'A'))).decoded.flag_ra, true);
    // And not on the REFUSED to a client devdns does not resolve for.
    const lan = clientQuery('a.example.com', 'A');
    assert.equal(decode(refusedReply(lan, request(lan))).flag_ra, false);
  });

  it('takes a reply with another opcode than QUERY for no answer, and asks the next upstream', async () => {
    const odd = fake('odd', (query) => {
      const reply = upstreamReply(query, [addressOf('api.example.com', '203.0.113.66')]);
      reply[2] = (reply[2] as number) | (4 << 3); // NOTIFY
      return reply;
    });
    const good = fake('good', (query) => upstreamReply(query, [addressOf('api.example.com', '192.0.2.1')]));
    const outcome = await forward(new Forwarder({ upstreams: [odd, good] }), clientQuery('api.example.com', 'A'));
    assert.deepEqual([outcome.source, outcome.upstream, outcome.decoded.opcode], ['upstream', 'good', 'QUERY']);
    assert.equal((outcome.decoded.answers[0] as unknown as Answer & { data: string }).data, '192.0.2.1');
  });

  it('never keeps an answer with records outside the question and its CNAME chain', async () => {
    const upstream = fake('u1', (query) =>
      upstreamReply(query, [
        { type: 'CNAME', name: 'api.example.com', ttl: 60, data: 'edge.cdn.example' } as Answer,
        addressOf('edge.cdn.example', '192.0.2.9'),
        addressOf('bank.example', '203.0.113.66'),
      ]),
    );
    const forwarder = new Forwarder({ upstreams: [upstream] });
    const first = await forward(forwarder, clientQuery('api.example.com', 'A'));
    assert.equal(first.decoded.answers.length, 3);
    await forward(forwarder, clientQuery('api.example.com', 'A'));
    assert.equal(upstream.calls, 2);
  });

  it('asks again over the retry transport when the reply is truncated', async () => {
    const upstream = fake(
      'u1',
      (query) => upstreamReply(query, [], { tc: true }),
      (query) => upstreamReply(query, [addressOf('api.example.com', '192.0.2.1')]),
    );
    const forwarder = new Forwarder({ upstreams: [upstream] });
    const outcome = await forward(forwarder, clientQuery('api.example.com', 'A'));
    assert.deepEqual([upstream.calls, upstream.retries, outcome.decoded.answers.length], [1, 1, 1]);
  });

  it('fits the reply to the client: its RD and CD bits, and TC=1 with the question alone past its UDP size', async () => {
    const many = Array.from({ length: 40 }, (_, i) => addressOf('api.example.com', `192.0.2.${i + 1}`));
    const upstream = fake('u1', (query) => upstreamReply(query, many));
    const forwarder = new Forwarder({ upstreams: [upstream] });
    const small = clientQuery('api.example.com', 'A', { rd: false, cd: true });
    const fitted = await forward(forwarder, small, 512);
    assert.equal(fitted.decoded.flag_tc, true);
    assert.equal(fitted.decoded.flag_rd, false);
    assert.equal(fitted.decoded.flag_cd, true);
    assert.deepEqual([fitted.decoded.answers.length, fitted.decoded.questions[0]?.name], [0, 'api.example.com']);
    const whole = await forward(forwarder, clientQuery('api.example.com', 'A'), 65535);
    assert.equal(whole.decoded.answers.length, 40);
    assert.equal(whole.decoded.flag_rd, true);
  });

  it("answers EDNS with devdns's OPT (DO copied), and a client without EDNS with none, whatever the upstream sent", async () => {
    const withOpt = (query: Uint8Array) => {
      const bytes = upstreamReply(query, [addressOf('api.example.com', '192.0.2.1')]);
      const opt = Buffer.from([0, 0, 41, 0x10, 0, 0, 0, 0, 0, 0, 0]);
      const out = Buffer.concat([bytes, opt]);
      out.writeUInt16BE(1, 10);
      return out;
    };
    const forwarder = new Forwarder({ upstreams: [fake('u1', withOpt)] });
    const plainClient = await forward(forwarder, clientQuery('api.example.com', 'A'));
    assert.equal(plainClient.decoded.additionals.length, 0);
    const ednsQuery = packet.encode({
      type: 'query',
      id: 9,
      flags: packet.RECURSION_DESIRED,
      questions: [{ name: 'api.example.com', type: 'A', class: 'IN' }],
      additionals: [{ type: 'OPT', name: '.', udpPayloadSize: 4096, flags: packet.DNSSEC_OK } as never],
    });
    const edns = await forward(forwarder, ednsQuery);
    const opt = edns.decoded.additionals as Array<{ type: string; udpPayloadSize: number; flags: number }>;
    assert.deepEqual(
      opt.map((r) => [r.type, r.udpPayloadSize, r.flags & packet.DNSSEC_OK]),
      [['OPT', 1232, packet.DNSSEC_OK]],
    );
    assert.equal(edns.decoded.answers.length, 1);
  });

  it('asks upstream with RD set, no EDNS, and the question as the client spelled it', async () => {
    let seen: Decoded | undefined;
    const upstream = fake('u1', (query) => {
      seen = decode(query);
      return upstreamReply(query, []);
    });
    await forward(new Forwarder({ upstreams: [upstream] }), clientQuery('Api.Example.com', 'TXT', { rd: false, edns: 1232 }));
    assert.equal(seen?.flag_rd, true);
    assert.equal(seen?.additionals.length, 0);
    assert.equal(seen?.questions[0]?.name, 'Api.Example.com');
  });

  it('answers REFUSED, without asking, a question the rate limit does not admit; cached answers are free', async () => {
    const upstream = fake('u1', (query) => upstreamReply(query, [addressOf('api.example.com', '192.0.2.1')]));
    const forwarder = new Forwarder({ upstreams: [upstream] });
    let admitted = 0;
    const once = () => admitted++ === 0;
    const first = clientQuery('api.example.com', 'A');
    assert.equal((await forwarder.forward(first, request(first), once)).source, 'upstream');
    assert.equal((await forwarder.forward(first, request(first), once)).source, 'cache');
    const other = clientQuery('other.example.com', 'A');
    const refused = await forwarder.forward(other, request(other), once);
    assert.deepEqual([refused.source, decode(refused.reply).rcode, upstream.calls], ['limited', 'REFUSED', 1]);
  });

  it('gives a cached answer back at once, without a promise; what needs an upstream, as a promise', async () => {
    const upstream = fake('u1', (query) => upstreamReply(query, [addressOf('api.example.com', '192.0.2.1')]));
    const forwarder = new Forwarder({ upstreams: [upstream] });
    const message = clientQuery('api.example.com', 'A');
    const first = forwarder.forwardNow(message, request(message));
    assert.ok(first instanceof Promise);
    assert.equal((await first).source, 'upstream');
    const again = forwarder.forwardNow(message, request(message));
    assert.ok(!(again instanceof Promise));
    assert.deepEqual([again.source, decode(again.reply).answers.length, upstream.calls], ['cache', 1, 1]);
    assert.deepEqual(forwarder.stats().cache.misses, 1);
  });

  it('gives SERVFAIL at once with no upstream, or past the bound on questions in flight', async () => {
    assert.equal((await forward(new Forwarder({ upstreams: [] }), clientQuery('a.example.com', 'A'))).decoded.rcode, 'SERVFAIL');
    const silent = fake('silent', never);
    const forwarder = new Forwarder({ upstreams: [silent], maxInFlight: 2, maxInFlightPerDomain: 2, timeoutMs: 200 });
    const held = [forward(forwarder, clientQuery('a.example.com', 'A')), forward(forwarder, clientQuery('b.example.com', 'A'))];
    const third = await forward(forwarder, clientQuery('c.example.com', 'A'));
    assert.equal(third.decoded.rcode, 'SERVFAIL');
    assert.equal(silent.calls, 2);
    await Promise.all(held);
  });
  it('gives one domain only its share of the questions in flight: a blackholed one cannot starve the rest', async () => {
    const silent = fake('silent', (_query, question) =>
      question.name.endsWith('black.example') ? never() : upstreamReply(_query, [addressOf(question.name, '192.0.2.1')]),
    );
    const forwarder = new Forwarder({ upstreams: [silent], maxInFlight: 8, maxInFlightPerDomain: 2, timeoutMs: 200 });
    const held = ['a', 'b'].map((label) => forward(forwarder, clientQuery(`${label}.black.example`, 'A')));
    const third = await forward(forwarder, clientQuery('c.x.BLACK.example', 'A'));
    assert.deepEqual([third.source, third.decoded.rcode, silent.calls], ['failed', 'SERVFAIL', 2]);
    const other = await forward(forwarder, clientQuery('api.example.com', 'A'));
    assert.deepEqual([other.source, other.decoded.rcode], ['upstream', 'NOERROR']);
    await Promise.all(held);
  });

  it('lets only so many clients wait on one question in flight', async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const upstream = fake('u1', async (query) => {
      await gate;
      return upstreamReply(query, [addressOf('api.example.com', '192.0.2.1')]);
    });
    const forwarder = new Forwarder({ upstreams: [upstream], maxWaiters: 2 });
    const waiting = [1, 2].map((id) => forward(forwarder, clientQuery('api.example.com', 'A', { id })));
    const turnedAway = await forward(forwarder, clientQuery('api.example.com', 'A', { id: 3 }));
    assert.deepEqual([turnedAway.source, turnedAway.decoded.rcode], ['failed', 'SERVFAIL']);
    release();
    assert.deepEqual(
      (await Promise.all(waiting)).map((r) => [r.source, r.decoded.rcode]),
      [
        ['upstream', 'NOERROR'],
        ['upstream', 'NOERROR'],
      ],
    );
    assert.equal(upstream.calls, 1);
  });

  it('holds a question no upstream answered in time as failed for a few seconds, without asking again', async () => {
    const time = clock();
    let silent = true;
    const upstream = fake('u1', (query) => (silent ? never() : upstreamReply(query, [addressOf('api.example.com', '192.0.2.1')])));
    const forwarder = new Forwarder({ upstreams: [upstream], now: time.now, timeoutMs: 100, failureHoldMs: 5_000 });
    assert.equal((await forward(forwarder, clientQuery('api.example.com', 'A'))).decoded.rcode, 'SERVFAIL');
    const asked = upstream.calls;
    silent = false;
    time.advance(4_000);
    const held = await forward(forwarder, clientQuery('api.example.com', 'A'));
    assert.deepEqual([held.source, held.decoded.rcode, upstream.calls], ['failed', 'SERVFAIL', asked]);
    time.advance(1_001);
    assert.equal((await forward(forwarder, clientQuery('api.example.com', 'A'))).source, 'upstream');
    // An upstream that answered SERVFAIL is not held: the next question asks again.
    const refusing = fake('refusing', (query) => upstreamReply(query, [], { rcode: 'SERVFAIL' }));
    const other = new Forwarder({ upstreams: [refusing] });
    await forward(other, clientQuery('a.example.com', 'A'));
    await forward(other, clientQuery('a.example.com', 'A'));
    assert.equal(refusing.calls, 2);
  });
});

describe('shapeReply', () => {
  const query = clientQuery('api.example.com', 'A');
  const facts = (reply: Uint8Array, _type: number) => shapeReply(reply, { maxTtl: 86_400, maxNegativeTtl: 3_600 });
  it('finds every TTL, the smallest answer TTL, and the chain', () => {
    const reply = upstreamReply(query, [
      { type: 'CNAME', name: 'api.example.com', ttl: 300, data: 'edge.example.net' } as Answer,
      addressOf('edge.example.net', '192.0.2.1', 20),
    ]);
    const shaped = facts(reply, 1);
    assert.ok(shaped);
    assert.deepEqual([shaped.ttl, shaped.negative, shaped.inChain, shaped.ttlOffsets.length], [20, false, true, 2]);
    for (const offset of shaped.ttlOffsets) assert.ok([300, 20].includes(shaped.message.readUInt32BE(offset)));
  });

  it('reads NODATA and NXDOMAIN as negative, kept by the smaller of the SOA TTL and MINIMUM', () => {
    assert.deepEqual(
      [facts(upstreamReply(query, [], { authorities: [soa(300, 20)] }), 1)].map((f) => [f?.negative, f?.ttl]),
      [[true, 20]],
    );
    const nx = facts(upstreamReply(query, [], { rcode: 'NXDOMAIN', authorities: [soa(10, 60)] }), 1);
    assert.deepEqual([nx?.negative, nx?.ttl, nx?.rcode], [true, 10, 3]);
    // A CNAME to nowhere is NODATA for the type asked.
    const dangling = facts(upstreamReply(query, [{ type: 'CNAME', name: 'api.example.com', ttl: 60, data: 'x.example' } as Answer]), 1);
    assert.equal(dangling?.negative, true);
  });

  it('rebuilds the records it keeps as they were, names in RDATA compressed again', () => {
    const mxQuery = clientQuery('mail.example.com', 'MX');
    const records = [
      { type: 'CNAME', name: 'mail.example.com', ttl: 60, data: 'mx.Example.NET' },
      { type: 'MX', name: 'mx.Example.NET', ttl: 60, data: { preference: 10, exchange: 'in.mx.example.net' } },
      { type: 'TXT', name: 'mx.example.net', ttl: 60, data: ['not asked for, kept as sent'] },
    ] as Answer[];
    const reply = upstreamReply(mxQuery, records);
    const shaped = shapeReply(reply, { maxTtl: 86_400, maxNegativeTtl: 3_600 });
    assert.ok(shaped);
    const decoded = packet.decode(shaped.message) as unknown as { answers: Answer[] };
    assert.deepEqual(
      decoded.answers.map((r) => [r.type, r.name, JSON.stringify((r as { data: unknown }).data)]),
      records.map((r) => [
        r.type,
        r.name,
        JSON.stringify(r.type === 'TXT' ? [Buffer.from('not asked for, kept as sent')] : (r as { data: unknown }).data),
      ]),
    );
    assert.ok(shaped.message.length <= reply.length);
  });

  it('refuses what does not parse: cut short, pointers forward or in a loop, two questions', () => {
    const good = upstreamReply(query, [addressOf('api.example.com', '192.0.2.1')]);
    for (let cut = 0; cut < good.length; cut++) assert.equal(facts(good.subarray(0, cut), 1), undefined, `cut at ${cut}`);
    const looping = Buffer.from(good);
    // The answer's owner is a pointer (0xc00c) right after the question: point it at itself.
    const owner = 12 + 'api.example.com'.length + 2 + 4;
    looping.writeUInt16BE(0xc000 | owner, owner);
    assert.equal(facts(looping, 1), undefined);
    const twoQuestions = Buffer.from(good);
    twoQuestions.writeUInt16BE(2, 4);
    assert.equal(facts(twoQuestions, 1), undefined);
  });
});
