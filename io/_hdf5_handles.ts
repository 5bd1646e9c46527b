// What io/hdf5.ts (H5File), io/hdf5_dataset.ts (H5Dataset) and
// io/hdf5_parallel.ts share beyond the public API: id lifetimes, the memory
// and file types of each dtype, attributes, dataset metadata, and the
// internals each class hands over when it is defined. Private to io/.

import {
  type DType,
  DTYPES,
  hasFloat16,
  isComplex,
  type Scalar,
  scalarDType,
  toDType,
} from "../core/dtype.ts";
import { FormatError } from "../core/errors.ts";
import { extentProblem } from "../core/limits.ts";
import { empty, NDArray } from "../core/ndarray.ts";
import {
  check,
  cstr,
  H5D_LAYOUT,
  H5P_DEFAULT,
  H5S,
  H5S_UNLIMITED,
  H5T,
  H5T_CLASS_NAMES,
  H5T_VARIABLE,
  hdf5,
  hdf5Error,
  type Hid,
  hsize,
} from "../ffi/hdf5.ts";
import type { H5CreateOptions, H5Entry, H5File, H5Mode } from "./hdf5.ts";
import { readGenericAttribute, UnsupportedTypeError } from "./_hdf5_attrs.ts";
import { complexMemType, complexOf, complexTypeCount, makeComplexType } from "./_hdf5_complex.ts";
import type {
  H5AttributeOptions,
  H5AttributeValue,
  H5Dataset,
  H5DatasetInfo,
  H5Filter,
} from "./hdf5_dataset.ts";

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

export const registry = new FinalizationRegistry<{ id: Hid; close: (id: Hid) => number }>(
  (held) => {
    try {
      held.close(held.id);
    } catch {
      // the library may be gone at exit
    }
  },
);

export function closer(kind: "file" | "object"): (id: Hid) => number {
  const fn = hdf5().fn;
  return kind === "file" ? (id) => fn.H5Fclose(id) : (id) => fn.H5Oclose(id);
}

