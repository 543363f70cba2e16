// `devdns up --foreground`: serve DNS in this terminal, one line per query, until Ctrl-C or SIGTERM.
import { type QueryEvent, startDnsService } from '../../daemon/dns-service.js';
import { RCODE_NAMES, typeName } from '../../dns/protocol.js';
import { DevdnsError, ExitCode } from '../../errors.js';
import { parseListenAddress } from '../../records/listen-address.js';
import type { CommandContext } from '../context.js';

export interface UpOptions {
  foreground?: boolean;
  host?: string;
  port?: string;
}

export const DEFAULT_DNS_HOST = '127.0.0.1';
export const DEFAULT_DNS_PORT = 9090;

/** `127.0.0.1#53124 udp myapp.test A NOERROR 85µs` */
export function formatQueryLine(event: QueryEvent): string {
  const client = `${event.client.address}#${event.client.port} ${event.client.transport}`;
  if (event.dropped !== undefined) return `${client} dropped: ${event.dropped}`;
  const question = event.query?.question;
  const asked = question ? `${question.name || '.'} ${typeName(question.type)}` : '(no question)';
  const rcode = event.response ? (RCODE_NAMES[event.response.rcode] ?? String(event.response.rcode)) : '-';
  return `${client} ${asked} ${rcode} ${event.micros}µs`;
}

export async function runUp(context: CommandContext, options: UpOptions): Promise<void> {
  if (!options.foreground) {
    throw new DevdnsError(
      'foreground-only',
      'devdns up runs in the foreground for now',
      'add --foreground (Ctrl-C stops it)',
      ExitCode.usage,
    );
  }
  const { host, port } = parseListenAddress(options.host ?? DEFAULT_DNS_HOST, options.port ?? DEFAULT_DNS_PORT);
  const { output } = context;
  const service = await startDnsService({
    home: context.home,
    host,
    port,
    onQuery: (event) => output.data(formatQueryLine(event)),
    onReload: (count) => output.info(`records reloaded: ${count}`),
    onProblem: (error) => output.warn(`${error.message}; still serving the last good records`),
  });
  const where = host.includes(':') ? `[${host}]:${service.port}` : `${host}:${service.port}`;
  output.info(`devdns: serving DNS on ${where} (UDP and TCP), ${service.recordCount()} records from ${service.recordsPath}`);
  output.info('press Ctrl-C to stop');
  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  await service.close();
  output.info('devdns: stopped');
}
