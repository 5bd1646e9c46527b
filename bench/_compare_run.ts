// One Tessera measurement of bench/compare.ts through the library API
// (mod.ts: init, open, LazyArray compute / to), in its own process so that its
// peak RSS is its own; alone or under `mpiexec.mpich -n P`:
//
//   deno run -A bench/_compare_run.ts --op OP --src LOCATOR --out PATH [--memory 512MiB]
//     [--reps 5]
//
// OP: sum0 | mean0 | std | scale (std(exp(sin(x)))) | repeat (`--reps` x sum0
// in this one process, RSS after each): `compute()`, the result written as
// raw float64 to --out (.f64) by rank 0; sinexp (sin(a)*exp(-a*a)) | sin:
// `to(--out)` (.npy); convert-zstd: `to(--out)` as Zarr Blosc-zstd (clevel 5,
// shuffle), chunks 1024 x 1024; h5 | h5-gzip: `to(--out)` as an HDF5 dataset
// (--out FILE.h5:/x), contiguous | gzip:1 in chunks of 256 rows (group k:
// written by every rank at once through parallel HDF5 under mpiexec).
//
// The time runs from before `open()` to the end of the run, between barriers
// (start-up and writing the .f64 result excluded). Every rank prints one JSON
// line: compute_s, hwm (VmHWM, MiB), rss_after (repeat), threads.

import { parseArgs } from "node:util";
import { init, type LazyArray, type NDArray, open } from "../mod.ts";
import { threadCount } from "../core/threads.ts";

const { values: o } = parseArgs({
  args: Deno.args,
  options: {
    op: { type: "string" },
    src: { type: "string" },
    out: { type: "string" },
    memory: { type: "string" },
    reps: { type: "string", default: "5" },
  },
});
const OPS = [
  "sum0",
  "mean0",
  "std",
  "scale",
  "repeat",
  "sinexp",
  "sin",
  "convert-zstd",
  "h5",
  "h5-gzip",
];
if (!OPS.includes(o.op ?? "") || !o.src || !o.out) {
  throw new TypeError(
    `Invalid arguments: expected --op ${OPS.join("|")} --src LOCATOR --out PATH, got ${
      JSON.stringify(o)
    }`,
  );
}

function status(field: "VmHWM" | "VmRSS"): number {
  const m = new RegExp(`${field}:\\s+(\\d+)\\s+kB`).exec(
    Deno.readTextFileSync("/proc/self/status"),
  );
  return m ? Number(m[1]) / 1024 : NaN;
}

await using comm = await init();
const memory = o.memory;

async function reduce(a: LazyArray, op: string): Promise<NDArray> {
  const x = op === "scale" ? a.sin().exp() : a;
  const r = op === "sum0" || op === "repeat"
    ? x.sum({ axis: 0 })
    : op === "mean0"
    ? x.mean({ axis: 0 })
    : x.std();
  return await r.compute({ memory, comm });
}

async function once(op: string): Promise<NDArray | null> {
  const a = await open(o.src!);
  try {
    if (op === "sinexp") {
      await a.sin().mul(a.square().neg().exp()).to(o.out!, { memory, comm, overwrite: true });
      return null;
    }
    if (op === "sin") {
      await a.sin().to(o.out!, { memory, comm, overwrite: true });
      return null;
    }
    if (op === "convert-zstd") {
      const codec = "blosc:zstd:5:shuffle";
      await a.to(o.out!, { memory, comm, overwrite: true, codec, chunks: [1024, 1024] });
      return null;
    }
    if (op === "h5" || op === "h5-gzip") {
      const gzip = op === "h5-gzip" ? { codec: "gzip:1", chunks: [256, a.shape[1]] } : {};
      await a.to(o.out!, { memory, comm, overwrite: true, ...gzip });
      return null;
    }
    return await reduce(a, op);
  } finally {
    a.close();
  }
}

const reps = o.op === "repeat" ? Number(o.reps) : 1;
const rssAfter: number[] = [];
let result: NDArray | null = null;
comm.barrier();
const t0 = performance.now();
for (let k = 0; k < reps; k++) {
  result = await once(o.op!);
  if (o.op === "repeat") rssAfter.push(status("VmRSS"));
}
comm.barrier();
const computeS = (performance.now() - t0) / 1000 / reps;
if (result !== null && comm.rank === 0) {
  const v = Float64Array.from(result.toTypedArray() as ArrayLike<number>);
  Deno.writeFileSync(o.out!, new Uint8Array(v.buffer));
}
console.log(JSON.stringify({
  rank: comm.rank,
  size: comm.size,
  compute_s: computeS,
  hwm: status("VmHWM"),
  ...(o.op === "repeat" ? { rss_after: rssAfter } : {}),
  threads: threadCount(),
}));
