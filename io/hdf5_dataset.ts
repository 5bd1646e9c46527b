/**
 * A dataset of an open HDF5 file ({@link H5Dataset}) and its metadata types (io/hdf5.ts opens it).
 *
 * @module
 */

import { type DType, DTYPES, type Scalar } from "../core/dtype.ts";
import { FormatError, ShapeMismatchError } from "../core/errors.ts";
import { threadCount } from "../core/threads.ts";
import { empty, NDArray } from "../core/ndarray.ts";
import { check, cstr, H5P_DEFAULT, hdf5, type Hid, hsize } from "../ffi/hdf5.ts";
import type { ArraySink, ArraySource, DecodeWorkers, Region, RegionLike } from "./region.ts";
import { h5WorkerSpec } from "./_hdf5_worker_source.ts";
import { withSpaces } from "./_hdf5_select.ts";
import { describeRegion, toRegion, type WorkerSourceSpec } from "./region.ts";
import { type ObjectMetadata, objectMetadata } from "./_hdf5_attrs.ts";
import {
  attributeNames,
  bytesOf,
  closer,
  contiguousBlock,
  datasetReadType,
  defineDatasetInternals,
  fits,
  memType,
  readAttribute,
  readInfo,
  registry,
  shapeText,
  writeAttribute,
} from "./_hdf5_handles.ts";
import type { H5File } from "./hdf5.ts";
import {
  DIRECT_WORKER_MIN_CHUNK,
  directDecoderBytes,
  type DirectPlan,
  directPlan,
  directWorkerBytes,
  readDirect,
  readDirectAsync,
} from "./_hdf5_direct.ts";
import { type RawPlan, rawPlan, rawPool, rawWorkerBytes, readRaw } from "./_hdf5_raw.ts";
import { directWritePlan, type WritePlan, writeQueued } from "./_hdf5_direct_write.ts";
import { EncodeQueue, FLUSH_WRITES, QUEUED_WRITE } from "./_encode_pool.ts";

/** A filter in a dataset's pipeline. */
export interface H5Filter {
  /** HDF5 filter id (1 deflate, 2 shuffle, 3 fletcher32, 32001 blosc, ...). */
  readonly id: number;
  /** Short name: `gzip`, `shuffle`, `fletcher32`, `szip`, `lz4`, ... */
  readonly name: string;
  /** The filter's client data values (for gzip, the level). */
  readonly values: readonly number[];
}

/** Everything known about a dataset without reading its data. */
export interface H5DatasetInfo {
  /** Absolute object path. */
  readonly path: string;
  /** Current shape. */
  readonly shape: readonly number[];
  /** Maximum shape; null marks an unlimited axis. */
  readonly maxshape: readonly (number | null)[];
  /** Element type (values are always returned in native byte order). */
  readonly dtype: DType;
  /** Byte order stored in the file. */
  readonly byteOrder: "little" | "big" | "none";
  /** Storage layout. */
  readonly layout: "compact" | "contiguous" | "chunked" | "virtual";
  /** Chunk shape, or null when not chunked. */
  readonly chunks: readonly number[] | null;
  /** The filter pipeline, in order. */
  readonly filters: readonly H5Filter[];
  /** The compression filter's name (`gzip`, ...), or null. */
  readonly compression: string | null;
  /** The gzip level, or null. */
  readonly compressionLevel: number | null;
  /** Whether the shuffle filter is on. */
  readonly shuffle: boolean;
  /** The fill value (0 when left at HDF5's default), or null when undefined. */
  readonly fillValue: Scalar | null;
  /** Whether the fill value was set when the dataset was created (false: HDF5's default). */
  readonly fillValueSet: boolean;
}

/**
 * An attribute value. Reading gives a number (bigint for 64-bit integers,
 * boolean for bool) for numeric scalars, an NDArray for numeric arrays
 * (enums as their integers, bitfields as unsigned integers), a string or an
 * array of strings for strings, null for an empty attribute. Other types are
 * read as nested lists of the attribute's shape: an object reference as the
 * referenced object's path (null when it cannot be resolved), a
 * variable-length sequence as a list (netCDF's `DIMENSION_LIST`: one list of
 * scale paths per axis), a compound as an object of its members
 * (`REFERENCE_LIST`: `{ dataset, dimension }`).
 */
