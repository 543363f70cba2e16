// Records and answers as one line of text, for logs and the CLI: `A 127.0.0.1`, `SOA localhost. ...`.
import { formatFields, formatRdata } from '../records/presentation.js';
import type { RecordData } from '../records/types.js';
import { type ResourceRecord, SOA_WIRE, type SoaData } from './protocol.js';

export function describeData(data: RecordData | SoaData): string {
  if (data.type !== 'SOA') return `${data.type} ${formatRdata(data)}`;
  return `SOA ${formatFields(SOA_WIRE, data)}`;
}

/** `myapp.test A 127.0.0.1` */
export function describeResource(record: ResourceRecord): string {
  return `${record.name} ${describeData(record.data)}`;
}
