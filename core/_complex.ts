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
  forEachRun(shape, strides, offsets, (s, n, st) => {
    for (let i = 0; i < n; i++) {
      const ka = 2 * (s[1] + i * st[1]);
      const ar = a[ka];
      const ai = a[ka + 1];
      const ko = s[0] + i * st[0];
      if (name === "negative" || name === "conjugate") {
        o[2 * ko] = name === "negative" ? -ar : ar;
        o[2 * ko + 1] = -ai;
        continue;
      }
      const kb = 2 * (s[2] + i * st[2]);
      const br = b[kb];
      const bi = b[kb + 1];
      if (bool) {
        const eq = ar === br && ai === bi;
        o[ko] = (name === "equal" ? eq : !eq) ? 1 : 0;
        continue;
      }
      let re: number;
      let im: number;
      if (name === "add") [re, im] = [ar + br, ai + bi];
      else if (name === "subtract") [re, im] = [ar - br, ai - bi];
      else if (name === "multiply") [re, im] = [ar * br - ai * bi, ar * bi + ai * br];
      else [re, im] = divide(ar, ai, br, bi);
      o[2 * ko] = re;
      o[2 * ko + 1] = im;
    }
  });
  return out;
}

/** NumPy's complex division (Smith's algorithm, as in its loops). */
function divide(ar: number, ai: number, br: number, bi: number): [number, number] {
  const absR = Math.abs(br);
  const absI = Math.abs(bi);
  if (absR >= absI) {
    if (absR === 0 && absI === 0) return [ar / absR, ai / absI];
    const rat = bi / br;
    const scl = 1 / (br + bi * rat);
    return [(ar + ai * rat) * scl, (ai - ar * rat) * scl];
  }
  const rat = br / bi;
  const scl = 1 / (bi + br * rat);
  return [(ar * rat + ai) * scl, (ai * rat - ar) * scl];
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
