/**
 * `NDArray`: a view (dtype, typed buffer, shape, strides in elements, offset)
 * and the functions that create one. Slicing, transposing, reshaping a
 * contiguous array and broadcasting rewrite the view and never copy.
 *
 * @module
 */

import { arrayRepr, arrayStr } from "./_repr.ts";
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
  type ScalarOf,
  toDType,
} from "./dtype.ts";
import { complexAt, complexPart, setComplexAt } from "./_complex_parts.ts";
import { ShapeMismatchError } from "./errors.ts";
import { indexSelection, type SliceSpec } from "./indexer.ts";
import { checkShape, cStrides, forEachRun, reshapeStrides, sizeOf } from "./_iter.ts";
import { normAxis } from "./shapes.ts";
import * as ufunc from "./ufunc.ts";
import { type ReduceOptions, REDUCTION_NAMES, type ReductionName, REDUCTIONS } from "./reduce.ts";
import {
  type ElementwiseMethods,
  installOps,
  type ReductionMethods,
  type ScanMethods,
} from "./ops.ts";
import { applyUfunc } from "./_ufunc.ts";
import { copyInto, empty } from "./create.ts";
import {
  median,
  percentile,
  quantile,
  type QuantileOptions,
  sort as sortArray,
  type SortOptions,
} from "./sort.ts";

export {
  arange,
  copyInto,
  empty,
  fromArray,
  fromTypedArray,
  full,
  linspace,
  ones,
  zeros,
} from "./create.ts";

export { broadcastShapes, normalizeAxis } from "./shapes.ts";

export {
  type AxisRange,
  normalizeRange,
  parseSelection,
  type SliceObject,
  type SliceSpec,
} from "./indexer.ts";

/** Nested JS arrays of element values, as returned by {@link NDArray.toArray}. */
export type NestedArray<T> = T | NestedArray<T>[];

/**
 * The methods of {@link NDArray} generated from the operation table
 * `ARRAY_OPS` (core/ops.ts) (`add`, `sqrt`, `sum`, `std`, ...): element-wise methods
 * take `{ out, dtype }` and return a new NDArray (or `out`); reductions
 * return an NDArray, 0-d when every axis is reduced.
 */
