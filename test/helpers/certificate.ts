// A throwaway certificate for the TLS and HTTPS upstream tests, made by openssl: key.pem and
// cert.pem in `dir`, for `name` and any other subjectAltName entries given (IP:127.0.0.1, say).
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { runCommand } from './devdns.js';

export async function makeCertificate(dir: string, name: string, ...alsoFor: string[]): Promise<{ key: string; cert: string }> {
  const key = join(dir, 'key.pem');
  const cert = join(dir, 'cert.pem');
  const made = await runCommand(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-days',
      '2',
      '-keyout',
      key,
      '-out',
      cert,
      '-subj',
      `/CN=${name}`,
      '-addext',
      `subjectAltName=${[`DNS:${name}`, ...alsoFor].join(',')}`,
    ],
    process.env,
  );
  assert.equal(made.code, 0, made.stderr);
  return { key, cert };
}
