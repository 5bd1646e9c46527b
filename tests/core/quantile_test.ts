// core/sort.ts against NumPy: sort (NaN last), median, quantile and
// percentile with the default "linear" method over many shapes, dtypes,
// axes and q lists, keepdims, NaN propagation and skipna (nan* functions),
// and the errors for a bad q. The values must be the same bits.

import assert from "node:assert/strict";
import { type DType, hasFloat16 } from "../../core/dtype.ts";
import { fromArray, type NDArray } from "../../core/ndarray.ts";
import { median, percentile, quantile, sort, sortInPlace } from "../../core/sort.ts";
import { selectOrderStatistics } from "../../core/selection.ts";
import { hasPython, pythonJson } from "../_util.ts";

type Json = number | null | "inf" | "-inf";

function num(v: Json): number {
  return v === null ? NaN : v === "inf" ? Infinity : v === "-inf" ? -Infinity : v;
}

interface Case {
  dtype: DType;
  shape: number[];
  data: Json[];
  out: Record<string, { shape: number[]; values: Json[] }>;
}

const SCRIPT = `
import json, sys, warnings, numpy as np
warnings.simplefilter("ignore")
rng = np.random.default_rng(7)
dtypes = sys.argv[1].split(",")
shapes = [(7,), (8,), (1,), (4, 5), (3, 4, 5), (2, 0, 3)]
QS = [0.5, [0.0, 0.1, 0.25, 1/3, 0.5, 0.9, 0.999, 1.0]]
axes = [None, 0, -1, (0, 2)]
def enc(x):
    x = np.asarray(x)
    f = lambda e: None if e != e else ("inf" if e > 0 else "-inf") if isinstance(e, float) and abs(e) == float("inf") else e
    v = [f(e) for e in x.ravel().tolist()]
    return {"shape": list(x.shape), "values": v}
cases = []
for dt in dtypes:
    for shape in shapes:
        n = int(np.prod(shape))
        if dt.startswith("f"):
            a = (rng.standard_normal(n) * 100).astype(dt)
            a[rng.random(n) < 0.1] = np.nan
            if n >= 7: a[:3] = [np.inf, -np.inf, -0.0]
            a[rng.random(n) < 0.2] = 1.5  # ties
        else:
            info = np.iinfo(dt)
            lo, hi = max(info.min, -1000), min(info.max, 1000)
            a = rng.integers(lo, hi, n, endpoint=True).astype(dt)
            if n >= 2: a[:2] = [info.min, info.max] if info.bits < 64 else [0 if dt[0] == "u" else -2**53, 2**53]
        a = a.reshape(shape)
        out = {}
        for ax in axes:
            if ax == (0, 2) and a.ndim < 3: continue
            if ax is not None and a.ndim < 1: continue
            for kd in [False, True]:
                for skip in [False, True]:
                    med = np.nanmedian if skip else np.median
                    try: out[f"median/{ax}/{kd}/{skip}"] = enc(med(a, axis=ax, keepdims=kd))
                    except ValueError: pass  # NumPy cannot reshape some empty arrays
                    if 0 in shape: continue
                    qf = np.nanquantile if skip else np.quantile
                    pf = np.nanpercentile if skip else np.percentile
                    for i, q in enumerate(QS):
                        out[f"quantile/{i}/{ax}/{kd}/{skip}"] = enc(qf(a, q, axis=ax, keepdims=kd))
                    out[f"percentile/{ax}/{kd}/{skip}"] = enc(pf(a, [0, 30, 90, 100], axis=ax, keepdims=kd))
        for ax in [None, 0, -1]:
            out[f"sort/{ax}"] = enc(np.sort(a, axis=ax))
        cases.append({"dtype": dt, "shape": list(shape), "data": enc(a)["values"], "out": out})
print(json.dumps(cases))
`;

const QS: (number | number[])[] = [0.5, [0.0, 0.1, 0.25, 1 / 3, 0.5, 0.9, 0.999, 1.0]];
const AXES: (number | number[] | null)[] = [null, 0, -1, [0, 2]];

function build(c: Case): NDArray {
  const vals = c.data.map(num);
  return fromArray(vals, c.dtype).reshape(c.shape);
}

function same(got: NDArray, want: { shape: number[]; values: Json[] }, what: string) {
  assert.deepEqual([...got.shape], want.shape, `${what}: shape`);
  const g = [...got.flat()].map(Number);
  want.values.map(num).forEach((w, i) => {
    if (Number.isNaN(w)) assert.ok(Number.isNaN(g[i]), `${what}[${i}]: ${g[i]}, NumPy NaN`);
    else assert.ok(g[i] === w, `${what}[${i}]: ${g[i]}, NumPy ${w}`);
  });
}

const DTYPES: DType[] = ["float64", "float32", "int8", "uint8", "int32", "int64", "uint64"];
if (hasFloat16()) DTYPES.push("float16");

