import assert from "node:assert/strict";
import type { NDArray } from "../../core/ndarray.ts";
import { rand } from "../../core/random.ts";
import type { ReductionName } from "../../core/reduce.ts";
import { writeNpy } from "../../io/npy.ts";
import { SelfComm } from "../../dist/comm.ts";
import { fromSource, lazy, type LazyArray, open, random } from "../../stream/mod.ts";
import { setDefaultThreads } from "../../core/threads.ts";
import { type ArraySource, type RegionLike, toRegion } from "../../io/region.ts";
import { bits, hasPython, pythonJson, runCli, runPython, tempDir } from "../_util.ts";
import { sameBitsWhenWorkersStop } from "./_stop_workers.ts";

const comm = new SelfComm();

/** Asserts that `make()` computes to the same bits on 1, 2 and 3 threads. */
async function sameBits(
  what: string,
  make: () => LazyArray,
  extra: Record<string, unknown> = {},
): Promise<NDArray> {
  const one = await make().compute({ comm, threads: 1, ...extra });
  for (const threads of [2, 3]) {
    const p = make().plan({ threads, ...extra });
    assert.ok(p.passes.some((x) => x.threads > 1), `${what}: no pass runs on ${threads} threads`);
    const got = await make().compute({ comm, threads, ...extra });
    assert.deepEqual(bits(got), bits(one), `${what} on ${threads} threads`);
  }
  return one;
}

const REDUCTIONS: ReductionName[] = ["sum", "mean", "std", "var", "min", "max", "argmax"];

Deno.test("compute({threads}) gives the same bits on 1, 2, 3 threads for reductions", async () => {
  const a = rand([300, 70], { seed: 3 });
  // several blocks, each cut in cache pieces: the pieces stay in order on one thread
  const x = lazy(a, { chunks: [40, 70] });
  for (const name of REDUCTIONS) {
    await sameBits(`${name} over all`, () => x.reduce(name));
    await sameBits(`${name} over axis 0`, () => x.reduce(name, { axis: 0 }));
    await sameBits(`${name} over axis 1`, () => x.reduce(name, { axis: 1 }));
  }
  // nested reductions (earlier results sent to the workers) and a map pass after them
  await sameBits("anomaly", () => x.sub(x.mean({ axis: 0 })).std({ axis: 1 }));
  await sameBits("anomaly map", () => x.sub(x.mean({ axis: 0 })).div(x.std()));
});

Deno.test("compute({threads}) gives the same bits on fused maps (sin, exp, sqrt)", async () => {
  const a = rand([256, 100], { seed: 4 });
  const x = lazy(a, { chunks: [32, 100] });
  const f = (): LazyArray => x.sin().exp().add(x.sqrt()).mul(0.5);
  const s = await sameBits("std(exp(sin))", () => x.sin().exp().std());
  await sameBits("fused map", f);
  await sameBits(
    "fused map float32",
    () => lazy(a.astype("float32"), { chunks: [50, 100] }).sin().exp(),
  );
  await sameBits("slice of a map", () => f().slice("::-3", "5:90:2"));
  // the values themselves: NumPy's
  if (!hasPython("numpy")) return;
  await using dir = await tempDir();
  await writeNpy(`${dir.path}/a.npy`, a);
  const want = await pythonJson<[number, number]>(
    `import numpy as np, json, sys
a = np.load(sys.argv[1] + "/a.npy")
f = (np.exp(np.sin(a)) + np.sqrt(a)) * 0.5
print(json.dumps([float(np.std(np.exp(np.sin(a)))), float(f[100, 7])]))`,
    dir.path,
  );
  const got = await f().compute({ comm, threads: 2 });
  assert.ok(Math.abs((s.get() as number) - want[0]) < 1e-12, `${s.get()} vs ${want[0]}`);
  assert.ok(Math.abs((got.get(100, 7) as number) - want[1]) < 1e-12, `${got.get(100, 7)}`);
});

