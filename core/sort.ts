/**
 * Sorting and order statistics with NumPy's semantics: {@link sort} (NaN
 * last), {@link median}, {@link quantile} and {@link percentile} with NumPy's
 * default `"linear"` method, `axis`, `keepdims` and NaN propagation, or
 * NumPy's `nan*` behaviour with `skipna: true`.
 *
 * The scalar helpers ({@link quantilePositions}, {@link lerpQuantile},
 * {@link medianOfPair}) are the arithmetic every array type shares, so a
 * distributed or out-of-core quantile that selects the same order statistics
 * returns the same bits as the in-memory one.
 *
 * @example
 * ```ts
 * import { fromArray } from "./ndarray.ts";
 * import { median, quantile, sort } from "./sort.ts";
 * const a = fromArray([3, NaN, 1, 2], "float64");
 * if (String(sort(a).toArray()) !== "1,2,3,NaN") throw new Error("bad sort");
 * if (median(a, { skipna: true }).get() !== 2) throw new Error("bad median");
 * if (quantile(a, 0.25, { skipna: true }).get() !== 1.5) throw new Error("bad quantile");
 * ```
 *
 * @module
 */

import { type AnyTypedArray, type DType, DTYPES, type Scalar } from "./dtype.ts";
import { fromTypedArray, type NDArray, normalizeAxis } from "./ndarray.ts";
import { ORDER_REDUCTION_NAMES } from "./reduction_names.ts";
import { checkOptionKeys } from "./options.ts";

// the caller named as a function call in messages: `rand()`
const checkKeys = (caller: string, options: unknown, allowed: readonly string[]): void =>
  checkOptionKeys(`${caller}()`, options, allowed, true);

/** Options of {@link sort}. */
export interface SortOptions {
  /** The axis to sort along (negative counts from the end; default -1), or null to sort the flattened array. */
  readonly axis?: number | null;
}

/** Options of {@link median}, {@link quantile} and {@link percentile}. */
export interface QuantileOptions {
  /** The axes to reduce: one axis, a list, or null/omitted for all of them. */
  readonly axis?: number | readonly number[] | null;
  /** Keep the reduced axes with length 1 (default false). */
  readonly keepdims?: boolean;
  /**
   * Ignore NaN as NumPy's `nanmedian`/`nanquantile` do (an all-NaN slice
   * gives NaN). Default false: a slice holding a NaN gives NaN.
   */
  readonly skipna?: boolean;
}

export { ORDER_REDUCTION_NAMES };

/** The name of an order-statistic reduction. */
export type OrderReductionName = (typeof ORDER_REDUCTION_NAMES)[number];

const f16round = (Math as { f16round?: (x: number) => number }).f16round ?? ((x: number) => x);

/**
 * Checks `q` and returns the quantiles as fractions in `[0, 1]` (percentiles
 * are divided by 100, as NumPy does), with whether `q` was a list.
 *
 * @param q One value or a list of values.
 * @param scale 1 for quantiles, 100 for percentiles.
 * @returns The fractions and whether `q` was a list.
 * @throws {TypeError} When `q` is not a number or a list of numbers.
 * @throws {RangeError} When a value is outside `[0, scale]` or NaN.
 *
 * @example
 * ```ts
 * import { checkQuantiles } from "./sort.ts";
 * const { q, list } = checkQuantiles([50, 90], 100);
 * if (list !== true || String(q) !== "0.5,0.9") throw new Error("bad");
 * ```
 */
export function checkQuantiles(
  q: number | readonly number[],
  scale: 1 | 100 = 1,
): { q: Float64Array; list: boolean } {
  const list = Array.isArray(q) || ArrayBuffer.isView(q);
  const values = list ? Array.from(q as ArrayLike<number>) : [q];
  const out = new Float64Array(values.length);
  values.forEach((v, i) => {
    if (typeof v !== "number") {
      throw new TypeError(`Invalid q ${String(v)}: expected a number or a list of numbers`);
    }
    if (!(v >= 0 && v <= scale)) {
      const what = scale === 1 ? "quantiles" : "percentiles";
      throw new RangeError(`Invalid q ${v}: ${what} must be in [0, ${scale}]`);
    }
    out[i] = scale === 1 ? v : v / 100;
  });
  return { q: out, list };
}

