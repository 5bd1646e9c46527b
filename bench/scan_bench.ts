// cumsum of float64 in the three array types, against NumPy's np.cumsum:
// NDArray (in memory), DistArray (tiled parallel scan; launch under
// `mpiexec.mpich -n N`), LazyArray (out of core, from a .npy file, written to
// another .npy under a memory budget). Prints one JSON line (rank 0).
//
//   deno run -A bench/scan_bench.ts --elements 16777216
//   mpiexec.mpich -n 2 deno run -A bench/scan_bench.ts --elements 16777216 --dist-only

import { parseArgs } from "node:util";
import { rand } from "../core/random.ts";
import { writeNpy } from "../io/npy.ts";
import { open } from "../stream/lazy.ts";
import { DistArray, init } from "../dist/mod.ts";

const { values: opts } = parseArgs({
  args: Deno.args,
  options: {
    elements: { type: "string", default: String(16 * 1024 * 1024) },
    "dist-only": { type: "boolean", default: false },
  },
});
const n = Number(opts.elements);
await using comm = await init();
const out: Record<string, number | string> = { elements: n, ranks: comm.size };
const a = rand([n], { seed: 1 });
function time(f: () => unknown): number {
  const t = performance.now();
  f();
  return (performance.now() - t) / 1000;
}
if (!opts["dist-only"]) {
  out.ndarray_s = time(() => a.cumsum());
  const dir = await Deno.makeTempDir();
  await writeNpy(`${dir}/a.npy`, a);
  using l = await open(`${dir}/a.npy`);
  const t = performance.now();
  await l.cumsum().to(`${dir}/c.npy`, { memory: "64MiB" });
  out.lazy_64MiB_s = (performance.now() - t) / 1000;
  await Deno.remove(dir, { recursive: true });
  const py = new Deno.Command("/usr/bin/python3", {
    args: [
      "-c",
      `import numpy as np, time; a = np.random.rand(${n}); t = time.perf_counter(); np.cumsum(a); print(time.perf_counter() - t)`,
    ],
    stdout: "piped",
  }).outputSync();
  out.numpy_s = Number(new TextDecoder().decode(py.stdout));
}
const d = DistArray.rand(comm, [n], { seed: 1 });
comm.barrier();
out.dist_s = time(() => {
  d.cumsum();
  comm.barrier();
});
if (comm.rank === 0) console.log(JSON.stringify(out));
