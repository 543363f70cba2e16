// `devdns restart`: down, then up, keeping the addresses it had unless new ones are given.
import { stopDaemon } from '../../daemon/launcher.js';
import { lookupDaemon } from '../../daemon/state.js';
import type { CommandContext } from '../context.js';
import { warnStale } from '../running-daemon.js';
import { runUp, type UpOptions } from './up.js';

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
  const stopped = await stopDaemon(context.home, { onStale: warnStale(context) });
  if (stopped) context.output.info(`devdns stopped (pid ${stopped.pid})`);
  await runUp(context, { ...kept, ...options, foreground: false }, env);
}
