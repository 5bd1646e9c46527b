/**
 * `NDArray`: a view (dtype, typed buffer, shape, strides in elements, offset)
 * and the functions that create one. Slicing, transposing, reshaping a
 * contiguous array and broadcasting rewrite the view and never copy.
 *
 * @module
 */

import {
  type AnyTypedArray,
  type ArrayOf,
  castScalar,
  type DType,
  type DTypeInfo,
  DTYPES,
  type Scalar,
  scalarDType,
  type ScalarOf,
  toDType,
} from "./dtype.ts";
import { ShapeMismatchError } from "./errors.ts";
import { indexSelection, type SliceSpec } from "./indexer.ts";
import { cStrides, forEachRun, sizeOf } from "./_iter.ts";
import * as ufunc from "./ufunc.ts";
import * as reduce from "./reduce.ts";

export {
  type AxisRange,
  normalizeRange,
  parseSelection,
  type SliceObject,
  type SliceSpec,
} from "./indexer.ts";

/** Nested JS arrays of element values, as returned by {@link NDArray.toArray}. */
export type NestedArray<T> = T | NestedArray<T>[];

function checkShape(shape: readonly number[]): number[] {
  if (!Array.isArray(shape)) {
    throw new TypeError(`Invalid shape ${String(shape)}: expected an array`);
  }
  for (const d of shape) {
    if (!Number.isSafeInteger(d) || d < 0) {
      throw new RangeError(
        `Invalid shape [${shape.join(",")}]: ${d} is not a non-negative integer`,
      );
    }
  }
  return [...shape];
}

function normAxis(axis: number, ndim: number): number {
  if (!Number.isInteger(axis) || axis < -ndim || axis >= ndim) {
    throw new RangeError(`Axis ${axis} is out of bounds for an array of dimension ${ndim}`);
  }
  return axis < 0 ? axis + ndim : axis;
}

/**
 * Normalises an axis argument against `ndim`: negative axes count from the
 * end.
 *
 * @param axis The axis (may be negative).
 * @param ndim Number of dimensions.
 * @returns The axis in `[0, ndim)`.
 * @throws {RangeError} When the axis is out of bounds.
 *
 * @example
 * ```ts
 * import { normalizeAxis } from "./ndarray.ts";
 * if (normalizeAxis(-1, 3) !== 2) throw new Error("bad");
 * ```
 */
export function normalizeAxis(axis: number, ndim: number): number {
  return normAxis(axis, ndim);
}

/**
 * The shape two or more shapes broadcast to, by NumPy's rules.
 *
 * @param shapes The shapes.
 * @returns The broadcast shape.
 * @throws {ShapeMismatchError} When the shapes do not broadcast.
 *
 * @example
 * ```ts
 * import { broadcastShapes } from "./ndarray.ts";
 * if (broadcastShapes([2, 1], [3]).join() !== "2,3") throw new Error("bad");
 * ```
 */
export function broadcastShapes(...shapes: (readonly number[])[]): number[] {
  const nd = Math.max(0, ...shapes.map((s) => s.length));
  const out = new Array<number>(nd).fill(1);
  for (const s of shapes) {
    for (let i = 0; i < s.length; i++) {
      const ax = nd - s.length + i;
      const d = s[i];
      if (d === out[ax] || d === 1) continue;
      if (out[ax] === 1) {
        out[ax] = d;
        continue;
      }
      throw new ShapeMismatchError(
        `Cannot broadcast shapes ${shapes.map((x) => `[${x.join(",")}]`).join(" and ")}: axis ${
          ax - (nd - s.length)
        } has ${out[ax]} and ${d}`,
      );
    }
  }
  return out;
}

/**
 * An n-dimensional array: a view on a typed buffer.
 *
 * @typeParam D The element type.
 *
 * @example
 * ```ts
 * import { arange } from "./ndarray.ts";
 * const a = arange(6).reshape([2, 3]);
 * const t = a.transpose();
 * if (t.get(2, 1) !== 5n) throw new Error("bad");
 * ```
 */
