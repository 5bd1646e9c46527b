// LazyArray.median/quantile/percentile out of core (stream/_quantile.ts)
// against NumPy: arrays larger than the memory budget, read from .npy files
// on disk and through expressions, NaN propagation and skipna, at most four
// passes, the same bits as NumPy and as NDArray.

import assert from "node:assert/strict";
import { fromArray, type NDArray } from "../../core/ndarray.ts";
import { writeNpy } from "../../io/npy.ts";
import { SelfComm } from "../../dist/comm.ts";
import { lazy, open } from "../../stream/lazy.ts";
import { lastPasses, tiles } from "../../stream/_quantile.ts";
import { hasPython, pythonJson, tempDir } from "../_util.ts";
import { CF_MODULES, makeCfFiles } from "./_cf_fixture.ts";

const comm = new SelfComm();
const QS = [0, 0.001, 0.1, 0.25, 0.5, 0.75, 0.9, 0.999, 1];

type Json = number | null;

function same(got: NDArray, want: { shape: number[]; values: Json[] }, what: string): void {
  assert.deepEqual([...got.shape], want.shape, `${what}: shape`);
  const g = [...got.flat()].map(Number);
  want.values.forEach((w, i) => {
    if (w === null) assert.ok(Number.isNaN(g[i]), `${what}[${i}]: ${g[i]}, NumPy NaN`);
    else assert.ok(g[i] === w, `${what}[${i}]: ${g[i]}, NumPy ${w}`);
  });
}

const SCRIPT = `
import json, sys, warnings, numpy as np
warnings.simplefilter("ignore")
d = sys.argv[1]
rng = np.random.default_rng(3)
files = {
  "f8": (rng.standard_normal(300_000) * 1e3).astype("f8"),
  "f8nan": np.where(rng.random(200_000) < 0.01, np.nan, rng.standard_normal(200_000)),
  "f4": rng.standard_normal((300, 700)).astype("f4"),
  "i8": rng.integers(-2**40, 2**40, 250_001).astype("i8"),
  "i2": rng.integers(-30000, 30000, (4, 100_000)).astype("i2"),
  "ties": np.repeat(np.array([1.5, -2.0, 7.25]), 100_000),
}
def enc(x):
    x = np.asarray(x)
    return {"shape": list(x.shape), "values": [None if e != e else e for e in x.ravel().tolist()]}
qs = json.loads(sys.argv[2])
out = {}
for name, a in files.items():
    np.save(f"{d}/{name}.npy", a)
    for skip in [False, True]:
        med = np.nanmedian if skip else np.median
        qf = np.nanquantile if skip else np.quantile
        pf = np.nanpercentile if skip else np.percentile
        out[f"{name}/median/{skip}"] = enc(med(a))
        out[f"{name}/quantile/{skip}"] = enc(qf(a, qs))
        out[f"{name}/percentile/{skip}"] = enc(pf(a, 37.5, keepdims=True))
    out[f"{name}/expr"] = enc(np.median(a * 2 + 1))
print(json.dumps(out))
`;

Deno.test({
  name: "LazyArray median/quantile/percentile match NumPy out of core, in at most 4 passes",
  ignore: !hasPython("numpy"),
  async fn() {
    await using dir = await tempDir();
    const want = await pythonJson<Record<string, { shape: number[]; values: Json[] }>>(
      SCRIPT,
      dir.path,
      JSON.stringify(QS),
    );
    for (const name of ["f8", "f8nan", "f4", "i8", "i2", "ties"]) {
      using x = await open(`${dir.path}/${name}.npy`);
      assert.ok(x.nbytes > 512 * 1024, `${name} is larger than the budget`);
      const memory = "512KiB";
      for (const skipna of [false, true]) {
        const k = skipna ? "True" : "False";
        const run = { memory, comm, skipna };
        same(await x.median(run), want[`${name}/median/${k}`], `${name} median ${k}`);
        assert.ok(lastPasses >= 1 && lastPasses <= 4, `${name}: ${lastPasses} passes`);
        same(await x.quantile(QS, run), want[`${name}/quantile/${k}`], `${name} quantile ${k}`);
        assert.ok(lastPasses <= 4, `${name}: ${lastPasses} passes`);
        same(
          await x.percentile(37.5, { ...run, keepdims: true }),
          want[`${name}/percentile/${k}`],
          `${name} percentile ${k}`,
        );
      }
      same(await x.mul(2).add(1).median({ memory, comm }), want[`${name}/expr`], `${name} expr`);
    }
  },
});

