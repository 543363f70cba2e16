// How node runs the daemon, whoever starts it: `devdns up` (the launcher) and the start-at-login
// files (systemd, launchd) give it the same flags.

/**
 * The daemon's V8 young generation kept small (1 MiB semi-spaces, where the default grows to 16):
 * its short-lived garbage is a reply or a parsed query, and at 100,000 records this keeps about
 * 20-40 MiB off its memory, with no loss of queries/s measured (dnsperf, 100k names). And `gc()`,
 * which the daemon calls once, when the records are loaded and before it says it is ready (see
 * daemon.ts): at 100,000 records that gives back about 25 MiB that reading the file left behind.
 * `--optimize-for-size` was tried as well: about 30 MiB less after start, but answers during a
 * run of adds waited up to 90-220 ms (p99; 17 ms without it), so it is not used.
 */
export const DAEMON_NODE_OPTIONS: readonly string[] = ['--max-semi-space-size=1', '--expose-gc'];
