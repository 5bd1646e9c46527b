/**
 * Zarr stores on the local filesystem, v2 and v3, through
 * [zarrita](https://github.com/manzt/zarrita.js): open an array as a region
 * source and sink ({@link openZarr}, {@link ZarrArray}), create arrays and
 * groups ({@link createZarr}, {@link createZarrGroup}) and walk a store
 * ({@link listZarr}).
 *
 * Reading decodes every codec zarrita knows (blosc, lz4, zstd, gzip, zlib,
 * transpose/F order, big-endian bytes, sharding), reads missing chunks as the
 * fill value and uses consolidated metadata (`.zmetadata`) when present.
 * Writing encodes chunks itself (zarrita 0.7 only encodes inside its own
 * `set`) with gzip, zlib, zstd, lz4, blosc or no compression. Metadata is
 * written once, when the array is created; every chunk is then written on its
 * own, to a temporary name renamed into place, so ranks that write different
 * chunks never collide and a half-written chunk is never visible.
 *
 * @module
 */

import { loadZarrita, type Zarrita as zarr } from "./_npm.ts";
import { type Complex, type DType, isComplex, type Scalar } from "../core/dtype.ts";
import { checkComplexMeta, complexFloatStore } from "./_zarr_complex.ts";
import { FormatError, ShapeMismatchError } from "../core/errors.ts";
import { empty, NDArray } from "../core/ndarray.ts";
import { registerCodecs } from "./_zarr_codecs.ts";
import { type ArrayMeta, readNode } from "./_zarr_meta.ts";
import { ZarrChunks } from "./_zarr_write.ts";
import { QUEUED_WRITE } from "./_encode_pool.ts";
import { FsStore } from "./_zarr_store.ts";
import { listNodes, openStore, writeArrayMeta, writeGroupMeta, zarrLocator } from "./_zarr_tree.ts";
import { ChunkReader } from "./_zarr_read.ts";
import { parseThreads, threadCount } from "../core/threads.ts";
import { formatLocator } from "./locator.ts";
import type { ZarrCreateOptions, ZarrGroupOptions } from "./zarr_options.ts";

export type { ZarrCreateOptions, ZarrGroupOptions };
import {
  type ArraySink,
  type ArraySource,
  type DecodeWorkers,
  type Region,
  type RegionLike,
  toRegion,
  type WorkerSourceSpec,
} from "./region.ts";
import { type AxisPiece, blockRegion, projectAxes } from "../core/indexer.ts";

let openIds = 0;

/** The module a compute worker opens a Zarr array with (ZarrArray.workerSpec). */
const WORKER_SOURCE = new URL("./_zarr_worker_source.ts", import.meta.url).href;

/** Options of {@link openZarr}. */
export interface ZarrOpenOptions {
  /** Allow `write` and `writeChunk` (default false: the store is never modified). */
  readonly write?: boolean;
  /**
   * Decode threads (core/threads.ts `threadCount`: default the process's
   * `--threads`, else TESSERA_THREADS, else the cores per local MPI rank):
   * reads of two or more compressed chunks of at least 256 KiB (or of one
   * into shared memory) read and decode them on this many Web Workers; 1
   * decodes in the calling thread. A number given here is used for every
   * read, however small. When a worker cannot start (e.g. no read permission
   * for the worker module) or dies, chunks are decoded in the calling
   * thread. Idle workers stop by themselves after 100 ms.
   */
  readonly threads?: number;
  /** Decode workers, the older spelling of `threads`: 0 decodes in the calling thread. */
  readonly workers?: number;
}

/** One node of a store, as listed by {@link listZarr}. */
export interface ZarrNode {
  /** Absolute path in the store (`/` for the root). */
  readonly path: string;
  /** Array or group. */
  readonly kind: "array" | "group";
  /** 2 or 3. */
  readonly zarrFormat: 2 | 3;
  /** The node's attributes. */
  readonly attributes: Readonly<Record<string, unknown>>;
  /** Arrays only: axis lengths. */
  readonly shape?: readonly number[];
  /** Arrays only: element type. */
  readonly dtype?: DType;
  /** Arrays only: chunk shape. */
  readonly chunks?: readonly number[];
  /** Arrays only: compression, as in {@link ZarrArray.codec}. */
  readonly codec?: string;
}