Deno.test({
  name: "sort(), median(), quantile(), percentile() give NumPy's bits over shapes, dtypes, axes",
  ignore: !hasPython("numpy"),
  async fn() {
    const cases = await pythonJson<Case[]>(SCRIPT, DTYPES.join(","));
    let checked = 0;
    for (const c of cases) {
      const a = build(c);
      for (const [key, want] of Object.entries(c.out)) {
        const [op, ...rest] = key.split("/");
        const what = `${c.dtype} [${c.shape}] ${key}`;
        if (op === "sort") {
          const axis = rest[0] === "None" ? null : Number(rest[0]);
          same(sort(a, { axis }), want, what);
          checked++;
          continue;
        }
        const [ax, kd, skip] = op === "quantile" ? rest.slice(1) : rest;
        const axis = AXES.find((x) =>
          String(x ?? "None").replace(",", ", ") === ax.replace(/[()]/g, "")
        )!;
        const options = { axis, keepdims: kd === "True", skipna: skip === "True" };
        if (op === "median") same(median(a, options), want, what);
        else if (op === "quantile") same(quantile(a, QS[Number(rest[0])], options), want, what);
        else same(percentile(a, [0, 30, 90, 100], options), want, what);
        checked++;
      }
    }
    assert.ok(checked > 1000, `checked ${checked}`);
  },
});

Deno.test("quantile() and percentile() reject a bad q with a RangeError naming q", () => {
  const a = fromArray([1, 2, 3], "float64");
  assert.throws(() => quantile(a, 1.5), { name: "RangeError", message: /Invalid q 1\.5/ });
  assert.throws(() => quantile(a, [0.5, -0.1]), { name: "RangeError", message: /Invalid q -0\.1/ });
  assert.throws(() => quantile(a, NaN), { name: "RangeError", message: /Invalid q NaN/ });
  assert.throws(() => percentile(a, 101), {
    name: "RangeError",
    message: /Invalid q 101: percentiles must be in \[0, 100\]/,
  });
  assert.throws(() => quantile(a, "0.5" as unknown as number), { name: "TypeError", message: /q/ });
  assert.throws(() => quantile(fromArray([true, false]), 0.5), TypeError);
  assert.throws(() => quantile(fromArray([], "float64"), 0.5), RangeError);
  assert.throws(() => median(a, { axis: 1 }), RangeError);
  assert.throws(() => sort(a, { axis: 2 }), RangeError);
  assert.throws(() => median(a, { bogus: 1 } as never), { name: "TypeError", message: /bogus/ });
});

Deno.test("NDArray methods sort/median/quantile/percentile delegate to core/sort.ts", () => {
  const a = fromArray([[3, 1, 2], [NaN, 5, 4]], "float64");
  assert.deepEqual(a.sort().toArray(), [[1, 2, 3], [4, 5, NaN]]);
  assert.deepEqual(a.median({ axis: 1 }).toArray(), [2, NaN]);
  assert.deepEqual(a.median({ axis: 1, skipna: true }).toArray(), [2, 4.5]);
  assert.deepEqual(a.quantile([0, 1], { skipna: true }).toArray(), [1, 5]);
  assert.equal(a.percentile(50, { skipna: true }).get(), 3);
});

Deno.test("selectOrderStatistics() finds the sorted values exactly, collected or not", async () => {
  const vals = Array.from({ length: 5000 }, (_, i) => ((i * 7919) % 5003) / 7 - 300);
  vals.push(NaN, -0, 0, Infinity, -Infinity, 1e-310, -1e-310);
  const a = fromArray(vals, "float64");
  const sorted = [...sort(a).flat()] as number[];
  const n = vals.length - 1;
  const ranks = [0, 1, 17, 2500, n - 2, n - 1];
  for (const collectLimit of [0, 100, 1e6]) {
    const blocks = [a.slice("0:1000"), a.slice("1000:")];
    const r = await selectOrderStatistics({
      dtype: "float64",
      pass: (v) => blocks.forEach(v),
      ranks: () => ranks,
      collectLimit,
    });
    assert.equal(r.count, n);
    assert.equal(r.nan, 1);
    assert.deepEqual(r.values, ranks.map((k) => sorted[k]), `collectLimit ${collectLimit}`);
    assert.ok(r.passes <= 4, `passes ${r.passes}`);
  }
  const big = fromArray([-(2n ** 63n), 2n ** 63n - 1n, 5n, -5n], "int64");
  const r = await selectOrderStatistics({
    dtype: "int64",
    pass: (v) => v(big),
    ranks: () => [0, 1, 2, 3],
  });
  assert.deepEqual(r.values, [-(2n ** 63n), -5n, 5n, 2n ** 63n - 1n]);
});

Deno.test("sortInPlace() radix-sorts long 64-bit arrays as TypedArray#sort orders them", () => {
  const n = 100_000;
  const f = new Float64Array(n).map((_, i) =>
    i % 97 === 0 ? NaN : i % 89 === 0 ? -0 : i % 83 === 0 ? -Infinity : Math.sin(i) * 1e300
  );
  const want = f.slice().sort();
  const got = sortInPlace(f.slice());
  assert.ok(got.every((x, i) => Object.is(x, want[i])), "float64");
  const b = BigInt64Array.from({ length: n }, (_, i) => BigInt(Math.round(Math.cos(i) * 2 ** 52)));
  assert.deepEqual([...sortInPlace(b.slice())], [...b.slice().sort()]);
  const u = BigUint64Array.from({ length: n }, (_, i) => BigInt(i * 7919 % n) * 2n ** 40n);
  assert.deepEqual([...sortInPlace(u.slice())], [...u.slice().sort()]);
  assert.deepEqual([...sortInPlace(new Float64Array(n).fill(2))].slice(0, 2), [2, 2]);
});
