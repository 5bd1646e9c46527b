// How io/zarr.ts reads the chunks of a region: on the decode workers
// (io/_zarr_pool.ts) when the array's reads take them, else in the calling
// thread; the fast path (io/_zarr_fast.ts) where the array allows it, else
// zarrita. Missing chunks, workers that cannot run and arrays the fast path
// cannot decode fall back to the calling thread and zarrita.

import { type AnyTypedArray, DTYPES } from "../core/dtype.ts";
import { FormatError } from "../core/errors.ts";
import type { AxisPiece } from "../core/indexer.ts";
import { copyInto, NDArray } from "../core/ndarray.ts";
import { UNAVAILABLE, type WorkerPool } from "../core/threads.ts";
import {
  type ChunkPart,
  copyPart,
  decodeChunkInto,
  eachChunk,
  type FastKind,
  fastKind,
  SizeError,
  THREAD_BUFFERS,
} from "./_zarr_fast.ts";
import type { ArrayMeta } from "./_zarr_meta.ts";
import {
  decodePool,
  decoderBytes,
  type DecodeReply,
  lease,
  type OpenSpec,
  release,
  threaded,
  workerBytes,
} from "./_zarr_pool.ts";
import type { FsStore } from "./_zarr_store.ts";
import type { ZarrChunks } from "./_zarr_write.ts";
import type { DecodeWorkers, Region } from "./region.ts";

/** The chunk reader of one open Zarr array. */
export class ChunkReader {
  readonly #store: FsStore;
  readonly #io: ZarrChunks;
  readonly #openSpec: OpenSpec;
  readonly #workers: number;
  readonly #forceWorkers: boolean;
  readonly #chunkSize: number;
  readonly #fast: FastKind | null;
  #threadsOn = true;
  /** Pauses of the decode workers in force (DecodeWorkers.pause). */
  #paused = 0;
  #leased: WorkerPool | null = null;
  #decodeWorkers: DecodeWorkers | undefined;
  readonly dtype: ArrayMeta["dtype"];
  readonly chunks: readonly number[];
  readonly codec: string;
  readonly path: string;

  /**
   * @param workers Decode workers (0: none).
   * @param forced Whether the caller set the count (reads of any size then use them).
   */
  constructor(
    store: FsStore,
    io: ZarrChunks,
    meta: ArrayMeta,
    workers: number,
    forced: boolean,
    openSpec: OpenSpec,
  ) {
    this.#store = store;
    this.#io = io;
    this.#openSpec = openSpec;
    this.#workers = workers;
    this.#forceWorkers = forced;
    this.#chunkSize = meta.chunks.reduce((a, b) => a * b, 1);
    this.#fast = fastKind(meta);
    this.dtype = meta.dtype;
    this.chunks = meta.chunks;
    this.codec = meta.codec;
    this.path = store.root;
  }

