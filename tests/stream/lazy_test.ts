import assert from "node:assert/strict";
import { arange, fromArray, NDArray } from "../../core/ndarray.ts";
import * as U from "../../core/ufunc.ts";
import {
  mergeTree,
  type ReduceOptions,
  reducer,
  type ReductionName,
  REDUCTIONS,
} from "../../core/reduce.ts";
import { rand, randn } from "../../core/random.ts";
import { MemoryBudgetError } from "../../core/errors.ts";
import { NpyFile, readNpy, writeNpy } from "../../io/npy.ts";
import { H5File } from "../../io/hdf5.ts";
import type { ArraySource, RegionLike } from "../../io/region.ts";
import { toRegion } from "../../io/region.ts";
import { SelfComm } from "../../dist/comm.ts";
import {
  fromSource,
  lazy,
  type LazyArray,
  open,
  type Progress,
  random,
  ufunc,
  where,
} from "../../stream/mod.ts";
import { bits, hasPython, pythonJson, runPython, tempDir } from "../_util.ts";

const comm = new SelfComm();
const run = { comm, memory: "256MiB" };

/** A source that counts reads (and can fail at a given read). */
class Counting implements ArraySource {
  readonly locator = "counting";
  readonly shape: readonly number[];
  readonly dtype;
  readonly chunks: readonly number[];
  readonly regions: string[] = [];
  readonly #a: NDArray;
  readonly #failAt: number;
  constructor(a: NDArray, chunks: readonly number[], failAt = -1) {
    this.#a = a;
    this.shape = a.shape;
    this.dtype = a.dtype;
    this.chunks = chunks;
    this.#failAt = failAt;
  }
  read(region?: RegionLike): Promise<NDArray> {
    const r = toRegion(this.shape, region);
    this.regions.push(r.start.join(","));
    if (this.regions.length - 1 === this.#failAt) {
      return Promise.reject(new Error("disk on fire"));
    }
    return Promise.resolve(
      this.#a.slice(
        ...r.start.map((s, i) => ({ start: s, stop: s + r.count[i] * r.step[i], step: r.step[i] })),
      )
        .copy(),
    );
  }
}

const A = rand([37, 23], { seed: 1 }).astype("float32");
const B = randn([23], { seed: 2 }).astype("float32");

Deno.test("LazyArray ufuncs equal the core ufuncs exactly (fused and unfused)", async () => {
  const x = lazy(A, { chunks: [8, 23] });
  const cases: [LazyArray, NDArray][] = [
    [x.mul(x).add(1).sqrt().mul(0.5), U.multiply(U.sqrt(U.add(U.multiply(A, A), 1)), 0.5)],
    [x.sub(B).div(x.add(2)), U.divide(U.subtract(A, B), U.add(A, 2))],
    [x.neg().abs().square(), U.square(U.absolute(U.negative(A)))],
    [ufunc("hypot", x, B), U.hypot(A, B)],
    [x.exp().log(), U.log(U.exp(A))],
    [x.gt(0.5), U.greater(A, 0.5)],
    [x.astype("float64").mul(3).add(x), U.add(U.multiply(A.astype("float64"), 3), A)],
    [where(x.gt(0.5), x, -1), U.where(U.greater(A, 0.5), A, -1)],
    [x.clip(0.2, 0.8), U.clip(A, 0.2, 0.8)],
    [x.mul(100).astype("int16").floorDiv(7), U.floorDivide(U.multiply(A, 100).astype("int16"), 7)],
    [x.minimum(B).maximum(0.1), U.maximum(U.minimum(A, B), 0.1)],
  ];
  for (const [lz, want] of cases) {
    const got = await lz.compute(run);
    assert.equal(got.dtype, want.dtype);
    assert.deepEqual(got.shape, want.shape);
    assert.deepEqual(bits(got), bits(want));
  }
});

Deno.test("LazyArray reductions equal mergeTree over the same chunk grid exactly", async () => {
  const x = lazy(A, { chunks: [5, 23] });
  const opts: [ReductionName, ReduceOptions][] = [
    ["sum", {}],
    ["sum", { axis: 0 }],
    ["mean", { axis: 1, keepdims: true }],
    ["std", {}],
    ["std", { axis: 0, ddof: 1 }],
    ["var", { axis: -1 }],
    ["min", { axis: 0 }],
    ["max", {}],
    ["argmax", { axis: 0 }],
    ["argmin", {}],
    ["prod", { axis: 1 }],
    ["nanmean", { axis: 0 }],
    ["count_nonzero", {}],
  ];
  for (const [name, o] of opts) {
    const got = await x.reduce(name, o).compute(run);
    const r = reducer(name, A.dtype, A.shape, o);
    const states = [];
    for (let i = 0; i < 37; i += 5) states.push(r.step(r.init(), A.slice(`${i}:${i + 5}`), [i, 0]));
    const want = r.finish(mergeTree(r, states));
    assert.deepEqual(bits(got), bits(want), `${name} ${JSON.stringify(o)}`);
    const oneShot = REDUCTIONS[name](A, o);
    assert.deepEqual(got.shape, oneShot.shape);
    const g = [...got.copy().flat()].map(Number);
    const w = [...oneShot.flat()].map(Number);
    g.forEach((v, i) => assert.ok(Math.abs(v - w[i]) <= 1e-9 * Math.max(1, Math.abs(w[i]))));
  }
});

