// The implementation behind reducer() of core/reduce.ts: per reduction, its
// state fields and the step / merge / finish loops over the kernels of
// core/_kernels/, and the Reducer class that checks and runs them.

import { type DType, type DTypeInfo, DTYPES } from "./dtype.ts";
import { empty, NDArray, normalizeAxis } from "./ndarray.ts";
import {
  type Geometry,
  geometry,
  innerIndexStride,
  walkBlock,
  walkIndexed,
} from "./_kernels/reduce_iter.ts";
import {
  addComp,
  compValue,
  floatSumKernel,
  int64SumKernel,
  intSumKernel,
} from "./_kernels/reduce_sum.ts";
import { chanMerge, momentsKernel } from "./_kernels/reduce_moments.ts";
import {
  anyAllKernel,
  argBetter,
  argFold,
  bigProdFold,
  elementKernel,
  floatProdFold,
  intProdFold,
  minMaxKernel,
} from "./_kernels/reduce_order.ts";
import { argNanFold, floatNanProdFold } from "./_kernels/reduce_nan.ts";

import {
  type ReduceOptions,
  type Reducer,
  type ReduceState,
  REDUCTION_NAMES,
  type ReductionName,
  type StateArray,
  type StateField,
} from "./reduce.ts";

interface Impl {
  fields: readonly (StateField & { init: number | bigint })[];
  step(arrays: Record<string, StateArray>, block: NDArray, start: readonly number[]): void;
  merge(into: Record<string, StateArray>, from: Record<string, StateArray>): void;
  finish(arrays: Record<string, StateArray>, out: NDArray): void;
}

type F64 = Float64Array;
type I64 = BigInt64Array;

function kindOf(d: DType): DTypeInfo["kind"] {
  return (DTYPES[d] as DTypeInfo).kind;
}

function isBig(d: DType): boolean {
  return (DTYPES[d] as DTypeInfo).big;
}

/** Blocks as numbers: 64-bit integers are converted to float64. */
function numeric(block: NDArray): NDArray {
  return isBig(block.dtype) ? block.astype("float64") : block;
}

function walk(
  geom: Geometry,
  block: NDArray,
  start: readonly number[],
  k: Parameters<typeof walkBlock>[6],
): void {
  walkBlock(geom, block.data, block.shape, block.strides, block.offset, start, k);
}

function store(out: NDArray, k: number, v: number | bigint): void {
  const d = out.data as unknown as { [i: number]: number | bigint };
  const inf = DTYPES[out.dtype] as DTypeInfo;
  if (inf.big) d[k] = typeof v === "bigint" ? v : BigInt(Math.trunc(v));
  else if (inf.kind === "b") d[k] = v !== 0 && v !== 0n ? 1 : 0;
  else if (typeof v === "bigint") {
    d[k] = inf.kind === "f" ? Number(v) : Number(BigInt.asIntN(32, v));
  } else d[k] = inf.kind === "f" ? v : Math.trunc(v);
}

function floatSumImpl(geom: Geometry, skipNaN: boolean, isMean: boolean): Impl {
  const fields: Impl["fields"] = [
    { name: "sum", dtype: "float64", init: 0 },
    { name: "comp", dtype: "float64", init: 0 },
    ...(isMean ? [{ name: "count", dtype: "float64" as const, init: 0 }] : []),
  ];
  return {
    fields,
    step(a, block, start) {
      const b = numeric(block);
      const k = floatSumKernel(
        a.sum as F64,
        a.comp as F64,
        isMean ? a.count as F64 : null,
        skipNaN,
      );
      walk(geom, b, start, k);
    },
    merge(into, from) {
      const S = into.sum as F64;
      const C = into.comp as F64;
      const S2 = from.sum as F64;
      const C2 = from.comp as F64;
      for (let k = 0; k < S.length; k++) addComp(S, C, k, S2[k], C2[k]);
      if (isMean) {
        const N = into.count as F64;
        const N2 = from.count as F64;
        for (let k = 0; k < N.length; k++) N[k] += N2[k];
      }
    },
    finish(a, out) {
      const S = a.sum as F64;
      const C = a.comp as F64;
      for (let k = 0; k < S.length; k++) {
        const v = compValue(S[k], C[k]);
        store(out, k, isMean ? v / (a.count as F64)[k] : v);
      }
    },
  };
}

