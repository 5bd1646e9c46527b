// DistArray.sort (sample sort) and the exact median/quantile/percentile by
// distributed selection, checked against NumPy on the gathered data.
// Runs alone (one process: SelfComm) and under any launcher and rank count:
//   deno test -A tests/dist/sort_mpi_test.ts
//   timeout 300 mpiexec.mpich -n 3 deno test -A tests/dist/sort_mpi_test.ts
//   timeout 300 mpirun.openmpi --allow-run-as-root --oversubscribe -n 2 deno test -A ...

import assert from "node:assert/strict";
import type { DType } from "../../core/dtype.ts";
import type { NDArray } from "../../core/ndarray.ts";
import { Distribution } from "../../dist/distribution.ts";
import { DistArray } from "../../dist/dist_array.ts";
import { selectOrderStatisticsSync } from "../../core/selection.ts";
import { hasPython, pythonJson } from "../_util.ts";
import { mpiTest as test, world } from "../_mpi.ts";

const size = world.size;
const NUMPY = hasPython("numpy");

type Json = number | null | "inf" | "-inf";
const num = (v: Json): number =>
  v === null ? NaN : v === "inf" ? Infinity : v === "-inf" ? -Infinity : v;
const enc = (x: number | bigint): Json =>
  typeof x === "bigint"
    ? Number(x)
    : Number.isNaN(x)
    ? null
    : x === Infinity
    ? "inf"
    : x === -Infinity
    ? "-inf"
    : x;

/** A deterministic mix of values: ties, NaN, infinities, signed zeros (floats). */
function value(i: number, dtype: DType): number {
  const h = Math.imul(i + 1, 2654435761) >>> 0;
  if (dtype.startsWith("float")) {
    if (h % 17 === 0) return NaN;
    if (h % 29 === 0) return h % 2 ? Infinity : -Infinity;
    if (h % 13 === 0) return 2.5;
    if (h % 31 === 0) return -0;
    return ((h % 200001) - 100000) / 37;
  }
  const v = (h % 2001) - 1000;
  return dtype.startsWith("uint") ? Math.abs(v) : dtype === "int8" ? v % 128 : v;
}

function make(shape: number[], dtype: DType, dist?: string): DistArray {
  return DistArray.fromFunction(world, shape, {
    dtype,
    dist,
    fn: (idx) => {
      let flat = idx[0];
      for (let a = 1; a < idx.length; a++) flat = flat * shape[a] + idx[a];
      const v = value(flat, dtype);
      return dtype === "int64" || dtype === "uint64" ? BigInt(v) : v;
    },
  });
}

const SCRIPT = `
import json, sys, warnings, numpy as np
warnings.simplefilter("ignore")
req = json.loads(open(sys.argv[1]).read())
conv = lambda v: np.nan if v is None else (np.inf if v == "inf" else (-np.inf if v == "-inf" else v))
a = np.array([conv(v) for v in req["data"]], dtype=req["dtype"]).reshape(req["shape"])
def enc(x):
    x = np.asarray(x)
    f = lambda e: None if e != e else ("inf" if e > 0 else "-inf") if isinstance(e, float) and abs(e) == float("inf") else e
    return {"shape": list(x.shape), "values": [f(e) for e in x.ravel().tolist()]}
out = {}
out["sort/None"] = enc(np.sort(a, axis=None))
for ax in range(a.ndim): out[f"sort/{ax}"] = enc(np.sort(a, axis=ax))
for skip in [False, True]:
    med = np.nanmedian if skip else np.median
    qf = np.nanquantile if skip else np.quantile
    pf = np.nanpercentile if skip else np.percentile
    out[f"median/{skip}"] = enc(med(a))
    out[f"median/keep/{skip}"] = enc(med(a, keepdims=True))
    out[f"quantile/{skip}"] = enc(qf(a, [0, 0.01, 0.25, 1/3, 0.5, 0.9, 0.99, 1]))
    out[f"quantile1/{skip}"] = enc(qf(a, 0.37))
    out[f"percentile/{skip}"] = enc(pf(a, [5, 50, 95]))
print(json.dumps(out))
`;

type Want = Record<string, { shape: number[]; values: Json[] }>;

async function numpy(full: NDArray): Promise<Want> {
  const path = await Deno.makeTempFile({ suffix: ".json" });
  try {
    const data = [...full.flat()].map((x) => enc(x as number | bigint));
    await Deno.writeTextFile(path, JSON.stringify({ dtype: full.dtype, shape: full.shape, data }));
    return await pythonJson<Want>(SCRIPT, path);
  } finally {
    await Deno.remove(path);
  }
}

