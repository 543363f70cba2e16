// Writing the records file: the only place that imports conf, which replaces it atomically
// (temp file, fsync, rename). devdns reads the file itself, strictly (record-store.ts), so conf is
// given nothing to parse: its own reads before a write would cost a full parse of a large file.
// A command writes in its own thread; the daemon writes in a worker thread (records-writer-worker.ts),
// so that a write of a large file never holds up an answer.
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Worker } from 'node:worker_threads';
import { markChecked } from './checked-mark.js';
import { HOME_FILES } from './paths.js';

type ConfClass = typeof import('conf').default;

/** What a failed write reports across the thread boundary: enough to describe it the same way. */
export interface WriteFailure {
  code?: string;
  message: string;
}

/** Loads conf; done before a writer takes the lock, so the lock is held for milliseconds. */
export async function loadConf(): Promise<ConfClass> {
  return (await import('conf')).default;
}

/**
 * A writer of the records file in `home` through conf: each call replaces the file with `text`.
 * One conf for every write, since making one reads the file.
 */
export function recordsTextWriter(Conf: ConfClass, home: string): (text: string | Uint8Array) => void {
  let next: string | Uint8Array = '';
  const conf = new Conf<Record<string, unknown>>({
    cwd: home,
    configName: HOME_FILES.records.replace(/\.json$/, ''),
    clearInvalidConfig: false,
    configFileMode: 0o600,
    accessPropertiesByDotNotation: false,
    deserialize: () => ({}),
    // conf hands what this returns to its atomic writer, which takes bytes as well as text.
    serialize: () => next as string,
  });
  return (text) => {
    next = text;
    try {
      // With an `__internal__` key in the value, conf does not read the file first to keep its own.
      conf.store = { __internal__: {} };
    } finally {
      next = '';
    }
    markChecked(home, text);
  };
}

/** Replaces the records file in `home` with `text` through conf. */
export function writeRecordsText(Conf: ConfClass, home: string, text: string): void {
  recordsTextWriter(Conf, home)(text);
}

interface Pending {
  resolve(): void;
  reject(error: Error & { code?: string }): void;
}

/** What writes the records file for a long-lived process: the daemon's BackgroundWriter, or a test's stand-in. */
export interface RecordsFileWriter {
  /** Writes the file whose text is `chunks` joined, `bytes` long in UTF-8. */
  write(home: string, chunks: readonly string[], bytes: number): Promise<void>;
  /** Stops once the writes given to it are done. */
  close(): Promise<void>;
}

/** The writer thread's heap: room for a few copies of the file (conf reads it once, when the thread starts), and no more. */
const heapFor = (bytes: number) => Math.max(64, Math.ceil((4 * bytes) / 2 ** 20));

/** Room a new write buffer leaves for the file to grow, so that a run of adds reuses one. */
const SPARE_ROOM = 1.125;
/** How long the last write's buffer is kept for another. */
const SPARE_KEPT_MS = 5_000;

/** What the writer thread posts: once that it is ready, then for each write its id, how it went and its memory back. */
export interface WriterReply {
  ready?: true;
  id?: number;
  failure?: WriteFailure;
  buffer?: ArrayBuffer;
}

/** A started writer thread, with the writes it was given and not yet answered: its exit fails only those. */
interface WriterThread {
  worker: Worker;
  heapMb: number;
  pending: Map<number, Pending>;
  /** Set once the thread failed or exited. */
  dead: boolean;
}

/**
 * The daemon's writer: one worker thread, started at the first write, that writes each file it is
 * given in order. The text is copied once into bytes whose memory moves to the worker and back
 * (kept a few seconds for the next write to reuse), and the
 * worker's heap is bounded by the file's size (restarted larger when the file outgrows it), so a
 * run of writes leaves no copies behind. A write that fails rejects with the error's code and
 * message. Where no worker can start (Node 20 running the TypeScript sources), it writes in this
 * thread instead. Calls run one at a time, in order: a write never meets a thread that a close
 * or a restart is stopping.
 */
export class BackgroundWriter implements RecordsFileWriter {
  /** The thread, once one started; undefined before, and after one failed to start (this thread writes). */
  private thread: Promise<WriterThread | undefined> | undefined;
  private next = 0;
  private turn: Promise<unknown> = Promise.resolve();
  /** The memory of the last write, back from the worker, kept while writes keep coming. */
  private spare: ArrayBuffer | undefined;
  private spareTimer: NodeJS.Timeout | undefined;