function intSumImpl(geom: Geometry, nonzero: boolean): Impl {
  return {
    fields: [
      { name: "lo", dtype: "float64", init: 0 },
      { name: "hi", dtype: "float64", init: 0 },
      { name: "wrap", dtype: "int64", init: 0n },
    ],
    step(a, block, start) {
      const L = a.lo as F64;
      const W = a.wrap as I64;
      let b = block;
      if (nonzero) {
        if (isBig(b.dtype)) b = b.astype("bool");
        walk(geom, b, start, intSumKernel(L, W, true));
      } else if (isBig(b.dtype)) {
        const buf = b.data as BigInt64Array;
        const lo = new Uint32Array(buf.buffer, buf.byteOffset, buf.length * 2);
        const hi = b.dtype === "int64"
          ? new Int32Array(buf.buffer, buf.byteOffset, buf.length * 2)
          : new Uint32Array(buf.buffer, buf.byteOffset, buf.length * 2);
        walk(geom, b, start, int64SumKernel(lo, hi, L, a.hi as F64, W));
      } else {
        walk(geom, b, start, intSumKernel(L, W, false));
      }
    },
    merge(into, from) {
      const L = into.lo as F64;
      const H = into.hi as F64;
      const W = into.wrap as I64;
      const L2 = from.lo as F64;
      const H2 = from.hi as F64;
      const W2 = from.wrap as I64;
      for (let k = 0; k < L.length; k++) {
        const l = L[k] + L2[k];
        const h = H[k] + H2[k];
        let w = W[k] + W2[k];
        if (Math.abs(l) >= 2 ** 52 || Math.abs(h) >= 2 ** 52) {
          w += (BigInt(h) << 32n) + BigInt(l);
          L[k] = 0;
          H[k] = 0;
        } else {
          L[k] = l;
          H[k] = h;
        }
        W[k] = BigInt.asIntN(64, w);
      }
    },
    finish(a, out) {
      const L = a.lo as F64;
      const H = a.hi as F64;
      const W = a.wrap as I64;
      for (let k = 0; k < L.length; k++) {
        store(out, k, BigInt.asIntN(64, W[k] + (BigInt(H[k]) << 32n) + BigInt(L[k])));
      }
    },
  };
}

function prodImpl(geom: Geometry, isFloat: boolean, skipNaN = false): Impl {
  if (isFloat) {
    return {
      fields: [{ name: "prod", dtype: "float64", init: 1 }],
      step(a, block, start) {
        const fold = skipNaN ? floatNanProdFold(a.prod as F64) : floatProdFold(a.prod as F64);
        walk(geom, numeric(block), start, elementKernel(fold));
      },
      merge(into, from) {
        const P = into.prod as F64;
        const P2 = from.prod as F64;
        for (let k = 0; k < P.length; k++) P[k] *= P2[k];
      },
      finish(a, out) {
        const P = a.prod as F64;
        for (let k = 0; k < P.length; k++) store(out, k, P[k]);
      },
    };
  }
  return {
    fields: [
      { name: "acc", dtype: "float64", init: 1 },
      { name: "wrap", dtype: "int64", init: 1n },
    ],
    step(a, block, start) {
      const fold = isBig(block.dtype)
        ? bigProdFold(a.wrap as I64)
        : intProdFold(a.acc as F64, a.wrap as I64);
      walk(geom, block, start, elementKernel(fold));
    },
    merge(into, from) {
      const W = into.wrap as I64;
      const W2 = from.wrap as I64;
      const A2 = from.acc as F64;
      for (let k = 0; k < W.length; k++) W[k] = BigInt.asIntN(64, W[k] * W2[k] * BigInt(A2[k]));
    },
    finish(a, out) {
      const W = a.wrap as I64;
      const A = a.acc as F64;
      for (let k = 0; k < W.length; k++) store(out, k, BigInt.asIntN(64, W[k] * BigInt(A[k])));
    },
  };
}

function valueField(input: DType): "float64" | "int64" | "uint64" {
  return input === "int64" ? "int64" : input === "uint64" ? "uint64" : "float64";
}

function extreme(input: DType, isMax: boolean): number | bigint {
  if (input === "int64") return isMax ? -(2n ** 63n) : 2n ** 63n - 1n;
  if (input === "uint64") return isMax ? 0n : 2n ** 64n - 1n;
  return isMax ? -Infinity : Infinity;
}

function allNaNError(name: string): RangeError {
  const e = new RangeError(
    `Cannot compute "${name}" with skipna of an all-NaN or empty slice: no valid value`,
  );
  e.name = "RangeError";
  return e;
}

function emptyError(name: string, cause?: unknown): RangeError {
  const e = new RangeError(
    `Cannot compute "${name}" of an empty slice: the reduction has no identity`,
    { cause },
  );
  e.name = "RangeError";
  return e;
}

