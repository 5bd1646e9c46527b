/**
 * HDF5 files through the real libhdf5 (1.10 or later, loaded on first use):
 * `H5File` for groups, listings and attributes, `H5Dataset` for region reads
 * and writes straight into and out of NDArray buffers, and `openDataset` for a
 * locator such as `era5.h5:/t2m`.
 *
 * @module
 */

import {
  type DType,
  DTYPES,
  hasFloat16,
  type Scalar,
  scalarDType,
  toDType,
} from "../core/dtype.ts";
import { FormatError, ShapeMismatchError } from "../core/errors.ts";
import { empty, NDArray } from "../core/ndarray.ts";
import {
  check,
  cstr,
  H5D_FILL_TIME,
  H5D_LAYOUT,
  H5D_MPIO_IO_MODES,
  H5E_DEFAULT,
  H5F_ACC,
  H5F_OBJ,
  H5I,
  H5P_DEFAULT,
  H5S,
  H5S_ALL,
  H5S_UNLIMITED,
  H5T,
  H5T_CLASS_NAMES,
  H5T_VARIABLE,
  hdf5,
  hdf5Error,
  type Hid,
  hsize,
} from "../ffi/hdf5.ts";
import type { ArraySink, ArraySource, Region, RegionLike } from "./region.ts";
import { describeRegion, toRegion } from "./region.ts";
import { parseLocator } from "./locator.ts";

export { Hdf5Error } from "../ffi/hdf5.ts";

/**
 * How a file is opened: `"r"` read-only (the default), `"r+"` read-write,
 * `"w"` create or truncate, `"x"` create and fail if the file exists.
 */
export type H5Mode = "r" | "r+" | "w" | "x";

/** Options of {@link H5File.open}. */
export interface H5FileOptions {
  /** How to open the file (default `"r"`: nothing can be written). */
  readonly mode?: H5Mode;
}

/** One entry of {@link H5File.list}. */
export interface H5Entry {
  /** Absolute object path (`/group/dataset`). */
  readonly path: string;
  /** What the object is. */
  readonly kind: "group" | "dataset";
  /** Dataset shape (datasets only). */
  readonly shape?: readonly number[];
  /** Dataset element type, null when Tessera cannot read it (datasets only). */
  readonly dtype?: DType | null;
  /** HDF5 class name of a type Tessera cannot read (`H5T_COMPOUND`), else absent. */
  readonly unsupportedType?: string;
  /** Storage chunk shape, null for contiguous or compact storage (datasets only). */
  readonly chunks?: readonly number[] | null;
}

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
}

/**
 * An attribute value. Reading gives a number (bigint for 64-bit integers,
 * boolean for bool) for numeric scalars, an NDArray for numeric arrays, a
 * string or an array of strings for strings, null for an empty attribute.
 */
export type H5AttributeValue = Scalar | string | string[] | NDArray | null;

/** Options of {@link H5File.setAttribute}. */
export interface H5AttributeOptions {
  /** Store strings as fixed-length (NUL-padded UTF-8) instead of variable-length. */
  readonly fixedLength?: boolean;
  /** Element type for a number or numeric array (default: the value's own). */
  readonly dtype?: DType;
}

/** Options of {@link H5File.createDataset}. */
export interface H5CreateOptions {
  /** Shape. */
  readonly shape: readonly number[];
  /** Element type (default float64). */
  readonly dtype?: DType;
  /** Chunk shape; chosen automatically when chunking is needed and this is absent. */
  readonly chunks?: readonly number[];
  /** Maximum shape; null for an unlimited axis (needs chunks). Default: `shape`. */
  readonly maxshape?: readonly (number | null)[];
  /** Compression filter (needs chunks). */
  readonly compression?: "gzip";
  /** gzip level 0-9 (default 4, as h5py). */
  readonly compressionLevel?: number;
  /** Byte shuffle before compression. */
  readonly shuffle?: boolean;
  /** Value of elements never written. */
  readonly fillValue?: Scalar;
  /** Store big-endian values (default: native order). */
  readonly bigEndian?: boolean;
  /** Data to write at once (shape `shape`, any dtype: converted). */
  readonly data?: NDArray;
}

const CONTIGUOUS_BLOCK_BYTES = 32 * 2 ** 20;

const FILTER_NAMES: Readonly<Record<number, string>> = {
  1: "gzip",
  2: "shuffle",
  3: "fletcher32",
  4: "szip",
  5: "nbit",
  6: "scaleoffset",
  307: "bzip2",
  32000: "lzf",
  32001: "blosc",
  32004: "lz4",
  32008: "bitshuffle",
  32015: "zstd",
};
const NOT_COMPRESSION = new Set([2, 3, 5, 6]);

// ---------------------------------------------------------------- ids

const registry = new FinalizationRegistry<{ id: Hid; close: (id: Hid) => number }>((held) => {
  try {
    held.close(held.id);
  } catch {
    // the library may be gone at exit
  }
});

function closer(kind: "file" | "object"): (id: Hid) => number {
  const fn = hdf5().fn;
  return kind === "file" ? (id) => fn.H5Fclose(id) : (id) => fn.H5Oclose(id);
}

// Runs `body` with transient ids that are closed afterwards, whatever happens.
function withIds<T>(body: (keep: (id: Hid, close: (id: Hid) => number) => Hid) => T): T {
  const held: [Hid, (id: Hid) => number][] = [];
  try {
    return body((id, close) => {
      held.push([id, close]);
      return id;
    });
  } finally {
    for (let i = held.length - 1; i >= 0; i--) held[i][1](held[i][0]);
  }
}

// ---------------------------------------------------------------- types

let boolType: Hid | null = null;
let f16Type: Hid | null = null;

function makeBoolType(): Hid {
  if (boolType === null) {
    const { fn, ids } = hdf5();
    const t = check(fn.H5Tenum_create(ids.H5T_NATIVE_INT8_g), "H5Tenum_create");
    check(fn.H5Tenum_insert(t, cstr("FALSE"), new Int8Array([0])), "H5Tenum_insert");
    check(fn.H5Tenum_insert(t, cstr("TRUE"), new Int8Array([1])), "H5Tenum_insert");
    boolType = t;
  }
  return boolType;
}

// IEEE half precision, built as h5py builds it.
function makeFloat16Type(): Hid {
  if (f16Type === null) {
    const { fn, ids } = hdf5();
    const t = check(fn.H5Tcopy(ids.H5T_IEEE_F32LE_g), "H5Tcopy");
    check(fn.H5Tset_fields(t, 15n, 10n, 5n, 0n, 10n), "H5Tset_fields");
    check(fn.H5Tset_size(t, 2n), "H5Tset_size");
    check(fn.H5Tset_ebias(t, 15n), "H5Tset_ebias");
    f16Type = t;
  }
  return f16Type;
}

