// A smoke run of `npm run bench` with tiny counts: every figure is measured and written.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Scale } from '../bench/scale.js';
import { runCommand, tempDir } from '../helpers/devdns.js';

const script = fileURLToPath(new URL('../bench/run.ts', import.meta.url));

describe('npm run bench (smoke)', () => {
  it('measures devdns, the echo ceiling, the CLI and the scale section, and writes the figures as JSON', { timeout: 180_000 }, async () => {
    const dir = tempDir();
    try {
      const out = join(dir.path, 'bench.json');
      const result = await runCommand(process.execPath, ['--import', 'tsx', script, '--smoke', '--json', out], process.env, 170_000);
      assert.equal(result.code, 0, result.stdout + result.stderr);
      assert.match(result.stdout, /^devdns +\d+/m);
      assert.match(result.stdout, /devdns \/ echo ceiling: [\d.]+/);
      const figures = JSON.parse(readFileSync(out, 'utf8')) as {
        servers: Record<string, { qps: number; p50: number; p99: number; peakRssMiB: number }>;
        ratios: { toEcho: number };
        cli: { nodeMs: number; versionMs: number; lsMs: number };
        upToAnswerMs: number;
        addToAnswerMs: number;
        idleCpuTicks: number;
        scale: Scale | null;
      };
      for (const name of ['devdns', 'echo (ceiling)']) {
        const server = figures.servers[name];
        assert.ok(server && server.qps > 0, `${name} answered`);
        assert.ok(server.p50 > 0 && server.p99 >= server.p50, `${name} latency measured`);
      }
      assert.ok((figures.servers.devdns?.peakRssMiB ?? 0) > 0);
      assert.ok(figures.ratios.toEcho > 0);
      assert.ok(figures.cli.nodeMs > 0 && figures.cli.versionMs > 0 && figures.cli.lsMs > 0);
      assert.ok(figures.upToAnswerMs > 0 && figures.addToAnswerMs >= 0);
      assert.equal(typeof figures.idleCpuTicks, 'number');
      // The scale section: 200 imported names, then the CLI and the daemon with them.
      const scale = figures.scale;
      assert.ok(scale, 'the smoke run measures the scale section');
      assert.equal(scale.records, 200);
      assert.equal(scale.adds, 3);
      assert.ok(scale.importMs > 0 && scale.importPeakRssMiB > 0, 'import time and peak memory measured');
      assert.ok(scale.addMs > 0 && scale.lsMs > 0, 'add and ls timed with the daemon stopped');
      assert.ok(scale.rssAfterUpMiB > 0 && scale.rssAfterAddsMiB > 0, 'daemon memory read');
      assert.ok(scale.addToAnswerMs >= 0);
      assert.match(result.stdout, /^scale, 200 names/m);
    } finally {
      dir.cleanup();
    }
  });

  it('measures with its own Node load generator where dnsperf is not used', { timeout: 180_000 }, async () => {
    const dir = tempDir();
    try {
      const out = join(dir.path, 'bench.json');
      const result = await runCommand(
        process.execPath,
        ['--import', 'tsx', script, '--smoke', '--node-load', '--json', out],
        process.env,
        170_000,
      );
      assert.equal(result.code, 0, result.stdout + result.stderr);
      const figures = JSON.parse(readFileSync(out, 'utf8')) as {
        servers: Record<string, { qps: number; p50: number; p99: number; tool: string }>;
      };
      for (const name of ['devdns', 'echo (ceiling)']) {
        const server = figures.servers[name];
        assert.equal(server?.tool, 'node', `${name} was driven by the Node load generator`);
        assert.ok(server.qps > 0, `${name} answered`);
        assert.ok(server.p50 > 0 && server.p99 >= server.p50, `${name} latency measured`);
      }
    } finally {
      dir.cleanup();
    }
  });
});
