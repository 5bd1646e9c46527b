// Complex kernels: the ufuncs and reductions that have a complex
// implementation (absolute, negative, conjugate, add, subtract, multiply,
// divide, equal, not_equal; sum, mean, prod). A complex array's typed array
// holds interleaved real/imaginary pairs, so every other kernel refuses
// complex input (see complexUnsupported) instead of computing on the pairs.

import { type Complex, type DType, isComplex, promoteTypes, realDType, toDType } from "./dtype.ts";
import { ShapeMismatchError } from "./errors.ts";
import { broadcastShapes, copyInto, empty, NDArray, normalizeAxis } from "./ndarray.ts";
import { forEachRun } from "./_iter.ts";
import {
  complexPart,
  complexParts,
  complexUnsupported,
  isComplexScalar,
} from "./_complex_parts.ts";
import type { ReduceOptions } from "./reduce.ts";

type Operand = NDArray | number | bigint | boolean | Complex | readonly [number, number];

/** The ufuncs with a complex implementation. */
export const COMPLEX_UFUNCS: ReadonlySet<string> = new Set([
  "absolute",
  "negative",
  "conjugate",
  "add",
  "subtract",
  "multiply",
  "divide",
  "equal",
  "not_equal",
]);

/** Whether any operand is a complex array or a complex scalar. */
export function hasComplex(operands: readonly unknown[]): boolean {
  return operands.some((x) => x instanceof NDArray ? isComplex(x.dtype) : isComplexScalar(x));
}

/** The complex dtype of the loop, by NumPy's rules with weak scalars (NEP 50). */
function loopDType(operands: readonly Operand[]): DType {
  let p: DType | null = null;
  for (const x of operands) {
    if (x instanceof NDArray) p = p === null ? x.dtype : promoteTypes(p, x.dtype);
  }
  if (p === null) return "complex128";
  if (isComplex(p)) return p;
  // a complex scalar with a real array (NEP 50): a float array keeps its
  // precision, an integer or bool array gives complex128
  return p === "float32" || p === "float16" ? "complex64" : "complex128";
}

/** The operand as a complex array of dtype `d` (a 0-d array for a scalar). */
function asComplex(x: Operand, d: DType, name: string): NDArray {
  if (x instanceof NDArray) return x.dtype === d ? x : x.astype(d);
  const out = empty([], d);
  const [re, im] = complexParts(x, name);
  out.set([], { re, im });
  return out;
}

/** Applies the `dtype` and `out` options to a result (same_kind casts, no complex to real). */
function deliver(
  name: string,
  r: NDArray,
  options: { out?: unknown; dtype?: unknown } | undefined,
): NDArray {
  if (options?.dtype !== undefined && options.dtype !== r.dtype) {
    const d = toDType(String(options.dtype));
    if (isComplex(r.dtype) && !isComplex(d)) {
      throw new TypeError(`Cannot compute complex ${name} in dtype "${d}"`);
    }
    r = r.astype(d);
  }
  const out = options?.out;
  if (out === undefined) return r;
  if (!(out instanceof NDArray)) {
    throw new TypeError(`Invalid "out" of ${name}: expected an NDArray`);
  }
  if (out.shape.join() !== r.shape.join()) {
    throw new ShapeMismatchError(
      `Invalid "out" of ${name}: shape [${out.shape.join(",")}], expected [${r.shape.join(",")}]`,
    );
  }
  return copyInto(out, r);
}

/**
 * Applies a complex ufunc (one of {@link COMPLEX_UFUNCS}) to operands of
 * which at least one is complex.
 */
export function complexUfunc(
  name: string,
  operands: readonly Operand[],
  options?: { out?: unknown; dtype?: unknown },
): NDArray {
  if (!COMPLEX_UFUNCS.has(name)) {
    const d = operands.find((x) => x instanceof NDArray && isComplex(x.dtype)) as NDArray;
    throw complexUnsupported(d?.dtype ?? "complex128", name);
  }
  return deliver(name, compute(name, operands), options);
}

