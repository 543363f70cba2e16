// A smoke run of `npm run bench` with tiny counts: every figure is measured and written.
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Forward } from '../bench/forward.js';
import { chooseNodes, findNodes, type NodeBinary } from '../bench/node-versions.js';
import type { Scale } from '../bench/scale.js';
import type { Startup, StartupState } from '../bench/startup.js';
import { runCommand, tempDir } from '../helpers/devdns.js';

const script = fileURLToPath(new URL('../bench/run.ts', import.meta.url));
const installed = async (command: string, argv: string[]) =>
  (await runCommand(command, argv, process.env).catch(() => ({ code: 127 }))).code === 0;
/** The forwarding section needs unbound as devdns's upstream; dnsmasq is compared where installed. */
const haveUnbound = await installed('unbound', ['-V']);
const haveDnsmasq = await installed('dnsmasq', ['--version']);

/** The forwarding section's figures are there and positive: measured, whatever the speed. */
function assertForwardFigures(forward: Forward | null, stdout: string, tool: string): void {
  if (!haveUnbound) {
    assert.equal(forward, null);
    assert.match(stdout, /^forward: unbound not installed/m);
    return;
  }
  assert.ok(forward, 'the smoke run measures forwarding');
  assert.equal(forward.tool, tool);
  const { cpu, latency, throughput, fill } = forward;
  for (const [label, run] of [
    ['cached forwarded', cpu.forwarded],
    ['own records', cpu.own],
  ] as const) {
    assert.ok(run.answered > 0 && run.answered <= run.sent, `${label}: queries answered at a fixed rate`);
    assert.ok(run.us > 0, `${label}: CPU time per query measured`);
  }
  assert.ok(cpu.forwardedToOwn > 0, 'forwarded / own CPU ratio');
  assert.ok(latency.p50 > 0 && latency.p99 >= latency.p50, 'cached forwarded latency measured');
  assert.ok(latency.ownP50 > 0 && latency.ownP99 >= latency.ownP50, 'own records latency measured beside it');
  assert.ok(throughput.devdnsQps > 0);
  if (haveDnsmasq) {
    assert.ok(cpu.dnsmasq && cpu.dnsmasq.answered > 0, 'dnsmasq answered the cached names');
    assert.ok((throughput.dnsmasqQps ?? 0) > 0 && (throughput.toDnsmasq ?? 0) > 0, 'devdns / dnsmasq throughput');
    assert.ok((latency.dnsmasqP99 ?? 0) > 0);
  }
  // The cache held every name the fill asked (and the cached names asked before it).
  assert.equal(fill.answered, fill.names);
  assert.equal(fill.failed, 0);
  assert.ok(fill.cacheEntries >= fill.names, `cache entries ${fill.cacheEntries} after filling ${fill.names} names`);
  assert.ok(fill.cacheBytes > 0 && fill.rssBeforeMiB > 0 && fill.rssAfterMiB > 0, 'cache size and daemon memory read');
  assert.match(stdout, /^forward \(devdns forward all, .*forwarded \/ own: [\d.]+/m);
  assert.match(stdout, /^forward, cached forwarded answers at \d+ queries\/s: p50 [\d.]+ us, p99 [\d.]+ us/m);
  assert.match(stdout, /^forward, cached forwarded answers, queries\/s: devdns \d+/m);
  assert.match(stdout, /^forward, cache filled with \d+ names .*RSS [\d.]+ -> [\d.]+ MiB.*cache \d+ entries/m);
}

describe('npm run bench (smoke)', () => {
  it('measures devdns, the echo ceiling, start-up, the scale section, answers during reloads and forwarding, and writes the figures as JSON', {
    timeout: 180_000,
  }, async () => {
    const dir = tempDir();
    try {
      const out = join(dir.path, 'bench.json');
      const result = await runCommand(process.execPath, ['--import', 'tsx', script, '--smoke', '--json', out], process.env, 170_000);
      assert.equal(result.code, 0, result.stdout + result.stderr);
      assert.match(result.stdout, /^devdns +\d+/m);
      assert.match(result.stdout, /devdns \/ echo ceiling: [\d.]+/);
      const figures = JSON.parse(readFileSync(out, 'utf8')) as {
        servers: Record<string, { qps: number; p50: number; p99: number; peakRssMiB: number; tool: string }>;
        ratios: { toEcho: number };
        upToAnswerMs: number;
        addToAnswerMs: number;
        idleCpuTicks: number;
        startup: Startup | null;
        scale: Scale | null;
        forward: Forward | null;
      };
      for (const name of ['devdns', 'echo (ceiling)']) {
        const server = figures.servers[name];
        assert.ok(server && server.qps > 0, `${name} answered`);
        assert.ok(server.p50 > 0 && server.p99 >= server.p50, `${name} latency measured`);
      }
      assertForwardFigures(figures.forward, result.stdout, figures.servers.devdns?.tool ?? 'none');
      assert.ok((figures.servers.devdns?.peakRssMiB ?? 0) > 0);
      assert.ok(figures.ratios.toEcho > 0);
      assert.ok(figures.upToAnswerMs > 0 && figures.addToAnswerMs >= 0);
      assert.equal(typeof figures.idleCpuTicks, 'number');
      // Start-up: this Node only in the smoke run (said so), daemon stopped and running, 5 records.
      const startup = figures.startup;
      assert.ok(startup, 'the smoke run measures start-up');
      assert.equal(startup.records, 5);
      assert.deepEqual(
        startup.nodes.map((n) => n.node),
        [process.version],
      );
      assert.ok(startup.note, 'a single Node version is said so');
      assert.match(result.stdout, /^start-up: medians of 2 runs .*the smoke run times only the Node running it/m);
      for (const node of startup.nodes) {
        assert.match(node.node, /^v\d+\.\d+\.\d+$/);
        assert.ok(node.nodeMs > 0 && node.versionMs > 0 && node.versionRatio > 0, `${node.node}: --version against node -e 0`);
        for (const [label, state] of [
          ['stopped', node.stopped],
          ['running', node.running],
        ] as Array<[string, StartupState]>) {
          assert.ok(state.lsMs > 0 && state.addMs > 0 && state.rmMs > 0, `${node.node}, daemon ${label}: ls, add and rm timed`);
          assert.ok(state.lsRatio > 0 && state.addRatio > 0 && state.rmRatio > 0, `${node.node}, daemon ${label}: ratios`);
        }
        assert.match(
          result.stdout,
          new RegExp(
            `^start-up \\(Node ${node.node.replaceAll('.', '\\.')}, 5 records\\).*daemon running: ls [\\d.]+, add [\\d.]+, rm [\\d.]+; daemon stopped: ls`,
            'm',
          ),
        );
      }
      // The scale section: 200 imported names, then the CLI and the daemon with them.
      const scale = figures.scale;
      assert.ok(scale, 'the smoke run measures the scale section');
      assert.deepEqual(
        scale.imports.map((i) => i.records),
        [200],
      );
      const [imported] = scale.imports;
      assert.ok(
        imported && imported.exitCode === 0 && imported.error === null && imported.importMs > 0 && imported.importPeakRssMiB > 0,
        'import time and peak memory measured',
      );
      const run = scale.run;
      assert.ok(run, 'the section runs at 200 names');
      assert.equal(run.records, 200);
      assert.ok(run.addMs > 0 && run.lsMs > 0, 'add and ls timed with the daemon stopped');
      assert.ok(run.lsRows > 0, 'devdns ls host1 listed names');
      assert.equal(run.adds, 3);
      assert.ok(run.runningAddMs > 0 && run.runningLsMs > 0 && run.runningLsOneMs > 0, 'add and ls timed with the daemon running');
      assert.ok(run.rssAfterUpMiB > 0 && run.rssAfterAddsMiB > 0, 'daemon memory read');
      assert.ok(run.addToAnswerMs >= 0);
      // Answers during reloads: a steady load while a few adds run.
      const reload = run.reload;
      assert.equal(reload.adds, 3);
      assert.equal(reload.rate, 2000);
      assert.ok(reload.sent > 0 && reload.answered > 0 && reload.answered + reload.lost === reload.sent, 'queries sent and answered');
      assert.ok(reload.p50 > 0 && reload.p99 >= reload.p50 && reload.max >= reload.p99, 'latency during the adds measured');
      assert.match(result.stdout, /^scale, import \(hosts file.*: 200 names [\d.]+ ms/m);
      assert.match(result.stdout, /^scale, 200 names, daemon running: devdns add [\d.]+ ms .*devdns ls of one name [\d.]+ ms/m);
      assert.match(result.stdout, /^scale, daemon with 200 names: [\d.]+ MiB after up, [\d.]+ MiB after 3 adds/m);
      assert.match(
        result.stdout,
        /^scale, 2000 queries\/s during 3 devdns adds .*p50 [\d.]+ us, p99 [\d.]+ us, max [\d.]+ us; lost \d+ of \d+/m,
      );
    } finally {
      dir.cleanup();
    }
  });

  it('measures with its own Node load generator where dnsperf is not used (forwarding too), and skips start-up and scale with --load-only', {
    timeout: 180_000,
  }, async () => {
    const dir = tempDir();
    try {
      const out = join(dir.path, 'bench.json');
      const result = await runCommand(
        process.execPath,
        ['--import', 'tsx', script, '--smoke', '--node-load', '--load-only', '--json', out],
        process.env,
        170_000,
      );
      assert.equal(result.code, 0, result.stdout + result.stderr);
      const figures = JSON.parse(readFileSync(out, 'utf8')) as {
        servers: Record<string, { qps: number; p50: number; p99: number; tool: string }>;
        startup: Startup | null;
        scale: Scale | null;
        forward: Forward | null;
      };
      assert.equal(figures.startup, null, '--load-only measures no start-up');
      assert.equal(figures.scale, null, '--load-only measures no scale section');
      assert.doesNotMatch(result.stdout, /^(start-up|scale)/m);
      for (const name of ['devdns', 'echo (ceiling)']) {
        const server = figures.servers[name];
        assert.equal(server?.tool, 'node', `${name} was driven by the Node load generator`);
        assert.ok(server.qps > 0, `${name} answered`);
        assert.ok(server.p50 > 0 && server.p99 >= server.p50, `${name} latency measured`);
      }
      // The forwarding section stays in the smoke run, driven by the Node load generator too.
      assertForwardFigures(figures.forward, result.stdout, 'node');
    } finally {
      dir.cleanup();
    }
  });

  it('finds Node binaries in --node-dir directories, each version once', () => {
    const dir = tempDir();
    try {
      const fake = join(dir.path, 'fake');
      const same = join(dir.path, 'same');
      for (const sub of [fake, same]) mkdirSync(sub);
      writeFileSync(join(fake, 'node'), '#!/bin/sh\necho v99.1.0\n');
      chmodSync(join(fake, 'node'), 0o755);
      symlinkSync(process.execPath, join(same, 'node'));
      const found = findNodes([fake, same, join(dir.path, 'missing')]);
      assert.deepEqual(
        found.filter((n) => n.version === process.version).map((n) => n.version),
        [process.version],
        'the running Node once, though --node-dir links to it too',
      );
      assert.ok(found.some((n) => n.version === 'v99.1.0' && n.path === join(fake, 'node')));
    } finally {
      dir.cleanup();
    }
  });

  it('chooses the oldest Node 20 and the newest Node, and says when that is not two', () => {
    const node = (version: string): NodeBinary => {
      const [major = 0, minor = 0, patch = 0] = version.slice(1).split('.').map(Number);
      return { path: `/opt/${version}/node`, version, parts: [major, minor, patch] };
    };
    const cases: Array<[string, string[], string[], boolean]> = [
      ['20 and 26', ['v26.1.0', 'v20.20.2'], ['v20.20.2', 'v26.1.0'], false],
      ['oldest 20, newest overall', ['v20.20.2', 'v20.9.0', 'v24.3.0', 'v26.1.0', 'v26.0.0'], ['v20.9.0', 'v26.1.0'], false],
      ['20 only', ['v20.20.2'], ['v20.20.2'], true],
      ['no 20', ['v22.1.0', 'v26.1.0'], ['v26.1.0'], true],
      ['none', [], [], true],
    ];
    for (const [label, found, chosen, noted] of cases) {
      const choice = chooseNodes(found.map(node));
      assert.deepEqual(
        choice.chosen.map((n) => n.version),
        chosen,
        label,
      );
      assert.equal(choice.note !== null, noted, `${label}: note`);
    }
  });
});
