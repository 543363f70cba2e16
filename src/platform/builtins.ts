// Node's built-in modules that a short command may not need, loaded through require on first use.
// Importing a built-in as ESM reads each of its exports at once, and some load more behind them
// (node:http's load the whole fetch implementation on Node 26, about 45 ms); node:crypto costs
// 5-8 ms to load. Start-up pays only for what a command uses. (node:child_process is loaded the
// same way in its one home, run-program.ts.)
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

export const http = (): typeof import('node:http') => require('node:http');
export const crypto = (): typeof import('node:crypto') => require('node:crypto');
export const tls = (): typeof import('node:tls') => require('node:tls');
export const http2 = (): typeof import('node:http2') => require('node:http2');
