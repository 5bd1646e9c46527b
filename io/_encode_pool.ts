// Chunk encodes of the writers on the worker pool (core/threads.ts): HDF5
// chunks (byte shuffle and deflate, written as stored by H5Dwrite_chunk,
// io/_hdf5_direct_write.ts) and Zarr chunks (the array's codec list through
// zarrita's registry and the native codecs, io/_zarr_write.ts). Encode
// workers run io/_encode_worker.ts; with one thread (or no worker that can
// start) the chunk is encoded in the calling thread by the same code, so the
// bytes stored are the same for every thread count.
//
// A chunk to encode sits in a shared buffer (a {@link ChunkSlots} slot): the
// worker reads it in place and answers with the encoded bytes (transferred),
// and a worker that dies leaves the chunk intact for the in-thread fallback.
// An {@link EncodeQueue} keeps a few chunks in flight and stores each as its
// encode completes (stores of distinct chunks commute: the result is the
// store of a serial run).

import { threadCount, UNAVAILABLE, WorkerPool } from "../core/threads.ts";
import { granted } from "../core/permissions.ts";
import { deflateEncode } from "./_native_codecs.ts";

const DEFLATE = 1;
const SHUFFLE = 2;

/**
 * The queued write of a writer (H5Dataset, ZarrArray): as `write`, but
 * returns once the chunks are copied and being encoded, a few in flight.
 * Used by the stream engine's writers (io/_formats/); not public API.
 */
export const QUEUED_WRITE: unique symbol = Symbol("tessera.queuedWrite");
/** Waits for a writer's queued chunks to be stored; raises the first failure. */
export const FLUSH_WRITES: unique symbol = Symbol("tessera.flushWrites");

/** An HDF5 chunk to encode: the filters of `pipeline` (deflate 1, shuffle 2) in order. */
export interface H5EncodeJob {
  readonly kind: "h5";
  /** The chunk's bytes (full chunk size; shared memory). */
  readonly data: Uint8Array;
  readonly pipeline: readonly number[];
  /** The shuffle filter's element size. */
  readonly typesize: number;
  /** The deflate level (0-9). */
  readonly level: number;
}

/** A Zarr chunk to encode with the codec list of `meta` (io/_zarr_codecs.ts makeEncoder). */
export interface ZarrEncodeJob {
  readonly kind: "zarr";
  readonly meta: {
    readonly dataType: string;
    readonly shape: number[];
    readonly codecs: { name: string; configuration?: Record<string, unknown> }[];
    readonly fillValue: unknown;
  };
  /** The chunk's elements in memory order (a typed array over shared memory). */
  readonly data: ArrayBufferView;
  /** Whether `data` holds booleans (zarrita's BoolArray). */
  readonly bool: boolean;
  readonly shape: number[];
  readonly stride: number[];
  /**
   * Where the worker writes the encoded chunk itself (synchronously, in
   * place: a file inside a staged store, io/_zarr_store.ts stagedPath),
   * answering with its size only; absent: the bytes come back.
   */
  readonly path?: string;
}

/** A job of io/_encode_worker.ts. */
export type EncodeJob = H5EncodeJob | ZarrEncodeJob;

/**
 * Byte shuffle (HDF5's shuffle filter, numcodecs' Shuffle): byte k of every
 * element goes to the k-th run; trailing bytes (size not a multiple of
 * `typesize`) are copied as they are.
 */
export function shuffle(typesize: number, src: Uint8Array, dst: Uint8Array): void {
  const n = Math.floor(src.length / typesize);
  const body = n * typesize;
  if (typesize === 4) {
    const n2 = 2 * n, n3 = 3 * n;
    for (let i = 0, p = 0; i < n; i++, p += 4) {
      dst[i] = src[p];
      dst[n + i] = src[p + 1];
      dst[n2 + i] = src[p + 2];
      dst[n3 + i] = src[p + 3];
    }
  } else {
    for (let k = 0; k < typesize; k++) {
      const d = k * n;
      for (let i = 0, p = k; i < n; i++, p += typesize) dst[d + i] = src[p];
    }
  }
  for (let p = body; p < src.length; p++) dst[p] = src[p];
}

let shuffleScratch: Uint8Array = new Uint8Array(0);