/**
 * Where quantile `q` of `n` sorted values lies, as NumPy's `"linear"` method
 * finds it: the two neighbouring order statistics (0-based ranks) and the
 * interpolation weight (NumPy's `gamma`, computed with the same clamping).
 *
 * @param n Number of values (at least 1).
 * @param q The quantile in `[0, 1]`.
 * @returns `lo`, `hi` ranks and `gamma`.
 *
 * @example
 * ```ts
 * import { quantilePositions } from "./sort.ts";
 * const p = quantilePositions(5, 0.3); // virtual index 1.2
 * if (p.lo !== 1 || p.hi !== 2 || Math.abs(p.gamma - 0.2) > 1e-15) throw new Error("bad");
 * ```
 */
export function quantilePositions(n: number, q: number): { lo: number; hi: number; gamma: number } {
  const v = (n - 1) * q;
  let prev = Math.floor(v);
  let next = prev + 1;
  if (v >= n - 1) prev = next = -1;
  if (v < 0) prev = next = 0;
  const gamma = v - prev;
  return { lo: prev < 0 ? n - 1 : prev, hi: next < 0 ? n - 1 : next, gamma };
}

function toNumber(x: Scalar): number {
  return typeof x === "number" ? x : Number(x);
}

/** `b - a` computed in the input dtype, as NumPy's `subtract` does (integers wrap). */
function diffIn(dtype: DType, a: Scalar, b: Scalar): number {
  switch (dtype) {
    case "float64":
      return (b as number) - (a as number);
    case "float32":
      return Math.fround((b as number) - (a as number));
    case "float16":
      return f16round((b as number) - (a as number));
    case "int64":
      return Number(BigInt.asIntN(64, (b as bigint) - (a as bigint)));
    case "uint64":
      return Number(BigInt.asUintN(64, (b as bigint) - (a as bigint)));
    case "int8":
      return (((b as number) - (a as number)) << 24) >> 24;
    case "uint8":
      return ((b as number) - (a as number)) & 0xff;
    case "int16":
      return (((b as number) - (a as number)) << 16) >> 16;
    case "uint16":
      return ((b as number) - (a as number)) & 0xffff;
    case "int32":
      return ((b as number) - (a as number)) | 0;
    case "uint32":
      return ((b as number) - (a as number)) >>> 0;
    default:
      throw new TypeError(`Cannot compute a quantile of "${dtype}" data: subtraction is undefined`);
  }
}

/**
 * NumPy's `_lerp` of the `"linear"` quantile: `a + (b - a) * gamma`, or
 * `b - (b - a) * (1 - gamma)` when `gamma >= 0.5`, with `b - a` computed in
 * the data's dtype (float32 rounds, integers wrap, as in NumPy) and the rest
 * in float64.
 *
 * @param dtype The data's dtype.
 * @param a The lower order statistic.
 * @param b The upper order statistic.
 * @param gamma The weight from {@link quantilePositions}.
 * @returns The quantile as a float64 value.
 * @throws {TypeError} For bool data (NumPy refuses it too).
 *
 * @example
 * ```ts
 * import { lerpQuantile } from "./sort.ts";
 * if (lerpQuantile("float64", 1, 3, 0.25) !== 1.5) throw new Error("bad");
 * ```
 */
export function lerpQuantile(dtype: DType, a: Scalar, b: Scalar, gamma: number): number {
  const d = diffIn(dtype, a, b);
  return gamma >= 0.5 ? toNumber(b) - d * (1 - gamma) : toNumber(a) + d * gamma;
}

/**
 * NumPy's median of the middle order statistics: `a` alone for an odd
 * count (`b` omitted), else the mean of `a` and `b` in NumPy's `mean`
 * dtype (float32 for float32, float32 then float16 for float16, float64
 * otherwise; `(a + b) / 2`, so two huge values overflow as in NumPy).
 *
 * @param dtype The data's dtype.
 * @param a The (lower) middle value.
 * @param b The upper middle value, for an even count.
 * @returns The median.
 *
 * @example
 * ```ts
 * import { medianOfPair } from "./sort.ts";
 * if (medianOfPair("int64", 2n, 5n) !== 3.5) throw new Error("bad");
 * ```
 */
export function medianOfPair(dtype: DType, a: Scalar, b?: Scalar): number {
  const x = toNumber(a);
  if (b === undefined) return x;
  const y = toNumber(b);
  if (dtype === "float32") return Math.fround(Math.fround(x + y) / 2);
  if (dtype === "float16") return f16round(Math.fround(x + y) / 2);
  return (x + y) / 2;
}

