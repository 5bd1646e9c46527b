// HDF5 attributes of every type netCDF-C, h5py and the HDF5 tools write,
// beyond plain numbers and strings: object and region references (as the
// referenced object's path), variable-length sequences (netCDF's
// DIMENSION_LIST), compounds (as objects: REFERENCE_LIST), enums (their
// integer values, as h5py), bitfields (unsigned integers) and fixed-size
// arrays. Also the netCDF-4 view of a dataset: its dimension names and the
// attributes a netCDF reader shows. Private to io/.

import { NDArray } from "../core/ndarray.ts";
import {
  check,
  cstr,
  H5P_DEFAULT,
  H5R,
  H5T,
  H5T_CLASS_NAMES,
  hdf5,
  type Hid,
} from "../ffi/hdf5.ts";
import type { H5AttributeValue } from "./hdf5_dataset.ts";
// a cycle inside io/: used only inside functions, after both modules have loaded
import { attributeNames, readAttribute } from "./_hdf5_handles.ts";

/** A value no decoder here can show (opaque data, H5T_TIME): says which type. */
export class UnsupportedTypeError extends Error {
  /** The HDF5 type's name (`H5T_OPAQUE`). */
  readonly typeName: string;
  constructor(typeName: string) {
    super(`unsupported type ${typeName}`);
    this.name = "UnsupportedTypeError";
    this.typeName = typeName;
  }
}

type Decode = (bytes: Uint8Array, view: DataView, at: number) => H5AttributeValue;

interface Layout {
  readonly size: number;
  readonly decode: Decode;
}

function typeName(tid: Hid): string {
  const fn = hdf5().fn;
  const cls = fn.H5Tget_class(tid);
  return H5T_CLASS_NAMES[cls] ?? `HDF5 type class ${cls}`;
}

function intDecoder(size: number, signed: boolean): Decode {
  switch (size) {
    case 1:
      return (_b, v, at) => (signed ? v.getInt8(at) : v.getUint8(at));
    case 2:
      return (_b, v, at) => (signed ? v.getInt16(at, true) : v.getUint16(at, true));
    case 4:
      return (_b, v, at) => (signed ? v.getInt32(at, true) : v.getUint32(at, true));
    case 8:
      return (_b, v, at) => (signed ? v.getBigInt64(at, true) : v.getBigUint64(at, true));
  }
  throw new UnsupportedTypeError(`integer of ${size} bytes`);
}

function cString(p: bigint): string {
  const ptr = Deno.UnsafePointer.create(p);
  return ptr === null ? "" : Deno.UnsafePointerView.getCString(ptr);
}

// Runs body with a type id it closes afterwards.
function withType<T>(tid: Hid, body: (tid: Hid) => T): T {
  try {
    return body(tid);
  } finally {
    hdf5().fn.H5Tclose(tid);
  }
}

// Paths of referenced objects already resolved, by the reference's bytes,
// while withReferenceCache runs: libhdf5 1.10 finds the path of an object
// opened through a reference by searching the file's groups (H5Iget_name),
// and the same few dimension scales are referenced by every variable.
let refCache: Map<string, unknown> | null = null;

/**
 * Runs `body` with references resolved once each (by their bytes), and the
 * NAME of each dimension scale read once. All the attributes read inside
 * must belong to one file.
 */
export function withReferenceCache<T>(body: () => T): T {
  if (refCache !== null) return body();
  refCache = new Map();
  try {
    return body();
  } finally {
    refCache = null;
  }
}

/**
 * The decoder of one element of the memory type `mt` (a native type, as
 * H5Tget_native_type gives). `obj` is any object of the file, for
 * dereferencing references.
 */
