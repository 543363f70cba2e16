// Typed errors: every failure a user can cause carries a stable code, a one-line message and a hint.
// They are turned into output in one place (cli/main.ts), never printed where they are thrown.

/** Exit codes, documented in the README. */
export const ExitCode = {
  ok: 0,
  user: 1,
  usage: 2,
  daemonDown: 3,
} as const;

export class DevdnsError extends Error {
  override readonly name: string = 'DevdnsError';
  constructor(
    /** Stable machine-readable code, e.g. `invalid-value`. */
    readonly code: string,
    message: string,
    /** What the user can do about it; shown after the message. */
    readonly hint?: string,
    readonly exitCode: number = ExitCode.user,
  ) {
    super(message);
  }
}

/** Any error as a DevdnsError: one no code foresaw becomes `internal`, with a hint to report it. */
export function asDevdnsError(error: unknown): DevdnsError {
  if (error instanceof DevdnsError) return error;
  return new DevdnsError('internal', `unexpected error: ${(error as Error).message}`, 'run again with DEVDNS_DEBUG=1 and report it');
}

/** Bad user input: a name, a value or an option that fails validation. */
export class InputError extends DevdnsError {
  override readonly name: string = 'InputError';
  constructor(
    /** The field at fault, e.g. `name`, `value`, `--ttl`. */
    readonly field: string,
    /** What is wrong, without the field: for messages that name the field their own way. */
    readonly detail: string,
    hint?: string,
  ) {
    super('invalid-input', `${field}: ${detail}`, hint);
  }
}

/** A name that would claim real sites (a public TLD) or mDNS names (.local) without --force. */
export class RiskyNameError extends InputError {
  override readonly name = 'RiskyNameError';
  constructor(
    readonly risk: 'public' | 'mdns',
    detail: string,
    hint: string,
  ) {
    super('name', detail, hint);
  }
}

/** The records file cannot be read, parsed or written. The file itself is never changed. */
export class StoreError extends DevdnsError {
  override readonly name = 'StoreError';
  constructor(
    code: string,
    readonly path: string,
    message: string,
    hint?: string,
  ) {
    super(code, `${path}: ${message}`, hint);
  }
}

/** Nothing matched what the user asked to remove or show. */
export class NotFoundError extends DevdnsError {
  override readonly name = 'NotFoundError';
  constructor(message: string, hint?: string) {
    super('not-found', message, hint);
  }
}

/** Another process holds the port. */
export class PortInUseError extends DevdnsError {
  override readonly name = 'PortInUseError';
  constructor(
    readonly transport: string,
    readonly host: string,
    readonly port: number,
  ) {
    super(
      'port-in-use',
      `${transport} port ${port} on ${host} is in use`,
      `choose another with ${transport.startsWith('control') ? '--control-port' : '--port'}, or see what holds it: ss -lunpt 'sport = :${port}'`,
    );
  }
}

/** Binding the port needs privileges this process lacks (ports below 1024). */
export class PortNotAllowedError extends DevdnsError {
  override readonly name = 'PortNotAllowedError';
  constructor(
    readonly transport: string,
    readonly host: string,
    readonly port: number,
  ) {
    super(
      'port-not-allowed',
      `not allowed to listen on ${transport} port ${port} on ${host}`,
      'ports below 1024 need root or CAP_NET_BIND_SERVICE; use a port such as 9090',
    );
  }
}
