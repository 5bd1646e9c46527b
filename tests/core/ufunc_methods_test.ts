// The ufunc methods (`reduce`, `accumulate`, `outer`) of the binary ufuncs
// and `cumsum` / `cumprod`, against NumPy (/usr/bin/python3): many shapes,
// axes (negative too), dtypes, empty arrays and NaN; dtypes and errors too.

import assert from "node:assert/strict";
import { type DType } from "../../core/dtype.ts";
import { arange, fromArray, fromTypedArray, NDArray } from "../../core/ndarray.ts";
import * as u from "../../core/ufunc.ts";
import type { BinaryUfunc } from "../../core/ufunc_methods.ts";
import { flatStrings, hasPython, pythonStdinJson } from "../_util.ts";

const HAS_NUMPY = hasPython("numpy");

const UFUNCS: Record<string, BinaryUfunc> = {
  add: u.add,
  multiply: u.multiply,
  maximum: u.maximum,
  minimum: u.minimum,
  subtract: u.subtract,
  divide: u.divide,
  "logical_and": u.logicalAnd,
  "logical_or": u.logicalOr,
  "bitwise_xor": u.bitwiseXor,
};

const DTYPES_TESTED: DType[] = [
  "bool",
  "int8",
  "int32",
  "uint16",
  "uint32",
  "int64",
  "float32",
  "float64",
];
const SHAPES: number[][] = [[5], [3, 4], [2, 3, 4], [0, 3], [3, 0], [1, 7]];

function makeArray(dtype: DType, shape: number[], seed: number): NDArray {
  const n = shape.reduce((x, y) => x * y, 1);
  const vals: (number | boolean | bigint)[] = [];
  for (let i = 0; i < n; i++) {
    const r = ((i * 7 + seed * 13) % 11) - 4; // -4..6
    if (dtype === "bool") vals.push(r % 2 === 0);
    else if (dtype.startsWith("uint")) vals.push(Math.abs(r) + 1);
    else if (dtype === "int64") vals.push(BigInt(r === 0 ? 2 : r));
    else if (dtype.startsWith("int")) vals.push(r === 0 ? 3 : r);
    else vals.push(seed === 2 && i === 3 ? NaN : r * 0.75 + 0.1);
  }
  const flat = fromArray(vals as number[], dtype);
  return flat.reshape(shape);
}

interface Case {
  id: number;
  arr: number;
  kind: "reduce" | "accumulate" | "cumsum" | "cumprod" | "outer";
  op: string;
  axis: number | number[] | null | undefined;
  keepdims?: boolean;
  dtype?: DType;
  arr2?: number;
}

const ARRAYS: { a: NDArray; label: string }[] = [];
const CASES: Case[] = [];
let seed = 0;
for (const dtype of DTYPES_TESTED) {
  for (const shape of SHAPES) {
    seed++;
    const arr = ARRAYS.length;
    ARRAYS.push({ a: makeArray(dtype, shape, seed % 5), label: `${dtype} [${shape}]` });
    const nd = shape.length;
    const axes: (number | number[] | null | undefined)[] = [undefined, -1, nd - 1, null];
    if (nd === 3) axes.push([0, 2], -2);
    for (const op of Object.keys(UFUNCS)) {
      for (const axis of axes) {
        for (const keepdims of [false, true]) {
          CASES.push({ id: CASES.length, arr, kind: "reduce", op, axis, keepdims });
        }
        if (typeof axis === "number" || axis === undefined) {
          CASES.push({ id: CASES.length, arr, kind: "accumulate", op, axis });
        }
      }
      CASES.push({ id: CASES.length, arr, kind: "accumulate", op, axis: nd }); // bad axis
    }
    for (const kind of ["cumsum", "cumprod"] as const) {
      for (const axis of [undefined, 0, -1, nd]) {
        CASES.push({ id: CASES.length, arr, kind, op: kind, axis });
      }
      CASES.push({ id: CASES.length, arr, kind, op: kind, axis: 0, dtype: "float32" });
    }
    CASES.push({ id: CASES.length, arr, kind: "reduce", op: "add", axis: 0, dtype: "float64" });
    CASES.push({ id: CASES.length, arr, kind: "accumulate", op: "add", axis: 0, dtype: "int8" });
  }
}
// outer of pairs of dtypes and shapes
for (const op of ["add", "subtract", "multiply", "maximum", "divide"]) {
  for (const [i, j] of [[0, 6], [1, 14], [20, 40], [3, 7], [45, 2]]) {
    CASES.push({ id: CASES.length, arr: i, arr2: j, kind: "outer", op, axis: undefined });
  }
}

