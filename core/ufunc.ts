/**
 * Element-wise functions with NumPy's semantics: broadcasting, type
 * promotion (JS scalars are "weak", as Python scalars are in NumPy 2), the
 * result dtypes of NumPy's loops, C wraparound for integers, exact 64-bit
 * integer arithmetic, and an `out` / `dtype` options object.
 *
 * Each function is a thin dispatcher: it resolves the loop dtype, then runs
 * a kernel from `core/_kernels/`.
 *
 * @example
 * ```ts
 * import { add, sqrt } from "./ufunc.ts";
 * import { fromArray } from "./ndarray.ts";
 * const r = sqrt(add(fromArray([[7], [14]], "float32"), fromArray([2, 11], "float32")));
 * if (r.dtype !== "float32" || r.get(1, 1) !== 5) throw new Error("bad");
 * ```
 *
 * @module
 */

import {
  canCastSafely,
  type DType,
  type DTypeInfo,
  DTYPES,
  promoteScalar,
  promoteTypes,
  type Scalar,
  scalarDType,
  toDType,
} from "./dtype.ts";
import { ShapeMismatchError } from "./errors.ts";
import { broadcastShapes, copyInto, empty, NDArray } from "./ndarray.ts";
import { BINARY_OPS, binaryKernel, type BinaryOp, type OpKind } from "./_kernels/binary.ts";
import { UNARY_OPS, unaryKernel, type UnaryOp } from "./_kernels/unary.ts";
import { whereKernel } from "./_kernels/_where.ts";

/** An operand of a ufunc: an array or a JS scalar (a "weak" scalar, as in NumPy 2). */
export type Operand = NDArray | Scalar;

/** Options every ufunc takes as its last argument. */
export interface UfuncOptions {
  /**
   * Where to write the result. It must have the broadcast shape; the result
   * is cast to its dtype (NumPy's `same_kind` rule) and it is returned.
   */
  readonly out?: NDArray;
  /**
   * The dtype to compute in and return (NumPy's `dtype=`). Inputs are cast
   * to it (`same_kind`). For comparisons and predicates only `bool` is
   * accepted.
   */
  readonly dtype?: DType;
}

const KIND_RANK = { b: 0, u: 1, i: 2, f: 3 } as const;

function sameKind(from: DType, to: DType): boolean {
  const f: DTypeInfo = DTYPES[from];
  const t: DTypeInfo = DTYPES[to];
  return KIND_RANK[f.kind] <= KIND_RANK[t.kind];
}

function isScalar(x: unknown): x is Scalar {
  return typeof x === "number" || typeof x === "bigint" || typeof x === "boolean";
}

function checkOperand(name: string, x: unknown, pos: number): void {
  if (!(x instanceof NDArray) && !isScalar(x)) {
    throw new TypeError(
      `Invalid operand ${pos} of ${name}: expected an NDArray, number, bigint or boolean, got ${
        x === null ? "null" : typeof x === "object" ? x.constructor?.name ?? "object" : typeof x
      }`,
    );
  }
}

/** The promoted dtype of the operands, scalars weak (NEP 50). */
function promoteOperands(ops: readonly Operand[]): DType {
  let p: DType | null = null;
  for (const x of ops) {
    if (x instanceof NDArray) p = p === null ? x.dtype : promoteTypes(p, x.dtype);
  }
  if (p === null) {
    for (const x of ops) {
      const d = scalarDType(x as Scalar);
      p = p === null ? d : promoteTypes(p, d);
    }
    return p as DType;
  }
  for (const x of ops) if (!(x instanceof NDArray)) p = promoteScalar(p, x);
  return p;
}

/**
 * The loop dtype of a float-only op: NumPy takes the first float loop every
 * input casts to safely, so int8 with uint8 computes in float16 although
 * the two promote to int16; a scalar that changes the kind (a float with
 * integers, an int with bool) promotes first.
 */
function floatLoop(ops: readonly Operand[]): DType {
  const weak = promoteOperands(ops);
  const arrays = ops.filter((x): x is NDArray => x instanceof NDArray);
  if (arrays.length === 0 || weak !== promoteOperands(arrays)) {
    return promoteTypes(weak, "float16");
  }
  return arrays.map((x) => promoteTypes(x.dtype, "float16")).reduce(promoteTypes);
}

/** The loop dtype of an op kind for promoted dtype `p`; throws where NumPy has no loop. */
function loopOf(name: string, kind: OpKind, p: DType): DType {
  const k = DTYPES[p].kind;
  switch (kind) {
    case "noBool":
    case "shift":
      if (k === "f" && kind === "shift") break;
      return k === "b" ? "int8" : p;
    case "noBoolError":
      if (k === "b") break;
      return p;
    case "float":
      return k === "f" ? p : promoteTypes(p, "float16");
    case "divide":
      return k === "f" ? p : "float64";
    case "bitwise":
      if (k === "f") break;
      return p;
    default:
      return p;
  }
  throw new TypeError(
    `Unsupported dtype "${p}" for ${name}: ${
      k === "b"
        ? "booleans have no such loop; use logical_xor or logical_not"
        : "it needs integers or booleans"
    }`,
  );
}

const BOOL_RESULT: ReadonlySet<OpKind> = new Set(["compare", "logical", "predicate"]);

/** Loop and result dtypes from the promoted dtype and the `dtype` option. */
function resolve(
  name: string,
  kind: OpKind,
  p: DType,
  dtype: DType | undefined,
): { loop: DType; result: DType } {
  if (dtype === undefined) {
    const loop = loopOf(name, kind, p);
    return { loop, result: BOOL_RESULT.has(kind) ? "bool" : loop };
  }
  const d = toDType(dtype);
  if (BOOL_RESULT.has(kind)) {
    if (d !== "bool") {
      throw new TypeError(`Invalid dtype "${d}" for ${name}: its result is always bool`);
    }
    return { loop: loopOf(name, kind, p), result: "bool" };
  }
  if ((kind === "float" || kind === "divide") && DTYPES[d].kind !== "f") {
    throw new TypeError(`Invalid dtype "${d}" for ${name}: it computes in floating point`);
  }
  if (loopOf(name, kind, d) !== d) {
    throw new TypeError(`Invalid dtype "${d}" for ${name}: NumPy has no such loop`);
  }
  return { loop: d, result: d };
}

function intRange(d: DType): [bigint, bigint] {
  const inf: DTypeInfo = DTYPES[d];
  const bits = BigInt(inf.bytes * 8);
  return inf.kind === "u"
    ? [0n, (1n << bits) - 1n]
    : [-(1n << (bits - 1n)), (1n << (bits - 1n)) - 1n];
}

/** Whether an integral scalar fits an integer (or bool) loop dtype. */
function fits(s: Scalar, loop: DType): boolean {
  const inf: DTypeInfo = DTYPES[loop];
  if (typeof s === "boolean" || inf.kind === "f") return true;
  if (typeof s === "number" && !Number.isInteger(s)) return false;
  if (inf.kind === "b") return false;
  const v = BigInt(s);
  const [lo, hi] = intRange(loop);
  return v >= lo && v <= hi;
}

/** A scalar in the loop's representation: a bigint for 64-bit integer loops, else a number. */
function loopScalar(name: string, s: Scalar, loop: DType): number | bigint {
  const inf: DTypeInfo = DTYPES[loop];
  if (!fits(s, loop)) {
    if (typeof s === "number" && !Number.isInteger(s)) {
      throw new TypeError(`Cannot cast scalar ${s} of ${name} to dtype "${loop}"`);
    }
    throw new RangeError(`Scalar ${s} of ${name} is out of bounds for dtype "${loop}"`);
  }
  if (typeof s === "boolean") return inf.big ? (s ? 1n : 0n) : s ? 1 : 0;
  if (inf.big) return BigInt(s);
  return Number(s);
}

