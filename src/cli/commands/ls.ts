// `devdns ls`: the records served, as a table or as JSON, in DNS order (a name before the names
// below it), with where each comes from when projects are linked, and every conflict between them.
// With the daemon running it asks the daemon, which holds them already (at 100,000 records that
// is several times quicker than reading and checking the files); else it reads the files itself.
import { existsSync } from 'node:fs';
import type { ServedBody } from '../../control/protocol.js';
import { DevdnsError } from '../../errors.js';
import { timeLeft } from '../../records/duration.js';
import { USER_SOURCE } from '../../records/sources.js';
import { homePath } from '../../store/paths.js';
import type { CommandContext } from '../context.js';

/**
 * What the running daemon serves; undefined when there is none, or when asking it went wrong in
 * any way (a state file that cannot be read, a refusal, a listing too large for it, no answer):
 * `ls` only reads, so the files say the same. The control client loads only when there may be a daemon.
 */
async function askDaemon(context: CommandContext, pattern: string | undefined): Promise<ServedBody | undefined> {
  if (!existsSync(homePath(context.home, 'state'))) return undefined;
  try {
    const [{ askRunningDaemon }, { ROUTES }] = await Promise.all([import('../daemon-edits.js'), import('../../control/protocol.js')]);
    return await askRunningDaemon(context, ROUTES.served, pattern === undefined ? undefined : { pattern });
  } catch (error) {
    if (error instanceof DevdnsError) return undefined;
    throw error;
  }
}

/** What the files say is served, as the daemon would answer it. */
async function readServed(home: string, pattern: string | undefined): Promise<ServedBody> {
  const { loadServedRecords, servedListing } = await import('../../store/projects.js');
  return servedListing(loadServedRecords(home), pattern);
}

export async function runLs(context: CommandContext, pattern: string | undefined, options: { json?: boolean }): Promise<void> {
  const { output } = context;
  const served = (await askDaemon(context, pattern)) ?? (await readServed(context.home, pattern));
  const listed = served.records;
  for (const conflict of served.conflicts) output.warn(`conflict: ${conflict.message}`);
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
  const withEnds = listed.some((r) => r.expires !== undefined);
  const now = Date.now();
  output.table(
    ['NAME', 'TYPE', 'TTL', 'VALUE', ...(withEnds ? ['ENDS IN'] : []), ...(withSources ? ['SOURCE'] : [])],
    listed.map((r) => [
      r.name,
      r.type,
      String(r.ttl),
      r.value,
      ...(withEnds ? [r.expires === undefined ? '-' : timeLeft(r.expires, now)] : []),
      ...(withSources ? [r.source === USER_SOURCE ? 'you' : (r.source ?? '')] : []),
    ]),
    { 1: 'cyan' },
  );
}
