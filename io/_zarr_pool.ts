// A small pool of node:worker_threads workers (io/_zarr_worker.ts) that read
// and decode Zarr chunks in parallel with the main thread. Workers are
// unref'd while idle, so an idle pool never keeps the process alive; `close`
// terminates them. When a worker cannot start (no read permission for the
// worker module, a runtime without worker threads) or dies, its jobs fail
// with `WorkerUnavailable` and the caller decodes in its own thread. Pools of
// one size share their workers (see SHARED).

import { Worker } from "node:worker_threads";

/** How a worker opens the array (the same way io/zarr.ts does). */
export interface OpenSpec {
  readonly root: string;
  readonly object: string;
  readonly format: 2 | 3;
  /** The consolidated metadata document (`.zmetadata`'s `metadata`), or null. */
  readonly consolidated: Readonly<Record<string, unknown>> | null;
  /** Distinguishes two consolidated documents of one store (they may differ). */
  readonly consolidatedId: number;
}

/** Where a worker copies the selected part of a chunk (a shared buffer). */
export interface DecodeDest {
  readonly buffer: SharedArrayBuffer;
  /** The destination array's typed view: byte offset and element count. */
  readonly byteOffset: number;
  readonly length: number;
  /** The part: element counts, strides and offset (elements) in the destination. */
  readonly counts: number[];
  readonly strides: number[];
  readonly offset: number;
  /** First selected index in the chunk and the region's step, per axis. */
  readonly local: number[];
  readonly step: number[];
}

/** One chunk to read and decode. */
export interface DecodeJob {
  id: number;
  readonly open: OpenSpec;
  readonly coords: number[];
  readonly dtype: string;
  readonly chunkSize: number;
  readonly dest?: DecodeDest;
  /**
   * The pool that sent it: a worker opens the array once per pool, so that
   * an array opened again (perhaps rewritten meanwhile) never meets the
   * metadata another pool's array cached in the shared workers.
   */
  lease?: number;
}

/** A worker's answer: the chunk's strides and (without `dest`) its bytes, or an error. */
export interface DecodeReply {
  readonly id: number;
  readonly stride?: number[];
  readonly bytes?: ArrayBuffer;
  /** `decode`: the message of zarrita's error; `size`: the decoded element count. */
  readonly error?: string;
  readonly kind?: "decode" | "size";
}

/** Raised for a job no worker could run: decode it in the calling thread. */
/** Decode workers started by default (`workers` option of io/zarr.ts). */
export const DEFAULT_WORKERS = 2;
/** By default, reads use the decode workers only for chunks at least this large. */
const WORKER_MIN_CHUNK_BYTES = 256 << 10;
/**
 * What one decode worker holds while running, beyond its two chunk buffers:
 * its isolate's heap, the zarrita modules and garbage not yet collected
 * (measured: a map over a gzip Zarr of 4 MiB chunks with 2 workers peaked
 * 61 MiB above the same map over the uncompressed store).
 */
const WORKER_HEAP_BYTES = 24 << 20;

/**
 * Whether reads of an array take the decode workers: compressed chunks of at
 * least 256 KiB, or any chunk when the caller set the worker count.
 */
export function threaded(
  codec: string,
  chunkBytes: number,
  workers: number,
  forced: boolean,
): boolean {
  if (workers === 0) return false;
  // uncompressed chunks: reading and copying in this thread is cheaper (measured)
  return forced || (codec !== "none" && chunkBytes >= WORKER_MIN_CHUNK_BYTES);
}

/**
 * Bytes the decoders of an array hold while it is open (for the planner):
 * per worker its heap and its stored and decoded chunk buffers; in this
 * thread the stored and decoded chunk and the copies zarrita's store read and
 * decode leave for the collector (measured 42 MiB over uncompressed for 4 MiB
 * chunks); nothing for an uncompressed array.
 */
export function decoderBytes(
  codec: string,
  chunkBytes: number,
  workers: number,
  forced: boolean,
): number {
  if (codec === "none") return 0;
  return threaded(codec, chunkBytes, workers, forced)
    ? workers * (WORKER_HEAP_BYTES + 2 * chunkBytes)
    : 8 * chunkBytes;
}

export class WorkerUnavailable extends Error {}

interface Pending {
  resolve: (r: DecodeReply) => void;
  reject: (e: unknown) => void;
}

interface Slot {
  worker: Worker | null;
  pending: Map<number, Pending>;
}

/** Workers shared by every pool of one size in this thread, with the pools using them. */
interface Workers {
  readonly key: string;
  readonly slots: Slot[];
  leases: number;
}

const WORKER_URL = new URL("./_zarr_worker.ts", import.meta.url);

