// `devdns import`: records from a zone file, hosts file, dnsmasq configuration, devdns JSON or the
// seed's YAML map; reports what was added, updated and skipped; all or nothing.
import { DevdnsError, InputError } from '../../errors.js';
import { detectFormat, IMPORT_FORMATS, type ImportFormat, parseImport } from '../../interop/import-formats.js';
import { describeRecord } from '../../records/presentation.js';
import { ImportProblemsError, importRecords } from '../../store/import.js';
import { MIB, readTextSafely } from '../../store/safe-file.js';
import type { CommandContext } from '../context.js';
import { notifyDaemon } from '../running-daemon.js';

/** Hosts files of a million names run to about 40 MiB; a file past this is not one. */
const MAX_IMPORT_BYTES = 256 * MIB;

export interface ImportCommandOptions {
  format?: string;
  dryRun?: boolean;
  replace?: boolean;
  skipInvalid?: boolean;
  force?: boolean;
}

/** Lines of a report, each shown when there are a few; past that, the first few and a count (--verbose shows all). */
const SHOWN_LINES = 20;
function listLines(context: CommandContext, lines: readonly string[], what: string): void {
  const { output } = context;
  const shown = lines.length <= SHOWN_LINES ? lines.length : 5;
  for (const line of lines.slice(0, shown)) output.info(line);
  if (shown === lines.length) return;
  for (const line of lines.slice(shown)) output.verbose(line);
  output.info(`... and ${lines.length - shown} more ${what} (--verbose shows them all)`);
}

export async function runImport(context: CommandContext, path: string, options: ImportCommandOptions): Promise<void> {
  const { output } = context;
  let text: string | undefined;
  try {
    // The user named it, so a link is followed; but only to a regular file of bounded size.
    text = readTextSafely(path, { maxBytes: MAX_IMPORT_BYTES, followLinks: true });
  } catch (error) {
    if (error instanceof DevdnsError) throw error;
    throw new DevdnsError(
      'import-unreadable',
      `${path} cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`,
      'check the path',
    );
  }
  if (text === undefined) throw new DevdnsError('import-unreadable', `${path} does not exist`, 'check the path');
  const requested = options.format ?? 'auto';
  if (!(IMPORT_FORMATS as readonly string[]).includes(requested))
    throw new InputError('--format', `"${requested}" is not a format devdns reads`, `use one of ${IMPORT_FORMATS.join(', ')}`);
  const format: ImportFormat = requested === 'auto' ? detectFormat(text) : (requested as ImportFormat);
  if (requested === 'auto') output.info(`reading ${path} as ${format}`);
  const parsed = parseImport(text, format);
  try {
    const report = await importRecords(context.home, parsed, options);
    const would = options.dryRun ? 'would be ' : '';
    const skipped = report.skipped.map((skip) => `${path}${skip.line > 0 ? `:${skip.line}` : ''}: skipped ${skip.what}: ${skip.reason}`);
    const changes = [
      ...report.added.map((record) => `${would}added ${describeRecord(record)}`),
      ...report.updated.map((change) => `${would}updated ${change.name} ${change.type}: ttl ${change.from} -> ${change.to}`),
    ];
    listLines(context, skipped, 'skipped lines');
    for (const problem of report.problems) output.warn(`${path}:${problem.line}: ${problem.message} (skipped)`);
    listLines(context, changes, `records ${would}added or updated`);
    for (const zone of report.zonesAdded) output.info(`${would}serving zone ${zone}`);
    if (report.replaced > 0) output.info(`${report.replaced} existing records ${options.dryRun ? 'would be ' : 'were '}replaced`);
    output.success(
      `${options.dryRun ? 'dry run: ' : ''}${report.added.length} added, ${report.updated.length} updated, ${report.unchanged.length} unchanged, ${report.skipped.length} skipped${report.problems.length > 0 ? `, ${report.problems.length} invalid` : ''}`,
    );
    if (!options.dryRun) await notifyDaemon(context);
  } catch (error) {
    if (error instanceof ImportProblemsError)
      for (const problem of error.problems) output.info(`${path}:${problem.line}: ${problem.message}`);
    throw error;
  }
}
