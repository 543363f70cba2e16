// Builds dist/ whenever npm prepares the package: `npm ci`, `npm pack` (the README's install runs
// `npm install -g "$(npm pack --silent)"`), and `npm install -g .` in a clone. In a fresh clone the
// build's dependencies are missing, so they are installed first. Everything this prints goes to
// stderr: npm pack's stdout is the tarball's name, which the install command reads.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');

if (!existsSync(tsc)) {
  const npm = process.env.npm_execpath;
  if (!npm) throw new Error('devdns: run the build through npm (npm install), or install typescript first');
  // The outer `npm install -g` passes its global mode down; this install belongs to the clone.
  const env = { ...process.env, npm_config_global: 'false' };
  delete env.npm_config_prefix;
  execFileSync(process.execPath, [npm, 'install', '--include=dev', '--ignore-scripts', '--no-audit', '--no-fund'], {
    cwd: root,
    env,
    stdio: ['ignore', 2, 2],
  });
}
execFileSync(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: root, stdio: ['ignore', 2, 2] });
