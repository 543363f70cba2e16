// `devdns resolve`: ask the running daemon a question and show the answer and the record behind it.
import { type ResolveBody, ROUTES } from '../../control/protocol.js';
import { ExitCode } from '../../errors.js';
import type { CommandContext } from '../context.js';
import { requireDaemon } from '../running-daemon.js';

/** Why a question went upstream, by the rule that sent it. */
const WHY_FORWARDED: Record<NonNullable<ResolveBody['forwarded']>['rule'], string> = {
  override: 'forwarded: the override leaves it to the real servers',
  all: 'forwarded (forward all)',
  route: 'forwarded: an ended override whose route setup has not yet removed',
};

/** Where a forwarded answer came from, in one line. */
function describeForwarded(forwarded: NonNullable<ResolveBody['forwarded']>): string {
  const why = WHY_FORWARDED[forwarded.rule];
  switch (forwarded.source) {
    case 'upstream':
      return `${why}; answered by ${forwarded.upstream}`;
    case 'cache':
      return `${why}; from the cache, ${forwarded.ttlLeft} s left`;
    case 'stale':
      return `${why}; no upstream answered, so a stale answer from the cache (RFC 8767)`;
    case 'limited':
      return `${why}; refused: over the rate of questions a client may send upstream`;
    default:
      return `${why}; no upstream answered (devdns status shows them)`;
  }
}

export async function runResolve(
  context: CommandContext,
  name: string,
  type: string | undefined,
  options: { json?: boolean },
): Promise<number> {
  const { output } = context;
  const { body } = await requireDaemon(context).client.call(ROUTES.resolve, { name, type: type ?? 'A' });
  // Like host(1) and getent: no answer is a failure a script can test for, with the answer still shown.
  const code = body.answer.length > 0 ? ExitCode.ok : ExitCode.user;
  if (options.json) {
    output.json(body);
    return code;
  }
  // A forwarded answer is never devdns's to be authoritative for (AA is cleared): the line below says where it came from.
  const unauthoritative = !body.authoritative && body.forwarded === undefined;
  output.data(`${body.name} ${body.type}: ${body.rcode}${unauthoritative ? ' (not authoritative)' : ''}`);
  for (const line of body.answer) output.data(`  ${line}`);
  for (const line of body.authority) output.data(`  authority: ${line}`);
  for (const match of body.matches) output.data(`  from ${match.wildcard ? 'wildcard' : 'record'} ${match.name}`);
  if (body.forwarded) {
    output.data(`  ${describeForwarded(body.forwarded)}`);
    return code;
  }
  if (body.rcode === 'NXDOMAIN') output.info(`no record matches ${body.name} (add one: devdns add ${body.name})`);
  if (body.rcode === 'REFUSED') output.info(`${body.name} is in none of devdns's zones`);
  if (body.rcode === 'NOERROR' && body.answer.length === 0)
    output.info(`${body.name} has no ${body.type} record (see what it has: devdns ls ${body.name})`);
  return code;
}