Deno.test("random sources are generated on the compute workers with the same bits", async () => {
  const r = (): LazyArray =>
    random([2048, 256], { seed: 9, distribution: "normal", chunks: [256, 256] });
  await sameBits("std of a random source", () => r().exp().std({ axis: 0 }));
  await sameBits("a random source", r);
  await sameBits(
    "randint",
    () =>
      random([1000, 10], { seed: 2, distribution: "randint", high: 50, chunks: [100, 10] }).sum(),
  );
  await using dir = await tempDir();
  const bytes: Uint8Array[] = [];
  for (const threads of [1, 2]) {
    await r().to(`${dir.path}/r.npy`, { comm, threads, overwrite: true });
    bytes.push(await Deno.readFile(`${dir.path}/r.npy`));
  }
  assert.deepEqual(bytes[1], bytes[0]);
});

Deno.test("to() with threads writes a .npy byte-identical to one thread's", async () => {
  await using dir = await tempDir();
  const x = lazy(rand([4096, 128], { seed: 5 }), { chunks: [512, 128] });
  const y = x.sin().exp().sub(x.mean({ axis: 0 }));
  const run = { comm, memory: "256MiB", overwrite: true };
  const p = y.plan({ ...run, threads: 3, write: true });
  assert.ok(p.passes[1].chunks === 8 && p.passes[1].threads === 3, p.passes[1].detail);
  const bytes: Uint8Array[] = [];
  for (const threads of [1, 2, 3]) {
    await y.to(`${dir.path}/out.npy`, { ...run, threads });
    bytes.push(await Deno.readFile(`${dir.path}/out.npy`));
  }
  assert.deepEqual(bytes[1], bytes[0]);
  assert.deepEqual(bytes[2], bytes[0]);
  // HDF5 (compressed chunks) and Zarr outputs written from shared memory read back the same
  const want = bits(await y.compute({ ...run, threads: 1 }));
  for (
    const [out, o] of [["o.h5:/d", { codec: "shuffle+gzip:1", chunks: [256, 128] }], ["o.zarr", {
      codec: "zstd",
    }]] as const
  ) {
    await y.to(`${dir.path}/${out}`, { ...run, ...o, threads: 3 });
    using back = await open(`${dir.path}/${out}`);
    assert.deepEqual(bits(await back.compute({ comm })), want, out);
  }
});

Deno.test("compute({threads}) gives the same bits on chunked Zarr and HDF5 inputs", async () => {
  if (!hasPython("numpy", "zarr", "h5py")) return;
  await using dir = await tempDir();
  await runPython(
    `import numpy as np, zarr, h5py, sys
a = np.random.default_rng(7).standard_normal((120, 90))
z = zarr.open(sys.argv[1] + "/in.zarr", mode="w", shape=a.shape, chunks=(25, 40), dtype=a.dtype)
z[...] = a
with h5py.File(sys.argv[1] + "/in.h5", "w") as f:
    f.create_dataset("x", data=a, chunks=(16, 90), compression="gzip", shuffle=True)`,
    dir.path,
  );
  using z = await open(`${dir.path}/in.zarr`);
  using h = await open(`${dir.path}/in.h5:/x`);
  for (const [what, x] of [["zarr", z], ["hdf5", h]] as const) {
    for (const name of ["sum", "std", "argmax"] as const) {
      await sameBits(`${what} ${name}`, () => x.reduce(name, { axis: 0 }));
    }
    await sameBits(`${what} map`, () => x.sin().exp());
  }
  // the same data through both: the same bits whatever the chunks
  assert.deepEqual(
    bits(await z.sin().exp().compute({ comm, threads: 2 })),
    bits(await h.sin().exp().compute({ comm, threads: 3 })),
  );
});

Deno.test("blocks whose compute worker stopped are computed in this thread, same bits", async () => {
  const x = random([4096, 64], { seed: 4, chunks: [128, 64] }).sin().exp();
  await sameBitsWhenWorkersStop(x, 8);
});