  /** The array is closed: the last array that used the workers stops them. */
  close(): void {
    if (this.#leased !== null) release(this.#leased);
    this.#leased = null;
  }

  /** Whether chunks go through the fast path. */
  get fast(): boolean {
    return this.#fast !== null;
  }

  /** Bytes held in the calling thread (ZarrArray.cacheBytes). */
  get cacheBytes(): number {
    return decoderBytes(this.codec, this.#chunkBytes, this.#fast !== null);
  }

  get #chunkBytes(): number {
    return this.#chunkSize * DTYPES[this.dtype].bytes;
  }

  /** The decode workers, for the planner (ZarrArray.decodeWorkers). */
  get decodeWorkers(): DecodeWorkers | undefined {
    const chunkBytes = this.#chunkBytes;
    const fast = this.#fast !== null;
    if (!threaded(this.codec, chunkBytes, this.#workers, this.#forceWorkers, fast)) {
      return undefined;
    }
    // deno-lint-ignore no-this-alias
    const self = this;
    return this.#decodeWorkers ??= {
      bytes: workerBytes(chunkBytes, this.#workers, this.#fast !== null),
      get enabled(): boolean {
        return self.#threadsOn;
      },
      disable: () => void (this.#threadsOn = false),
      pause: () => {
        this.#paused++;
        let done = false;
        return () => {
          if (!done) this.#paused--;
          done = true;
        };
      },
    };
  }

  /**
   * The decode workers that take this read, or null: by default, reads of
   * large compressed chunks into shared memory (the stream engine keeps two
   * of them in flight) or of two or more of them.
   */
  #poolFor(nChunks: number, shared: boolean): WorkerPool | null {
    const chunkBytes = this.#chunkSize * DTYPES[this.dtype].bytes;
    if (!this.#threadsOn || this.#paused > 0) return null;
    const fast = this.#fast !== null;
    if (!threaded(this.codec, chunkBytes, this.#workers, this.#forceWorkers, fast)) return null;
    if (!this.#forceWorkers && nChunks < 2 && !shared) return null;
    // uncompressed chunks come back from a worker only to be copied again: here then
    if (!this.#forceWorkers && this.codec === "none" && !shared) return null;
    const pool = decodePool(this.#workers);
    if (pool !== null && this.#leased !== pool) {
      if (this.#leased !== null) release(this.#leased);
      lease(pool);
      this.#leased = pool;
    }
    return pool;
  }

  /** Decodes the chunks of `pieces` into `out` (C-contiguous, shape `r.count`). */
  async fill(r: Region, pieces: AxisPiece[][], out: NDArray): Promise<void> {
    const nChunks = pieces.reduce((a, p) => a * p.length, 1);
    const shared = typeof SharedArrayBuffer === "function" &&
      out.data.buffer instanceof SharedArrayBuffer;
    const pool = this.#poolFor(nChunks, shared);
    // the fast path in this thread is synchronous: one chunk at a time
    const window = pool !== null ? 2 * pool.size : this.#fast !== null ? 1 : 4;
    await eachChunk(pieces, window, async (coords, ps) => {
      let doff = out.offset;
      for (let i = 0; i < ps.length; i++) doff += ps[i].out * out.strides[i];
      const part: ChunkPart = {
        counts: ps.map((p) => p.count),
        local: ps.map((p) => p.start),
        step: r.step,
        strides: out.strides,
        offset: doff,
      };
      if (pool !== null && await this.#decodeOnPool(pool, coords, part, out, shared)) return;
      await this.#decodeHere(coords, part, out);
    });
  }

  /** One chunk on the decode workers; false when this thread must decode it. */
  async #decodeOnPool(
    pool: WorkerPool,
    coords: number[],
    part: ChunkPart,
    out: NDArray,
    shared: boolean,
  ): Promise<boolean> {
    const fast = this.#fast === null
      ? undefined
      : { path: this.#store.pathOf(this.#io.key(coords)), kind: this.#fast };
    const reply = await pool.run({
      coords,
      dtype: this.dtype,
      chunks: [...this.chunks],
      fast,
      open: fast === undefined ? this.#openSpec : undefined,
      dest: shared
        ? {
          buffer: out.data.buffer as unknown as SharedArrayBuffer,
          byteOffset: out.data.byteOffset,
          length: out.data.length,
          ...part,
          step: [...part.step],
          strides: [...part.strides],
        }
        : undefined,
    }) as DecodeReply;
    if (reply.error === UNAVAILABLE || reply.missing) return false;
    if (reply.error !== undefined) throw this.#chunkError(coords, reply);
    if (shared) return true;
    const data = new DTYPES[this.dtype].array(reply.bytes!) as AnyTypedArray;
    copyPart(data, reply.stride!, part, out.data as AnyTypedArray);
    return true;
  }

  /** One chunk in this thread: the fast path, else zarrita (and missing chunks). */
  async #decodeHere(coords: number[], part: ChunkPart, out: NDArray): Promise<void> {
    if (this.#fast !== null) {
      const path = this.#store.pathOf(this.#io.key(coords));
      try {
        const bufs = THREAD_BUFFERS;
        if (decodeChunkInto(path, this.#fast, this.dtype, this.chunks, part, out.data, bufs)) {
          return;
        }
      } catch (e) {
        const item = DTYPES[this.dtype].bytes;
        throw this.#chunkError(
          coords,
          e instanceof SizeError
            ? { id: 0, error: String(e.bytes / item), kind: "size" }
            : { id: 0, error: (e as Error).message, kind: "decode" },
          e,
        );
      }
    }
    const { data, stride } = await this.#io.decode(coords);
    // through NDArray: complex elements are pairs of floats
    let so = 0;
    for (let i = 0; i < stride.length; i++) so += part.local[i] * stride[i];
    copyInto(
      new NDArray(this.dtype, out.data as never, part.counts, part.strides, part.offset),
      new NDArray(
        this.dtype,
        data as never,
        part.counts,
        stride.map((s, i) => s * part.step[i]),
        so,
      ),
    );
  }

  #chunkError(coords: readonly number[], reply: DecodeReply, cause?: unknown): FormatError {
    return new FormatError(
      this.path,
      reply.kind === "size"
        ? `chunk "${
          this.#io.key(coords)
        }" holds ${reply.error} elements after decoding, expected ${this.#chunkSize}`
        : `chunk "${this.#io.key(coords)}" cannot be decoded: ${reply.error}`,
      cause === undefined ? undefined : { cause },
    );
  }
}
