/**
 * netCDF-3 files (classic CDF-1, 64-bit offset CDF-2, 64-bit data CDF-5),
 * read by our own reader: the header (io/_netcdf3_header.ts) gives every
 * variable's shape, type, attributes and where its data lies; region reads
 * read only the byte runs the region covers, big-endian data converted to
 * native order. Record variables (along the unlimited dimension) interleave
 * record by record, so their outermost axis steps by the record size. Text
 * (`char`) variables are listed but not read as arrays.
 *
 * @example
 * ```ts
 * import { Nc3File } from "./netcdf3.ts";
 * import assert from "node:assert/strict";
 * // a classic file: dimension x = 2, variable short v(x) = 7, -1
 * const be = (n: number) => [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255];
 * const bytes = new Uint8Array([
 *   0x43, 0x44, 0x46, 1, ...be(0),
 *   ...be(10), ...be(1), ...be(1), 0x78, 0, 0, 0, ...be(2), // dimensions: x = 2
 *   ...be(0), ...be(0), // no global attributes
 *   ...be(11), ...be(1), ...be(1), 0x76, 0, 0, 0, ...be(1), ...be(0), // variable v(x)
 *   ...be(0), ...be(0), ...be(3), ...be(4), ...be(80), // no attributes, short, vsize 4, begin 80
 *   0, 7, 0xff, 0xff,
 * ]);
 * const dir = await Deno.makeTempDir();
 * await Deno.writeFile(`${dir}/v.nc`, bytes);
 * using f = await Nc3File.open(`${dir}/v.nc`);
 * assert.deepEqual((await f.variable("v").read()).toArray(), [7, -1]);
 * await Deno.remove(dir, { recursive: true });
 * ```
 *
 * @module
 */

import { type AnyTypedArray, type ArrayOf, type DType, DTYPES } from "../core/dtype.ts";
import { FormatError, ShapeMismatchError } from "../core/errors.ts";
import { NDArray } from "../core/ndarray.ts";
import { describeRegion, type Region, type RegionLike, toRegion } from "../core/indexer.ts";
import { alignedBuffer } from "./aligned_buffer.ts";
import {
  blockGrid,
  NATIVE_LE,
  openError,
  pathText,
  readFull,
  scratchBuffer,
  swapBytes,
  typeName,
} from "./_npy_io.ts";
import {
  type NcAttribute,
  type NcDimension,
  type NcHeader,
  type NcVariable,
  NeedMoreBytes,
  parseHeader,
} from "./_netcdf3_header.ts";
import type { ArraySource } from "./region.ts";

export type { NcAttribute, NcDimension, NcVariable };

/** Bytes read first for the header (most headers are a few kilobytes). */
const FIRST_HEADER_READ = 64 << 10;
/** Runs this close together are read as one span (cheaper than another read call). */
const MAX_GAP = 4096;
/** Largest span read through the scratch buffer. */
const SPAN_BYTES = 1 << 20;

const registry = new FinalizationRegistry<Deno.FsFile>((f) => {
  try {
    f.close();
  } catch {
    // already closed
  }
});

/** The byte runs of a region: `[offset from the variable's begin, bytes]`, in C order. */
function* byteRuns(
  shape: readonly number[],
  strides: readonly number[],
  sz: number,
  r: Region,
): Generator<[number, number]> {
  const d = shape.length;
  // trailing axes taken whole and laid out contiguously merge into one block
  let k = d;
  let block = sz;
  while (
    k > 0 && r.start[k - 1] === 0 && r.step[k - 1] === 1 && r.count[k - 1] === shape[k - 1] &&
    strides[k - 1] === block
  ) {
    k--;
    block *= shape[k];
  }
  let base = 0;
  let len = block;
  let outer = k;
  if (k > 0 && r.step[k - 1] === 1 && strides[k - 1] === block) {
    len = block * r.count[k - 1];
    outer = k - 1;
    base = r.start[outer] * strides[outer];
  }
  for (let i = 0; i < outer; i++) base += r.start[i] * strides[i];
  if (outer === 0) {
    yield [base, len];
    return;
  }
  const idx = new Array<number>(outer).fill(0);
  for (;;) {
    yield [base, len];
    let ax = outer - 1;
    while (ax >= 0) {
      idx[ax]++;
      base += r.step[ax] * strides[ax];
      if (idx[ax] < r.count[ax]) break;
      base -= r.count[ax] * r.step[ax] * strides[ax];
      idx[ax] = 0;
      ax--;
    }
    if (ax < 0) return;
  }
}

