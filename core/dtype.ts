/**
 * The one dtype table: every fact about an element type (its TypedArray,
 * size, NumPy descr, kind, Zarr name, HDF5 native type, MPI datatype) lives
 * here, and the `DType` type is derived from it.
 *
 * @module
 */

const HAS_FLOAT16 = typeof (globalThis as { Float16Array?: unknown }).Float16Array === "function";

/** Constructors of the typed arrays that back an NDArray. */
export type TypedArrayConstructor =
  | Uint8ArrayConstructor
  | Int8ArrayConstructor
  | Int16ArrayConstructor
  | Uint16ArrayConstructor
  | Int32ArrayConstructor
  | Uint32ArrayConstructor
  | BigInt64ArrayConstructor
  | BigUint64ArrayConstructor
  | Float16ArrayConstructor
  | Float32ArrayConstructor
  | Float64ArrayConstructor;

/** One row of the dtype table. */
export interface DTypeInfo {
  /** The TypedArray that holds the elements. */
  readonly array: TypedArrayConstructor;
  /** Bytes per element. */
  readonly bytes: number;
  /**
   * NumPy kind character: `b` bool, `i` signed, `u` unsigned, `f` float,
   * `c` complex (stored as interleaved real/imaginary pairs: the typed
   * array holds two numbers per element).
   */
  readonly kind: "b" | "i" | "u" | "f" | "c";
  /** NumPy descr in little-endian form (`<f4`; `|b1` for one-byte types). */
  readonly descr: string;
  /** Zarr v3 data type name (also the v2 name's base). */
  readonly zarr: string;
  /** Name of the HDF5 native type (`H5T_NATIVE_DOUBLE`), or null. */
  readonly hdf5: string | null;
  /** Name of the MPI datatype (`MPI_DOUBLE`), or null. */
  readonly mpi: string | null;
  /** Whether elements are read and written as `bigint`. */
  readonly big: boolean;
}

/**
 * The dtype table. `float16` is usable only where the runtime has
 * `Float16Array` (see {@link hasFloat16}).
 */
export const DTYPES = {
  bool: {
    array: Uint8Array,
    bytes: 1,
    kind: "b",
    descr: "|b1",
    zarr: "bool",
    hdf5: "H5T_NATIVE_HBOOL",
    mpi: "MPI_C_BOOL",
    big: false,
  },
  int8: {
    array: Int8Array,
    bytes: 1,
    kind: "i",
    descr: "|i1",
    zarr: "int8",
    hdf5: "H5T_NATIVE_INT8",
    mpi: "MPI_INT8_T",
    big: false,
  },
  int16: {
    array: Int16Array,
    bytes: 2,
    kind: "i",
    descr: "<i2",
    zarr: "int16",
    hdf5: "H5T_NATIVE_INT16",
    mpi: "MPI_INT16_T",
    big: false,
  },
  int32: {
    array: Int32Array,
    bytes: 4,
    kind: "i",
    descr: "<i4",
    zarr: "int32",
    hdf5: "H5T_NATIVE_INT32",
    mpi: "MPI_INT32_T",
    big: false,
  },
  int64: {
    array: BigInt64Array,
    bytes: 8,
    kind: "i",
    descr: "<i8",
    zarr: "int64",
    hdf5: "H5T_NATIVE_INT64",
    mpi: "MPI_INT64_T",
    big: true,
  },
  uint8: {
    array: Uint8Array,
    bytes: 1,
    kind: "u",
    descr: "|u1",
    zarr: "uint8",
    hdf5: "H5T_NATIVE_UINT8",
    mpi: "MPI_UINT8_T",
    big: false,
  },
  uint16: {
    array: Uint16Array,
    bytes: 2,
    kind: "u",
    descr: "<u2",
    zarr: "uint16",
    hdf5: "H5T_NATIVE_UINT16",
    mpi: "MPI_UINT16_T",
    big: false,
  },
  uint32: {
    array: Uint32Array,
    bytes: 4,
    kind: "u",
    descr: "<u4",
    zarr: "uint32",
    hdf5: "H5T_NATIVE_UINT32",
    mpi: "MPI_UINT32_T",
    big: false,
  },
  uint64: {
    array: BigUint64Array,
    bytes: 8,
    kind: "u",
    descr: "<u8",
    zarr: "uint64",
    hdf5: "H5T_NATIVE_UINT64",
    mpi: "MPI_UINT64_T",
    big: true,
  },
  float16: {
    array: (HAS_FLOAT16 ? Float16Array : Uint16Array) as TypedArrayConstructor,
    bytes: 2,
    kind: "f",
    descr: "<f2",
    zarr: "float16",
    hdf5: null,
    mpi: null,
    big: false,
  },
  float32: {
    array: Float32Array,
    bytes: 4,
    kind: "f",
    descr: "<f4",
    zarr: "float32",
    hdf5: "H5T_NATIVE_FLOAT",
    mpi: "MPI_FLOAT",
    big: false,
  },
  float64: {
    array: Float64Array,
    bytes: 8,
    kind: "f",
    descr: "<f8",
    zarr: "float64",
    hdf5: "H5T_NATIVE_DOUBLE",
    mpi: "MPI_DOUBLE",
    big: false,
  },
  complex64: {
    array: Float32Array,
    bytes: 8,
    kind: "c",
    descr: "<c8",
    zarr: "complex64",
    hdf5: null,
    mpi: null,
    big: false,
  },
  complex128: {
    array: Float64Array,
    bytes: 16,
    kind: "c",
    descr: "<c16",
    zarr: "complex128",
    hdf5: null,
    mpi: null,
    big: false,
  },
} as const satisfies Record<string, DTypeInfo>;

