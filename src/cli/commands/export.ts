// `devdns export`: the records as a zone file per zone, a hosts file, dnsmasq lines or JSON.
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { DevdnsError, InputError } from '../../errors.js';
import { EXPORT_FORMATS, type ExportFormat, planExport } from '../../interop/export.js';
import { normalizeName } from '../../records/names.js';
import { loadServedRecords } from '../../store/projects.js';
import type { CommandContext } from '../context.js';

export interface ExportOptions {
  format?: string;
  zone?: string;
  output?: string;
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

export function runExport(context: CommandContext, options: ExportOptions): void {
  const { output } = context;
  const format = (options.format ?? 'zone') as ExportFormat;
  if (!(EXPORT_FORMATS as readonly string[]).includes(format))
    throw new InputError('--format', `"${options.format}" is not a format devdns writes`, `use one of ${EXPORT_FORMATS.join(', ')}`);
  // Everything devdns serves: your records and your linked projects'.
  const file = loadServedRecords(context.home).file;
  const zone = options.zone === undefined ? undefined : normalizeName(options.zone.replace(/^\./, ''), '--zone');
  if (zone !== undefined && !(zone in file.zones))
    throw new InputError('--zone', `devdns serves no zone ${zone}`, `zones: ${Object.keys(file.zones).join(', ')}`);
  const plan = planExport(file, {
    format,
    zone,
    output: options.output,
    outputIsDirectory: options.output !== undefined && isDirectory(options.output),
  });
  for (const note of plan.notes) output.info(note);
  if (plan.makeDirectory !== undefined) mkdirSync(plan.makeDirectory, { recursive: true });
  for (const { path, text } of plan.writes) {
    if (path === undefined) {
      output.data(text.trimEnd());
      continue;
    }
    try {
      writeFileSync(path, text);
    } catch (error) {
      throw new DevdnsError('export-unwritable', `${path} cannot be written (${(error as NodeJS.ErrnoException).code})`, 'check the path');
    }
    output.info(`wrote ${path}`);
  }
}
