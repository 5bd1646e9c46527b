// Anomalies of a .npy file, x - mean(x, axis 0), written out under a memory
// budget smaller than the file. The lazy expression needs the column means
// before any output row can be written, so the planner makes two passes over
// the file: pass 1 reduces it to the means (one mergeable state per block,
// combined in a fixed tree), pass 2 subtracts them block by block and writes
// each block as soon as it is done. The plan (`plan({ write: true })`) is
// printed before anything is read, and a progress callback reports each pass.
// Without --input a 4096 x 2048 float32 file (32 MiB: normal noise around a
// per-column offset) is generated, itself streamed from the counter-based
// random source. Rows 0, the middle one and the last are checked against
// NDArray arithmetic on the whole file; the exit code is 1 when they differ
// by more than 1e-5, or when the anomalies' column means are not ~0.
//
//   deno run -A examples/anomaly.ts
//   deno run -A examples/anomaly.ts --input x.npy --out anomaly.zarr --memory 256MiB
//   mpiexec -n 2 deno run -A examples/anomaly.ts   # ranks split the blocks; rank 0 prints
//
// Permissions: --allow-read/--allow-write for the files, --allow-env for
// TESSERA_* and the launcher's variables, --allow-sys for the default memory
// budget, --allow-ffi for libmpi under a launcher.

import { parseArgs } from "node:util";
import { arange, type NDArray } from "../core/ndarray.ts";
import { init, SelfComm } from "../dist/mod.ts";
import { parseLocator } from "../io/locator.ts";
import { readNpy } from "../io/npy.ts";
import { openZarr } from "../io/zarr.ts";
import { lazy, open, parseBytes, type Progress, random } from "../stream/mod.ts";

const { values: opts } = parseArgs({
  args: Deno.args,
  options: {
    input: { type: "string" },
    out: { type: "string" },
    memory: { type: "string", default: "8MiB" },
    rows: { type: "string", default: "4096" },
    cols: { type: "string", default: "2048" },
    seed: { type: "string", default: "11" },
    overwrite: { type: "boolean", default: false },
  },
});
const MiB = 2 ** 20;
const mib = (b: number): string => `${(b / MiB).toFixed(1)} MiB`;

await using comm = await init();
const say = (s: string): void => {
  if (comm.rank === 0) console.log(s);
};
const memory = parseBytes(opts.memory);
const tmp = opts.input === undefined || opts.out === undefined
  ? comm.bcastJson(comm.rank === 0 ? await Deno.makeTempDir({ prefix: "tessera-anomaly-" }) : "")
  : null;
let ok = false;
try {
  // ---- 1. the input: given, or generated (streamed, every rank writing its blocks) ----
  const input = opts.input ?? `${tmp}/x.npy`;
  const outPath = opts.out ?? `${tmp}/anomaly.npy`;
  if (opts.input === undefined) {
    const [rows, cols] = [Number(opts.rows), Number(opts.cols)];
    const offsets = arange(cols, undefined, undefined, "float32").mul(0.01).add(-5);
    const x = random([rows, cols], { seed: Number(opts.seed), distribution: "normal" })
      .add(lazy(offsets)).astype("float32");
    const t0 = performance.now();
    await x.to(input, { memory, comm });
    say(
      `generated ${input}: [${rows},${cols}] float32 (${mib(rows * cols * 4)}) in ${
        ((performance.now() - t0) / 1000).toFixed(2)
      } s`,
    );
  }

  // ---- 2. plan, then run ----
  using x = await open(input);
  const anomaly = x.sub(x.mean({ axis: 0 }));
  const out = parseLocator(outPath);
  // Zarr and HDF5 outputs: row blocks of whole rows (the planner's blocks follow them)
  const chunks = out.format === "npy" ? undefined : [
    Math.max(1, Math.floor(MiB / (x.nbytes / x.shape[0]))),
    ...x.shape.slice(1),
  ];
  const plan = anomaly.plan({ memory, write: { chunks } });
  say(
    `anomaly of ${input} [${x.shape}] ${x.dtype} (${mib(x.nbytes)}) -> ${outPath}, ` +
      `budget ${mib(plan.budgetBytes)}, ${comm.size} rank(s); plan:`,
  );
  plan.passes.forEach((p, i) =>
    say(
      `  pass ${i + 1}: ${
        p.reductions.length ? `reduce (${p.reductions.join(", ")})` : "element-wise + write"
      }, ${p.chunks} blocks of up to [${p.blockShape}], projected ${mib(p.projectedBytes)}`,
    )
  );
  const onProgress = (p: Progress): void => {
    if (p.chunksDone === p.chunks) {
      say(
        `  done pass ${p.pass}/${p.passes}: ${p.chunks} blocks, ${mib(p.bytes)} read` +
          (comm.size > 1 ? " by rank 0" : ""),
      );
    }
  };
  const t1 = performance.now();
  await anomaly.to(outPath, { memory, comm, onProgress, chunks, overwrite: opts.overwrite });
  const secs = (performance.now() - t1) / 1000;
  say(
    `wrote ${outPath} in ${secs.toFixed(2)} s (${(2 * x.nbytes / MiB / secs).toFixed(0)} MiB/s ` +
      `read over ${plan.passes.length} passes)`,
  );

  // ---- 3. check a few rows against NDArray math on the whole input (rank 0) ----
  let err = Infinity;
  let drift = Infinity;
  if (comm.rank === 0) {
    const all = await readWhole(input);
    const mean = all.astype("float64").mean({ axis: 0 });
    using result = await open(outPath);
    const self = new SelfComm(); // rank 0 alone: not a collective run
    err = 0;
    const n = x.shape[0];
    for (const r of [0, Math.floor(n / 2), n - 1]) {
      const want = all.slice(r).astype("float64").sub(mean).data as Float64Array;
      const got = (await result.slice(r).compute({ memory, comm: self })).astype("float64").data;
      for (let k = 0; k < want.length; k++) err = Math.max(err, Math.abs(got[k] - want[k]));
    }
    // the anomalies' own column means are zero (up to float32 rounding)
    const m =
      (await result.mean({ axis: 0 }).compute({ memory, comm: self })).astype("float64").data;
    drift = Math.max(...m.map(Math.abs));
    console.log(
      `check: rows 0, ${Math.floor(n / 2)}, ${n - 1}: max |streamed - NDArray| = ${
        err.toExponential(2)
      }; max |column mean of anomaly| = ${drift.toExponential(2)}`,
    );
  }
  [err, drift] = comm.bcastJson([err, drift]);
  ok = err <= 1e-5 && drift <= 1e-4;
  say(ok ? "anomaly ok" : "anomaly FAILED");
} finally {
  if (tmp !== null && comm.rank === 0) await Deno.remove(tmp, { recursive: true });
}
if (!ok) Deno.exit(1);

/** Reads a whole array (.npy, HDF5 dataset or Zarr array) into memory, without the stream engine. */
async function readWhole(locator: string): Promise<NDArray> {
  const loc = parseLocator(locator);
  if (loc.format === "npy") return await readNpy(loc.path);
  if (loc.format === "zarr") return await (await openZarr(locator)).read();
  const { openDataset } = await import("../io/hdf5.ts");
  using ds = await openDataset(locator);
  return await ds.read();
}