Deno.test("LazyArray quantiles: the same bits as NDArray for any budget (collected or not)", async () => {
  const vals = Array.from({ length: 50_000 }, (_, i) => (i % 7 === 0 ? NaN : Math.cos(i) * 1e6));
  const a = fromArray(vals, "float64").reshape([50, 1000]);
  const x = lazy(a, { chunks: [7, 300] });
  for (const memory of ["64KiB", "1MiB", "64MiB"]) {
    for (const skipna of [false, true]) {
      const got = await x.quantile(QS, { memory, comm, skipna });
      assert.deepEqual(got.toArray(), a.quantile(QS, { skipna }).toArray(), `${memory} ${skipna}`);
      assert.equal((await x.median({ memory, comm, skipna })).get(), a.median({ skipna }).get());
    }
  }
});

Deno.test("LazyArray quantile() errors name q, the axis or the option", async () => {
  const x = lazy(fromArray([1, 2, 3], "float64"));
  await assert.rejects(() => x.quantile(2, { comm }), {
    name: "RangeError",
    message: /Invalid q 2/,
  });
  await assert.rejects(() => x.percentile(-1, { comm }), { name: "RangeError", message: /q -1/ });
  const y = lazy(fromArray([[1, 2], [3, 4]], "float64"));
  await assert.rejects(() => y.median({ axis: 0, comm }), { name: "RangeError", message: /axis/ });
  assert.equal((await y.median({ axis: [0, 1], comm })).get(), 2.5);
  await assert.rejects(() => x.median({ bogus: 1, comm } as never), {
    name: "TypeError",
    message: /bogus/,
  });
  await assert.rejects(() => lazy(fromArray([], "float64")).quantile(0.5, { comm }), RangeError);
  assert.ok(Number.isNaN((await lazy(fromArray([], "float64")).median({ comm })).get() as number));
});

Deno.test("tiles() covers the array in C order within the tile size", () => {
  const seen: string[] = [];
  for (const t of tiles([3, 4, 5], 7)) seen.push(t.join(" "));
  assert.equal(seen.length, 3 * 4);
  assert.deepEqual(seen.slice(0, 2), ["0:1 0:1 :", "0:1 1:2 :"]);
  assert.deepEqual([...tiles([3, 4], 100)], [[":", ":"]]);
  assert.deepEqual([...tiles([2, 10], 4)].length, 6);
});

Deno.test("writeNpy fixture sanity for out-of-core reads", async () => {
  await using dir = await tempDir();
  const a = fromArray(Array.from({ length: 100_000 }, (_, i) => (i * 37) % 1001), "int32");
  await writeNpy(`${dir.path}/a.npy`, a);
  using x = await open(`${dir.path}/a.npy`);
  assert.equal((await x.median({ memory: "64KiB", comm })).get(), a.median().get());
  assert.equal((await x.percentile(99, { memory: "64KiB", comm })).get(), a.percentile(99).get());
});

Deno.test({
  name: "LazyArray median of a CF-decoded variable skips missing values by default (xarray)",
  ignore: !hasPython(...CF_MODULES),
  async fn() {
    await using dir = await tempDir();
    await makeCfFiles(dir.path);
    const want = await pythonJson<(number | null)[]>(
      `
import sys, json, warnings, xarray as xr
warnings.simplefilter("ignore")
v = xr.open_dataset(sys.argv[1] + "/cf.nc")["t2m"]
m = float(v.median(skipna=False))
print(json.dumps([float(v.median()), float(v.quantile(0.9)), None if m != m else m]))
`,
      dir.path,
    );
    using t = await open(`${dir.path}/cf.nc:/t2m`);
    assert.equal((await t.median({ comm })).get(), want[0]);
    assert.equal((await t.quantile(0.9, { comm })).get(), want[1]);
    assert.ok(Number.isNaN((await t.median({ comm, skipna: false })).get() as number));
    assert.equal(want[2], null); // NaN: xarray's skipna=False propagates it
  },
});