/** The name of an element type: `"float32"`, `"int64"`, `"bool"`, ... */
export type DType = keyof typeof DTYPES;

/** The TypedArray that holds elements of dtype `D`. */
export type ArrayOf<D extends DType> = InstanceType<(typeof DTYPES)[D]["array"]>;

/** Any TypedArray that can back an NDArray. */
export type AnyTypedArray = InstanceType<TypedArrayConstructor>;

/**
 * A complex number as Tessera reads and writes one element of a complex
 * array: `{ re, im }` (NumPy's `1+2j` is `{ re: 1, im: 2 }`).
 */
export interface Complex {
  /** Real part. */
  re: number;
  /** Imaginary part. */
  im: number;
}

/** The complex dtypes. */
export type ComplexDType = "complex64" | "complex128";

/**
 * The JS value of one element of dtype `D`: `bigint` for 64-bit integers,
 * `boolean` for bool, {@link Complex} for complex64/complex128. For an
 * array typed with the whole `DType` union the type stays `Scalar` (as
 * before complex existed), though a complex array's elements are
 * {@link Complex} at run time: check `isComplex(a.dtype)` first.
 */
export type ScalarOf<D extends DType> = [D] extends [ComplexDType] ? Complex
  : D extends "int64" | "uint64" ? bigint
  : D extends "bool" ? boolean
  : number;

/** Any element value. */
export type Scalar = number | bigint | boolean;

/** Every dtype name, in table order. */
export const DTYPE_NAMES: readonly DType[] = Object.keys(DTYPES) as DType[];

/**
 * Whether the runtime has `Float16Array`, so that `float16` arrays hold real
 * half-precision values.
 *
 * @returns True when float16 is supported.
 *
 * @example
 * ```ts
 * import { hasFloat16 } from "./dtype.ts";
 * if (typeof hasFloat16() !== "boolean") throw new Error("bad");
 * ```
 */
export function hasFloat16(): boolean {
  return HAS_FLOAT16;
}

/**
 * Checks that `name` is a dtype name and returns it typed.
 *
 * @param name A dtype name, or a NumPy descr (`<f4`, `>i8`, `|b1`).
 * @returns The dtype.
 * @throws {TypeError} When the name is not a dtype.
 *
 * @example
 * ```ts
 * import { toDType } from "./dtype.ts";
 * if (toDType("<f4") !== "float32") throw new Error("bad");
 * ```
 */
export function toDType(name: string): DType {
  if (Object.hasOwn(DTYPES, name)) {
    const d = name as DType;
    if (d === "float16" && !HAS_FLOAT16) {
      throw new TypeError(`Unsupported dtype "float16": this runtime has no Float16Array`);
    }
    return d;
  }
  const fromDescr = parseDescr(name);
  if (fromDescr) return fromDescr.dtype;
  throw new TypeError(`Unknown dtype "${name}": expected one of ${DTYPE_NAMES.join(", ")}`);
}

/**
 * Parses a NumPy descr (`<f4`, `>i2`, `|u1`, `=f8`, `?`) into a dtype and a
 * byte order. Returns null when the descr is not one of ours.
 *
 * @param descr A NumPy array-protocol type string.
 * @returns The dtype and whether the data is big-endian, or null.
 *
 * @example
 * ```ts
 * import { parseDescr } from "./dtype.ts";
 * const p = parseDescr(">i8");
 * if (p?.dtype !== "int64" || !p.bigEndian) throw new Error("bad");
 * ```
 */