function layoutOf(mt: Hid, obj: Hid): Layout {
  const fn = hdf5().fn;
  const cls = fn.H5Tget_class(mt);
  const size = Number(fn.H5Tget_size(mt));
  switch (cls) {
    case H5T.INTEGER:
      return { size, decode: intDecoder(size, fn.H5Tget_sign(mt) === 1) };
    case H5T.BITFIELD:
      return { size, decode: intDecoder(size, false) };
    case H5T.ENUM:
      // h5py's view: the stored integer
      return withType(check(fn.H5Tget_super(mt), "H5Tget_super"), (base) => ({
        size,
        decode: intDecoder(size, fn.H5Tget_sign(base) === 1),
      }));
    case H5T.FLOAT:
      if (size === 4) return { size, decode: (_b, v, at) => v.getFloat32(at, true) };
      if (size === 8) return { size, decode: (_b, v, at) => v.getFloat64(at, true) };
      throw new UnsupportedTypeError(`H5T_FLOAT of ${size} bytes`);
    case H5T.STRING: {
      if (check(fn.H5Tis_variable_str(mt), "H5Tis_variable_str") > 0) {
        return { size, decode: (_b, v, at) => cString(v.getBigUint64(at, true)) };
      }
      const dec = new TextDecoder();
      return {
        size,
        decode: (b, _v, at) => {
          const s = b.subarray(at, at + size);
          const end = s.indexOf(0);
          return dec.decode(end >= 0 ? s.subarray(0, end) : s).replace(/ +$/, "");
        },
      };
    }
    case H5T.REFERENCE: {
      // hobj_ref_t (8 bytes) or hdset_reg_ref_t (12 bytes): the object's path
      const kind = size === 8 ? H5R.OBJECT : H5R.DATASET_REGION;
      return {
        size,
        decode: (b, _v, at) => {
          const ref = b.slice(at, at + size);
          if (ref.every((x) => x === 0)) return null;
          const key = `ref ${ref.join(",")}`;
          const known = refCache?.get(key);
          if (known !== undefined) return known as string | null;
          const id = fn.H5Rdereference2(obj, H5P_DEFAULT, kind, ref);
          let name: string | null = null;
          if (id < 0) hdf5().fn.H5Eclear2(0n);
          else {
            try {
              name = objectName(id);
            } finally {
              fn.H5Oclose(id);
            }
          }
          refCache?.set(key, name);
          return name;
        },
      };
    }
    case H5T.COMPOUND: {
      const n = check(fn.H5Tget_nmembers(mt), "H5Tget_nmembers");
      const members: { name: string; offset: number; layout: Layout }[] = [];
      for (let i = 0; i < n; i++) {
        const p = fn.H5Tget_member_name(mt, i);
        const name = p === null ? `f${i}` : Deno.UnsafePointerView.getCString(p);
        if (p !== null) fn.H5free_memory(p);
        const offset = Number(fn.H5Tget_member_offset(mt, i));
        const layout = withType(
          check(fn.H5Tget_member_type(mt, i), "H5Tget_member_type"),
          (t) => layoutOf(t, obj),
        );
        members.push({ name, offset, layout });
      }
      return {
        size,
        decode: (b, v, at) =>
          Object.fromEntries(members.map((m) => [m.name, m.layout.decode(b, v, at + m.offset)])),
      };
    }
    case H5T.VLEN: {
      // hvl_t: size_t len; void *p
      const base = withType(check(fn.H5Tget_super(mt), "H5Tget_super"), (t) => layoutOf(t, obj));
      return {
        size,
        decode: (_b, v, at) => {
          const len = Number(v.getBigUint64(at, true));
          const ptr = Deno.UnsafePointer.create(v.getBigUint64(at + 8, true));
          if (len === 0 || ptr === null) return [];
          const bytes = new Uint8Array(
            Deno.UnsafePointerView.getArrayBuffer(ptr, len * base.size).slice(0),
          );
          const view = new DataView(bytes.buffer);
          const out: H5AttributeValue[] = [];
          for (let i = 0; i < len; i++) out.push(base.decode(bytes, view, i * base.size));
          return out;
        },
      };
    }
    case H5T.ARRAY: {
      const nd = check(fn.H5Tget_array_ndims(mt), "H5Tget_array_ndims");
      const dims = new BigUint64Array(nd);
      check(fn.H5Tget_array_dims2(mt, dims), "H5Tget_array_dims2");
      const base = withType(check(fn.H5Tget_super(mt), "H5Tget_super"), (t) => layoutOf(t, obj));
      const shape = [...dims].map(Number);
      return {
        size,
        decode: (b, v, at) => nest(shape, (i) => base.decode(b, v, at + i * base.size)),
      };
    }
  }
  throw new UnsupportedTypeError(typeName(mt));
}

// Nested lists of `shape` from element i's value.
function nest(shape: readonly number[], item: (i: number) => H5AttributeValue): H5AttributeValue {
  let next = 0;
  const level = (axis: number): H5AttributeValue[] => {
    const out: H5AttributeValue[] = [];
    for (let i = 0; i < shape[axis]; i++) {
      out.push(axis === shape.length - 1 ? item(next++) : level(axis + 1));
    }
    return out;
  };
  return shape.length === 0 ? item(0) : level(0);
}

