// What each control-API endpoint does, over the running DNS service, the store and the query log.

import { type RecordBody, SERVED_LISTING_LIMIT, type StatusBody } from '../control/protocol.js';
import { ApiError, type Handlers } from '../control/server.js';
import { describeResource } from '../dns/describe.js';
import { QTYPE, RCODE_NAMES, typeName } from '../dns/protocol.js';
import { InputError, NotFoundError, StoreError } from '../errors.js';
import { readAnswerLines } from '../forward/reply-facts.js';
import { countListed, listRecord, listRecords } from '../records/listing.js';
import { describeRecord } from '../records/presentation.js';
import { parseType } from '../records/record-input.js';
import { addRecord, removeRecord } from '../store/edits.js';
import { servedListing } from '../store/projects.js';
import type { DnsService } from './dns-service.js';
import type { QueryLog } from './query-log.js';

export interface HandlerContext {
  home: string;
  service: DnsService;
  queryLog: QueryLog;
  status: () => StatusBody;
  requestStop: () => void;
}

const RECORD_KEYS = ['name', 'type', 'value', 'ttl', 'priority', 'weight', 'port', 'for', 'force', 'override'];
const SEED_KEYS = ['domain', 'ip'];

function stringField(body: Record<string, unknown>, key: string): string | undefined {
  const value = body[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw new ApiError('invalid-record', `${key}: must be a string`);
  return value;
}

function numberField(body: Record<string, unknown>, key: string): string | number | undefined {
  const value = body[key];
  if (value === undefined || typeof value === 'number' || typeof value === 'string') return value;
  throw new ApiError('invalid-record', `${key}: must be a number`);
}

/** A record from devdns's own shape, or the seed project's `{"domain": ..., "ip": ...}`. */
function readRecordBody(body: Record<string, unknown>): RecordBody {
  const keys = Object.keys(body);
  const seed = keys.some((key) => SEED_KEYS.includes(key));
  const allowed = seed ? SEED_KEYS : RECORD_KEYS;
  const unknown = keys.find((key) => !allowed.includes(key));
  if (unknown !== undefined) {
    throw new ApiError(
      'invalid-record',
      `unknown field "${unknown}"`,
      seed ? 'the short form is {"domain": ..., "ip": ...}' : `fields: ${RECORD_KEYS.join(', ')}`,
    );
  }
  if (seed) return { name: stringField(body, 'domain') ?? '', value: stringField(body, 'ip') ?? '' };
  for (const flag of ['force', 'override'] as const)
    if (body[flag] !== undefined && typeof body[flag] !== 'boolean') throw new ApiError('invalid-record', `${flag}: must be true or false`);
  return {
    name: stringField(body, 'name') ?? '',
    type: stringField(body, 'type'),
    value: stringField(body, 'value'),
    ttl: numberField(body, 'ttl'),
    priority: numberField(body, 'priority'),
    weight: numberField(body, 'weight'),
    port: numberField(body, 'port'),
    for: stringField(body, 'for'),
    force: body.force === true,
    override: body.override === true,
  };
}

/** The API error, with a stable code, for a typed error of record input or of the store; others as they are. */
function apiErrorFor(error: unknown): unknown {
  if (error instanceof InputError) return new ApiError('invalid-record', error.message, error.hint);
  if (error instanceof NotFoundError) return new ApiError('no-match', error.message, error.hint);
  if (error instanceof StoreError) return new ApiError('records-invalid', error.message, error.hint);
  return error;
}

/** Calls `read`, throwing its typed errors as API errors. */
function withApiErrors<T>(read: () => T): T {
  try {
    return read();
  } catch (error) {
    throw apiErrorFor(error);
  }
}

/** A question's type: a number, ANY, or the name of a type devdns serves. */
function questionType(text: string): number {
  if (/^\d+$/.test(text)) return Number(text);
  return text.toUpperCase() === 'ANY' ? QTYPE.ANY : QTYPE[parseType(text, 'type')];
}

function limitParam(query: URLSearchParams, max: number): number {
  const text = query.get('limit');
  if (text === null) return Math.min(100, max);
  const limit = Number(text);
  if (!Number.isInteger(limit) || limit < 1) throw new ApiError('invalid-body', 'limit: must be a whole number of at least 1');
  return Math.min(limit, max);
}

export function buildHandlers(context: HandlerContext): Handlers {
  const { home, service, queryLog } = context;
  const { editor } = service;
  // The zones served, as the index holds them: no merge of the served records for an answer.
  const zones = () => editor.index().zones;
  /** Makes a change through the daemon's one writer, which serves it once written; typed errors become API errors. */
  const edit = async <T>(change: () => Promise<T>): Promise<T> => {
    try {
      return await change();
    } catch (error) {
      throw apiErrorFor(error);
    }
  };
  /** What is served, as the files say now: a hand edit the watcher has not yet seen is read first. */
  const servedNow = () => {
    service.reload();
    const problem = service.recordsError();
    if (problem !== undefined) throw new ApiError('records-invalid', problem);
    return editor.served();
  };
  return {
    status: () => ({ status: 200, body: context.status() }),

    listRecords: ({ query }) => {
      const served = servedNow();
      return { status: 200, body: listRecords(served.file, query.get('pattern') ?? undefined, served.sources) };
    },

    served: ({ query }) => {
      const served = servedNow();
      const pattern = query.get('pattern') ?? undefined;
      const count = countListed(served.file, pattern);
      if (count > SERVED_LISTING_LIMIT) {
        throw new ApiError(
          'listing-too-large',
          `${count} records match; the daemon lists at most ${SERVED_LISTING_LIMIT} at once, so that answers are not held up`,
          'give a narrower pattern, or read them from the files (devdns ls does)',
        );
      }
      return { status: 200, body: servedListing(served, pattern) };
    },

    addRecord: async ({ body = {} }) => {
      const { force, override, domain: _domain, ip: _ip, ...input } = readRecordBody(body);
      const result = await edit(() => addRecord(home, { ...input, name: input.name ?? '' }, { force, override }, editor));
      const zoneNames = zones();
      return {
        status: result.added.length > 0 ? 201 : 200,
        body: {
          added: result.added.map((r) => listRecord(r, zoneNames)),
          unchanged: result.unchanged.map((r) => listRecord(r, zoneNames)),
          retimed: result.retimed,
          renewed: result.renewed.map((r) => listRecord(r, zoneNames)),
          zonesAdded: result.zonesAdded,
          notes: result.notes,
          warnings: result.warnings,
        },
      };
    },

    removeRecords: async ({ body = {} }) => {
      const unknown = Object.keys(body).find((key) => !['name', 'type', 'value'].includes(key));
      if (unknown !== undefined) throw new ApiError('invalid-record', `unknown field "${unknown}"`, 'fields: name, type, value');
      const selector = { name: stringField(body, 'name') ?? '', type: stringField(body, 'type'), value: stringField(body, 'value') };
      const result = await edit(() => removeRecord(home, selector, editor));
      return { status: 200, body: { removed: result.removed.map(describeRecord), zonesRemoved: result.zonesRemoved } };
    },

    reload: () => {
      service.reload();
      return { status: 200, body: { records: service.recordCount() } };
    },

    queries: ({ query }) => {
      const backlog = query.has('limit') || !query.has('follow') ? queryLog.recent(limitParam(query, Number.MAX_SAFE_INTEGER)) : [];
      if (!query.has('follow')) return { status: 200, body: backlog };
      return {
        stream: (send, onClose) => {
          for (const entry of backlog) send(entry);
          onClose(queryLog.subscribe(send));
        },
      };
    },

    resolve: async ({ query }) => {
      const name = (query.get('name') ?? '').replace(/\.$/, '');
      if (name === '') throw new ApiError('invalid-body', 'name: give a name to resolve');
      const typeText = query.get('type') ?? 'A';
      const type = withApiErrors(() => questionType(typeText));
      const asked = await service.ask(name, type);
      if (asked.kind === 'forward') {
        const { reply, source, upstream, ttlLeft } = asked.outcome;
        const lines = readAnswerLines(reply) ?? [];
        return {
          status: 200,
          body: {
            name,
            type: typeText.toUpperCase(),
            rcode: RCODE_NAMES[(reply[3] ?? 0) & 0x0f] ?? String((reply[3] ?? 0) & 0x0f),
            authoritative: ((reply[2] ?? 0) & 0x04) !== 0,
            answer: lines.map((line) => `${line.name} ${typeName(line.type)} ${line.data}`),
            authority: [],
            additional: [],
            matches: [],
            forwarded: {
              rule: asked.rule,
              source,
              ...(upstream === undefined ? {} : { upstream }),
              ...(ttlLeft === undefined ? {} : { ttlLeft }),
            },
          },
        };
      }
      const response = asked.response;
      return {
        status: 200,
        body: {
          name,
          type: typeText.toUpperCase(),
          rcode: RCODE_NAMES[response.rcode] ?? String(response.rcode),
          authoritative: response.authoritative,
          answer: response.answer.map(describeResource),
          authority: response.authority.map(describeResource),
          additional: response.additional.map(describeResource),
          matches: response.matches,
        },
      };
    },

    flushCache: () => {
      const forwarder = service.forwarder;
      const flushed = forwarder?.stats().cache.entries ?? 0;
      forwarder?.flush();
      return { status: 200, body: { flushed } };
    },

    stop: () => {
      setImmediate(context.requestStop);
      return { status: 202, body: { stopping: true } };
    },
  };
}
