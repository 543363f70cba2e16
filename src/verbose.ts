// What devdns does, said as it does it, for --verbose: the files it reads and writes and the
// commands it runs. Silent unless the CLI installs a sink for this run.
let sink: ((line: string) => void) | undefined;

export function setVerboseSink(next: ((line: string) => void) | undefined): void {
  sink = next;
}

export function verbose(line: string): void {
  sink?.(line);
}