/**
 * The running workers by size and module. Every pool of one size shares
 * them: a pool nobody closes (an array opened and dropped by each
 * `compute`) must not leave its own idle workers behind (each held ~90 MiB:
 * RSS grew by ~180 MiB a run). The last pool to close stops them.
 */
const SHARED = new Map<string, Workers>();
let nextId = 0;
let nextLease = 0;

function startWorkers(key: string, n: number, url: URL): Workers {
  const workers: Workers = { key, slots: [], leases: 0 };
  for (let i = 0; i < n; i++) {
    const slot: Slot = { worker: null, pending: new Map() };
    try {
      const w = new Worker(url);
      w.unref();
      w.on("message", (r: DecodeReply) => {
        const p = slot.pending.get(r.id);
        if (!p) return;
        slot.pending.delete(r.id);
        if (slot.pending.size === 0) w.unref();
        p.resolve(r);
      });
      const fail = (e: unknown): void => {
        slot.worker = null;
        const jobs = [...slot.pending.values()];
        slot.pending.clear();
        for (const p of jobs) p.reject(new WorkerUnavailable("worker stopped", { cause: e }));
        w.terminate().catch(() => {});
      };
      w.on("error", fail);
      w.on("exit", (code: number) => {
        if (slot.worker !== null) fail(new Error(`worker exited with code ${code}`));
      });
      slot.worker = w;
    } catch {
      continue; // cannot start: fewer workers
    }
    workers.slots.push(slot);
  }
  return workers;
}

/** A lease on the decode workers (shared with the other pools of the same size). */
export class DecodePool {
  readonly #workers: Workers;
  /** This pool's jobs still running, and the slot running each. */
  readonly #mine = new Map<number, Slot>();
  readonly #lease = ++nextLease;
  #closed = false;

  private constructor(workers: Workers) {
    this.#workers = workers;
    workers.leases++;
  }

  /**
   * A pool of `n` workers: the running ones when a pool of that size is
   * open (or was dropped unclosed), else new ones; null when not even one
   * can start.
   *
   * @param n Number of workers.
   * @param url The worker module (tests point it elsewhere).
   */
  static start(n: number, url: URL = WORKER_URL): DecodePool | null {
    const key = `${n} ${url.href}`;
    let workers = SHARED.get(key);
    if (workers === undefined || !workers.slots.some((s) => s.worker !== null)) {
      workers = startWorkers(key, n, url);
      if (workers.slots.length === 0) return null;
      SHARED.set(key, workers);
    }
    return new DecodePool(workers);
  }

  /** Whether a worker is left to take jobs. */
  get alive(): boolean {
    return !this.#closed && this.#workers.slots.some((s) => s.worker !== null);
  }

  /**
   * Runs one job on the least busy worker.
   *
   * @throws {WorkerUnavailable} When no worker can run it.
   */
  run(job: Omit<DecodeJob, "id">): Promise<DecodeReply> {
    let best: Slot | null = null;
    for (const s of this.#workers.slots) {
      if (s.worker !== null && (best === null || s.pending.size < best.pending.size)) best = s;
    }
    if (this.#closed || best === null) {
      return Promise.reject(new WorkerUnavailable("no decode worker"));
    }
    const slot = best;
    const w = slot.worker!;
    const id = nextId++;
    const mine = this.#mine;
    return new Promise<DecodeReply>((resolve, reject) => {
      slot.pending.set(id, {
        resolve: (r) => {
          mine.delete(id);
          resolve(r);
        },
        reject: (e) => {
          mine.delete(id);
          reject(e);
        },
      });
      mine.set(id, slot);
      if (slot.pending.size === 1) w.ref();
      try {
        w.postMessage({ ...job, id, lease: this.#lease });
      } catch (e) {
        slot.pending.delete(id);
        mine.delete(id);
        if (slot.pending.size === 0) w.unref();
        reject(new WorkerUnavailable("cannot post to the worker", { cause: e }));
      }
    });
  }

  /**
   * Ends this lease: its jobs still running fail with `WorkerUnavailable`;
   * the workers stop when no other pool uses them.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const [id, slot] of [...this.#mine]) {
      const p = slot.pending.get(id);
      slot.pending.delete(id);
      if (slot.pending.size === 0) slot.worker?.unref();
      p?.reject(new WorkerUnavailable("pool closed"));
    }
    this.#mine.clear();
    const workers = this.#workers;
    if (--workers.leases > 0) return;
    if (SHARED.get(workers.key) === workers) SHARED.delete(workers.key);
    const stops: Promise<unknown>[] = [];
    for (const s of workers.slots) {
      const w = s.worker;
      s.worker = null;
      for (const p of s.pending.values()) p.reject(new WorkerUnavailable("pool closed"));
      s.pending.clear();
      if (w) stops.push(w.terminate().catch(() => {}));
    }
    await Promise.all(stops);
  }
}
