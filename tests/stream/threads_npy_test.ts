// Compute workers that read their own blocks of a .npy file (NpyFile.workerSpec,
// io/_npy_worker_source.ts): the same bits on 1, 2 and 3 threads, C and
// Fortran order, big-endian data, and a file truncated after it was opened.

import assert from "node:assert/strict";
import type { NDArray } from "../../core/ndarray.ts";
import { rand } from "../../core/random.ts";
import type { ReductionName } from "../../core/reduce.ts";
import { FormatError } from "../../core/errors.ts";
import { NpyFile, writeNpy } from "../../io/npy.ts";
import { SelfComm } from "../../dist/comm.ts";
import { type LazyArray, open } from "../../stream/mod.ts";
import { setDefaultThreads } from "../../core/threads.ts";
import { bits, hasPython, runPython, tempDir } from "../_util.ts";
import { sameBitsWhenWorkersStop } from "./_stop_workers.ts";

const comm = new SelfComm();

/**
 * Asserts that `make()` computes to the same bits on 1, 2 and 3 threads,
 * threaded by default: every pass, or (`reductionsOnly`) the reduction
 * passes, a cheap map pass staying in one thread unless `threads` is given.
 */
async function sameBits(
  what: string,
  make: () => LazyArray,
  memory = "64MiB",
  reductionsOnly = false,
): Promise<NDArray> {
  const one = await make().compute({ comm, threads: 1, memory });
  for (const threads of [2, 3]) {
    // no `threads` option: the default policy must give a self-read pass the threads
    setDefaultThreads(threads);
    try {
      const p = make().plan({ memory });
      const threaded = p.passes.map((x) => x.threads > 1);
      if (reductionsOnly) {
        assert.deepEqual(threaded, p.passes.map((_, i) => i < p.passes.length - 1), what);
      } else assert.ok(threaded.every((x) => x), `${what}: a pass runs on 1 thread`);
      const got = await make().compute({ comm, memory });
      assert.deepEqual(bits(got), bits(one), `${what} on ${threads} threads`);
      const asked = await make().compute({ comm, memory, threads });
      assert.deepEqual(bits(asked), bits(one), `${what} on ${threads} threads, asked`);
    } finally {
      setDefaultThreads(undefined);
    }
  }
  return one;
}

const REDUCTIONS: ReductionName[] = ["sum", "mean", "std", "var", "min", "max", "argmax"];

Deno.test("a .npy reduced on workers that read their own blocks: same bits on 1, 2, 3 threads", async () => {
  await using dir = await tempDir();
  const a = rand([2000, 700], { seed: 5 }).astype("float32");
  await writeNpy(`${dir.path}/c.npy`, a);
  await writeNpy(`${dir.path}/f.npy`, a.transpose(), { fortranOrder: true });
  using f = await NpyFile.open(`${dir.path}/c.npy`);
  assert.ok(f.workerSpec() !== null);
  // 2000 x 700 float32 in blocks of 200 rows (cut in pieces of 4 MiB)
  const x = async (name: string): Promise<LazyArray> =>
    await open(`${dir.path}/${name}`, { chunks: name === "c.npy" ? [200, 700] : [700, 200] });
  for (const file of ["c.npy", "f.npy"]) {
    const src = await x(file);
    for (const name of REDUCTIONS) {
      await sameBits(`${file} ${name} over all`, () => src.reduce(name));
      await sameBits(`${file} ${name} over axis 0`, () => src.reduce(name, { axis: 0 }));
      await sameBits(`${file} ${name} over axis 1`, () => src.reduce(name, { axis: 1 }));
    }
    await sameBits(
      `${file} anomaly map`,
      () => src.sub(src.mean({ axis: 0 })).div(src.std()),
      "64MiB",
      true,
    );
  }
  // the Fortran file is the transpose: its sums are the C file's over the other axis
  const cs = await (await x("c.npy")).sum({ axis: 0 }).compute({ comm, threads: 2 });
  const fs = await (await x("f.npy")).sum({ axis: 1 }).compute({ comm, threads: 2 });
  assert.deepEqual(bits(cs), bits(fs));
});

Deno.test("a big-endian .npy on self-reading workers: NumPy's values, same bits", async () => {
  if (!hasPython("numpy")) return;
  await using dir = await tempDir();
  await runPython(
    `import numpy as np, sys
rng = np.random.default_rng(3)
np.save(sys.argv[1] + "/b.npy", rng.standard_normal((1500, 300)).astype(">f8"))
np.save(sys.argv[1] + "/want.npy", np.load(sys.argv[1] + "/b.npy").astype("<f8").sum(axis=0))`,
    dir.path,
  );
  const src = await open(`${dir.path}/b.npy`, { chunks: [100, 300] });
  const got = await sameBits("big-endian sum", () => src.sum({ axis: 0 }));
  const want = await (await open(`${dir.path}/want.npy`)).compute();
  for (let j = 0; j < 300; j += 37) {
    const g = got.get(j) as number;
    const w = want.get(j) as number;
    assert.ok(Math.abs(g - w) <= 1e-9 * Math.max(1, Math.abs(w)), `${j}: ${g} vs ${w}`);
  }
});

Deno.test("a .npy truncated after it was opened: the typed error names the file, on any thread count", async () => {
  await using dir = await tempDir();
  const path = `${dir.path}/t.npy`;
  for (const threads of [1, 2, 3]) {
    await writeNpy(path, rand([4000, 256], { seed: 1 }));
    const src = await open(path, { chunks: [250, 256] });
    const f = await Deno.open(path, { write: true });
    await f.truncate(2000 * 256 * 8); // half the data gone
    f.close();
    await assert.rejects(
      () => src.sum({ axis: 0 }).compute({ comm, threads }),
      (e: unknown) => e instanceof FormatError && e.message.includes(path),
      `on ${threads} threads`,
    );
  }
});

Deno.test("self-reading workers stopped mid-run: the blocks are computed here, same bits", async () => {
  await using dir = await tempDir();
  await writeNpy(`${dir.path}/a.npy`, rand([4096, 64], { seed: 4 }));
  await sameBitsWhenWorkersStop(await open(`${dir.path}/a.npy`, { chunks: [128, 64] }), 8);
});
