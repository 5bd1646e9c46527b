// Compute workers that read and decode their own chunks of a Zarr array
// (ZarrArray.workerSpec, io/_zarr_worker_source.ts): the same bits on 1, 2
// and 3 threads, under two memory budgets (the smaller one fits no compute
// worker: one thread) and over blocks of one and of 2 x 2 chunks, zarr-python's values, for
// Blosc-LZ4, Blosc-zstd, zlib, raw, missing chunks and edge chunks (the fast
// path), F order and big-endian (the decode workers' path, as before), a v3
// array; chunk files deleted or truncated after the array was opened; workers
// stopped mid-run.

import assert from "node:assert/strict";
import type { NDArray } from "../../core/ndarray.ts";
import { rand } from "../../core/random.ts";
import type { ReductionName } from "../../core/reduce.ts";
import { FormatError } from "../../core/errors.ts";
import { createZarr, openZarr } from "../../io/zarr.ts";
import { SelfComm } from "../../dist/comm.ts";
import { type LazyArray, open } from "../../stream/mod.ts";
import { setDefaultThreads } from "../../core/threads.ts";
import { bits, hasPython, runPython, tempDir } from "../_util.ts";
import { sameBitsWhenWorkersStop } from "./_stop_workers.ts";

const comm = new SelfComm();

/**
 * Asserts that `make()` computes to the same bits on 1, 2 and 3 threads and
 * under both budgets; a self-read pass must take the threads by default, the
 * others (decode workers beside this thread) must not.
 */
async function sameBits(
  what: string,
  make: () => LazyArray,
  selfRead: boolean,
): Promise<NDArray> {
  const one = await make().compute({ comm, threads: 1, memory: "64MiB" });
  // 2 threads by default (the plan's), under both budgets; 3 asked for
  setDefaultThreads(2);
  try {
    const p = make().plan({ memory: "64MiB" });
    assert.equal(p.passes.every((x) => x.threads > 1), selfRead, `${what}: plan`);
    for (const memory of ["64MiB", "12MiB"]) {
      const got = await make().compute({ comm, memory });
      assert.deepEqual(bits(got), bits(one), `${what} on 2 threads, ${memory}`);
    }
  } finally {
    setDefaultThreads(undefined);
  }
  const three = await make().compute({ comm, memory: "64MiB", threads: 3 });
  assert.deepEqual(bits(three), bits(one), `${what} on 3 threads`);
  return one;
}

const REDUCTIONS: ReductionName[] = ["sum", "mean", "std", "min", "max"];

// [name, zarr.open_array options, fast path]
const FIXTURES: [string, string, boolean][] = [
  ["lz4", "dtype='f4', compressor=Blosc('lz4', 5, Blosc.SHUFFLE)", true],
  ["zstd", "dtype='f4', compressor=Blosc('zstd', 3, Blosc.BITSHUFFLE)", true],
  ["zlib", "dtype='f4', compressor=Zlib(1)", true],
  ["raw", "dtype='f4', compressor=None", true],
  ["missing", "dtype='f4', compressor=Zlib(1), fill_value=1.5", true],
  ["forder", "dtype='f4', compressor=Blosc('lz4', 5), order='F'", false],
  ["bigendian", "compressor=Zlib(1), dtype='>f4'", false],
];