/**
 * An open netCDF-3 file: its dimensions, global attributes and variables,
 * and {@link Nc3File.variable} to read one as an {@link ArraySource}.
 */
export class Nc3File {
  /** The path the file was opened with. */
  readonly path: string;
  /** The parsed header. */
  readonly header: NcHeader;
  #file: Deno.FsFile | null;
  #bytesRead = 0;
  #tail: Promise<unknown> = Promise.resolve();
  #token = {};
  #scratch: Uint8Array | null = null;

  private constructor(file: Deno.FsFile, path: string, header: NcHeader, bytesRead: number) {
    this.#file = file;
    this.path = path;
    this.header = header;
    this.#bytesRead = bytesRead;
    registry.register(this, file, this.#token);
  }

  /**
   * Opens a netCDF-3 file and parses its header.
   *
   * @param path The file.
   * @returns The open file.
   * @throws {Deno.errors.NotFound} When the file does not exist (the message names it).
   * @throws {FormatError} When it is not a netCDF-3 file or its header is malformed
   *   (the message names the file and the field).
   *
   * @example
   * ```ts
   * import { Nc3File } from "./netcdf3.ts";
   * import assert from "node:assert/strict";
   * const dir = await Deno.makeTempDir();
   * // the smallest classic file: no dimensions, attributes or variables
   * await Deno.writeFile(`${dir}/e.nc`, new Uint8Array([67, 68, 70, 1, ...new Array(28).fill(0)]));
   * using f = await Nc3File.open(`${dir}/e.nc`);
   * assert.equal(f.header.version, 1);
   * assert.equal(f.header.variables.length, 0);
   * await Deno.remove(dir, { recursive: true });
   * ```
   */
  static async open(path: string | URL): Promise<Nc3File> {
    const locator = pathText(path);
    let file: Deno.FsFile;
    try {
      file = await Deno.open(path, { read: true });
    } catch (e) {
      throw openError(locator, e);
    }
    try {
      const st = await file.stat();
      if (!st.isFile) throw new FormatError(locator, "not a regular file");
      let want = Math.min(st.size, FIRST_HEADER_READ);
      let read = 0;
      for (;;) {
        const bytes = new Uint8Array(want);
        await readFull(file, 0, bytes, locator);
        read += want;
        try {
          const header = parseHeader(bytes, locator, st.size);
          return new Nc3File(file, locator, header, read);
        } catch (e) {
          if (!(e instanceof NeedMoreBytes)) throw e;
          want = Math.min(st.size, want * 4);
        }
      }
    } catch (e) {
      file.close();
      throw e;
    }
  }

  /** The netCDF-3 variant's name: `classic`, `64-bit offset` or `64-bit data`. */
  get kind(): string {
    const v = this.header.version;
    return v === 1 ? "classic" : v === 2 ? "64-bit offset" : "64-bit data";
  }

  /** Bytes read from the file through this handle so far (header included), for tests. */
  get bytesRead(): number {
    return this.#bytesRead;
  }

  /**
   * The header entry of a variable.
   *
   * @param name The variable's name (a leading `/` is ignored).
   * @returns Its shape, type, attributes and data offset.
   * @throws {FormatError} When the file has no such variable.
   *
   * @example
   * ```ts
   * import { Nc3File } from "./netcdf3.ts";
   * import assert from "node:assert/strict";
   * const dir = await Deno.makeTempDir();
   * await Deno.writeFile(`${dir}/e.nc`, new Uint8Array([67, 68, 70, 1, ...new Array(28).fill(0)]));
   * using f = await Nc3File.open(`${dir}/e.nc`);
   * assert.throws(() => f.describe("/t"), /no variable "t"/);
   * await Deno.remove(dir, { recursive: true });
   * ```
   */
  describe(name: string): NcVariable {
    const bare = name.replace(/^\/+/, "");
    const v = this.header.variables.find((x) => x.name === bare);
    if (v === undefined) {
      const names = this.header.variables.map((x) => x.name);
      throw new FormatError(
        this.path,
        `no variable "${bare}"${
          bare.includes("/") ? " (netCDF-3 files have no groups)" : ""
        }: the file has ${names.length ? names.join(", ") : "no variables"}`,
      );
    }
    return v;
  }

  /**
   * A variable as a region source (the file stays open until
   * {@link Nc3File.close}).
   *
   * @param name The variable's name (a leading `/` is ignored).
   * @returns The source.
   * @throws {FormatError} When there is no such variable, or it holds text (`char`).
   *
   * @example
   * ```ts
   * import { Nc3File } from "./netcdf3.ts";
   * import assert from "node:assert/strict";
   * const dir = await Deno.makeTempDir();
   * await Deno.writeFile(`${dir}/e.nc`, new Uint8Array([67, 68, 70, 2, ...new Array(28).fill(0)]));
   * using f = await Nc3File.open(`${dir}/e.nc`);
   * assert.throws(() => f.variable("x"), { name: "FormatError" });
   * await Deno.remove(dir, { recursive: true });
   * ```
   */
  variable(name: string): Nc3Variable {
    const v = this.describe(name);
    if (v.dtype === null) {
      throw new FormatError(
        this.path,
        `variable "${v.name}" holds text (netCDF type char), which is not read as a numeric array`,
      );
    }
    return new Nc3Variable(this, v, (r, out) => this.#exclusive(() => this.#read(v, r, out)));
  }

  /** Closes the file (idempotent). */
  close(): void {
    const f = this.#file;
    if (f === null) return;
    this.#file = null;
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

  /** Waits for pending reads, then closes the file (for `await using`). */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.#tail.catch(() => {});
    this.close();
  }

  // One read at a time: reads seek a shared file position.
  #exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#tail.then(fn, fn);
    this.#tail = run.catch(() => {});
    return run;
  }

  async #read(v: NcVariable, r: Region, into: NDArray | null): Promise<NDArray> {
    const file = this.#file;
    if (file === null) {
      throw new Deno.errors.BadResource(`Cannot use "${this.path}": the file is closed`);
    }
    const dtype = v.dtype as DType;
    const sz = v.itemsize;
    const n = r.count.reduce((a, b) => a * b, 1);
    let out: Uint8Array;
    if (into) {
      const d = into.data as AnyTypedArray;
      out = new Uint8Array(d.buffer, d.byteOffset + into.offset * sz, n * sz);
    } else {
      const { buffer, byteOffset } = alignedBuffer(n * sz);
      out = new Uint8Array(buffer, byteOffset, n * sz);
    }
    // byte strides: C order, except that records are `recsize` apart
    const strides = new Array<number>(v.shape.length);
    let acc = sz;
    for (let i = v.shape.length - 1; i >= 0; i--) {
      strides[i] = i === 0 && v.record ? this.header.recsize : acc;
      acc *= v.shape[i];
    }
    if (n > 0) await this.#gather(file, v.begin, byteRuns(v.shape, strides, sz, r), out);
    if (NATIVE_LE) swapBytes(out, sz);
    if (into) return into;
    const data = new DTYPES[dtype].array(out.buffer as ArrayBuffer, out.byteOffset, n);
    return new NDArray(dtype, data as ArrayOf<DType>, r.count);
  }