function minMaxImpl(
  geom: Geometry,
  name: string,
  input: DType,
  isMax: boolean,
  skip: boolean,
): Impl {
  const init = extreme(input, isMax);
  return {
    fields: [
      { name: "value", dtype: valueField(input), init },
      { name: "count", dtype: "float64", init: 0 },
      ...(skip ? [{ name: "valid", dtype: "float64" as const, init: 0 }] : []),
    ],
    step(a, block, start) {
      const k = minMaxKernel(
        a.value as F64,
        a.count as F64,
        skip ? a.valid as F64 : null,
        isMax,
      );
      walk(geom, block, start, k);
    },
    merge(into, from) {
      const V = into.value as F64;
      const V2 = from.value as F64;
      const N = into.count as F64;
      const N2 = from.count as F64;
      for (let k = 0; k < V.length; k++) {
        if (N2[k] === 0) continue;
        const v = V[k];
        const x = V2[k];
        if ((isMax ? x > v : x < v) || (!skip && x !== x)) {
          if (v === v) V[k] = x;
        }
        N[k] += N2[k];
      }
      if (skip) {
        const C = into.valid as F64;
        const C2 = from.valid as F64;
        for (let k = 0; k < C.length; k++) C[k] += C2[k];
      }
    },
    finish(a, out) {
      const V = a.value as F64;
      const N = a.count as F64;
      for (let k = 0; k < V.length; k++) {
        if (N[k] === 0) throw emptyError(name);
        store(out, k, skip && (a.valid as F64)[k] === 0 ? NaN : V[k]);
      }
    },
  };
}

function argImpl(
  geom: Geometry,
  name: string,
  input: DType,
  isMax: boolean,
  skipNaN = false,
): Impl {
  return {
    fields: [
      { name: "value", dtype: valueField(input), init: extreme(input, isMax) },
      { name: "index", dtype: "float64", init: 0 },
      { name: "count", dtype: "float64", init: 0 },
    ],
    step(a, block, start) {
      const fold = (skipNaN ? argNanFold : argFold)(
        a.value as F64,
        a.index as F64,
        a.count as F64,
        block.data as F64,
        isMax,
        innerIndexStride(geom),
      );
      walkIndexed(geom, block.shape, block.strides, block.offset, start, fold);
    },
    merge(into, from) {
      const V = into.value as F64;
      const I = into.index as F64;
      const N = into.count as F64;
      const V2 = from.value as F64;
      const I2 = from.index as F64;
      const N2 = from.count as F64;
      for (let k = 0; k < V.length; k++) {
        if (N2[k] === 0) continue;
        if (N[k] === 0 || argBetter(V2[k], I2[k], V[k], I[k], isMax)) {
          V[k] = V2[k];
          I[k] = I2[k];
        }
        N[k] += N2[k];
      }
    },
    finish(a, out) {
      const I = a.index as F64;
      const N = a.count as F64;
      for (let k = 0; k < I.length; k++) {
        if (N[k] === 0) throw skipNaN ? allNaNError(name) : emptyError(name);
        store(out, k, BigInt(I[k]));
      }
    },
  };
}

function anyAllImpl(geom: Geometry, isAll: boolean): Impl {
  return {
    fields: [{ name: "flag", dtype: "uint8", init: isAll ? 1 : 0 }],
    step(a, block, start) {
      const b = isBig(block.dtype) ? block.astype("bool") : block;
      walk(geom, b, start, anyAllKernel(a.flag as Uint8Array, isAll));
    },
    merge(into, from) {
      const B = into.flag as Uint8Array;
      const B2 = from.flag as Uint8Array;
      for (let k = 0; k < B.length; k++) B[k] = isAll ? B[k] & B2[k] : B[k] | B2[k];
    },
    finish(a, out) {
      (out.data as Uint8Array).set(a.flag as Uint8Array);
    },
  };
}

function momentsImpl(geom: Geometry, skipNaN: boolean, ddof: number, isStd: boolean): Impl {
  return {
    fields: [
      { name: "count", dtype: "float64", init: 0 },
      { name: "mean", dtype: "float64", init: 0 },
      { name: "m2", dtype: "float64", init: 0 },
    ],
    step(a, block, start) {
      const k = momentsKernel(a.count as F64, a.mean as F64, a.m2 as F64, skipNaN);
      walk(geom, numeric(block), start, k);
    },
    merge(into, from) {
      const N = into.count as F64;
      const M = into.mean as F64;
      const Q = into.m2 as F64;
      const N2 = from.count as F64;
      const M2 = from.mean as F64;
      const Q2 = from.m2 as F64;
      for (let k = 0; k < N.length; k++) chanMerge(N, M, Q, k, N2[k], M2[k], Q2[k]);
    },
    finish(a, out) {
      const N = a.count as F64;
      const Q = a.m2 as F64;
      for (let k = 0; k < N.length; k++) {
        const v = N[k] === 0 ? NaN : Q[k] / Math.max(N[k] - ddof, 0);
        store(out, k, isStd ? Math.sqrt(v) : v);
      }
    },
  };
}