Deno.test("LazyArray reductions over an integer array are exact", async () => {
  const a = arange(1000, undefined, undefined, "int32").reshape([100, 10]);
  const x = lazy(a, { chunks: [7, 10] });
  assert.equal((await x.sum().compute(run)).get(), 499500n);
  assert.deepEqual(
    (await x.max({ axis: 0 }).compute(run)).toArray(),
    Array.from({ length: 10 }, (_, i) => 990 + i),
  );
});

Deno.test("LazyArray.plan() follows the coarsest source's chunks and splits under a budget", () => {
  const a = lazy(A, { chunks: [4, 23] });
  const b = lazy(A, { chunks: [10, 23] });
  const p = a.add(b).plan({ memory: "64MiB" });
  assert.equal(p.passes.length, 1);
  assert.deepEqual(p.passes[0].edges[0], [0, 10, 20, 30, 37]);
  // through a slice, block edges land on the source's chunk boundaries
  const s = b.slice("3:, ::2").plan({ memory: "64MiB" });
  assert.deepEqual(s.passes[0].edges[0], [0, 7, 17, 27, 34]);
  // a small budget splits the blocks along the leading axis
  const small = b.sum({ axis: 0 }).plan({ memory: 3200 });
  assert.ok(small.passes[0].blockShape[0] < 10);
  assert.ok(small.projectedBytes <= 3200);
  // two-pass plan: the reduction first, then the element-wise pass
  const two = b.sub(b.mean({ axis: 0 })).plan({ memory: "64MiB" });
  assert.deepEqual(two.passes.map((x) => x.reductions), [["mean"], []]);
});

Deno.test("LazyArray.slice() reads only the selected rows of a .npy file", async () => {
  await using dir = await tempDir();
  const a = arange(200 * 50, undefined, undefined, "float64").reshape([200, 50]);
  await writeNpy(`${dir.path}/a.npy`, a);
  await using f = await NpyFile.open(`${dir.path}/a.npy`);
  const x = fromSource(f, { splittable: true, chunks: [20, 50] });
  const before = f.bytesRead;
  const got = await x.slice("40:60, ::5").mul(2).compute(run);
  assert.deepEqual(got.toArray(), U.multiply(a.slice("40:60", "::5"), 2).toArray());
  const read = f.bytesRead - before;
  assert.ok(read <= 20 * 50 * 8, `read ${read} bytes`);
  assert.ok(read >= 20 * 10 * 8);
  // a negative step and an integer index
  const rev = await x.slice("::-3, 7").compute(run);
  assert.deepEqual(rev.toArray(), [...a.slice("::-3").slice(":", 7).flat()]);
});

Deno.test("LazyArray.compute() refuses with MemoryBudgetError before any read", async () => {
  const src = new Counting(A, [37, 23]);
  const x = fromSource(src);
  await assert.rejects(x.add(1).compute({ comm, memory: 1000 }), (e: unknown) => {
    assert.ok(e instanceof MemoryBudgetError);
    assert.ok(e.projected > 1000 && e.budget === 1000);
    assert.match(e.message, /result alone/);
    return true;
  });
  await assert.rejects(x.sum().compute({ comm, memory: 2000 }), MemoryBudgetError);
  assert.equal(src.regions.length, 0);
  // a .npy source is splittable: the same budget is met with smaller blocks
  const ok = await lazy(A, { chunks: [37, 23] }).sum({ axis: 0 }).compute({ comm, memory: 4000 });
  assert.equal(ok.shape[0], 23);
});

Deno.test("LazyArray two-pass anomaly equals NumPy", async () => {
  if (!hasPython("numpy")) return;
  await using dir = await tempDir();
  const a = randn([64, 30], { seed: 5 });
  await writeNpy(`${dir.path}/t.npy`, a);
  using t = await open(`${dir.path}/t.npy`, { chunks: [16, 30] });
  const anomaly = t.sub(t.mean({ axis: 0 })).div(t.std({ axis: 0, ddof: 1 }));
  await anomaly.to(`${dir.path}/z.npy`, run);
  const got = await anomaly.compute(run);
  const res = await pythonJson<{ err: number; same: boolean }>(
    `import numpy as np, sys
t = np.load(sys.argv[1] + "/t.npy")
z = np.load(sys.argv[1] + "/z.npy")
want = (t - t.mean(axis=0)) / t.std(axis=0, ddof=1)
print('{"err": %r, "same": %s}' % (float(abs(z - want).max()), "true" if z.dtype == np.float64 and z.shape == want.shape else "false"))`,
    dir.path,
  );
  assert.ok(res.same);
  assert.ok(res.err < 1e-12, `err ${res.err}`);
  assert.deepEqual(bits(got), bits(await readNpy(`${dir.path}/z.npy`)));
});

