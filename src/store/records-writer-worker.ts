// The daemon's records writer thread: writes each text it is sent, in order, and says how it went.
import { parentPort } from 'node:worker_threads';
import { loadConf, type WriteFailure, writeRecordsText } from './records-writer.js';

const Conf = await loadConf();
parentPort?.on('message', ({ id, home, text }: { id: number; home: string; text: string }) => {
  let failure: WriteFailure | undefined;
  try {
    writeRecordsText(Conf, home, text);
  } catch (error) {
    const { code, message } = error as NodeJS.ErrnoException;
    failure = code === undefined ? { message } : { code, message };
  }
  parentPort?.postMessage({ id, ...(failure === undefined ? {} : { failure }) });
});
parentPort?.postMessage({ ready: true });
