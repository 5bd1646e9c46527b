// Monte Carlo estimate of pi with distributed random arrays: x and y are
// uniform in [0, 1) (two streams of the counter-based generator, keyed on the
// global index), and the points inside the quarter circle are counted with a
// distributed reduction. The count is an exact integer sum, so the estimate
// is the same for any number of ranks and any distribution.
//
//   deno run -A examples/pi.ts                         # one process
//   mpiexec -n 4 deno run -A examples/pi.ts --n 8000000
//   mpirun --oversubscribe -n 3 deno run -A examples/pi.ts --dist c

import { parseArgs } from "node:util";
import { DistArray, init } from "../dist/mod.ts";

const { values: opts } = parseArgs({
  args: Deno.args,
  options: {
    n: { type: "string", default: "2000000" },
    seed: { type: "string", default: "2024" },
    dist: { type: "string", default: "b" },
  },
});
const n = Number(opts.n);
if (!Number.isSafeInteger(n) || n < 1) throw new RangeError(`Invalid --n "${opts.n}"`);
const seed = Number(opts.seed);

await using comm = await init();
const t0 = performance.now();
const x = DistArray.rand(comm, [n], { seed, stream: 0, dist: opts.dist });
const y = DistArray.rand(comm, [n], { seed, stream: 1, dist: opts.dist });
const inside = x.square().add(y.square()).lt(1).sum().get() as bigint;
const pi = (4 * Number(inside)) / n;
const secs = (performance.now() - t0) / 1000;
if (comm.rank === 0) {
  console.log(
    `pi ~ ${pi} (${inside} of ${n} points inside; error ${
      Math.abs(pi - Math.PI).toExponential(2)
    }) on ${comm.size} rank(s) in ${secs.toFixed(2)} s`,
  );
}