/**
 * The dtype of a median of `dtype` data: NumPy keeps float16 and float32,
 * anything else gives float64.
 *
 * @param dtype The data's dtype.
 * @returns The median's dtype.
 *
 * @example
 * ```ts
 * import { medianDType } from "./sort.ts";
 * if (medianDType("float32") !== "float32" || medianDType("int8") !== "float64") throw new Error();
 * ```
 */
export function medianDType(dtype: DType): DType {
  return dtype === "float32" || dtype === "float16" ? dtype : "float64";
}

/** Rows at least this long of 64-bit data are radix-sorted (TypedArray#sort below). */
const RADIX_MIN = 1 << 16;

/**
 * LSD radix sort of 64-bit values in place, 16 bits a round (rounds whose
 * digit is the same for every value are skipped), over order-preserving
 * keys: float bits with the sign folded (every NaN becomes NumPy's NaN with
 * the largest key, so NaN sorts last, as NumPy; payloads are not kept), or integers with
 * the sign bit flipped (`kind` 0 float, 1 signed, 2 unsigned).
 */
function radixSort64(data: Float64Array | BigInt64Array | BigUint64Array, kind: number): void {
  const n = data.length;
  const w = new Uint32Array(data.buffer, data.byteOffset, 2 * n);
  const c = new Uint32Array(4 * 65536);
  for (let i = 0; i < 2 * n; i += 2) {
    let lo = w[i], hi = w[i + 1];
    if (kind === 0) {
      if ((hi & 0x7ff00000) === 0x7ff00000 && ((hi & 0xfffff) | lo) !== 0) {
        hi = 0xfff80000; // NumPy's NaN (0x7ff8...), above every other key
        lo = 0;
      } else if (hi >>> 31) {
        hi = ~hi >>> 0;
        lo = ~lo >>> 0;
      } else hi = (hi | 0x80000000) >>> 0;
    } else if (kind === 1) hi = (hi ^ 0x80000000) >>> 0;
    w[i] = lo;
    w[i + 1] = hi;
    c[lo & 0xffff]++;
    c[65536 + (lo >>> 16)]++;
    c[131072 + (hi & 0xffff)]++;
    c[196608 + (hi >>> 16)]++;
  }
  let src: Uint32Array = w, dst: Uint32Array = new Uint32Array(2 * n);
  for (let d = 0; d < 4; d++) {
    const base = d * 65536, word = d >> 1, shift = (d & 1) * 16;
    if (c[base + ((w[word] >>> shift) & 0xffff)] === n) continue;
    let sum = 0;
    for (let b = base; b < base + 65536; b++) {
      const t = c[b];
      c[b] = sum;
      sum += t;
    }
    for (let i = 0; i < 2 * n; i += 2) {
      const at = 2 * c[base + ((src[i + word] >>> shift) & 0xffff)]++;
      dst[at] = src[i];
      dst[at + 1] = src[i + 1];
    }
    [src, dst] = [dst, src];
  }
  if (src !== w) w.set(src);
  for (let i = 0; i < 2 * n; i += 2) {
    let lo = w[i], hi = w[i + 1];
    if (kind === 0) {
      if (hi >>> 31) hi = (hi & 0x7fffffff) >>> 0;
      else {
        hi = ~hi >>> 0;
        lo = ~lo >>> 0;
      }
    } else if (kind === 1) hi = (hi ^ 0x80000000) >>> 0;
    w[i] = lo;
    w[i + 1] = hi;
  }
}

/**
 * Sorts a contiguous typed array in place, NaN last (as NumPy): a radix
 * sort for long float64/int64/uint64 arrays, TypedArray#sort otherwise.
 *
 * @param data The values.
 * @returns The same array, sorted.
 *
 * @example
 * ```ts
 * import { sortInPlace } from "./sort.ts";
 * const a = sortInPlace(new Float64Array([3, NaN, -1, 2]));
 * if (String(a) !== "-1,2,3,NaN") throw new Error(`got ${a}`);
 * ```
 */
export function sortInPlace<T extends AnyTypedArray>(data: T): T {
  if (data.length >= RADIX_MIN && data.BYTES_PER_ELEMENT === 8) {
    const kind = data instanceof Float64Array ? 0 : data instanceof BigInt64Array ? 1 : 2;
    radixSort64(data as Float64Array, kind);
  } else data.sort();
  return data;
}

