// ufunc.ts against NumPy: result dtypes for every op and dtype pair, values
// for every op on several dtypes, views, broadcasting, weak scalars, `out`.
// The NumPy side runs in one python invocation per group of cases.

// ufunc.ts is imported before ndarray.ts on purpose: the import cycle
// (ndarray.ts's methods call ufunc.ts) must work in this order too.
import * as uf from "../../core/ufunc.ts";
import { arange, fromArray, NDArray, parseSelection, zeros } from "../../core/ndarray.ts";
import { type DType, DTYPES, type Scalar } from "../../core/dtype.ts";
import { ShapeMismatchError } from "../../core/errors.ts";
import assert from "node:assert/strict";
import { hasPython, PYTHON } from "../_util.ts";

const HAVE_NUMPY = hasPython("numpy");
const ignore = !HAVE_NUMPY;

const DTS: DType[] = [
  "bool",
  "int8",
  "int16",
  "int32",
  "int64",
  "uint8",
  "uint16",
  "uint32",
  "uint64",
  "float16",
  "float32",
  "float64",
];

const UNARY = [
  "absolute",
  "negative",
  "sign",
  "sqrt",
  "square",
  "exp",
  "expm1",
  "log",
  "log1p",
  "log10",
  "log2",
  "sin",
  "cos",
  "tan",
  "arcsin",
  "arccos",
  "arctan",
  "sinh",
  "cosh",
  "tanh",
  "arcsinh",
  "arccosh",
  "arctanh",
  "floor",
  "ceil",
  "rint",
  "reciprocal",
  "invert",
  "logical_not",
  "isnan",
  "isinf",
  "isfinite",
];

const BINARY = [
  "add",
  "subtract",
  "multiply",
  "divide",
  "floor_divide",
  "power",
  "remainder",
  "fmod",
  "hypot",
  "arctan2",
  "minimum",
  "maximum",
  "bitwise_and",
  "bitwise_or",
  "bitwise_xor",
  "left_shift",
  "right_shift",
  "logical_and",
  "logical_or",
  "logical_xor",
  "equal",
  "not_equal",
  "less",
  "less_equal",
  "greater",
  "greater_equal",
];

// Ops whose float results may differ from NumPy's by an ulp or so (libm vs fdlibm).
const TRANSCENDENTAL = new Set([
  "exp",
  "expm1",
  "log",
  "log1p",
  "log10",
  "log2",
  "sin",
  "cos",
  "tan",
  "arcsin",
  "arccos",
  "arctan",
  "sinh",
  "cosh",
  "tanh",
  "arcsinh",
  "arccosh",
  "arctanh",
  "power",
  "hypot",
  "arctan2",
]);

// 12 values per dtype (a [3,4] array): edges for wraparound, NaN/inf for floats.
const P63 = 2n ** 63n;
const VALUES: Record<string, Scalar[]> = { // the real dtypes (complex: tests/core/complex_test.ts)
  bool: [true, false, true, true, false, false, true, false, false, true, true, false],
  int8: [-128, -1, 0, 1, 2, 127, -7, 7, 3, -3, 100, -100],
  uint8: [0, 1, 2, 255, 128, 127, 7, 3, 200, 100, 50, 9],
  int16: [-32768, -1, 0, 1, 2, 32767, -7, 7, 300, -300, 1000, -1000],
  uint16: [0, 1, 2, 65535, 32768, 300, 7, 3, 1000, 100, 50, 9],
  int32: [-2147483648, -1, 0, 1, 2, 2147483647, -7, 7, 300000, -300000, 46341, -46341],
  uint32: [0, 1, 2, 4294967295, 2147483648, 300000, 7, 3, 65536, 100, 50, 9],
  int64: [
    -P63,
    -1n,
    0n,
    1n,
    2n,
    P63 - 1n,
    -7n,
    7n,
    2n ** 53n + 1n,
    -(2n ** 53n + 3n),
    3037000500n,
    -3n,
  ],
  uint64: [0n, 1n, 2n, 2n ** 64n - 1n, P63, 2n ** 53n + 1n, 7n, 3n, 2n ** 32n, 100n, 50n, 9n],
  float16: [0.5, -1.5, 2.5, -0, 1, -2, NaN, Infinity, -Infinity, 3.25, 100, 0.1],
  float32: [0.5, -1.5, 2.5, -0, 1, -2, NaN, Infinity, -Infinity, 3.25, 1e30, 0.1],
  float64: [0.5, -1.5, 2.5, -0, 1, -2, NaN, Infinity, -Infinity, 3.25, 1e300, 0.1],
};

