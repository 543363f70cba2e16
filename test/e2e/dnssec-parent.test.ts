// End to end: doctor against a real signed zone. Knot DNS serves example.com signed (automatic
// signing, its keys in a temp KASP database) and example.net unsigned on a loopback port; devdns,
// set up with the built binary, forwards there and overrides a name in each. Doctor, run over a
// --root tree whose systemd-resolved validates, fails the override under the signed zone and
// passes the other, until a negative trust anchor exempts the name.
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

const zone = (origin: string) =>
  `$ORIGIN ${origin}.\n$TTL 60\n@ SOA ns.${origin}. admin.${origin}. 1 60 60 600 60\n@ NS ns.${origin}.\nns A 127.0.0.1\nwww A 192.0.2.1\n`;

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
    writeFileSync(join(knotDir, 'example.com.zone'), zone('example.com'));
    writeFileSync(join(knotDir, 'example.net.zone'), zone('example.net'));
    const config = join(knotDir, 'knot.conf');
    // The KASP database (the signing keys) lives under storage: keys/.
    writeFileSync(
      config,
      `server:\n    rundir: "${knotDir}"\n    listen: 127.0.0.1@${port}\n\ndatabase:\n    storage: "${knotDir}"\n\nlog:\n  - target: stderr\n    any: warning\n\nzone:\n  - domain: example.com.\n    file: "${knotDir}/example.com.zone"\n    zonefile-sync: -1\n    journal-content: none\n    dnssec-signing: on\n  - domain: example.net.\n    file: "${knotDir}/example.net.zone"\n    zonefile-sync: -1\n    journal-content: none\n`,
    );
    knot = spawn('knotd', ['-c', config], { stdio: ['ignore', 'ignore', 'pipe'] });
    knot.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      knotLog += chunk;
    });
    const own = { host: '127.0.0.1', port: 1 };
    await eventually(
      async () => {
        const signing = await findZoneSigning('example.com', upstreamAsker([`127.0.0.1:${port}`], own).ask).catch(() => undefined);
        return signing?.signed ? true : undefined;
      },
      8_000,
      `knotd to serve example.com signed (${knotLog})`,
    );

    for (const args of [
      ['config', 'set', 'upstream', `127.0.0.1:${port}`],
      ['override', 'api.example.com', '127.0.0.1', '--force'],
      ['override', 'api.example.net', '127.0.0.1', '--force'],
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