/** Sorts `n`-element rows of a contiguous typed array in place (NaN last, as NumPy). */
function sortRows(data: AnyTypedArray, n: number): void {
  if (n <= 1) return;
  for (let o = 0; o + n <= data.length; o += n) sortInPlace(data.subarray(o, o + n));
}

function moveLast(a: NDArray, axes: readonly number[]): { c: NDArray; outer: number[]; n: number } {
  const rest = a.shape.map((_, i) => i).filter((i) => !axes.includes(i));
  const c = a.transpose([...rest, ...axes]).copy();
  let n = 1;
  for (const ax of axes) n *= a.shape[ax];
  return { c, outer: rest.map((i) => a.shape[i]), n };
}

/**
 * The sorted copy of an array along an axis, as NumPy's `sort`: ascending,
 * NaN last; `axis: null` sorts the flattened array.
 *
 * @param a The array.
 * @param options `axis` (default -1).
 * @returns A new C-contiguous array of the same dtype.
 * @throws {RangeError} For an axis out of bounds.
 *
 * @example
 * ```ts
 * import { fromArray } from "./ndarray.ts";
 * import { sort } from "./sort.ts";
 * const s = sort(fromArray([[3, 1], [2, NaN]], "float64"), { axis: 0 });
 * if (String(s.toArray()) !== "2,1,3,NaN") throw new Error(`got ${s.toArray()}`);
 * ```
 */
export function sort<D extends DType>(a: NDArray<D>, options: SortOptions = {}): NDArray<D> {
  checkKeys("sort", options, ["axis"]);
  const axis = options?.axis === undefined ? -1 : options.axis;
  if (axis === null) {
    const c = a.copy();
    sortRows(c.data as AnyTypedArray, c.size);
    return c.reshape([a.size]);
  }
  if (typeof axis !== "number") throw new TypeError(`Invalid axis ${String(axis)} for sort()`);
  const ax = normalizeAxis(axis, a.ndim);
  const { c } = moveLast(a, [ax]);
  sortRows(c.data as AnyTypedArray, a.shape[ax]);
  const perm = a.shape.map((_, i) => i).filter((i) => i !== ax);
  perm.push(ax);
  const inv = new Array<number>(a.ndim);
  perm.forEach((p, i) => inv[p] = i);
  return c.transpose(inv).copy() as NDArray<D>;
}

function reducedAxes(a: NDArray, axis: QuantileOptions["axis"]): number[] {
  if (axis === undefined || axis === null) return a.shape.map((_, i) => i);
  const list = typeof axis === "number" ? [axis] : axis;
  if (!Array.isArray(list)) throw new TypeError(`Invalid axis ${String(axis)}`);
  const out = list.map((x) => normalizeAxis(x, a.ndim));
  if (new Set(out).size !== out.length) throw new RangeError(`Invalid axis [${list}]: repeated`);
  return out.sort((x, y) => x - y);
}

/** The output shape of an order statistic over `axes`, with the `q` axis first when listed. */
function outShape(
  shape: readonly number[],
  axes: readonly number[],
  keepdims: boolean,
  qs: number | null,
): number[] {
  const out = keepdims
    ? shape.map((s, i) => axes.includes(i) ? 1 : s)
    : shape.filter((_, i) => !axes.includes(i));
  return qs === null ? out : [qs, ...out];
}

/** The non-NaN prefix length of a sorted row (NaN sorts last). */
function validLength(row: AnyTypedArray, kind: string): number {
  if (kind !== "f") return row.length;
  let n = row.length;
  while (n > 0 && (row[n - 1] as number) !== (row[n - 1] as number)) n--;
  return n;
}