/**
 * Applies an HDF5 filter pipeline of shuffle and deflate (zlib streams, as
 * libhdf5's deflate filter writes them) to one whole chunk.
 *
 * @returns The stored bytes (a buffer of their own).
 */
export function encodeH5Chunk(
  data: Uint8Array,
  pipeline: readonly number[],
  typesize: number,
  level: number,
): Uint8Array {
  let cur = data;
  for (const f of pipeline) {
    if (f === SHUFFLE) {
      if (typesize <= 1) continue; // libhdf5's shuffle of 1-byte elements is the identity
      if (shuffleScratch.length < cur.length) shuffleScratch = new Uint8Array(cur.length);
      const dst = shuffleScratch.subarray(0, cur.length);
      shuffle(typesize, cur, dst);
      cur = dst;
    } else if (f === DEFLATE) {
      cur = deflateEncode("zlib", cur, level);
    } else {
      throw new TypeError(`HDF5 filter ${f} cannot be applied here`);
    }
  }
  return cur === data || cur.buffer === shuffleScratch.buffer ? cur.slice() : cur;
}

const WORKER_URL = new URL("./_encode_worker.ts", import.meta.url);
let pool: WorkerPool | undefined;
let poolUrl = "";

/** @internal Test hook: the URL encode workers run (a module that cannot start: the fallback). */
export const _encodeHooks: { url: URL | null } = { url: null };

let holds = 0;

/**
 * Makes chunk encodes run in the calling thread until the returned release
 * is called (the planner's choice when encode workers would take more than
 * half a run's budget; holds of concurrent runs nest).
 */
export function holdEncodesInThread(): () => void {
  holds++;
  let released = false;
  return () => {
    if (!released) holds--;
    released = true;
  };
}

/** The encode workers (threadCount() of them), or null with one thread, a hold, or none that starts. */
function encodeWorkers(): WorkerPool | null {
  const n = threadCount();
  if (n <= 1 || holds > 0) return null;
  const url = _encodeHooks.url ?? WORKER_URL;
  // without read access to the worker's module (the CLI's narrow permissions) a
  // worker fails as it starts, and says so on stderr: encode here instead
  if (
    url.protocol === "file:" && !granted({ name: "read", path: decodeURIComponent(url.pathname) })
  ) {
    return null;
  }
  if (pool !== undefined && (pool.size !== n || poolUrl !== url.href)) {
    pool.close();
    pool = undefined;
  }
  poolUrl = url.href;
  pool ??= new WorkerPool(url, n);
  return pool.alive ? pool : null;
}

/** Stops the encode workers now (the next encode starts them again). */
export function closeEncodeWorkers(): void {
  pool?.close();
  pool = undefined;
}

/** Chunks an {@link EncodeQueue} keeps in flight per thread. */
export const ENCODES_PER_THREAD = 2;

/**
 * Heap of one encode worker: about 12 MiB for the HDF5 encode (as the decode
 * workers of io/_hdf5_direct.ts), more for a Zarr one, which loads zarrita
 * and its codecs.
 */
const WORKER_HEAP = { h5: 12 << 20, zarr: 40 << 20 } as const;

/**
 * Bytes the encodes of one writer hold, for the planner: per worker its heap
 * and scratch chunk, and per chunk in flight its shared raw chunk and its
 * encoded bytes (at most the chunk's size plus the codec's overhead); one
 * thread: the chunks in flight only.
 */
export function encodeWorkerBytes(
  kind: "h5" | "zarr",
  chunkBytes: number,
  threads: number = threadCount(),
): number {
  const inFlight = ENCODES_PER_THREAD * threads;
  const heaps = threads > 1 ? threads * (WORKER_HEAP[kind] + chunkBytes) : 0;
  return heaps + inFlight * (2 * chunkBytes + (64 << 10));
}

/**
 * Encodes one chunk on a worker, or with `local` in this thread (one thread,
 * no worker, or its worker died).
 */
export async function runEncode(
  job: EncodeJob,
  pooled: boolean,
  local: () => Uint8Array | Promise<Uint8Array>,
): Promise<Uint8Array> {
  const workers = pooled ? encodeWorkers() : null;
  if (workers === null) return await local();
  const reply = await workers.run({ ...job });
  if (reply.error === UNAVAILABLE) return await local();
  if (reply.error !== undefined) throw workerError(reply);
  return reply.bytes as Uint8Array;
}