// Runs `body` with transient ids that are closed afterwards, whatever happens.
export function withIds<T>(body: (keep: (id: Hid, close: (id: Hid) => number) => Hid) => T): T {
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

/** How many memory types this module has built and keeps open (counted by libhdf5 as open objects). */
export function cachedTypeCount(): number {
  return (boolType === null ? 0 : 1) + (f16Type === null ? 0 : 1) + complexTypeCount();
}

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
export function memType(dtype: DType): Hid {
  if (dtype === "bool") return makeBoolType();
  if (isComplex(dtype)) return complexMemType(dtype);
  if (dtype === "float16") return makeFloat16Type();
  const ids = hdf5().ids as Readonly<Record<string, Hid>>;
  return ids[`${DTYPES[dtype].hdf5}_g`];
}

// A new file type for a dtype (the caller closes it).
export function fileType(dtype: DType, bigEndian: boolean): Hid {
  const fn = hdf5().fn;
  if (isComplex(dtype)) return makeComplexType(dtype, bigEndian);
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
  if (cls === H5T.COMPOUND) {
    const c = complexOf(tid, size);
    if (c) return { ok: true, ...c };
  }
  if (cls === H5T.ENUM && size === 1 && isBoolEnum(tid)) {
    return { ok: true, dtype: "bool", order: "none" };
  }
  if (cls === H5T.ENUM) {
    // as h5py: the base integer type (libhdf5 converts enum to numbers)
    const base = check(fn.H5Tget_super(tid), "H5Tget_super");
    try {
      return describeType(base);
    } finally {
      fn.H5Tclose(base);
    }
  }
  if (cls === H5T.BITFIELD) {
    // as h5py: unsigned integers of the same size (read through a native bitfield type)
    const name = ({ 1: "uint8", 2: "uint16", 4: "uint32", 8: "uint64" } as Record<number, DType>)[
      size
    ];
    if (name) return { ok: true, dtype: name, order: orderOf() };
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

// The memory type to read a file type of class `cls` as `dtype`: a native
// bitfield for bitfields (libhdf5 converts no bitfield to an integer; the
// bytes are the same), else memType.
function readType(cls: number, size: number, dtype: DType): Hid {
  if (cls !== H5T.BITFIELD) return memType(dtype);
  const ids = hdf5().ids;
  return [ids.H5T_NATIVE_B8_g, ids.H5T_NATIVE_B16_g, ids.H5T_NATIVE_B32_g, ids.H5T_NATIVE_B64_g][
    Math.log2(size)
  ];
}

/**
 * The memory type reads of a dataset use (owned by the module: never close
 * it): memType of its dtype, or a native bitfield for a bitfield dataset.
 */
export function datasetReadType(id: Hid, dtype: DType): Hid {
  const fn = hdf5().fn;
  const tid = check(fn.H5Dget_type(id), "H5Dget_type");
  try {
    return readType(fn.H5Tget_class(tid), Number(fn.H5Tget_size(tid)), dtype);
  } finally {
    fn.H5Tclose(tid);
  }
}

export function bytesOf(a: ArrayBufferView): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

// ---------------------------------------------------------------- helpers

export function normalizePath(path: string): string {
  if (typeof path !== "string") {
    throw new TypeError(`Invalid object path ${String(path)}: expected a string`);
  }
  const parts = path.split("/").filter((p) => p !== "" && p !== ".");
  return `/${parts.join("/")}`;
}

export function shapeText(shape: readonly (number | null)[]): string {
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
export function fits(arr: readonly number[], count: readonly number[]): boolean {
  if (sameShape(arr, count)) return true;
  const sq = (s: readonly number[]): number[] => s.filter((d) => d !== 1);
  return arr.reduce((a, b) => a * b, 1) === count.reduce((a, b) => a * b, 1) &&
    sameShape(sq(arr), sq(count));
}

export function contiguousBlock(shape: readonly number[], itemsize: number): number[] {
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
export function guessChunks(
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

// A complex fill value or attribute is reported by its real part.
function scalarOf(dtype: DType, data: ArrayBufferView): Scalar {
  const v = (data as unknown as ArrayLike<number | bigint>)[0];
  return dtype === "bool" ? v !== 0 : v;
}

// ---------------------------------------------------------------- attributes

export function readAttribute(
  obj: Hid,
  name: string,
  file: string,
  object: string,
): H5AttributeValue {
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
      // references, sequences, compounds, arrays
      try {
        return readGenericAttribute(aid, tid, shape, space);
      } catch (e) {
        if (!(e instanceof UnsupportedTypeError)) throw e;
        throw new FormatError(
          file,
          `attribute "${name}" of "${object}" has an unsupported datatype ${e.typeName}`,
          { cause: e },
        );
      }
    }
    const out = empty(shape, t.dtype);
    const mt = readType(fn.H5Tget_class(tid), Number(fn.H5Tget_size(tid)), t.dtype);
    if (n > 0) check(fn.H5Aread(aid, mt, bytesOf(out.data)), "H5Aread", ctx);
    return cls === H5S.SCALAR ? scalarOf(t.dtype, out.data) : out;
  });
}

// Attribute names in name order, or in creation order when `order` is
// "creation" and the object tracks it (netCDF-4 does: the order ncdump shows).
export function attributeNames(
  obj: Hid,
  file: string,
  object: string,
  order: "name" | "creation" = "name",
): string[] {
  if (order === "creation") {
    try {
      return iterateNames(obj, 1, file, object); // H5_INDEX_CRT_ORDER
    } catch {
      // creation order not tracked: name order
    }
  }
  return iterateNames(obj, 0, file, object); // H5_INDEX_NAME
}

function iterateNames(obj: Hid, index: number, file: string, object: string): string[] {
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
    // H5_ITER_INC = 0
    check(fn.H5Aiterate2(obj, index, 0, null, cb.pointer, null), "H5Aiterate2", { file, object });
  } finally {
    cb.close();
  }
  return names;
}

export function writeAttribute(
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

// A failed H5Fopen: FormatError when the file is not HDF5 or is truncated.
export function openError(path: string, code: bigint): Error {
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

export function datasetEntry(oid: Hid, path: string, file: string): H5Entry {
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

export function filtersOf(dcpl: Hid): H5Filter[] {
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

export function readInfo(id: Hid, file: string, path: string): H5DatasetInfo {
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
      const mt = readType(fn.H5Tget_class(tid), Number(fn.H5Tget_size(tid)), t.dtype);
      check(
        fn.H5Pget_fill_value(dcpl, mt, bytesOf(buf.data)),
        "H5Pget_fill_value",
        ctx,
      );
      fillValue = scalarOf(t.dtype, buf.data);
    }
    const chunks = chunkShape(dcpl, shape.length);
    const absurd = extentProblem(shape, DTYPES[t.dtype].bytes, chunks);
    if (absurd !== null) throw new FormatError(file, `dataset "${path}": ${absurd}`);
    return {
      path,
      shape,
      maxshape,
      dtype: t.dtype,
      byteOrder: t.order,
      layout: H5D_LAYOUT[fn.H5Pget_layout(dcpl)] ?? "contiguous",
      chunks,
      filters,
      compression: comp?.name ?? null,
      compressionLevel: comp?.id === 1 ? comp.values[0] ?? null : null,
      shuffle: filters.some((f) => f.id === 2),
      fillValue,
      fillValueSet: status[0] === 2, // H5D_FILL_VALUE_USER_DEFINED
    };
  });
}

/** The validated layout of a new dataset. */
export interface CreateLayout {
  readonly dtype: DType;
  readonly shape: number[];
  readonly maxshape: (number | null)[];
  readonly level: number;
  readonly chunks: number[] | null;
}

/**
 * Checks the options of `H5File.createDataset` and fills in the defaults
 * (dtype float64, maxshape = shape, gzip level 4, chunks guessed as h5py does
 * when compression, shuffle or a growable axis need them).
 *
 * @param options The options.
 * @param where The dataset (`"file.h5:/x"`), for messages.
 * @returns The layout.
 */
export function createLayout(options: H5CreateOptions, where: string): CreateLayout {
  const dtype = toDType(options.dtype ?? "float64");
  const shape = [...options.shape];
  for (const d of shape) {
    if (!Number.isSafeInteger(d) || d < 0) {
      throw new RangeError(`Invalid shape ${shapeText(shape)} for ${where}`);
    }
  }
  const maxshape = options.maxshape ? [...options.maxshape] : [...shape];
  if (
    maxshape.length !== shape.length ||
    maxshape.some((m, i) => m !== null && (!Number.isSafeInteger(m) || m < shape[i]))
  ) {
    throw new RangeError(
      `Invalid maxshape ${shapeText(maxshape)} for shape ${shapeText(shape)} of ${where}`,
    );
  }
  const level = options.compressionLevel ?? 4;
  if (options.compression !== undefined && !["gzip", "lz4", "bz2"].includes(options.compression)) {
    throw new TypeError(
      `Unsupported compression "${options.compression}": expected gzip, lz4, bz2`,
    );
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
      throw new RangeError(`Cannot chunk ${where}: a scalar dataset has no axes`);
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
        } of ${where}`,
      );
    }
  }
  return { dtype, shape, maxshape, level, chunks };
}

// ---------------------------------------------------------------- shared operations

/**
 * Removes the link to an object (collective under MPI-IO).
 *
 * @param fileId The file.
 * @param path Object path.
 * @param file The file's name, for messages.
 */
export function unlink(fileId: Hid, path: string, file: string): void {
  const p = normalizePath(path);
  check(hdf5().fn.H5Ldelete(fileId, cstr(p), H5P_DEFAULT), "H5Ldelete", { file, object: p });
}

/**
 * Deletes an attribute of an object when it exists (collective under MPI-IO).
 *
 * @param id The object.
 * @param name Attribute name.
 * @param ctx File and object, for messages.
 */
export function deleteAttribute(
  id: Hid,
  name: string,
  ctx: { readonly file: string; readonly object: string },
): void {
  const fn = hdf5().fn;
  const where = { file: ctx.file, object: `${ctx.object}@${name}` };
  if (check(fn.H5Aexists(id, cstr(name)), "H5Aexists", where) > 0) {
    check(fn.H5Adelete(id, cstr(name)), "H5Adelete", where);
  }
}

// ---------------------------------------------------------------- internals of the classes
//
// H5File (hdf5.ts) and H5Dataset (hdf5_dataset.ts) keep their ids in #private
// fields. What the other HDF5 modules need of them beyond the public API is
// handed over here by each class's static block when the class is defined.

/** What the HDF5 modules may do with an {@link H5File} beyond its public API. */
export interface FileInternals {
  /**
   * Opens with a file access property list (the MPI-IO driver) and a transfer
   * property list used by every read and write of the file's datasets. Takes
   * ownership of `dxpl` (closed with the file, or here on failure).
   */
  open(path: string, mode: H5Mode, fapl: Hid, dxpl: Hid | null): H5File;
  /** The file id (throws when the file is closed). */
  id(file: H5File): Hid;
  /**
   * `createDataset` with storage options for writers that write every
   * element: `fillNever` never writes fill values (under MPI-IO, storage is
   * allocated at creation and would otherwise be filled first).
   */
  createDataset(
    file: H5File,
    path: string,
    options: H5CreateOptions,
    storage: { readonly fillNever?: boolean },
  ): H5Dataset;
}

/** What the HDF5 modules may do with an {@link H5Dataset} beyond its public API. */
export interface DatasetInternals {
  /** Wraps an open dataset id (closing it on failure). */
  wrap(id: Hid, file: H5File, path: string, dxpl: Hid | null): H5Dataset;
  /** Makes closing the dataset close its file too. */
  ownFile(ds: H5Dataset): H5Dataset;
  /** The dataset id (throws when the dataset is closed). */
  id(ds: H5Dataset): Hid;
  /** The transfer property list of the dataset's reads and writes, or null for the default. */
  dxpl(ds: H5Dataset): Hid | null;
}

let fileInternalsOf: FileInternals | null = null;
let datasetInternalsOf: DatasetInternals | null = null;

/** Called once, by H5File's static block. */
export function defineFileInternals(internals: FileInternals): void {
  fileInternalsOf = internals;
}

/** Called once, by H5Dataset's static block. */
export function defineDatasetInternals(internals: DatasetInternals): void {
  datasetInternalsOf = internals;
}

/** H5File's internals (io/hdf5.ts must have been loaded). */
export function fileInternals(): FileInternals {
  if (fileInternalsOf === null) throw new Error("io/hdf5.ts is not loaded");
  return fileInternalsOf;
}

/** H5Dataset's internals (io/hdf5_dataset.ts must have been loaded). */
export function datasetInternals(): DatasetInternals {
  if (datasetInternalsOf === null) throw new Error("io/hdf5_dataset.ts is not loaded");
  return datasetInternalsOf;
}
