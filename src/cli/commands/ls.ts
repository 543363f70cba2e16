// `devdns ls`: the records, as a table or as JSON, in DNS order (a name before the names below it).
import { listRecords } from '../../records/listing.js';
import { RecordStore } from '../../store/record-store.js';
import type { CommandContext } from '../context.js';

export function runLs(context: CommandContext, pattern: string | undefined, options: { json?: boolean }): void {
  const { output } = context;
  const listed = listRecords(new RecordStore(context.home).read(), pattern);
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
