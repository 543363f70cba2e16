// The daemon's records writer thread: writes each file it is sent (as bytes), in order, says how
// it went and hands the bytes' memory back.
import { parentPort } from 'node:worker_threads';
import { loadConf, recordsTextWriter, type WriteFailure, type WriterReply } from './records-writer.js';

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
  // The memory goes back to the daemon, which fills it for the next write.
  const { buffer } = data;
  const reply: WriterReply = { id, ...(failure === undefined ? {} : { failure }), ...(buffer instanceof ArrayBuffer ? { buffer } : {}) };
  parentPort?.postMessage(reply, buffer instanceof ArrayBuffer ? [buffer] : []);
});
parentPort?.postMessage({ ready: true });
