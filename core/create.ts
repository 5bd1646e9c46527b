// The functions that create or fill an NDArray (empty, zeros, full, ones,
// arange, linspace, fromTypedArray, fromArray, copyInto), re-exported by
// core/ndarray.ts: their examples import from there.

import {
  type AnyTypedArray,
  type ArrayOf,
  castScalar,
  type Complex,
  type DType,
  type DTypeInfo,
  DTYPES,
  isComplex,
  type Scalar,
  scalarDType,
  toDType,
} from "./dtype.ts";
import { complexPart, complexParts, isComplexScalar } from "./_complex_parts.ts";
import { ShapeMismatchError } from "./errors.ts";
import { checkShape, forEachRun, sizeOf } from "./_iter.ts";
import { NDArray, type NestedArray } from "./ndarray.ts";

/**
 * A new array with uninitialised (in practice zeroed) elements.
 *
 * @param shape Axis lengths.
 * @param dtype Element type (default float64).
 * @returns The array.
 *
 * @example
 * ```ts
 * import { empty } from "./ndarray.ts";
 * if (empty([2, 2], "int8").size !== 4) throw new Error("bad");
 * ```
 */
export function empty<D extends DType = "float64">(
  shape: readonly number[],
  dtype?: D,
): NDArray<D> {
  const d = toDType(dtype ?? "float64") as D;
  const s = checkShape(shape);
  const inf: DTypeInfo = DTYPES[d];
  const data = new inf.array(sizeOf(s) * (inf.kind === "c" ? 2 : 1)) as ArrayOf<D>;
  return new NDArray(d, data, s);
}

/**
 * A new array of zeros.
 *
 * @param shape Axis lengths.
 * @param dtype Element type (default float64).
 * @returns The array.
 *
 * @example
 * ```ts
 * import { zeros } from "./ndarray.ts";
 * if (zeros([3], "int64").get(0) !== 0n) throw new Error("bad");
 * ```
 */
export function zeros<D extends DType = "float64">(
  shape: readonly number[],
  dtype?: D,
): NDArray<D> {
  return empty(shape, dtype);
}

/**
 * A new array filled with one value.
 *
 * @param shape Axis lengths.
 * @param value The fill value: a number, bigint, boolean, or a complex number
 *   as {@link Complex} `{ re, im }` or a pair `[re, im]`.
 * @param dtype Element type (default: the value's own, `float64` for
 *   non-integers, `complex128` for a complex value).
 * @returns The array.
 *
 * @example
 * ```ts
 * import { full } from "./ndarray.ts";
 * if (full([2], 7, "int16").get(1) !== 7) throw new Error("bad");
 * const z = full([2], { re: 1, im: 2 }).get(0) as unknown as { re: number; im: number };
 * if (z.im !== 2) throw new Error("bad");
 * ```
 */
export function full<D extends DType = DType>(
  shape: readonly number[],
  value: Scalar | Complex | readonly [number, number],
  dtype?: D,
): NDArray<D> {
  const cplxValue = isComplexScalar(value);
  const d = toDType(dtype ?? (cplxValue ? "complex128" : scalarDType(value as Scalar))) as D;
  const out = empty(shape, d);
  if (isComplex(d)) {
    const [re, im] = complexParts(value, "full");
    const buf = out.data as Float64Array;
    for (let i = 0; i < buf.length; i += 2) {
      buf[i] = re;
      buf[i + 1] = im;
    }
    return out;
  }
  if (cplxValue) {
    throw new TypeError(`Cannot fill an array of dtype "${d}" with a complex value`);
  }
  (out.data as Float64Array).fill(castScalar(d, value as Scalar) as number);
  return out;
}

/**
 * A new array of ones.
 *
 * @param shape Axis lengths.
 * @param dtype Element type (default float64).
 * @returns The array.
 *
 * @example
 * ```ts
 * import { ones } from "./ndarray.ts";
 * if (ones([2, 2]).get(1, 1) !== 1) throw new Error("bad");
 * ```
 */
export function ones<D extends DType = "float64">(shape: readonly number[], dtype?: D): NDArray<D> {
  return full(shape, 1, (dtype ?? "float64") as D);
}

/**
 * Evenly spaced values in `[start, stop)`, like `np.arange`. With one
 * argument it counts from 0.
 *
 * @param start First value (or the stop when `stop` is omitted).
 * @param stop Exclusive end.
 * @param step Spacing (default 1).
 * @param dtype Element type (default int64 for integer arguments, else float64; int32 when
 *   no dtype is given is not NumPy's choice, so we follow NumPy: int64).
 * @returns A 1-D array.
 *
 * @example
 * ```ts
 * import { arange } from "./ndarray.ts";
 * const a = arange(1, 2, 0.25);
 * if (a.size !== 4 || a.get(3) !== 1.75) throw new Error("bad");
 * ```
 */
