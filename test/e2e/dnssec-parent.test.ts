// End to end: doctor against a real signed zone. Knot DNS serves, on a loopback port, com signed
// with a DS for example.com (made by keymgr from the key Knot made), example.com signed (automatic
// signing, its keys in a temp KASP database), example.net unsigned, and example.org signed with
// no DS above it (an island of trust). devdns, set up with the built binary, forwards there and
// overrides a name in each. Doctor, run over a --root tree whose systemd-resolved validates,
// fails the override under the signed zone and passes the others, until a negative trust anchor
// exempts the name.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Check } from '../../src/doctor/checks.js';
import { findZoneSigning, upstreamAsker } from '../../src/doctor/dnssec.js';
import { runChecks } from '../../src/doctor/doctor.js';
import { planSetup } from '../../src/os/resolvers.js';
import { runCommand, runDevdns, tempDir } from '../helpers/devdns.js';
import { freePort } from '../helpers/ports.js';
import { eventually } from '../helpers/server.js';

const haveKnot = (await runCommand('knotd', ['--version'], process.env).catch(() => ({ code: 127 }))).code === 0;

const zone = (origin: string, serial = 1, extra = '') =>
  `$ORIGIN ${origin}.\n$TTL 60\n@ SOA ns.${origin}. admin.${origin}. ${serial} 60 60 600 60\n@ NS ns.${origin}.\nns A 127.0.0.1\nwww A 192.0.2.1\n${extra}`;
/** com, delegating example.com (and, once known, its DS). */
const com = (serial: number, ds = '') => zone('com', serial, `example NS ns.example.com.\nns.example A 127.0.0.1\n${ds}`);

const pick = (checks: Check[], id: string) => checks.find((check) => check.id === id) ?? assert.fail(`no ${id} check`);