/** The path of an open object (`/group/lat`), or null for an anonymous one. */
export function objectName(id: Hid): string | null {
  const fn = hdf5().fn;
  const n = Number(fn.H5Iget_name(id, null as unknown as Uint8Array, 0n));
  if (n <= 0) return null;
  const buf = new Uint8Array(n + 1);
  fn.H5Iget_name(id, buf, BigInt(n + 1));
  return new TextDecoder().decode(buf.subarray(0, n));
}

/**
 * Reads an open attribute of any type through the generic decoders: a
 * scalar's value, or nested lists of the dataspace's shape.
 *
 * @param aid The attribute.
 * @param tid Its file type.
 * @param shape Its dataspace's shape ([] for a scalar).
 * @param space Its dataspace.
 * @returns The value.
 * @throws {UnsupportedTypeError} For a type no decoder here handles.
 */
export function readGenericAttribute(
  aid: Hid,
  tid: Hid,
  shape: readonly number[],
  space: Hid,
): H5AttributeValue {
  const fn = hdf5().fn;
  // H5T_DIR_DEFAULT = 0
  const mt = check(fn.H5Tget_native_type(tid, 0), "H5Tget_native_type");
  try {
    const layout = layoutOf(mt, aid);
    const n = shape.reduce((a, b) => a * b, 1);
    const bytes = new Uint8Array(Math.max(1, n * layout.size));
    if (n === 0) return [];
    check(fn.H5Aread(aid, mt, bytes), "H5Aread");
    try {
      const view = new DataView(bytes.buffer);
      return nest(shape, (i) => layout.decode(bytes, view, i * layout.size));
    } finally {
      fn.H5Dvlen_reclaim(mt, space, H5P_DEFAULT, bytes);
    }
  } finally {
    fn.H5Tclose(mt);
  }
}

/** An attribute that could not be read, and why. */
export interface SkippedAttribute {
  /** The object. */
  readonly object: string;
  /** The attribute's name. */
  readonly name: string;
  /** Why (`unsupported type H5T_OPAQUE`). */
  readonly reason: string;
}

/**
 * Reads every attribute it can, listing the others instead of failing.
 *
 * @param names The attribute names.
 * @param read Reads one.
 * @param object The object's path, for the list of skipped ones.
 * @returns The values by name, and what was skipped.
 */
export function readAttributesSkipping(
  names: readonly string[],
  read: (name: string) => H5AttributeValue,
  object: string,
): { values: Record<string, H5AttributeValue>; skipped: SkippedAttribute[] } {
  const values: Record<string, H5AttributeValue> = {};
  const skipped: SkippedAttribute[] = [];
  for (const name of names) {
    try {
      values[name] = read(name);
    } catch (e) {
      // readAttribute wraps an UnsupportedTypeError in a FormatError naming the file
      const cause = e instanceof Error && e.cause instanceof UnsupportedTypeError ? e.cause : e;
      const reason = cause instanceof Error ? cause.message : String(cause);
      skipped.push({ object, name, reason });
    }
  }
  return { values, skipped };
}

// ---------------------------------------------------------------- the netCDF-4 view

/** Attributes netCDF-C and the HDF5 dimension-scale API keep for themselves. */
const INTERNAL = new Set([
  "DIMENSION_LIST",
  "REFERENCE_LIST",
  "DIMENSION_LABELS",
  "_Netcdf4Dimid",
  "_Netcdf4Coordinates",
  "_NCProperties",
  "_nc3_strict",
  "_IsNetcdf4",
  "_SuperblockVersion",
]);

/** The NAME netCDF-C gives a dimension scale that is not a netCDF variable. */
export const NETCDF_DIM_ONLY = "This is a netCDF dimension but not a netCDF variable";

/** Whether attributes mark a dimension scale (`CLASS = "DIMENSION_SCALE"`). */
export function isScale(attrs: Readonly<Record<string, unknown>>): boolean {
  return attrs.CLASS === "DIMENSION_SCALE";
}

function plainValue(v: unknown): unknown {
  if (v instanceof NDArray) v = v.toArray();
  if (typeof v === "bigint") return Number.isSafeInteger(Number(v)) ? Number(v) : v;
  if (Array.isArray(v)) return v.map(plainValue);
  if (v !== null && typeof v === "object") {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plainValue(x)]));
  }
  return v;
}

/**
 * Attributes as a netCDF reader shows them: plain JSON values (arrays as
 * lists, 64-bit integers as numbers when exact), arrays of one element as
 * that element (netCDF stores `scale_factor = 0.01` as a one-element array;
 * netCDF4-python and xarray show the number), without
 * the attributes netCDF-C and the dimension-scale API keep for themselves
 * (and CLASS/NAME of a dimension scale).
 */