/**
 * Encodes a Zarr chunk and writes it to `job.path` on a worker (the worker
 * writes the file; nothing but its size comes back), or with `local` in this
 * thread, which encodes and stores it (one thread, no worker, or its worker
 * died).
 *
 * @returns The bytes stored (from a worker: their count only).
 */
export async function runEncodeWrite(
  job: ZarrEncodeJob & { readonly path: string },
  pooled: boolean,
  local: () => Promise<number>,
): Promise<number> {
  const workers = pooled ? encodeWorkers() : null;
  if (workers === null) return await local();
  const reply = await workers.run({ ...job });
  if (reply.error === UNAVAILABLE) return await local();
  if (reply.error !== undefined) throw workerError(reply);
  return reply.size as number;
}

/**
 * The error a worker reported, of the class it had where Deno has one of
 * that name (a file write's `Deno.errors.PermissionDenied`, ...), with its
 * message (which names the file).
 */
function workerError(reply: { error?: string; errorName?: unknown; code?: unknown }): Error {
  const name = typeof reply.errorName === "string" ? reply.errorName : "Error";
  const Known = (Deno.errors as unknown as Record<string, ErrorConstructor | undefined>)[name];
  const err = Known !== undefined ? new Known(reply.error) : new Error(reply.error);
  if (Known === undefined && name !== "Error") err.name = name;
  if (typeof reply.code === "string") (err as Error & { code?: string }).code = reply.code;
  return err;
}

/** Shared chunk buffers reused from one encode to the next. */
export class ChunkSlots {
  readonly #bytes: number;
  readonly #free: Uint8Array[] = [];
  readonly #keep: number;

  constructor(bytes: number, keep: number) {
    this.#bytes = bytes;
    this.#keep = keep;
  }

  /** A shared buffer of the chunk's size (contents: whatever it last held). */
  take(): Uint8Array {
    return this.#free.pop() ?? new Uint8Array(new SharedArrayBuffer(Math.max(1, this.#bytes)));
  }

  /** Hands a buffer back once no encode reads it any more. */
  give(b: Uint8Array): void {
    if (this.#free.length < this.#keep) this.#free.push(b);
  }
}

/**
 * Chunks being encoded: {@link submit} waits while the window is full, then
 * starts the encode and stores the chunk when it completes (in order of
 * completion); {@link flush} waits for every chunk and raises the first
 * failure (a failure also stops later submits).
 */
export class EncodeQueue {
  readonly #window: number;
  readonly #inflight = new Set<Promise<void>>();
  /** Keys of the chunks in flight: a chunk submitted again waits for its earlier write. */
  readonly #keys = new Set<string>();
  #failed: unknown = null;

  constructor(window: number = ENCODES_PER_THREAD * threadCount()) {
    this.#window = Math.max(1, window);
  }

  /** Chunks in flight at most. */
  get window(): number {
    return this.#window;
  }

  /** Chunks in flight now. */
  get size(): number {
    return this.#inflight.size;
  }

  /** Whether the chunk `key` is in flight. */
  has(key: string): boolean {
    return this.#keys.has(key);
  }

  /**
   * Starts `encode` of chunk `key` once fewer than the window are in flight
   * (and no earlier write of the same chunk is: writes of one chunk land in
   * the order submitted); `store` gets its bytes; `release` runs afterwards
   * whatever happened.
   */
  async submit<T = Uint8Array>(
    key: string,
    encode: () => Promise<T>,
    store: (bytes: T) => void | Promise<void>,
    release: () => void = () => {},
  ): Promise<void> {
    try {
      while (this.#keys.has(key)) await Promise.race(this.#inflight);
      while (this.#inflight.size >= this.#window) await Promise.race(this.#inflight);
    } catch (e) {
      release();
      throw e;
    }
    if (this.#failed !== null) {
      release();
      throw this.#failed;
    }
    this.#keys.add(key);
    const task: Promise<void> = encode().then(store).catch((e) => {
      this.#failed ??= e;
    }).finally(() => {
      release();
      this.#keys.delete(key);
      this.#inflight.delete(task);
    });
    this.#inflight.add(task);
  }

  /** Waits for every chunk in flight; raises the first failure (once). */
  async flush(): Promise<void> {
    while (this.#inflight.size > 0) await Promise.all(this.#inflight);
    const e = this.#failed;
    this.#failed = null;
    if (e !== null) throw e;
  }
}
