// A small pool of node:worker_threads workers (io/_zarr_worker.ts) that read
// and decode Zarr chunks in parallel with the main thread. Workers are
// unref'd while idle, so an idle pool never keeps the process alive; `close`
// terminates them. When a worker cannot start (no read permission for the
// worker module, a runtime without worker threads) or dies, its jobs fail
// with `WorkerUnavailable` and the caller decodes in its own thread.

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
export class WorkerUnavailable extends Error {}

interface Slot {
  worker: Worker | null;
  pending: Map<number, { resolve: (r: DecodeReply) => void; reject: (e: unknown) => void }>;
}

const WORKER_URL = new URL("./_zarr_worker.ts", import.meta.url);

/** The decode workers. */
export class DecodePool {
  readonly #slots: Slot[] = [];
  #nextId = 0;
  #closed = false;

  /**
   * Starts `n` workers; returns null when not even one can start.
   *
   * @param n Number of workers.
   * @param url The worker module (tests point it elsewhere).
   */
  static start(n: number, url: URL = WORKER_URL): DecodePool | null {
    const pool = new DecodePool();
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
      pool.#slots.push(slot);
    }
    return pool.#slots.length === 0 ? null : pool;
  }

  /** Whether a worker is left to take jobs. */
  get alive(): boolean {
    return !this.#closed && this.#slots.some((s) => s.worker !== null);
  }

  /**
   * Runs one job on the least busy worker.
   *
   * @throws {WorkerUnavailable} When no worker can run it.
   */
  run(job: Omit<DecodeJob, "id">): Promise<DecodeReply> {
    let best: Slot | null = null;
    for (const s of this.#slots) {
      if (s.worker !== null && (best === null || s.pending.size < best.pending.size)) best = s;
    }
    if (this.#closed || best === null) {
      return Promise.reject(new WorkerUnavailable("no decode worker"));
    }
    const slot = best;
    const w = slot.worker!;
    const id = this.#nextId++;
    return new Promise<DecodeReply>((resolve, reject) => {
      slot.pending.set(id, { resolve, reject });
      if (slot.pending.size === 1) w.ref();
      try {
        w.postMessage({ ...job, id });
      } catch (e) {
        slot.pending.delete(id);
        if (slot.pending.size === 0) w.unref();
        reject(new WorkerUnavailable("cannot post to the worker", { cause: e }));
      }
    });
  }

  /** Terminates the workers; jobs still running fail with `WorkerUnavailable`. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const stops: Promise<unknown>[] = [];
    for (const s of this.#slots) {
      const w = s.worker;
      s.worker = null;
      for (const p of s.pending.values()) p.reject(new WorkerUnavailable("pool closed"));
      s.pending.clear();
      if (w) stops.push(w.terminate().catch(() => {}));
    }
    await Promise.all(stops);
  }
}
