// The decode workers of Zarr reads: one WorkerPool (core/threads.ts, Deno Web
// Workers) per size, shared by every array of the process, running
// io/_zarr_worker.ts. A job either decodes a chunk file on the fast path
// (io/_zarr_fast.ts: native codec straight into shared memory) or opens the
// array with zarrita and decodes the chunk that way. A reply of
// `{ error: UNAVAILABLE }` (no worker could start, or it died) means: decode
// in the calling thread. Idle workers stop after 500 ms (IDLE_MS), or when
// the last array that used them closes.

import { WorkerPool } from "../core/threads.ts";
import { granted } from "../core/permissions.ts";
import type { ChunkPart, FastKind } from "./_zarr_fast.ts";

/** How a worker opens the array with zarrita (the same way io/zarr.ts does). */
export interface OpenSpec {
  readonly root: string;
  readonly object: string;
  readonly format: 2 | 3;
  /** The consolidated metadata document (`.zmetadata`'s `metadata`), or null. */
  readonly consolidated: Readonly<Record<string, unknown>> | null;
  /**
   * Distinguishes two opens of one array (it may have been rewritten in
   * between): a worker caches the arrays it opened under this id.
   */
  readonly openId: number;
}

/** Where a worker writes the selected part of a chunk (shared memory). */
export interface DecodeDest extends ChunkPart {
  readonly buffer: SharedArrayBuffer;
  /** The destination typed array: byte offset and element count. */
  readonly byteOffset: number;
  readonly length: number;
}

/** One chunk to read and decode. */
export interface DecodeJob {
  readonly coords: number[];
  readonly dtype: string;
  readonly chunks: number[];
  /** Fast path: the chunk file and its stored form; else `open` with zarrita. */
  readonly fast?: { readonly path: string; readonly kind: FastKind };
  readonly open?: OpenSpec;
  /** Without it, the decoded chunk comes back (transferred) in `bytes`. */
  readonly dest?: DecodeDest;
}

/** A worker's answer. */
export interface DecodeReply {
  readonly id: number;
  /** The decoded chunk's strides (zarrita path) and, without `dest`, its bytes. */
  readonly stride?: number[];
  readonly bytes?: ArrayBuffer;
  /** The chunk file is missing (fast path): the caller fills it. */
  readonly missing?: boolean;
  /** `decode`: the decoder's message; `size`: the decoded element count. */
  readonly error?: string;
  readonly kind?: "decode" | "size";
}

/** By default, reads use the decode workers only for chunks at least this large. */
const WORKER_MIN_CHUNK_BYTES = 256 << 10;
/**
 * What one decode worker holds beyond its chunk buffers: its isolate's heap
 * and modules. Measured: reading 1024 x 16384 float32 blocks of a Blosc-LZ4
 * store (4 MiB chunks) into shared memory held 150 MiB RSS in this thread,
 * 201 MiB with 2 workers, 252 MiB with 4 (25.5 MiB a worker, of which 8 MiB
 * its stored and scratch chunk).
 */
const WORKER_HEAP_BYTES = 18 << 20;

/**
 * Whether reads of an array take the decode workers: chunks of at least
 * 256 KiB, compressed or read on the fast path (an uncompressed chunk is then
 * read by the worker straight into the shared destination: the calling
 * thread reduces meanwhile), or any chunk when the caller set the thread
 * count.
 */
export function threaded(
  codec: string,
  chunkBytes: number,
  workers: number,
  forced: boolean,
  fast = false,
): boolean {
  if (workers === 0) return false;
  // uncompressed chunks through zarrita: reading and copying in this thread is cheaper (measured)
  return forced || ((codec !== "none" || fast) && chunkBytes >= WORKER_MIN_CHUNK_BYTES);
}

/**
 * Bytes the decoders of an array hold in the calling thread while it is
 * open (for the planner): the fast path's stored and scratch chunk; through
 * zarrita the stored and decoded chunk and the copies its store read and
 * decode leave for the collector (measured 42 MiB over uncompressed for
 * 4 MiB chunks); nothing for an uncompressed array.
 */
export function decoderBytes(codec: string, chunkBytes: number, fast: boolean): number {
  if (codec === "none") return 0;
  return fast ? 2 * chunkBytes : 8 * chunkBytes;
}

/**
 * Bytes the decode workers hold (for the planner, ArraySource.decodeWorkers):
 * per worker its heap, its stored and scratch chunk (fast path) or zarrita's
 * copies (4 chunks), and each chunk in flight when replies are transferred.
 */
export function workerBytes(chunkBytes: number, workers: number, fast: boolean): number {
  return workers * (WORKER_HEAP_BYTES + (fast ? 3 : 6) * chunkBytes);
}

const WORKER_URL = new URL("./_zarr_worker.ts", import.meta.url);
/**
 * Idle workers stop after this long: a worker takes about 0.2 s to start
 * (its modules, on this loaded machine), and the stream engine leaves them
 * idle while it reduces a block (often over 100 ms). An idle Web Worker keeps
 * the process alive (measured, Deno 2.9): closing the last array that used
 * the workers stops them at once (see `release`).
 */
const IDLE_MS = 500;
/** Open arrays that used each pool. */
const LEASES = new Map<WorkerPool, number>();

/** Notes that an open array uses `pool` (until {@link release}). */
export function lease(pool: WorkerPool): void {
  LEASES.set(pool, (LEASES.get(pool) ?? 0) + 1);
}

/** An array that used `pool` is closed: the last one stops its workers now. */
export function release(pool: WorkerPool): void {
  const n = (LEASES.get(pool) ?? 1) - 1;
  if (n > 0) {
    LEASES.set(pool, n);
    return;
  }
  LEASES.delete(pool);
  pool.close();
}
const POOLS = new Map<string, WorkerPool>();

/**
 * The decode pool of `n` workers (shared by every array; its workers start
 * on the first job and stop when idle), or null when the modules of the
 * workers cannot be read (no read permission: not even a worker's error).
 *
 * @param n Number of workers.
 * @param url The worker module (tests point it elsewhere).
 */
export function decodePool(n: number, url: URL = WORKER_URL): WorkerPool | null {
  // the worker imports io/, core/ and ffi/: the package's directory
  if (url.protocol === "file:" && !granted({ name: "read", path: new URL("../", url) })) {
    return null;
  }
  const key = `${n} ${url.href}`;
  let p = POOLS.get(key);
  if (p === undefined) {
    p = new WorkerPool(url, n, IDLE_MS);
    POOLS.set(key, p);
  }
  return p;
}