const PY = `
import json, sys, warnings, numpy as np
warnings.simplefilter("ignore")
req = json.load(sys.stdin)
arrays = []
for a in req["arrays"]:
    dt = np.dtype(a["dtype"])
    if dt.kind in "iu":
        v = np.array([int(x) for x in a["data"]], dtype=dt)
    elif dt.kind == "b":
        v = np.array([x == "1" for x in a["data"]], dtype=dt)
    else:
        v = np.array([float(x) for x in a["data"]], dtype=dt)
    arrays.append(v.reshape(a["shape"]))
out = []
for c in req["cases"]:
    a = arrays[c["arr"]]
    axis = c.get("axis", "default")
    if isinstance(axis, list):
        axis = tuple(axis)
    kw = {}
    if axis != "default":
        kw["axis"] = axis
    if c.get("dtype"):
        kw["dtype"] = c["dtype"]
    try:
        with np.errstate(all="ignore"):
            k = c["kind"]
            if k == "reduce":
                r = getattr(np, c["op"]).reduce(a, keepdims=c.get("keepdims", False), **kw)
            elif k == "accumulate":
                r = getattr(np, c["op"]).accumulate(a, **kw)
            elif k == "outer":
                r = getattr(np, c["op"]).outer(a, arrays[c["arr2"]])
            else:
                r = getattr(np, k)(a, **kw)
        r = np.asarray(r)
    except (ValueError, TypeError, np.AxisError) as e:
        out.append({"error": type(e).__name__})
        continue
    if r.dtype.kind == "b":
        vals = ["1" if x else "0" for x in r.ravel()]
    elif r.dtype.kind in "iu":
        vals = [str(int(x)) for x in r.ravel()]
    else:
        vals = [repr(float(x)) for x in r.ravel()]
    out.append({"dtype": str(r.dtype), "shape": list(r.shape), "values": vals})
print(json.dumps(out))
`;

interface PyResult {
  error?: string;
  dtype?: string;
  shape?: number[];
  values?: string[];
}

async function numpyResults(): Promise<PyResult[]> {
  const req = {
    arrays: ARRAYS.map(({ a }) => ({ dtype: a.dtype, shape: a.shape, data: flatStrings(a) })),
    cases: CASES.map((c) => (c.axis === undefined ? { ...c, axis: "default" } : c)),
  };
  return await pythonStdinJson<PyResult[]>(PY, req);
}

const RESULTS: PyResult[] = HAS_NUMPY ? await numpyResults() : [];

function run(c: Case): NDArray {
  const a = ARRAYS[c.arr].a;
  const opts: Record<string, unknown> = {};
  if (c.axis !== undefined) opts.axis = c.axis;
  if (c.dtype !== undefined) opts.dtype = c.dtype;
  switch (c.kind) {
    case "reduce":
      return UFUNCS[c.op].reduce(a, { ...opts, keepdims: c.keepdims });
    case "accumulate":
      return UFUNCS[c.op].accumulate(a, opts);
    case "outer":
      return UFUNCS[c.op].outer(a, ARRAYS[c.arr2!].a);
    case "cumsum":
      return u.cumsum(a, opts);
    case "cumprod":
      return u.cumprod(a, opts);
  }
}

function toNumber(s: string): number {
  return s === "nan" ? NaN : s === "inf" ? Infinity : s === "-inf" ? -Infinity : Number(s);
}

function checkCase(c: Case): void {
  const exp = RESULTS[c.id];
  const what = `${c.kind} ${c.op}(${ARRAYS[c.arr].label}, axis=${
    JSON.stringify(c.axis)
  }, keepdims=${c.keepdims}, dtype=${c.dtype})`;
  if (exp.error !== undefined) {
    const want = exp.error === "AxisError" ? RangeError : Error;
    assert.throws(() => run(c), want, `${what}: numpy raised ${exp.error}`);
    if (exp.error === "AxisError") assert.throws(() => run(c), /axis/i, what);
    return;
  }
  const got = run(c);
  assert.equal(got.dtype, exp.dtype, `${what}: dtype`);
  assert.deepEqual([...got.shape], exp.shape, `${what}: shape`);
  const gv = flatStrings(got);
  const gn = [...got.flat()].map(Number);
  const ev = exp.values!;
  // reductions of floats use compensated sums where NumPy sums pairwise: not bit-equal
  const tol = c.kind === "reduce" && got.dtype.startsWith("float")
    ? (got.dtype === "float32" ? 1e-6 : 1e-12)
    : 0;
  for (let i = 0; i < ev.length; i++) {
    if (!got.dtype.startsWith("float")) {
      assert.equal(gv[i], ev[i], `${what}: element ${i}`);
      continue;
    }
    const g = gn[i];
    const e = toNumber(ev[i]);
    if (Number.isNaN(e) || !Number.isFinite(e) || tol === 0) {
      assert.ok(
        Object.is(g, e) || (Number.isNaN(g) && Number.isNaN(e)),
        `${what}: ${i}: ${g} vs ${e}`,
      );
      continue;
    }
    assert.ok(Math.abs(g - e) <= tol * Math.max(Math.abs(e), 1), `${what}: ${i}: ${g} vs ${e}`);
  }
}