/**
 * One Zarr array of a store on the local filesystem: a region source and
 * sink (contract 2). `read(region)` decodes only the chunks the region
 * touches; missing chunks read as the fill value.
 *
 * Writing: {@link ZarrArray.writeChunk} writes one whole chunk;
 * {@link ZarrArray.write} writes any region and does a read-modify-write of
 * every chunk the region covers only in part. Writers that run at once (MPI
 * ranks) must write disjoint sets of whole chunks - regions aligned to
 * {@link ZarrArray.chunks} (or ending at the array's edge) - because two
 * read-modify-writes of one chunk would lose one of them.
 *
 * @example
 * ```ts
 * import { createZarr, openZarr } from "./zarr.ts";
 * import { arange } from "../core/ndarray.ts";
 * import assert from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * const z = await createZarr(`${dir}/a.zarr:/t`, { shape: [4, 6], dtype: "int32", chunks: [2, 3] });
 * await z.write("0:4, 0:6", arange(24, undefined, undefined, "int32").reshape([4, 6]));
 * const a = await openZarr(`${dir}/a.zarr:/t`);
 * assert.deepEqual((await a.read("1:3, ::2")).toArray(), [[6, 8, 10], [12, 14, 16]]);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export class ZarrArray implements ArraySource, ArraySink {
  /** The locator (`store.zarr:/group/array`). */
  readonly locator: string;
  /** The store's directory. */
  readonly path: string;
  /** Absolute path of the array in the store (`/` for the root). */
  readonly object: string;
  /** Axis lengths. */
  readonly shape: readonly number[];
  /** Element type (big-endian data is read as native values). */
  readonly dtype: DType;
  /** Chunk shape (the inner chunks of a sharded array). */
  readonly chunks: readonly number[];
  /** Number of chunks along each axis. */
  readonly chunkGrid: readonly number[];
  /** 2 or 3. */
  readonly zarrFormat: 2 | 3;
  /** Compression and filters in one line (`gzip:1`, `blosc:lz4:5`, `none`). */
  readonly codec: string;
  /** Memory order of a chunk: `C`, `F`, or an axis permutation. */
  readonly order: "C" | "F" | readonly number[];
  /** Whether elements are stored big-endian. */
  readonly bigEndian: boolean;
  /** Value of chunks never written (null when the metadata has none: read as 0). */
  readonly fillValue: Scalar | Complex | null;
  /** The array's attributes. */
  readonly attributes: Readonly<Record<string, unknown>>;
  /** Axis names (v2 `_ARRAY_DIMENSIONS` attribute, v3 `dimension_names`), when the array has them. */
  readonly dimensions?: readonly (string | null)[];
  /** Whether `write` and `writeChunk` are allowed. */
  readonly writable: boolean;
  #store: FsStore;
  #io: ZarrChunks;
  #reader: ChunkReader;

  private constructor(
    store: FsStore,
    locator: string,
    meta: ArrayMeta,
    array: zarr.Array<zarr.DataType, FsStore>,
    writable: boolean,
    workers: number | undefined,
    lib: typeof zarr,
  ) {
    this.#store = store;
    this.#io = new ZarrChunks(lib, store, meta, array);
    this.locator = locator;
    this.path = store.root;
    this.object = meta.path;
    this.shape = Object.freeze([...meta.shape]);
    this.dtype = meta.dtype;
    this.chunks = Object.freeze([...meta.chunks]);
    this.chunkGrid = Object.freeze(meta.shape.map((n, i) => Math.ceil(n / meta.chunks[i])));
    this.zarrFormat = meta.zarrFormat;
    this.codec = meta.codec;
    const n = meta.order.length;
    this.order = meta.order.every((a, i) => a === i)
      ? "C"
      : meta.order.every((a, i) => a === n - 1 - i)
      ? "F"
      : Object.freeze([...meta.order]);
    this.bigEndian = meta.bigEndian;
    this.fillValue = meta.fillValue;
    this.attributes = Object.freeze({ ...meta.attributes });
    if (meta.dimensions !== null) this.dimensions = Object.freeze([...meta.dimensions]);
    this.writable = writable;
    const forced = workers !== undefined && !isComplex(meta.dtype);
    const t = threadCount();
    // the decode workers open arrays with zarrita directly, which has no complex
    workers = isComplex(meta.dtype) ? 0 : workers ?? (t === 1 ? 0 : t);
    this.#reader = new ChunkReader(store, this.#io, meta, workers, forced, {
      root: store.root,
      object: meta.path,
      format: meta.zarrFormat,
      consolidated: store.consolidatedDoc,
      openId: ++openIds,
    });
  }

  /**
   * Opens an array (see {@link openZarr}).
   *
   * @param locator `store.zarr` (an array at the root) or `store.zarr:/group/array`.
   * @param options `write: true` to allow writing.
   * @returns The array.
   *
   * @example
   * ```ts
   * import { createZarr, ZarrArray } from "./zarr.ts";
   * import assert from "node:assert/strict";
   * const dir = await Deno.makeTempDir();
   * await createZarr(`${dir}/o.zarr:/g/t`, { shape: [3, 5], dtype: "float32", chunks: [2, 5] });
   * const z = await ZarrArray.open(`${dir}/o.zarr:/g/t`);
   * assert.deepEqual([z.shape, z.chunks, z.dtype], [[3, 5], [2, 5], "float32"]);
   * await Deno.remove(dir, { recursive: true });
   * ```
   */
  static async open(locator: string, options: ZarrOpenOptions = {}): Promise<ZarrArray> {
    await registerCodecs();
    const lib = await loadZarrita();
    const loc = zarrLocator(locator);
    const writable = options.write === true;
    let workers = options.workers;
    if (workers !== undefined && !(Number.isInteger(workers) && workers >= 0 && workers <= 64)) {
      throw new RangeError(`Invalid workers ${workers}: expected an integer from 0 to 64`);
    }
    if (options.threads !== undefined) {
      const t = parseThreads(options.threads, `threads option of "${locator}"`);
      workers = t === 1 ? 0 : t;
    }
    const store = await openStore(loc.path, !writable);
    const object = loc.object ?? "/";
    const meta = await readNode(store, loc.path, object);
    if (meta === null) {
      throw new FormatError(loc.path, `no array at "${object}"`);
    }
    if (meta.kind !== "array") {
      throw new FormatError(loc.path, `"${object}" is a group, not an array`);
    }
    checkComplexMeta(meta, locator);
    const zstore = isComplex(meta.dtype) ? complexFloatStore(store) : store;
    const where = lib.root(zstore).resolve(object);
    let array: zarr.Array<zarr.DataType, FsStore>;
    try {
      array = meta.zarrFormat === 2
        ? await lib.open.v2(where, { kind: "array" })
        : await lib.open.v3(where, { kind: "array" });
    } catch (e) {
      throw new FormatError(
        loc.path,
        `zarrita cannot open "${object}": ${(e as Error).message}`,
        { cause: e },
      );
    }
    if (writable && meta.sharded) {
      throw new TypeError(`Cannot open "${locator}" for writing: sharded arrays are read-only`);
    }
    return new ZarrArray(store, formatLocator(loc), meta, array, writable, workers, lib);
  }

  /** Number of elements. */
  get size(): number {
    return this.shape.reduce((a, b) => a * b, 1);
  }

  /**
   * Bytes the reader holds in the calling thread while open beyond the
   * arrays it fills, for the stream planner: a compressed array's decode
   * buffers (measured peaks); 0 uncompressed. The decode workers' heaps and
   * buffers are {@link ZarrArray.decodeWorkers}' `bytes` (the planner adds
   * them while they are enabled).
   *
   * @returns The bytes.
   *
   * @example
   * ```ts
   * import { createZarr, openZarr } from "./zarr.ts";
   * const dir = await Deno.makeTempDir();
   * await createZarr(`${dir}/c.zarr`, { shape: [4, 4], dtype: "int8", codec: "none" });
   * const z = await openZarr(`${dir}/c.zarr`);
   * if (z.cacheBytes !== 0) throw new Error(String(z.cacheBytes));
   * await Deno.remove(dir, { recursive: true });
   * ```
   */
  get cacheBytes(): number {
    return this.#reader.cacheBytes;
  }

  /**
   * The decode workers of reads of several compressed chunks (undefined when
   * reads never use them): the bytes they hold (heaps, chunk buffers) and a
   * switch the stream planner turns off when they would take more than half
   * the memory budget (reads then decode in the calling thread).
   *
   * @example
   * ```ts
   * import { createZarr, openZarr } from "./zarr.ts";
   * const dir = await Deno.makeTempDir();
   * await createZarr(`${dir}/w.zarr`, { shape: [4096, 512], dtype: "float32", chunks: [1024, 512], codec: "zstd" });
   * const z = await openZarr(`${dir}/w.zarr`, { threads: 2 });
   * const w = z.decodeWorkers!;
   * w.disable();
   * if (w.enabled || !(w.bytes > 0)) throw new Error("expected disabled workers with a size");
   * await Deno.remove(dir, { recursive: true });
   * ```
   */
  get decodeWorkers(): DecodeWorkers | undefined {
    return this.#reader.decodeWorkers;
  }

  /**
   * How a compute worker opens this array itself (stream/_parallel.ts), to
   * read and decode the chunks of the blocks it computes straight into its
   * own memory, with no decode workers: the locator and the metadata, for
   * io/_zarr_worker_source.ts. Null when the chunks need zarrita (filters,
   * F order, big-endian, sharding, complex, bool: the decode workers then
   * take them as before) or the array is open for writing.
   *
   * @returns The spec, or null.
   *
   * @example
   * ```ts
   * import { createZarr, openZarr } from "./zarr.ts";
   * const dir = await Deno.makeTempDir();
   * await createZarr(`${dir}/s.zarr`, { shape: [4, 4], dtype: "float32", codec: "zstd" });
   * const z = await openZarr(`${dir}/s.zarr`);
   * if (!z.workerSpec()?.module.endsWith("_zarr_worker_source.ts")) throw new Error("bad");
   * await Deno.remove(dir, { recursive: true });
   * ```
   */
  workerSpec(): WorkerSourceSpec | null {
    if (this.writable || !this.#reader.fast) return null;
    return {
      module: WORKER_SOURCE,
      args: {
        locator: this.locator,
        zarrFormat: this.zarrFormat,
        dtype: this.dtype,
        shape: [...this.shape],
        chunks: [...this.chunks],
        codec: this.codec,
      },
    };
  }

  /**
   * The region of one chunk, clipped to the array's edge.
   *
   * @param coords Chunk coordinates (one per axis).
   * @returns The region the chunk covers.
   * @throws {RangeError} When the coordinates are outside the chunk grid.
   *
   * @example
   * ```ts
   * import { createZarr } from "./zarr.ts";
   * import { arange } from "../core/ndarray.ts";
   * import assert from "node:assert/strict";
   * const dir = await Deno.makeTempDir();
   * const z = await createZarr(`${dir}/e.zarr`, { shape: [4, 6], dtype: "int32", chunks: [2, 4] });
   * assert.deepEqual(z.chunkRegion([1, 1]), { start: [2, 4], step: [1, 1], count: [2, 2] });
   * await Deno.remove(dir, { recursive: true });
   * ```
   */
  chunkRegion(coords: readonly number[]): Region {
    if (
      !Array.isArray(coords) || coords.length !== this.shape.length ||
      !coords.every((c, i) => Number.isInteger(c) && c >= 0 && c < this.chunkGrid[i])
    ) {
      throw new RangeError(
        `Chunk [${coords}] is outside the chunk grid [${
          this.chunkGrid.join(",")
        }] of "${this.locator}"`,
      );
    }
    return blockRegion(this.shape, this.chunks, coords);
  }

  /**
   * The store key of a chunk (`g/a/0.1`, `g/a/c/0/1`), relative to the store.
   *
   * @param coords Chunk coordinates.
   * @returns The key.
   *
   * @example
   * ```ts
   * import { createZarr } from "./zarr.ts";
   * import assert from "node:assert/strict";
   * const dir = await Deno.makeTempDir();
   * const z = await createZarr(`${dir}/k.zarr:/g/t`, { shape: [4, 6], dtype: "int8", chunks: [2, 3] });
   * assert.equal(z.chunkKey([1, 0]), "g/t/1.0");
   * await Deno.remove(dir, { recursive: true });
   * ```
   */
  chunkKey(coords: readonly number[]): string {
    return this.#io.key(coords);
  }

  /**
   * Reads a region into a new C-contiguous array of shape `region.count`,
   * decoding only the chunks it touches (up to four at once).
   *
   * @param region The region (default: everything).
   * @returns The elements.
   * @throws {RangeError} When the region does not fit the shape.
   * @throws {FormatError} When a chunk cannot be decoded or has the wrong size.
   *
   * @example
   * ```ts
   * import { createZarr } from "./zarr.ts";
   * import { arange } from "../core/ndarray.ts";
   * import assert from "node:assert/strict";
   * const dir = await Deno.makeTempDir();
   * const z = await createZarr(`${dir}/e.zarr`, { shape: [4, 6], dtype: "int32", chunks: [2, 4] });
   * await z.write(undefined, arange(24, undefined, undefined, "int32").reshape([4, 6]));
   * assert.deepEqual((await z.read("1:4:2, 3:")).toArray(), [[9, 10, 11], [21, 22, 23]]);
   * await assert.rejects(() => z.read({ start: [0, 0], stop: [2, 2] } as never), TypeError);
   * await Deno.remove(dir, { recursive: true });
   * ```
   */
  async read(region?: RegionLike): Promise<NDArray> {
    const r = toRegion(this.shape, region, { context: `Cannot read "${this.locator}"` });
    if (r.count.some((c) => c === 0)) return empty(r.count, this.dtype);
    const pieces = projectAxes(r, this.chunks);
    if (
      !this.#reader.fast &&
      pieces.every((p, i) => p.length === 1 && wholeChunk(p[0], r.step[i], this.chunks[i]))
    ) {
      // exactly one whole chunk: hand out the decoded buffer when it is C-ordered
      const { data, stride } = await this.#io.decode(pieces.map((p) => p[0].block));
      const c = new NDArray(this.dtype, data as never, this.chunks, stride);
      return c.isContiguous ? c : c.copy();
    }
    const out = empty(r.count, this.dtype);
    await this.#reader.fill(r, pieces, out);
    return out;
  }

  /**
   * Reads a region into `out` (C-contiguous, shape `region.count`, this
   * array's dtype), decoding only the chunks it touches. When `out` lives in
   * shared memory (a SharedArrayBuffer, such as the stream engine's arena
   * buffers), the decode workers write the chunks straight into it.
   *
   * @param region The region.
   * @param out The destination.
   * @returns `out`.
   * @throws {RangeError} When the region does not fit the shape.
   * @throws {TypeError} When `out` has the wrong dtype or shape or is not C-contiguous.
   * @throws {FormatError} When a chunk cannot be decoded or has the wrong size.
   *
   * @example
   * ```ts
   * import { createZarr } from "./zarr.ts";
   * import { arange } from "../core/ndarray.ts";
   * import assert from "node:assert/strict";
   * const dir = await Deno.makeTempDir();
   * const z = await createZarr(`${dir}/e.zarr`, { shape: [4, 6], dtype: "int32", chunks: [2, 4] });
   * import { zeros } from "../core/ndarray.ts";
   * await z.write(undefined, arange(24, undefined, undefined, "int32").reshape([4, 6]));
   * const out = await z.readInto({ start: [3, 1], step: [1, 4], count: [1, 2] }, zeros([1, 2], "int32"));
   * assert.deepEqual(out.toArray(), [[19, 23]]);
   * await Deno.remove(dir, { recursive: true });
   * ```
   */
  async readInto(region: RegionLike, out: NDArray): Promise<NDArray> {
    const r = toRegion(this.shape, region, { context: `Cannot read "${this.locator}"` });
    if (
      out.dtype !== this.dtype || !out.isContiguous ||
      out.shape.length !== r.count.length || out.shape.some((d, i) => d !== r.count[i])
    ) {
      throw new TypeError(
        `Cannot read "${this.locator}" into an array of ${out.dtype} [${
          out.shape.join(",")
        }]: expected a C-contiguous ${this.dtype} array of shape [${r.count.join(",")}]`,
      );
    }
    if (r.count.some((c) => c === 0)) return out;
    const pieces = projectAxes(r, this.chunks);
    if (
      this.codec === "none" && this.order === "C" && !this.bigEndian && this.dtype !== "bool" &&
      pieces.every((p, i) => p.length === 1 && wholeChunk(p[0], r.step[i], this.chunks[i])) &&
      await this.#readRawChunk(pieces.map((p) => p[0].block), out)
    ) return out;
    await this.#reader.fill(r, pieces, out);
    return out;
  }

  /**
   * Reads an uncompressed little-endian C-ordered chunk file straight into
   * `out` (no decode, no copy). False when the file is missing or has the
   * wrong size: the general path then fills or reports it.
   */
  async #readRawChunk(coords: number[], out: NDArray): Promise<boolean> {
    const bytes = new Uint8Array(out.data.buffer, out.data.byteOffset, out.data.byteLength);
    let file: Deno.FsFile;
    try {
      file = await Deno.open(this.#store.pathOf(this.chunkKey(coords)));
    } catch {
      return false;
    }
    try {
      if ((await file.stat()).size !== bytes.length) return false;
      let at = 0;
      while (at < bytes.length) {
        const n = file.readSync(bytes.subarray(at));
        if (n === null || n === 0) return false;
        at += n;
      }
      return true;
    } finally {
      file.close();
    }
  }

  /**
   * Closes the array: stores queued chunks; when no other open array uses the decode workers,
   * they stop now (an idle worker keeps the process alive until it stops by
   * itself, 500 ms after its last job). Reads after `close` still work.
   *
   * @example
   * ```ts
   * import { createZarr } from "./zarr.ts";
   * import { full } from "../core/ndarray.ts";
   * import assert from "node:assert/strict";
   * const dir = await Deno.makeTempDir();
   * const z = await createZarr(`${dir}/c.zarr`, { shape: [4], dtype: "int16", chunks: [2], codec: "zstd" });
   * await z.write(undefined, full([4], 7, "int16"));
   * await z.close();
   * assert.deepEqual((await z.read()).toArray(), [7, 7, 7, 7]);
   * await z.close();
   * await Deno.remove(dir, { recursive: true });
   * ```
   */
  async close(): Promise<void> {
    await this.#io.flush().finally(() => this.#reader.close());
  }

  /**
   * Reads one chunk, clipped to the array's edge.
   *
   * @param coords Chunk coordinates.
   * @returns The chunk's elements (C-contiguous).
   * @throws {RangeError} When the coordinates are outside the chunk grid.
   *
   * @example
   * ```ts
   * import { createZarr } from "./zarr.ts";
   * import { arange } from "../core/ndarray.ts";
   * import assert from "node:assert/strict";
   * const dir = await Deno.makeTempDir();
   * const z = await createZarr(`${dir}/r.zarr`, { shape: [5], dtype: "int32", chunks: [2] });
   * await z.write(undefined, arange(5, undefined, undefined, "int32"));
   * assert.deepEqual((await z.readChunk([2])).toArray(), [4]); // the edge chunk is clipped
   * await Deno.remove(dir, { recursive: true });
   * ```
   */
  readChunk(coords: readonly number[]): Promise<NDArray> {
    return this.read(this.chunkRegion(coords));
  }

  /**
   * Writes `array` (shape `region.count`, any dtype: converted) at a region.
   * Chunks the region covers whole are encoded from `array` alone; chunks
   * it covers in part are read, updated and rewritten (read-modify-write:
   * not safe when another writer touches the same chunk at the same time).
   *
   * @param region The region.
   * @param array The elements.
   * @throws {TypeError} When the array was not opened for writing.
   * @throws {ShapeMismatchError} When `array.shape` is not the region's shape.
   *
   * @example
   * ```ts
   * import { createZarr } from "./zarr.ts";
   * import { arange } from "../core/ndarray.ts";
   * import assert from "node:assert/strict";
   * const dir = await Deno.makeTempDir();
   * const z = await createZarr(`${dir}/e.zarr`, { shape: [4, 6], dtype: "int32", chunks: [2, 4] });
   * await z.write("1:3, ::5", arange(4, undefined, undefined, "int32").reshape([2, 2]));
   * assert.deepEqual((await z.read("0:3, 5")).toArray(), [[0], [1], [3]]);
   * await Deno.remove(dir, { recursive: true });
   * ```
   */
  async write(region: RegionLike, array: NDArray): Promise<void> {
    await this.#write(region, array, false);
  }

  /** @internal See io/_encode_pool.ts QUEUED_WRITE. */
  [QUEUED_WRITE](region: RegionLike, array: NDArray): Promise<void> {
    return this.#write(region, array, true);
  }

  async #write(region: RegionLike, array: NDArray, queued: boolean): Promise<void> {
    if (!this.writable) {
      throw new TypeError(`Cannot write to "${this.locator}": it was opened read-only`);
    }
    const r = toRegion(this.shape, region, { context: `Cannot write "${this.locator}"` });
    if (array.shape.length !== r.count.length || array.shape.some((d, i) => d !== r.count[i])) {
      throw new ShapeMismatchError(
        `Cannot write an array of shape [${
          array.shape.join(",")
        }] to "${this.locator}": the region has shape [${r.count.join(",")}]`,
      );
    }
    if (r.count.some((c) => c === 0)) return;
    await this.#io.write(r, array, queued);
  }

  /**
   * Writes one whole chunk (clipped to the array's edge), encoded and
   * renamed into place, independent of every other chunk.
   *
   * @param coords Chunk coordinates.
   * @param array The chunk's elements: shape `chunkRegion(coords).count`.
   * @throws {RangeError} When the coordinates are outside the chunk grid.
   * @throws {ShapeMismatchError} When the array's shape is not the chunk's.
   *
   * @example
   * ```ts
   * import { createZarr } from "./zarr.ts";
   * import { fromArray } from "../core/ndarray.ts";
   * import assert from "node:assert/strict";
   * const dir = await Deno.makeTempDir();
   * const z = await createZarr(`${dir}/w.zarr`, { shape: [2, 3], dtype: "float64", chunks: [1, 3] });
   * await z.writeChunk([1, 0], fromArray([[4, 5, 6]], "float64"));
   * assert.deepEqual((await z.read("1, :")).toArray(), [[4, 5, 6]]);
   * await Deno.remove(dir, { recursive: true });
   * ```
   */
  writeChunk(coords: readonly number[], array: NDArray): Promise<void> {
    return this.write(this.chunkRegion(coords), array);
  }
}