function resolveAxes(name: ReductionName, ndim: number, axis: ReduceOptions["axis"]): number[] {
  if (axis === undefined || axis === null) return [...Array(ndim).keys()];
  if (typeof axis === "number") return [normalizeAxis(axis, ndim)];
  if (!Array.isArray(axis)) {
    throw new TypeError(`Invalid axis "${String(axis)}": expected a number, a list or null`);
  }
  if (name === "argmin" || name === "argmax") {
    throw new TypeError(`Invalid axis [${axis.join(",")}] for ${name}: expected one axis or null`);
  }
  const out = axis.map((a) => normalizeAxis(a, ndim));
  if (new Set(out).size !== out.length) {
    throw new RangeError(`Invalid axis [${axis.join(",")}]: duplicate value`);
  }
  return out.sort((x, y) => x - y);
}

function defaultSumDType(input: DType): DType {
  const k = kindOf(input);
  return k === "f" ? input : k === "u" ? "uint64" : "int64";
}

function floatResult(input: DType): DType {
  return kindOf(input) === "f" ? input : "float64";
}

/** The NaN-skipping form of a reduction under `skipna: true`. */
const NAN_FORM: Readonly<Partial<Record<ReductionName, ReductionName>>> = {
  sum: "nansum",
  mean: "nanmean",
  var: "nanvar",
  std: "nanstd",
  min: "nanmin",
  max: "nanmax",
};

function makeImpl(
  name: ReductionName,
  input: DType,
  geom: Geometry,
  options: ReduceOptions,
): { impl: Impl; result: DType } {
  const dtype = options.dtype;
  const ddof = options.ddof ?? 0;
  if (!Number.isFinite(ddof)) throw new RangeError(`Invalid ddof ${ddof}: must be a finite number`);
  const inKind = kindOf(input);
  const skipna = options.skipna;
  if (skipna !== undefined && typeof skipna !== "boolean") {
    throw new TypeError(`Invalid skipna "${String(skipna)}": expected true or false`);
  }
  // skipna: true on float input takes the nan* form of the reduction (NumPy's
  // nansum, nanmean, ...: missing values skipped, as xarray does); on other
  // input there is no NaN to skip. The nan* names always skip.
  const skip = skipna === true && inKind === "f";
  if (skip && NAN_FORM[name]) name = NAN_FORM[name] as ReductionName;
  switch (name) {
    case "sum":
    case "nansum":
    case "count_nonzero": {
      if (name === "count_nonzero") return { impl: intSumImpl(geom, true), result: "int64" };
      const acc = dtype ?? defaultSumDType(input);
      if (kindOf(acc) === "f") {
        return {
          impl: floatSumImpl(geom, name === "nansum" && inKind === "f", false),
          result: acc,
        };
      }
      const impl = intSumImpl(geom, false);
      return { impl: inKind === "f" ? castingImpl(impl, acc) : impl, result: acc };
    }
    case "prod": {
      const acc = dtype ?? defaultSumDType(input);
      if (kindOf(acc) === "f") return { impl: prodImpl(geom, true, skip), result: acc };
      const impl = prodImpl(geom, false);
      return { impl: inKind === "f" ? castingImpl(impl, acc) : impl, result: acc };
    }
    case "mean":
    case "nanmean":
      return {
        impl: floatSumImpl(geom, name === "nanmean" && inKind === "f", true),
        result: dtype ?? floatResult(input),
      };
    case "var":
    case "std":
    case "nanvar":
    case "nanstd":
      return {
        impl: momentsImpl(
          geom,
          name.startsWith("nan") && inKind === "f",
          ddof,
          name.endsWith("std"),
        ),
        result: dtype ?? floatResult(input),
      };
    case "min":
    case "max":
    case "nanmin":
    case "nanmax":
      return {
        impl: minMaxImpl(
          geom,
          name,
          input,
          name.endsWith("max"),
          name.startsWith("nan") && inKind === "f",
        ),
        result: input,
      };
    case "argmin":
    case "argmax":
      return { impl: argImpl(geom, name, input, name === "argmax", skip), result: "int64" };
    case "any":
    case "all":
      return { impl: anyAllImpl(geom, name === "all"), result: "bool" };
  }
}