for (const kind of ["reduce", "accumulate", "outer", "cumsum", "cumprod"]) {
  Deno.test({
    name: `ufunc ${kind} matches numpy over dtypes, shapes, axes, empty arrays and NaN`,
    ignore: !HAS_NUMPY,
    fn() {
      const cases = CASES.filter((c) => c.kind === kind);
      assert.ok(cases.length >= 25, `${cases.length}`);
      for (const c of cases) checkCase(c);
    },
  });
}

Deno.test("cumsum() promotes like numpy: int32 and bool to int64, uint8 to uint64, float32 stays", () => {
  assert.equal(u.cumsum(fromArray([1, 2], "int32")).dtype, "int64");
  assert.equal(u.cumsum(fromArray([true, true])).dtype, "int64");
  assert.equal(u.cumprod(fromArray([1, 2], "uint8")).dtype, "uint64");
  assert.equal(u.cumsum(fromArray([1, 2], "float32")).dtype, "float32");
  assert.equal(u.maximum.accumulate(fromArray([1, 2], "int8")).dtype, "int8");
  assert.deepEqual(u.cumsum(fromArray([true, true, false])).toArray(), [1n, 2n, 2n]);
});

Deno.test("cumsum() of int64 wraps like numpy and cumprod() of int32 beyond 2^53 is exact", () => {
  const big = fromArray([2n ** 62n, 2n ** 62n, 1n], "int64");
  assert.deepEqual(u.cumsum(big).toArray(), [2n ** 62n, -(2n ** 63n), -(2n ** 63n) + 1n]);
  const r = u.multiply.accumulate(fromArray([65537, 65537, 65537], "int32"));
  // numpy: int64 accumulation, 65537**3 = 281487861809153
  assert.deepEqual(r.toArray(), [65537n, 4295098369n, 281487861809153n]);
  const w = u.multiply.accumulate(fromArray([65537, 65537], "int32"), { dtype: "int32" });
  assert.deepEqual(w.toArray(), [65537, 131073]); // wraps in int32 as numpy does
});

Deno.test("accumulate() and cumsum() work on strided and transposed views", () => {
  const a = arange(24, undefined, undefined, "float64").reshape([2, 3, 4]);
  const t = a.transpose([2, 0, 1]).slice("::2");
  const got = u.add.accumulate(t, { axis: 2 });
  const want = u.add.accumulate(t.copy(), { axis: 2 });
  assert.deepEqual(got.toArray(), want.toArray());
  assert.deepEqual(u.cumsum(t).toArray(), u.cumsum(t.copy()).toArray());
});

function throwsLike(fn: () => unknown, cls: ErrorConstructor, re: RegExp): void {
  assert.throws(fn, (e: unknown) => e instanceof cls && re.test((e as Error).message));
}

Deno.test("ufunc methods reject bad axes, options and operands with typed errors", () => {
  const a = fromArray([[1, 2], [3, 4]]);
  throwsLike(() => u.add.accumulate(a, { axis: 2 }), RangeError, /axis 2/);
  throwsLike(() => u.add.reduce(a, { axis: -3 }), RangeError, /axis -3/);
  throwsLike(() => u.cumsum(a, { axis: 5 }), RangeError, /axis 5/);
  throwsLike(() => u.subtract.reduce(a, { axis: [0, 1] }), RangeError, /axis/);
  throwsLike(() => u.add.reduce(a, { axis: [0, 0] }), RangeError, /repeated axis/);
  throwsLike(() => u.add.accumulate(a, { axis: 0.5 }), TypeError, /axis/);
  throwsLike(() => u.add.accumulate(a, { bogus: 1 } as never), TypeError, /bogus/);
  throwsLike(() => u.add.accumulate([1, 2] as never), TypeError, /NDArray/);
  throwsLike(() => u.maximum.reduce(fromArray([], "float64")), RangeError, /identity/);
  assert.throws(() => u.subtract.accumulate(fromArray([true])), TypeError);
  throwsLike(() => u.add.accumulate(fromTypedArray(new Float64Array([1]), [])), TypeError, /0-d/);
});