// A second operand per dtype: the values rotated, so zeros meet non-zeros.
const rotate = <T>(v: T[], k: number): T[] => [...v.slice(k), ...v.slice(0, k)];

interface ArrArg {
  dtype: DType;
  shape: number[];
  values: string[];
  view: string;
}
interface ScalarArg {
  s: string;
  t: "int" | "float" | "bool";
}
type Arg = ArrArg | ScalarArg;
interface Case {
  op: string;
  args: Arg[];
  dtype?: DType;
}
type Result = { err: string } | { dtype: string; shape: number[]; values: string[] };

function enc(v: Scalar): string {
  if (typeof v === "boolean") return v ? "True" : "False";
  if (typeof v === "number") {
    if (Number.isNaN(v)) return "nan";
    if (v === Infinity) return "inf";
    if (v === -Infinity) return "-inf";
    if (Object.is(v, -0)) return "-0.0";
  }
  return String(v);
}

function arr(dtype: DType, values: Scalar[], shape: number[], view = ""): ArrArg {
  return { dtype, shape, values: values.map(enc), view };
}

function scalar(v: Scalar): ScalarArg {
  if (typeof v === "boolean") return { s: enc(v), t: "bool" };
  if (typeof v === "bigint" || Number.isInteger(v)) return { s: String(v), t: "int" };
  return { s: enc(v), t: "float" };
}

function dec(s: string): number {
  if (s === "nan") return NaN;
  if (s === "inf") return Infinity;
  if (s === "-inf") return -Infinity;
  return Number(s);
}

function applyView(x: NDArray, view: string): NDArray {
  let v = x;
  for (const m of view.matchAll(/\.T|\[([^\]]*)\]/g)) {
    v = m[0] === ".T" ? v.T : v.slice(...parseSelection(m[1]));
  }
  return v;
}

function build(a: Arg): NDArray | Scalar {
  if ("s" in a) {
    if (a.t === "bool") return a.s === "True";
    if (a.t === "float") return dec(a.s);
    const b = BigInt(a.s);
    // integral scalars travel as JS numbers when exact, else as bigints
    return Number.isSafeInteger(Number(b)) ? Number(b) : b;
  }
  const vals = a.values.map((s): Scalar =>
    a.dtype === "bool" ? s === "True" : DTYPES[a.dtype].big ? BigInt(s) : dec(s)
  );
  return applyView(fromArray(vals, a.dtype).reshape(a.shape), a.view);
}

const PY = String.raw`
import sys, json, warnings
import numpy as np
warnings.simplefilter("ignore")
if np.__version__.startswith("1."):
    np._set_promotion_state("weak")  # NumPy 2's rules (NEP 50), experimental in 1.24
np.seterr(all="ignore")
def build(a):
    if "s" in a:
        return {"bool": lambda s: s == "True", "int": int, "float": float}[a["t"]](a["s"])
    d = a["dtype"]
    if d == "bool":
        vals = [v == "True" for v in a["values"]]
    elif d.startswith("float"):
        vals = [float(v) for v in a["values"]]
    else:
        vals = [int(v) for v in a["values"]]
    x = np.array(vals, dtype=d).reshape(a["shape"])
    return eval("x" + a["view"])
def fmt(r):
    r = np.asarray(r)
    k = r.dtype.kind
    if k == "b":
        vals = ["True" if v else "False" for v in r.ravel()]
    elif k in "iu":
        vals = [str(int(v)) for v in r.ravel()]
    else:
        vals = [repr(float(v)) for v in r.ravel()]
    return {"dtype": r.dtype.name, "shape": list(r.shape), "values": vals}
COMPARE = {"equal", "not_equal", "less", "less_equal", "greater", "greater_equal",
           "logical_and", "logical_or", "logical_xor"}
out = []
for c in json.load(sys.stdin):
    try:
        f = getattr(np, c["op"])
        kw = {"dtype": c["dtype"]} if c.get("dtype") else {}
        args = [build(a) for a in c["args"]]
        if c["op"] in ("floor", "ceil") and args[0].dtype.kind in "biu":
            # NumPy >= 2.3 returns integers (and bool) unchanged; 1.x cast them to float
            r = args[0].copy()
        else:
            try:
                r = f(*args, **kw)
            except OverflowError:
                # NumPy 2 compares an out-of-range Python int correctly; 1.24 raises
                if c["op"] not in COMPARE:
                    raise
                r = f(*[np.asarray(a) if isinstance(a, int) else a for a in args], **kw)
        out.append(fmt(r))
    except Exception as e:
        out.append({"err": type(e).__name__})
print(json.dumps(out))
`;

