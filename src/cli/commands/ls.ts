// `devdns ls`: the records served, as a table or as JSON, in DNS order (a name before the names
// below it), with where each comes from when projects are linked, and every conflict between them.
import { listRecords } from '../../records/listing.js';
import { describeConflict, loadServedRecords, USER_SOURCE } from '../../store/projects.js';
import type { CommandContext } from '../context.js';

export function runLs(context: CommandContext, pattern: string | undefined, options: { json?: boolean }): void {
  const { output } = context;
  const served = loadServedRecords(context.home);
  const listed = listRecords(served.file, pattern, served.sources);
  for (const conflict of served.conflicts) output.warn(`conflict: ${describeConflict(conflict)}`);
  for (const problem of served.problems) output.warn(`linked project left out: ${problem.message}`);
  if (options.json) {
    output.json(listed);
    return;
  }
  if (listed.length === 0) {
    output.info(pattern === undefined ? 'no records yet (add one: devdns add myapp.test)' : `no records match "${pattern}"`);
    return;
  }
  const withSources = listed.some((r) => r.source !== USER_SOURCE);
  output.table(
    ['NAME', 'TYPE', 'TTL', 'VALUE', ...(withSources ? ['SOURCE'] : [])],
    listed.map((r) => [
      r.name,
      r.type,
      String(r.ttl),
      r.value,
      ...(withSources ? [r.source === USER_SOURCE ? 'you' : (r.source ?? '')] : []),
    ]),
    { 1: 'cyan' },
  );
}
