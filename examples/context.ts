// The client/engine model: this process is the client; the arrays live on
// engine processes launched under MPI, and only small results travel back.
// The seed's examples through a Context: Monte Carlo pi (the same count as
// examples/pi.ts for the same --n and --seed, on any number of engines), a
// distributed sum over an axis, a cyclic layout, apply on local blocks, and
// a file opened on the engines as a LazyArray (`ctx.open`): its reductions run
// collectively there, each engine reading its own chunks, with the same bits
// as in this process.
//
//   deno run -A examples/context.ts                                  # 2 engines, mpiexec
//   deno run -A examples/context.ts --engines 3 --launcher mpiexec.mpich
//   deno run -A examples/context.ts --engines 1 --launcher none      # no MPI

import { parseArgs } from "node:util";
import { Context, type Launcher } from "../dist/mod.ts";
import type { NDArray } from "../core/ndarray.ts";
import { open } from "../stream/mod.ts"; // also installs ctx.open (stream/lazy_proxy.ts)
import { rand } from "../core/random.ts";
import { writeNpy } from "../io/npy.ts";

const { values: opts } = parseArgs({
  args: Deno.args,
  options: {
    engines: { type: "string", default: "2" },
    launcher: { type: "string", default: "mpiexec" },
    n: { type: "string", default: "2000000" },
    seed: { type: "string", default: "2024" },
  },
});
const n = Number(opts.n);
if (!Number.isSafeInteger(n) || n < 1) throw new RangeError(`Invalid --n "${opts.n}"`);
const seed = Number(opts.seed);
const launcher: Launcher = opts.launcher === "none" ? null : opts.launcher;

const t0 = performance.now();
await using ctx = await Context.start({ engines: Number(opts.engines), launcher });
console.log(`started ${ctx.engines} engine(s) in ${(performance.now() - t0).toFixed(0)} ms`);

// Monte Carlo pi: x, y and the mask stay on the engines; one integer comes back
const x = await ctx.random("rand", [n], { seed, stream: 0 });
const y = await ctx.random("rand", [n], { seed, stream: 1 });
const inside = await (await (await (await x.square()).add(await y.square())).lt(1)).sum();
const count = inside.get() as bigint;
console.log(`pi ~ ${(4 * Number(count)) / n} (${count} of ${n} points inside)`);

// a distributed sum over an axis, on a cyclic layout
const a = await ctx.fromFunction([6, 4], ([i, j]) => 10 * i + j, { dist: "cn" });
console.log(`column sums: ${[...(await a.sum({ axis: 0 })).flat()].join(", ")}`);
console.log(`layout: ${a.distribution}`);

// apply on local blocks: each engine reports the rows it holds and their sum
const blocks = await ctx.apply(
  (local: NDArray, e: { rank: number }) => [e.rank, local.shape[0], local.sum().get()],
  [a],
);
for (const [rank, rows, sum] of blocks) console.log(`engine ${rank}: ${rows} rows, sum ${sum}`);

// a LazyArray on the engines: each opens the file and reads its own chunks
const dir = await Deno.makeTempDir({ prefix: "tessera-context-" });
try {
  const file = `${dir}/t.npy`;
  await writeNpy(file, rand([48, 20, 30], { seed }).astype("float32"));
  const t = await ctx.open(file, { chunks: [6, 20, 30] });
  const anomaly = await t.sub(await t.mean({ axis: 0 }));
  const spread = await (await anomaly.std({ axis: [1, 2] })).compute({
    memory: "16MiB",
  }) as NDArray;
  using here = await open(file, { chunks: [6, 20, 30] });
  const local = await here.sub(here.mean({ axis: 0 })).std({ axis: [1, 2] }).compute();
  const [x, y] = [spread.toArray() as number[], local.toArray() as number[]];
  const same = x.length === y.length && x.every((v, i) => Object.is(v, y[i]));
  console.log(
    `lazy: ${t} std of the anomaly per step [${spread.shape}], same bits as in process: ${same}`,
  );
  await anomaly.to(`${dir}/anomaly.npy`); // written collectively by the engines
  const written = await open(`${dir}/anomaly.npy`);
  console.log(`lazy: wrote anomaly.npy [${written.shape}] ${written.dtype}`);
  written.close();
} finally {
  await Deno.remove(dir, { recursive: true });
}