Deno.test("Zarr reduced on workers that decode their own chunks: zarr-python's values, same bits on 1, 2, 3 threads", async () => {
  if (!hasPython("zarr", "numpy")) return;
  await using dir = await tempDir();
  // 1000 x 300 float32 in chunks of 128 x 112: edge chunks on both axes
  await runPython(
    `import sys, os, numpy as np, zarr
from numcodecs import Blosc, Zlib
d = sys.argv[1]
a = np.random.default_rng(7).standard_normal((1000, 300)).astype("f4")
for name, opts in ${JSON.stringify(FIXTURES.map(([n, o]) => [n, o]))}:
    z = eval("zarr.open_array(d + '/' + name + '.zarr', mode='w', shape=a.shape, chunks=(128, 112), " + opts + ")")
    if name == "missing":
        z[:] = a
        for k in ["0.0", "3.1", "7.2"]: os.remove(d + "/missing.zarr/" + k)
    else:
        z[:] = a
    v = zarr.open_array(d + "/" + name + ".zarr", mode="r")[:].astype("f8")
    np.save(d + "/" + name + ".want.npy", np.stack([v.sum(0), v.mean(0), v.std(0), v.min(0), v.max(0)]))
    np.save(d + "/" + name + ".want1.npy", np.stack([v.sum(1), v.mean(1), v.std(1), v.min(1), v.max(1)]))
    np.save(d + "/" + name + ".wantall.npy", np.array([v.sum(), v.mean(), v.std(), v.min(), v.max()]))`,
    dir.path,
  );
  for (const [name, , fast] of FIXTURES) {
    const z = await openZarr(`${dir.path}/${name}.zarr`);
    assert.equal(z.workerSpec() !== null, fast, `${name}: workerSpec`);
    await z.close();
    const src = await open(`${dir.path}/${name}.zarr`);
    const want0 = await (await open(`${dir.path}/${name}.want.npy`)).compute();
    const want1 = await (await open(`${dir.path}/${name}.want1.npy`)).compute();
    const wantAll = await (await open(`${dir.path}/${name}.wantall.npy`)).compute();
    for (const [k, red] of REDUCTIONS.entries()) {
      const g0 = await sameBits(`${name} ${red} axis 0`, () => src.reduce(red, { axis: 0 }), fast);
      const g1 = await sameBits(`${name} ${red} axis 1`, () => src.reduce(red, { axis: 1 }), fast);
      const ga = await sameBits(`${name} ${red} all`, () => src.reduce(red), fast);
      near(g0, want0, k, `${name} ${red} axis 0`);
      near(g1, want1, k, `${name} ${red} axis 1`);
      const w = wantAll.get(k) as number;
      const g = ga.get() as number;
      assert.ok(Math.abs(g - w) <= 1e-5 * Math.max(1, Math.abs(w)), `${name} ${red}: ${g} vs ${w}`);
    }
    // blocks of 2 x 2 chunks (another grid): each chunk decoded into its part of the block
    const big = await open(`${dir.path}/${name}.zarr`, { chunks: [256, 224] });
    const b0 = await sameBits(
      `${name} sum axis 0, 2 x 2 chunk blocks`,
      () => big.sum({ axis: 0 }),
      fast,
    );
    near(b0, want0, 0, `${name} sum axis 0, 2 x 2 chunk blocks`);
    const bs = await sameBits(`${name} std, 2 x 2 chunk blocks`, () => big.std(), fast);
    const w = wantAll.get(2) as number;
    assert.ok(Math.abs((bs.get() as number) - w) <= 1e-5 * Math.max(1, Math.abs(w)));
  }
});

function near(got: NDArray, want: NDArray, row: number, what: string): void {
  const n = got.shape[0];
  for (let j = 0; j < n; j++) {
    const g = got.get(j) as number;
    const w = want.get(row, j) as number;
    assert.ok(Math.abs(g - w) <= 1e-5 * Math.max(1, Math.abs(w)), `${what} [${j}]: ${g} vs ${w}`);
  }
}

Deno.test("a v3 zstd Zarr on self-decoding workers: same bits on 1, 2, 3 threads", async () => {
  await using dir = await tempDir();
  const a = rand([900, 250], { seed: 2 });
  const z = await createZarr(`${dir.path}/v3.zarr`, {
    shape: [900, 250],
    dtype: "float64",
    chunks: [100, 128],
    codec: "zstd",
    zarrFormat: 3,
  });
  await z.write(undefined, a);
  await z.close();
  assert.ok((await openZarr(`${dir.path}/v3.zarr`)).workerSpec() !== null);
  const src = await open(`${dir.path}/v3.zarr`);
  const got = await sameBits("v3 sum axis 0", () => src.sum({ axis: 0 }), true);
  await sameBits("v3 std", () => src.std(), true);
  for (let j = 0; j < 250; j += 31) {
    let s = 0;
    for (let i = 0; i < 900; i++) s += a.get(i, j) as number;
    assert.ok(Math.abs((got.get(j) as number) - s) <= 1e-9 * Math.max(1, Math.abs(s)));
  }
});

