/**
 * NumPy `.npy` files: read and write whole arrays ({@link readNpy},
 * {@link writeNpy}), or open one as a region source and sink
 * ({@link NpyFile}, {@link createNpy}) that reads and writes only the bytes a
 * region covers, so files far larger than memory can be processed in blocks
 * and written by several processes at once.
 *
 * Versions 1.0, 2.0 and 3.0 are read and written; every dtype of the dtype
 * table, in either byte order (big-endian data is converted to native on
 * read); C and Fortran order.
 *
 * @module
 */

import { openNpyHeader } from "./_npy_open.ts";
import { syncOption, writeViaTemp } from "./output.ts";
import {
  type AnyTypedArray,
  type ArrayOf,
  type DType,
  type DTypeInfo,
  DTYPES,
  toDType,
} from "../core/dtype.ts";
import { ShapeMismatchError } from "../core/errors.ts";
import { NDArray } from "../core/ndarray.ts";
import {
  blockGrid,
  cBytes,
  NATIVE_LE,
  openError,
  pathText,
  pick,
  readFull,
  reverseRegion,
  runs,
  scratchBuffer,
  swapBytes,
  typeName,
  writeFull,
} from "./_npy_io.ts";
import { alignedBuffer } from "./aligned_buffer.ts";
import { FileMap, mapRows } from "./_map.ts";
import { formatHeader, type NpyHeader } from "./_npy_header.ts";
import {
  type ArraySink,
  type ArraySource,
  describeRegion,
  type Region,
  type RegionLike,
  toRegion,
  type WorkerSourceSpec,
} from "./region.ts";

/** The module a compute worker opens a .npy file with (NpyFile.workerSpec). */
const WORKER_SOURCE = new URL("./_npy_worker_source.ts", import.meta.url).href;

/** A .npy format version we read and write. */
export type NpyVersion = 1 | 2 | 3;

/** A step whose gap is at most this many bytes is read as the covering span. */
const SPAN_MAX_GAP = 16 << 10;
/** Largest covering span read at once for a stepped innermost axis. */
const SCRATCH_BYTES = 8 << 20;
/** Slab size when writing a non-contiguous array. */
const WRITE_SLAB = 16 << 20;

/** Options of {@link NpyFile.open}. */
export interface NpyOpenOptions {
  /** Open for writing as well as reading (default false: the file is never written). */
  readonly write?: boolean;
}

/** Options of {@link createNpy}. */
export interface NpyCreateOptions {
  /** Axis lengths. */
  readonly shape: readonly number[];
  /** Element type (a dtype name or a NumPy descr). */
  readonly dtype: DType | string;
  /** Store the data in Fortran (column-major) order (default false). */
  readonly fortranOrder?: boolean;
  /** Format version (default: the lowest whose header fits, as numpy chooses). */
  readonly version?: NpyVersion;
}

/** Options of {@link writeNpy}. */
export interface NpyWriteOptions {
  /** Store the data in Fortran (column-major) order (default false: C order). */
  readonly fortranOrder?: boolean;
  /** Format version (default: the lowest whose header fits, as numpy chooses). */
  readonly version?: NpyVersion;
  /**
   * Sync a new file to disk before publishing it (default `TESSERA_SYNC`, else
   * false); a replaced file is always synced first (io/output.ts).
   */
  readonly sync?: boolean;
}

const registry = new FinalizationRegistry<Deno.FsFile>((file) => {
  try {
    file.close();
  } catch {
    // already closed
  }
});