  write(home: string, chunks: readonly string[], bytes: number): Promise<void> {
    return this.inTurn(() => this.writeNow(home, chunks, bytes));
  }

  close(): Promise<void> {
    return this.inTurn(() => this.stop());
  }

  /** Runs `work` after every call made before it has settled. */
  private inTurn<T>(work: () => Promise<T>): Promise<T> {
    const run = this.turn.then(work);
    this.turn = run.catch(() => undefined);
    return run;
  }

  private async writeNow(home: string, chunks: readonly string[], bytes: number): Promise<void> {
    const heapMb = heapFor(bytes);
    const current = await this.thread;
    if (current?.dead) this.thread = undefined;
    else if (current !== undefined && current.heapMb < heapMb) await this.stop();
    this.thread ??= this.start(heapMb);
    const thread = await this.thread;
    if (thread === undefined) {
      writeRecordsText(await loadConf(), home, chunks.join(''));
      return;
    }
    // The worker hands the memory back after each write, for the next one to fill: a new buffer
    // per write lived until the worker's heap next collected, about 7 MB a write at 100,000 records.
    const spare = this.spare;
    this.spare = undefined;
    const buffer = spare !== undefined && spare.byteLength >= bytes ? spare : new ArrayBuffer(Math.ceil(bytes * SPARE_ROOM));
    let offset = 0;
    for (const chunk of chunks) offset += Buffer.from(buffer, offset).write(chunk, 'utf8');
    const data = new Uint8Array(buffer, 0, bytes);
    const id = this.next++;
    return new Promise((resolve, reject) => {
      thread.pending.set(id, { resolve, reject });
      thread.worker.postMessage({ id, home, data }, [buffer]);
    });
  }

  private async start(heapMb: number): Promise<WriterThread | undefined> {
    const { Worker } = await import('node:worker_threads');
    // The worker's file sits beside this one, compiled (.js) or, under a TypeScript loader, not (.ts).
    const here = fileURLToPath(import.meta.url);
    const worker = new Worker(new URL(`./records-writer-worker${extname(here)}`, import.meta.url), {
      resourceLimits: { maxOldGenerationSizeMb: heapMb, maxYoungGenerationSizeMb: 8 },
    });
    worker.unref();
    const thread: WriterThread = { worker, heapMb, pending: new Map(), dead: false };
    return new Promise<WriterThread | undefined>((resolve) => {
      let ready = false;
      worker.on('message', (message: WriterReply) => {
        if (message.ready) {
          ready = true;
          resolve(thread);
          return;
        }
        if (message.buffer !== undefined) this.keepSpare(message.buffer);
        const waiting = thread.pending.get(message.id ?? -1);
        thread.pending.delete(message.id ?? -1);
        const { failure } = message;
        if (failure === undefined) waiting?.resolve();
        else waiting?.reject(Object.assign(new Error(failure.message), failure.code === undefined ? {} : { code: failure.code }));
      });
      // A thread that failed (an uncaught error, out of memory) or exited takes no more writes:
      // the next write starts another, as soon as the failure is known, not only at the exit.
      const fail = (error: Error) => {
        if (!ready) return resolve(undefined);
        thread.dead = true;
        for (const waiting of thread.pending.values()) waiting.reject(error);
        thread.pending.clear();
      };
      worker.on('error', fail);
      worker.on('exit', (code) => fail(new Error(`the records writer stopped (exit code ${code})`)));
    });
  }

  /** Keeps `buffer` for the next write, for a few seconds: an idle daemon holds no copy of the file. */
  private keepSpare(buffer: ArrayBuffer): void {
    this.spare = buffer;
    clearTimeout(this.spareTimer);
    this.spareTimer = setTimeout(() => {
      this.spare = undefined;
    }, SPARE_KEPT_MS).unref();
  }

  /** Stops the thread; every write given to it has been answered, since calls take turns. */
  private async stop(): Promise<void> {
    const thread = await this.thread;
    this.thread = undefined;
    clearTimeout(this.spareTimer);
    this.spare = undefined;
    await thread?.worker.terminate();
  }
}
