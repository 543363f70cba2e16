// `devdns export`: the records as a zone file per zone, a hosts file, dnsmasq lines or JSON.
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DevdnsError, InputError } from '../../errors.js';
import { EXPORT_FORMATS, type ExportFormat, exportDnsmasq, exportHosts, exportJson, exportZone } from '../../interop/export.js';
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
  const write = (path: string, text: string) => {
    try {
      writeFileSync(path, text);
    } catch (error) {
      throw new DevdnsError('export-unwritable', `${path} cannot be written (${(error as NodeJS.ErrnoException).code})`, 'check the path');
    }
    output.info(`wrote ${path}`);
  };
  if (format === 'zone') {
    const zones = zone === undefined ? Object.keys(file.zones) : [zone];
    // A zone file holds one zone: several go to a directory, one file each, or to stdout in turn.
    if (options.output !== undefined && zones.length > 1 && !isDirectory(options.output)) {
      if (options.output.endsWith('/')) mkdirSync(options.output, { recursive: true });
      else
        throw new InputError(
          '-o',
          `${zones.length} zones (${zones.join(', ')}) make ${zones.length} zone files`,
          'give --zone, or a directory: -o zones/',
        );
    }
    for (const name of zones) {
      const text = exportZone(file, name);
      if (options.output === undefined) output.data(text.trimEnd());
      else write(isDirectory(options.output) ? join(options.output, `${name}.zone`) : options.output, text);
    }
    return;
  }
  const exported = format === 'hosts' ? exportHosts(file, zone) : format === 'dnsmasq' ? exportDnsmasq(file, zone) : exportJson(file, zone);
  for (const note of exported.notes) output.info(note);
  if (options.output === undefined) output.data(exported.text.trimEnd());
  else write(options.output, exported.text);
}
