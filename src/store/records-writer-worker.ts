// The daemon's records writer thread: writes each text it is sent, in order, and says how it went.
import { parentPort } from 'node:worker_threads';
import { loadConf, recordsTextWriter, type WriteFailure } from './records-writer.js';

const Conf = await loadConf();
const writers = new Map<string, (text: string) => void>();
parentPort?.on('message', ({ id, home, chunks }: { id: number; home: string; chunks: string[] }) => {
  let failure: WriteFailure | undefined;
  try {
    let write = writers.get(home);
    if (write === undefined) {
      write = recordsTextWriter(Conf, home);
      writers.set(home, write);
    }
    write(chunks.join(''));
  } catch (error) {
    const { code, message } = error as NodeJS.ErrnoException;
    failure = code === undefined ? { message } : { code, message };
  }
  parentPort?.postMessage({ id, ...(failure === undefined ? {} : { failure }) });
});
parentPort?.postMessage({ ready: true });
