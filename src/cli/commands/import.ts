// `devdns import`: records from a zone file, hosts file, dnsmasq configuration, devdns JSON or the
// seed's YAML map, or what Valet or puma-dev serves (--from, from their own files); reports what
// was added, updated and skipped; all or nothing.

import { homedir } from 'node:os';
import { DevdnsError, InputError } from '../../errors.js';
import { detectFormat, IMPORT_FORMATS, type ImportFormat, parseImport } from '../../interop/import-formats.js';
import type { ParsedImport } from '../../interop/imported.js';
import { discover, IMPORT_SOURCES, type ImportSource } from '../../interop/other-tools.js';
import { normalizeName } from '../../records/names.js';
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
  /** Read another tool's own files instead of a named file. */
  from?: string;
  /** The TLD that tool serves (puma-dev: test unless started with -d; Valet: its own setting). */
  tld?: string;
}

/** Lines of a report, each shown when there are a few; past that, the first few and a count (--verbose shows all). */
const SHOWN_LINES = 20;
/**
 * `count` lines, the i-th made by `line(i)` only when it is printed: a million imported records
 * would otherwise be a million report strings held at once, for five lines shown.
 */
function listLines(context: CommandContext, count: number, line: (i: number) => string, what: string): void {
  const { output } = context;
  const shown = count <= SHOWN_LINES ? count : 5;
  for (let i = 0; i < shown; i++) output.info(line(i));
  if (shown === count) return;
  for (let i = shown; i < count; i++) output.verbose(line(i));
  output.info(`... and ${count - shown} more ${what} (--verbose shows them all)`);
}

/** `path:line` for a report line: the file it came from (one of several with --from), and its line when it has one. */
function where(label: string, at: { file?: string; line: number }): string {
  return `${at.file ?? label}${at.line > 0 ? `:${at.line}` : ''}`;
}

export async function runImport(
  context: CommandContext,
  path: string | undefined,
  options: ImportCommandOptions,
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<void> {
  if (options.from !== undefined) return importFromTool(context, path, options, env);
  if (options.tld !== undefined) throw new InputError('--tld', 'goes with --from', 'devdns import --from puma-dev --tld TLD');
  if (path === undefined)
    throw new InputError(
      'file',
      'no file to import',
      'name one (devdns import /etc/hosts), or read another tool: devdns import --from valet|puma-dev',
    );
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
  text = undefined;
  await importParsed(context, path, parsed, options);
}

/** `--from valet|puma-dev`: that tool's own files, found in the user's home. */
async function importFromTool(
  context: CommandContext,
  path: string | undefined,
  options: ImportCommandOptions,
  env: Readonly<Record<string, string | undefined>>,
): Promise<void> {
  const from = options.from ?? '';
  if (!(IMPORT_SOURCES as readonly string[]).includes(from))
    throw new InputError(
      '--from',
      `"${from}" is not a tool devdns imports from`,
      `use ${IMPORT_SOURCES.join(' or ')}, or import a file: devdns import FILE`,
    );
  const source = from as ImportSource;
  if (path !== undefined)
    throw new InputError(
      '--from',
      `${source} is read from its own files, so no file goes with it`,
      `devdns import --from ${source}, or devdns import ${path}`,
    );
  if (options.format !== undefined)
    throw new InputError('--format', `does not go with --from (${source}'s files have their own)`, `devdns import --from ${source}`);
  const tld = options.tld === undefined ? undefined : normalizeName(options.tld, '--tld');
  // The real home, as the tool itself finds it ($HOME); DEVDNS_HOME is devdns's own.
  const discovered = discover(source, env.HOME || homedir(), tld);
  context.output.info(`reading ${discovered.read.join(', ')}`);
  for (const note of discovered.notes) context.output.info(note);
  await importParsed(context, discovered.read.join(', '), discovered.parsed, options);
}

async function importParsed(context: CommandContext, label: string, parsed: ParsedImport, options: ImportCommandOptions): Promise<void> {
  const { output } = context;
  try {
    const report = await importRecords(context.home, parsed, options);
    const would = options.dryRun ? 'would be ' : '';
    const { added, updated, skipped } = report;
    const skippedLine = (i: number) => {
      const skip = skipped[i] as (typeof skipped)[number];
      return `${where(label, skip)}: skipped ${skip.what}: ${skip.reason}`;
    };
    // Added records first, then updated ones, as one list.
    const changeLine = (i: number) => {
      if (i < added.length) return `${would}added ${describeRecord(added[i] as (typeof added)[number])}`;
      const change = updated[i - added.length] as (typeof updated)[number];
      return `${would}updated ${change.name} ${change.type}: ttl ${change.from} -> ${change.to}`;
    };
    listLines(context, skipped.length, skippedLine, 'skipped lines');
    for (const problem of report.problems) output.warn(`${where(label, problem)}: ${problem.message} (skipped)`);
    listLines(context, added.length + updated.length, changeLine, `records ${would}added or updated`);
    for (const zone of report.zonesAdded) output.info(`${would}serving zone ${zone}`);
    if (report.replaced > 0) output.info(`${report.replaced} existing records ${options.dryRun ? 'would be ' : 'were '}replaced`);
    output.success(
      `${options.dryRun ? 'dry run: ' : ''}${report.added.length} added, ${report.updated.length} updated, ${report.unchanged.length} unchanged, ${report.skipped.length} skipped${report.problems.length > 0 ? `, ${report.problems.length} invalid` : ''}`,
    );
    if (!options.dryRun) await notifyDaemon(context);
  } catch (error) {
    if (error instanceof ImportProblemsError)
      for (const problem of error.problems) output.info(`${where(label, problem)}: ${problem.message}`);
    throw error;
  }
}