describe('doctor: an override under a signed zone, with a validating resolver (Knot DNS)', {
  skip: haveKnot ? false : 'install knot (Debian) for the signed zone',
}, () => {
  const dir = tempDir();
  const home = join(dir.path, 'home');
  const root = join(dir.path, 'root');
  const put = (systemPath: string, text: string) => {
    mkdirSync(dirname(join(root, systemPath)), { recursive: true });
    writeFileSync(join(root, systemPath), text);
  };
  let knot: ChildProcess | undefined;
  let knotLog = '';
  let port = 0;

  before(async () => {
    port = await freePort();
    const knotDir = join(dir.path, 'knot');
    mkdirSync(knotDir);
    for (const origin of ['example.com', 'example.net', 'example.org']) writeFileSync(join(knotDir, `${origin}.zone`), zone(origin));
    writeFileSync(join(knotDir, 'com.zone'), com(1));
    const config = join(knotDir, 'knot.conf');
    // The KASP database (the signing keys) lives under storage: keys/.
    writeFileSync(
      config,
      `server:\n    rundir: "${knotDir}"\n    listen: 127.0.0.1@${port}\n\ndatabase:\n    storage: "${knotDir}"\n\nlog:\n  - target: stderr\n    any: warning\n\nzone:\n${[
        ['com', true],
        ['example.com', true],
        ['example.net', false],
        ['example.org', true],
      ]
        .map(
          ([origin, signed]) =>
            `  - domain: ${origin}.\n    file: "${knotDir}/${origin}.zone"\n    zonefile-sync: -1\n    journal-content: none\n${signed ? '    dnssec-signing: on\n' : ''}`,
        )
        .join('')}`,
    );
    knot = spawn('knotd', ['-c', config], { stdio: ['ignore', 'ignore', 'pipe'] });
    knot.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      knotLog += chunk;
    });
    const own = { host: '127.0.0.1', port: 1 };
    const signing = (name: string) => findZoneSigning(name, upstreamAsker([`127.0.0.1:${port}`], own).ask).catch(() => undefined);
    // Keys first (an island until com holds its DS), then the DS from keymgr, and com reloaded.
    await eventually(async () => ((await signing('example.com'))?.island ? true : undefined), 8_000, `example.com's keys (${knotLog})`);
    const ds = await runCommand('keymgr', ['-c', config, 'example.com.', 'ds'], process.env);
    assert.equal(ds.code, 0, ds.stderr);
    writeFileSync(join(knotDir, 'com.zone'), com(2, ds.stdout));
    const reload = await runCommand('knotc', ['-c', config, 'zone-reload', 'com.'], process.env);
    assert.equal(reload.code, 0, reload.stdout + reload.stderr);
    await eventually(
      async () => ((await signing('example.com'))?.signed ? true : undefined),
      8_000,
      `example.com's DS in com (${knotLog})`,
    );
    await eventually(async () => ((await signing('example.org'))?.island ? true : undefined), 8_000, `example.org's keys (${knotLog})`);

    for (const args of [
      ['config', 'set', 'upstream', `127.0.0.1:${port}`],
      ['override', 'api.example.com', '127.0.0.1', '--force'],
      ['override', 'api.example.net', '127.0.0.1', '--force'],
      ['override', 'api.example.org', '127.0.0.1', '--force'],
    ]) {
      const result = await runDevdns(args, { home });
      assert.equal(result.code, 0, result.stdout + result.stderr);
    }
    // A system whose resolver is systemd-resolved, validating.
    put('/etc/resolv.conf', 'nameserver 127.0.0.53\n');
    mkdirSync(join(root, 'run/systemd/resolve'), { recursive: true });
    put('/etc/systemd/resolved.conf', '[Resolve]\n#DNSSEC=no\n');
    put('/etc/systemd/resolved.conf.d/dnssec.conf', '[Resolve]\nDNSSEC=yes\n');
    put('/etc/hosts', '127.0.0.1 localhost\n');
  });

  after(async () => {
    if (knot && knot.exitCode === null) {
      const exited = new Promise((resolve) => knot?.once('exit', resolve));
      knot.kill('SIGTERM');
      await exited;
    }
    dir.cleanup();
  });

  const doctor = () =>
    runChecks({
      home,
      hostsFile: join(root, 'etc/hosts'),
      platform: 'linux',
      systemRoot: root,
      resolve: async () => ['127.0.0.1'],
    });

  it('fails the override under the signed zone, passes the one under the unsigned zone', async () => {
    const checks = await doctor();
    const signed = pick(checks, 'dnssec-api.example.com');
    assert.equal(signed.status, 'fail', signed.message);
    assert.equal(
      signed.message,
      `api.example.com: systemd-resolved validates DNSSEC (DNSSEC=yes in /etc/systemd/resolved.conf.d/dnssec.conf) and the real zone example.com is signed (asked 127.0.0.1:${port}): devdns's unsigned answers for it are bogus there (SERVFAIL)`,
    );
    assert.equal(
      signed.fix,
      'devdns setup, which writes api.example.com into /etc/dnssec-trust-anchors.d/devdns.negative as a negative trust anchor',
    );
    const unsigned = pick(checks, 'dnssec-api.example.net');
    assert.equal(unsigned.status, 'ok', unsigned.message);
    assert.match(unsigned.message, /the real zone example\.net is not signed/);
    const island = pick(checks, 'dnssec-api.example.org');
    assert.equal(island.status, 'ok', island.message);
    assert.match(island.message, /the real zone example\.org has keys and no DS in its parent/);
  });

  it('passes once a negative trust anchor exempts the name', async () => {
    // The file setup writes for systemd-resolved when there are overrides.
    const plan = planSetup({ resolver: 'systemd-resolved', tlds: ['test', 'api.example.com'], host: '127.0.0.1', port: 9090 });
    const anchors = plan.files.find((file) => file.path === '/etc/dnssec-trust-anchors.d/devdns.negative');
    if (anchors === undefined) assert.fail('setup writes no negative trust anchors');
    put(anchors.path, anchors.content);
    const checks = await doctor();
    const exempted = pick(checks, 'dnssec-api.example.com');
    assert.equal(exempted.status, 'ok', exempted.message);
    assert.match(
      exempted.message,
      /negative trust anchor api\.example\.com in \/etc\/dnssec-trust-anchors\.d\/devdns\.negative exempts it/,
    );
  });
});