export function parseDescr(descr: string): { dtype: DType; bigEndian: boolean } | null {
  const m = /^([<>|=]?)([biufc])(\d+)$/.exec(descr);
  if (!m) return descr === "?" ? { dtype: "bool", bigEndian: false } : null;
  const [, order, kind, size] = m;
  const bytes = Number(size);
  for (const name of DTYPE_NAMES) {
    const info: DTypeInfo = DTYPES[name];
    if (info.kind === kind && info.bytes === bytes) {
      if (name === "float16" && !HAS_FLOAT16) return null;
      return { dtype: name, bigEndian: order === ">" && bytes > 1 };
    }
  }
  return null;
}

/**
 * The table row of a dtype.
 *
 * @param dtype A dtype.
 * @returns Its table row.
 *
 * @example
 * ```ts
 * import { dtypeInfo } from "./dtype.ts";
 * if (dtypeInfo("float32").bytes !== 4) throw new Error("bad");
 * ```
 */
export function dtypeInfo(dtype: DType): DTypeInfo {
  return DTYPES[dtype];
}

function floatOfBytes(bytes: number): DType {
  return bytes <= 2 ? (HAS_FLOAT16 ? "float16" : "float32") : bytes <= 4 ? "float32" : "float64";
}

function intOf(kind: "i" | "u", bytes: number): DType {
  const table: Record<number, [DType, DType]> = {
    1: ["int8", "uint8"],
    2: ["int16", "uint16"],
    4: ["int32", "uint32"],
    8: ["int64", "uint64"],
  };
  return table[bytes][kind === "i" ? 0 : 1];
}

/** Bytes of the float that holds a component of `x` (NumPy's promotion of ints to floats). */
function floatBytesOf(x: DTypeInfo): number {
  if (x.kind === "c") return x.bytes / 2;
  if (x.kind === "f") return x.bytes;
  return x.bytes === 1 ? 2 : x.bytes === 2 ? 4 : 8;
}

function promoteComplex(ia: DTypeInfo, ib: DTypeInfo): DType {
  return Math.max(floatBytesOf(ia), floatBytesOf(ib)) <= 4 ? "complex64" : "complex128";
}

/**
 * Whether `dtype` is complex64 or complex128.
 *
 * @param dtype A dtype.
 * @returns True for the complex dtypes.
 *
 * @example
 * ```ts
 * import { isComplex } from "./dtype.ts";
 * if (!isComplex("complex64") || isComplex("float64")) throw new Error("bad");
 * ```
 */
export function isComplex(dtype: DType): dtype is ComplexDType {
  return dtype === "complex64" || dtype === "complex128";
}

/**
 * The real dtype of a complex dtype's components (`complex64` ->
 * `float32`), or the dtype itself for a real dtype.
 *
 * @param dtype A dtype.
 * @returns The component dtype.
 *
 * @example
 * ```ts
 * import { realDType } from "./dtype.ts";
 * if (realDType("complex128") !== "float64") throw new Error("bad");
 * ```
 */
export function realDType(dtype: DType): DType {
  return dtype === "complex64" ? "float32" : dtype === "complex128" ? "float64" : dtype;
}

/**
 * NumPy's type promotion for two dtypes (`np.promote_types`): the smallest
 * dtype to which both can be cast safely. `int64` with `uint64` gives
 * `float64`, as in NumPy.
 *
 * @param a First dtype.
 * @param b Second dtype.
 * @returns The promoted dtype.
 *
 * @example
 * ```ts
 * import { promoteTypes } from "./dtype.ts";
 * if (promoteTypes("uint8", "int8") !== "int16") throw new Error("bad");
 * if (promoteTypes("int32", "float32") !== "float64") throw new Error("bad");
 * ```
 */