Deno.test("LazyArray.to() writes .npy and HDF5 that NumPy and h5py read back", async () => {
  if (!hasPython("numpy", "h5py")) return;
  await using dir = await tempDir();
  const a = arange(40 * 12, undefined, undefined, "int32").reshape([40, 12]);
  await writeNpy(`${dir.path}/a.npy`, a);
  H5File.open(`${dir.path}/in.h5`, { mode: "w" })
    .createDataset("/g/x", {
      shape: [40, 12],
      dtype: "float64",
      chunks: [8, 6],
      data: a.astype("float64"),
    })
    .close();
  using x = await open(`${dir.path}/a.npy`, { chunks: [9, 12] });
  using h = await open(`${dir.path}/in.h5:/g/x`);
  assert.deepEqual(h.chunks, [8, 6]);
  await x.mul(2).add(h).to(`${dir.path}/o.npy`, run);
  await x.to(`${dir.path}/o.h5:/r/y`, {
    ...run,
    chunks: [10, 12],
    codec: "gzip:1",
    dtype: "float32",
  });
  await h.slice("::2").sqrt().to(`${dir.path}/s.h5:/s`, run);
  const res = await pythonJson<boolean[]>(
    `import numpy as np, h5py, sys, json
d = sys.argv[1]
a = np.arange(480, dtype=np.int32).reshape(40, 12)
o = np.load(d + "/o.npy")
with h5py.File(d + "/o.h5") as f:
    y = f["/r/y"]
    ok2 = y.dtype == np.float32 and y.chunks == (10, 12) and y.compression == "gzip" and np.array_equal(y[...], a.astype(np.float32))
with h5py.File(d + "/s.h5") as f:
    ok3 = np.array_equal(f["/s"][...], np.sqrt(a[::2].astype(np.float64)))
print(json.dumps([bool(o.dtype == np.float64 and np.array_equal(o, a * 2 + a.astype(np.float64))), bool(ok2), bool(ok3)]))`,
    dir.path,
  );
  assert.deepEqual(res, [true, true, true]);
  const files = [...Deno.readDirSync(dir.path)].map((e) => e.name).sort();
  assert.deepEqual(files, ["a.npy", "in.h5", "o.h5", "o.npy", "s.h5"]);
  // HDF5 output is never merged into an existing file unless asked
  await assert.rejects(x.to(`${dir.path}/o.h5:/r/y`, run), Deno.errors.AlreadyExists);
});

Deno.test("LazyArray.to() is absent while running and after a failing run (temporary + rename)", async () => {
  await using dir = await tempDir();
  const out = `${dir.path}/out.npy`;
  const seen: string[][] = [];
  const x = lazy(A, { chunks: [4, 23] });
  await x.add(1).to(out, {
    ...run,
    onProgress: () => {
      seen.push([...Deno.readDirSync(dir.path)].map((e) => e.name));
    },
  });
  assert.equal(seen.length, 10);
  for (const names of seen) {
    // the temporary and the writer's lock, nothing else
    assert.equal(names.length, 2);
    names.sort();
    assert.equal(names[0], ".out.npy.tessera-lock");
    assert.match(names[1], /^\.out\.npy\.tessera-tmp-\d+-[0-9a-f]{8}$/);
  }
  assert.deepEqual(bits(await readNpy(out)), bits(U.add(A, 1)));
  // a source that fails at its 4th read: no output, no temporary
  const bad = () => fromSource(new Counting(A, [4, 23], 3));
  await assert.rejects(bad().add(1).to(`${dir.path}/bad.npy`, run), /disk on fire/);
  await assert.rejects(bad().add(1).to(`${dir.path}/bad.h5:/x`, run), /disk on fire/);
  assert.deepEqual([...Deno.readDirSync(dir.path)].map((e) => e.name), ["out.npy"]);
});

