// The main job today: make a .npy file larger than memory budgets usually
// allow (512 MiB of float32 by default), generated on the worker threads
// while the previous slab is written, then stream it region by region to
// compute the column means and the global standard deviation with bounded
// memory: two reused slab buffers, one read ahead while the other is reduced,
// and one small mergeable reduction state per slab combined in a fixed tree.
// The result is checked against NumPy when Debian's python3-numpy is there,
// and always against the statistics the data was generated with.
//
//   deno task demo                       # 16384 x 8192 float32 (512 MiB)
//   deno task demo --rows 65536 --keep   # 2 GiB, and keep the file
//   deno task demo --threads 1           # generate in the main thread only
//
// Permissions: --allow-read/--allow-write for the file, --allow-env and
// --allow-sys for the memory report, --allow-run for the NumPy check.

import { parseArgs } from "node:util";
import { empty, NDArray } from "../core/ndarray.ts";
import { mergeTree, reducer, type ReduceState } from "../core/reduce.ts";
import { fillUniformParallel } from "../core/random_parallel.ts";
import { createNpy, NpyFile } from "../io/npy.ts";

const { values: opts } = parseArgs({
  args: Deno.args,
  options: {
    rows: { type: "string", default: "16384" },
    cols: { type: "string", default: "8192" },
    dir: { type: "string" },
    keep: { type: "boolean", default: false },
    seed: { type: "string", default: "42" },
    threads: { type: "string" },
  },
});
const rows = Number(opts.rows);
const cols = Number(opts.cols);
const seed = Number(opts.seed);
const threads = opts.threads === undefined ? undefined : Number(opts.threads);
const GB = 1e9;
const MiB = 2 ** 20;

const dir = opts.dir ?? await Deno.makeTempDir({ prefix: "tessera-demo-" });
const path = `${dir}/demo.npy`;
const nbytes = rows * cols * 4;
let peakRss = 0;
const sampleRss = (): void => {
  peakRss = Math.max(peakRss, Deno.memoryUsage().rss);
};

// Column j is uniform in [mu_j - w/2, mu_j + w/2), from the counter-based
// generator (the same bits for any thread count): mean mu_j, variance
// w^2 / 12 within a column.
const mu = (j: number): number => (j % 97) / 10 - 4.8;
const w = 2;
const low = Float64Array.from({ length: cols }, (_, j) => mu(j) - w / 2);
const high = low.map((l) => l + w);

console.log(
  `Tessera demo: ${rows} x ${cols} float32 (${(nbytes / MiB).toFixed(0)} MiB) in ${path}`,
);

// ---- 1. write the file slab by slab into a pre-sized .npy ----
// Two slabs: the worker threads generate slab k + 1 (float32 straight from
// WebAssembly) while slab k is written.
const slabRows = Math.min(rows, Math.max(1, Math.floor((32 * MiB) / (cols * 4))));
{
  const t0 = performance.now();
  await using out = await createNpy(path, { shape: [rows, cols], dtype: "float32" });
  const slabs = [empty([slabRows, cols], "float32"), empty([slabRows, cols], "float32")];
  const generate = (r0: number, k: number): Promise<NDArray<"float32">> => {
    const n = Math.min(slabRows, rows - r0);
    const region = `${r0}:${r0 + n}`;
    const slab = n === slabRows ? slabs[k % 2] : slabs[k % 2].slice(`0:${n}`);
    const data = slabs[k % 2].data.subarray(0, n * cols);
    return fillUniformParallel(data, { shape: [rows, cols], seed, region, low, high, threads })
      .then(() => slab);
  };
  let waited = 0;
  let next = generate(0, 0);
  for (let k = 0, r0 = 0; r0 < rows; k++, r0 += slabRows) {
    const tw = performance.now();
    const slab = await next;
    waited += performance.now() - tw;
    if (r0 + slabRows < rows) next = generate(r0 + slabRows, k + 1);
    await out.write(`${r0}:${r0 + slab.shape[0]}`, slab);
    sampleRss();
  }
  const secs = (performance.now() - t0) / 1000;
  console.log(
    `wrote    ${(nbytes / GB).toFixed(2)} GB in ${secs.toFixed(2)} s (${
      (nbytes / GB / secs).toFixed(2)
    } GB/s, generation included; ${(waited / 1000).toFixed(2)} s waiting for it)`,
  );
}