/**
 * Opens a Zarr array (v2 or v3) of a store on the local filesystem. Reading
 * never modifies the store.
 *
 * @param locator `store.zarr` (an array at the root) or `store.zarr:/group/array`.
 * @param options `write: true` to allow `write` and `writeChunk`.
 * @returns The array.
 * @throws {FormatError} When the store is missing, the node is not an array,
 *   or its metadata is broken or unsupported.
 *
 * @example
 * ```ts
 * import { createZarr, openZarr } from "./zarr.ts";
 * import { full } from "../core/ndarray.ts";
 * import assert from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * const z = await createZarr(`${dir}/s.zarr:/g/x`, {
 *   shape: [10], dtype: "float64", chunks: [4], fillValue: -1, zarrFormat: 3,
 * });
 * await z.writeChunk([1], full([4], 2.5, "float64"));
 * const a = await openZarr(`${dir}/s.zarr:/g/x`);
 * assert.deepEqual((await a.read()).toArray(), [-1, -1, -1, -1, 2.5, 2.5, 2.5, 2.5, -1, -1]);
 * assert.equal(a.zarrFormat, 3);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export function openZarr(locator: string, options: ZarrOpenOptions = {}): Promise<ZarrArray> {
  return ZarrArray.open(locator, options);
}

/**
 * Creates a Zarr array and writes its metadata (once, before any chunk),
 * with every missing parent group. No chunk is written: unwritten chunks
 * read as the fill value.
 *
 * @param locator `store.zarr` or `store.zarr:/group/array`.
 * @param options Shape, dtype, chunks, codec, format, fill value, attributes.
 * @returns The array, open for writing.
 * @throws {RangeError} For a bad shape or chunk shape or codec level.
 * @throws {TypeError} For an unknown dtype or codec.
 * @throws {Deno.errors.AlreadyExists} When a node exists at the path and `overwrite` is not set.
 *
 * @example
 * ```ts
 * import { createZarr } from "./zarr.ts";
 * import { fromArray } from "../core/ndarray.ts";
 * import assert from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * const z = await createZarr(`${dir}/b.zarr:/v`, {
 *   shape: [2, 2], dtype: "int16", chunks: [1, 2], codec: "zlib:3", attributes: { units: "K" },
 * });
 * await z.write(undefined, fromArray([[1, 2], [3, 4]]));
 * assert.equal(z.codec, "zlib:3");
 * assert.deepEqual((await z.readChunk([1, 0])).toArray(), [[3, 4]]);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function createZarr(locator: string, options: ZarrCreateOptions): Promise<ZarrArray> {
  await registerCodecs();
  const loc = zarrLocator(locator);
  await writeArrayMeta(locator, loc, options);
  return await ZarrArray.open(formatLocator(loc), { write: true });
}

/**
 * Creates a group (and every missing parent group), with attributes.
 *
 * @param locator `store.zarr` (the root group) or `store.zarr:/group`.
 * @param options Format and attributes.
 * @returns Nothing.
 * @throws {Deno.errors.AlreadyExists} When an array or group is already at the path.
 *
 * @example
 * ```ts
 * import { createZarrGroup, listZarr } from "./zarr.ts";
 * import assert from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * await createZarrGroup(`${dir}/c.zarr:/a/b`, { attributes: { title: "t" } });
 * const nodes = await listZarr(`${dir}/c.zarr`);
 * assert.deepEqual(nodes.map((n) => n.path), ["/", "/a", "/a/b"]);
 * assert.deepEqual(nodes[2].attributes, { title: "t" });
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function createZarrGroup(
  locator: string,
  options: ZarrGroupOptions = {},
): Promise<void> {
  await registerCodecs();
  await writeGroupMeta(zarrLocator(locator), options);
}

/**
 * Lists the groups and arrays of a store, depth first (`/`, `/a`, `/a/x`,
 * `/b`, ...), from its consolidated metadata when it has some, else by
 * walking its directories.
 *
 * @param path The store's directory (a locator's object part is ignored).
 * @returns One entry per node: path, kind, format, attributes, and for
 *   arrays shape, dtype, chunks and codec.
 * @throws {FormatError} When the store is missing or a node's metadata is broken.
 *
 * @example
 * ```ts
 * import { createZarr, listZarr } from "./zarr.ts";
 * import assert from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * await createZarr(`${dir}/d.zarr:/g/t`, { shape: [8], dtype: "uint8", chunks: [4], codec: "none" });
 * const [root, g, t] = await listZarr(`${dir}/d.zarr`);
 * assert.equal(root.kind, "group");
 * assert.equal(g.path, "/g");
 * assert.deepEqual([t.kind, t.shape, t.dtype, t.chunks, t.codec], ["array", [8], "uint8", [4], "none"]);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function listZarr(path: string): Promise<ZarrNode[]> {
  await registerCodecs();
  return await listNodes(zarrLocator(path).path);
}

// ---------------------------------------------------------------------------
// helpers

function wholeChunk(p: AxisPiece, step: number, c: number): boolean {
  return step === 1 && p.start === 0 && p.count === c;
}