function same(got: NDArray, want: { shape: number[]; values: Json[] }, what: string): void {
  assert.deepEqual([...got.shape], want.shape, `${what}: shape`);
  const g = [...got.flat()].map(Number);
  want.values.map(num).forEach((w, i) => {
    if (Number.isNaN(w)) assert.ok(Number.isNaN(g[i]), `${what}[${i}]: ${g[i]}, NumPy NaN`);
    else assert.ok(g[i] === w, `${what}[${i}]: ${g[i]}, NumPy ${w}`);
  });
}

const CASES: { shape: number[]; dtype: DType; dist?: string }[] = [
  { shape: [1000], dtype: "float64" },
  { shape: [997], dtype: "float64", dist: "c" },
  { shape: [37, 11], dtype: "float32" },
  { shape: [200], dtype: "int64" },
  { shape: [300], dtype: "uint8" },
  { shape: [2], dtype: "float64" },
  { shape: [12, 5], dtype: "int32", dist: "bb" },
];

for (const c of CASES) {
  const label = `${c.dtype} [${c.shape}]${c.dist ? ` dist ${c.dist}` : ""}`;
  test(`DistArray sort/median/quantile/percentile match NumPy: ${label}`, async () => {
    if (!NUMPY) return;
    const a = make(c.shape, c.dtype, c.dist === "bb" && size > 1 ? "bb" : c.dist);
    const full = a.toNDArray()!;
    const want = await numpy(full);
    const flat = a.sort({ axis: null });
    assert.ok(flat.distribution.equals(Distribution.create([full.size], { commSize: size })));
    same(flat.toNDArray()!, want["sort/None"], `${label} sort/None`);
    for (let ax = 0; ax < c.shape.length; ax++) {
      same(a.sort({ axis: ax }).toNDArray()!, want[`sort/${ax}`], `${label} sort/${ax}`);
    }
    for (const skipna of [false, true]) {
      const k = skipna ? "True" : "False";
      same(a.median({ skipna }), want[`median/${k}`], `${label} median ${k}`);
      same(a.median({ skipna, keepdims: true }), want[`median/keep/${k}`], `${label} keep ${k}`);
      same(
        a.quantile([0, 0.01, 0.25, 1 / 3, 0.5, 0.9, 0.99, 1], { skipna }),
        want[`quantile/${k}`],
        `${label} quantile ${k}`,
      );
      same(a.quantile(0.37, { skipna }), want[`quantile1/${k}`], `${label} quantile1 ${k}`);
      same(a.percentile([5, 50, 95], { skipna }), want[`percentile/${k}`], `${label} pct ${k}`);
      // the same bits as the in-memory NDArray
      assert.equal(a.median({ skipna }).get(), full.median({ skipna }).get());
    }
  });
}

test("DistArray order statistics: errors name the problem", () => {
  const a = make([6, 4], "float64");
  assert.throws(() => a.quantile(1.5), { name: "RangeError", message: /Invalid q 1\.5/ });
  assert.throws(() => a.percentile([50, 120]), { name: "RangeError", message: /Invalid q 120/ });
  assert.throws(() => a.median({ axis: 0 }), { name: "RangeError", message: /axis/ });
  assert.throws(() => a.sort({ axis: 2 }), RangeError);
  assert.throws(() => a.median({ bogus: true } as never), { name: "TypeError", message: /bogus/ });
  // every axis listed is the whole array
  assert.equal(a.median({ axis: [0, 1] }).get(), a.median().get());
});

test("selection over ranks: histogram rounds (no gather) and gathered candidates agree", () => {
  const a = make([5000], "float64");
  const full = a.toNDArray()!;
  const sorted = [...full.sort().flat()] as number[];
  const n = sorted.filter((x) => !Number.isNaN(x)).length;
  const ranks = [0, 1, 999, n >> 1, n - 1];
  for (const gather of [undefined, (k: BigUint64Array) => world.allgatherv(k)]) {
    const r = selectOrderStatisticsSync({
      dtype: "float64",
      pass: (visit) => {
        if (a.local.size > 0) visit(a.local);
      },
      combine: (h) => world.allreduce(h, null, "sum"),
      gather,
      collectLimit: gather ? 100 : 0,
      ranks: () => ranks,
    });
    assert.equal(r.count, n);
    assert.deepEqual(r.values, ranks.map((k) => sorted[k]));
    if (!gather) assert.equal(r.passes, 4);
  }
});

test("DistArray order statistics of a padded (halo) distribution count each element once", () => {
  const dist = [{ type: "b", padding: [1, 1] }] as const;
  const a = DistArray.fromFunction(world, [101], { dist, fn: ([i]) => (i * 37) % 101 });
  a.exchangeHalos();
  assert.equal(a.median().get(), 50);
  assert.equal(a.quantile(0.25).get(), 25);
  assert.deepEqual([...a.sort({ axis: null }).toNDArray()!.flat()], [...Array(101).keys()]);
});
