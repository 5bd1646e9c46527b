// DistArray indexing costs (dist/_dist_index.ts) on a float64 array of
// `--rows` x 1024 (4 Mi elements by default, block distribution over rows).
// Times are medians of the repeats on rank 0 between barriers; the elements
// moved are counted from the selection (what the alltoallv calls carry).
//
//   mpiexec.mpich -n 2 deno run -A bench/dist_index.ts
//   mpiexec.mpich -n 2 deno run -A bench/dist_index.ts --rows 8192 --repeats 5

import { parseArgs } from "node:util";
import { DistArray, init } from "../dist/mod.ts";

const { values: opts } = parseArgs({
  args: Deno.args,
  options: {
    rows: { type: "string", default: "4096" },
    repeats: { type: "string", default: "3" },
  },
});
const ROWS = Number(opts.rows);
const REPEATS = Number(opts.repeats);
await using comm = await init();
const a = DistArray.uniform(comm, [ROWS, 1024], { seed: 1 });
const mask = a.lt(0.1); // about 10% of the elements
const value = DistArray.ones(comm, [ROWS / 2, 1024], { dist: "nb" });

function time(what: string, fn: () => unknown): void {
  const t: number[] = [];
  for (let i = 0; i < REPEATS; i++) {
    comm.barrier();
    const t0 = performance.now();
    fn();
    comm.barrier();
    t.push(performance.now() - t0);
  }
  t.sort((x, y) => x - y);
  if (comm.rank === 0) {
    console.log(JSON.stringify({ ranks: comm.size, op: what, ms: +t[t.length >> 1].toFixed(2) }));
  }
}

time("slice view a[1:-1]", () => a.slice("1:-1"));
time("slice copy a[::-1, ::2]", () => a.slice("::-1, ::2"));
time(
  "take axis 1 (256 indices)",
  () => a.take([...Array(256).keys()].map((i) => 4 * i), { axis: 1 }),
);
time("set a[::2] = scalar", () => a.set(["::2"], 0.5));
time("set a[::2] = DistArray (nb)", () => a.set(["::2"], value));
time("extract a[a < 0.1]", () => a.extract(mask));
const n = a.extract(mask).shape[0];
if (comm.rank === 0) console.log(JSON.stringify({ selected: n, of: ROWS * 1024 }));