export type H5AttributeValue =
  | Scalar
  | string
  | string[]
  | NDArray
  | null
  | H5AttributeValue[]
  | { readonly [member: string]: H5AttributeValue };

/** Options of {@link H5File.setAttribute}. */
export interface H5AttributeOptions {
  /** Store strings as fixed-length (NUL-padded UTF-8) instead of variable-length. */
  readonly fixedLength?: boolean;
  /** Element type for a number or numeric array (default: the value's own). */
  readonly dtype?: DType;
}

/**
 * A dataset in an open file: metadata, region reads and writes (any
 * hyperslab, straight into and out of NDArray buffers), resizing and
 * attributes. Implements `ArraySource` and `ArraySink`; `chunks` is the
 * storage chunk shape, or blocks of about 32 MiB for contiguous datasets.
 *
 * @example
 * ```ts
 * import { H5File } from "./hdf5.ts";
 * import { arange } from "../core/ndarray.ts";
 * import assert from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * using f = H5File.open(`${dir}/d.h5`, { mode: "w" });
 * using ds = f.createDataset("/x", { shape: [4, 5], dtype: "float32", chunks: [2, 5], compression: "gzip" });
 * await ds.write(undefined, arange(20).reshape([4, 5]));
 * const block = await ds.read("1:3, ::2");
 * assert.deepEqual(block.toArray(), [[5, 7, 9], [10, 12, 14]]);
 * assert.equal(ds.info.compression, "gzip");
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export class H5Dataset implements ArraySource, ArraySink, Disposable {
  #id: Hid | null;
  #file: H5File;
  #ownsFile: boolean;
  #info: H5DatasetInfo;
  #token = {};
  #dxpl: Hid | null;
  #readType: Hid;
  #meta: ObjectMetadata | null = null;
  #direct: DirectPlan | null | undefined;
  #raw: RawPlan | null | undefined;
  #writes: { plan: WritePlan | null; queue: EncodeQueue } | undefined;
  // decode workers unless one thread is asked for (--threads 1, TESSERA_THREADS=1, one core per rank)
  #threads = threadCount() >= 2;
  #workers: DecodeWorkers | undefined;
  /** Absolute object path inside the file. */
  readonly path: string;

  private constructor(id: Hid, file: H5File, path: string, info: H5DatasetInfo, dxpl: Hid | null) {
    this.#id = id;
    this.#readType = datasetReadType(id, info.dtype);
    this.#file = file;
    this.#ownsFile = false;
    this.#info = info;
    this.#dxpl = dxpl;
    this.path = path;
    registry.register(this, { id, close: closer("object") }, this.#token);
  }

  static {
    defineDatasetInternals({
      wrap(id, file, path, dxpl) {
        let info: H5DatasetInfo;
        try {
          info = readInfo(id, file.path, path);
        } catch (e) {
          hdf5().fn.H5Oclose(id);
          throw e;
        }
        return new H5Dataset(id, file, path, info, dxpl);
      },
      ownFile(ds) {
        ds.#ownsFile = true;
        return ds;
      },
      id: (ds) => ds.#idOrThrow(),
      dxpl: (ds) => ds.#dxpl,
    });
  }

  /** `file:/path`, for messages. */
  get locator(): string {
    return `${this.#file.path}:${this.path}`;
  }

  /** The file's path. */
  get file(): string {
    return this.#file.path;
  }

  /** Current shape. */
  get shape(): readonly number[] {
    return this.#info.shape;
  }

  /** Number of dimensions. */
  get ndim(): number {
    return this.#info.shape.length;
  }

  /** Element type of what `read` returns. */
  get dtype(): DType {
    return this.#info.dtype;
  }

  /** The natural block grid: the chunk shape, or ~32 MiB blocks for contiguous data. */
  get chunks(): readonly number[] {
    return this.#info.chunks ??
      contiguousBlock(this.#info.shape, DTYPES[this.#info.dtype].bytes);
  }

  /**
   * Bytes libhdf5 may cache for this dataset while it is open: its default
   * raw-data chunk cache (`rdcc_nbytes`, 1 MiB; datasets are opened with the
   * default access property list) when chunked, else 0.
   *
   * @returns The bytes, counted by the stream planner.
   *
   * @example
   * ```ts
   * import { H5File } from "./hdf5.ts";
   * const dir = await Deno.makeTempDir();
   * using f = H5File.open(`${dir}/c.h5`, { mode: "w" });
   * using ds = f.createDataset("/x", { shape: [4, 4], dtype: "int8", chunks: [2, 2] });
   * if (ds.cacheBytes !== 2 ** 20) throw new Error(String(ds.cacheBytes));
   * ```
   */
  get cacheBytes(): number {
    if (this.#info.layout !== "chunked") return 0;
    const plan = this.#plan();
    return 2 ** 20 + (plan === null ? 0 : directDecoderBytes(plan));
  }

  /** The decode workers of direct reads of chunks of 256 KiB or more, or of raw reads (for the stream planner). */
  get decodeWorkers(): DecodeWorkers | undefined {
    const plan = this.#info.layout === "chunked" ? this.#plan() : null;
    const raw = plan === null && this.#threads ? this.#rawPlan() : null;
    const none = raw === null && (plan === null || plan.chunkBytes < DIRECT_WORKER_MIN_CHUNK);
    if (none) return undefined;
    // deno-lint-ignore no-this-alias
    const self = this;
    return this.#workers ??= {
      bytes: plan === null ? rawWorkerBytes() : directWorkerBytes(plan),
      get enabled(): boolean {
        return self.#threads;
      },
      disable: () => void (this.#threads = false),
    };
  }

  // Direct chunk reads (io/_hdf5_direct.ts), or null: through H5Dread.
  #plan(): DirectPlan | null {
    if (this.#direct === undefined) {
      // read-only files only: chunks written here may still sit in libhdf5's cache
      this.#direct = this.#file.mode !== "r"
        ? null
        : directPlan(this.#idOrThrow(), this.#info, this.#readType, this.#dxpl);
    }
    return this.#direct;
  }

  // Raw reads of uncompressed data (io/_hdf5_raw.ts), or null: through H5Dread.
  #rawPlan(): RawPlan | null {
    if (this.#raw !== undefined) return this.#raw;
    const id = this.#idOrThrow();
    return this.#raw = this.#file.mode !== "r"
      ? null
      : rawPlan(id, this.#info, this.#readType, this.#dxpl, this.#file.path);
  }

  /**
   * How a compute worker reads this dataset itself at its file offsets (io/_hdf5_worker_source.ts),
   * or null (compressed, a converted type, open for writing, parallel transfers).
   *
   * @example
   * ```ts
   * import { H5File } from "./hdf5.ts";
   * const dir = await Deno.makeTempDir();
   * using f = H5File.open(`${dir}/w.h5`, { mode: "w" });
   * using ds = f.createDataset("/x", { shape: [2], dtype: "int8" });
   * if (ds.workerSpec() !== null) throw new Error("open for writing: no spec");
   * await Deno.remove(dir, { recursive: true });
   * ```
   */
  workerSpec(): WorkerSourceSpec | null {
    if (this.#file.mode !== "r" || this.#id === null) return null;
    const { path } = this.#file;
    return h5WorkerSpec(this, this.#id, this.#info, this.#readType, this.#dxpl, path, this.path);
  }

  /** Metadata: shape, maxshape, dtype, byte order, layout, chunks, filters, fill value. */
  get info(): H5DatasetInfo {
    return this.#info;
  }

  /** The filter pipeline, in order (the same as `info.filters`). */
  get filters(): readonly H5Filter[] {
    return this.#info.filters;
  }

  /**
   * The fill value set when the dataset was created (netCDF-4 sets one for
   * every variable), or null when it was left at HDF5's default of zero or
   * is undefined (`info.fillValue` gives HDF5's value in every case). Raw,
   * in the dataset's dtype (bool as 0 or 1).
   */
  get fillValue(): number | bigint | null {
    const v = this.#info.fillValue;
    if (!this.#info.fillValueSet || v === null) return null;
    return typeof v === "boolean" ? Number(v) : v;
  }

  #metadata(): ObjectMetadata {
    if (this.#meta === null) {
      this.#meta = objectMetadata(this.#idOrThrow(), this.path, this.ndim, this.file);
    }
    return this.#meta;
  }

  /**
   * The attributes as a netCDF reader shows them, as plain JSON values:
   * arrays as lists, one-element numeric arrays as their element (netCDF
   * stores `scale_factor` that way), references as paths, compounds as
   * objects; raw (never CF-decoded). The attributes netCDF-C and the
   * dimension-scale API keep for themselves (`DIMENSION_LIST`,
   * `REFERENCE_LIST`, `_Netcdf4Dimid`, `_Netcdf4Coordinates`,
   * `_NCProperties`; a scale's `CLASS` and `NAME`) are left out, and so is an
   * attribute of a type no reader here handles (opaque data). Read on first
   * use and again after {@link setAttribute}. Every attribute as stored:
   * {@link readAttributes}.
   */
  get attributes(): Readonly<Record<string, unknown>> {
    return this.#metadata().attributes;
  }

  /**
   * One dimension name per axis, null for an unnamed axis: the netCDF-4
   * dimension (the dimension scale attached to the axis: its NAME, or its
   * name in the file for netCDF's dimensions that are not variables), or the
   * dataset's own name for the first axis of a dimension scale (a netCDF
   * coordinate variable).
   */
  get dimensions(): readonly (string | null)[] {
    return this.#metadata().dimensions;
  }

  /** Whether the dataset is still open. */
  get isOpen(): boolean {
    return this.#id !== null;
  }

  #ctx(): { file: string; object: string } {
    return { file: this.#file.path, object: this.path };
  }

  #idOrThrow(): Hid {
    if (this.#id === null) {
      throw new TypeError(`Cannot use "${this.locator}": the dataset is closed`);
    }
    return this.#id;
  }

  #region(region: RegionLike, verb: "read" | "write"): Region {
    return toRegion(this.#info.shape, region, { context: `Cannot ${verb} "${this.locator}"` });
  }

  /**
   * Reads a region into a new C-contiguous array (synchronously).
   *
   * @param region A region, a selection string (`"0:10, ::2"`), or nothing for all.
   * @returns The block, of shape `region.count`, dtype {@link dtype}.
   * @throws {RangeError} When the region is outside the dataspace.
   *
   * @example
   * ```ts
   * import { H5File } from "./hdf5.ts";
   * import { arange, fromArray } from "../core/ndarray.ts";
   * const dir = await Deno.makeTempDir();
   * using f = H5File.open(`${dir}/x.h5`, { mode: "w" });
   * using ds = f.createDataset("/x", { shape: [3, 4], dtype: "int16", data: arange(12).reshape([3, 4]) });
   * const block = ds.readSync("1:, ::2");
   * if (block.shape.join() !== "2,2" || block.get(1, 1) !== 10) throw new Error("bad block");
   * await Deno.remove(dir, { recursive: true });
   * ```
   */
  readSync(region?: RegionLike): NDArray {
    const r = this.#region(region, "read");
    return this.#readInto(r, empty(r.count, this.dtype));
  }

  /**
   * Reads a region into an existing C-contiguous array of this dataset's
   * dtype and the region's shape (a buffer reused from block to block: a
   * fresh one costs its page faults on every read).
   *
   * @param region The hyperslab.
   * @param out The destination.
   * @returns `out`.
   * @throws {ShapeMismatchError} When `out` does not have the region's shape.
   * @throws {TypeError} When `out` is not a C-contiguous array of the dataset's dtype.
   *
   * @example
   * ```ts
   * import { H5File } from "./hdf5.ts";
   * import { arange, empty } from "../core/ndarray.ts";
   * const dir = await Deno.makeTempDir();
   * {
   *   using f = H5File.open(`${dir}/a.h5`, { mode: "w" });
   *   using ds = f.createDataset("/x", { shape: [4, 3], dtype: "int32" });
   *   await ds.write(undefined, arange(12, undefined, undefined, "int32").reshape([4, 3]));
   *   const out = empty([2, 3], "int32");
   *   ds.readInto("2:4", out);
   *   if (out.get(1, 2) !== 11) throw new Error("bad");
   * }
   * await Deno.remove(dir, { recursive: true });
   * ```
   */
  readInto(region: RegionLike, out: NDArray): NDArray {
    const r = this.#region(region, "read");
    this.#checkOut(r, out);
    return this.#readInto(r, out);
  }

  #checkOut(r: Region, out: NDArray): void {
    if (!(out instanceof NDArray) || out.dtype !== this.dtype || !out.isContiguous) {
      throw new TypeError(
        `Cannot read "${this.locator}" into ${
          out instanceof NDArray ? `a ${out.dtype} array` : String(out)
        }: expected a C-contiguous ${this.dtype} array`,
      );
    }
    if (out.size !== r.count.reduce((a, b) => a * b, 1)) {
      throw new ShapeMismatchError(
        `Cannot read "${this.locator}" into shape [${out.shape.join(",")}]: the region has shape [${
          r.count.join(",")
        }]`,
      );
    }
  }

  #readInto(r: Region, out: NDArray): NDArray {
    if (out.size === 0) return out;
    const plan = this.#plan();
    if (plan !== null) {
      readDirect(this.#idOrThrow(), plan, r, out, this.#ctx());
      return out;
    }
    const fn = hdf5().fn;
    withSpaces(this.#idOrThrow(), this.ndim, r, this.#ctx(), (ms, fs) => {
      check(
        fn.H5Dread(
          this.#idOrThrow(),
          this.#readType,
          ms,
          fs,
          this.#dxpl ?? H5P_DEFAULT,
          bytesOf(out.toTypedArray()),
        ),
        "H5Dread",
        this.#ctx(),
      );
    });
    return out;
  }

  /**
   * Reads a region into a new C-contiguous array.
   *
   * @param region A region, a selection string, or nothing for all.
   * @returns The block.
   *
   * @example
   * ```ts
   * import { H5File } from "./hdf5.ts";
   * import { arange, fromArray } from "../core/ndarray.ts";
   * const dir = await Deno.makeTempDir();
   * using f = H5File.open(`${dir}/x.h5`, { mode: "w" });
   * using ds = f.createDataset("/x", { shape: [3, 4], dtype: "int16", data: arange(12).reshape([3, 4]) });
   * const all = await ds.read();
   * if (all.shape.join() !== "3,4" || all.get(2, 3) !== 11) throw new Error("bad read");
   * await Deno.remove(dir, { recursive: true });
   * ```
   */
  read(region?: RegionLike): Promise<NDArray> {
    try {
      const r = this.#region(region, "read");
      return this.#readAsync(r, empty(r.count, this.dtype));
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /**
   * Reads a region into an existing C-contiguous array, as {@link readInto}
   * does, decoding compressed chunks (deflate and shuffle) on the decode
   * workers (reads in flight overlap). The stream engine
   * reads HDF5 sources this way.
   *
   * @param region The hyperslab.
   * @param out The destination, of the dataset's dtype and the region's shape.
   * @returns `out`, when filled.
   *
   * @example
   * ```ts
   * import { H5File } from "./hdf5.ts";
   * import { arange, empty } from "../core/ndarray.ts";
   * const dir = await Deno.makeTempDir();
   * {
   *   using f = H5File.open(`${dir}/a.h5`, { mode: "w" });
   *   using ds = f.createDataset("/x", { shape: [4, 3], dtype: "int32", chunks: [1, 3], compression: "gzip" });
   *   await ds.write(undefined, arange(12, undefined, undefined, "int32").reshape([4, 3]));
   *   const out = await ds.readIntoAsync("1:4", empty([3, 3], "int32"));
   *   if (out.get(2, 2) !== 11) throw new Error("bad");
   * }
   * await Deno.remove(dir, { recursive: true });
   * ```
   */
  async readIntoAsync(region: RegionLike, out: NDArray): Promise<NDArray> {
    const r = this.#region(region, "read");
    this.#checkOut(r, out);
    return await this.#readAsync(r, out);
  }

  async #readAsync(r: Region, out: NDArray): Promise<NDArray> {
    const plan = out.size === 0 ? null : this.#plan();
    // the plan first: rawPool starts the workers
    const raw = plan === null && r.step.at(-1) === 1 && this.#threads ? this.#rawPlan() : null;
    const pool = raw === null ? null : rawPool(out, this.#threads);
    if (pool !== null) await readRaw(this.#idOrThrow(), raw!, r, out, this.#ctx(), pool);
    if (plan === null) return pool === null ? this.#readInto(r, out) : out;
    const threads = this.#threads && plan.chunkBytes >= DIRECT_WORKER_MIN_CHUNK;
    await readDirectAsync(this.#idOrThrow(), plan, r, out, this.#ctx(), threads);
    return out;
  }

  /**
   * Writes an array at a region (synchronously). The array's shape must be
   * the region's count (axes of length 1 may be left out); a different dtype
   * is converted by HDF5 (floats to integers saturate rather than wrap).
   *
   * @param region A region, a selection string, or undefined for all.
   * @param array The values.
   * @throws {RangeError} When the region is outside the dataspace.
   * @throws {ShapeMismatchError} When the array's shape does not fit the region.
   * @throws {Hdf5Error} When the file is read-only or the write fails.
   *
   * @example
   * ```ts
   * import { H5File } from "./hdf5.ts";
   * import { arange, fromArray } from "../core/ndarray.ts";
   * const dir = await Deno.makeTempDir();
   * using f = H5File.open(`${dir}/x.h5`, { mode: "w" });
   * using ds = f.createDataset("/x", { shape: [2, 3], dtype: "float64" });
   * ds.writeSync("1:2, :", fromArray([[7, 8, 9]], "float64"));
   * const back = ds.readSync();
   * if (back.get(1, 2) !== 9 || back.get(0, 0) !== 0) throw new Error("bad write");
   * await Deno.remove(dir, { recursive: true });
   * ```
   */
  writeSync(region: RegionLike, array: NDArray): void {
    if (!(array instanceof NDArray)) {
      throw new TypeError(`Cannot write "${this.locator}": expected an NDArray`);
    }
    const r = this.#region(region, "write");
    if (!fits(array.shape, r.count)) {
      throw new ShapeMismatchError(
        `Cannot write "${this.locator}": array shape ${
          shapeText(array.shape)
        } does not match region [${describeRegion(r)}] of shape ${shapeText(r.count)}`,
      );
    }
    if (array.size === 0) return;
    let a = array;
    // HDF5 has no conversion between its bool enum and numbers: convert here
    if ((a.dtype === "bool") !== (this.dtype === "bool")) a = a.astype(this.dtype);
    const data = (a.isContiguous ? a.toTypedArray() : a.copy().data) as ArrayBufferView;
    const fn = hdf5().fn;
    withSpaces(this.#idOrThrow(), this.ndim, r, this.#ctx(), (ms, fs) => {
      check(
        fn.H5Dwrite(
          this.#idOrThrow(),
          a.dtype === this.dtype ? this.#readType : memType(a.dtype),
          ms,
          fs,
          this.#dxpl ?? H5P_DEFAULT,
          bytesOf(data),
        ),
        "H5Dwrite",
        this.#ctx(),
      );
    });
  }

  /**
   * Writes an array at a region.
   *
   * @param region A region, a selection string, or undefined for all.
   * @param array The values.
   * @returns When written.
   *
   * @example
   * ```ts
   * import { H5File } from "./hdf5.ts";
   * import { arange, fromArray } from "../core/ndarray.ts";
   * const dir = await Deno.makeTempDir();
   * using f = H5File.open(`${dir}/x.h5`, { mode: "w" });
   * using ds = f.createDataset("/x", { shape: [2, 3], dtype: "int32" });
   * await ds.write(undefined, arange(6).reshape([2, 3]));
   * if (ds.readSync().get(1, 2) !== 5) throw new Error("bad write");
   * await Deno.remove(dir, { recursive: true });
   * ```
   */
  async write(region: RegionLike, array: NDArray): Promise<void> {
    await this.#write(region, array, false);
  }

  /** @internal See io/_encode_pool.ts QUEUED_WRITE (direct chunk writes in flight). */
  [QUEUED_WRITE](region: RegionLike, array: NDArray): Promise<void> {
    return this.#write(region, array, true);
  }

  /** @internal See io/_encode_pool.ts FLUSH_WRITES (flush before closing). */
  async [FLUSH_WRITES](): Promise<void> {
    await this.#writes?.queue.flush();
  }

  async #write(region: RegionLike, array: NDArray, queued: boolean): Promise<void> {
    const id = this.#idOrThrow();
    // direct chunk writes (io/_hdf5_direct_write.ts), or plan null: through H5Dwrite
    const w = this.#writes ??= {
      plan: this.#file.mode === "r"
        ? null
        : directWritePlan(id, this.#info, this.#readType, this.#dxpl),
      queue: new EncodeQueue(),
    };
    const sink = {
      id,
      shape: this.#info.shape,
      dtype: this.dtype,
      ctx: this.#ctx(),
      region: (x: RegionLike) => this.#region(x, "write"),
      writeSync: (x: RegionLike, a: NDArray) => this.writeSync(x, a),
    };
    await writeQueued(w.plan, w.queue, sink, region, array, queued);
  }

  /**
   * Changes the shape of a chunked dataset within its maxshape.
   *
   * @param shape The new shape.
   * @throws {RangeError} When the shape exceeds maxshape or has the wrong rank.
   *
   * @example
   * ```ts
   * import { H5File } from "./hdf5.ts";
   * import { arange, fromArray } from "../core/ndarray.ts";
   * const dir = await Deno.makeTempDir();
   * using f = H5File.open(`${dir}/x.h5`, { mode: "w" });
   * using ds = f.createDataset("/t", { shape: [0, 2], dtype: "float32", maxshape: [null, 2] });
   * ds.resize([5, 2]);
   * if (ds.shape[0] !== 5 || ds.info.shape[0] !== 5) throw new Error("not resized");
   * await Deno.remove(dir, { recursive: true });
   * ```
   */
  resize(shape: readonly number[]): void {
    const max = this.#info.maxshape;
    if (
      shape.length !== max.length ||
      shape.some((d, i) => !Number.isSafeInteger(d) || d < 0 || (max[i] !== null && d > max[i]!))
    ) {
      throw new RangeError(
        `Cannot resize "${this.locator}" to ${shapeText(shape)}: maxshape is ${shapeText(max)}`,
      );
    }
    const fn = hdf5().fn;
    check(fn.H5Dset_extent(this.#idOrThrow(), hsize(shape)), "H5Dset_extent", this.#ctx());
    this.#info = { ...this.#info, shape: [...shape] };
  }

  /**
   * Reads every attribute of the dataset, as stored (see {@link attributes}
   * for the netCDF reader's view).
   *
   * @returns Attribute values by name.
   * @throws {FormatError} When an attribute has a type no reader here handles.
   *
   * @example
   * ```ts
   * import { H5File } from "./hdf5.ts";
   * import { arange, fromArray } from "../core/ndarray.ts";
   * const dir = await Deno.makeTempDir();
   * using f = H5File.open(`${dir}/x.h5`, { mode: "w" });
   * using ds = f.createDataset("/x", { shape: [2], dtype: "int8" });
   * ds.setAttribute("units", "m");
   * ds.setAttribute("scale", 0.5);
   * const a = ds.readAttributes();
   * if (a.units !== "m" || a.scale !== 0.5) throw new Error("bad attributes");
   * await Deno.remove(dir, { recursive: true });
   * ```
   */
  readAttributes(): Record<string, H5AttributeValue> {
    const id = this.#idOrThrow();
    const out: Record<string, H5AttributeValue> = {};
    for (const name of attributeNames(id, this.file, this.path)) {
      out[name] = readAttribute(id, name, this.file, this.path);
    }
    return out;
  }

  /**
   * Reads one attribute of the dataset.
   *
   * @param name Attribute name.
   * @returns Its value.
   * @throws {FormatError} When there is no such attribute or its type is unsupported.
   *
   * @example
   * ```ts
   * import { H5File } from "./hdf5.ts";
   * import { arange, fromArray } from "../core/ndarray.ts";
   * const dir = await Deno.makeTempDir();
   * using f = H5File.open(`${dir}/x.h5`, { mode: "w" });
   * using ds = f.createDataset("/x", { shape: [2], dtype: "int8" });
   * ds.setAttribute("long_name", "height");
   * if (ds.getAttribute("long_name") !== "height") throw new Error("bad attribute");
   * await Deno.remove(dir, { recursive: true });
   * ```
   */
  getAttribute(name: string): H5AttributeValue {
    const id = this.#idOrThrow();
    if (check(hdf5().fn.H5Aexists(id, cstr(name)), "H5Aexists", this.#ctx()) <= 0) {
      throw new FormatError(this.file, `object "${this.path}" has no attribute "${name}"`);
    }
    return readAttribute(id, name, this.file, this.path);
  }

  /**
   * Writes (or replaces) an attribute of the dataset.
   *
   * @param name Attribute name.
   * @param value The value (see {@link H5File.setAttribute}).
   * @param options `fixedLength` for strings, `dtype` for numbers.
   *
   * @example
   * ```ts
   * import { H5File } from "./hdf5.ts";
   * import { arange, fromArray } from "../core/ndarray.ts";
   * const dir = await Deno.makeTempDir();
   * using f = H5File.open(`${dir}/x.h5`, { mode: "w" });
   * using ds = f.createDataset("/x", { shape: [2], dtype: "int8" });
   * ds.setAttribute("valid_range", fromArray([0, 100], "float32"));
   * const r = ds.getAttribute("valid_range");
   * if (JSON.stringify((r as ReturnType<typeof fromArray>).toArray()) !== "[0,100]") {
   *   throw new Error("bad valid_range");
   * }
   * await Deno.remove(dir, { recursive: true });
   * ```
   */
  setAttribute(name: string, value: H5AttributeValue, options: H5AttributeOptions = {}): void {
    this.#meta = null;
    writeAttribute(this.#idOrThrow(), name, value, options, this.#ctx());
  }

  /**
   * Closes the dataset (idempotent), and its file when it was opened by {@link openDataset}.
   *
   * @example
   * ```ts
   * import { H5File } from "./hdf5.ts";
   * import { arange, fromArray } from "../core/ndarray.ts";
   * const dir = await Deno.makeTempDir();
   * using f = H5File.open(`${dir}/x.h5`, { mode: "w" });
   * const ds = f.createDataset("/x", { shape: [1], dtype: "int8" });
   * ds.close();
   * ds.close(); // idempotent
   * if (ds.isOpen || !f.isOpen) throw new Error("wrong state");
   * await Deno.remove(dir, { recursive: true });
   * ```
   */
  close(): void {
    if (this.#id === null) return;
    const id = this.#id;
    this.#id = null;
    registry.unregister(this.#token);
    try {
      check(hdf5().fn.H5Dclose(id), "H5Dclose", this.#ctx());
    } finally {
      if (this.#ownsFile) this.#file.close();
    }
  }

  /** Closes the dataset. */
  [Symbol.dispose](): void {
    this.close();
  }
}