export function arange<D extends DType = DType>(
  start: number,
  stop?: number,
  step = 1,
  dtype?: D,
): NDArray<D> {
  const [a, b] = stop === undefined ? [0, start] : [start, stop];
  if (step === 0 || !Number.isFinite(step)) throw new RangeError(`Invalid arange step ${step}`);
  const n = Math.max(0, Math.ceil((b - a) / step));
  const d = (dtype ??
    (Number.isInteger(a) && Number.isInteger(b) && Number.isInteger(step)
      ? "int64"
      : "float64")) as D;
  const out = empty([n], d);
  const buf = out.data as AnyTypedArray;
  if (DTYPES[d].big) {
    for (let i = 0; i < n; i++) buf[i] = castScalar(d, a + i * step) as never;
  } else {
    for (let i = 0; i < n; i++) buf[i] = (a + i * step) as never;
  }
  return out;
}

/**
 * `num` evenly spaced values from `start` to `stop`, like `np.linspace`.
 *
 * @param start First value.
 * @param stop Last value (included unless `endpoint` is false).
 * @param num Number of values (default 50).
 * @param options `endpoint` (default true) and `dtype` (default float64).
 * @returns A 1-D array.
 *
 * @example
 * ```ts
 * import { linspace } from "./ndarray.ts";
 * const a = linspace(0, 1, 5);
 * if (a.get(4) !== 1 || a.get(1) !== 0.25) throw new Error("bad");
 * ```
 */
export function linspace<D extends DType = "float64">(
  start: number,
  stop: number,
  num = 50,
  options: { endpoint?: boolean; dtype?: D } = {},
): NDArray<D> {
  if (!Number.isInteger(num) || num < 0) throw new RangeError(`Invalid linspace count ${num}`);
  const endpoint = options.endpoint ?? true;
  const div = endpoint ? num - 1 : num;
  const step = div > 0 ? (stop - start) / div : 0;
  const out = empty([num], "float64");
  const buf = out.data;
  for (let i = 0; i < num; i++) buf[i] = start + i * step;
  if (endpoint && num > 1) buf[num - 1] = stop;
  return options.dtype && options.dtype !== "float64"
    ? out.astype(options.dtype)
    : (out as unknown as NDArray<D>);
}

/**
 * Wraps a typed array without copying. The dtype is inferred from the
 * array's class unless given (`Uint8Array` is `uint8`; pass `"bool"` for
 * booleans). For `complex64`/`complex128` the typed array holds interleaved
 * real and imaginary parts (two numbers per element).
 *
 * @param data The elements in C order.
 * @param shape Axis lengths (default: 1-D).
 * @param dtype Element type, when the class alone does not say.
 * @returns The array, sharing `data`.
 *
 * @example
 * ```ts
 * import { fromTypedArray } from "./ndarray.ts";
 * const a = fromTypedArray(new Float32Array([1, 2, 3, 4]), [2, 2]);
 * if (a.dtype !== "float32" || a.get(1, 0) !== 3) throw new Error("bad");
 * ```
 */
export function fromTypedArray<T extends AnyTypedArray>(
  data: T,
  shape?: readonly number[],
  dtype?: DType,
): NDArray {
  const d = dtype ?? dtypeOfTypedArray(data);
  const per = isComplex(d) ? 2 : 1;
  const count = data.length / per;
  const s = shape ?? [count];
  if (sizeOf(s) !== count) {
    throw new ShapeMismatchError(
      `Cannot view ${count} elements as shape [${s.join(",")}]`,
    );
  }
  return new NDArray(d, data as never, s);
}

function dtypeOfTypedArray(data: AnyTypedArray): DType {
  const byName: Record<string, DType> = {
    Int8Array: "int8",
    Uint8Array: "uint8",
    Uint8ClampedArray: "uint8",
    Int16Array: "int16",
    Uint16Array: "uint16",
    Int32Array: "int32",
    Uint32Array: "uint32",
    BigInt64Array: "int64",
    BigUint64Array: "uint64",
    Float16Array: "float16",
    Float32Array: "float32",
    Float64Array: "float64",
  };
  const d = byName[data?.constructor?.name];
  if (!d) {
    throw new TypeError(`Expected a typed array, got ${data?.constructor?.name ?? typeof data}`);
  }
  return d;
}

/**
 * Builds an array from (nested) JS arrays. The dtype defaults to `bool` for
 * booleans, `int64` for bigints or integers, `float64` otherwise.
 *
 * @param values A scalar or nested arrays of equal lengths.
 * @param dtype Element type.
 * @returns A new array.
 * @throws {ShapeMismatchError} For ragged input.
 *
 * @example
 * ```ts
 * import { fromArray } from "./ndarray.ts";
 * const a = fromArray([[1, 2], [3, 4]], "float32");
 * if (a.shape.join() !== "2,2" || a.get(1, 1) !== 4) throw new Error("bad");
 * ```
 */