// The memory type of a dtype (owned by the module: never close it): the
// native type named by the dtype table's `hdf5` column, except bool (h5py's
// 1-byte enum) and float16 (no native type in HDF5 1.10), which are built here.
function memType(dtype: DType): Hid {
  if (dtype === "bool") return makeBoolType();
  if (dtype === "float16") return makeFloat16Type();
  const ids = hdf5().ids as Readonly<Record<string, Hid>>;
  return ids[`${DTYPES[dtype].hdf5}_g`];
}

// A new file type for a dtype (the caller closes it).
function fileType(dtype: DType, bigEndian: boolean): Hid {
  const fn = hdf5().fn;
  const t = check(fn.H5Tcopy(memType(dtype)), "H5Tcopy");
  if (bigEndian && DTYPES[dtype].bytes > 1) check(fn.H5Tset_order(t, 1), "H5Tset_order");
  return t;
}

type TypeDesc =
  | { ok: true; dtype: DType; order: "little" | "big" | "none" }
  | { ok: false; name: string };

function describeType(tid: Hid): TypeDesc {
  const fn = hdf5().fn;
  const cls = fn.H5Tget_class(tid);
  const size = Number(fn.H5Tget_size(tid));
  const orderOf = (): "little" | "big" | "none" => {
    const o = fn.H5Tget_order(tid);
    return size === 1 ? "none" : o === 1 ? "big" : o === 0 ? "little" : "none";
  };
  if (cls === H5T.INTEGER) {
    const signed = fn.H5Tget_sign(tid) === 1;
    const name = ({ 1: "int8", 2: "int16", 4: "int32", 8: "int64" } as Record<number, DType>)[
      size
    ];
    if (!name) return { ok: false, name: `H5T_INTEGER of ${size} bytes` };
    return { ok: true, dtype: (signed ? name : `u${name}`) as DType, order: orderOf() };
  }
  if (cls === H5T.FLOAT) {
    if (size === 4) return { ok: true, dtype: "float32", order: orderOf() };
    if (size === 8) return { ok: true, dtype: "float64", order: orderOf() };
    if (size === 2) {
      return { ok: true, dtype: hasFloat16() ? "float16" : "float32", order: orderOf() };
    }
    return { ok: false, name: `H5T_FLOAT of ${size} bytes` };
  }
  if (cls === H5T.ENUM && size === 1 && isBoolEnum(tid)) {
    return { ok: true, dtype: "bool", order: "none" };
  }
  return { ok: false, name: H5T_CLASS_NAMES[cls] ?? `HDF5 type class ${cls}` };
}

// h5py stores bool as an enum of one byte with FALSE = 0 and TRUE = 1.
function isBoolEnum(tid: Hid): boolean {
  const fn = hdf5().fn;
  if (fn.H5Tget_nmembers(tid) !== 2) return false;
  const names: string[] = [];
  const values: number[] = [];
  for (let i = 0; i < 2; i++) {
    const p = fn.H5Tget_member_name(tid, i);
    if (p === null) return false;
    names.push(Deno.UnsafePointerView.getCString(p));
    fn.H5free_memory(p);
    const v = new Int8Array(1);
    if (fn.H5Tget_member_value(tid, i, v) < 0) return false;
    values.push(v[0]);
  }
  const byName = Object.fromEntries(names.map((n, i) => [n, values[i]]));
  return byName.FALSE === 0 && byName.TRUE === 1;
}

function bytesOf(a: ArrayBufferView): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

// ---------------------------------------------------------------- helpers

function normalizePath(path: string): string {
  if (typeof path !== "string") {
    throw new TypeError(`Invalid object path ${String(path)}: expected a string`);
  }
  const parts = path.split("/").filter((p) => p !== "" && p !== ".");
  return `/${parts.join("/")}`;
}

function shapeText(shape: readonly (number | null)[]): string {
  return `[${shape.map((d) => (d === null ? "None" : d)).join(",")}]`;
}