export interface NDArray<D extends DType = DType>
  extends
    ElementwiseMethods<ufunc.Operand, NDArray, ufunc.UfuncOptions>,
    ReductionMethods<NDArray>,
    ScanMethods<NDArray> {}

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
      const cap = inf.kind === "c" ? Math.floor(data.length / 2) : data.length;
      if (lo < 0 || hi >= cap) {
        throw new RangeError(
          `View of shape [${this.shape.join(",")}] with strides [${
            this.strides.join(",")
          }] and offset ${offset} does not fit a buffer of ${cap} elements`,
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
   *
   * @example
   * ```ts
   * import { arange } from "./ndarray.ts";
   * const a = arange(6).reshape([2, 3]);
   * if (a.get(1, -1) !== 5n) throw new Error("bad");
   * ```
   */
  get(...idx: number[]): ScalarOf<D> {
    if (isComplex(this.dtype)) return complexAt(this.data, this.#index(idx)) as ScalarOf<D>;
    const v = this.data[this.#index(idx)];
    return (this.dtype === "bool" ? v !== 0 : v) as ScalarOf<D>;
  }

  /**
   * Writes one element, converting the value as a C cast would.
   *
   * @param idx One index per axis.
   * @param value The new value (for a complex array: {@link Complex} `{ re, im }`, `[re, im]` or a number).
   *
   * @example
   * ```ts
   * import { zeros } from "./ndarray.ts";
   * const a = zeros([2, 2], "int8");
   * a.set([1, 0], 300); // wraps as a C cast
   * if (a.get(1, 0) !== 44) throw new Error("bad");
   * ```
   */
  set(idx: readonly number[], value: Scalar | Complex | readonly [number, number]): void {
    if (isComplex(this.dtype)) return setComplexAt(this.data, this.#index(idx), value);
    if (typeof value === "object") {
      throw new TypeError(`Cannot set a complex value in an array of dtype "${this.dtype}"`);
    }
    (this.data as AnyTypedArray)[this.#index(idx)] = castScalar(
      this.dtype,
      value as Scalar,
    ) as never;
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
   *
   * @example
   * ```ts
   * import { zeros } from "./ndarray.ts";
   * const t = zeros([2, 3, 4]).transpose([2, 0, 1]);
   * if (t.shape.join() !== "4,2,3") throw new Error("bad");
   * ```
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
   *
   * @example
   * ```ts
   * import { arange } from "./ndarray.ts";
   * const a = arange(6).reshape([3, -1]);
   * if (a.shape.join() !== "3,2" || a.get(2, 1) !== 5n) throw new Error("bad");
   * ```
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
   *
   * @example
   * ```ts
   * import { arange } from "./ndarray.ts";
   * const b = arange(3).broadcastTo([2, 3]);
   * if (b.strides.join() !== "0,1" || b.get(1, 2) !== 2n) throw new Error("bad");
   * ```
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
   *
   * @example
   * ```ts
   * import { zeros } from "./ndarray.ts";
   * if (zeros([1, 3, 1]).squeeze().shape.join() !== "3") throw new Error("bad");
   * ```
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
   *
   * @example
   * ```ts
   * import { arange } from "./ndarray.ts";
   * const a = arange(4).reshape([2, 2]).T;
   * if ([...a.flat()].join() !== "0,2,1,3") throw new Error("bad");
   * ```
   */
  *flat(): IterableIterator<ScalarOf<D>> {
    const buf = this.data as AnyTypedArray;
    const cplx = isComplex(this.dtype);
    const isBool = this.dtype === "bool";
    const chunks: number[] = [];
    forEachRun(this.shape, [this.strides], [this.offset], (o, n, inner) => {
      chunks.push(o[0], n, inner[0]);
    });
    for (let c = 0; c < chunks.length; c += 3) {
      const [o, n, st] = [chunks[c], chunks[c + 1], chunks[c + 2]];
      for (let i = 0; i < n; i++) {
        if (cplx) {
          const k = 2 * (o + i * st);
          yield { re: buf[k], im: buf[k + 1] } as ScalarOf<D>;
          continue;
        }
        const v = buf[o + i * st];
        yield (isBool ? v !== 0 : v) as ScalarOf<D>;
      }
    }
  }

  /**
   * A C-contiguous copy in a buffer of its own.
   *
   * @returns The copy.
   *
   * @example
   * ```ts
   * import { arange } from "./ndarray.ts";
   * const a = arange(4).reshape([2, 2]).T;
   * const c = a.copy();
   * if (!c.isContiguous || c.data === a.data || c.get(0, 1) !== 2n) throw new Error("bad");
   * ```
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
   * A complex array converts to a real dtype only with
   * `{ discardImaginary: true }` (NumPy discards the imaginary part with a
   * `ComplexWarning`; Tessera throws a TypeError instead unless asked).
   *
   * @param dtype The target dtype.
   * @param options `discardImaginary`: keep only the real part when casting complex to real.
   * @returns The converted copy.
   * @throws {TypeError} Casting complex to a real dtype without `discardImaginary`.
   *
   * @example
   * ```ts
   * import { fromArray } from "./ndarray.ts";
   * const a = fromArray([-1.7, 2.9, 300]).astype("int8");
   * if (a.dtype !== "int8" || [...a.flat()].join() !== "-1,2,44") throw new Error("bad");
   * const c = fromArray([1.5, 2]).astype("complex128");
   * if (c.astype("float32", { discardImaginary: true }).get(0) !== 1.5) throw new Error("bad");
   * ```
   */
  astype<E extends DType>(dtype: E, options: { discardImaginary?: boolean } = {}): NDArray<E> {
    const d = toDType(dtype) as E;
    // complex to real without the option: copyInto's TypeError
    if (isComplex(this.dtype) && !isComplex(d) && options?.discardImaginary === true) {
      return this.real.astype(d);
    }
    const out = empty(this.shape, d);
    copyInto(out, this);
    return out;
  }

  /**
   * The real part: a view for a complex array (as NumPy's `a.real`), the
   * array itself otherwise.
   *
   * @example
   * ```ts
   * import { full } from "./ndarray.ts";
   * const c = full([2], { re: 1, im: -2 }, "complex64");
   * if (c.real.dtype !== "float32" || c.real.get(1) !== 1) throw new Error("bad");
   * ```
   */
  get real(): NDArray {
    return isComplex(this.dtype) ? complexPart(this, 0) : this;
  }

  /**
   * The imaginary part: a view for a complex array (as NumPy's `a.imag`),
   * zeros of the same dtype otherwise.
   *
   * @example
   * ```ts
   * import { full } from "./ndarray.ts";
   * const c = full([2], { re: 1, im: -2 }, "complex128");
   * if (c.imag.get(0) !== -2) throw new Error("bad");
   * ```
   */
  get imag(): NDArray {
    return isComplex(this.dtype) ? complexPart(this, 1) : empty(this.shape, this.dtype);
  }

  /**
   * The complex conjugate (NumPy's `conjugate`); a copy of a real array.
   *
   * @returns A new array.
   *
   * @example
   * ```ts
   * import { full } from "./ndarray.ts";
   * const c = full([1], { re: 1, im: 2 }).conjugate();
   * if ((c.get(0) as unknown as { im: number }).im !== -2) throw new Error("bad");
   * ```
   */
  conjugate(): NDArray<D> {
    return applyUfunc("conjugate", [this]) as NDArray<D>;
  }

  /**
   * Alias of {@link NDArray.conjugate}.
   *
   * @returns A new array.
   *
   * @example
   * ```ts
   * import { full } from "./ndarray.ts";
   * if ((full([1], [3, 4]).conj().get(0) as unknown as { im: number }).im !== -4) throw Error();
   * ```
   */
  conj(): NDArray<D> {
    return this.conjugate();
  }

  /**
   * The elements in C order in a contiguous typed array: the backing
   * buffer itself (no copy) when the view already is exactly that. A complex
   * array gives `2 * size` numbers, real and imaginary parts interleaved (the
   * bytes of NumPy's layout).
   *
   * @returns A typed array of `size` elements (`2 * size` for complex).
   *
   * @example
   * ```ts
   * import { fromArray } from "./ndarray.ts";
   * const t = fromArray([[1, 2], [3, 4]], "float32").T.toTypedArray();
   * if (!(t instanceof Float32Array) || t.join() !== "1,3,2,4") throw new Error("bad");
   * ```
   */
  toTypedArray(): ArrayOf<D> {
    if (this.isContiguous) {
      const d = this.data as AnyTypedArray;
      if (isComplex(this.dtype)) {
        if (this.offset === 0 && d.length === 2 * this.size) return this.data;
        return d.subarray(2 * this.offset, 2 * (this.offset + this.size)) as ArrayOf<D>;
      }
      if (this.offset === 0 && d.length === this.size) return this.data;
      return d.subarray(this.offset, this.offset + this.size) as ArrayOf<D>;
    }
    return this.copy().data;
  }

  /**
   * The elements as nested JS arrays (a scalar for a 0-d array).
   *
   * @returns Nested arrays of numbers, bigints or booleans ({@link Complex} `{ re, im }` objects for complex).
   *
   * @example
   * ```ts
   * import { arange } from "./ndarray.ts";
   * const a = arange(4, undefined, undefined, "int32").reshape([2, 2]);
   * if (JSON.stringify(a.toArray()) !== "[[0,1],[2,3]]") throw new Error("bad");
   * ```
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

  /**
   * The values as NumPy's `str` shows them (`[[0 1 2] [3 4 5]]`, one row per
   * line, more than 1000 elements summarised); `console.log` shows NumPy's
   * `repr` (`array([[0, 1, 2], [3, 4, 5]], dtype=int32)`).
   *
   * @example
   * ```ts
   * import { arange } from "./ndarray.ts";
   * const a = arange(6, undefined, undefined, "int32").reshape([2, 3]);
   * if (String(a) !== "[[0 1 2]\n [3 4 5]]") throw new Error(String(a));
   * if (Deno.inspect(a) !== "array([[0, 1, 2],\n       [3, 4, 5]], dtype=int32)") throw new Error("bad");
   * ```
   */
  toString(): string {
    return arrayStr(this);
  }

  /** What `console.log` and `Deno.inspect` show: NumPy's `repr` of the values. */
  [Symbol.for("Deno.customInspect")](): string {
    return arrayRepr(this);
  }

  /**
   * Any reduction of core/reduce.ts by its NumPy name (`"nanmean"`,
   * `"count_nonzero"`, ...); `sum`, `mean`, `std` and the other reduction
   * methods of `ARRAY_OPS` (core/ops.ts) are shorthands for it.
   *
   * @param name The reduction's NumPy name.
   * @param options `axis`, `keepdims`, `ddof`, `dtype` as the reduction takes them.
   * @returns The result (0-d when every axis is reduced).
   * @throws {TypeError} For an unknown reduction.
   *
   * @example
   * ```ts
   * import { fromArray } from "./ndarray.ts";
   * const a = fromArray([[1, NaN], [3, 4]]);
   * if (String(a.reduce("nanmean", { axis: 0 }).toArray()) !== "2,4") throw new Error("bad");
   * ```
   */
  reduce(name: ReductionName, options: ReduceOptions = {}): NDArray {
    if (!(REDUCTION_NAMES as readonly string[]).includes(name)) {
      throw new TypeError(
        `Unknown reduction "${String(name)}": expected one of ${REDUCTION_NAMES.join(", ")}`,
      );
    }
    return REDUCTIONS[name](this, options);
  }

  /**
   * Limits values to `[min, max]` (NumPy's `clip`; see {@link ufunc.clip}).
   *
   * @param min The lower bound, or null for none.
   * @param max The upper bound, or null for none.
   * @param options `out` and `dtype`.
   * @returns The clipped values.
   *
   * @example
   * ```ts
   * import { fromArray } from "./ndarray.ts";
   * const r = fromArray([-5, 0.5, 9]).clip(0, 1);
   * if (String(r.toArray()) !== "0,0.5,1") throw new Error("bad");
   * ```
   */
  clip(
    min: ufunc.Operand | null,
    max: ufunc.Operand | null,
    options: ufunc.UfuncOptions = {},
  ): NDArray {
    return ufunc.clip(this, min, max, options);
  }

  /**
   * The sorted copy along `axis` (default -1; null flattens), NaN last (core/sort.ts).
   *
   * @param options `axis`.
   * @returns A new array of the same dtype.
   *
   * @example
   * ```ts
   * import { fromArray } from "./ndarray.ts";
   * if (String(fromArray([2, NaN, 1]).sort().toArray()) !== "1,2,NaN") throw new Error("bad");
   * ```
   */
  sort(options: SortOptions = {}): NDArray<D> {
    return sortArray(this, options);
  }

  /**
   * The median over `axis` as NumPy's `median` (`nanmedian` with `skipna`; core/sort.ts).
   *
   * @param options `axis`, `keepdims`, `skipna`.
   * @returns The medians.
   *
   * @example
   * ```ts
   * import { fromArray } from "./ndarray.ts";
   * if (fromArray([4, 1, 3, 2]).median().get() !== 2.5) throw new Error("bad");
   * ```
   */
  median(options: QuantileOptions = {}): NDArray {
    return median(this, options);
  }

  /**
   * Quantiles (`q` in [0, 1], one or a list) with NumPy's `"linear"` method (core/sort.ts).
   *
   * @param q The quantile or quantiles.
   * @param options `axis`, `keepdims`, `skipna`.
   * @returns The quantiles (float64; a list `q` adds a leading axis).
   *
   * @example
   * ```ts
   * import { fromArray } from "./ndarray.ts";
   * if (fromArray([1, 2, 3, 4]).quantile(0.5).get() !== 2.5) throw new Error("bad");
   * ```
   */
  quantile(q: number | readonly number[], options: QuantileOptions = {}): NDArray {
    return quantile(this, q, options);
  }

  /**
   * Percentiles (`q` in [0, 100], one or a list), NumPy's `percentile` (core/sort.ts).
   *
   * @param q The percentile or percentiles.
   * @param options `axis`, `keepdims`, `skipna`.
   * @returns The percentiles (float64).
   *
   * @example
   * ```ts
   * import { arange } from "./ndarray.ts";
   * if (arange(101, undefined, undefined, "float64").percentile(90).get() !== 90) throw new Error("bad");
   * ```
   */
  percentile(q: number | readonly number[], options: QuantileOptions = {}): NDArray {
    return percentile(this, q, options);
  }
}

/**
 * The key of the method an array type of a higher layer (a DistArray) defines
 * to take over a method-form ufunc whose operand it is (`nd.add(dist)`), as
 * NumPy's `__array_ufunc__`: `x[UFUNC_DEFER](name, operands)`.
 */
const UFUNC_DEFER = Symbol.for("tessera.ufunc");

installOps(NDArray.prototype as NDArray, {
  ufunc: (self, name, operands, options) => {
    const other = operands.find((x) =>
      typeof x === "object" && x !== null && !(x instanceof NDArray) && UFUNC_DEFER in x
    ) as Record<symbol, (name: string, operands: unknown[]) => unknown> | undefined;
    if (other && options === undefined) return other[UFUNC_DEFER](name, [self, ...operands]);
    return applyUfunc(name, [self, ...operands as ufunc.Operand[]], options as ufunc.UfuncOptions);
  },
  reduce: (self, name, options) => REDUCTIONS[name](self, options),
  scan: (self, name, options) => (name === "add" ? ufunc.cumsum : ufunc.cumprod)(self, options),
});