async function writeStore(path: string, codec: string, rows = 128): Promise<NDArray> {
  const a = rand([2048, 256], { seed: 9 });
  const z = await createZarr(path, {
    shape: [2048, 256],
    dtype: "float64",
    chunks: [rows, 256],
    codec,
    overwrite: true,
  });
  await z.write(undefined, a);
  await z.close();
  return a;
}

Deno.test("a Zarr chunk deleted after open reads as the fill value, truncated raises a FormatError naming it, on any thread count", async () => {
  await using dir = await tempDir();
  for (const codec of ["zstd", "none"]) {
    const path = `${dir.path}/${codec}.zarr`;
    for (const threads of [1, 2, 3]) {
      await writeStore(path, codec);
      const src = await open(path);
      const one = await src.sum({ axis: 0 }).compute({ comm, threads: 1 });
      await Deno.remove(`${path}/5.0`);
      const gone = await src.sum({ axis: 0 }).compute({ comm, threads });
      const again = await src.sum({ axis: 0 }).compute({ comm, threads: 1 });
      assert.deepEqual(bits(gone), bits(again), `${codec}: deleted chunk on ${threads} threads`);
      assert.notDeepEqual(bits(gone), bits(one));
      const f = await Deno.open(`${path}/9.0`, { write: true });
      await f.truncate(100);
      f.close();
      await assert.rejects(
        () => src.sum({ axis: 0 }).compute({ comm, threads }),
        (e: unknown) =>
          e instanceof FormatError && e.message.includes(path) && e.message.includes("9.0"),
        `${codec}: truncated chunk on ${threads} threads`,
      );
    }
  }
});

Deno.test("self-decoding Zarr workers stopped mid-run: the blocks are computed here, same bits", async () => {
  await using dir = await tempDir();
  await writeStore(`${dir.path}/a.zarr`, "blosc:lz4:5");
  await sameBitsWhenWorkersStop(await open(`${dir.path}/a.zarr`), 4);
});

Deno.test("a self-decoding Zarr reduction starts no decode workers beside the compute workers", async () => {
  await using dir = await tempDir();
  const path = `${dir.path}/p.zarr`;
  // chunks of 512 KiB, blocks of 4 chunks: decoded by the decode workers by default
  const a = await writeStore(path, "blosc:lz4:5", 256);
  const started: string[] = [];
  const Original = globalThis.Worker;
  globalThis.Worker = class extends Original {
    constructor(url: string | URL, options?: WorkerOptions) {
      super(url, options);
      started.push(String(url));
    }
  };
  try {
    setDefaultThreads(2);
    const src = await open(path, { chunks: [1024, 256] });
    assert.ok(src.sum({ axis: 0 }).plan({ memory: "256MiB" }).passes[0].threads === 2);
    const got = await src.sum({ axis: 0 }).compute({ comm, memory: "256MiB" });
    assert.ok(!started.some((u) => u.endsWith("_zarr_worker.ts")), started.join());
    let s = 0;
    for (let i = 0; i < 2048; i++) s += a.get(i, 7) as number;
    assert.ok(Math.abs((got.get(7) as number) - s) <= 1e-9 * Math.abs(s));
    // the same array read outside a pass still takes its decode workers
    const z = await openZarr(path, { threads: 2 });
    await z.read();
    await z.close();
    assert.ok(started.some((u) => u.endsWith("_zarr_worker.ts")), started.join());
  } finally {
    globalThis.Worker = Original;
    setDefaultThreads(undefined);
  }
});
