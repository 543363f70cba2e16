// `devdns resolve`: ask the running daemon a question and show the answer and the record behind it.
import { ROUTES } from '../../control/protocol.js';
import { ExitCode } from '../../errors.js';
import type { CommandContext } from '../context.js';
import { requireDaemon } from '../running-daemon.js';

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
  output.data(`${body.name} ${body.type}: ${body.rcode}${body.authoritative ? '' : ' (not authoritative)'}`);
  for (const line of body.answer) output.data(`  ${line}`);
  for (const line of body.authority) output.data(`  authority: ${line}`);
  for (const match of body.matches) output.data(`  from ${match.wildcard ? 'wildcard' : 'record'} ${match.name}`);
  if (body.rcode === 'NXDOMAIN') output.info(`no record matches ${body.name} (add one: devdns add ${body.name})`);
  if (body.rcode === 'REFUSED') output.info(`${body.name} is in none of devdns's zones`);
  if (body.rcode === 'NOERROR' && body.answer.length === 0)
    output.info(`${body.name} has no ${body.type} record (see what it has: devdns ls ${body.name})`);
  return code;
}