  // Reads the runs into `out` one after the other; runs close together are
  // read as one span through a scratch buffer and copied apart.
  async #gather(
    file: Deno.FsFile,
    begin: number,
    runs: Iterable<[number, number]>,
    out: Uint8Array,
  ): Promise<void> {
    let pos = 0;
    let group: [number, number, number][] = []; // [file offset, bytes, position in out]
    const flush = async (): Promise<void> => {
      if (group.length === 0) return;
      const first = group[0];
      const last = group[group.length - 1];
      if (group.length === 1) {
        await readFull(file, first[0], out.subarray(first[2], first[2] + first[1]), this.path);
        this.#bytesRead += first[1];
      } else {
        const span = last[0] + last[1] - first[0];
        this.#scratch ??= scratchBuffer(SPAN_BYTES);
        const s = this.#scratch.subarray(0, span);
        await readFull(file, first[0], s, this.path);
        this.#bytesRead += span;
        for (const [at, len, to] of group) {
          out.set(s.subarray(at - first[0], at - first[0] + len), to);
        }
      }
      group = [];
    };
    for (const [off, len] of runs) {
      const at = begin + off;
      if (group.length > 0) {
        const g0 = group[0][0];
        const end = group[group.length - 1][0] + group[group.length - 1][1];
        if (at < end || at - end > MAX_GAP || at + len - g0 > SPAN_BYTES) await flush();
      }
      group.push([at, len, pos]);
      pos += len;
    }
    await flush();
  }
}