export function fromArray<D extends DType = DType>(
  values: NestedArray<Scalar | Complex>,
  dtype?: D,
): NDArray<D> {
  const shape: number[] = [];
  let probe: NestedArray<Scalar | Complex> = values;
  while (Array.isArray(probe)) {
    shape.push(probe.length);
    probe = probe[0];
  }
  const flat: (Scalar | Complex)[] = [];
  const walk = (v: NestedArray<Scalar | Complex>, ax: number): void => {
    if (ax === shape.length) {
      if (Array.isArray(v)) {
        throw new ShapeMismatchError(`Ragged nested array: too deep at axis ${ax}`);
      }
      flat.push(v);
      return;
    }
    if (!Array.isArray(v) || v.length !== shape[ax]) {
      throw new ShapeMismatchError(
        `Ragged nested array: axis ${ax} has lengths ${shape[ax]} and ${
          Array.isArray(v) ? v.length : "a scalar"
        }`,
      );
    }
    for (const x of v) walk(x, ax + 1);
  };
  walk(values, 0);
  let d: DType;
  if (dtype) d = toDType(dtype);
  else if (flat.some((x) => typeof x === "object")) d = "complex128";
  else if (flat.length > 0 && flat.every((x) => typeof x === "boolean")) d = "bool";
  else if (
    flat.every((x) =>
      typeof x === "bigint" || (typeof x === "number" && Number.isInteger(x)) ||
      typeof x === "boolean"
    )
  ) {
    d = "int64";
  } else d = "float64";
  const out = empty(shape, d);
  const buf = out.data as AnyTypedArray;
  if (isComplex(d)) {
    for (let i = 0; i < flat.length; i++) {
      [buf[2 * i], buf[2 * i + 1]] = complexParts(flat[i], "fromArray");
    }
    return out as unknown as NDArray<D>;
  }
  for (let i = 0; i < flat.length; i++) {
    if (typeof flat[i] === "object") {
      throw new TypeError(`Cannot store a complex value in an array of dtype "${d}"`);
    }
    buf[i] = castScalar(d, flat[i] as Scalar) as never;
  }
  return out as unknown as NDArray<D>;
}

/**
 * Copies `src` into `dst` (same shape after broadcasting `src`), converting
 * dtypes with C-cast semantics. A real source fills a complex destination
 * with zero imaginary parts; a complex source into a real destination is a
 * TypeError.
 *
 * @param dst Destination array.
 * @param src Source array (broadcast to `dst.shape`).
 * @returns `dst`.
 *
 * @example
 * ```ts
 * import { arange, copyInto, zeros } from "./ndarray.ts";
 * const dst = zeros([2, 3], "int32");
 * copyInto(dst, arange(3, undefined, undefined, "float64"));
 * if (dst.get(1, 2) !== 2) throw new Error("bad");
 * ```
 */
export function copyInto<D extends DType>(dst: NDArray<D>, src: NDArray): NDArray<D> {
  if (isComplex(dst.dtype)) {
    copyInto(complexPart(dst, 0), isComplex(src.dtype) ? complexPart(src, 0) : src);
    if (isComplex(src.dtype)) copyInto(complexPart(dst, 1), complexPart(src, 1));
    if (!isComplex(src.dtype)) fillZero(complexPart(dst, 1));
    return dst;
  }
  if (isComplex(src.dtype)) {
    throw new TypeError(
      `Cannot copy "${src.dtype}" into "${dst.dtype}": it would discard the imaginary part (use astype with { discardImaginary: true })`,
    );
  }
  const s = src.broadcastTo(dst.shape);
  const d = dst.data as AnyTypedArray;
  const a = s.data as AnyTypedArray;
  const to: DTypeInfo = DTYPES[dst.dtype];
  const from: DTypeInfo = DTYPES[src.dtype];
  let conv: ((v: number | bigint) => number | bigint) | null = null;
  if (to.big !== from.big || (to.kind === "b" && from.kind !== "b")) {
    conv = (v) => castScalar(dst.dtype, v);
  } else if (to.kind !== "f" && from.kind === "f") {
    // float -> integer: truncate toward zero (typed arrays wrap, NaN -> 0)
    conv = (v) => Math.trunc(v as number);
  }
  if (to.big && from.kind === "f") {
    conv = (v) => {
      const n = v as number;
      if (!Number.isFinite(n)) return to.kind === "i" ? -(2n ** 63n) : 2n ** 63n;
      return castScalar(dst.dtype, Math.trunc(n));
    };
  }
  forEachRun(dst.shape, [dst.strides, s.strides], [dst.offset, s.offset], (o, n, inner) => {
    const [od, os] = o;
    const [sd, ss] = inner;
    if (conv === null && sd === 1 && ss === 1 && d.constructor === a.constructor) {
      (d as Uint8Array).set((a as Uint8Array).subarray(os, os + n), od);
      return;
    }
    if (conv === null) {
      for (let i = 0; i < n; i++) d[od + i * sd] = a[os + i * ss] as never;
    } else {
      for (let i = 0; i < n; i++) d[od + i * sd] = conv(a[os + i * ss]) as never;
    }
  });
  return dst;
}

function fillZero(a: NDArray): void {
  const d = a.data as Float64Array;
  forEachRun(a.shape, [a.strides], [a.offset], (o, n, inner) => {
    for (let i = 0; i < n; i++) d[o[0] + i * inner[0]] = 0;
  });
}