// ---- 2. stream it: column means (axis 0) and global std, bounded memory ----
await using file = await NpyFile.open(path);
const [chunkRows] = file.chunks;
const nChunks = Math.ceil(rows / chunkRows);
const meanR = reducer("mean", "float32", file.shape, { axis: 0 });
const stdR = reducer("std", "float32", file.shape, {});
const meanStates: ReduceState[] = [];
const stdStates: ReduceState[] = [];
const buffers = [empty([chunkRows, cols], "float32"), empty([chunkRows, cols], "float32")];
const view = (b: NDArray, n: number): NDArray => (n === chunkRows ? b : b.slice(`0:${n}`));
const rowsOf = (c: number): number => Math.min(chunkRows, rows - c * chunkRows);
const region = (c: number): string => `${c * chunkRows}:${c * chunkRows + rowsOf(c)}`;

const t1 = performance.now();
let pending = file.readInto(region(0), view(buffers[0], rowsOf(0)));
for (let c = 0; c < nChunks; c++) {
  const block = await pending;
  if (c + 1 < nChunks) {
    // read the next slab into the other buffer while this one is reduced
    pending = file.readInto(region(c + 1), view(buffers[(c + 1) % 2], rowsOf(c + 1)));
  }
  const start = [c * chunkRows, 0];
  meanStates.push(meanR.step(meanR.init(), block, start));
  stdStates.push(stdR.step(stdR.init(), block, start));
  sampleRss();
}
const colMean = meanR.finish(mergeTree(meanR, meanStates)) as NDArray<"float32">;
const std = stdR.finish(mergeTree(stdR, stdStates)).get() as number;
const secs = (performance.now() - t1) / 1000;
const slabBytes = chunkRows * cols * 4;
console.log(
  `streamed ${(nbytes / GB).toFixed(2)} GB in ${nChunks} slabs of ${
    (slabBytes / MiB).toFixed(0)
  } MiB: ${secs.toFixed(2)} s (${(nbytes / GB / secs).toFixed(2)} GB/s), peak RSS ${
    (peakRss / MiB).toFixed(0)
  } MiB`,
);
const show = [...colMean.toTypedArray().subarray(0, 4)].map((v) => v.toFixed(4)).join(", ");
console.log(`column means [${show}, ...] (${cols} columns); global std ${std.toFixed(6)}`);

// ---- 3. check ----
let ok = true;
// (a) against the statistics the data was generated with
let worst = 0;
const se = w / Math.sqrt(12 * rows); // standard error of a column mean
for (let j = 0; j < cols; j++) worst = Math.max(worst, Math.abs(colMean.get(j) - mu(j)) / se);
const muAll = Array.from({ length: cols }, (_, j) => mu(j));
const meanAll = muAll.reduce((a, b) => a + b, 0) / cols;
const varAll = w * w / 12 + muAll.reduce((a, m) => a + (m - meanAll) ** 2, 0) / cols;
const stdErr = Math.abs(std - Math.sqrt(varAll)) / Math.sqrt(varAll);
const statsOk = worst < 6 && stdErr < 1e-3;
ok &&= statsOk;
console.log(
  `check    generator statistics: worst column mean ${worst.toFixed(2)} standard errors off, std ${
    (stdErr * 100).toFixed(4)
  }% off: ${statsOk ? "ok" : "FAILED"}`,
);
// (b) against NumPy (float64 accumulation on a memory map), when installed
const py = "/usr/bin/python3";
const script = `
import json, sys, numpy as np
a = np.load(sys.argv[1], mmap_mode="r")
m = a.mean(axis=0, dtype=np.float64)
print(json.dumps({"mean": m.tolist(), "std": float(a.std(dtype=np.float64))}))`;
try {
  const r = await new Deno.Command(py, {
    args: ["-c", script, path],
    stdout: "piped",
    stderr: "piped",
  })
    .output();
  if (!r.success) throw new Error(new TextDecoder().decode(r.stderr).trim().split("\n").pop());
  const ref = JSON.parse(new TextDecoder().decode(r.stdout)) as { mean: number[]; std: number };
  let rel = 0;
  for (let j = 0; j < cols; j++) {
    rel = Math.max(
      rel,
      Math.abs(colMean.get(j) - ref.mean[j]) / Math.max(Math.abs(ref.mean[j]), 1),
    );
  }
  const relStd = Math.abs(std - ref.std) / ref.std;
  const npOk = rel < 1e-6 && relStd < 1e-6;
  ok &&= npOk;
  console.log(
    `check    NumPy: column means within ${rel.toExponential(1)}, std within ${
      relStd.toExponential(1)
    } (relative; float32 results): ${npOk ? "ok" : "FAILED"}`,
  );
} catch (e) {
  console.log(
    `check    NumPy not available (${
      e instanceof Error ? e.message : e
    }): install python3-numpy for this check`,
  );
}

if (!opts.keep && !opts.dir) await Deno.remove(dir, { recursive: true });
else console.log(`kept ${path}`);
console.log(ok ? "demo ok" : "demo FAILED");
if (!ok) Deno.exit(1);
