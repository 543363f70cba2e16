// The one structured line a daemon whose start failed leaves in its log, and its reader: the
// launcher rebuilds the daemon's error from it, with its code, instead of re-reading prose. A
// fixed marker before a JSON object keeps the line readable among the log's others.
import type { DevdnsError } from '../errors.js';

export const START_FAILURE_MARKER = 'devdns start failed: ';

export interface StartFailure {
  code: string;
  message: string;
  hint?: string;
}

/** `devdns start failed: {"code":"port-in-use","message":"...","hint":"..."}` */
export function formatStartFailure(error: DevdnsError): string {
  const failure: StartFailure = { code: error.code, message: error.message, ...(error.hint ? { hint: error.hint } : {}) };
  return `${START_FAILURE_MARKER}${JSON.stringify(failure)}`;
}

/** The last start failure in `log` (text the daemon wrote), or undefined when there is none. */
export function readStartFailure(log: string): StartFailure | undefined {
  for (const line of log.split('\n').reverse()) {
    const at = line.indexOf(START_FAILURE_MARKER);
    if (at < 0) continue;
    try {
      const parsed = JSON.parse(line.slice(at + START_FAILURE_MARKER.length)) as Partial<StartFailure>;
      if (typeof parsed.code !== 'string' || typeof parsed.message !== 'string') continue;
      return { code: parsed.code, message: parsed.message, ...(typeof parsed.hint === 'string' ? { hint: parsed.hint } : {}) };
    } catch {
      // a line cut short, or one that only quotes the marker: not ours
    }
  }
  return undefined;
}