function compute(name: string, operands: readonly Operand[]): NDArray {
  const loop = loopDType(operands);
  const xs = operands.map((x) => asComplex(x, loop, name));
  const shape = broadcastShapes(...xs.map((x) => x.shape));
  const vs = xs.map((x) => x.broadcastTo(shape));
  const bufs = vs.map((v) => v.data as Float64Array);
  if (name === "absolute") {
    const out = empty(shape, realDType(loop));
    const o = out.data as Float64Array;
    const b = bufs[0];
    forEachRun(shape, [out.strides, vs[0].strides], [out.offset, vs[0].offset], (s, n, st) => {
      for (let i = 0; i < n; i++) {
        const k = 2 * (s[1] + i * st[1]);
        o[s[0] + i * st[0]] = Math.hypot(b[k], b[k + 1]);
      }
    });
    return out;
  }
  const bool = name === "equal" || name === "not_equal";
  const out = empty(shape, bool ? "bool" : loop);
  const o = out.data as Float64Array;
  const strides = [out.strides, ...vs.map((v) => v.strides)];
  const offsets = [out.offset, ...vs.map((v) => v.offset)];
  const a = bufs[0];
  const b = bufs[1];
  const kernel = KERNELS[name];
  forEachRun(shape, strides, offsets, (s, n, st) => {
    kernel(o, a, b ?? a, n, s, st);
  });
  return out;
}

type Kernel = (
  o: Float64Array,
  a: Float64Array,
  b: Float64Array,
  n: number,
  s: readonly number[],
  st: readonly number[],
) => void;

// One loop per op, the op chosen once per call (output index, then the
// operands' element indices; complex buffers hold pairs).
const KERNELS: Readonly<Record<string, Kernel>> = {
  negative: (o, a, _b, n, s, st) => {
    for (let i = 0, ko = s[0], ka = s[1]; i < n; i++, ko += st[0], ka += st[1]) {
      o[2 * ko] = -a[2 * ka];
      o[2 * ko + 1] = -a[2 * ka + 1];
    }
  },
  conjugate: (o, a, _b, n, s, st) => {
    for (let i = 0, ko = s[0], ka = s[1]; i < n; i++, ko += st[0], ka += st[1]) {
      o[2 * ko] = a[2 * ka];
      o[2 * ko + 1] = -a[2 * ka + 1];
    }
  },
  equal: (o, a, b, n, s, st) => {
    for (
      let i = 0, ko = s[0], ka = s[1], kb = s[2];
      i < n;
      i++, ko += st[0], ka += st[1], kb += st[2]
    ) {
      o[ko] = a[2 * ka] === b[2 * kb] && a[2 * ka + 1] === b[2 * kb + 1] ? 1 : 0;
    }
  },
  "not_equal": (o, a, b, n, s, st) => {
    for (
      let i = 0, ko = s[0], ka = s[1], kb = s[2];
      i < n;
      i++, ko += st[0], ka += st[1], kb += st[2]
    ) {
      o[ko] = a[2 * ka] === b[2 * kb] && a[2 * ka + 1] === b[2 * kb + 1] ? 0 : 1;
    }
  },
  add: (o, a, b, n, s, st) => {
    for (
      let i = 0, ko = s[0], ka = s[1], kb = s[2];
      i < n;
      i++, ko += st[0], ka += st[1], kb += st[2]
    ) {
      o[2 * ko] = a[2 * ka] + b[2 * kb];
      o[2 * ko + 1] = a[2 * ka + 1] + b[2 * kb + 1];
    }
  },
  subtract: (o, a, b, n, s, st) => {
    for (
      let i = 0, ko = s[0], ka = s[1], kb = s[2];
      i < n;
      i++, ko += st[0], ka += st[1], kb += st[2]
    ) {
      o[2 * ko] = a[2 * ka] - b[2 * kb];
      o[2 * ko + 1] = a[2 * ka + 1] - b[2 * kb + 1];
    }
  },
  multiply: (o, a, b, n, s, st) => {
    for (
      let i = 0, ko = s[0], ka = s[1], kb = s[2];
      i < n;
      i++, ko += st[0], ka += st[1], kb += st[2]
    ) {
      const ar = a[2 * ka], ai = a[2 * ka + 1], br = b[2 * kb], bi = b[2 * kb + 1];
      o[2 * ko] = ar * br - ai * bi;
      o[2 * ko + 1] = ar * bi + ai * br;
    }
  },
  divide: (o, a, b, n, s, st) => {
    for (
      let i = 0, ko = s[0], ka = s[1], kb = s[2];
      i < n;
      i++, ko += st[0], ka += st[1], kb += st[2]
    ) {
      divideInto(o, 2 * ko, a[2 * ka], a[2 * ka + 1], b[2 * kb], b[2 * kb + 1]);
    }
  },
};