function spaceShape(space: Hid): { shape: number[]; maxshape: (number | null)[] } {
  const fn = hdf5().fn;
  const cls = fn.H5Sget_simple_extent_type(space);
  if (cls === H5S.SCALAR) return { shape: [], maxshape: [] };
  if (cls === H5S.NULL) return { shape: [0], maxshape: [0] };
  const nd = check(fn.H5Sget_simple_extent_ndims(space), "H5Sget_simple_extent_ndims");
  const dims = new BigUint64Array(nd);
  const max = new BigUint64Array(nd);
  check(fn.H5Sget_simple_extent_dims(space, dims, max), "H5Sget_simple_extent_dims");
  return {
    shape: [...dims].map(Number),
    maxshape: [...max].map((m) => (m === H5S_UNLIMITED ? null : Number(m))),
  };
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

// Whether `arr` can fill a region of shape `count`: the same shape, or the
// same axes once axes of length 1 are dropped.
function fits(arr: readonly number[], count: readonly number[]): boolean {
  if (sameShape(arr, count)) return true;
  const sq = (s: readonly number[]): number[] => s.filter((d) => d !== 1);
  return arr.reduce((a, b) => a * b, 1) === count.reduce((a, b) => a * b, 1) &&
    sameShape(sq(arr), sq(count));
}

function contiguousBlock(shape: readonly number[], itemsize: number): number[] {
  const block = shape.map(() => 1);
  let bytes = itemsize;
  for (let i = shape.length - 1; i >= 0; i--) {
    const n = Math.max(shape[i], 1);
    if (bytes * n <= CONTIGUOUS_BLOCK_BYTES) {
      block[i] = n;
      bytes *= n;
    } else {
      block[i] = Math.max(1, Math.floor(CONTIGUOUS_BLOCK_BYTES / bytes));
      break;
    }
  }
  return block;
}

// A chunk shape of about 1 MiB or less, as h5py guesses one.
function guessChunks(
  shape: readonly number[],
  maxshape: readonly (number | null)[],
  itemsize: number,
): number[] {
  const chunks = shape.map((d, i) => Math.max(1, d === 0 && maxshape[i] === null ? 1024 : d));
  const size = (): number => chunks.reduce((a, b) => a * b, itemsize);
  let i = 0;
  while (size() > 2 ** 20 && chunks.some((c) => c > 1)) {
    const ax = i % chunks.length;
    if (chunks[ax] > 1) chunks[ax] = Math.ceil(chunks[ax] / 2);
    i++;
  }
  return chunks;
}

function scalarOf(dtype: DType, data: ArrayBufferView): Scalar {
  const v = (data as unknown as ArrayLike<number | bigint>)[0];
  return dtype === "bool" ? v !== 0 : v;
}

// ---------------------------------------------------------------- attributes

function readAttribute(obj: Hid, name: string, file: string, object: string): H5AttributeValue {
  const fn = hdf5().fn;
  const ctx = { file, object: `${object}@${name}` };
  return withIds((keep) => {
    const aid = keep(check(fn.H5Aopen(obj, cstr(name), H5P_DEFAULT), "H5Aopen", ctx), fn.H5Aclose);
    const space = keep(check(fn.H5Aget_space(aid), "H5Aget_space", ctx), fn.H5Sclose);
    const tid = keep(check(fn.H5Aget_type(aid), "H5Aget_type", ctx), fn.H5Tclose);
    const cls = fn.H5Sget_simple_extent_type(space);
    if (cls === H5S.NULL) return null;
    const { shape } = spaceShape(space);
    const n = shape.reduce((a, b) => a * b, 1);
    if (fn.H5Tget_class(tid) === H5T.STRING) {
      const strings: string[] = [];
      if (check(fn.H5Tis_variable_str(tid), "H5Tis_variable_str", ctx) > 0) {
        const mt = keep(check(fn.H5Tcopy(hdf5().ids.H5T_C_S1_g), "H5Tcopy"), fn.H5Tclose);
        check(fn.H5Tset_size(mt, H5T_VARIABLE), "H5Tset_size");
        check(fn.H5Tset_cset(mt, fn.H5Tget_cset(tid)), "H5Tset_cset");
        const ptrs = new BigUint64Array(n);
        check(fn.H5Aread(aid, mt, ptrs), "H5Aread", ctx);
        for (const p of ptrs) {
          const ptr = Deno.UnsafePointer.create(p);
          strings.push(ptr === null ? "" : Deno.UnsafePointerView.getCString(ptr));
          if (ptr !== null) fn.H5free_memory(ptr);
        }
      } else {
        const size = Number(fn.H5Tget_size(tid));
        const buf = new Uint8Array(n * size);
        check(fn.H5Aread(aid, tid, buf), "H5Aread", ctx);
        const dec = new TextDecoder();
        for (let i = 0; i < n; i++) {
          const s = buf.subarray(i * size, (i + 1) * size);
          const end = s.indexOf(0);
          strings.push(dec.decode(end >= 0 ? s.subarray(0, end) : s).replace(/ +$/, ""));
        }
      }
      return cls === H5S.SCALAR ? strings[0] : strings;
    }
    const t = describeType(tid);
    if (!t.ok) {
      throw new FormatError(
        file,
        `attribute "${name}" of "${object}" has an unsupported datatype ${t.name}`,
      );
    }
    const out = empty(shape, t.dtype);
    if (n > 0) check(fn.H5Aread(aid, memType(t.dtype), bytesOf(out.data)), "H5Aread", ctx);
    return cls === H5S.SCALAR ? scalarOf(t.dtype, out.data) : out;
  });
}

function attributeNames(obj: Hid, file: string, object: string): string[] {
  const fn = hdf5().fn;
  const names: string[] = [];
  const cb = new Deno.UnsafeCallback(
    { parameters: ["i64", "pointer", "pointer", "pointer"], result: "i32" } as const,
    (_loc, name) => {
      if (name !== null) names.push(Deno.UnsafePointerView.getCString(name));
      return 0;
    },
  );
  try {
    // H5_INDEX_NAME = 0, H5_ITER_INC = 0
    check(fn.H5Aiterate2(obj, 0, 0, null, cb.pointer, null), "H5Aiterate2", { file, object });
  } finally {
    cb.close();
  }
  return names;
}

function writeAttribute(
  obj: Hid,
  name: string,
  value: H5AttributeValue,
  options: H5AttributeOptions,
  ctx: { file: string; object: string },
): void {
  const { fn, ids } = hdf5();
  const actx = { file: ctx.file, object: `${ctx.object}@${name}` };
  const cname = cstr(name);
  withIds((keep) => {
    if (check(fn.H5Aexists(obj, cname), "H5Aexists", actx) > 0) {
      check(fn.H5Adelete(obj, cname), "H5Adelete", actx);
    }
    const create = (type: Hid, shape: readonly number[] | null): Hid => {
      const space = keep(
        check(
          shape === null
            ? fn.H5Screate(H5S.SCALAR)
            : fn.H5Screate_simple(shape.length, hsize(shape), null),
          "H5Screate",
          actx,
        ),
        fn.H5Sclose,
      );
      return keep(
        check(fn.H5Acreate2(obj, cname, type, space, H5P_DEFAULT, H5P_DEFAULT), "H5Acreate2", actx),
        fn.H5Aclose,
      );
    };
    if (value === null) {
      throw new TypeError(`Cannot write attribute "${name}": null has no HDF5 type`);
    }
    if (typeof value === "string" || Array.isArray(value)) {
      const list = typeof value === "string" ? [value] : value;
      if (!list.every((s) => typeof s === "string")) {
        throw new TypeError(`Cannot write attribute "${name}": arrays must hold only strings`);
      }
      const shape = typeof value === "string" ? null : [list.length];
      const enc = list.map((s) => new TextEncoder().encode(s));
      const t = keep(check(fn.H5Tcopy(ids.H5T_C_S1_g), "H5Tcopy"), fn.H5Tclose);
      check(fn.H5Tset_cset(t, 1), "H5Tset_cset"); // H5T_CSET_UTF8
      if (options.fixedLength) {
        const size = Math.max(1, ...enc.map((e) => e.length));
        check(fn.H5Tset_size(t, BigInt(size)), "H5Tset_size");
        check(fn.H5Tset_strpad(t, 1), "H5Tset_strpad"); // H5T_STR_NULLPAD
        const buf = new Uint8Array(size * list.length);
        enc.forEach((e, i) => buf.set(e, i * size));
        check(fn.H5Awrite(create(t, shape), t, buf), "H5Awrite", actx);
      } else {
        check(fn.H5Tset_size(t, H5T_VARIABLE), "H5Tset_size");
        const cs = list.map(cstr);
        const ptrs = BigUint64Array.from(
          cs,
          (c) => BigInt(Deno.UnsafePointer.value(Deno.UnsafePointer.of(c))),
        );
        check(fn.H5Awrite(create(t, shape), t, ptrs), "H5Awrite", actx);
        cs.length = 0;
      }
      return;
    }
    let arr: NDArray;
    let scalar = false;
    if (value instanceof NDArray) {
      arr = options.dtype && options.dtype !== value.dtype ? value.astype(options.dtype) : value;
      if (!arr.isContiguous) arr = arr.copy();
    } else if (["number", "bigint", "boolean"].includes(typeof value)) {
      const d = toDType(options.dtype ?? scalarDType(value as Scalar));
      arr = empty([1], d);
      arr.set([0], value as Scalar);
      scalar = true;
    } else {
      throw new TypeError(
        `Cannot write attribute "${name}": unsupported value of type ${typeof value}`,
      );
    }
    const aid = create(memType(arr.dtype), scalar || arr.ndim === 0 ? null : arr.shape);
    if (arr.size > 0) {
      const data = arr.toTypedArray() as ArrayBufferView;
      check(fn.H5Awrite(aid, memType(arr.dtype), bytesOf(data)), "H5Awrite", actx);
    }
  });
}

// ---------------------------------------------------------------- H5File

const OPEN_MODES: readonly H5Mode[] = ["r", "r+", "w", "x"];

/**
 * An open HDF5 file. Read-only unless opened with mode `"r+"`, `"w"` or
 * `"x"`. Close it with `close()` or `using`.
 *
 * @example
 * ```ts
 * import { H5File } from "./hdf5.ts";
 * import { arange } from "../core/ndarray.ts";
 * import assert from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * {
 *   using f = H5File.open(`${dir}/a.h5`, { mode: "w" });
 *   using ds = f.createDataset("/g/x", { shape: [2, 3], dtype: "int32", data: arange(6).reshape([2, 3]) });
 *   f.setAttribute("/g", "units", "m");
 *   assert.equal(ds.dtype, "int32");
 * }
 * using f = H5File.open(`${dir}/a.h5`);
 * assert.deepEqual(f.list().map((e) => e.path), ["/g", "/g/x"]);
 * assert.equal(f.getAttribute("/g", "units"), "m");
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export class H5File implements Disposable {
  #id: Hid | null;
  #token = {};
  #dxpl: Hid | null;
  /** The file's path. */
  readonly path: string;
  /** How the file was opened. */
  readonly mode: H5Mode;

  private constructor(id: Hid, path: string, mode: H5Mode, dxpl: Hid | null = null) {
    this.#id = id;
    this.path = path;
    this.mode = mode;
    this.#dxpl = dxpl;
    registry.register(this, { id, close: closer("file") }, this.#token);
  }

  /**
   * Opens (or creates) a file.
   *
   * @param path The file's path.
   * @param options `mode`: `"r"` (default), `"r+"`, `"w"` (create or truncate), `"x"` (create new).
   * @returns The open file.
   * @throws {Deno.errors.NotFound} When a file opened with `"r"` or `"r+"` does not exist.
   * @throws {FormatError} When the file is not HDF5 or is truncated.
   * @throws {Hdf5Error} When the library fails otherwise.
   *
   * @example
   * ```ts
   * import { H5File } from "./hdf5.ts";
   * import assert from "node:assert/strict";
   * const dir = await Deno.makeTempDir();
   * using f = H5File.open(`${dir}/new.h5`, { mode: "w" });
   * assert.equal(f.mode, "w");
   * f.close();
   * await Deno.remove(dir, { recursive: true });
   * ```
   */
  static open(path: string, options: H5FileOptions = {}): H5File {
    return H5File._open(path, options.mode ?? "r", H5P_DEFAULT, null);
  }

  /**
   * @internal Opens with a file access property list (the MPI-IO driver) and
   * a transfer property list used by every read and write of the file's
   * datasets. Takes ownership of `dxpl` (closed with the file, or here on failure).
   */
  static _open(path: string, mode: H5Mode, fapl: Hid, dxpl: Hid | null): H5File {
    try {
      return H5File.#open(path, mode, fapl, dxpl);
    } catch (e) {
      if (dxpl !== null) hdf5().fn.H5Pclose(dxpl);
      throw e;
    }
  }

  static #open(path: string, mode: H5Mode, fapl: Hid, dxpl: Hid | null): H5File {
    if (!OPEN_MODES.includes(mode)) {
      throw new TypeError(`Invalid mode "${mode}": expected one of ${OPEN_MODES.join(", ")}`);
    }
    if (typeof path !== "string" || path === "") {
      throw new TypeError(`Invalid path ${JSON.stringify(path)}: expected a file name`);
    }
    const { fn } = hdf5();
    const ctx = { file: path };
    if (mode === "w" || mode === "x") {
      const flags = mode === "w" ? H5F_ACC.TRUNC : H5F_ACC.EXCL;
      const id = check(fn.H5Fcreate(cstr(path), flags, H5P_DEFAULT, fapl), "H5Fcreate", ctx);
      return new H5File(id, path, mode, dxpl);
    }
    try {
      const st = Deno.statSync(path);
      if (!st.isFile) throw new FormatError(path, "not a file");
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) {
        throw new Deno.errors.NotFound(`Cannot open "${path}": no such file`, { cause: e });
      }
      throw e;
    }
    const flags = mode === "r+" ? H5F_ACC.RDWR : H5F_ACC.RDONLY;
    const id = fn.H5Fopen(cstr(path), flags, fapl);
    if (id < 0) throw openError(path, id);
    return new H5File(id, path, mode, dxpl);
  }

  /**
   * The number of HDF5 objects (files, datasets, groups, named types,
   * attributes) open in this process, for leak checks.
   *
   * @returns The count (0 when everything has been closed).
   *
   * @example
   * ```ts
   * import { H5File } from "./hdf5.ts";
   * import assert from "node:assert/strict";
   * assert.equal(H5File.openObjectCount(), 0);
   * ```
   */
  static openObjectCount(): number {
    const lib = hdf5();
    const n = check(lib.fn.H5Fget_obj_count(BigInt(H5F_OBJ.ALL), H5F_OBJ.ALL), "H5Fget_obj_count");
    // the two memory types cached by this module (bool, float16) count as open datatypes,
    // and so do objects other isolates of this process held when the library was loaded
    return Number(n) - lib.objectsAtLoad - (boolType === null ? 0 : 1) - (f16Type === null ? 0 : 1);
  }

  /**
   * The version of the loaded libhdf5 (`1.10.8`) and where it was loaded from.
   *
   * @returns Version and path.
   *
   * @example
   * ```ts
   * import { H5File } from "./hdf5.ts";
   * import assert from "node:assert/strict";
   * assert.match(H5File.library().version, /^1\.\d+\.\d+$/);
   * ```
   */
  static library(): { version: string; path: string } {
    const h = hdf5();
    return { version: h.version, path: h.path };
  }

  /** Whether the file is still open. */
  get isOpen(): boolean {
    return this.#id !== null;
  }

  /** @internal The file id (throws when closed). */
  get id(): Hid {
    if (this.#id === null) throw new TypeError(`Cannot use "${this.path}": the file is closed`);
    return this.#id;
  }

  /**
   * What the object at `path` is, or null when there is none.
   *
   * @param path Object path (`/group/dataset`).
   * @returns `"group"`, `"dataset"`, `"datatype"` or null.
   */
  kind(path: string): "group" | "dataset" | "datatype" | null {
    const p = normalizePath(path);
    if (p !== "/" && this.#missing(p) !== null) return null;
    return withIds((keep) => {
      const fn = hdf5().fn;
      const oid = keep(
        check(fn.H5Oopen(this.id, cstr(p), H5P_DEFAULT), "H5Oopen", this.#ctx(p)),
        fn.H5Oclose,
      );
      const t = fn.H5Iget_type(oid);
      return t === H5I.GROUP ? "group" : t === H5I.DATASET ? "dataset" : "datatype";
    });
  }

  /**
   * Lists the groups and datasets below a group, parents before children,
   * members in name order (as h5py's `visit`). Objects that cannot be
   * opened (dangling soft links, missing external files) are skipped.
   *
   * @param group The group to start from (default `/`, not itself listed).
   * @param options `recursive` (default true).
   * @returns The entries.
   */
  list(group = "/", options: { recursive?: boolean } = {}): H5Entry[] {
    const root = normalizePath(group);
    const out: H5Entry[] = [];
    const fn = hdf5().fn;
    const gid = this.#openObject(root, "group");
    try {
      this.#walk(gid, root, options.recursive ?? true, out, 0);
    } finally {
      fn.H5Oclose(gid);
    }
    return out;
  }

  #walk(gid: Hid, path: string, recursive: boolean, out: H5Entry[], depth: number): void {
    const fn = hdf5().fn;
    const ginfo = new BigUint64Array(4); // H5G_info_t: storage_type, nlinks, max_corder, mounted
    check(fn.H5Gget_info(gid, ginfo), "H5Gget_info", this.#ctx(path));
    const n = Number(ginfo[1]);
    const dot = cstr(".");
    for (let i = 0; i < n; i++) {
      let buf = new Uint8Array(256);
      let len = Number(
        check(
          fn.H5Lget_name_by_idx(gid, dot, 0, 0, BigInt(i), buf, 256n, H5P_DEFAULT),
          "H5Lget_name_by_idx",
          this.#ctx(path),
        ),
      );
      if (len >= 256) {
        buf = new Uint8Array(len + 1);
        len = Number(fn.H5Lget_name_by_idx(gid, dot, 0, 0, BigInt(i), buf, BigInt(len + 1), 0n));
      }
      const name = new TextDecoder().decode(buf.subarray(0, len));
      const child = path === "/" ? `/${name}` : `${path}/${name}`;
      const oid = fn.H5Oopen(gid, cstr(name), H5P_DEFAULT);
      if (oid < 0) {
        fn.H5Eclear2(H5E_DEFAULT);
        continue;
      }
      try {
        const t = fn.H5Iget_type(oid);
        if (t === H5I.GROUP) {
          out.push({ path: child, kind: "group" });
          if (recursive && depth < 64) this.#walk(oid, child, recursive, out, depth + 1);
        } else if (t === H5I.DATASET) {
          out.push(datasetEntry(oid, child, this.path));
        }
      } finally {
        fn.H5Oclose(oid);
      }
    }
  }

  /**
   * Opens a dataset. Close it (or use `using`); the file stays usable.
   *
   * @param path Object path.
   * @returns The dataset.
   * @throws {FormatError} When there is no such dataset, the path is a group,
   *   or its datatype is not supported (named by its HDF5 class, `H5T_COMPOUND`).
   */
  dataset(path: string): H5Dataset {
    const p = normalizePath(path);
    const id = this.#openObject(p, "dataset");
    return H5Dataset._wrap(id, this, p, this.#dxpl);
  }

  /**
   * Creates a dataset (and any missing parent groups).
   *
   * @param path Object path.
   * @param options Shape, dtype, chunks, maxshape, compression, shuffle, fill value, data.
   * @returns The new dataset, open.
   * @throws {Deno.errors.AlreadyExists} When the object exists.
   * @throws {RangeError} For inconsistent shapes, chunks or compression levels.
   */
  createDataset(path: string, options: H5CreateOptions): H5Dataset {
    return this._createDataset(path, options, {});
  }

  /**
   * @internal {@link createDataset} with storage options for writers that
   * write every element: `fillNever` never writes fill values (under MPI-IO,
   * storage is allocated at creation and would otherwise be filled first).
   */
  _createDataset(
    path: string,
    options: H5CreateOptions,
    storage: { readonly fillNever?: boolean },
  ): H5Dataset {
    const p = normalizePath(path);
    const { fn, ids } = hdf5();
    const ctx = this.#ctx(p);
    const dtype = toDType(options.dtype ?? "float64");
    const shape = [...options.shape];
    for (const d of shape) {
      if (!Number.isSafeInteger(d) || d < 0) {
        throw new RangeError(`Invalid shape ${shapeText(shape)} for "${this.path}:${p}"`);
      }
    }
    const maxshape = options.maxshape ? [...options.maxshape] : [...shape];
    if (
      maxshape.length !== shape.length ||
      maxshape.some((m, i) => m !== null && (!Number.isSafeInteger(m) || m < shape[i]))
    ) {
      throw new RangeError(
        `Invalid maxshape ${shapeText(maxshape)} for shape ${
          shapeText(shape)
        } of "${this.path}:${p}"`,
      );
    }
    const level = options.compressionLevel ?? 4;
    if (options.compression !== undefined && options.compression !== "gzip") {
      throw new TypeError(`Unsupported compression "${options.compression}": expected "gzip"`);
    }
    if (!Number.isInteger(level) || level < 0 || level > 9) {
      throw new RangeError(`Invalid gzip level ${level}: expected an integer from 0 to 9`);
    }
    const needChunks = options.compression !== undefined || options.shuffle === true ||
      maxshape.some((m, i) => m !== shape[i]);
    let chunks = options.chunks ? [...options.chunks] : null;
    if (chunks === null && needChunks && shape.length > 0) {
      chunks = guessChunks(shape, maxshape, DTYPES[dtype].bytes);
    }
    if (chunks !== null) {
      if (shape.length === 0) {
        throw new RangeError(`Cannot chunk "${this.path}:${p}": a scalar dataset has no axes`);
      }
      if (
        chunks.length !== shape.length ||
        chunks.some((c, i) =>
          !Number.isSafeInteger(c) || c < 1 || (maxshape[i] !== null && c > (maxshape[i] as number))
        )
      ) {
        throw new RangeError(
          `Invalid chunks ${shapeText(chunks)} for shape ${shapeText(shape)} and maxshape ${
            shapeText(maxshape)
          } of "${this.path}:${p}"`,
        );
      }
    }
    if (this.#exists(p)) {
      throw new Deno.errors.AlreadyExists(
        `Cannot create "${this.path}:${p}": an object with that name exists`,
      );
    }
    const id = withIds((keep) => {
      const space = keep(
        check(
          shape.length === 0 ? fn.H5Screate(H5S.SCALAR) : fn.H5Screate_simple(
            shape.length,
            hsize(shape),
            BigUint64Array.from(maxshape, (m) => (m === null ? H5S_UNLIMITED : BigInt(m))),
          ),
          "H5Screate_simple",
          ctx,
        ),
        fn.H5Sclose,
      );
      const dcpl = keep(
        check(fn.H5Pcreate(ids.H5P_CLS_DATASET_CREATE_ID_g), "H5Pcreate", ctx),
        fn.H5Pclose,
      );
      if (chunks !== null) {
        check(fn.H5Pset_chunk(dcpl, chunks.length, hsize(chunks)), "H5Pset_chunk", ctx);
      }
      if (options.shuffle) check(fn.H5Pset_shuffle(dcpl), "H5Pset_shuffle", ctx);
      if (options.compression === "gzip") {
        check(fn.H5Pset_deflate(dcpl, level), "H5Pset_deflate", ctx);
      }
      if (storage.fillNever) {
        check(fn.H5Pset_fill_time(dcpl, H5D_FILL_TIME.NEVER), "H5Pset_fill_time", ctx);
      }
      if (options.fillValue !== undefined) {
        const fill = empty([1], dtype);
        fill.set([0], options.fillValue);
        check(
          fn.H5Pset_fill_value(dcpl, memType(dtype), bytesOf(fill.data)),
          "H5Pset_fill_value",
          ctx,
        );
      }
      const lcpl = keep(
        check(fn.H5Pcreate(ids.H5P_CLS_LINK_CREATE_ID_g), "H5Pcreate"),
        fn.H5Pclose,
      );
      check(fn.H5Pset_create_intermediate_group(lcpl, 1), "H5Pset_create_intermediate_group");
      const type = keep(fileType(dtype, options.bigEndian ?? false), fn.H5Tclose);
      return check(
        fn.H5Dcreate2(this.id, cstr(p), type, space, lcpl, dcpl, H5P_DEFAULT),
        "H5Dcreate2",
        ctx,
      );
    });
    const ds = H5Dataset._wrap(id, this, p, this.#dxpl);
    if (options.data !== undefined) {
      try {
        ds.writeSync(undefined, options.data);
      } catch (e) {
        ds.close();
        throw e;
      }
    }
    return ds;
  }

  /**
   * Creates a group and any missing parents; does nothing when it exists.
   *
   * @param path Group path.
   */
  createGroup(path: string): void {
    const p = normalizePath(path);
    if (p === "/" || this.kind(p) === "group") return;
    const { fn, ids } = hdf5();
    withIds((keep) => {
      const lcpl = keep(
        check(fn.H5Pcreate(ids.H5P_CLS_LINK_CREATE_ID_g), "H5Pcreate"),
        fn.H5Pclose,
      );
      check(fn.H5Pset_create_intermediate_group(lcpl, 1), "H5Pset_create_intermediate_group");
      keep(
        check(
          fn.H5Gcreate2(this.id, cstr(p), lcpl, H5P_DEFAULT, H5P_DEFAULT),
          "H5Gcreate2",
          this.#ctx(p),
        ),
        fn.H5Gclose,
      );
    });
  }

  /**
   * Reads every attribute of an object.
   *
   * @param path Object path (default `/`).
   * @returns Attribute values by name, in name order.
   */
  attributes(path = "/"): Record<string, H5AttributeValue> {
    const p = normalizePath(path);
    return this.#withObject(p, (oid) => {
      const out: Record<string, H5AttributeValue> = {};
      for (const name of attributeNames(oid, this.path, p)) {
        out[name] = readAttribute(oid, name, this.path, p);
      }
      return out;
    });
  }

  /**
   * Reads one attribute.
   *
   * @param path Object path.
   * @param name Attribute name.
   * @returns Its value.
   * @throws {FormatError} When there is no such attribute or its type is unsupported.
   */
  getAttribute(path: string, name: string): H5AttributeValue {
    const p = normalizePath(path);
    return this.#withObject(p, (oid) => {
      if (check(hdf5().fn.H5Aexists(oid, cstr(name)), "H5Aexists", this.#ctx(p)) <= 0) {
        throw new FormatError(this.path, `object "${p}" has no attribute "${name}"`);
      }
      return readAttribute(oid, name, this.path, p);
    });
  }

  /**
   * Writes (or replaces) an attribute. Strings are variable-length UTF-8
   * unless `fixedLength`; integers are int64 and other numbers float64 unless
   * `dtype` says otherwise; booleans are stored as h5py does.
   *
   * @param path Object path.
   * @param name Attribute name.
   * @param value A scalar, a string, an array of strings, or an NDArray.
   * @param options `fixedLength` for strings, `dtype` for numbers.
   */
  setAttribute(
    path: string,
    name: string,
    value: H5AttributeValue,
    options: H5AttributeOptions = {},
  ): void {
    const p = normalizePath(path);
    this.#withObject(p, (oid) => writeAttribute(oid, name, value, options, this.#ctx(p)));
  }

  /**
   * @internal Removes the link to an object (collective under MPI-IO).
   *
   * @param path Object path.
   */
  _unlink(path: string): void {
    const p = normalizePath(path);
    check(hdf5().fn.H5Ldelete(this.id, cstr(p), H5P_DEFAULT), "H5Ldelete", this.#ctx(p));
  }

  /** Writes buffered data to disk. */
  flush(): void {
    check(hdf5().fn.H5Fflush(this.id, 1), "H5Fflush", { file: this.path }); // H5F_SCOPE_GLOBAL
  }

  /** Closes the file (idempotent). Datasets still open keep it alive until they close. */
  close(): void {
    if (this.#id === null) return;
    const id = this.#id;
    this.#id = null;
    registry.unregister(this.#token);
    try {
      check(hdf5().fn.H5Fclose(id), "H5Fclose", { file: this.path });
    } finally {
      if (this.#dxpl !== null) hdf5().fn.H5Pclose(this.#dxpl);
      this.#dxpl = null;
    }
  }

  /** Closes the file. */
  [Symbol.dispose](): void {
    this.close();
  }

  #ctx(object: string): { file: string; object: string } {
    return { file: this.path, object };
  }

  #exists(p: string): boolean {
    return p === "/" || this.#missing(p) === null;
  }

  // The first missing component of p with its parent, or null when p exists.
  #missing(p: string): { parent: string; name: string; notGroup: boolean } | null {
    const fn = hdf5().fn;
    const parts = p.split("/").filter((s) => s);
    let prefix = "";
    for (const part of parts) {
      const parent = prefix || "/";
      prefix = `${prefix}/${part}`;
      const r = fn.H5Lexists(this.id, cstr(prefix), H5P_DEFAULT);
      if (r < 0) {
        fn.H5Eclear2(H5E_DEFAULT);
        return { parent, name: part, notGroup: true };
      }
      if (r === 0) return { parent, name: part, notGroup: false };
    }
    return null;
  }

  #openObject(p: string, want: "group" | "dataset" | "any"): Hid {
    const fn = hdf5().fn;
    const miss = p === "/" ? null : this.#missing(p);
    if (miss !== null) {
      throw new FormatError(
        this.path,
        `no ${want === "any" ? "object" : want} "${p}": ${
          miss.notGroup
            ? `"${miss.parent}" is not a group`
            : `group "${miss.parent}" has no member "${miss.name}"`
        }`,
      );
    }
    const oid = check(fn.H5Oopen(this.id, cstr(p), H5P_DEFAULT), "H5Oopen", this.#ctx(p));
    const t = fn.H5Iget_type(oid);
    const kind = t === H5I.GROUP ? "group" : t === H5I.DATASET ? "dataset" : "named datatype";
    if (want !== "any" && kind !== want) {
      fn.H5Oclose(oid);
      throw new FormatError(this.path, `"${p}" is a ${kind}, not a ${want}`);
    }
    return oid;
  }

  #withObject<T>(p: string, body: (oid: Hid) => T): T {
    const oid = this.#openObject(p, "any");
    try {
      return body(oid);
    } finally {
      hdf5().fn.H5Oclose(oid);
    }
  }
}

// A failed H5Fopen: FormatError when the file is not HDF5 or is truncated.
function openError(path: string, code: bigint): Error {
  const err = hdf5Error("H5Fopen", Number(code), { file: path });
  const stack = err.hdf5Stack.join("\n");
  if (/file signature not found/.test(stack)) {
    return new FormatError(path, "not an HDF5 file (no HDF5 signature)", { cause: err });
  }
  const truncated = /truncated file[^\n(]*/.exec(stack);
  if (truncated) {
    return new FormatError(path, truncated[0].trim(), { cause: err });
  }
  return err;
}

function datasetEntry(oid: Hid, path: string, file: string): H5Entry {
  const fn = hdf5().fn;
  return withIds((keep) => {
    const ctx = { file, object: path };
    const space = keep(check(fn.H5Dget_space(oid), "H5Dget_space", ctx), fn.H5Sclose);
    const tid = keep(check(fn.H5Dget_type(oid), "H5Dget_type", ctx), fn.H5Tclose);
    const dcpl = keep(check(fn.H5Dget_create_plist(oid), "H5Dget_create_plist", ctx), fn.H5Pclose);
    const t = describeType(tid);
    const { shape } = spaceShape(space);
    return {
      path,
      kind: "dataset" as const,
      shape,
      dtype: t.ok ? t.dtype : null,
      ...(t.ok ? {} : { unsupportedType: t.name }),
      chunks: chunkShape(dcpl, shape.length),
    };
  });
}

function chunkShape(dcpl: Hid, ndim: number): number[] | null {
  const fn = hdf5().fn;
  if (fn.H5Pget_layout(dcpl) !== 2 || ndim === 0) return null;
  const dims = new BigUint64Array(ndim);
  check(fn.H5Pget_chunk(dcpl, ndim, dims), "H5Pget_chunk");
  return [...dims].map(Number);
}

function filtersOf(dcpl: Hid): H5Filter[] {
  const fn = hdf5().fn;
  const n = fn.H5Pget_nfilters(dcpl);
  const out: H5Filter[] = [];
  for (let i = 0; i < n; i++) {
    const flags = new Uint32Array(1);
    const nelmts = new BigUint64Array([16n]);
    const values = new Uint32Array(16);
    const name = new Uint8Array(64);
    const config = new Uint32Array(1);
    const id = check(
      fn.H5Pget_filter2(dcpl, i, flags, nelmts, values, 64n, name, config),
      "H5Pget_filter2",
    );
    const end = name.indexOf(0);
    const libName = new TextDecoder().decode(name.subarray(0, end < 0 ? 64 : end));
    out.push({
      id,
      name: FILTER_NAMES[id] ?? (libName || `filter ${id}`),
      values: [...values.subarray(0, Math.min(16, Number(nelmts[0])))],
    });
  }
  return out;
}

// ---------------------------------------------------------------- H5Dataset

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
  /** Absolute object path inside the file. */
  readonly path: string;

  private constructor(id: Hid, file: H5File, path: string, info: H5DatasetInfo, dxpl: Hid | null) {
    this.#id = id;
    this.#file = file;
    this.#ownsFile = false;
    this.#info = info;
    this.#dxpl = dxpl;
    this.path = path;
    registry.register(this, { id, close: closer("object") }, this.#token);
  }

  /** @internal Wraps an open dataset id (closing it on failure). */
  static _wrap(id: Hid, file: H5File, path: string, dxpl: Hid | null): H5Dataset {
    let info: H5DatasetInfo;
    try {
      info = readInfo(id, file.path, path);
    } catch (e) {
      hdf5().fn.H5Oclose(id);
      throw e;
    }
    return new H5Dataset(id, file, path, info, dxpl);
  }

  /** @internal Makes closing the dataset close its file too. */
  _ownFile(): this {
    this.#ownsFile = true;
    return this;
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

  /** Metadata: shape, maxshape, dtype, byte order, layout, chunks, filters, fill value. */
  get info(): H5DatasetInfo {
    return this.#info;
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
    try {
      return toRegion(this.#info.shape, region);
    } catch (e) {
      if (e instanceof RangeError || e instanceof SyntaxError) {
        const E = e instanceof RangeError ? RangeError : SyntaxError;
        throw new E(`Cannot ${verb} "${this.locator}": ${e.message}`, { cause: e });
      }
      throw e;
    }
  }

  // Runs body with (memory space, file space) selecting the region.
  #withSpaces<T>(r: Region, body: (mem: Hid, fspace: Hid) => T): T {
    const fn = hdf5().fn;
    if (this.ndim === 0) return body(H5S_ALL, H5S_ALL);
    return withIds((keep) => {
      const ctx = this.#ctx();
      const fs = keep(check(fn.H5Dget_space(this.#idOrThrow()), "H5Dget_space", ctx), fn.H5Sclose);
      check(
        fn.H5Sselect_hyperslab(fs, 0, hsize(r.start), hsize(r.step), hsize(r.count), null),
        "H5Sselect_hyperslab",
        ctx,
      );
      const ms = keep(
        check(fn.H5Screate_simple(r.count.length, hsize(r.count), null), "H5Screate_simple", ctx),
        fn.H5Sclose,
      );
      return body(ms, fs);
    });
  }

  /**
   * Reads a region into a new C-contiguous array (synchronously).
   *
   * @param region A region, a selection string (`"0:10, ::2"`), or nothing for all.
   * @returns The block, of shape `region.count`, dtype {@link dtype}.
   * @throws {RangeError} When the region is outside the dataspace.
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
    return this.#readInto(r, out);
  }

  #readInto(r: Region, out: NDArray): NDArray {
    if (out.size === 0) return out;
    const fn = hdf5().fn;
    this.#withSpaces(r, (ms, fs) => {
      check(
        fn.H5Dread(
          this.#idOrThrow(),
          memType(this.dtype),
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
   * @internal One H5Dread or H5Dwrite between `block` (C-contiguous, of this
   * dataset's dtype) and the dataset, with selections made by `select` on a
   * copy of the file dataspace and on a memory dataspace of the block's shape.
   * Under MPI-IO every rank must call it (the transfer is collective).
   *
   * @returns The I/O mode MPI-IO actually used (`contiguous-collective`, ...), or null.
   */
  _transfer(
    kind: "read" | "write",
    block: NDArray,
    select: (fileSpace: Hid, memSpace: Hid) => void,
  ): string | null {
    const fn = hdf5().fn;
    const ctx = this.#ctx();
    if (block.dtype !== this.dtype || !block.isContiguous) {
      throw new TypeError(
        `Cannot ${kind} "${this.locator}": the block must be C-contiguous ${this.dtype}`,
      );
    }
    const id = this.#idOrThrow();
    withIds((keep) => {
      const fs = keep(check(fn.H5Dget_space(id), "H5Dget_space", ctx), fn.H5Sclose);
      const dims = block.ndim === 0 ? [1] : block.shape;
      const ms = keep(
        check(fn.H5Screate_simple(dims.length, hsize(dims), null), "H5Screate_simple", ctx),
        fn.H5Sclose,
      );
      select(fs, ms);
      const data = block.size === 0 ? new Uint8Array(DTYPES[this.dtype].bytes) : bytesOf(
        block.toTypedArray() as ArrayBufferView,
      );
      const dxpl = this.#dxpl ?? H5P_DEFAULT;
      if (kind === "read") {
        check(fn.H5Dread(id, memType(this.dtype), ms, fs, dxpl, data), "H5Dread", ctx);
      } else {
        check(fn.H5Dwrite(id, memType(this.dtype), ms, fs, dxpl, data), "H5Dwrite", ctx);
      }
    });
    if (this.#dxpl === null || fn.H5Pget_mpio_actual_io_mode === null) return null;
    const mode = new Int32Array(1);
    check(fn.H5Pget_mpio_actual_io_mode(this.#dxpl, mode), "H5Pget_mpio_actual_io_mode", ctx);
    return H5D_MPIO_IO_MODES[mode[0]] ?? `mode ${mode[0]}`;
  }

  /**
   * Reads a region into a new C-contiguous array.
   *
   * @param region A region, a selection string, or nothing for all.
   * @returns The block.
   */
  read(region?: RegionLike): Promise<NDArray> {
    try {
      return Promise.resolve(this.readSync(region));
    } catch (e) {
      return Promise.reject(e);
    }
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
    this.#withSpaces(r, (ms, fs) => {
      check(
        fn.H5Dwrite(
          this.#idOrThrow(),
          memType(a.dtype),
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
   */
  write(region: RegionLike, array: NDArray): Promise<void> {
    try {
      this.writeSync(region, array);
      return Promise.resolve();
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /**
   * Changes the shape of a chunked dataset within its maxshape.
   *
   * @param shape The new shape.
   * @throws {RangeError} When the shape exceeds maxshape or has the wrong rank.
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
   * Reads every attribute of the dataset.
   *
   * @returns Attribute values by name.
   */
  attributes(): Record<string, H5AttributeValue> {
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
   */
  setAttribute(name: string, value: H5AttributeValue, options: H5AttributeOptions = {}): void {
    writeAttribute(this.#idOrThrow(), name, value, options, this.#ctx());
  }

  /**
   * @internal Deletes an attribute of the dataset when it exists (collective under MPI-IO).
   *
   * @param name Attribute name.
   */
  _deleteAttribute(name: string): void {
    const id = this.#idOrThrow();
    const fn = hdf5().fn;
    const ctx = { file: this.file, object: `${this.path}@${name}` };
    if (check(fn.H5Aexists(id, cstr(name)), "H5Aexists", ctx) > 0) {
      check(fn.H5Adelete(id, cstr(name)), "H5Adelete", ctx);
    }
  }

  /** Closes the dataset (idempotent), and its file when it was opened by {@link openDataset}. */
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

function readInfo(id: Hid, file: string, path: string): H5DatasetInfo {
  const fn = hdf5().fn;
  const ctx = { file, object: path };
  return withIds((keep) => {
    const space = keep(check(fn.H5Dget_space(id), "H5Dget_space", ctx), fn.H5Sclose);
    const tid = keep(check(fn.H5Dget_type(id), "H5Dget_type", ctx), fn.H5Tclose);
    const dcpl = keep(check(fn.H5Dget_create_plist(id), "H5Dget_create_plist", ctx), fn.H5Pclose);
    const t = describeType(tid);
    if (!t.ok) {
      throw new FormatError(file, `dataset "${path}" has an unsupported datatype ${t.name}`);
    }
    if (fn.H5Sget_simple_extent_type(space) === H5S.NULL) {
      throw new FormatError(file, `dataset "${path}" has an empty (H5S_NULL) dataspace`);
    }
    const { shape, maxshape } = spaceShape(space);
    const filters = filtersOf(dcpl);
    const comp = filters.find((f) => !NOT_COMPRESSION.has(f.id)) ?? null;
    const status = new Int32Array(1);
    check(fn.H5Pfill_value_defined(dcpl, status), "H5Pfill_value_defined", ctx);
    let fillValue: Scalar | null = null;
    if (status[0] !== 0) {
      const buf = empty([1], t.dtype);
      check(
        fn.H5Pget_fill_value(dcpl, memType(t.dtype), bytesOf(buf.data)),
        "H5Pget_fill_value",
        ctx,
      );
      fillValue = scalarOf(t.dtype, buf.data);
    }
    return {
      path,
      shape,
      maxshape,
      dtype: t.dtype,
      byteOrder: t.order,
      layout: H5D_LAYOUT[fn.H5Pget_layout(dcpl)] ?? "contiguous",
      chunks: chunkShape(dcpl, shape.length),
      filters,
      compression: comp?.name ?? null,
      compressionLevel: comp?.id === 1 ? comp.values[0] ?? null : null,
      shuffle: filters.some((f) => f.id === 2),
      fillValue,
    };
  });
}

// ---------------------------------------------------------------- openDataset

/**
 * Opens the dataset named by a locator (`file.h5:/group/dataset`). Closing
 * the dataset closes the file.
 *
 * @param locator The locator.
 * @param options `mode` (default `"r"`; `"r+"` to write).
 * @returns The open dataset.
 * @throws {SyntaxError} When the locator is not an HDF5 locator with an object path.
 *
 * @example
 * ```ts
 * import { H5File, openDataset } from "./hdf5.ts";
 * import { arange } from "../core/ndarray.ts";
 * import assert from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * H5File.open(`${dir}/t.h5`, { mode: "w" })
 *   .createDataset("/a/b", { shape: [3], dtype: "int16", data: arange(3) }).close();
 * using ds = await openDataset(`${dir}/t.h5:/a/b`);
 * assert.deepEqual((await ds.read()).toArray(), [0, 1, 2]);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export function openDataset(
  locator: string,
  options: { mode?: "r" | "r+" } = {},
): Promise<H5Dataset> {
  try {
    const loc = parseLocator(locator);
    if (loc.format !== "hdf5") {
      throw new SyntaxError(`Cannot open "${locator}" as HDF5: its format is ${loc.format}`);
    }
    const file = H5File.open(loc.path, { mode: options.mode ?? "r" });
    try {
      return Promise.resolve(file.dataset(loc.object as string)._ownFile());
    } catch (e) {
      file.close();
      throw e;
    }
  } catch (e) {
    return Promise.reject(e);
  }
}