export function promoteTypes(a: DType, b: DType): DType {
  if (a === b) return a;
  const ia: DTypeInfo = DTYPES[a];
  const ib: DTypeInfo = DTYPES[b];
  if (ia.kind === "b") return b;
  if (ib.kind === "b") return a;
  if (ia.kind === "c" || ib.kind === "c") return promoteComplex(ia, ib);
  if (ia.kind === ib.kind) return ia.bytes >= ib.bytes ? a : b;
  if (ia.kind === "f" || ib.kind === "f") {
    const [f, i] = ia.kind === "f" ? [ia, ib] : [ib, ia];
    // an integer of n bytes needs a float of at least 2n bytes (int8 -> float16)
    const need = i.bytes === 1 ? 2 : i.bytes === 2 ? 4 : 8;
    return floatOfBytes(Math.max(f.bytes, need));
  }
  // one signed, one unsigned
  const [s, u] = ia.kind === "i" ? [ia, ib] : [ib, ia];
  if (s.bytes > u.bytes) return intOf("i", s.bytes);
  if (u.bytes >= 8) return "float64";
  return intOf("i", u.bytes * 2);
}

/**
 * The dtype of an operation between an array of dtype `a` and a JS scalar,
 * following NumPy 2's rules for Python scalars (NEP 50): the scalar is
 * "weak" and takes the array's dtype where its kind allows.
 *
 * @param a The array's dtype.
 * @param scalar The scalar operand.
 * @returns The result dtype.
 *
 * @example
 * ```ts
 * import { promoteScalar } from "./dtype.ts";
 * if (promoteScalar("float32", 2.5) !== "float32") throw new Error("bad");
 * if (promoteScalar("int32", 2.5) !== "float64") throw new Error("bad");
 * if (promoteScalar("int16", 3) !== "int16") throw new Error("bad");
 * ```
 */
export function promoteScalar(a: DType, scalar: Scalar): DType {
  const k = DTYPES[a].kind;
  if (k === "c") return a;
  if (typeof scalar === "boolean") return a;
  if (typeof scalar === "bigint") return k === "b" ? "int64" : a;
  if (Number.isInteger(scalar)) return k === "b" ? "int64" : a;
  // non-integral (or non-finite) float scalar
  return k === "f" ? a : "float64";
}

/**
 * The dtype of a JS scalar on its own: `bool` for booleans, `int64` for
 * bigints and integral numbers, `float64` otherwise.
 *
 * @param scalar A JS value.
 * @returns Its default dtype.
 *
 * @example
 * ```ts
 * import { scalarDType } from "./dtype.ts";
 * if (scalarDType(1.5) !== "float64") throw new Error("bad");
 * ```
 */
export function scalarDType(scalar: Scalar): DType {
  if (typeof scalar === "boolean") return "bool";
  if (typeof scalar === "bigint") return "int64";
  return Number.isInteger(scalar) ? "int64" : "float64";
}

/**
 * Whether values of dtype `from` can be cast to `to` without loss
 * (`np.can_cast(from, to, "safe")`).
 *
 * @param from Source dtype.
 * @param to Target dtype.
 * @returns True when the cast is safe.
 *
 * @example
 * ```ts
 * import { canCastSafely } from "./dtype.ts";
 * if (!canCastSafely("int16", "float32")) throw new Error("bad");
 * if (canCastSafely("float64", "float32")) throw new Error("bad");
 * ```
 */
export function canCastSafely(from: DType, to: DType): boolean {
  return promoteTypes(from, to) === to;
}

/**
 * Converts a JS value to the element representation of `dtype` (bigint for
 * 64-bit integers, 0/1 for bool, wrapping integers like a C cast).
 *
 * @param dtype Target dtype.
 * @param value Any scalar.
 * @returns The value as stored in a typed array of that dtype.
 *
 * @example
 * ```ts
 * import { castScalar } from "./dtype.ts";
 * if (castScalar("int64", 3) !== 3n) throw new Error("bad");
 * if (castScalar("bool", 2) !== 1) throw new Error("bad");
 * ```
 */
export function castScalar(dtype: DType, value: Scalar): number | bigint {
  const inf: DTypeInfo = DTYPES[dtype];
  if (inf.kind === "c") {
    throw new TypeError(`Cannot cast a scalar to "${dtype}" as one number: it has two parts`);
  }
  if (inf.big) {
    if (typeof value === "bigint") {
      return inf.kind === "i" ? BigInt.asIntN(64, value) : BigInt.asUintN(64, value);
    }
    const n = typeof value === "boolean" ? (value ? 1 : 0) : value;
    if (!Number.isFinite(n)) return 0n;
    const b = BigInt(Math.trunc(n));
    return inf.kind === "i" ? BigInt.asIntN(64, b) : BigInt.asUintN(64, b);
  }
  const n = typeof value === "bigint" ? Number(value) : typeof value === "boolean" ? +value : value;
  if (inf.kind === "b") return n !== 0 ? 1 : 0;
  return n;
}