/** NumPy's complex division (Smith's algorithm, as in its loops), into `o[k]`, `o[k + 1]`. */
function divideInto(
  o: Float64Array,
  k: number,
  ar: number,
  ai: number,
  br: number,
  bi: number,
): void {
  const absR = Math.abs(br);
  const absI = Math.abs(bi);
  if (absR >= absI) {
    if (absR === 0 && absI === 0) {
      o[k] = ar / absR;
      o[k + 1] = ai / absI;
      return;
    }
    const rat = bi / br;
    const scl = 1 / (br + bi * rat);
    o[k] = (ar + ai * rat) * scl;
    o[k + 1] = (ai - ar * rat) * scl;
    return;
  }
  const rat = br / bi;
  const scl = 1 / (bi + br * rat);
  o[k] = (ar * rat + ai) * scl;
  o[k + 1] = (ai * rat - ar) * scl;
}

/** The reductions with a complex implementation. */
export const COMPLEX_REDUCTIONS: ReadonlySet<string> = new Set(["sum", "mean", "prod"]);

/**
 * A complex reduction: `sum` and `mean` reduce the real and imaginary parts
 * with the float kernels (compensated sums, as for float data); `prod`
 * multiplies in order.
 */
export function complexReduce(
  name: string,
  a: NDArray,
  options: ReduceOptions,
  realReduce: (part: NDArray, options: ReduceOptions) => NDArray,
): NDArray {
  if (!COMPLEX_REDUCTIONS.has(name)) throw complexUnsupported(a.dtype, `reduction "${name}"`);
  if (options.dtype !== undefined && options.dtype !== a.dtype) {
    throw new TypeError(`Option "dtype" is not supported by complex ${name}`);
  }
  if (options.skipna) throw new TypeError(`Option "skipna" is not supported by complex ${name}`);
  const axes = options.axis === undefined || options.axis === null
    ? [...a.shape.keys()]
    : (typeof options.axis === "number" ? [options.axis] : options.axis).map((x) =>
      normalizeAxis(x, a.ndim)
    );
  const opts = { axis: axes, keepdims: options.keepdims ?? false };
  if (name !== "prod") {
    const re = realReduce(complexPart(a, 0), opts);
    const im = realReduce(complexPart(a, 1), opts);
    const out = empty(re.shape, a.dtype);
    const d = out.data as Float64Array;
    const ri = im.toTypedArray() as Float64Array;
    const rr = re.toTypedArray() as Float64Array;
    for (let i = 0; i < rr.length; i++) {
      d[2 * i] = rr[i];
      d[2 * i + 1] = ri[i];
    }
    return out;
  }
  const kept = [...a.shape.keys()].filter((x) => !axes.includes(x));
  const t = a.transpose([...kept, ...axes]).copy();
  const keptShape = kept.map((x) => a.shape[x]);
  const outer = keptShape.reduce((p, n) => p * n, 1);
  const inner = outer === 0 ? 0 : t.size / outer;
  const shape = opts.keepdims ? a.shape.map((n, i) => (axes.includes(i) ? 1 : n)) : keptShape;
  const out = empty(shape, a.dtype);
  const s = t.data as Float64Array;
  const d = out.data as Float64Array;
  for (let j = 0; j < outer; j++) {
    let re = 1;
    let im = 0;
    for (let i = 0; i < inner; i++) {
      const k = 2 * (j * inner + i);
      [re, im] = [re * s[k] - im * s[k + 1], re * s[k + 1] + im * s[k]];
    }
    d[2 * j] = re;
    d[2 * j + 1] = im;
  }
  return out;
}