/**
 * An open `.npy` file: its header, and positioned reads and writes of
 * regions. Reading a region reads only the bytes of that region (runs of
 * contiguous bytes are read with one call each; a small step along the last
 * storage axis reads the covering span and picks). The file is opened
 * read-only unless `write: true` is passed, so reading never modifies it.
 *
 * For a file in Fortran order, {@link NpyFile.read} returns the right values
 * as a view with Fortran strides (call `.copy()` for a C-contiguous array).
 *
 * @example
 * ```ts
 * import { NpyFile, writeNpy } from "./npy.ts";
 * import { arange } from "../core/ndarray.ts";
 * const dir = await Deno.makeTempDir();
 * await writeNpy(`${dir}/a.npy`, arange(12, undefined, undefined, "int32").reshape([3, 4]));
 * await using f = await NpyFile.open(`${dir}/a.npy`);
 * const block = await f.read("1:3, ::2");
 * if (block.shape.join() !== "2,2" || block.get(1, 1) !== 10) throw new Error("bad");
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export class NpyFile implements ArraySource, ArraySink {
  /** The path the file was opened with. */
  readonly locator: string;
  /** Axis lengths. */
  readonly shape: readonly number[];
  /** Element type of the data (and of what `read` returns). */
  readonly dtype: DType;
  /** Whether the data is stored in Fortran (column-major) order. */
  readonly fortranOrder: boolean;
  /** Whether the data is stored big-endian (`read` converts to native). */
  readonly bigEndian: boolean;
  /** Byte offset of the data section in the file. */
  readonly dataOffset: number;
  /** Format version of the header (1, 2 or 3). */
  readonly version: NpyVersion;
  /**
   * A block grid for processing the file piece by piece: whole axes except
   * the outermost storage axes, with ~32 MiB (at most 64 MiB) per block; the
   * whole array when it is at most 64 MiB. Leading-axis rows in C order,
   * trailing-axis columns in Fortran order.
   */
  readonly chunks: readonly number[];
  /** Whether the file is open for writing. */
  readonly writable: boolean;
  #file: Deno.FsFile | null;
  #bytesRead = 0;
  #bytesWritten = 0;
  #tail: Promise<unknown> = Promise.resolve();
  #token = {};
  /** The file opened for mapping (io/_map.ts): undefined until asked, null when unavailable. */
  #map: FileMap | null | undefined;

  private constructor(file: Deno.FsFile, locator: string, h: NpyHeader, writable: boolean) {
    this.#file = file;
    this.locator = locator;
    this.shape = Object.freeze([...h.shape]);
    this.dtype = h.dtype;
    this.fortranOrder = h.fortranOrder;
    this.bigEndian = h.bigEndian;
    this.dataOffset = h.dataOffset;
    this.version = h.version;
    this.writable = writable;
    this.chunks = Object.freeze(blockGrid(h.shape, DTYPES[h.dtype].bytes, h.fortranOrder));
    registry.register(this, file, this.#token);
  }

  /**
   * Opens a `.npy` file and reads its header. Read-only unless
   * `{ write: true }`.
   *
   * @param path The file.
   * @param options `write: true` to allow {@link NpyFile.write}.
   * @returns The open file.
   * @throws {Deno.errors.NotFound} When the file does not exist (the message names it).
   * @throws {FormatError} When the file is not a `.npy` file we can read: bad magic, an
   *   unsupported version or dtype, an unparseable header, a data section of the wrong length.
   *
   * @example
   * ```ts
   * import { NpyFile, writeNpy } from "./npy.ts";
   * import { zeros } from "../core/ndarray.ts";
   * const dir = await Deno.makeTempDir();
   * await writeNpy(`${dir}/z.npy`, zeros([4, 5], "float32"));
   * using f = await NpyFile.open(`${dir}/z.npy`);
   * if (f.shape.join() !== "4,5" || f.dtype !== "float32" || f.dataOffset !== 128) {
   *   throw new Error("bad header");
   * }
   * await Deno.remove(dir, { recursive: true });
   * ```
   */
  static async open(path: string | URL, options: NpyOpenOptions = {}): Promise<NpyFile> {
    const writable = options.write === true;
    const o = await openNpyHeader(path, writable);
    const f = new NpyFile(o.file, o.locator, o.header, writable);
    f.#bytesRead = o.bytesRead;
    return f;
  }

  /** Number of elements. */
  get size(): number {
    return this.shape.reduce((a, b) => a * b, 1);
  }

  /** Bytes of the data section. */
  get nbytes(): number {
    return this.size * DTYPES[this.dtype].bytes;
  }

  /**
   * Bytes read from the file through this handle so far (header included).
   * An internal counter, exposed so tests can check that a region read reads
   * only that region's bytes.
   */
  get bytesRead(): number {
    return this.#bytesRead;
  }

  /** Bytes written to the file through this handle so far (an internal counter, like `bytesRead`). */
  get bytesWritten(): number {
    return this.#bytesWritten;
  }

  /** Whether {@link NpyFile.close} has been called. */
  get closed(): boolean {
    return this.#file === null;
  }

  /**
   * Reads a region (default: the whole array). The result has shape
   * `region.count` and native byte order; it is C-contiguous for a C-order
   * file and a view with Fortran strides for a Fortran-order file. Only the
   * region's bytes are read. Large results are read into a 4096-byte-aligned
   * buffer when FFI permission is granted (faster reads).
   *
   * @param region The region: a `Region`, a selection string (`"0:10, :, ::2"`) or slice specs.
   * @returns The values.
   * @throws {RangeError} When the region is outside the shape.
   * @throws {FormatError} When the file turns out shorter than its header says.
   *
   * @example
   * ```ts
   * import { NpyFile, writeNpy } from "./npy.ts";
   * import { arange } from "../core/ndarray.ts";
   * const dir = await Deno.makeTempDir();
   * await writeNpy(`${dir}/r.npy`, arange(100, undefined, undefined, "float64").reshape([10, 10]));
   * await using f = await NpyFile.open(`${dir}/r.npy`);
   * const before = f.bytesRead;
   * const rows = await f.read("2:4");
   * if (rows.get(1, 9) !== 39 || f.bytesRead - before !== 2 * 10 * 8) throw new Error("bad");
   * await Deno.remove(dir, { recursive: true });
   * ```
   */
  async read(region?: RegionLike): Promise<NDArray> {
    const r = this.#region(region, "read");
    return await this.#exclusive(() => this.#read(r));
  }

  /**
   * Reads a region into an existing array, so that one buffer can be reused
   * for many blocks (allocating fresh memory costs more than reading from
   * the page cache). `out` must have the file's dtype, shape `region.count`,
   * and be C-contiguous (Fortran-contiguous for a Fortran-order file).
   *
   * @param region The region.
   * @param out The destination.
   * @returns `out`, filled.
   * @throws {TypeError} When `out` is not an NDArray of the file's dtype and layout.
   * @throws {ShapeMismatchError} When `out`'s shape is not the region's.
   *
   * @example
   * ```ts
   * import { NpyFile, writeNpy } from "./npy.ts";
   * import { arange, zeros } from "../core/ndarray.ts";
   * const dir = await Deno.makeTempDir();
   * await writeNpy(`${dir}/b.npy`, arange(40, undefined, undefined, "int32").reshape([10, 4]));
   * await using f = await NpyFile.open(`${dir}/b.npy`);
   * const slab = zeros([2, 4], "int32");
   * for (let r = 0; r < 10; r += 2) {
   *   await f.readInto(`${r}:${r + 2}`, slab);
   *   if (slab.get(1, 3) !== (r + 1) * 4 + 3) throw new Error("bad");
   * }
   * await Deno.remove(dir, { recursive: true });
   * ```
   */
  async readInto(region: RegionLike, out: NDArray): Promise<NDArray> {
    const r = this.#region(region, "read");
    if (!(out instanceof NDArray) || out.dtype !== this.dtype) {
      throw new TypeError(
        `Cannot read "${this.locator}" into ${
          out instanceof NDArray ? `an array of dtype "${out.dtype}"` : typeName(out)
        }: expected an NDArray of dtype "${this.dtype}"`,
      );
    }
    if (out.shape.length !== r.count.length || out.shape.some((d, i) => d !== r.count[i])) {
      throw new ShapeMismatchError(
        `Cannot read region [${describeRegion(r)}] of "${this.locator}" into an array of shape [${
          out.shape.join(",")
        }]: the region has shape [${r.count.join(",")}]`,
      );
    }
    const layoutOk = this.fortranOrder ? out.transpose().isContiguous : out.isContiguous;
    if (!layoutOk) {
      throw new TypeError(
        `Cannot read "${this.locator}" into a non-contiguous array: expected ${
          this.fortranOrder ? "Fortran" : "C"
        } order`,
      );
    }
    return await this.#exclusive(() => this.#read(r, out));
  }

  /**
   * How a compute worker opens this file itself (stream/_parallel.ts): the
   * path and the header, for io/_npy_worker_source.ts; null when the file is
   * open for writing (its blocks may change during a run) or closed.
   *
   * @returns The spec, or null.
   *
   * @example
   * ```ts
   * import { NpyFile, writeNpy } from "./npy.ts";
   * import { zeros } from "../core/ndarray.ts";
   * const dir = await Deno.makeTempDir();
   * await writeNpy(`${dir}/a.npy`, zeros([2, 3]));
   * using f = await NpyFile.open(`${dir}/a.npy`);
   * if (!f.workerSpec()?.module.endsWith("_npy_worker_source.ts")) throw new Error("bad");
   * await Deno.remove(dir, { recursive: true });
   * ```
   */
  workerSpec(): WorkerSourceSpec | null {
    if (this.writable || this.#file === null) return null;
    return {
      module: WORKER_SOURCE,
      args: {
        path: this.locator,
        dtype: this.dtype,
        shape: [...this.shape],
        fortranOrder: this.fortranOrder,
        bigEndian: this.bigEndian,
        dataOffset: this.dataOffset,
      },
    };
  }

  /**
   * Maps a block of whole rows read-only into WebAssembly memory in place of
   * reading it (io/_map.ts): null when it cannot (Fortran order, foreign byte
   * order, open for writing, not whole rows, no room, not Linux, no FFI,
   * TESSERA_MMAP=0, the file shorter than its header says); read then. Nothing
   * may write into the block, and `unmap()` must be called once it is used.
   *
   * @param region The block (a resolved region).
   * @param place Room for `bytes` starting `shift` bytes past a page boundary
   *   in a WebAssembly memory, the pages around it the caller's own, or null.
   * @returns The block and its `unmap`, or null.
   *
   * @example
   * ```ts
   * import { NpyFile, writeNpy } from "./npy.ts";
   * import { arange } from "../core/ndarray.ts";
   * import { wasmArena } from "../core/wasm.ts";
   * const dir = await Deno.makeTempDir();
   * await writeNpy(`${dir}/a.npy`, arange(8, undefined, undefined, "float64").reshape([4, 2]));
   * using f = await NpyFile.open(`${dir}/a.npy`);
   * const span = wasmArena().alloc(3 * 4096);
   * const b = f.mapBlock({ start: [2, 0], step: [1, 1], count: [2, 2] }, (n, s) => ({
   *   memory: wasmArena().memory,
   *   view: span.u8.subarray(s, s + n),
   * }));
   * if (b !== null) {
   *   if (b.array.get(1, 1) !== 7) throw new Error("bad");
   *   b.unmap();
   * }
   * span.free();
   * await Deno.remove(dir, { recursive: true });
   * ```
   */
  mapBlock(
    region: Region,
    place: (
      bytes: number,
      shift: number,
    ) => { memory: WebAssembly.Memory; view: Uint8Array } | null,
  ): { array: NDArray; unmap(): void } | null {
    if (this.writable || this.fortranOrder || this.bigEndian === NATIVE_LE) return null;
    if (this.#file === null) return null;
    if (this.#map === undefined) {
      // the path may name another file by now: map only the one this object reads
      this.#map = FileMap.open(this.locator);
      if (this.#map !== null && !this.#map.sameFile(this.#file.statSync())) {
        this.#map.close();
        this.#map = null;
      }
    }
    if (this.#map === null) return null;
    return mapRows(this.#map, this, region, place);
  }

  /**
   * Writes `array` at a region. The array must have shape `region.count`;
   * its dtype is converted to the file's. Only the region's bytes are
   * written, so processes writing disjoint regions never collide (a step
   * along the last storage axis writes element by element: use it for small
   * regions only).
   *
   * @param region The region.
   * @param array The values, of shape `region.count`.
   * @returns When the data is written.
   * @throws {TypeError} When the file was opened read-only or `array` is not an NDArray.
   * @throws {RangeError} When the region is outside the shape.
   * @throws {ShapeMismatchError} When the array's shape is not the region's.
   *
   * @example
   * ```ts
   * import { createNpy, readNpy } from "./npy.ts";
   * import { full } from "../core/ndarray.ts";
   * const dir = await Deno.makeTempDir();
   * {
   *   await using f = await createNpy(`${dir}/w.npy`, { shape: [4, 3], dtype: "int16" });
   *   await f.write("2:4", full([2, 3], 7, "int16"));
   * }
   * const a = await readNpy(`${dir}/w.npy`);
   * if (a.get(0, 0) !== 0 || a.get(3, 2) !== 7) throw new Error("bad");
   * await Deno.remove(dir, { recursive: true });
   * ```
   */
  write(region: RegionLike, array: NDArray): Promise<void> {
    if (!this.writable) {
      return Promise.reject(
        new TypeError(`Cannot write "${this.locator}": it was opened read-only`),
      );
    }
    if (!(array instanceof NDArray)) {
      return Promise.reject(
        new TypeError(
          `Cannot write "${this.locator}": expected an NDArray, got ${typeName(array)}`,
        ),
      );
    }
    let r: Region;
    try {
      r = this.#region(region, "write");
    } catch (e) {
      return Promise.reject(e);
    }
    if (array.shape.length !== r.count.length || array.shape.some((d, i) => d !== r.count[i])) {
      return Promise.reject(
        new ShapeMismatchError(
          `Cannot write an array of shape [${array.shape.join(",")}] to region [${
            describeRegion(r)
          }] of "${this.locator}": the region has shape [${r.count.join(",")}]`,
        ),
      );
    }
    return this.#exclusive(() => this.#write(r, array));
  }

  /**
   * Closes the file. Idempotent.
   *
   * @example
   * ```ts
   * import { NpyFile, writeNpy } from "./npy.ts";
   * import { arange } from "../core/ndarray.ts";
   * import assert from "node:assert/strict";
   * const dir = await Deno.makeTempDir();
   * await writeNpy(`${dir}/a.npy`, arange(4, undefined, undefined, "int32"));
   * const f = await NpyFile.open(`${dir}/a.npy`);
   * f.close();
   * f.close();
   * await assert.rejects(() => f.read(), /closed/i);
   * await Deno.remove(dir, { recursive: true });
   * ```
   */
  close(): void {
    const f = this.#file;
    if (f === null) return;
    this.#file = null;
    this.#map?.close();
    registry.unregister(this.#token);
    try {
      f.close();
    } catch {
      // already closed
    }
  }

  /** Closes the file (for `using`). */
  [Symbol.dispose](): void {
    this.close();
  }

  /** Waits for pending reads and writes, then closes the file (for `await using`). */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.#tail.catch(() => {});
    this.close();
  }

  #handle(): Deno.FsFile {
    if (this.#file === null) {
      throw new Deno.errors.BadResource(`Cannot use "${this.locator}": the file is closed`);
    }
    return this.#file;
  }

  // One operation at a time: reads and writes seek a shared file position.
  #exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#tail.then(fn, fn);
    this.#tail = run.catch(() => {});
    return run;
  }

  #region(region: RegionLike, verb: string): Region {
    return toRegion(this.shape, region, { context: `Cannot ${verb} "${this.locator}"` });
  }

  async #read(r: Region, into?: NDArray): Promise<NDArray> {
    const file = this.#handle();
    const inf: DTypeInfo = DTYPES[this.dtype];
    const sz = inf.bytes;
    const sr = this.fortranOrder ? reverseRegion(r) : r;
    const storage = this.fortranOrder ? [...this.shape].reverse() : this.shape;
    const n = sr.count.reduce((a, b) => a * b, 1);
    let out: Uint8Array;
    if (into) {
      const d = into.data as AnyTypedArray;
      out = new Uint8Array(d.buffer, d.byteOffset + into.offset * sz, n * sz);
    } else {
      const { buffer, byteOffset } = alignedBuffer(n * sz);
      out = new Uint8Array(buffer, byteOffset, n * sz);
    }
    let pos = 0;
    let scratch: Uint8Array | null = null;
    if (n > 0) {
      for (const [elem, count, step] of runs(storage, sr)) {
        const at = this.dataOffset + elem * sz;
        if (step === 1) {
          await this.#readAt(file, at, out.subarray(pos, pos + count * sz));
        } else if ((step - 1) * sz <= SPAN_MAX_GAP) {
          // read the covering span, in pieces of at most SCRATCH_BYTES, and pick
          const perSpan = Math.max(1, Math.floor((SCRATCH_BYTES / sz - 1) / step) + 1);
          scratch ??= scratchBuffer(Math.min(SCRATCH_BYTES, ((count - 1) * step + 1) * sz));
          for (let i = 0; i < count; i += perSpan) {
            const m = Math.min(perSpan, count - i);
            const span = scratch.subarray(0, ((m - 1) * step + 1) * sz);
            await this.#readAt(file, at + i * step * sz, span);
            pick(span, out, pos + i * sz, m, step, sz);
          }
        } else {
          for (let i = 0; i < count; i++) {
            const p = pos + i * sz;
            await this.#readAt(file, at + i * step * sz, out.subarray(p, p + sz));
          }
        }
        pos += count * sz;
      }
    }
    const word = inf.array.BYTES_PER_ELEMENT; // a complex element is two words
    if (this.bigEndian === NATIVE_LE) swapBytes(out, word);
    if (into) return into;
    const data = new inf.array(
      out.buffer as ArrayBuffer,
      out.byteOffset,
      (n * sz) / word,
    ) as ArrayOf<DType>;
    const a = new NDArray(this.dtype, data, sr.count);
    return this.fortranOrder ? a.transpose() : a;
  }

  async #write(r: Region, array: NDArray): Promise<void> {
    const file = this.#handle();
    const inf: DTypeInfo = DTYPES[this.dtype];
    const sz = inf.bytes;
    const sr = this.fortranOrder ? reverseRegion(r) : r;
    const storage = this.fortranOrder ? [...this.shape].reverse() : this.shape;
    const src = this.fortranOrder ? array.transpose() : array;
    if (src.size === 0) return;
    const bytes = cBytes(src, this.dtype, this.bigEndian);
    let pos = 0;
    for (const [elem, count, step] of runs(storage, sr)) {
      const at = this.dataOffset + elem * sz;
      if (step === 1) {
        await this.#writeAt(file, at, bytes.subarray(pos, pos + count * sz));
      } else {
        for (let i = 0; i < count; i++) {
          const p = pos + i * sz;
          await this.#writeAt(file, at + i * step * sz, bytes.subarray(p, p + sz));
        }
      }
      pos += count * sz;
    }
  }

  async #readAt(file: Deno.FsFile, at: number, dst: Uint8Array): Promise<void> {
    await readFull(file, at, dst, this.locator);
    this.#bytesRead += dst.length;
  }

  async #writeAt(file: Deno.FsFile, at: number, src: Uint8Array): Promise<void> {
    await writeFull(file, at, src);
    this.#bytesWritten += src.length;
  }
}