function orderStat(
  which: "median" | "quantile",
  a: NDArray,
  q: Float64Array | null,
  list: boolean,
  options: QuantileOptions,
): NDArray {
  const info = DTYPES[a.dtype];
  if (which === "quantile" && info.kind === "b") {
    throw new TypeError(`Cannot compute a quantile of "bool" data: subtraction is undefined`);
  }
  const axes = reducedAxes(a, options.axis);
  const { c, n } = moveLast(a, axes);
  const rows = n === 0 ? 0 : c.size / n;
  const outer = a.shape.filter((_, i) => !axes.includes(i)).reduce((x, y) => x * y, 1);
  const data = c.data as AnyTypedArray;
  sortRows(data, n);
  const nq = q === null ? 1 : q.length;
  const dtype = which === "median" ? medianDType(a.dtype) : "float64";
  const out = new (DTYPES[dtype].array as Float64ArrayConstructor)(nq * outer);
  if (n === 0 && which === "quantile" && outer > 0) {
    throw new RangeError(`Cannot compute a quantile of an empty slice (shape [${a.shape}])`);
  }
  for (let r = 0; r < outer; r++) {
    const row = rows === 0 ? data.subarray(0, 0) : data.subarray(r * n, r * n + n);
    const m = validLength(row, info.kind);
    const nan = (m < n && !options.skipna) || m === 0;
    for (let k = 0; k < nq; k++) {
      let v: number;
      if (nan) v = NaN;
      else if (which === "median") {
        v = medianOfPair(a.dtype, row[(m - 1) >> 1], m % 2 ? undefined : row[m >> 1]);
      } else {
        const p = quantilePositions(m, q![k]);
        v = lerpQuantile(a.dtype, row[p.lo], row[p.hi], p.gamma);
      }
      out[k * outer + r] = v;
    }
  }
  const shape = outShape(a.shape, axes, options.keepdims ?? false, list ? nq : null);
  return fromTypedArray(out, shape, dtype);
}

/**
 * The median along the given axes, as NumPy's `median` (`nanmedian` with
 * `skipna: true`): float64 for integer data, the input dtype for float32 and
 * float16; NaN for a slice holding a NaN (unless skipped) or an empty slice.
 *
 * @param a The array.
 * @param options `axis`, `keepdims`, `skipna`.
 * @returns The medians.
 * @throws {RangeError} For a bad axis.
 *
 * @example
 * ```ts
 * import { fromArray } from "./ndarray.ts";
 * import { median } from "./sort.ts";
 * const m = median(fromArray([[1, 5, 2], [8, 3, 4]], "int32"), { axis: 1 });
 * if (String(m.toArray()) !== "2,4") throw new Error(`got ${m.toArray()}`);
 * ```
 */
export function median(a: NDArray, options: QuantileOptions = {}): NDArray {
  checkKeys("median", options, ["axis", "keepdims", "skipna"]);
  return orderStat("median", a, null, false, options ?? {});
}

/**
 * Quantiles along the given axes with NumPy's default `"linear"` method
 * (`nanquantile` with `skipna: true`). The result is float64; a list `q`
 * adds a leading axis, one entry per value.
 *
 * @param a The array.
 * @param q A quantile in `[0, 1]` or a list of them.
 * @param options `axis`, `keepdims`, `skipna`.
 * @returns The quantiles.
 * @throws {RangeError} When a `q` is outside `[0, 1]`, for a bad axis or an empty slice.
 * @throws {TypeError} For bool data or a non-numeric `q`.
 *
 * @example
 * ```ts
 * import { fromArray } from "./ndarray.ts";
 * import { quantile } from "./sort.ts";
 * const r = quantile(fromArray([1, 2, 3, 4, 5], "float64"), [0.1, 0.5]);
 * if (String(r.toArray()) !== "1.4,3") throw new Error(`got ${r.toArray()}`);
 * ```
 */
export function quantile(
  a: NDArray,
  q: number | readonly number[],
  options: QuantileOptions = {},
): NDArray {
  checkKeys("quantile", options, ["axis", "keepdims", "skipna"]);
  const c = checkQuantiles(q, 1);
  return orderStat("quantile", a, c.q, c.list, options ?? {});
}

/**
 * Percentiles along the given axes: {@link quantile} of `q / 100`, as
 * NumPy's `percentile`.
 *
 * @param a The array.
 * @param q A percentile in `[0, 100]` or a list of them.
 * @param options `axis`, `keepdims`, `skipna`.
 * @returns The percentiles (float64).
 * @throws {RangeError} When a `q` is outside `[0, 100]`, for a bad axis or an empty slice.
 *
 * @example
 * ```ts
 * import { arange } from "./ndarray.ts";
 * import { percentile } from "./sort.ts";
 * if (percentile(arange(11, undefined, undefined, "float64"), 90).get() !== 9) throw new Error("bad");
 * ```
 */
export function percentile(
  a: NDArray,
  q: number | readonly number[],
  options: QuantileOptions = {},
): NDArray {
  checkKeys("percentile", options, ["axis", "keepdims", "skipna"]);
  const c = checkQuantiles(q, 100);
  return orderStat("quantile", a, c.q, c.list, options ?? {});
}
