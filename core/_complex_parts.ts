// Complex elements: views of the real and imaginary parts of a complex array
// and the accepted forms of a complex scalar. Shared by core/ndarray.ts,
// core/create.ts and core/_complex.ts.

import { type Complex, type DType, realDType } from "./dtype.ts";
import { NDArray } from "./ndarray.ts";

/** A view of one part (0 real, 1 imaginary) of a complex array as a float array. */
export function complexPart(a: NDArray, which: 0 | 1): NDArray {
  return new NDArray(
    realDType(a.dtype),
    a.data as never,
    a.shape,
    a.strides.map((s) => 2 * s),
    2 * a.offset + which,
  );
}

/** Whether `x` is a complex scalar: `{ re, im }` or `[re, im]`. */
export function isComplexScalar(x: unknown): x is Complex | readonly [number, number] {
  if (Array.isArray(x)) return x.length === 2 && x.every((v) => typeof v === "number");
  return typeof x === "object" && x !== null && !ArrayBuffer.isView(x) &&
    typeof (x as Complex).re === "number" && typeof (x as Complex).im === "number";
}

/**
 * The real and imaginary parts of a value meant for a complex element: a
 * {@link Complex} `{ re, im }`, a pair `[re, im]`, or a real scalar.
 */
export function complexParts(value: unknown, where: string): [number, number] {
  if (typeof value === "number") return [value, 0];
  if (typeof value === "bigint") return [Number(value), 0];
  if (typeof value === "boolean") return [value ? 1 : 0, 0];
  if (Array.isArray(value) && isComplexScalar(value)) return [value[0], value[1]];
  if (isComplexScalar(value)) return [(value as Complex).re, (value as Complex).im];
  throw new TypeError(
    `Invalid complex value for ${where}: expected { re, im }, [re, im] or a number, got ${
      JSON.stringify(value) ?? typeof value
    }`,
  );
}

/** The TypeError of an operation that has no complex implementation. */
export function complexUnsupported(dtype: DType, what: string): TypeError {
  return new TypeError(`${dtype} is not supported by ${what}`);
}

/** Element `k` of a complex array's buffer (pairs of numbers). */
export function complexAt(data: ArrayLike<unknown>, k: number): Complex {
  const d = data as Float64Array;
  return { re: d[2 * k], im: d[2 * k + 1] };
}

/** Writes element `k` of a complex array's buffer. */
export function setComplexAt(data: ArrayLike<unknown>, k: number, value: unknown): void {
  const [re, im] = complexParts(value, "NDArray.set");
  (data as Float64Array)[2 * k] = re;
  (data as Float64Array)[2 * k + 1] = im;
}