Deno.test("LazyArray onProgress counts chunks and bytes per pass", async () => {
  const x = lazy(A, { chunks: [10, 23] });
  const events: Progress[] = [];
  await x.sub(x.mean({ axis: 0 })).compute({ ...run, onProgress: (p) => events.push(p) });
  assert.equal(events.length, 8);
  assert.deepEqual(events.map((e) => [e.pass, e.passes, e.chunksDone, e.chunks]), [
    [1, 2, 1, 4],
    [1, 2, 2, 4],
    [1, 2, 3, 4],
    [1, 2, 4, 4],
    [2, 2, 1, 4],
    [2, 2, 2, 4],
    [2, 2, 3, 4],
    [2, 2, 4, 4],
  ]);
  assert.equal(events[3].bytesDone, A.nbytes);
  assert.equal(events[3].bytes, A.nbytes);
  assert.equal(events[0].bytesDone, 10 * 23 * 4);
});

Deno.test("random() is the same array for any chunking", async () => {
  const a = await random([50, 8], { seed: 9, distribution: "normal", chunks: [7, 3] }).compute(run);
  const b = await random([50, 8], { seed: 9, distribution: "normal", chunks: [50, 8] }).compute(
    run,
  );
  assert.deepEqual(bits(a), bits(randn([50, 8], { seed: 9 })));
  assert.deepEqual(bits(a), bits(b));
  const f = await random([10], { seed: 1, dtype: "float32", chunks: [3] }).compute(run);
  assert.equal(f.dtype, "float32");
  const r = await random([100], { seed: 1, distribution: "randint", low: 3, high: 6 }).compute(run);
  assert.ok([...r.flat()].every((v) => Number(v) >= 3 && Number(v) < 6));
  const s = await random([64, 64], { seed: 2, chunks: [8, 64] }).sum().compute(run);
  assert.ok(Math.abs((s.get() as number) - 2048) < 200);
});

Deno.test("LazyArray reductions feed broadcasting element-wise work and nested reductions", async () => {
  const x = lazy(A, { chunks: [6, 23] });
  const z = x.sub(x.mean()).abs().max({ axis: 1 });
  const got = await z.compute(run);
  const want = U.absolute(U.subtract(A, REDUCTIONS.mean(A)));
  const w = REDUCTIONS.max(want, { axis: 1 });
  [...got.flat()].forEach((v, i) => assert.ok(Math.abs(Number(v) - Number(w.get(i))) < 1e-6));
  // a scalar result combined with scalars
  const s = await x.std().mul(2).compute(run);
  assert.ok(Math.abs((s.get() as number) - 2 * (REDUCTIONS.std(A).get() as number)) < 1e-6);
});

Deno.test("ufunc() and LazyArray refuse bad operands with TypeError or RangeError", () => {
  const x = lazy(fromArray([1.5, 2]));
  assert.throws(() => ufunc("nope", x), TypeError);
  assert.throws(() => ufunc("add", x), TypeError);
  assert.throws(() => x.ufunc("bitwise_and", 1), TypeError);
  assert.throws(() => x.add(lazy(fromArray([1, 2, 3]))), RangeError);
  assert.throws(() => x.slice("5"), RangeError);
  assert.throws(() => x.mean({ axis: 3 }), RangeError);
  assert.throws(() => random([3], { distribution: "cauchy" as "normal" }), TypeError);
});

Deno.test("open() reads Zarr from zarr-python and to() writes Zarr it reads back", async () => {
  if (!hasPython("numpy", "zarr")) return;
  await using dir = await tempDir();
  await runPython(
    `import numpy as np, zarr, sys
a = np.arange(30 * 8, dtype=np.float64).reshape(30, 8)
z = zarr.open(sys.argv[1] + "/in.zarr", mode="w", shape=a.shape, chunks=(7, 4), dtype=a.dtype)
z[...] = a`,
    dir.path,
  );
  using z = await open(`${dir.path}/in.zarr`);
  assert.deepEqual(z.chunks, [7, 4]);
  const a = arange(240, undefined, undefined, "float64").reshape([30, 8]);
  assert.deepEqual(
    bits(await z.sum({ axis: 0 }).compute(run)),
    bits(await lazy(a, { chunks: [7, 4] }).sum({ axis: 0 }).compute(run)),
  );
  assert.deepEqual(z.sub(z.mean({ axis: 0 })).plan({ memory: "64MiB" }).passes[1].edges, [
    [0, 7, 14, 21, 28, 30],
    [0, 4, 8],
  ]);
  await z.mul(2).to(`${dir.path}/out.zarr:/g/y`, { ...run, chunks: [10, 8], codec: "zlib:1" });
  const ok = await pythonJson<boolean>(
    `import numpy as np, zarr, sys, json
y = zarr.open(sys.argv[1] + "/out.zarr", mode="r")["g/y"]
a = np.arange(240, dtype=np.float64).reshape(30, 8)
print(json.dumps(bool(y.chunks == (10, 8) and np.array_equal(y[...], a * 2))))`,
    dir.path,
  );
  assert.ok(ok);
  assert.deepEqual([...Deno.readDirSync(dir.path)].map((e) => e.name).sort(), [
    "in.zarr",
    "out.zarr",
  ]);
});