/**
 * One numeric variable of a netCDF-3 file as a region source, with its
 * attributes, dimension names and `_FillValue` (raw, never CF-decoded).
 */
export class Nc3Variable implements ArraySource {
  /** `path:/name`. */
  readonly locator: string;
  /** The variable's name. */
  readonly name: string;
  /** Axis lengths (the number of records along the record dimension). */
  readonly shape: readonly number[];
  /** Element type (native byte order). */
  readonly dtype: DType;
  /** A block grid of about 32 MiB blocks (netCDF-3 data is not chunked). */
  readonly chunks: readonly number[];
  /** Attributes as stored. */
  readonly attributes: Readonly<Record<string, unknown>>;
  /** Dimension names, outermost first. */
  readonly dimensions: readonly string[];
  /** The `_FillValue` attribute, or null when there is none. */
  readonly fillValue: number | bigint | null;
  /** Whether the outermost axis is the record (unlimited) dimension. */
  readonly record: boolean;
  readonly #read: (r: Region, out: NDArray | null) => Promise<NDArray>;

  /**
   * Made by {@link Nc3File.variable}.
   *
   * @param file The open file.
   * @param v The variable's header entry.
   * @param read The file's reader.
   */
  constructor(
    file: Nc3File,
    v: NcVariable,
    read: (r: Region, out: NDArray | null) => Promise<NDArray>,
  ) {
    this.locator = `${file.path}:/${v.name}`;
    this.name = v.name;
    this.shape = Object.freeze([...v.shape]);
    this.dtype = v.dtype as DType;
    this.chunks = Object.freeze(blockGrid(v.shape, v.itemsize, false));
    this.attributes = v.attributes;
    this.dimensions = Object.freeze([...v.dimensions]);
    const fill = v.attributes._FillValue as NcAttribute | undefined;
    const first = Array.isArray(fill) ? fill[0] : fill;
    this.fillValue = typeof first === "number" || typeof first === "bigint" ? first : null;
    this.record = v.record;
    this.#read = read;
  }