/**
 * Reads a whole `.npy` file. Big-endian data is converted to native byte
 * order; a Fortran-order file gives a view with Fortran strides.
 *
 * @param path The file.
 * @returns The array.
 * @throws {Deno.errors.NotFound} When the file does not exist.
 * @throws {FormatError} When the file is not a `.npy` file we can read.
 *
 * @example
 * ```ts
 * import { readNpy, writeNpy } from "./npy.ts";
 * import { fromArray } from "../core/ndarray.ts";
 * const dir = await Deno.makeTempDir();
 * await writeNpy(`${dir}/a.npy`, fromArray([[1.5, -2], [3, 4]], "float32"));
 * const a = await readNpy(`${dir}/a.npy`);
 * if (a.dtype !== "float32" || a.get(0, 1) !== -2) throw new Error("bad");
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function readNpy(path: string | URL): Promise<NDArray> {
  await using f = await NpyFile.open(path);
  return await f.read();
}

/**
 * Writes an array to a `.npy` file, little-endian, in C order unless
 * `fortranOrder` is set, with the header numpy would write (lowest version
 * that fits). The data goes to a temporary file in the same directory
 * (`.<name>.tessera-tmp-<pid>-<hex>`, io/output.ts) that is renamed over
 * `path` at the end, so a failure never leaves a complete-looking file.
 *
 * @param path The file to create or replace.
 * @param array The array (any layout).
 * @param options `fortranOrder`, `version` and `sync`.
 * @returns When the file is in place.
 * @throws {TypeError} When `array` is not an NDArray.
 *
 * @example
 * ```ts
 * import { readNpy, writeNpy } from "./npy.ts";
 * import { arange } from "../core/ndarray.ts";
 * const dir = await Deno.makeTempDir();
 * const a = arange(6, undefined, undefined, "int64").reshape([2, 3]);
 * await writeNpy(`${dir}/t.npy`, a.T, { fortranOrder: true });
 * const b = await readNpy(`${dir}/t.npy`);
 * if (b.shape.join() !== "3,2" || b.get(2, 1) !== 5n) throw new Error("bad");
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function writeNpy(
  path: string | URL,
  array: NDArray,
  options: NpyWriteOptions = {},
): Promise<void> {
  if (!(array instanceof NDArray)) {
    throw new TypeError(
      `Cannot write "${pathText(path)}": expected an NDArray, got ${typeName(array)}`,
    );
  }
  const fortran = options.fortranOrder === true;
  const header = formatHeader(array.dtype, array.shape, fortran, options.version);
  const target = pathText(path);
  await writeViaTemp(target, async (file) => {
    await writeFull(file, 0, header);
    const src = fortran ? array.transpose() : array;
    const sz = DTYPES[src.dtype].bytes;
    let at = header.length;
    if (src.isContiguous && NATIVE_LE) {
      const d = src.data as AnyTypedArray;
      await writeFull(
        file,
        at,
        new Uint8Array(d.buffer, d.byteOffset + src.offset * sz, src.nbytes),
      );
    } else if (src.size > 0) {
      // copy in slabs along the first axis so the extra memory stays bounded
      const rowBytes = src.nbytes / src.shape[0];
      const rows = Math.max(1, Math.floor(WRITE_SLAB / rowBytes));
      for (let i = 0; i < src.shape[0]; i += rows) {
        const part = src.slice(`${i}:${i + rows}`);
        const bytes = cBytes(part, src.dtype, false);
        await writeFull(file, at, bytes);
        at += bytes.length;
      }
    }
  }, { openError: (e) => openError(target, e), sync: syncOption(options.sync, target) });
}

/**
 * Creates a `.npy` file of a given shape and dtype: writes the header and
 * sizes the file (header + data, sparse where the file system allows), so
 * that regions can then be written independently, also by other processes
 * that open it with `NpyFile.open(path, { write: true })`. Unwritten
 * elements read as zero. An existing file at `path` is replaced; to publish
 * the result atomically, create it under a temporary name and rename it when
 * every writer has finished.
 *
 * @param path The file to create.
 * @param options `shape`, `dtype`, `fortranOrder` (default false) and `version`.
 * @returns The file, open for reading and writing.
 * @throws {TypeError} For an unknown dtype.
 * @throws {RangeError} For an invalid shape.
 *
 * @example
 * ```ts
 * import { createNpy } from "./npy.ts";
 * import { ones } from "../core/ndarray.ts";
 * const dir = await Deno.makeTempDir();
 * await using f = await createNpy(`${dir}/c.npy`, { shape: [1000, 10], dtype: "float64" });
 * await f.write("999", ones([1, 10]));
 * if ((await Deno.stat(`${dir}/c.npy`)).size !== 128 + 1000 * 10 * 8) throw new Error("bad size");
 * if ((await f.read("999:1000, 9")).get(0, 0) !== 1) throw new Error("bad value");
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function createNpy(path: string | URL, options: NpyCreateOptions): Promise<NpyFile> {
  const locator = pathText(path);
  if (typeof options !== "object" || options === null) {
    throw new TypeError(`Cannot create "${locator}": expected options { shape, dtype }`);
  }
  const { shape } = options;
  if (!Array.isArray(shape)) {
    throw new TypeError(
      `Cannot create "${locator}": shape must be an array, got ${typeName(shape)}`,
    );
  }
  if (!shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    throw new RangeError(
      `Cannot create "${locator}": invalid shape [${
        shape.join(",")
      }]: axis lengths must be non-negative integers`,
    );
  }
  const dtype = toDType(options.dtype);
  const fortran = options.fortranOrder === true;
  const nbytes = shape.reduce((a, b) => a * b, 1) * DTYPES[dtype].bytes;
  if (!Number.isSafeInteger(nbytes)) {
    throw new RangeError(`Cannot create "${locator}": shape [${shape.join(",")}] is too large`);
  }
  const header = formatHeader(dtype, shape, fortran, options.version);
  let file: Deno.FsFile;
  try {
    file = await Deno.open(path, { read: true, write: true, create: true, truncate: true });
  } catch (e) {
    throw openError(locator, e);
  }
  try {
    await writeFull(file, 0, header);
    await file.truncate(header.length + nbytes);
  } finally {
    file.close();
  }
  // reopen through the reader: the header we wrote is parsed back and checked
  return await NpyFile.open(path, { write: true });
}
