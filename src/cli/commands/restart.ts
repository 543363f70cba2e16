// `devdns restart`: down, then up, keeping the addresses it had unless new ones are given. Before stopping a running
// daemon it checks that the new one can start (records, settings, free ports): if not, it refuses
// with the reason and the running daemon keeps serving.
import { CONTROL_HOST } from '../../control/protocol.js';
import { checkStartable, stopDaemon } from '../../daemon/launcher.js';
import { lookupDaemon } from '../../daemon/state.js';
import { DevdnsError } from '../../errors.js';
import type { CommandContext } from '../context.js';
import { warnStale } from '../running-daemon.js';
import { listenOptions, runUp, type UpOptions } from './up.js';

export async function runRestart(
  context: CommandContext,
  options: UpOptions,
  env: Readonly<Record<string, string | undefined>>,
): Promise<void> {
  const previous = lookupDaemon(context.home);
  // Keep what came from flags last time; settings and defaults are read afresh.
  const sources = previous.kind === 'running' ? previous.state.sources : undefined;
  const kept: UpOptions =
    previous.kind === 'running'
      ? {
          ...(sources?.dnsHost !== 'flag' && sources ? {} : { host: previous.state.dns.host }),
          ...(sources?.dnsPort !== 'flag' && sources ? {} : { port: String(previous.state.dns.port) }),
          ...(sources?.controlPort !== 'flag' && sources ? {} : { controlPort: String(previous.state.control.port) }),
        }
      : {};
  const listen = listenOptions(context.home, { ...kept, ...options });
  if (previous.kind === 'running') {
    try {
      await checkStartable(context.home, { ...listen, controlHost: CONTROL_HOST }, previous.state);
    } catch (error) {
      if (!(error instanceof DevdnsError)) throw error;
      throw new DevdnsError(error.code, `not restarted, devdns keeps running (pid ${previous.state.pid}): ${error.message}`, error.hint);
    }
  }
  const stopped = await stopDaemon(context.home, { onStale: warnStale(context) });
  if (stopped) context.output.info(`devdns stopped (pid ${stopped.pid})`);
  await runUp(context, { ...kept, ...options, foreground: false }, env);
}
