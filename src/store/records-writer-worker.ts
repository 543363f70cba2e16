// The daemon's records writer thread: writes each file it is sent (as bytes), in order, and says how it went.
import { parentPort } from 'node:worker_threads';
import { loadConf, recordsTextWriter, type WriteFailure } from './records-writer.js';

const Conf = await loadConf();
const writers = new Map<string, (text: string | Uint8Array) => void>();
parentPort?.on('message', ({ id, home, data }: { id: number; home: string; data: Uint8Array }) => {
  let failure: WriteFailure | undefined;
  try {
    let write = writers.get(home);
    if (write === undefined) {
      write = recordsTextWriter(Conf, home);
      writers.set(home, write);
    }
    write(data);
  } catch (error) {
    const { code, message } = error as NodeJS.ErrnoException;
    failure = code === undefined ? { message } : { code, message };
  }
  parentPort?.postMessage({ id, ...(failure === undefined ? {} : { failure }) });
});
parentPort?.postMessage({ ready: true });
