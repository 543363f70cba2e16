// Importing parsed records into the store, all or nothing: every record is checked against the
// same rules as `devdns add`, and on any problem nothing is written unless --skip-invalid.

import { DevdnsError, InputError, RiskyNameError } from '../errors.js';
import type { ImportedRecord, ImportProblem, ImportSkip, ParsedImport } from '../interop/imported.js';
import { findSetProblem, RecordSetBuilder } from '../records/record-set.js';
import { type DnsRecord, emptyRecordFile, type RecordType } from '../records/types.js';
import { describeRiskyZones, riskyZones } from '../records/zones.js';
import { RecordStore } from './record-store.js';

export interface ImportOptions {
  replace?: boolean;
  dryRun?: boolean;
  skipInvalid?: boolean;
  /** Import names under public TLDs too (they are skipped otherwise). */
  force?: boolean;
}

export interface ImportReport {
  added: DnsRecord[];
  updated: Array<{ name: string; type: RecordType; from: number; to: number }>;
  unchanged: DnsRecord[];
  skipped: ImportSkip[];
  problems: ImportProblem[];
  zonesAdded: string[];
  /** Records dropped by --replace. */
  replaced: number;
}

/** Thrown when lines could not be imported and --skip-invalid was not given. */
export class ImportProblemsError extends DevdnsError {
  constructor(readonly problems: ImportProblem[]) {
    super(
      'import-invalid',
      `${problems.length} line${problems.length === 1 ? '' : 's'} could not be imported; nothing was written`,
      'fix them, or add --skip-invalid to import the rest',
    );
  }
}

const fileOf = (record: ImportedRecord) => (record.file === undefined ? {} : { file: record.file });

export async function importRecords(home: string, parsed: ParsedImport, options: ImportOptions): Promise<ImportReport> {
  if (parsed.problems.length > 0 && !options.skipInvalid) throw new ImportProblemsError(parsed.problems);
  return new RecordStore(home).update((original) => {
    const report: ImportReport = {
      added: [],
      updated: [],
      unchanged: [],
      skipped: [...parsed.skipped],
      problems: [...parsed.problems],
      zonesAdded: [],
      replaced: 0,
    };
    let file = options.replace ? { ...emptyRecordFile(), serial: original.serial } : original;
    if (options.replace) report.replaced = original.records.length;
    if (parsed.zones) {
      // A file's zones get the same consent as its names: a public or .local zone is taken only
      // with --force; without it, the records there are skipped as risky names, like other formats'.
      const refused = options.force === true ? [] : riskyZones(Object.keys(parsed.zones));
      for (const zone of refused) {
        report.skipped.push({ line: 0, what: `zone ${zone.zone}`, reason: `${describeRiskyZones([zone])} (add --force to import it)` });
      }
      const risky = new Set(refused.map((r) => r.zone));
      const zones = Object.entries(parsed.zones).filter(([zone]) => !risky.has(zone));
      const newZones = zones.map(([zone]) => zone).filter((zone) => !Object.hasOwn(file.zones, zone));
      report.zonesAdded.push(...newZones);
      // A zone's settings merge key by key: an import that does not say `override` keeps it.
      const merged = zones.map(([zone, settings]) => [zone, { ...file.zones[zone], ...settings }] as const);
      const changed = merged.some(([zone, settings]) => JSON.stringify(file.zones[zone]) !== JSON.stringify(settings));
      file = { ...file, zones: { ...file.zones, ...Object.fromEntries(merged) } };
      // A new zone, or new settings of one, can make a record already there invalid (a CNAME at
      // an apex): the whole set is checked again then, and such an import is refused, even with
      // --skip-invalid.
      const problem = changed && file.records.length > 0 ? findSetProblem(file) : undefined;
      if (problem !== undefined) {
        throw new DevdnsError(
          'import-invalid',
          `with the zones of the file, ${problem}; nothing was written`,
          'leave that zone out of the file, or remove the record first (devdns rm NAME)',
        );
      }
    }
    // One builder for the whole import: each line costs the same however many came before it.
    const set = new RecordSetBuilder(file);
    for (const record of parsed.records) {
      try {
        const result = set.add({ name: record.name, ttl: record.ttl, data: [record.data], force: options.force === true });
        report.added.push(...result.added);
        report.unchanged.push(...result.unchanged.filter(() => result.retimed.length === 0));
        report.updated.push(...result.retimed);
        report.zonesAdded.push(...result.zonesAdded);
      } catch (error) {
        if (!(error instanceof InputError)) throw error;
        if (error instanceof RiskyNameError) {
          report.skipped.push({
            ...fileOf(record),
            line: record.line,
            what: record.name,
            reason: `${error.detail} (add --force to import it)`,
          });
        } else {
          report.problems.push({
            ...fileOf(record),
            line: record.line,
            message: `${error.message}${error.hint ? ` (${error.hint})` : ''}`,
          });
        }
      }
    }
    if (report.problems.length > 0 && !options.skipInvalid) throw new ImportProblemsError(report.problems);
    file = set.file();
    // A dry run reports what would change and writes nothing.
    return { file: options.dryRun ? original : file, result: report };
  });
}