export class NDArray<D extends DType = DType> {
  /** Element type. */
  readonly dtype: D;
  /** The whole backing buffer (a view may use only part of it). */
  readonly data: ArrayOf<D>;
  /** Length of each axis. */
  readonly shape: readonly number[];
  /** Step between neighbours along each axis, in elements (may be 0 or negative). */
  readonly strides: readonly number[];
  /** Index in `data` of the first element. */
  readonly offset: number;

  /**
   * Wraps a typed buffer as an array. Strides default to C order; the
   * view must stay inside the buffer.
   *
   * @param dtype Element type; `data` must be its TypedArray.
   * @param data Backing buffer.
   * @param shape Axis lengths.
   * @param strides Strides in elements (default C order).
   * @param offset First element's index in `data`.
   */
  constructor(
    dtype: D,
    data: ArrayOf<D>,
    shape: readonly number[],
    strides?: readonly number[],
    offset = 0,
  ) {
    const inf: DTypeInfo = DTYPES[dtype];
    if (!inf) throw new TypeError(`Unknown dtype "${String(dtype)}"`);
    if (!(data instanceof inf.array)) {
      throw new TypeError(
        `Invalid buffer for dtype "${dtype}": expected ${inf.array.name}, got ${
          (data as object)?.constructor?.name ?? typeof data
        }`,
      );
    }
    this.dtype = dtype;
    this.data = data;
    this.shape = Object.freeze(checkShape(shape));
    this.strides = Object.freeze(strides ? [...strides] : cStrides(shape));
    this.offset = offset;
    if (this.strides.length !== this.shape.length) {
      throw new ShapeMismatchError(
        `Strides [${this.strides.join(",")}] do not match shape [${this.shape.join(",")}]`,
      );
    }
    if (this.size > 0) {
      let lo = offset;
      let hi = offset;
      for (let i = 0; i < this.shape.length; i++) {
        const span = (this.shape[i] - 1) * this.strides[i];
        if (span < 0) lo += span;
        else hi += span;
      }
      if (lo < 0 || hi >= data.length) {
        throw new RangeError(
          `View of shape [${this.shape.join(",")}] with strides [${
            this.strides.join(",")
          }] and offset ${offset} does not fit a buffer of ${data.length} elements`,
        );
      }
    }
  }

  /** Number of dimensions. */
  get ndim(): number {
    return this.shape.length;
  }

  /** Number of elements. */
  get size(): number {
    return sizeOf(this.shape);
  }

  /** Bytes per element. */
  get itemsize(): number {
    return DTYPES[this.dtype].bytes;
  }

  /** Bytes the elements occupy (size * itemsize). */
  get nbytes(): number {
    return this.size * this.itemsize;
  }

  /** Whether the elements are contiguous in C (row-major) order. */
  get isContiguous(): boolean {
    let acc = 1;
    for (let i = this.ndim - 1; i >= 0; i--) {
      if (this.shape[i] !== 1 && this.strides[i] !== acc) return this.size === 0;
      acc *= this.shape[i];
    }
    return true;
  }

  /** Whether the elements are contiguous in Fortran (column-major) order. */
  get isFContiguous(): boolean {
    let acc = 1;
    for (let i = 0; i < this.ndim; i++) {
      if (this.shape[i] !== 1 && this.strides[i] !== acc) return this.size === 0;
      acc *= this.shape[i];
    }
    return true;
  }