  /**
   * Reads a region (default: the whole variable); only its bytes are read.
   *
   * @param region The region: a `Region`, a selection string or slice specs.
   * @returns A new C-contiguous array of shape `region.count`.
   * @throws {RangeError} When the region is outside the shape.
   *
   * @example
   * ```ts
   * import { Nc3File } from "./netcdf3.ts";
   * import assert from "node:assert/strict";
   * const be = (n: number) => [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255];
   * const dir = await Deno.makeTempDir();
   * await Deno.writeFile(`${dir}/v.nc`, new Uint8Array([
   *   0x43, 0x44, 0x46, 1, ...be(0), ...be(10), ...be(1), ...be(1), 0x78, 0, 0, 0, ...be(3),
   *   ...be(0), ...be(0), ...be(11), ...be(1), ...be(1), 0x76, 0, 0, 0, ...be(1), ...be(0),
   *   ...be(0), ...be(0), ...be(4), ...be(12), ...be(80), ...be(5), ...be(6), ...be(7),
   * ]));
   * using f = await Nc3File.open(`${dir}/v.nc`);
   * assert.deepEqual((await f.variable("v").read("1:")).toArray(), [6, 7]);
   * await Deno.remove(dir, { recursive: true });
   * ```
   */
  read(region?: RegionLike): Promise<NDArray> {
    try {
      return this.#read(this.#region(region), null);
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /**
   * Reads a region into a caller's C-contiguous array of this dtype and the
   * region's shape (a buffer reused from block to block).
   *
   * @param region The region.
   * @param out The destination.
   * @returns `out`, filled.
   * @throws {TypeError} When `out` is not a contiguous NDArray of the variable's dtype.
   * @throws {ShapeMismatchError} When `out`'s shape is not the region's.
   *
   * @example
   * ```ts
   * import { Nc3File } from "./netcdf3.ts";
   * import { zeros } from "../core/ndarray.ts";
   * import assert from "node:assert/strict";
   * const be = (n: number) => [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255];
   * const dir = await Deno.makeTempDir();
   * await Deno.writeFile(`${dir}/v.nc`, new Uint8Array([
   *   0x43, 0x44, 0x46, 1, ...be(0), ...be(10), ...be(1), ...be(1), 0x78, 0, 0, 0, ...be(2),
   *   ...be(0), ...be(0), ...be(11), ...be(1), ...be(1), 0x76, 0, 0, 0, ...be(1), ...be(0),
   *   ...be(0), ...be(0), ...be(4), ...be(8), ...be(80), ...be(-3), ...be(9),
   * ]));
   * using f = await Nc3File.open(`${dir}/v.nc`);
   * const out = zeros([2], "int32");
   * await f.variable("v").readInto(":", out);
   * assert.deepEqual(out.toArray(), [-3, 9]);
   * await Deno.remove(dir, { recursive: true });
   * ```
   */
  readInto(region: RegionLike, out: NDArray): Promise<NDArray> {
    try {
      const r = this.#region(region);
      if (!(out instanceof NDArray) || out.dtype !== this.dtype || !out.isContiguous) {
        throw new TypeError(
          `Cannot read "${this.locator}" into ${
            out instanceof NDArray ? `an array of dtype "${out.dtype}"` : typeName(out)
          }: expected a C-contiguous NDArray of dtype "${this.dtype}"`,
        );
      }
      if (out.shape.length !== r.count.length || out.shape.some((d, i) => d !== r.count[i])) {
        throw new ShapeMismatchError(
          `Cannot read region [${describeRegion(r)}] of "${this.locator}" into an array of shape [${
            out.shape.join(",")
          }]: the region has shape [${r.count.join(",")}]`,
        );
      }
      return this.#read(r, out);
    } catch (e) {
      return Promise.reject(e);
    }
  }

  #region(region: RegionLike): Region {
    return toRegion(this.shape, region, { context: `Cannot read "${this.locator}"` });
  }
}

/**
 * Opens one variable of a netCDF-3 file (`file.nc:/var` or `file.nc:var`);
 * closing the source's file closes the variable.
 *
 * @param path The file.
 * @param name The variable.
 * @returns The open file and the variable's source.
 * @throws {FormatError} When the file is not netCDF-3, or has no such numeric variable.
 *
 * @example
 * ```ts
 * import { openNc3Variable } from "./netcdf3.ts";
 * import assert from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeFile(`${dir}/e.nc`, new Uint8Array([67, 68, 70, 1, ...new Array(28).fill(0)]));
 * await assert.rejects(() => openNc3Variable(`${dir}/e.nc`, "/t"), /no variable "t"/);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function openNc3Variable(
  path: string,
  name: string,
): Promise<{ file: Nc3File; variable: Nc3Variable }> {
  const file = await Nc3File.open(path);
  try {
    return { file, variable: file.variable(name) };
  } catch (e) {
    file.close();
    throw e;
  }
}