export function plainAttributes(
  attrs: Readonly<Record<string, H5AttributeValue>>,
): Record<string, unknown> {
  const scale = isScale(attrs);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(attrs)) {
    if (INTERNAL.has(k) || (scale && (k === "CLASS" || k === "NAME"))) continue;
    // netCDF-C stores most attributes, even one number or string, as arrays
    if (v instanceof NDArray && v.ndim === 1 && v.size === 1) out[k] = plainValue(v.get(0));
    else if (Array.isArray(v) && v.length === 1) out[k] = plainValue(v[0]);
    else out[k] = plainValue(v);
  }
  return out;
}

/** What a dimension scale is called: its NAME, else its last path component. */
export function scaleName(path: string, name: unknown): string {
  if (typeof name === "string" && name !== "" && !name.startsWith(NETCDF_DIM_ONLY)) return name;
  return path.slice(path.lastIndexOf("/") + 1);
}

/**
 * One dimension name per axis of a dataset: from DIMENSION_LIST (the first
 * scale attached to each axis, named by {@link scaleName}); a dimension
 * scale without one (a netCDF coordinate variable) names its first axis
 * itself; null for an axis without a scale.
 *
 * @param attrs The dataset's attributes.
 * @param path The dataset's path.
 * @param ndim Its number of axes.
 * @param nameOf The NAME attribute of the object at a path (undefined when none).
 * @returns The names.
 */
export function dimensionNames(
  attrs: Readonly<Record<string, H5AttributeValue>>,
  path: string,
  ndim: number,
  nameOf: (path: string) => unknown,
): (string | null)[] {
  const out: (string | null)[] = Array.from({ length: ndim }, () => null);
  const list = attrs.DIMENSION_LIST;
  if (Array.isArray(list) && list.length === ndim) {
    list.forEach((refs, i) => {
      const first = Array.isArray(refs) ? refs.find((r) => typeof r === "string") : undefined;
      if (typeof first === "string") out[i] = scaleName(first, nameOf(first));
    });
  } else if (isScale(attrs) && ndim >= 1) {
    out[0] = scaleName(path, attrs.NAME);
  }
  return out;
}

/**
 * The NAME attribute of the object at `path` (opened from `loc`), or
 * undefined when it has none or it cannot be read.
 */
export function nameAttribute(
  loc: Hid,
  path: string,
  read: (obj: Hid, name: string) => H5AttributeValue,
): unknown {
  const fn = hdf5().fn;
  const oid = fn.H5Oopen(loc, cstr(path), H5P_DEFAULT);
  if (oid < 0) {
    fn.H5Eclear2(0n);
    return undefined;
  }
  try {
    if (fn.H5Aexists(oid, cstr("NAME")) <= 0) return undefined;
    return read(oid, "NAME");
  } catch {
    return undefined;
  } finally {
    fn.H5Oclose(oid);
  }
}

/** What a netCDF reader knows of an object beyond its data. */
export interface ObjectMetadata {
  /** Every attribute that could be read but REFERENCE_LIST, as stored (NDArrays for numeric arrays). */
  readonly raw: Record<string, H5AttributeValue>;
  /** The attributes that could not be read. */
  readonly skipped: SkippedAttribute[];
  /** {@link plainAttributes} of `raw`. */
  readonly attributes: Record<string, unknown>;
  /** One dimension name (or null) per axis. */
  readonly dimensions: (string | null)[];
}

/**
 * Reads an object's attributes (skipping what cannot be read) and, for a
 * dataset of `ndim` axes, its dimension names.
 *
 * @param id The open object.
 * @param path Its path.
 * @param ndim Its number of axes (0 for a group).
 * @param file The file's name, for messages.
 * @returns The metadata.
 */
export function objectMetadata(id: Hid, path: string, ndim: number, file: string): ObjectMetadata {
  return withReferenceCache(() => {
    // REFERENCE_LIST (a scale's list of every dataset using it) is left unread: its
    // references cost a search of the file each, and no reader shows it
    const { values, skipped } = readAttributesSkipping(
      attributeNames(id, file, path, "creation").filter((n) => n !== "REFERENCE_LIST"),
      (name) => readAttribute(id, name, file, path),
      path,
    );
    const nameOf = (p: string): unknown => {
      const key = `NAME ${p}`;
      if (refCache?.has(key)) return refCache.get(key);
      const name = nameAttribute(id, p, (o, n) => readAttribute(o, n, file, p));
      refCache?.set(key, name);
      return name;
    };
    const dimensions = dimensionNames(values, path, ndim, nameOf);
    return { raw: values, skipped, attributes: plainAttributes(values), dimensions };
  });
}
