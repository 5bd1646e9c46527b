// Reductions against NumPy (1.24, /usr/bin/python3): every reduction over
// several dtypes, axes, keepdims, ddof, non-contiguous views and NaNs, in one
// batched Python run. Integers, bools, min/max and arg* must match exactly;
// float64 results within 1e-12 relative, float32 within 1e-6 relative (of
// max(|expected|, 1)). For float32 input the reference is NumPy accumulating
// in float64 (`dtype=np.float64`, then rounded to float32), which is what our
// float32 reductions do.

import assert from "node:assert/strict";
import { type DType, hasFloat16 } from "../../core/dtype.ts";
import { arange, empty, fromArray, fromTypedArray, NDArray, zeros } from "../../core/ndarray.ts";
import {
  argmax,
  argmin,
  countNonzero,
  max,
  mean,
  mergeTree,
  min,
  nanmax,
  nanmean,
  nanmin,
  nanstd,
  nansum,
  prod,
  type ReduceOptions,
  reducer,
  REDUCTION_NAMES,
  type ReductionName,
  REDUCTIONS,
  stateBuffers,
  stateFromBuffers,
  std,
  sum,
  var as var_,
} from "../../core/reduce.ts";
import { WASM_COPY } from "../../core/_kernels/reduce_wasm.ts";
import { wasmArena } from "../../core/_wasm/arena.ts";
import { flatStrings, hasPython, pythonStdinJson } from "../_util.ts";

const HAS_NUMPY = hasPython("numpy");

// deterministic pseudo-random values
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function makeArray(dtype: DType, shape: number[], seed: number, nans = false): NDArray {
  const rnd = lcg(seed);
  const a = empty(shape, dtype) as NDArray;
  const d = a.data as unknown as { [i: number]: number | bigint; length: number };
  for (let i = 0; i < d.length; i++) {
    const u = rnd();
    switch (dtype) {
      case "bool":
        d[i] = u < 0.7 ? 1 : 0;
        break;
      case "int8":
        d[i] = Math.floor(u * 256) - 128;
        break;
      case "uint16":
        d[i] = Math.floor(u * 65536);
        break;
      case "int32":
        d[i] = Math.floor(u * 2 ** 32) - 2 ** 31;
        break;
      case "int64":
        // beyond 2^53, both signs
        d[i] = BigInt(Math.floor(u * 2 ** 31) - 2 ** 30) * 2n ** 32n +
          BigInt(Math.floor(rnd() * 2 ** 32));
        break;
      default:
        d[i] = Math.round((u * 200 - 70) * 64) / 64;
    }
  }
  if (nans) {
    for (const i of [3, 17, 18, 40]) if (i < d.length) d[i] = NaN;
  }
  return a;
}

interface Case {
  id: number;
  arr: number;
  name: ReductionName;
  axis: number | number[] | null;
  keepdims: boolean;
  ddof: number;
}

const ARRAYS: { label: string; a: NDArray }[] = [];
const CASES: Case[] = [];

function addArray(label: string, a: NDArray): number {
  ARRAYS.push({ label, a });
  return ARRAYS.length - 1;
}

const DTYPES_TESTED: DType[] = ["bool", "int8", "uint16", "int32", "int64", "float32", "float64"];
for (const [di, dtype] of DTYPES_TESTED.entries()) {
  const base = makeArray(dtype, [4, 6, 5], 100 + di);
  const views: [string, NDArray][] = [
    ["contiguous", base],
    ["strided", base.slice("::-1", "1::2", ":").transpose([2, 0, 1])],
  ];
  if (dtype.startsWith("float")) {
    views.push(["nan", makeArray(dtype, [4, 6, 5], 200 + di, true)]);
    views.push(["nan-strided", makeArray(dtype, [6, 5, 4], 300 + di, true).transpose()]);
  }
  for (const [label, a] of views) {
    const arr = addArray(`${dtype} ${label} [${a.shape}]`, a);
    for (const name of REDUCTION_NAMES) {
      const axes: (number | number[] | null)[] = name.startsWith("arg")
        ? [null, 0, 1, -1]
        : [null, 0, 1, -1, [0, 2], [2, 1]];
      for (const axis of axes) {
        CASES.push({ id: CASES.length, arr, name, axis, keepdims: false, ddof: 0 });
      }
      CASES.push({ id: CASES.length, arr, name, axis: 1, keepdims: true, ddof: 0 });
      if (!name.startsWith("arg")) {
        CASES.push({ id: CASES.length, arr, name, axis: null, keepdims: true, ddof: 0 });
      }
      if (name.endsWith("var") || name.endsWith("std")) {
        CASES.push({ id: CASES.length, arr, name, axis: [0, 1], keepdims: false, ddof: 1 });
      }
    }
  }
}
// larger arrays: more than one tile (4096) per run and more than one group
// (256 rows) per outer reduction
for (
  const [dtype, shape, seed] of [["float64", [3, 9000], 7], ["float32", [700, 9], 8], [
    "int32",
    [700, 9],
    9,
  ]] as [DType, number[], number][]
) {
  const arr = addArray(`${dtype} large [${shape}]`, makeArray(dtype, shape, seed));
  for (const name of ["sum", "mean", "var", "std", "min", "argmax", "count_nonzero"] as const) {
    for (const axis of [null, 0, 1]) {
      CASES.push({ id: CASES.length, arr, name, axis, keepdims: false, ddof: 0 });
    }
  }
}