/** Wraps an integer impl so float blocks are first cast to the accumulator dtype. */
function castingImpl(impl: Impl, acc: DType): Impl {
  return { ...impl, step: (a, block, start) => impl.step(a, block.astype(acc), start) };
}

export const FIELD_ARRAYS = {
  float64: Float64Array,
  int64: BigInt64Array,
  uint64: BigUint64Array,
  uint8: Uint8Array,
} as const;

export class ReducerImpl implements Reducer {
  readonly name: ReductionName;
  readonly inputDType: DType;
  readonly resultDType: DType;
  readonly globalShape: readonly number[];
  readonly axes: readonly number[];
  readonly outShape: readonly number[];
  readonly slots: number;
  readonly fields: readonly StateField[];
  #impl: Impl;
  #geom: Geometry;
  #keepdims: boolean;

  constructor(name: ReductionName, input: DType, shape: readonly number[], options: ReduceOptions) {
    if (!(REDUCTION_NAMES as readonly string[]).includes(name)) {
      throw new TypeError(
        `Unknown reduction "${name}": expected one of ${REDUCTION_NAMES.join(", ")}`,
      );
    }
    if (!Object.hasOwn(DTYPES, input)) throw new TypeError(`Unknown dtype "${input}"`);
    if (options.dtype !== undefined && !Object.hasOwn(DTYPES, options.dtype)) {
      throw new TypeError(`Unknown dtype "${options.dtype}"`);
    }
    this.name = name;
    this.inputDType = input;
    this.globalShape = Object.freeze([...shape]);
    this.axes = Object.freeze(resolveAxes(name, shape.length, options.axis));
    this.#geom = geometry(shape, this.axes);
    this.outShape = Object.freeze([...this.#geom.outShape]);
    this.slots = this.#geom.slots;
    const { impl, result } = makeImpl(name, input, this.#geom, options);
    this.#impl = impl;
    this.resultDType = result;
    this.fields = Object.freeze(
      impl.fields.map(({ name, dtype }) => Object.freeze({ name, dtype })),
    );
    this.#keepdims = options.keepdims ?? false;
  }

  init(): ReduceState {
    const arrays: Record<string, StateArray> = {};
    for (const f of this.#impl.fields) {
      const a = new FIELD_ARRAYS[f.dtype](this.slots);
      if (f.init !== 0 && f.init !== 0n) (a as Float64Array).fill(f.init as number);
      arrays[f.name] = a;
    }
    return { reduction: this.name, slots: this.slots, arrays };
  }

  #check(state: ReduceState): void {
    if (state?.reduction !== this.name || state.slots !== this.slots) {
      throw new TypeError(
        `Invalid state for "${this.name}" with ${this.slots} slots: got "${state?.reduction}" with ${state?.slots}`,
      );
    }
  }

  step(state: ReduceState, block: NDArray, blockStart?: readonly number[]): ReduceState {
    this.#check(state);
    if (!(block instanceof NDArray)) {
      throw new TypeError(`Invalid block "${String(block)}": expected an NDArray`);
    }
    if (block.dtype !== this.inputDType) {
      throw new TypeError(
        `Invalid block dtype "${block.dtype}": the reducer was made for "${this.inputDType}"`,
      );
    }
    const start = blockStart ?? new Array<number>(block.ndim).fill(0);
    this.#impl.step(state.arrays as Record<string, StateArray>, block, start);
    return state;
  }

  merge(into: ReduceState, from: ReduceState): ReduceState {
    this.#check(into);
    this.#check(from);
    this.#impl.merge(
      into.arrays as Record<string, StateArray>,
      from.arrays as Record<string, StateArray>,
    );
    return into;
  }

  finish(state: ReduceState, options?: { keepdims?: boolean }): NDArray {
    this.#check(state);
    const out = empty(this.outShape, this.resultDType) as NDArray;
    this.#impl.finish(state.arrays as Record<string, StateArray>, out);
    if (options?.keepdims ?? this.#keepdims) return out;
    return out.reshape(this.outShape.filter((_, i) => !this.axes.includes(i)));
  }

  clone(state: ReduceState): ReduceState {
    this.#check(state);
    const arrays: Record<string, StateArray> = {};
    for (const [k, v] of Object.entries(state.arrays)) arrays[k] = v.slice();
    return { reduction: state.reduction, slots: state.slots, arrays };
  }
}