async function numpy(cases: Case[]): Promise<Result[]> {
  const p = new Deno.Command(PYTHON, {
    args: ["-c", PY],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const w = p.stdin.getWriter();
  await w.write(new TextEncoder().encode(JSON.stringify(cases)));
  await w.close();
  const r = await p.output();
  if (!r.success) throw new Error(new TextDecoder().decode(r.stderr));
  return JSON.parse(new TextDecoder().decode(r.stdout));
}

const camel = (s: string): string => s.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

function ours(c: Case): Result {
  const fn = (uf as unknown as Record<string, (...a: unknown[]) => NDArray>)[camel(c.op)];
  try {
    const args = c.args.map(build);
    const r = c.dtype ? fn(...args, { dtype: c.dtype }) : fn(...args);
    return { dtype: r.dtype, shape: [...r.shape], values: [...r.flat()].map(enc) };
  } catch (e) {
    if (e instanceof TypeError || e instanceof RangeError) return { err: e.name };
    throw e;
  }
}

function tolerance(op: string, dtype: string): number {
  const approx = TRANSCENDENTAL.has(op) ||
    (dtype !== "float64" && (op === "floor_divide" || op === "remainder"));
  if (!approx) return 0;
  return dtype === "float64" ? 1e-12 : dtype === "float32" ? 1e-6 : 1e-3;
}

function describe(c: Case): string {
  return `${c.op}(${
    c.args.map((a) => ("s" in a ? a.s : `${a.dtype}[${a.shape}]${a.view}`)).join(", ")
  }${c.dtype ? `, dtype=${c.dtype}` : ""})`;
}

/** Compares our result with NumPy's; returns a list of mismatch descriptions. */
function compare(c: Case, want: Result, got: Result): string[] {
  const where = describe(c);
  if ("err" in want || "err" in got) {
    // NumPy's errors are TypeError/ValueError/OverflowError; ours TypeError/RangeError
    if ("err" in want && "err" in got) return [];
    return [`${where}: numpy ${JSON.stringify(want).slice(0, 80)}, ours ${JSON.stringify(got)}`];
  }
  if (want.dtype !== got.dtype) return [`${where}: dtype numpy ${want.dtype}, ours ${got.dtype}`];
  if (want.shape.join() !== got.shape.join()) {
    return [`${where}: shape numpy [${want.shape}], ours [${got.shape}]`];
  }
  const tol = tolerance(c.op, want.dtype);
  const bad: string[] = [];
  const isFloat = want.dtype.startsWith("float");
  const skipZero = c.op === "reciprocal" && !isFloat; // 1 // 0 is undefined behaviour in C
  const first = c.args[0];
  for (let i = 0; i < want.values.length; i++) {
    if (skipZero && "values" in first) {
      const input = build(first) as NDArray;
      if (Number([...input.flat()][i]) === 0) continue;
    }
    const w = want.values[i];
    const g = got.values[i];
    if (!isFloat) {
      if (w !== g) bad.push(`${where}[${i}]: numpy ${w}, ours ${g}`);
      continue;
    }
    const wv = dec(w);
    const gv = Number(g === "nan" || g === "inf" || g === "-inf" ? dec(g) : g);
    if (Number.isNaN(wv) && Number.isNaN(gv)) continue;
    if (tol === 0 ? Object.is(wv, gv) : Math.abs(wv - gv) <= tol * Math.abs(wv) || wv === gv) {
      continue;
    }
    bad.push(`${where}[${i}]: numpy ${w}, ours ${g}`);
  }
  return bad;
}

async function check(cases: Case[]): Promise<void> {
  const want = await numpy(cases);
  const bad = cases.flatMap((c, i) => compare(c, want[i], ours(c)));
  assert.deepEqual(bad.slice(0, 20), [], `${bad.length} mismatches`);
}

const one = (d: DType): ArrArg => arr(d, [VALUES[d][4]], [1]);

Deno.test({
  name: "ufuncs give NumPy's result dtype (or error) for every dtype and dtype pair",
  ignore,
  fn: async () => {
    const cases: Case[] = [];
    for (const op of UNARY) for (const d of DTS) cases.push({ op, args: [one(d)] });
    for (const op of BINARY) {
      for (const a of DTS) for (const b of DTS) cases.push({ op, args: [one(a), one(b)] });
    }
    const want = await numpy(cases);
    const bad = cases.flatMap((c, i) => {
      const w = want[i];
      const g = ours(c);
      const wd = "err" in w ? "error" : w.dtype;
      const gd = "err" in g ? "error" : g.dtype;
      return wd === gd ? [] : [`${describe(c)}: numpy ${wd}, ours ${gd}`];
    });
    assert.deepEqual(bad.slice(0, 20), [], `${bad.length} mismatches`);
  },
});

Deno.test({
  name: "unary ufuncs match NumPy on every dtype, contiguous and strided",
  ignore,
  fn: async () => {
    const cases: Case[] = [];
    for (const op of UNARY) {
      for (const d of DTS) {
        cases.push({ op, args: [arr(d, VALUES[d], [3, 4])] });
        cases.push({ op, args: [arr(d, VALUES[d], [3, 4], ".T[::-1]")] });
      }
    }
    await check(cases);
  },
});

Deno.test({
  name: "binary ufuncs match NumPy on every dtype with itself",
  ignore,
  fn: async () => {
    const cases: Case[] = [];
    for (const op of BINARY) {
      for (const d of DTS) {
        const b = rotate(VALUES[d], 5);
        cases.push({ op, args: [arr(d, VALUES[d], [3, 4]), arr(d, b, [3, 4])] });
      }
    }
    await check(cases);
  },
});

Deno.test({
  name: "binary ufuncs match NumPy on mixed dtypes, views and broadcasting",
  ignore,
  fn: async () => {
    const pairs: [DType, DType][] = [
      ["int8", "uint8"],
      ["int32", "float32"],
      ["int64", "uint64"],
      ["bool", "int8"],
      ["uint64", "float64"],
      ["int16", "float16"],
      ["uint32", "int64"],
      ["float32", "float64"],
    ];
    const views: [string, string][] = [
      ["[::-1]", "[:, ::-1]"],
      [".T", ".T[::-1]"],
      ["[:, 1::2]", "[::-1, ::2]"],
    ];
    const cases: Case[] = [];
    for (const op of BINARY) {
      for (const [da, db] of pairs) {
        const b = rotate(VALUES[db], 7);
        cases.push({ op, args: [arr(da, VALUES[da], [3, 4]), arr(db, b, [3, 4])] });
      }
      for (const d of ["int16", "float64", "uint8", "int64"] as DType[]) {
        for (const [va, vb] of views) {
          const b = rotate(VALUES[d], 5);
          cases.push({ op, args: [arr(d, VALUES[d], [3, 4], va), arr(d, b, [3, 4], vb)] });
        }
        // [3,1] with [4], and [1,4] (0-stride inner run) with [3,1]
        cases.push({
          op,
          args: [
            arr(d, VALUES[d].slice(0, 3), [3, 1]),
            arr(d, rotate(VALUES[d], 3).slice(0, 4), [4]),
          ],
        });
        cases.push({
          op,
          args: [arr(d, VALUES[d].slice(2, 6), [1, 4]), arr(d, VALUES[d].slice(5, 8), [3, 1])],
        });
      }
    }
    await check(cases);
  },
});

Deno.test({
  name: "binary ufuncs treat JS scalars as weak like NumPy 2 (NEP 50)",
  ignore,
  fn: async () => {
    const scalars: Scalar[] = [3, -2, 2.5, -0.5, true, 0, 2n ** 60n, 300];
    const dts: DType[] = [
      "bool",
      "int8",
      "uint8",
      "int32",
      "int64",
      "uint64",
      "float32",
      "float64",
    ];
    const cases: Case[] = [];
    for (const op of BINARY) {
      for (const d of dts) {
        for (const s of scalars) {
          cases.push({ op, args: [arr(d, VALUES[d], [3, 4]), scalar(s)] });
          if (s === 3 || s === 2.5) {
            cases.push({ op, args: [scalar(s), arr(d, VALUES[d], [3, 4])] });
          }
        }
      }
      cases.push({ op, args: [scalar(7), scalar(2)] });
      cases.push({ op, args: [scalar(7.5), scalar(-2)] });
    }
    await check(cases);
  },
});

Deno.test({
  name: "ufuncs honour the dtype option like NumPy's dtype=",
  ignore,
  fn: async () => {
    const cases: Case[] = [];
    const a16 = arr("int16", VALUES.int16, [3, 4]);
    const f32 = arr("float32", VALUES.float32, [3, 4]);
    for (const op of ["add", "multiply", "floor_divide", "less", "divide"]) {
      for (const dtype of ["int8", "int32", "float32", "float64", "bool"] as DType[]) {
        cases.push({ op, args: [a16, a16], dtype });
        cases.push({ op, args: [a16, f32], dtype });
      }
    }
    for (const dtype of ["float32", "float64", "int16"] as DType[]) {
      cases.push({ op: "sqrt", args: [a16], dtype });
    }
    await check(cases);
  },
});

Deno.test("add() wraps int8 and is exact for int64 beyond 2^53", () => {
  const r = uf.add(fromArray([127, -128], "int8"), fromArray([1, -1], "int8"));
  assert.deepEqual(r.toArray(), [-128, 127]);
  const big = fromArray([2n ** 62n + 1n, 2n ** 63n - 1n], "int64");
  assert.deepEqual(uf.add(big, 1n).toArray(), [2n ** 62n + 2n, -(2n ** 63n)]);
  assert.deepEqual(uf.multiply(big, 3).toArray(), [
    BigInt.asIntN(64, (2n ** 62n + 1n) * 3n),
    2n ** 63n - 3n,
  ]);
  const u = fromArray([2n ** 64n - 1n], "uint64");
  assert.deepEqual(uf.add(u, 1).toArray(), [0n]);
  assert.deepEqual(uf.subtract(fromArray([0n], "uint64"), 1).toArray(), [2n ** 64n - 1n]);
});

Deno.test("floorDivide() and mod() follow Python's signs, fmod() follows C's", () => {
  const a = fromArray([7, -7, 7, -7], "int32");
  const b = fromArray([2, 2, -2, -2], "int32");
  assert.deepEqual(uf.floorDivide(a, b).toArray(), [3, -4, -4, 3]);
  assert.deepEqual(uf.mod(a, b).toArray(), [1, 1, -1, -1]);
  assert.deepEqual(uf.remainder(a, b).toArray(), [1, 1, -1, -1]);
  assert.deepEqual(uf.fmod(a, b).toArray(), [1, -1, 1, -1]);
  assert.deepEqual(uf.floorDivide(a, 0).toArray(), [0, 0, 0, 0]);
  assert.deepEqual(uf.mod(fromArray([-7n], "int64"), 2n).toArray(), [1n]);
  assert.deepEqual(uf.floorDivide(1, 0.1).toArray(), 9);
  assert.deepEqual(uf.mod(-1, Infinity).toArray(), Infinity);
});

Deno.test("add() writes into out, casting to its dtype, and returns it", () => {
  const out = zeros([2, 3], "float64");
  const r = uf.add(arange(3, undefined, undefined, "int32"), fromArray([[10], [20]], "int32"), {
    out,
  });
  assert.equal(r, out);
  assert.deepEqual(out.toArray(), [[10, 11, 12], [20, 21, 22]]);
  // into a strided view of a bigger array
  const big = zeros([2, 6], "int32");
  uf.multiply(fromArray([[1, 2, 3], [4, 5, 6]], "int32"), 2, { out: big.slice(":", "::2") });
  assert.deepEqual(big.toArray(), [[2, 0, 4, 0, 6, 0], [8, 0, 10, 0, 12, 0]]);
});

Deno.test("add() with out aliasing an input reversed gives the unaliased result", () => {
  const a = arange(6, undefined, undefined, "float64");
  uf.add(a, a.slice("::-1"), { out: a });
  assert.deepEqual(a.toArray(), [5, 5, 5, 5, 5, 5]);
  const b = arange(4, undefined, undefined, "int32");
  uf.negative(b, { out: b });
  assert.deepEqual(b.toArray(), [0, -1, -2, -3]);
});

Deno.test("add() rejects an out of the wrong shape or kind", () => {
  const a = fromArray([1.5, 2.5]);
  assert.throws(() => uf.add(a, a, { out: zeros([3]) }), ShapeMismatchError);
  assert.throws(() => uf.add(a, a, { out: zeros([2], "int32") }), TypeError);
  assert.throws(() => uf.add(a, fromArray([1, 2, 3])), ShapeMismatchError);
});

Deno.test("ufuncs reject what NumPy rejects", () => {
  const b = fromArray([true, false]);
  assert.throws(() => uf.subtract(b, b), TypeError);
  assert.throws(() => uf.negative(b), TypeError);
  assert.throws(() => uf.bitwiseAnd(fromArray([1.5]), 1), TypeError);
  assert.throws(() => uf.invert(fromArray([1.5])), TypeError);
  assert.throws(() => uf.add(fromArray([1], "int8"), 1000), RangeError);
  assert.throws(() => uf.add(fromArray([1], "uint8"), -1), RangeError);
  assert.throws(() => uf.power(fromArray([2]), -1), RangeError);
  assert.throws(() => uf.sqrt(fromArray([4], "int16"), { dtype: "int16" }), TypeError);
  assert.throws(() => uf.add("1" as unknown as number, 1), TypeError);
  // NumPy 2 compares out-of-range Python ints correctly
  assert.deepEqual(uf.less(fromArray([1, -1], "int8"), 1000).toArray(), [true, true]);
  assert.deepEqual(uf.greater(fromArray([1], "uint8"), -1).toArray(), [true]);
});

Deno.test("sqrt() of int8 computes in float16, of int16 in float32, of int32 in float64", () => {
  assert.equal(uf.sqrt(fromArray([4], "int8")).dtype, "float16");
  assert.equal(uf.sqrt(fromArray([4], "uint16")).dtype, "float32");
  assert.equal(uf.sqrt(fromArray([4], "int32")).dtype, "float64");
  assert.equal(uf.sqrt(fromArray([true])).dtype, "float16");
  assert.equal(uf.divide(fromArray([4], "int8"), 2).dtype, "float64");
  assert.deepEqual(uf.sqrt(4).toArray(), 2);
});

Deno.test("rint() rounds halves to even", () => {
  const r = uf.rint(fromArray([0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 2.4999999999999996, 1e300]));
  assert.deepEqual(r.toArray(), [0, 2, 2, -0, -2, -2, 2, 1e300]);
});

Deno.test("minimum() and maximum() propagate NaN", () => {
  const a = fromArray([NaN, 1, 2]);
  const b = fromArray([0, NaN, 3]);
  assert.deepEqual(uf.minimum(a, b).toArray(), [NaN, NaN, 2]);
  assert.deepEqual(uf.maximum(a, b).toArray(), [NaN, NaN, 3]);
});

Deno.test("where() picks from broadcast operands with promoted dtype", () => {
  const cond = fromArray([[true, false, true], [false, true, false]]);
  const r = uf.where(cond, fromArray([1, 2, 3], "int8"), fromArray([[-1.5], [-2.5]], "float32"));
  assert.equal(r.dtype, "float32");
  assert.deepEqual(r.toArray(), [[1, -1.5, 3], [-2.5, 2, -2.5]]);
  assert.deepEqual(uf.where(fromArray([0, 2]), 1, 0).toArray(), [0n, 1n]);
  const w = uf.where(fromArray([true, false]), fromArray([1, 2], "int16"), 7);
  assert.equal(w.dtype, "int16");
  assert.deepEqual(w.toArray(), [1, 7]);
});

Deno.test("clip() limits with either bound null and keeps NaN", () => {
  const a = fromArray([-5, 0.5, NaN, 9]);
  assert.deepEqual(uf.clip(a, 0, 1).toArray(), [0, 0.5, NaN, 1]);
  assert.deepEqual(uf.clip(a, null, 1).toArray(), [-5, 0.5, NaN, 1]);
  assert.deepEqual(uf.clip(a, 0, null).toArray(), [0, 0.5, NaN, 9]);
  assert.deepEqual(uf.clip(a, null, null).toArray(), [-5, 0.5, NaN, 9]);
  const i = uf.clip(fromArray([-300, 5, 300], "int16"), fromArray([-10, 0, 10], "int16"), 100);
  assert.equal(i.dtype, "int16");
  assert.deepEqual(i.toArray(), [-10, 5, 100]);
  const out = zeros([4]);
  assert.equal(uf.clip(a, 0, 1, { out }), out);
  assert.deepEqual(out.toArray(), [0, 0.5, NaN, 1]);
});

Deno.test("UFUNCS maps NumPy names to functions and arities", () => {
  assert.equal(uf.UFUNCS.floor_divide.arity, 2);
  assert.equal(uf.UFUNCS.sqrt.arity, 1);
  assert.equal(uf.UFUNCS.where.arity, 3);
  assert.deepEqual(uf.UFUNCS.logical_and.fn(fromArray([0, 1]), 1).toArray(), [false, true]);
  assert.deepEqual(uf.UFUNCS.abs.fn(fromArray([-2])).toArray(), [2n]);
  assert.deepEqual(uf.UFUNCS.clip.fn(fromArray([-2, 5]), 0, 3).toArray(), [0n, 3n]);
  for (const name of [...UNARY, ...BINARY]) assert.ok(name in uf.UFUNCS, name);
});

Deno.test("NDArray methods delegate to the ufuncs", () => {
  const a = fromArray([1, 4, 9], "float64");
  const b = fromArray([2, 2, 2], "float64");
  assert.deepEqual(a.add(b).toArray(), [3, 6, 11]);
  assert.deepEqual(a.sub(1).toArray(), [0, 3, 8]);
  assert.deepEqual(a.mul(b).toArray(), [2, 8, 18]);
  assert.deepEqual(a.div(b).toArray(), [0.5, 2, 4.5]);
  assert.deepEqual(a.pow(2).toArray(), [1, 16, 81]);
  assert.deepEqual(a.mod(4).toArray(), [1, 0, 1]);
  assert.deepEqual(a.neg().toArray(), [-1, -4, -9]);
  assert.deepEqual(a.neg().abs().toArray(), [1, 4, 9]);
  assert.deepEqual(a.sqrt().toArray(), [1, 2, 3]);
  assert.deepEqual(fromArray([0]).exp().toArray(), [1]);
  assert.deepEqual(fromArray([1]).log().toArray(), [0]);
  assert.deepEqual(a.eq(4).toArray(), [false, true, false]);
  assert.deepEqual(a.ne(4).toArray(), [true, false, true]);
  assert.deepEqual(a.lt(4).toArray(), [true, false, false]);
  assert.deepEqual(a.le(4).toArray(), [true, true, false]);
  assert.deepEqual(a.gt(4).toArray(), [false, false, true]);
  assert.deepEqual(a.ge(4).toArray(), [false, true, true]);
  const out = zeros([3]);
  assert.equal(a.add(1, { out }), out);
  assert.ok(a.add(1) instanceof NDArray);
});

Deno.test("add() and sqrt() on a Fortran-ordered array keep its layout", () => {
  const f = arange(12, undefined, undefined, "float64").reshape([3, 4]).T;
  const r = uf.sqrt(f);
  assert.ok(r.isFContiguous);
  assert.deepEqual(r.toArray(), (f.toArray() as number[][]).map((row) => row.map(Math.sqrt)));
  const s = uf.add(f, f);
  assert.deepEqual(s.toArray(), (f.toArray() as number[][]).map((row) => row.map((v) => 2 * v)));
});

Deno.test("add() on long contiguous runs matches the element-wise definition", () => {
  const n = 1000;
  const a = arange(n, undefined, undefined, "float32");
  const b = arange(n, undefined, undefined, "float32").slice("::-1");
  const r = uf.add(a, b);
  assert.ok([...r.flat()].every((v) => v === n - 1));
  const c = uf.multiply(a.reshape([10, 100]), fromArray([2], "float32"));
  assert.equal(c.get(9, 99), 1998);
  const d = uf.less(a.reshape([10, 100]), a.reshape([10, 100]).slice(":", "0:1"));
  assert.equal([...d.flat()].filter(Boolean).length, 0);
});