  #index(idx: readonly number[]): number {
    if (idx.length !== this.ndim) {
      throw new RangeError(`Expected ${this.ndim} indices, got ${idx.length}`);
    }
    let o = this.offset;
    for (let i = 0; i < idx.length; i++) {
      const n = this.shape[i];
      let k = idx[i];
      if (!Number.isInteger(k) || k < -n || k >= n) {
        throw new RangeError(`Index ${k} is out of bounds for axis ${i} with size ${n}`);
      }
      if (k < 0) k += n;
      o += k * this.strides[i];
    }
    return o;
  }

  /**
   * Reads one element.
   *
   * @param idx One index per axis (negative counts from the end).
   * @returns The element: a number, a bigint for 64-bit integers, a boolean for bool.
   */
  get(...idx: number[]): ScalarOf<D> {
    const v = this.data[this.#index(idx)];
    return (this.dtype === "bool" ? v !== 0 : v) as ScalarOf<D>;
  }

  /**
   * Writes one element, converting the value as a C cast would.
   *
   * @param idx One index per axis.
   * @param value The new value.
   */
  set(idx: readonly number[], value: Scalar): void {
    (this.data as AnyTypedArray)[this.#index(idx)] = castScalar(this.dtype, value) as never;
  }

  /**
   * A view of a selection: one spec per axis (missing trailing axes are
   * taken whole; a string with commas stands for several axes). Never
   * copies. Parsed by `core/indexer.ts`, as every selection is.
   *
   * @param specs Numbers, ranges (`"1:5"`, `{ start, stop, step }`), `null` (new axis), `"..."`.
   * @returns The view.
   * @throws {RangeError} For an index out of bounds, step 0 or too many indices.
   * @throws {TypeError} For a malformed spec, or an index array or mask (a view cannot hold one).
   *
   * @example
   * ```ts
   * import { arange } from "./ndarray.ts";
   * const a = arange(12, undefined, undefined, "int32").reshape([3, 4]);
   * const v = a.slice("1:, ::-2");
   * if (JSON.stringify(v.toArray()) !== "[[7,5],[11,9]]") throw new Error(`${v.toArray()}`);
   * if (a.slice(null, 0, "...").shape.join() !== "1,4") throw new Error("bad");
   * ```
   */
  slice(...specs: SliceSpec[]): NDArray<D> {
    const sel = indexSelection(this.shape, specs, { caller: "NDArray.slice" });
    const shape: number[] = [];
    const strides: number[] = [];
    let offset = this.offset;
    for (const a of sel.axes) {
      if (a.kind === "newaxis") {
        shape.push(1);
        strides.push(0);
      } else if (a.kind === "index") {
        offset += a.index * this.strides[a.axis];
      } else if (a.kind === "range") {
        if (a.count > 0) offset += a.start * this.strides[a.axis];
        shape.push(a.count);
        strides.push(this.strides[a.axis] * a.step);
      }
    }
    return new NDArray(this.dtype, this.data, shape, strides, offset);
  }

  /**
   * Permutes the axes (reverses them by default). Never copies.
   *
   * @param axes A permutation of `0..ndim-1`.
   * @returns The view.
   */
  transpose(axes?: readonly number[]): NDArray<D> {
    const perm = axes ? axes.map((a) => normAxis(a, this.ndim)) : [...this.shape.keys()].reverse();
    if (perm.length !== this.ndim || new Set(perm).size !== this.ndim) {
      throw new RangeError(
        `Invalid axes [${axes?.join(",")}]: not a permutation of ${this.ndim} axes`,
      );
    }
    return new NDArray(
      this.dtype,
      this.data,
      perm.map((a) => this.shape[a]),
      perm.map((a) => this.strides[a]),
      this.offset,
    );
  }

  /** The transpose (all axes reversed). */
  get T(): NDArray<D> {
    return this.transpose();
  }

  /**
   * A view with a new shape (one axis may be -1). Copies only when the
   * elements cannot be addressed with strides (as NumPy does).
   *
   * @param shape The new shape.
   * @returns The reshaped array.
   * @throws {ShapeMismatchError} When the sizes differ.
   */
  reshape(shape: readonly number[]): NDArray<D> {
    const s = [...shape];
    const neg = s.indexOf(-1);
    if (neg >= 0) {
      const rest = sizeOf(s.filter((_, i) => i !== neg));
      if (rest === 0 || this.size % rest !== 0) {
        throw new ShapeMismatchError(
          `Cannot reshape an array of size ${this.size} into shape [${shape.join(",")}]`,
        );
      }
      s[neg] = this.size / rest;
    }
    checkShape(s);
    if (sizeOf(s) !== this.size) {
      throw new ShapeMismatchError(
        `Cannot reshape an array of size ${this.size} into shape [${shape.join(",")}]`,
      );
    }
    const strides = reshapeStrides(this.shape, this.strides, s);
    if (strides) return new NDArray(this.dtype, this.data, s, strides, this.offset);
    return this.copy().reshape(s);
  }

  /**
   * A read-only-by-convention view broadcast to `shape` (stride 0 on the
   * repeated axes). Never copies.
   *
   * @param shape The target shape.
   * @returns The view.
   * @throws {ShapeMismatchError} When the array does not broadcast to `shape`.
   */
  broadcastTo(shape: readonly number[]): NDArray<D> {
    const nd = shape.length;
    if (nd < this.ndim) {
      throw new ShapeMismatchError(
        `Cannot broadcast shape [${this.shape.join(",")}] to [${shape.join(",")}]: too few axes`,
      );
    }
    const strides = new Array<number>(nd).fill(0);
    for (let i = 0; i < this.ndim; i++) {
      const ax = nd - this.ndim + i;
      const d = this.shape[i];
      if (d === shape[ax]) strides[ax] = this.strides[i];
      else if (d !== 1) {
        throw new ShapeMismatchError(
          `Cannot broadcast shape [${this.shape.join(",")}] to [${
            shape.join(",")
          }]: axis ${i} has ${d} and ${shape[ax]}`,
        );
      }
    }
    return new NDArray(this.dtype, this.data, checkShape(shape), strides, this.offset);
  }

  /**
   * Removes axes of length 1 (all of them, or the ones named).
   *
   * @param axis The axes to remove.
   * @returns The view.
   */
  squeeze(axis?: number | readonly number[]): NDArray<D> {
    const axes = axis === undefined
      ? this.shape.flatMap((d, i) => (d === 1 ? [i] : []))
      : (typeof axis === "number" ? [axis] : axis).map((a) => normAxis(a, this.ndim));
    for (const a of axes) {
      if (this.shape[a] !== 1) {
        throw new RangeError(`Cannot squeeze axis ${a}: it has length ${this.shape[a]}`);
      }
    }
    const keep = [...this.shape.keys()].filter((i) => !axes.includes(i));
    return new NDArray(
      this.dtype,
      this.data,
      keep.map((i) => this.shape[i]),
      keep.map((i) => this.strides[i]),
      this.offset,
    );
  }

  /**
   * Iterates over the elements in C order.
   *
   * @returns An iterator of element values.
   */
  *flat(): IterableIterator<ScalarOf<D>> {
    const buf = this.data as AnyTypedArray;
    const isBool = this.dtype === "bool";
    const chunks: number[] = [];
    forEachRun(this.shape, [this.strides], [this.offset], (o, n, inner) => {
      chunks.push(o[0], n, inner[0]);
    });
    for (let c = 0; c < chunks.length; c += 3) {
      const [o, n, st] = [chunks[c], chunks[c + 1], chunks[c + 2]];
      for (let i = 0; i < n; i++) {
        const v = buf[o + i * st];
        yield (isBool ? v !== 0 : v) as ScalarOf<D>;
      }
    }
  }

  /**
   * A C-contiguous copy in a buffer of its own.
   *
   * @returns The copy.
   */
  copy(): NDArray<D> {
    const out = empty(this.shape, this.dtype);
    copyInto(out, this);
    return out;
  }

  /**
   * A copy converted to another dtype, with C-cast semantics (floats to
   * integers truncate; out-of-range integers wrap; non-zero to bool is true).
   *
   * @param dtype The target dtype.
   * @returns The converted copy.
   */
  astype<E extends DType>(dtype: E): NDArray<E> {
    const d = toDType(dtype) as E;
    const out = empty(this.shape, d);
    copyInto(out, this);
    return out;
  }

  /**
   * The elements in C order in a contiguous typed array: the backing
   * buffer itself (no copy) when the view already is exactly that.
   *
   * @returns A typed array of `size` elements.
   */
  toTypedArray(): ArrayOf<D> {
    if (this.isContiguous) {
      const d = this.data as AnyTypedArray;
      if (this.offset === 0 && d.length === this.size) return this.data;
      return d.subarray(this.offset, this.offset + this.size) as ArrayOf<D>;
    }
    return this.copy().data;
  }

  /**
   * The elements as nested JS arrays (a scalar for a 0-d array).
   *
   * @returns Nested arrays of numbers, bigints or booleans.
   */
  toArray(): NestedArray<ScalarOf<D>> {
    const values = [...this.flat()];
    if (this.ndim === 0) return values[0];
    let pos = 0;
    const build = (ax: number): NestedArray<ScalarOf<D>>[] => {
      const n = this.shape[ax];
      const out: NestedArray<ScalarOf<D>>[] = new Array(n);
      for (let i = 0; i < n; i++) out[i] = ax === this.ndim - 1 ? values[pos++] : build(ax + 1);
      return out;
    };
    return build(0);
  }

  /** A short description: `NDArray<float32>[2,3]`. */
  toString(): string {
    return `NDArray<${this.dtype}>[${this.shape.join(",")}]`;
  }

  // --- ufunc methods (core/ufunc.ts) ---

  /** `this + b` ({@link ufunc.add}). @param b Operand. @param o Options. @returns The sum. */
  add(b: ufunc.Operand, o?: ufunc.UfuncOptions): NDArray {
    return ufunc.add(this, b, o);
  }
  /** `this - b` ({@link ufunc.subtract}). @param b Value. @param o Options. @returns Difference. */
  sub(b: ufunc.Operand, o?: ufunc.UfuncOptions): NDArray {
    return ufunc.subtract(this, b, o);
  }
  /** `this * b` ({@link ufunc.multiply}). @param b Operand. @param o Options. @returns Product. */
  mul(b: ufunc.Operand, o?: ufunc.UfuncOptions): NDArray {
    return ufunc.multiply(this, b, o);
  }
  /** `this / b` ({@link ufunc.divide}). @param b Operand. @param o Options. @returns Quotient. */
  div(b: ufunc.Operand, o?: ufunc.UfuncOptions): NDArray {
    return ufunc.divide(this, b, o);
  }
  /** `this ** b` ({@link ufunc.power}). @param b Exponent. @param o Options. @returns The power. */
  pow(b: ufunc.Operand, o?: ufunc.UfuncOptions): NDArray {
    return ufunc.power(this, b, o);
  }
  /** `this % b` ({@link ufunc.mod}). @param b Divisor. @param o Options. @returns The remainder. */
  mod(b: ufunc.Operand, o?: ufunc.UfuncOptions): NDArray {
    return ufunc.mod(this, b, o);
  }
  /** `-this` ({@link ufunc.negative}). @param o Options. @returns The negation. */
  neg(o?: ufunc.UfuncOptions): NDArray {
    return ufunc.negative(this, o);
  }
  /** `|this|` ({@link ufunc.absolute}). @param o Options. @returns The absolute value. */
  abs(o?: ufunc.UfuncOptions): NDArray {
    return ufunc.absolute(this, o);
  }
  /** Square root ({@link ufunc.sqrt}). @param o Options. @returns The root. */
  sqrt(o?: ufunc.UfuncOptions): NDArray {
    return ufunc.sqrt(this, o);
  }
  /** e to the power `this` ({@link ufunc.exp}). @param o Options. @returns The exponential. */
  exp(o?: ufunc.UfuncOptions): NDArray {
    return ufunc.exp(this, o);
  }
  /** Natural logarithm ({@link ufunc.log}). @param o Options. @returns The logarithm. */
  log(o?: ufunc.UfuncOptions): NDArray {
    return ufunc.log(this, o);
  }
  /** `this == b` ({@link ufunc.equal}). @param b Operand. @param o Options. @returns Bools. */
  eq(b: ufunc.Operand, o?: ufunc.UfuncOptions): NDArray {
    return ufunc.equal(this, b, o);
  }
  /** `this != b` ({@link ufunc.notEqual}). @param b Operand. @param o Options. @returns Bools. */
  ne(b: ufunc.Operand, o?: ufunc.UfuncOptions): NDArray {
    return ufunc.notEqual(this, b, o);
  }
  /** `this < b` ({@link ufunc.less}). @param b Operand. @param o Options. @returns Bools. */
  lt(b: ufunc.Operand, o?: ufunc.UfuncOptions): NDArray {
    return ufunc.less(this, b, o);
  }
  /** `this <= b` ({@link ufunc.lessEqual}). @param b Operand. @param o Options. @returns Bools. */
  le(b: ufunc.Operand, o?: ufunc.UfuncOptions): NDArray {
    return ufunc.lessEqual(this, b, o);
  }
  /** `this > b` ({@link ufunc.greater}). @param b Operand. @param o Options. @returns Bools. */
  gt(b: ufunc.Operand, o?: ufunc.UfuncOptions): NDArray {
    return ufunc.greater(this, b, o);
  }
  /** `this >= b` ({@link ufunc.greaterEqual}). @param b Value. @param o Options. @returns Bools. */
  ge(b: ufunc.Operand, o?: ufunc.UfuncOptions): NDArray {
    return ufunc.greaterEqual(this, b, o);
  }

  // --- end ufunc methods ---

  // --- reduction methods (core/reduce.ts) ---

  /**
   * Sum of the elements (see {@link reduce.sum}).
   *
   * @param options `axis`, `keepdims`, `dtype`.
   * @returns The result (0-d when every axis is reduced).
   */
  sum(options?: reduce.ReduceOptions): NDArray {
    return reduce.sum(this, options);
  }

  /**
   * Product of the elements (see {@link reduce.prod}).
   *
   * @param options `axis`, `keepdims`, `dtype`.
   * @returns The result (0-d when every axis is reduced).
   */
  prod(options?: reduce.ReduceOptions): NDArray {
    return reduce.prod(this, options);
  }

  /**
   * Minimum (see {@link reduce.min}).
   *
   * @param options `axis`, `keepdims`.
   * @returns The result (0-d when every axis is reduced).
   */
  min(options?: reduce.ReduceOptions): NDArray {
    return reduce.min(this, options);
  }

  /**
   * Maximum (see {@link reduce.max}).
   *
   * @param options `axis`, `keepdims`.
   * @returns The result (0-d when every axis is reduced).
   */
  max(options?: reduce.ReduceOptions): NDArray {
    return reduce.max(this, options);
  }

  /**
   * Arithmetic mean (see {@link reduce.mean}).
   *
   * @param options `axis`, `keepdims`, `dtype`.
   * @returns The result (0-d when every axis is reduced).
   */
  mean(options?: reduce.ReduceOptions): NDArray {
    return reduce.mean(this, options);
  }

  /**
   * Variance (see {@link reduce.var}).
   *
   * @param options `axis`, `keepdims`, `ddof`.
   * @returns The result (0-d when every axis is reduced).
   */
  var(options?: reduce.ReduceOptions): NDArray {
    return reduce.var(this, options);
  }

  /**
   * Standard deviation (see {@link reduce.std}).
   *
   * @param options `axis`, `keepdims`, `ddof`.
   * @returns The result (0-d when every axis is reduced).
   */
  std(options?: reduce.ReduceOptions): NDArray {
    return reduce.std(this, options);
  }

  /**
   * Index of the minimum (see {@link reduce.argmin}).
   *
   * @param options `axis`, `keepdims`.
   * @returns The result (0-d when every axis is reduced).
   */
  argmin(options?: reduce.ArgOptions): NDArray {
    return reduce.argmin(this, options);
  }

  /**
   * Index of the maximum (see {@link reduce.argmax}).
   *
   * @param options `axis`, `keepdims`.
   * @returns The result (0-d when every axis is reduced).
   */
  argmax(options?: reduce.ArgOptions): NDArray {
    return reduce.argmax(this, options);
  }

  /**
   * Whether any element is non-zero (see {@link reduce.any}).
   *
   * @param options `axis`, `keepdims`.
   * @returns The result (0-d when every axis is reduced).
   */
  any(options?: reduce.ReduceOptions): NDArray {
    return reduce.any(this, options);
  }

  /**
   * Whether every element is non-zero (see {@link reduce.all}).
   *
   * @param options `axis`, `keepdims`.
   * @returns The result (0-d when every axis is reduced).
   */
  all(options?: reduce.ReduceOptions): NDArray {
    return reduce.all(this, options);
  }

  // --- end reduction methods ---
}

// Strides for viewing (shape, strides) as newShape without a copy, or null
// when that is impossible (NumPy's _attempt_nocopy_reshape).
function reshapeStrides(
  oldShape: readonly number[],
  oldStrides: readonly number[],
  newShape: readonly number[],
): number[] | null {
  const os: number[] = [];
  const ost: number[] = [];
  for (let i = 0; i < oldShape.length; i++) {
    if (oldShape[i] !== 1) {
      os.push(oldShape[i]);
      ost.push(oldStrides[i]);
    }
  }
  if (sizeOf(newShape) === 0) return cStrides(newShape);
  const nst = new Array<number>(newShape.length).fill(0);
  let oi = 0;
  let oj = 1;
  let ni = 0;
  let nj = 1;
  while (ni < newShape.length && oi < os.length) {
    let np = newShape[ni];
    let op = os[oi];
    while (np !== op) {
      if (np < op) np *= newShape[nj++];
      else op *= os[oj++];
    }
    for (let ok = oi; ok < oj - 1; ok++) {
      if (ost[ok] !== os[ok + 1] * ost[ok + 1]) return null;
    }
    nst[nj - 1] = ost[oj - 1];
    for (let nk = nj - 1; nk > ni; nk--) nst[nk - 1] = nst[nk] * newShape[nk];
    ni = nj++;
    oi = oj++;
  }
  // trailing ones
  for (let k = ni; k < newShape.length; k++) nst[k] = 1;
  // strides of unit axes are irrelevant; give them a sensible value
  for (let k = 0; k < newShape.length; k++) {
    if (newShape[k] === 1) nst[k] = k + 1 < newShape.length ? nst[k + 1] * newShape[k + 1] : 1;
  }
  return nst;
}

/**
 * Copies `src` into `dst` (same shape after broadcasting `src`), converting
 * dtypes with C-cast semantics.
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
  const data = new inf.array(sizeOf(s)) as ArrayOf<D>;
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
 * @param value The fill value.
 * @param dtype Element type (default: the value's own, `float64` for non-integers).
 * @returns The array.
 *
 * @example
 * ```ts
 * import { full } from "./ndarray.ts";
 * if (full([2], 7, "int16").get(1) !== 7) throw new Error("bad");
 * ```
 */
export function full<D extends DType = DType>(
  shape: readonly number[],
  value: Scalar,
  dtype?: D,
): NDArray<D> {
  const d = (dtype ?? scalarDType(value)) as D;
  const out = empty(shape, d);
  (out.data as Float64Array).fill(castScalar(d, value) as number);
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
 * booleans).
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
  const s = shape ?? [data.length];
  if (sizeOf(s) !== data.length) {
    throw new ShapeMismatchError(
      `Cannot view ${data.length} elements as shape [${s.join(",")}]`,
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
  values: NestedArray<Scalar>,
  dtype?: D,
): NDArray<D> {
  const shape: number[] = [];
  let probe: NestedArray<Scalar> = values;
  while (Array.isArray(probe)) {
    shape.push(probe.length);
    probe = probe[0];
  }
  const flat: Scalar[] = [];
  const walk = (v: NestedArray<Scalar>, ax: number): void => {
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
  for (let i = 0; i < flat.length; i++) buf[i] = castScalar(d, flat[i]) as never;
  return out as unknown as NDArray<D>;
}
