// `devdns ls`: the records, as a table or as JSON, in DNS order (a name before the names below it).
import { formatRdata } from '../../records/presentation.js';
import { compareRecords } from '../../records/record-set.js';
import type { DnsRecord } from '../../records/types.js';
import { zoneOf } from '../../records/zones.js';
import { RecordStore } from '../../store/record-store.js';
import type { CommandContext } from '../context.js';

/** One record as `ls --json` prints it. */
export interface ListedRecord {
  name: string;
  type: string;
  ttl: number;
  value: string;
  zone: string;
}

export function runLs(context: CommandContext, pattern: string | undefined, options: { json?: boolean }): void {
  const { output } = context;
  const file = new RecordStore(context.home).read();
  const needle = pattern?.toLowerCase().replace(/\.$/, '');
  const matches = file.records.filter((r) => needle === undefined || r.name.includes(needle)).sort(compareRecords);
  const zones = Object.keys(file.zones);
  const listed = matches.map(
    (r: DnsRecord): ListedRecord => ({ name: r.name, type: r.type, ttl: r.ttl, value: formatRdata(r), zone: zoneOf(r.name, zones) ?? '' }),
  );
  if (options.json) {
    output.json(listed);
    return;
  }
  if (listed.length === 0) {
    output.info(pattern === undefined ? 'no records yet (add one: devdns add myapp.test)' : `no records match "${pattern}"`);
    return;
  }
  output.table(
    ['NAME', 'TYPE', 'TTL', 'VALUE'],
    listed.map((r) => [r.name, r.type, String(r.ttl), r.value]),
    { 1: 'cyan' },
  );
}