Deno.test("a read failing on a threaded pass raises its error", async () => {
  const a = rand([400, 10], { seed: 1 });
  let reads = 0;
  const failing: ArraySource = {
    locator: "failing",
    shape: a.shape,
    dtype: a.dtype,
    chunks: [20, 10],
    read(region?: RegionLike) {
      if (++reads === 7) return Promise.reject(new RangeError("disk on fire"));
      const r = toRegion(a.shape, region);
      return Promise.resolve(
        a.slice(...r.start.map((s, i) => ({ start: s, stop: s + r.count[i] }))),
      );
    },
  };
  await assert.rejects(
    () => fromSource(failing).sin().exp().sum().compute({ comm, threads: 2 }),
    RangeError,
    "disk on fire",
  );
});

Deno.test("setDefaultThreads(1) (--threads 1) opens HDF5 readers without decode workers", async () => {
  if (!hasPython("numpy", "h5py")) return;
  await using dir = await tempDir();
  await runPython(
    `import numpy as np, h5py, sys
with h5py.File(sys.argv[1] + "/g.h5", "w") as f:
    f.create_dataset("x", data=np.ones((1024, 256)), chunks=(512, 256), compression="gzip")`,
    dir.path,
  );
  const projected: number[] = [];
  try {
    for (const n of [1, 2]) {
      setDefaultThreads(n);
      using x = await open(`${dir.path}/g.h5:/x`);
      projected.push(x.sum().plan({ threads: 1 }).projectedBytes);
      assert.equal((await x.sum().compute({ comm })).get(), 1024 * 256);
    }
  } finally {
    setDefaultThreads(undefined);
  }
  // two decode workers: their heaps and chunks
  assert.ok(projected[1] - projected[0] >= 24 << 20, String(projected));
});

Deno.test("compute() rejects a bad threads option, naming it", async () => {
  const x = lazy(rand([10], { seed: 1 }));
  for (const bad of [0, -1, 1.5, "x", {}, 2000]) {
    await assert.rejects(
      () => x.sum().compute({ comm, threads: bad as number }),
      (e: Error) =>
        (e instanceof RangeError || e instanceof TypeError) && /threads/.test(e.message),
      `threads ${JSON.stringify(bad)}`,
    );
  }
  assert.throws(() => x.sum().plan({ threads: 0 }), RangeError);
});

Deno.test("plan() runs fewer threads where the budget cannot hold their blocks", () => {
  const x = lazy(rand([4096, 512], { seed: 1 }), { chunks: [512, 512] });
  const roomy = x.sin().exp().std().plan({ threads: 3, memory: "1GiB" });
  assert.equal(roomy.passes[0].threads, 3);
  assert.match(roomy.passes[0].detail, /2 compute workers/);
  const tight = x.sin().exp().std().plan({ threads: 3, memory: "48MiB" });
  assert.ok(tight.passes[0].threads < 3);
  assert.match(tight.passes[0].detail, /of 3 threads fit the budget/);
  assert.ok(tight.passes[0].projectedBytes <= tight.budgetBytes);
  // the grid, and so the bits, do not depend on the threads
  assert.deepEqual(
    tight.passes[0].edges,
    x.sin().exp().std().plan({ threads: 1, memory: "48MiB" }).passes[0].edges,
  );
});

Deno.test("tessera --threads 0 is a usage error; --threads 2 reduces as --threads 1", async () => {
  await using dir = await tempDir();
  await writeNpy(`${dir.path}/a.npy`, rand([200, 30], { seed: 9 }));
  const bad = await runCli(["reduce", "std", `${dir.path}/a.npy`, "--threads", "0"]);
  assert.equal(bad.code, 2, bad.stderr);
  assert.match(bad.stderr, /--threads/);
  const one = await runCli(["reduce", "std", `${dir.path}/a.npy`, "--threads", "1"]);
  const two = await runCli(["reduce", "std", `${dir.path}/a.npy`, "--threads", "2"]);
  assert.equal(one.code, 0, one.stderr);
  assert.equal(two.stdout, one.stdout);
});