const PY = `
import json, sys, numpy as np
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
FLOATY = {"sum","nansum","mean","nanmean","var","std","nanvar","nanstd","prod"}
out = []
for c in req["cases"]:
    a = arrays[c["arr"]]
    name = c["name"]
    axis = c["axis"]
    if isinstance(axis, list):
        axis = tuple(axis)
    kw = {"axis": axis, "keepdims": c["keepdims"]}
    if name.endswith("var") or name.endswith("std"):
        kw["ddof"] = c["ddof"]
    fn = getattr(np, name)
    with np.errstate(all="ignore"):
        import warnings
        warnings.simplefilter("ignore")
        try:
            if a.dtype == np.float32 and name in FLOATY:
                r = np.asarray(fn(a, dtype=np.float64, **kw)).astype(np.float32)
            elif name.startswith("arg") and c["keepdims"]:
                r = np.asarray(fn(a, axis=axis, keepdims=True))
            elif name.startswith("arg") or name == "count_nonzero":
                r = np.asarray(fn(a, axis=axis))
                if c["keepdims"]:
                    r = np.expand_dims(r, axis if axis is not None else tuple(range(a.ndim)))
            else:
                r = np.asarray(fn(a, **kw))
        except ValueError as e:
            out.append({"error": str(e)})
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
    cases: CASES,
  };
  return await pythonStdinJson<PyResult[]>(PY, req);
}

const RESULTS: PyResult[] = HAS_NUMPY ? await numpyResults() : [];

function toNumber(s: string): number {
  return s === "nan" ? NaN : s === "inf" ? Infinity : s === "-inf" ? -Infinity : Number(s);
}

function checkCase(c: Case): void {
  const { a, label } = ARRAYS[c.arr];
  const exp = RESULTS[c.id];
  const what = `${c.name}(${label}, axis=${
    JSON.stringify(c.axis)
  }, keepdims=${c.keepdims}, ddof=${c.ddof})`;
  const opts: ReduceOptions = { axis: c.axis, keepdims: c.keepdims, ddof: c.ddof };
  if (exp.error !== undefined) {
    assert.throws(() => REDUCTIONS[c.name](a, opts), RangeError, what);
    return;
  }
  const got = REDUCTIONS[c.name](a, opts);
  assert.equal(got.dtype, exp.dtype, `${what}: dtype`);
  assert.deepEqual([...got.shape], exp.shape, `${what}: shape`);
  const gv = flatStrings(got);
  const ev = exp.values!;
  const kind = got.dtype === "float32" ? 1e-6 : got.dtype === "float64" ? 1e-12 : 0;
  for (let i = 0; i < ev.length; i++) {
    if (kind === 0) {
      assert.equal(gv[i], ev[i], `${what}: element ${i}`);
      continue;
    }
    const g = Number(gv[i]);
    const e = toNumber(ev[i]);
    if (Number.isNaN(e) || !Number.isFinite(e)) {
      assert.ok(Object.is(g, e) || (Number.isNaN(g) && Number.isNaN(e)), `${what}: ${g} vs ${e}`);
      continue;
    }
    const tol = kind * Math.max(Math.abs(e), 1);
    assert.ok(Math.abs(g - e) <= tol, `${what}: element ${i}: ${g} vs ${e}`);
  }
}

for (const name of REDUCTION_NAMES) {
  Deno.test({
    name: `${name}() matches numpy over dtypes, axes, keepdims and strided views`,
    ignore: !HAS_NUMPY,
    fn() {
      const cases = CASES.filter((c) => c.name === name);
      assert.ok(cases.length > 50);
      for (const c of cases) checkCase(c);
    },
  });
}

Deno.test("sum() of 1e8 float32 0.1 stepped in slabs and merged is within 1e-6 of exact", () => {
  const n = 1e8;
  const slab = 1e7;
  const buf = new Float32Array(slab).fill(0.1);
  const block = fromTypedArray(buf);
  const r = reducer("sum", "float32", [n]);
  const states = [];
  for (let i = 0; i < n / slab; i++) states.push(r.step(r.init(), block, [i * slab]));
  const got = r.finish(mergeTree(r, states)).get() as number;
  const exact = n * Math.fround(0.1);
  assert.ok(Math.abs(got - exact) / exact <= 1e-6, `${got} vs ${exact}`);
  assert.equal(got, Math.fround(exact));
});

Deno.test("sum() of 1e7 float32 0.1 in one shot is within 1e-6 of exact", () => {
  const a = fromTypedArray(new Float32Array(1e7).fill(0.1));
  const exact = 1e7 * Math.fround(0.1);
  const got = sum(a).get() as number;
  assert.equal(a.dtype, "float32");
  assert.ok(Math.abs(got - exact) / exact <= 1e-6, `${got} vs ${exact}`);
  // and along axis 0 of a 2-D view: the outer-reduction path
  const b = fromTypedArray(new Float32Array(1e7).fill(0.1), [2_500_000, 4]);
  const col = sum(b, { axis: 0 }).toArray() as number[];
  for (const v of col) assert.ok(Math.abs(v - exact / 4) / (exact / 4) <= 1e-6, `${v}`);
});

Deno.test("var() is accurate for a large mean and a small spread (no cancellation)", () => {
  const n = 1_000_000;
  const d = new Float64Array(n);
  for (let i = 0; i < n; i++) d[i] = 1e9 + (i % 10);
  const a = fromTypedArray(d);
  assert.ok(Math.abs((var_(a).get() as number) - 8.25) < 1e-6);
  // outer path: columns of a [n/2, 2] array hold 1e9 + even / odd residues
  const cols = var_(fromTypedArray(d, [n / 2, 2]), { axis: 0 }).toArray() as number[];
  for (const v of cols) assert.ok(Math.abs(v - 8) < 1e-6, `${v}`);
  assert.ok(Math.abs((std(a, { ddof: 1 }).get() as number) - Math.sqrt(8.25 * n / (n - 1))) < 1e-9);
});

Deno.test("sum() of int64 beyond 2^53 is exact and wraps like numpy", () => {
  const vals = [2n ** 62n + 1n, 2n ** 62n + 3n, -(2n ** 61n) + 7n, 2n ** 62n];
  let ref = 0n;
  for (const v of vals) ref += v;
  assert.equal(sum(fromArray(vals, "int64")).get(), BigInt.asIntN(64, ref));
  const u = fromArray([2n ** 64n - 1n, 2n ** 64n - 1n, 5n], "uint64");
  assert.equal(sum(u).get(), BigInt.asUintN(64, 2n * (2n ** 64n - 1n) + 5n));
  assert.equal(sum(u).dtype, "uint64");
  // int32 sums that exceed 2^53 in total
  const big = fromTypedArray(new Int32Array(5_000_000).fill(2 ** 31 - 1));
  assert.equal(sum(big).get(), 5_000_000n * BigInt(2 ** 31 - 1));
  assert.equal(prod(fromArray([3n ** 39n, 3n], "int64")).get(), BigInt.asIntN(64, 3n ** 40n));
});

Deno.test("reductions of empty slices follow numpy", () => {
  const e = zeros([0, 3], "float64");
  assert.equal(sum(e).get(), 0);
  assert.equal(prod(e).get(), 1);
  assert.ok(Number.isNaN(mean(e).get() as number));
  assert.equal(nansum(e).get(), 0);
  assert.deepEqual(sum(e, { axis: 0 }).toArray(), [0, 0, 0]);
  assert.throws(() => min(e), RangeError);
  assert.throws(() => max(e, { axis: 0 }), RangeError);
  assert.throws(() => argmax(e), RangeError);
  assert.deepEqual(min(e, { axis: 1 }).shape, [0]);
  assert.equal(countNonzero(e).get(), 0n);
});

Deno.test("nan reductions of all-NaN slices give NaN (nansum 0)", () => {
  const a = fromArray([[NaN, NaN], [1, NaN]]);
  assert.deepEqual(nansum(a, { axis: 1 }).toArray(), [0, 1]);
  assert.ok(Number.isNaN((nanmean(a, { axis: 1 }).toArray() as number[])[0]));
  assert.ok(Number.isNaN((nanmin(a, { axis: 1 }).toArray() as number[])[0]));
  assert.equal((nanmax(a, { axis: 1 }).toArray() as number[])[1], 1);
  assert.ok(Number.isNaN((nanstd(a, { axis: 1 }).toArray() as number[])[0]));
  assert.equal(argmin(fromArray([3, NaN, 1, NaN])).get(), 1n);
  assert.ok(Number.isNaN(max(fromArray([1, NaN, Infinity])).get() as number));
  assert.equal(sum(fromArray([1, Infinity])).get(), Infinity);
});

Deno.test("sum() and mean() honour the dtype option", () => {
  const a = fromArray([100, 100, 100], "int8");
  assert.equal(sum(a).get(), 300n);
  assert.equal(sum(a, { dtype: "int8" }).get(), 44);
  assert.equal(sum(a, { dtype: "float32" }).dtype, "float32");
  assert.equal(mean(fromArray([1, 2], "float32"), { dtype: "float64" }).get(), 1.5);
  assert.equal(sum(fromArray([1.7, 2.9]), { dtype: "int32" }).get(), 3);
  assert.equal(mean(fromArray([1, 2], "float32")).dtype, "float32");
});

Deno.test({
  name: "mean() of float16 keeps float16",
  ignore: !hasFloat16(),
  fn() {
    const a = fromArray([1, 2, 3, 4], "float16");
    assert.equal(mean(a).dtype, "float16");
    assert.equal(mean(a).get(), 2.5);
    assert.equal(var_(a).get(), 1.25);
  },
});

Deno.test("reducer() rejects bad axes, blocks and states", () => {
  assert.throws(() => reducer("sum", "float64", [2, 3], { axis: 2 }), RangeError);
  assert.throws(() => reducer("sum", "float64", [2, 3], { axis: [0, -2] }), RangeError);
  assert.throws(() => reducer("argmax", "float64", [2, 3], { axis: [0] }), TypeError);
  assert.throws(() => reducer("median" as ReductionName, "float64", [2]), TypeError);
  const r = reducer("sum", "float64", [4, 3], { axis: 0 });
  assert.throws(() => r.step(r.init(), zeros([2, 3]), [3, 0]), RangeError);
  assert.throws(() => r.step(r.init(), zeros([2]), [0]), RangeError);
  assert.throws(() => r.step(r.init(), zeros([4, 3], "float32")), TypeError);
  const other = reducer("max", "float64", [4, 3], { axis: 0 });
  assert.throws(() => r.merge(r.init(), other.init()), TypeError);
});

Deno.test("stateFromBuffers() round-trips a state through raw bytes", () => {
  const a = makeArray("float64", [6, 4], 5);
  for (const name of REDUCTION_NAMES) {
    const r = reducer(name, "float64", [6, 4], { axis: 0 });
    const st = r.step(r.init(), a);
    const bytes = stateBuffers(st).map((b) => new Uint8Array(b.buffer.slice(0)));
    assert.equal(bytes.length, r.fields.length);
    const back = stateFromBuffers(r, bytes);
    assert.deepEqual(r.finish(back).toArray(), r.finish(st).toArray(), name);
  }
  const r = reducer("mean", "float64", [6, 4]);
  assert.throws(() => stateFromBuffers(r, [new Float64Array(1)]), RangeError);
});

Deno.test("argmax() breaks ties by the global index whatever the merge order", () => {
  const a = fromArray([[1, 5, 2], [5, 0, 5]], "int32");
  const r = reducer("argmax", "int32", [2, 3]);
  const s0 = r.step(r.init(), a.slice("0:1"), [0, 0]);
  const s1 = r.step(r.init(), a.slice("1:2"), [1, 0]);
  assert.equal(r.finish(r.merge(r.clone(s1), s0)).get(), 1n);
  assert.equal(r.finish(r.merge(s0, s1)).get(), 1n);
  // column blocks: the tie at flat index 3 (block 0) beats none, 1 (block 1) wins
  const c0 = r.step(r.init(), a.slice(":", "0:1"), [0, 0]);
  const c1 = r.step(r.init(), a.slice(":", "1:3"), [0, 1]);
  assert.equal(r.finish(mergeTree(r, [c0, c1])).get(), 1n);
});

Deno.test("NDArray reduction methods delegate to core/reduce.ts", () => {
  const a = arange(12, undefined, undefined, "float64").reshape([3, 4]);
  assert.equal(a.sum().get(), 66);
  assert.deepEqual(a.sum({ axis: 0, keepdims: true }).shape, [1, 4]);
  assert.equal(a.prod({ axis: 1 }).get(0), 0);
  assert.equal(a.min().get(), 0);
  assert.equal(a.max().get(), 11);
  assert.equal(a.mean().get(), 5.5);
  assert.equal(a.var({ axis: 0 }).get(0), 32 / 3);
  assert.equal(a.std({ ddof: 1 }).get(), std(a, { ddof: 1 }).get());
  assert.equal(a.argmin({ axis: 1 }).get(2), 0n);
  assert.equal(a.argmax().get(), 11n);
  assert.equal(a.any().get(), true);
  assert.equal(a.all().get(), false);
});

Deno.test("float reductions: wasm kernels and JS replicas agree, in arena memory or not", () => {
  // The float32/float64 schemes run as wasm kernels on arena memory (and on
  // copies in arena scratch) and as JS replicas elsewhere: the states must be
  // bit-identical whichever path ran, and the results within tolerance of an
  // independent compensated reference.
  const arena = wasmArena();
  const names = ["sum", "mean", "var", "std", "min", "max", "nansum", "nanmax"] as const;
  const layouts: [number[], number | null][] = [
    [[1], null],
    [[7], null],
    [[255], null],
    [[257], null],
    [[4099], null],
    [[70001], null],
    [[3, 1031], 0],
    [[261, 37], 0],
    [[517, 9], 0],
    [[7, 5, 129], 0],
    [[133, 61], 1],
  ];
  const neumaierSum = (xs: ArrayLike<number>): number => {
    let s = 0, c = 0;
    for (let i = 0; i < xs.length; i++) {
      const t = s + xs[i];
      c += Math.abs(s) >= Math.abs(xs[i]) ? (s - t) + xs[i] : (xs[i] - t) + s;
      s = t;
    }
    return s + c;
  };
  const reference = (name: string, xs: number[]): number => {
    const n = xs.length;
    if (name === "min") return Math.min(...xs);
    if (name === "max" || name === "nanmax") return Math.max(...xs);
    const s = neumaierSum(xs);
    if (name === "sum" || name === "nansum") return s;
    if (name === "mean") return s / n;
    const m = s / n;
    const v = neumaierSum(xs.map((x) => (x - m) * (x - m))) / n;
    return name === "std" ? Math.sqrt(v) : v;
  };
  for (const dtype of ["float32", "float64"] as const) {
    const Ctor = dtype === "float32" ? Float32Array : Float64Array;
    for (const [shape, axis] of layouts) {
      const plain = makeArray(dtype, shape, shape.reduce((a, b) => a * b, 1));
      const n = plain.size;
      const region = arena.alloc(n * Ctor.BYTES_PER_ELEMENT);
      try {
        const view = region.view(Ctor as typeof Float64Array, n);
        view.set(plain.data as Float64Array);
        const inArena = fromTypedArray(view, shape);
        assert.ok(arena.contains(inArena.data as Float64Array));
        for (const name of names) {
          const r = reducer(name, dtype, shape, { axis });
          const states = [plain, inArena].map((a) => r.step(r.init(), a));
          const saved = { ...WASM_COPY };
          Object.assign(WASM_COPY, { sum: true, moments: false, minmax: false, rows: false });
          states.push(r.step(r.init(), plain));
          Object.assign(WASM_COPY, saved);
          const bytes = states.map((st) =>
            stateBuffers(st).map((b) => new Uint8Array(b.buffer, b.byteOffset, b.byteLength))
          );
          for (const other of bytes.slice(1)) {
            assert.deepEqual(other, bytes[0], `${name} ${dtype} [${shape}] axis ${axis}: state`);
          }
          const got = r.finish(states[1]).toArray();
          const flat = (Array.isArray(got) ? got.flat(2) : [got]) as number[];
          // reference per output slot: gather the slot's values in C order
          const outs = axis === null ? [[...plain.flat()] as number[]] : slotValues(plain, axis);
          assert.equal(flat.length, outs.length);
          const tol = dtype === "float32" ? 1e-6 : 1e-12;
          flat.forEach((g, i) => {
            let e = reference(name, outs[i]);
            if (dtype === "float32") e = Math.fround(e);
            assert.ok(
              Math.abs(g - e) <= tol * Math.max(Math.abs(e), 1),
              `${name} ${dtype} [${shape}] axis ${axis} slot ${i}: ${g} vs ${e}`,
            );
          });
        }
      } finally {
        region.free();
      }
    }
  }
});

/** The values of each output slot of a reduction over `axis`, in C order of the slots. */
function slotValues(a: NDArray, axis: number): number[][] {
  const moved = a.transpose([...[...Array(a.ndim).keys()].filter((i) => i !== axis), axis]);
  const len = a.shape[axis];
  const all = [...moved.flat()] as number[];
  const out: number[][] = [];
  for (let i = 0; i < all.length; i += len) out.push(all.slice(i, i + len));
  return out;
}
