#!/usr/bin/env node
// The devdns command: hands the arguments to the CLI; all logic lives in dist/cli.
import { main } from '../dist/cli/main.js';

process.exitCode = await main(process.argv.slice(2));
