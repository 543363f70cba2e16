// `devdns restart`: down, then up, on the addresses of the settings unless flags are given again. Before stopping a running
// daemon it checks that the new one can start (records, settings, free ports): if not, it refuses
// with the reason and the running daemon keeps serving.
import { CONTROL_HOST } from '../../control/protocol.js';
import { checkStartable, stopDaemon } from '../../daemon/launcher.js';
import { lookupDaemon } from '../../daemon/state.js';
import { DevdnsError } from '../../errors.js';
import type { CommandContext } from '../context.js';
import { warnStale } from '../stale-state.js';
import { listenOptions, runUp, type UpOptions } from './up.js';

export async function runRestart(
  context: CommandContext,
  options: UpOptions,
  env: Readonly<Record<string, string | undefined>>,
): Promise<void> {
  const previous = lookupDaemon(context.home);
  // A flag applies to one run: restart reads the settings (devdns config) and defaults afresh, and
  // takes only the flags given to it. A flag of the last start that is dropped now is said.
  const listen = listenOptions(context.home, options);
  if (previous.kind === 'running') {
    const { state } = previous;
    // What the last start listened on, not the flag's value: `--port 0` listened on a port chosen then.
    const dropped = [
      ['--host', 'address', state.sources?.dnsHost, options.host, state.dns.host, listen.host],
      ['--port', 'DNS port', state.sources?.dnsPort, options.port, String(state.dns.port), String(listen.port)],
      [
        '--control-port',
        'control port',
        state.sources?.controlPort,
        options.controlPort,
        String(state.control.port),
        String(listen.controlPort),
      ],
    ].filter(([, , source, given, was, next]) => source === 'flag' && given === undefined && was !== next);
    for (const [flag, what, , , was, next] of dropped)
      context.output.info(
        `the last start's ${what}, ${was}, came from ${flag}; restart uses ${next} from the settings (to keep ${was}: devdns restart ${flag} ${was})`,
      );
  }
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
  await runUp(context, { ...options, foreground: false }, env);
}
