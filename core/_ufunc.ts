// The dispatch behind every ufunc: operand checks, NumPy's type promotion with
// weak scalars, loop and result dtypes, the `out` option, then the kernel from
// core/_kernels/. core/ufunc.ts and the NDArray methods are thin wrappers over it.

import {
  canCastSafely,
  type DType,
  type DTypeInfo,
  DTYPES,
  isComplex,
  promoteScalar,
  promoteTypes,
  type Scalar,
  scalarDType,
  toDType,
} from "./dtype.ts";
import { ShapeMismatchError } from "./errors.ts";
import type { Operand, UfuncOptions } from "./ufunc.ts";
import { broadcastShapes, copyInto, empty, NDArray } from "./ndarray.ts";
import { BINARY_OPS, binaryKernel, type BinaryOp, type OpKind } from "./_kernels/binary.ts";
import { UNARY_OPS, unaryKernel, type UnaryOp } from "./_kernels/unary.ts";
import { whereKernel } from "./_kernels/_where.ts";
import { complexUfunc, hasComplex } from "./_complex.ts";
import { complexUnsupported } from "./_complex_parts.ts";

const KIND_RANK = { b: 0, u: 1, i: 2, f: 3, c: 4 } as const;

function sameKind(from: DType, to: DType): boolean {
  const f: DTypeInfo = DTYPES[from];
  const t: DTypeInfo = DTYPES[to];
  return KIND_RANK[f.kind] <= KIND_RANK[t.kind];
}

function isScalar(x: unknown): x is Scalar {
  return typeof x === "number" || typeof x === "bigint" || typeof x === "boolean";
}

export function checkOperand(name: string, x: unknown, pos: number): void {
  if (!(x instanceof NDArray) && !isScalar(x)) {
    throw new TypeError(
      `Invalid operand ${pos} of ${name}: expected an NDArray, number, bigint or boolean, got ${
        x === null ? "null" : typeof x === "object" ? x.constructor?.name ?? "object" : typeof x
      }`,
    );
  }
}

/** The promoted dtype of the operands, scalars weak (NEP 50). */
export function promoteOperands(ops: readonly Operand[]): DType {
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

export const BOOL_RESULT: ReadonlySet<OpKind> = new Set(["compare", "logical", "predicate"]);

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
export function fits(s: Scalar, loop: DType): boolean {
  const inf: DTypeInfo = DTYPES[loop];
  if (typeof s === "boolean" || inf.kind === "f") return true;
  if (typeof s === "number" && !Number.isInteger(s)) return false;
  if (inf.kind === "b") return false;
  const v = BigInt(s);
  const [lo, hi] = intRange(loop);
  return v >= lo && v <= hi;
}

/** A scalar in the loop's representation: a bigint for 64-bit integer loops, else a number. */
export function loopScalar(name: string, s: Scalar, loop: DType): number | bigint {
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
export function loopArray(name: string, x: NDArray, loop: DType, pos: number): NDArray {
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
export function deliver(
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

export function unaryUfunc(op: UnaryOp, a: Operand, options: UfuncOptions = {}): NDArray {
  if (hasComplex([a, options.out])) return complexUfunc(op, [a], options);
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

export function binaryUfunc(
  op: BinaryOp,
  a: Operand,
  b: Operand,
  options: UfuncOptions = {},
): NDArray {
  if (hasComplex([a, b, options.out])) return complexUfunc(op, [a, b], options);
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
 * Applies a ufunc by its kernel name (`"negative"`, `"floor_divide"`, ...)
 * to one or two operands: the NDArray methods generated from core/ops.ts.
 */
export function applyUfunc(
  name: string,
  operands: readonly Operand[],
  options?: UfuncOptions,
): NDArray {
  if (name === "conjugate" && operands.length === 1) {
    if (hasComplex(operands)) return complexUfunc(name, operands, options);
    checkOperand(name, operands[0], 0);
    const x = operands[0];
    const r = x instanceof NDArray ? x.copy() : binaryUfunc("add", x, 0);
    if (options?.out !== undefined) return copyInto(options.out, r);
    return r;
  }
  if (operands.length === 1 && Object.hasOwn(UNARY_OPS, name)) {
    return unaryUfunc(name as UnaryOp, operands[0], options);
  }
  if (operands.length === 2 && Object.hasOwn(BINARY_OPS, name)) {
    return binaryUfunc(name as BinaryOp, operands[0], operands[1], options);
  }
  throw new TypeError(`Unknown ufunc "${name}" of ${operands.length} operands`);
}

/** NumPy's three-argument `where` (see `where` in core/ufunc.ts). */
export function whereUfunc(
  cond: Operand,
  a: Operand,
  b: Operand,
  options: UfuncOptions = {},
): NDArray {
  const name = "where";
  for (const x of [cond, a, b, options.out]) {
    if (x instanceof NDArray && isComplex(x.dtype)) throw complexUnsupported(x.dtype, name);
  }
  checkOperand(name, cond, 0);
  checkOperand(name, a, 1);
  checkOperand(name, b, 2);
  const c = cond instanceof NDArray
    ? (cond.dtype === "bool" ? cond : binaryUfunc("not_equal", cond, 0))
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