/** An array operand as a kernel of loop dtype `loop` needs it (cast only if values change). */
function loopArray(name: string, x: NDArray, loop: DType, pos: number): NDArray {
  if (x.dtype === loop) return x;
  if (!sameKind(x.dtype, loop)) {
    throw new TypeError(
      `Cannot cast input ${pos} of ${name} from dtype "${x.dtype}" to "${loop}": ` +
        `the casting rule is "same_kind"`,
    );
  }
  const from: DTypeInfo = DTYPES[x.dtype];
  const to: DTypeInfo = DTYPES[loop];
  if (from.big || to.big || !canCastSafely(x.dtype, loop)) return x.astype(loop);
  return x;
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** A new result array, laid out like `like` when that is in Fortran order (NumPy's "K"). */
function allocate(shape: readonly number[], dtype: DType, like: readonly Operand[]): NDArray {
  const first = like.find((x): x is NDArray => x instanceof NDArray && sameShape(x.shape, shape));
  if (first && shape.length > 1 && first.isFContiguous && !first.isContiguous) {
    return empty([...shape].reverse(), dtype).transpose();
  }
  return empty(shape, dtype);
}

/** Whether writing `out` could change an input before the kernel reads it. */
function hazardous(out: NDArray, inputs: readonly NDArray[]): boolean {
  for (const x of inputs) {
    if (x.data.buffer !== out.data.buffer) continue;
    const v = x.broadcastTo(out.shape);
    const same = x.data.byteOffset === out.data.byteOffset &&
      x.data.BYTES_PER_ELEMENT === out.data.BYTES_PER_ELEMENT &&
      v.offset === out.offset && v.strides.every((s, i) =>
        s === out.strides[i] || out.shape[i] === 1
      );
    if (!same) return true;
  }
  return false;
}

/**
 * Runs `compute` into the right destination: a new array, `out` itself, or
 * a temporary that is then cast into `out`.
 */
function deliver(
  name: string,
  shape: readonly number[],
  result: DType,
  operands: readonly Operand[],
  loopInputs: readonly NDArray[],
  out: NDArray | undefined,
  compute: (dest: NDArray) => void,
): NDArray {
  if (out === undefined) {
    const dest = allocate(shape, result, operands);
    compute(dest);
    return dest;
  }
  if (!(out instanceof NDArray)) {
    throw new TypeError(`Invalid out for ${name}: expected an NDArray`);
  }
  if (!sameShape(out.shape, shape)) {
    throw new ShapeMismatchError(
      `Output of ${name} has shape [${out.shape.join(",")}], the result has [${shape.join(",")}]`,
    );
  }
  if (!sameKind(result, out.dtype)) {
    throw new TypeError(
      `Cannot cast the output of ${name} from dtype "${result}" to "${out.dtype}": ` +
        `the casting rule is "same_kind"`,
    );
  }
  if (out.dtype === result && !hazardous(out, loopInputs)) {
    compute(out);
    return out;
  }
  const tmp = empty(shape, result);
  compute(tmp);
  copyInto(out, tmp);
  return out;
}

function unaryUfunc(op: UnaryOp, a: Operand, options: UfuncOptions = {}): NDArray {
  checkOperand(op, a, 0);
  const p = promoteOperands([a]);
  const { loop, result } = resolve(op, UNARY_OPS[op].kind, p, options.dtype);
  const x = a instanceof NDArray
    ? loopArray(op, a, loop, 0)
    : new NDArray(loop, new DTYPES[loop].array(1) as never, [], [], 0);
  if (!(a instanceof NDArray)) x.set([], loopScalar(op, a, loop));
  return deliver(op, x.shape, result, [a], [x], options.out, (dest) => {
    unaryKernel(op, loop, dest, x);
  });
}

function binaryUfunc(op: BinaryOp, a: Operand, b: Operand, options: UfuncOptions = {}): NDArray {
  checkOperand(op, a, 0);
  checkOperand(op, b, 1);
  const kind = BINARY_OPS[op].kind;
  const p = kind === "float" ? floatLoop([a, b]) : promoteOperands([a, b]);
  let { loop, result } = resolve(op, kind, p, options.dtype);
  if (kind === "compare" || kind === "logical") {
    // NumPy 2 compares an out-of-range Python int correctly instead of failing
    for (const s of [a, b]) {
      if (!(s instanceof NDArray) && !fits(s, loop)) loop = "float64";
    }
  }
  const arrays: NDArray[] = [];
  const prep = (x: Operand, pos: number): NDArray | number | bigint => {
    if (!(x instanceof NDArray)) return loopScalar(op, x, loop);
    const v = loopArray(op, x, loop, pos);
    arrays.push(v);
    return v;
  };
  const xa = prep(a, 0);
  const xb = prep(b, 1);
  const shape = broadcastShapes(
    a instanceof NDArray ? a.shape : [],
    b instanceof NDArray ? b.shape : [],
  );
  result = BOOL_RESULT.has(kind) ? "bool" : result;
  return deliver(op, shape, result, [a, b], arrays, options.out, (dest) => {
    binaryKernel(op, loop, dest, xa, xb);
  });
}

/**
 * Absolute value; the most negative integer stays itself (C wraparound) (NumPy's `absolute`).
 *
 * @param x The operand.
 * @param options `out` and `dtype`.
 * @returns The result (`options.out` when given).
 *
 * @example
 * ```ts
 * import { absolute } from "./ufunc.ts";
 * import { fromArray } from "./ndarray.ts";
 * const r = absolute(fromArray([-2, 3], "int8"));
 * if ([...r.flat()].join() !== "2,3") throw new Error(`got ${[...r.flat()]}`);
 * ```
 */
export function absolute(x: Operand, options?: UfuncOptions): NDArray {
  return unaryUfunc("absolute", x, options);
}

/**
 * Numerical negative; unsigned integers wrap, bool is a TypeError (NumPy's `negative`).
 *
 * @param x The operand.
 * @param options `out` and `dtype`.
 * @returns The result (`options.out` when given).
 *
 * @example
 * ```ts
 * import { negative } from "./ufunc.ts";
 * import { fromArray } from "./ndarray.ts";
 * const r = negative(fromArray([1, -2], "int16"));
 * if ([...r.flat()].join() !== "-1,2") throw new Error(`got ${[...r.flat()]}`);
 * ```
 */
export function negative(x: Operand, options?: UfuncOptions): NDArray {
  return unaryUfunc("negative", x, options);
}

/**
 * Sign: -1, 0 or 1 (NaN stays NaN); bool is a TypeError (NumPy's `sign`).
 *
 * @param x The operand.
 * @param options `out` and `dtype`.
 * @returns The result (`options.out` when given).
 *
 * @example
 * ```ts
 * import { sign } from "./ufunc.ts";
 * import { fromArray } from "./ndarray.ts";
 * const r = sign(fromArray([-5, 0, 7]));
 * if ([...r.flat()].join() !== "-1,0,1") throw new Error(`got ${[...r.flat()]}`);
 * ```
 */
export function sign(x: Operand, options?: UfuncOptions): NDArray {
  return unaryUfunc("sign", x, options);
}

/**
 * Square root; integers compute in the smallest float that holds them (NumPy's `sqrt`).
 *
 * @param x The operand.
 * @param options `out` and `dtype`.
 * @returns The result (`options.out` when given).
 *
 * @example
 * ```ts
 * import { sqrt } from "./ufunc.ts";
 * import { fromArray } from "./ndarray.ts";
 * const r = sqrt(fromArray([1, 4, 9], "float32"));
 * if ([...r.flat()].join() !== "1,2,3") throw new Error(`got ${[...r.flat()]}`);
 * ```
 */
export function sqrt(x: Operand, options?: UfuncOptions): NDArray {
  return unaryUfunc("sqrt", x, options);
}

/**
 * The square, `x * x` (integers wrap) (NumPy's `square`).
 *
 * @param x The operand.
 * @param options `out` and `dtype`.
 * @returns The result (`options.out` when given).
 *
 * @example
 * ```ts
 * import { square } from "./ufunc.ts";
 * import { fromArray } from "./ndarray.ts";
 * const r = square(fromArray([3, -4], "int8"));
 * if ([...r.flat()].join() !== "9,16") throw new Error(`got ${[...r.flat()]}`);
 * ```
 */
export function square(x: Operand, options?: UfuncOptions): NDArray {
  return unaryUfunc("square", x, options);
}

/**
 * e to the power x (NumPy's `exp`).
 *
 * @param x The operand.
 * @param options `out` and `dtype`.
 * @returns The result (`options.out` when given).
 *
 * @example
 * ```ts
 * import { exp } from "./ufunc.ts";
 * import { fromArray } from "./ndarray.ts";
 * const r = exp(fromArray([0]));
 * if ([...r.flat()].join() !== "1") throw new Error(`got ${[...r.flat()]}`);
 * ```
 */
export function exp(x: Operand, options?: UfuncOptions): NDArray {
  return unaryUfunc("exp", x, options);
}

/**
 * `exp(x) - 1`, accurate near zero (NumPy's `expm1`).
 *
 * @param x The operand.
 * @param options `out` and `dtype`.
 * @returns The result (`options.out` when given).
 *
 * @example
 * ```ts
 * import { expm1 } from "./ufunc.ts";
 * import { fromArray } from "./ndarray.ts";
 * const r = expm1(fromArray([0]));
 * if ([...r.flat()].join() !== "0") throw new Error(`got ${[...r.flat()]}`);
 * ```
 */
export function expm1(x: Operand, options?: UfuncOptions): NDArray {
  return unaryUfunc("expm1", x, options);
}

/**
 * Natural logarithm (NumPy's `log`).
 *
 * @param x The operand.
 * @param options `out` and `dtype`.
 * @returns The result (`options.out` when given).
 *
 * @example
 * ```ts
 * import { log } from "./ufunc.ts";
 * import { fromArray } from "./ndarray.ts";
 * const r = log(fromArray([1]));
 * if ([...r.flat()].join() !== "0") throw new Error(`got ${[...r.flat()]}`);
 * ```
 */
export function log(x: Operand, options?: UfuncOptions): NDArray {
  return unaryUfunc("log", x, options);
}

/**
 * `log(1 + x)`, accurate near zero (NumPy's `log1p`).
 *
 * @param x The operand.
 * @param options `out` and `dtype`.
 * @returns The result (`options.out` when given).
 *
 * @example
 * ```ts
 * import { log1p } from "./ufunc.ts";
 * import { fromArray } from "./ndarray.ts";
 * const r = log1p(fromArray([0]));
 * if ([...r.flat()].join() !== "0") throw new Error(`got ${[...r.flat()]}`);
 * ```
 */
export function log1p(x: Operand, options?: UfuncOptions): NDArray {
  return unaryUfunc("log1p", x, options);
}

/**
 * Base-10 logarithm (NumPy's `log10`).
 *
 * @param x The operand.
 * @param options `out` and `dtype`.
 * @returns The result (`options.out` when given).
 *
 * @example
 * ```ts
 * import { log10 } from "./ufunc.ts";
 * import { fromArray } from "./ndarray.ts";
 * const r = log10(fromArray([1, 100]));
 * if ([...r.flat()].join() !== "0,2") throw new Error(`got ${[...r.flat()]}`);
 * ```
 */
export function log10(x: Operand, options?: UfuncOptions): NDArray {
  return unaryUfunc("log10", x, options);
}

/**
 * Base-2 logarithm (NumPy's `log2`).
 *
 * @param x The operand.
 * @param options `out` and `dtype`.
 * @returns The result (`options.out` when given).
 *
 * @example
 * ```ts
 * import { log2 } from "./ufunc.ts";
 * import { fromArray } from "./ndarray.ts";
 * const r = log2(fromArray([1, 8]));
 * if ([...r.flat()].join() !== "0,3") throw new Error(`got ${[...r.flat()]}`);
 * ```
 */
export function log2(x: Operand, options?: UfuncOptions): NDArray {
  return unaryUfunc("log2", x, options);
}

/**
 * Sine (radians) (NumPy's `sin`).
 *
 * @param x The operand.
 * @param options `out` and `dtype`.
 * @returns The result (`options.out` when given).
 *
 * @example
 * ```ts
 * import { sin } from "./ufunc.ts";
 * import { fromArray } from "./ndarray.ts";
 * const r = sin(fromArray([0]));
 * if ([...r.flat()].join() !== "0") throw new Error(`got ${[...r.flat()]}`);
 * ```
 */
export function sin(x: Operand, options?: UfuncOptions): NDArray {
  return unaryUfunc("sin", x, options);
}

/**
 * Cosine (radians) (NumPy's `cos`).
 *
 * @param x The operand.
 * @param options `out` and `dtype`.
 * @returns The result (`options.out` when given).
 *
 * @example
 * ```ts
 * import { cos } from "./ufunc.ts";
 * import { fromArray } from "./ndarray.ts";
 * const r = cos(fromArray([0]));
 * if ([...r.flat()].join() !== "1") throw new Error(`got ${[...r.flat()]}`);
 * ```
 */
export function cos(x: Operand, options?: UfuncOptions): NDArray {
  return unaryUfunc("cos", x, options);
}

/**
 * Tangent (radians) (NumPy's `tan`).
 *
 * @param x The operand.
 * @param options `out` and `dtype`.
 * @returns The result (`options.out` when given).
 *
 * @example
 * ```ts
 * import { tan } from "./ufunc.ts";
 * import { fromArray } from "./ndarray.ts";
 * const r = tan(fromArray([0]));
 * if ([...r.flat()].join() !== "0") throw new Error(`got ${[...r.flat()]}`);
 * ```
 */
export function tan(x: Operand, options?: UfuncOptions): NDArray {
  return unaryUfunc("tan", x, options);
}

/**
 * Inverse sine (NumPy's `arcsin`).
 *
 * @param x The operand.
 * @param options `out` and `dtype`.
 * @returns The result (`options.out` when given).
 *
 * @example
 * ```ts
 * import { arcsin } from "./ufunc.ts";
 * import { fromArray } from "./ndarray.ts";
 * const r = arcsin(fromArray([0]));
 * if ([...r.flat()].join() !== "0") throw new Error(`got ${[...r.flat()]}`);
 * ```
 */
export function arcsin(x: Operand, options?: UfuncOptions): NDArray {
  return unaryUfunc("arcsin", x, options);
}

/**
 * Inverse cosine (NumPy's `arccos`).
 *
 * @param x The operand.
 * @param options `out` and `dtype`.
 * @returns The result (`options.out` when given).
 *
 * @example
 * ```ts
 * import { arccos } from "./ufunc.ts";
 * import { fromArray } from "./ndarray.ts";
 * const r = arccos(fromArray([1]));
 * if ([...r.flat()].join() !== "0") throw new Error(`got ${[...r.flat()]}`);
 * ```
 */
export function arccos(x: Operand, options?: UfuncOptions): NDArray {
  return unaryUfunc("arccos", x, options);
}

/**
 * Inverse tangent (NumPy's `arctan`).
 *
 * @param x The operand.
 * @param options `out` and `dtype`.
 * @returns The result (`options.out` when given).
 *
 * @example
 * ```ts
 * import { arctan } from "./ufunc.ts";
 * import { fromArray } from "./ndarray.ts";
 * const r = arctan(fromArray([0]));
 * if ([...r.flat()].join() !== "0") throw new Error(`got ${[...r.flat()]}`);
 * ```
 */
export function arctan(x: Operand, options?: UfuncOptions): NDArray {
  return unaryUfunc("arctan", x, options);
}

/**
 * Hyperbolic sine (NumPy's `sinh`).
 *
 * @param x The operand.
 * @param options `out` and `dtype`.
 * @returns The result (`options.out` when given).
 *
 * @example
 * ```ts
 * import { sinh } from "./ufunc.ts";
 * import { fromArray } from "./ndarray.ts";
 * const r = sinh(fromArray([0]));
 * if ([...r.flat()].join() !== "0") throw new Error(`got ${[...r.flat()]}`);
 * ```
 */
export function sinh(x: Operand, options?: UfuncOptions): NDArray {
  return unaryUfunc("sinh", x, options);
}

/**
 * Hyperbolic cosine (NumPy's `cosh`).
 *
 * @param x The operand.
 * @param options `out` and `dtype`.
 * @returns The result (`options.out` when given).
 *
 * @example
 * ```ts
 * import { cosh } from "./ufunc.ts";
 * import { fromArray } from "./ndarray.ts";
 * const r = cosh(fromArray([0]));
 * if ([...r.flat()].join() !== "1") throw new Error(`got ${[...r.flat()]}`);
 * ```
 */
export function cosh(x: Operand, options?: UfuncOptions): NDArray {
  return unaryUfunc("cosh", x, options);
}

/**
 * Hyperbolic tangent (NumPy's `tanh`).
 *
 * @param x The operand.
 * @param options `out` and `dtype`.
 * @returns The result (`options.out` when given).
 *
 * @example
 * ```ts
 * import { tanh } from "./ufunc.ts";
 * import { fromArray } from "./ndarray.ts";
 * const r = tanh(fromArray([0]));
 * if ([...r.flat()].join() !== "0") throw new Error(`got ${[...r.flat()]}`);
 * ```
 */
export function tanh(x: Operand, options?: UfuncOptions): NDArray {
  return unaryUfunc("tanh", x, options);
}

/**
 * Inverse hyperbolic sine (NumPy's `arcsinh`).
 *
 * @param x The operand.
 * @param options `out` and `dtype`.
 * @returns The result (`options.out` when given).
 *
 * @example
 * ```ts
 * import { arcsinh } from "./ufunc.ts";
 * import { fromArray } from "./ndarray.ts";
 * const r = arcsinh(fromArray([0]));
 * if ([...r.flat()].join() !== "0") throw new Error(`got ${[...r.flat()]}`);
 * ```
 */
export function arcsinh(x: Operand, options?: UfuncOptions): NDArray {
  return unaryUfunc("arcsinh", x, options);
}

/**
 * Inverse hyperbolic cosine (NumPy's `arccosh`).
 *
 * @param x The operand.
 * @param options `out` and `dtype`.
 * @returns The result (`options.out` when given).
 *
 * @example
 * ```ts
 * import { arccosh } from "./ufunc.ts";
 * import { fromArray } from "./ndarray.ts";
 * const r = arccosh(fromArray([1]));
 * if ([...r.flat()].join() !== "0") throw new Error(`got ${[...r.flat()]}`);
 * ```
 */
export function arccosh(x: Operand, options?: UfuncOptions): NDArray {
  return unaryUfunc("arccosh", x, options);
}

/**
 * Inverse hyperbolic tangent (NumPy's `arctanh`).
 *
 * @param x The operand.
 * @param options `out` and `dtype`.
 * @returns The result (`options.out` when given).
 *
 * @example
 * ```ts
 * import { arctanh } from "./ufunc.ts";
 * import { fromArray } from "./ndarray.ts";
 * const r = arctanh(fromArray([0]));
 * if ([...r.flat()].join() !== "0") throw new Error(`got ${[...r.flat()]}`);
 * ```
 */
export function arctanh(x: Operand, options?: UfuncOptions): NDArray {
  return unaryUfunc("arctanh", x, options);
}

/**
 * Floor (largest integer not above x); integers are returned unchanged (NumPy's `floor`).
 *
 * @param x The operand.
 * @param options `out` and `dtype`.
 * @returns The result (`options.out` when given).
 *
 * @example
 * ```ts
 * import { floor } from "./ufunc.ts";
 * import { fromArray } from "./ndarray.ts";
 * const r = floor(fromArray([-1.5, 2.5]));
 * if ([...r.flat()].join() !== "-2,2") throw new Error(`got ${[...r.flat()]}`);
 * ```
 */
export function floor(x: Operand, options?: UfuncOptions): NDArray {
  return unaryUfunc("floor", x, options);
}

/**
 * Ceiling (smallest integer not below x); integers are returned unchanged (NumPy's `ceil`).
 *
 * @param x The operand.
 * @param options `out` and `dtype`.
 * @returns The result (`options.out` when given).
 *
 * @example
 * ```ts
 * import { ceil } from "./ufunc.ts";
 * import { fromArray } from "./ndarray.ts";
 * const r = ceil(fromArray([-1.5, 2.5]));
 * if ([...r.flat()].join() !== "-1,3") throw new Error(`got ${[...r.flat()]}`);
 * ```
 */
export function ceil(x: Operand, options?: UfuncOptions): NDArray {
  return unaryUfunc("ceil", x, options);
}

/**
 * Round to the nearest integer, halves to even (NumPy's `rint`).
 *
 * @param x The operand.
 * @param options `out` and `dtype`.
 * @returns The result (`options.out` when given).
 *
 * @example
 * ```ts
 * import { rint } from "./ufunc.ts";
 * import { fromArray } from "./ndarray.ts";
 * const r = rint(fromArray([0.5, 1.5, -2.5]));
 * if ([...r.flat()].join() !== "0,2,-2") throw new Error(`got ${[...r.flat()]}`);
 * ```
 */
export function rint(x: Operand, options?: UfuncOptions): NDArray {
  return unaryUfunc("rint", x, options);
}

/**
 * `1 / x`; integers use integer division (so most give 0) (NumPy's `reciprocal`).
 *
 * @param x The operand.
 * @param options `out` and `dtype`.
 * @returns The result (`options.out` when given).
 *
 * @example
 * ```ts
 * import { reciprocal } from "./ufunc.ts";
 * import { fromArray } from "./ndarray.ts";
 * const r = reciprocal(fromArray([2, 0.5]));
 * if ([...r.flat()].join() !== "0.5,2") throw new Error(`got ${[...r.flat()]}`);
 * ```
 */
export function reciprocal(x: Operand, options?: UfuncOptions): NDArray {
  return unaryUfunc("reciprocal", x, options);
}

/**
 * Bitwise NOT of integers; logical NOT of booleans; floats are a TypeError (NumPy's `invert`).
 *
 * @param x The operand.
 * @param options `out` and `dtype`.
 * @returns The result (`options.out` when given).
 *
 * @example
 * ```ts
 * import { invert } from "./ufunc.ts";
 * import { fromArray } from "./ndarray.ts";
 * const r = invert(fromArray([0, 5], "uint8"));
 * if ([...r.flat()].join() !== "255,250") throw new Error(`got ${[...r.flat()]}`);
 * ```
 */
export function invert(x: Operand, options?: UfuncOptions): NDArray {
  return unaryUfunc("invert", x, options);
}

/**
 * Logical NOT (true where x is zero); the result is bool (NumPy's `logical_not`).
 *
 * @param x The operand.
 * @param options `out` and `dtype`.
 * @returns The result (`options.out` when given).
 *
 * @example
 * ```ts
 * import { logicalNot } from "./ufunc.ts";
 * import { fromArray } from "./ndarray.ts";
 * const r = logicalNot(fromArray([0, 2]));
 * if ([...r.flat()].join() !== "true,false") throw new Error(`got ${[...r.flat()]}`);
 * ```
 */
export function logicalNot(x: Operand, options?: UfuncOptions): NDArray {
  return unaryUfunc("logical_not", x, options);
}

/**
 * True where x is NaN; the result is bool (NumPy's `isnan`).
 *
 * @param x The operand.
 * @param options `out` and `dtype`.
 * @returns The result (`options.out` when given).
 *
 * @example
 * ```ts
 * import { isnan } from "./ufunc.ts";
 * import { fromArray } from "./ndarray.ts";
 * const r = isnan(fromArray([1, NaN]));
 * if ([...r.flat()].join() !== "false,true") throw new Error(`got ${[...r.flat()]}`);
 * ```
 */
export function isnan(x: Operand, options?: UfuncOptions): NDArray {
  return unaryUfunc("isnan", x, options);
}

/**
 * True where x is positive or negative infinity; the result is bool (NumPy's `isinf`).
 *
 * @param x The operand.
 * @param options `out` and `dtype`.
 * @returns The result (`options.out` when given).
 *
 * @example
 * ```ts
 * import { isinf } from "./ufunc.ts";
 * import { fromArray } from "./ndarray.ts";
 * const r = isinf(fromArray([1, -Infinity]));
 * if ([...r.flat()].join() !== "false,true") throw new Error(`got ${[...r.flat()]}`);
 * ```
 */
export function isinf(x: Operand, options?: UfuncOptions): NDArray {
  return unaryUfunc("isinf", x, options);
}

/**
 * True where x is neither infinite nor NaN; the result is bool (NumPy's `isfinite`).
 *
 * @param x The operand.
 * @param options `out` and `dtype`.
 * @returns The result (`options.out` when given).
 *
 * @example
 * ```ts
 * import { isfinite } from "./ufunc.ts";
 * import { fromArray } from "./ndarray.ts";
 * const r = isfinite(fromArray([1, Infinity, NaN]));
 * if ([...r.flat()].join() !== "true,false,false") throw new Error(`got ${[...r.flat()]}`);
 * ```
 */
export function isfinite(x: Operand, options?: UfuncOptions): NDArray {
  return unaryUfunc("isfinite", x, options);
}

/**
 * Sum (logical OR for booleans; integers wrap) (NumPy's `add`).
 *
 * @param a First operand.
 * @param b Second operand.
 * @param options `out` and `dtype`.
 * @returns The broadcast result (`options.out` when given).
 *
 * @example
 * ```ts
 * import { add } from "./ufunc.ts";
 * import { fromArray } from "./ndarray.ts";
 * const r = add(fromArray([1, 2], "int8"), 127);
 * if ([...r.flat()].join() !== "-128,-127") throw new Error(`got ${[...r.flat()]}`);
 * ```
 */
export function add(a: Operand, b: Operand, options?: UfuncOptions): NDArray {
  return binaryUfunc("add", a, b, options);
}

/**
 * Difference (integers wrap; bool is a TypeError) (NumPy's `subtract`).
 *
 * @param a First operand.
 * @param b Second operand.
 * @param options `out` and `dtype`.
 * @returns The broadcast result (`options.out` when given).
 *
 * @example
 * ```ts
 * import { subtract } from "./ufunc.ts";
 * import { fromArray } from "./ndarray.ts";
 * const r = subtract(fromArray([5, 7]), fromArray([2, 10]));
 * if ([...r.flat()].join() !== "3,-3") throw new Error(`got ${[...r.flat()]}`);
 * ```
 */
export function subtract(a: Operand, b: Operand, options?: UfuncOptions): NDArray {
  return binaryUfunc("subtract", a, b, options);
}

/**
 * Product (logical AND for booleans; integers wrap) (NumPy's `multiply`).
 *
 * @param a First operand.
 * @param b Second operand.
 * @param options `out` and `dtype`.
 * @returns The broadcast result (`options.out` when given).
 *
 * @example
 * ```ts
 * import { multiply } from "./ufunc.ts";
 * import { fromArray } from "./ndarray.ts";
 * const r = multiply(fromArray([3, 4]), 2);
 * if ([...r.flat()].join() !== "6,8") throw new Error(`got ${[...r.flat()]}`);
 * ```
 */
export function multiply(a: Operand, b: Operand, options?: UfuncOptions): NDArray {
  return binaryUfunc("multiply", a, b, options);
}

/**
 * True division: integers and bool compute in float64, floats in their own dtype (NumPy's
 * `divide`).
 *
 * @param a First operand.
 * @param b Second operand.
 * @param options `out` and `dtype`.
 * @returns The broadcast result (`options.out` when given).
 *
 * @example
 * ```ts
 * import { divide } from "./ufunc.ts";
 * import { fromArray } from "./ndarray.ts";
 * const r = divide(fromArray([1, 3]), 2);
 * if ([...r.flat()].join() !== "0.5,1.5") throw new Error(`got ${[...r.flat()]}`);
 * ```
 */
export function divide(a: Operand, b: Operand, options?: UfuncOptions): NDArray {
  return binaryUfunc("divide", a, b, options);
}

/**
 * Floor division (Python's `//`): rounds toward minus infinity; integer division by zero gives 0
 * (NumPy's `floor_divide`).
 *
 * @param a First operand.
 * @param b Second operand.
 * @param options `out` and `dtype`.
 * @returns The broadcast result (`options.out` when given).
 *
 * @example
 * ```ts
 * import { floorDivide } from "./ufunc.ts";
 * import { fromArray } from "./ndarray.ts";
 * const r = floorDivide(fromArray([7, -7]), 2);
 * if ([...r.flat()].join() !== "3,-4") throw new Error(`got ${[...r.flat()]}`);
 * ```
 */
export function floorDivide(a: Operand, b: Operand, options?: UfuncOptions): NDArray {
  return binaryUfunc("floor_divide", a, b, options);
}

/**
 * First operand to the power of the second; integers wrap, negative integer exponents are a
 * RangeError (NumPy's `power`).
 *
 * @param a First operand.
 * @param b Second operand.
 * @param options `out` and `dtype`.
 * @returns The broadcast result (`options.out` when given).
 *
 * @example
 * ```ts
 * import { power } from "./ufunc.ts";
 * import { fromArray } from "./ndarray.ts";
 * const r = power(fromArray([2, 3]), 3);
 * if ([...r.flat()].join() !== "8,27") throw new Error(`got ${[...r.flat()]}`);
 * ```
 */
export function power(a: Operand, b: Operand, options?: UfuncOptions): NDArray {
  return binaryUfunc("power", a, b, options);
}

/**
 * Remainder with Python's sign rule (the sign of the divisor); integer remainder by zero gives 0
 * (NumPy's `remainder`).
 *
 * @param a First operand.
 * @param b Second operand.
 * @param options `out` and `dtype`.
 * @returns The broadcast result (`options.out` when given).
 *
 * @example
 * ```ts
 * import { remainder } from "./ufunc.ts";
 * import { fromArray } from "./ndarray.ts";
 * const r = remainder(fromArray([7, -7]), 3);
 * if ([...r.flat()].join() !== "1,2") throw new Error(`got ${[...r.flat()]}`);
 * ```
 */
export function remainder(a: Operand, b: Operand, options?: UfuncOptions): NDArray {
  return binaryUfunc("remainder", a, b, options);
}

/**
 * Alias of {@link remainder}: remainder with the sign of the divisor (NumPy's `mod`).
 *
 * @param a First operand.
 * @param b Second operand.
 * @param options `out` and `dtype`.
 * @returns The broadcast result (`options.out` when given).
 *
 * @example
 * ```ts
 * import { mod } from "./ufunc.ts";
 * import { fromArray } from "./ndarray.ts";
 * const r = mod(fromArray([7, -7]), -3);
 * if ([...r.flat()].join() !== "-2,-1") throw new Error(`got ${[...r.flat()]}`);
 * ```
 */
export function mod(a: Operand, b: Operand, options?: UfuncOptions): NDArray {
  return binaryUfunc("remainder", a, b, options);
}

/**
 * Remainder with C's sign rule (the sign of the dividend); integer remainder by zero gives 0
 * (NumPy's `fmod`).
 *
 * @param a First operand.
 * @param b Second operand.
 * @param options `out` and `dtype`.
 * @returns The broadcast result (`options.out` when given).
 *
 * @example
 * ```ts
 * import { fmod } from "./ufunc.ts";
 * import { fromArray } from "./ndarray.ts";
 * const r = fmod(fromArray([7, -7]), 3);
 * if ([...r.flat()].join() !== "1,-1") throw new Error(`got ${[...r.flat()]}`);
 * ```
 */
export function fmod(a: Operand, b: Operand, options?: UfuncOptions): NDArray {
  return binaryUfunc("fmod", a, b, options);
}

/**
 * `sqrt(x*x + y*y)` without overflow (NumPy's `hypot`).
 *
 * @param a First operand.
 * @param b Second operand.
 * @param options `out` and `dtype`.
 * @returns The broadcast result (`options.out` when given).
 *
 * @example
 * ```ts
 * import { hypot } from "./ufunc.ts";
 * import { fromArray } from "./ndarray.ts";
 * const r = hypot(fromArray([3, 5]), fromArray([4, 12]));
 * if ([...r.flat()].join() !== "5,13") throw new Error(`got ${[...r.flat()]}`);
 * ```
 */
export function hypot(a: Operand, b: Operand, options?: UfuncOptions): NDArray {
  return binaryUfunc("hypot", a, b, options);
}

/**
 * The angle of the point (y = first, x = second), in radians, with the quadrant (NumPy's
 * `arctan2`).
 *
 * @param a First operand.
 * @param b Second operand.
 * @param options `out` and `dtype`.
 * @returns The broadcast result (`options.out` when given).
 *
 * @example
 * ```ts
 * import { arctan2 } from "./ufunc.ts";
 * import { fromArray } from "./ndarray.ts";
 * const r = arctan2(fromArray([0, 1]), 1);
 * if ([...r.flat()].join() !== "0,0.7853981633974483") throw new Error(`got ${[...r.flat()]}`);
 * ```
 */
export function arctan2(a: Operand, b: Operand, options?: UfuncOptions): NDArray {
  return binaryUfunc("arctan2", a, b, options);
}

/**
 * Element-wise minimum; NaN propagates (NumPy's `minimum`).
 *
 * @param a First operand.
 * @param b Second operand.
 * @param options `out` and `dtype`.
 * @returns The broadcast result (`options.out` when given).
 *
 * @example
 * ```ts
 * import { minimum } from "./ufunc.ts";
 * import { fromArray } from "./ndarray.ts";
 * const r = minimum(fromArray([1, NaN, 5]), 3);
 * if ([...r.flat()].join() !== "1,NaN,3") throw new Error(`got ${[...r.flat()]}`);
 * ```
 */
export function minimum(a: Operand, b: Operand, options?: UfuncOptions): NDArray {
  return binaryUfunc("minimum", a, b, options);
}

/**
 * Element-wise maximum; NaN propagates (NumPy's `maximum`).
 *
 * @param a First operand.
 * @param b Second operand.
 * @param options `out` and `dtype`.
 * @returns The broadcast result (`options.out` when given).
 *
 * @example
 * ```ts
 * import { maximum } from "./ufunc.ts";
 * import { fromArray } from "./ndarray.ts";
 * const r = maximum(fromArray([1, NaN, 5]), 3);
 * if ([...r.flat()].join() !== "3,NaN,5") throw new Error(`got ${[...r.flat()]}`);
 * ```
 */
export function maximum(a: Operand, b: Operand, options?: UfuncOptions): NDArray {
  return binaryUfunc("maximum", a, b, options);
}

/**
 * Bitwise AND of integers or booleans (NumPy's `bitwise_and`).
 *
 * @param a First operand.
 * @param b Second operand.
 * @param options `out` and `dtype`.
 * @returns The broadcast result (`options.out` when given).
 *
 * @example
 * ```ts
 * import { bitwiseAnd } from "./ufunc.ts";
 * import { fromArray } from "./ndarray.ts";
 * const r = bitwiseAnd(fromArray([12, 10], "uint8"), 6);
 * if ([...r.flat()].join() !== "4,2") throw new Error(`got ${[...r.flat()]}`);
 * ```
 */
export function bitwiseAnd(a: Operand, b: Operand, options?: UfuncOptions): NDArray {
  return binaryUfunc("bitwise_and", a, b, options);
}

/**
 * Bitwise OR of integers or booleans (NumPy's `bitwise_or`).
 *
 * @param a First operand.
 * @param b Second operand.
 * @param options `out` and `dtype`.
 * @returns The broadcast result (`options.out` when given).
 *
 * @example
 * ```ts
 * import { bitwiseOr } from "./ufunc.ts";
 * import { fromArray } from "./ndarray.ts";
 * const r = bitwiseOr(fromArray([12, 10], "uint8"), 6);
 * if ([...r.flat()].join() !== "14,14") throw new Error(`got ${[...r.flat()]}`);
 * ```
 */
export function bitwiseOr(a: Operand, b: Operand, options?: UfuncOptions): NDArray {
  return binaryUfunc("bitwise_or", a, b, options);
}

/**
 * Bitwise XOR of integers or booleans (NumPy's `bitwise_xor`).
 *
 * @param a First operand.
 * @param b Second operand.
 * @param options `out` and `dtype`.
 * @returns The broadcast result (`options.out` when given).
 *
 * @example
 * ```ts
 * import { bitwiseXor } from "./ufunc.ts";
 * import { fromArray } from "./ndarray.ts";
 * const r = bitwiseXor(fromArray([12, 10], "uint8"), 6);
 * if ([...r.flat()].join() !== "10,12") throw new Error(`got ${[...r.flat()]}`);
 * ```
 */
export function bitwiseXor(a: Operand, b: Operand, options?: UfuncOptions): NDArray {
  return binaryUfunc("bitwise_xor", a, b, options);
}

/**
 * Shift the bits left (shifts of the bit width or more give 0) (NumPy's `left_shift`).
 *
 * @param a First operand.
 * @param b Second operand.
 * @param options `out` and `dtype`.
 * @returns The broadcast result (`options.out` when given).
 *
 * @example
 * ```ts
 * import { leftShift } from "./ufunc.ts";
 * import { fromArray } from "./ndarray.ts";
 * const r = leftShift(fromArray([1, 3], "int8"), fromArray([7, 1], "int8"));
 * if ([...r.flat()].join() !== "-128,6") throw new Error(`got ${[...r.flat()]}`);
 * ```
 */
export function leftShift(a: Operand, b: Operand, options?: UfuncOptions): NDArray {
  return binaryUfunc("left_shift", a, b, options);
}

/**
 * Shift the bits right, arithmetic for signed integers (NumPy's `right_shift`).
 *
 * @param a First operand.
 * @param b Second operand.
 * @param options `out` and `dtype`.
 * @returns The broadcast result (`options.out` when given).
 *
 * @example
 * ```ts
 * import { rightShift } from "./ufunc.ts";
 * import { fromArray } from "./ndarray.ts";
 * const r = rightShift(fromArray([-8, 8], "int16"), 2);
 * if ([...r.flat()].join() !== "-2,2") throw new Error(`got ${[...r.flat()]}`);
 * ```
 */
export function rightShift(a: Operand, b: Operand, options?: UfuncOptions): NDArray {
  return binaryUfunc("right_shift", a, b, options);
}

/**
 * Logical AND of truth values; the result is bool (NumPy's `logical_and`).
 *
 * @param a First operand.
 * @param b Second operand.
 * @param options `out` and `dtype`.
 * @returns The broadcast result (`options.out` when given).
 *
 * @example
 * ```ts
 * import { logicalAnd } from "./ufunc.ts";
 * import { fromArray } from "./ndarray.ts";
 * const r = logicalAnd(fromArray([0, 1, 2]), 1);
 * if ([...r.flat()].join() !== "false,true,true") throw new Error(`got ${[...r.flat()]}`);
 * ```
 */
export function logicalAnd(a: Operand, b: Operand, options?: UfuncOptions): NDArray {
  return binaryUfunc("logical_and", a, b, options);
}

/**
 * Logical OR of truth values; the result is bool (NumPy's `logical_or`).
 *
 * @param a First operand.
 * @param b Second operand.
 * @param options `out` and `dtype`.
 * @returns The broadcast result (`options.out` when given).
 *
 * @example
 * ```ts
 * import { logicalOr } from "./ufunc.ts";
 * import { fromArray } from "./ndarray.ts";
 * const r = logicalOr(fromArray([0, 0, 2]), fromArray([0, 1, 0]));
 * if ([...r.flat()].join() !== "false,true,true") throw new Error(`got ${[...r.flat()]}`);
 * ```
 */
export function logicalOr(a: Operand, b: Operand, options?: UfuncOptions): NDArray {
  return binaryUfunc("logical_or", a, b, options);
}

/**
 * Logical XOR of truth values; the result is bool (NumPy's `logical_xor`).
 *
 * @param a First operand.
 * @param b Second operand.
 * @param options `out` and `dtype`.
 * @returns The broadcast result (`options.out` when given).
 *
 * @example
 * ```ts
 * import { logicalXor } from "./ufunc.ts";
 * import { fromArray } from "./ndarray.ts";
 * const r = logicalXor(fromArray([0, 1, 2]), true);
 * if ([...r.flat()].join() !== "true,false,false") throw new Error(`got ${[...r.flat()]}`);
 * ```
 */
export function logicalXor(a: Operand, b: Operand, options?: UfuncOptions): NDArray {
  return binaryUfunc("logical_xor", a, b, options);
}

/**
 * `x == y`; the result is bool (NumPy's `equal`).
 *
 * @param a First operand.
 * @param b Second operand.
 * @param options `out` and `dtype`.
 * @returns The broadcast result (`options.out` when given).
 *
 * @example
 * ```ts
 * import { equal } from "./ufunc.ts";
 * import { fromArray } from "./ndarray.ts";
 * const r = equal(fromArray([1, 2]), 2);
 * if ([...r.flat()].join() !== "false,true") throw new Error(`got ${[...r.flat()]}`);
 * ```
 */
export function equal(a: Operand, b: Operand, options?: UfuncOptions): NDArray {
  return binaryUfunc("equal", a, b, options);
}

/**
 * `x != y`; the result is bool (NumPy's `not_equal`).
 *
 * @param a First operand.
 * @param b Second operand.
 * @param options `out` and `dtype`.
 * @returns The broadcast result (`options.out` when given).
 *
 * @example
 * ```ts
 * import { notEqual } from "./ufunc.ts";
 * import { fromArray } from "./ndarray.ts";
 * const r = notEqual(fromArray([1, 2]), 2);
 * if ([...r.flat()].join() !== "true,false") throw new Error(`got ${[...r.flat()]}`);
 * ```
 */
export function notEqual(a: Operand, b: Operand, options?: UfuncOptions): NDArray {
  return binaryUfunc("not_equal", a, b, options);
}

/**
 * `x < y`; the result is bool (NumPy's `less`).
 *
 * @param a First operand.
 * @param b Second operand.
 * @param options `out` and `dtype`.
 * @returns The broadcast result (`options.out` when given).
 *
 * @example
 * ```ts
 * import { less } from "./ufunc.ts";
 * import { fromArray } from "./ndarray.ts";
 * const r = less(fromArray([1, 2]), 2);
 * if ([...r.flat()].join() !== "true,false") throw new Error(`got ${[...r.flat()]}`);
 * ```
 */
export function less(a: Operand, b: Operand, options?: UfuncOptions): NDArray {
  return binaryUfunc("less", a, b, options);
}

/**
 * `x <= y`; the result is bool (NumPy's `less_equal`).
 *
 * @param a First operand.
 * @param b Second operand.
 * @param options `out` and `dtype`.
 * @returns The broadcast result (`options.out` when given).
 *
 * @example
 * ```ts
 * import { lessEqual } from "./ufunc.ts";
 * import { fromArray } from "./ndarray.ts";
 * const r = lessEqual(fromArray([1, 3]), 2);
 * if ([...r.flat()].join() !== "true,false") throw new Error(`got ${[...r.flat()]}`);
 * ```
 */
export function lessEqual(a: Operand, b: Operand, options?: UfuncOptions): NDArray {
  return binaryUfunc("less_equal", a, b, options);
}

/**
 * `x > y`; the result is bool (NumPy's `greater`).
 *
 * @param a First operand.
 * @param b Second operand.
 * @param options `out` and `dtype`.
 * @returns The broadcast result (`options.out` when given).
 *
 * @example
 * ```ts
 * import { greater } from "./ufunc.ts";
 * import { fromArray } from "./ndarray.ts";
 * const r = greater(fromArray([1, 3]), 2);
 * if ([...r.flat()].join() !== "false,true") throw new Error(`got ${[...r.flat()]}`);
 * ```
 */
export function greater(a: Operand, b: Operand, options?: UfuncOptions): NDArray {
  return binaryUfunc("greater", a, b, options);
}

/**
 * `x >= y`; the result is bool (NumPy's `greater_equal`).
 *
 * @param a First operand.
 * @param b Second operand.
 * @param options `out` and `dtype`.
 * @returns The broadcast result (`options.out` when given).
 *
 * @example
 * ```ts
 * import { greaterEqual } from "./ufunc.ts";
 * import { fromArray } from "./ndarray.ts";
 * const r = greaterEqual(fromArray([1, 2]), 2);
 * if ([...r.flat()].join() !== "false,true") throw new Error(`got ${[...r.flat()]}`);
 * ```
 */
export function greaterEqual(a: Operand, b: Operand, options?: UfuncOptions): NDArray {
  return binaryUfunc("greater_equal", a, b, options);
}

/**
 * Chooses element-wise between two operands: `a` where `cond` is true
 * (non-zero), `b` elsewhere (NumPy's three-argument `where`). The result
 * dtype promotes `a` and `b` (scalars weak); all three broadcast.
 *
 * @param cond The condition (any dtype: non-zero is true).
 * @param a Values where the condition holds.
 * @param b Values elsewhere.
 * @param options `out` and `dtype`.
 * @returns The result (`options.out` when given).
 *
 * @example
 * ```ts
 * import { greater, where } from "./ufunc.ts";
 * import { fromArray } from "./ndarray.ts";
 * const x = fromArray([-2, 3, -1]);
 * const r = where(greater(x, 0), x, 0);
 * if ([...r.flat()].join() !== "0,3,0") throw new Error(`got ${[...r.flat()]}`);
 * ```
 */
export function where(cond: Operand, a: Operand, b: Operand, options: UfuncOptions = {}): NDArray {
  const name = "where";
  checkOperand(name, cond, 0);
  checkOperand(name, a, 1);
  checkOperand(name, b, 2);
  const c = cond instanceof NDArray
    ? (cond.dtype === "bool" ? cond : notEqual(cond, 0))
    : new NDArray("bool", new Uint8Array([cond ? 1 : 0]), []);
  const result = options.dtype === undefined ? promoteOperands([a, b]) : toDType(options.dtype);
  const prep = (x: Operand, pos: number): NDArray => {
    if (x instanceof NDArray) return loopArray(name, x, result, pos).astype(result);
    const s = new NDArray(result, new DTYPES[result].array(1) as never, []);
    s.set([], loopScalar(name, x, result));
    return s;
  };
  const va = a instanceof NDArray && a.dtype === result ? a : prep(a, 1);
  const vb = b instanceof NDArray && b.dtype === result ? b : prep(b, 2);
  const shape = broadcastShapes(c.shape, va.shape, vb.shape);
  return deliver(name, shape, result, [a, b], [c, va, vb], options.out, (dest) => {
    whereKernel(dest, c, va, vb);
  });
}

/**
 * Limits values to `[min, max]` (NumPy's `clip`: `minimum(maximum(a, min),
 * max)`, so NaN propagates and `min > max` gives `max`). Either bound may be
 * null. The result dtype promotes all three (scalars weak).
 *
 * @param a The values.
 * @param min The lower bound, or null for none.
 * @param max The upper bound, or null for none.
 * @param options `out` and `dtype`.
 * @returns The result (`options.out` when given).
 *
 * @example
 * ```ts
 * import { clip } from "./ufunc.ts";
 * import { fromArray } from "./ndarray.ts";
 * const r = clip(fromArray([-5, 0.5, 9]), 0, 1);
 * if ([...r.flat()].join() !== "0,0.5,1") throw new Error(`got ${[...r.flat()]}`);
 * const s = clip(fromArray([-5, 9], "int16"), null, 3);
 * if (s.dtype !== "int16" || [...s.flat()].join() !== "-5,3") throw new Error("bad");
 * ```
 */
export function clip(
  a: Operand,
  min: Operand | null,
  max: Operand | null,
  options: UfuncOptions = {},
): NDArray {
  checkOperand("clip", a, 0);
  if (min !== null) checkOperand("clip", min, 1);
  if (max !== null) checkOperand("clip", max, 2);
  const present = [a, min, max].filter((x): x is Operand => x !== null);
  const dtype = options.dtype === undefined ? promoteOperands(present) : toDType(options.dtype);
  if (min === null && max === null) {
    return where(true, a, a, { out: options.out, dtype });
  }
  let r: Operand = a;
  if (min !== null) {
    r = binaryUfunc("maximum", r, min, { dtype, out: max === null ? options.out : undefined });
  }
  if (max !== null) r = binaryUfunc("minimum", r, max, { dtype, out: options.out });
  return r as NDArray;
}

/** One entry of {@link UFUNCS}: the function and how many operands it takes. */
export interface UfuncEntry {
  /** The function; operands only (use the named export to pass options). */
  readonly fn: (...operands: Operand[]) => NDArray;
  /** Number of operands. */
  readonly arity: 1 | 2 | 3;
}

/**
 * Every element-wise function by its NumPy name (`"floor_divide"`,
 * `"logical_and"`, and NumPy's aliases `abs`, `mod`, `true_divide`,
 * `bitwise_not`), for expression parsers.
 *
 * @example
 * ```ts
 * import { UFUNCS } from "./ufunc.ts";
 * import { fromArray } from "./ndarray.ts";
 * const { fn, arity } = UFUNCS["floor_divide"];
 * if (arity !== 2 || fn(fromArray([7]), 2).get(0) !== 3n) throw new Error("bad");
 * ```
 */
export const UFUNCS: Readonly<Record<string, UfuncEntry>> = Object.freeze({
  absolute: { fn: (x: Operand) => absolute(x), arity: 1 },
  negative: { fn: (x: Operand) => negative(x), arity: 1 },
  sign: { fn: (x: Operand) => sign(x), arity: 1 },
  sqrt: { fn: (x: Operand) => sqrt(x), arity: 1 },
  square: { fn: (x: Operand) => square(x), arity: 1 },
  exp: { fn: (x: Operand) => exp(x), arity: 1 },
  expm1: { fn: (x: Operand) => expm1(x), arity: 1 },
  log: { fn: (x: Operand) => log(x), arity: 1 },
  log1p: { fn: (x: Operand) => log1p(x), arity: 1 },
  log10: { fn: (x: Operand) => log10(x), arity: 1 },
  log2: { fn: (x: Operand) => log2(x), arity: 1 },
  sin: { fn: (x: Operand) => sin(x), arity: 1 },
  cos: { fn: (x: Operand) => cos(x), arity: 1 },
  tan: { fn: (x: Operand) => tan(x), arity: 1 },
  arcsin: { fn: (x: Operand) => arcsin(x), arity: 1 },
  arccos: { fn: (x: Operand) => arccos(x), arity: 1 },
  arctan: { fn: (x: Operand) => arctan(x), arity: 1 },
  sinh: { fn: (x: Operand) => sinh(x), arity: 1 },
  cosh: { fn: (x: Operand) => cosh(x), arity: 1 },
  tanh: { fn: (x: Operand) => tanh(x), arity: 1 },
  arcsinh: { fn: (x: Operand) => arcsinh(x), arity: 1 },
  arccosh: { fn: (x: Operand) => arccosh(x), arity: 1 },
  arctanh: { fn: (x: Operand) => arctanh(x), arity: 1 },
  floor: { fn: (x: Operand) => floor(x), arity: 1 },
  ceil: { fn: (x: Operand) => ceil(x), arity: 1 },
  rint: { fn: (x: Operand) => rint(x), arity: 1 },
  reciprocal: { fn: (x: Operand) => reciprocal(x), arity: 1 },
  invert: { fn: (x: Operand) => invert(x), arity: 1 },
  logical_not: { fn: (x: Operand) => logicalNot(x), arity: 1 },
  isnan: { fn: (x: Operand) => isnan(x), arity: 1 },
  isinf: { fn: (x: Operand) => isinf(x), arity: 1 },
  isfinite: { fn: (x: Operand) => isfinite(x), arity: 1 },
  abs: { fn: (x: Operand) => absolute(x), arity: 1 },
  bitwise_not: { fn: (x: Operand) => invert(x), arity: 1 },
  add: { fn: (a: Operand, b: Operand) => add(a, b), arity: 2 },
  subtract: { fn: (a: Operand, b: Operand) => subtract(a, b), arity: 2 },
  multiply: { fn: (a: Operand, b: Operand) => multiply(a, b), arity: 2 },
  divide: { fn: (a: Operand, b: Operand) => divide(a, b), arity: 2 },
  floor_divide: { fn: (a: Operand, b: Operand) => floorDivide(a, b), arity: 2 },
  power: { fn: (a: Operand, b: Operand) => power(a, b), arity: 2 },
  remainder: { fn: (a: Operand, b: Operand) => remainder(a, b), arity: 2 },
  mod: { fn: (a: Operand, b: Operand) => mod(a, b), arity: 2 },
  fmod: { fn: (a: Operand, b: Operand) => fmod(a, b), arity: 2 },
  hypot: { fn: (a: Operand, b: Operand) => hypot(a, b), arity: 2 },
  arctan2: { fn: (a: Operand, b: Operand) => arctan2(a, b), arity: 2 },
  minimum: { fn: (a: Operand, b: Operand) => minimum(a, b), arity: 2 },
  maximum: { fn: (a: Operand, b: Operand) => maximum(a, b), arity: 2 },
  bitwise_and: { fn: (a: Operand, b: Operand) => bitwiseAnd(a, b), arity: 2 },
  bitwise_or: { fn: (a: Operand, b: Operand) => bitwiseOr(a, b), arity: 2 },
  bitwise_xor: { fn: (a: Operand, b: Operand) => bitwiseXor(a, b), arity: 2 },
  left_shift: { fn: (a: Operand, b: Operand) => leftShift(a, b), arity: 2 },
  right_shift: { fn: (a: Operand, b: Operand) => rightShift(a, b), arity: 2 },
  logical_and: { fn: (a: Operand, b: Operand) => logicalAnd(a, b), arity: 2 },
  logical_or: { fn: (a: Operand, b: Operand) => logicalOr(a, b), arity: 2 },
  logical_xor: { fn: (a: Operand, b: Operand) => logicalXor(a, b), arity: 2 },
  equal: { fn: (a: Operand, b: Operand) => equal(a, b), arity: 2 },
  not_equal: { fn: (a: Operand, b: Operand) => notEqual(a, b), arity: 2 },
  less: { fn: (a: Operand, b: Operand) => less(a, b), arity: 2 },
  less_equal: { fn: (a: Operand, b: Operand) => lessEqual(a, b), arity: 2 },
  greater: { fn: (a: Operand, b: Operand) => greater(a, b), arity: 2 },
  greater_equal: { fn: (a: Operand, b: Operand) => greaterEqual(a, b), arity: 2 },
  true_divide: { fn: (a: Operand, b: Operand) => divide(a, b), arity: 2 },
  where: { fn: (c: Operand, a: Operand, b: Operand) => where(c, a, b), arity: 3 },
  clip: { fn: (a: Operand, lo: Operand, hi: Operand) => clip(a, lo, hi), arity: 3 },
});
