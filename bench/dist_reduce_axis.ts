// The cost of an axis reduction of a DistArray that stays distributed
// (`a.sum({ axis })`, a DistArray: dist/_dist_reduce_axis.ts) against the
// replicated reduction it replaces (`reduceBlocks`, an NDArray on every rank:
// dist/_dist_reduce.ts), and against the new one followed by an explicit
// gather to every rank (`toNDArray()`). A float64 standard-normal array of
// shape [rows, cols], block rows; axis 0 (the tree path: reduce-scatter vs
// allgather of the tile states) and axis 1 (the row path: kept vs allgathered
// rows). Times are medians of the repeats on rank 0 between barriers, for 1
// to 3 ranks under mpiexec.mpich; the bytes each rank receives are counted.
//
//   deno run -A bench/dist_reduce_axis.ts                       # [2048, 8192], 1-3 ranks
//   deno run -A bench/dist_reduce_axis.ts --rows 4096 --cols 4096 --repeats 7
//
// Under a launcher (`--worker`) the script measures and prints JSON lines.

import { parseArgs } from "node:util";
import { type Comm, type CommBuffer, DistArray, init } from "../dist/mod.ts";
import { reduceBlocks } from "../dist/_dist_reduce.ts";

const { values: opts } = parseArgs({
  args: Deno.args,
  options: {
    rows: { type: "string", default: "2048" },
    cols: { type: "string", default: "8192" },
    repeats: { type: "string", default: "5" },
    ranks: { type: "string", default: "1,2,3" },
    worker: { type: "boolean", default: false },
  },
});
const SHAPE = [Number(opts.rows), Number(opts.cols)];
const REPEATS = Number(opts.repeats);

interface Row {
  ranks: number;
  axis: number;
  way: string;
  seconds: number;
  recvBytes: number;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** The communicator, counting the bytes this rank receives in collectives that move arrays. */
function counting(world: Comm): { comm: Comm; bytes: () => number } {
  let n = 0;
  const comm = new Proxy(world, {
    get(t, k) {
      const v = Reflect.get(t, k, t);
      if (k === "alltoallv" || k === "allgatherv" || k === "bcast") {
        return (...args: unknown[]) => {
          const r = (v as (...a: unknown[]) => CommBuffer).apply(t, args);
          n += r.byteLength;
          return r;
        };
      }
      return typeof v === "function" ? v.bind(t) : v;
    },
  });
  return { comm, bytes: () => n };
}

async function worker(): Promise<void> {
  await using world = await init();
  const { comm, bytes } = counting(world);
  const a = DistArray.randn(comm, SHAPE, { seed: 1 });
  const ways: Record<string, (axis: number) => unknown> = {
    "replicated (old)": (axis) => reduceBlocks(comm, a.distribution, a.local, "sum", { axis }),
    "distributed (new)": (axis) => a.sum({ axis }),
    "new + toNDArray()": (axis) => a.sum({ axis }).toNDArray(),
  };
  for (const axis of [0, 1]) {
    for (const [way, fn] of Object.entries(ways)) {
      fn(axis); // warm-up (plans are cached)
      const times: number[] = [];
      let recv = 0;
      for (let k = 0; k < REPEATS; k++) {
        world.barrier();
        const b0 = bytes();
        const t0 = performance.now();
        fn(axis);
        world.barrier();
        times.push((performance.now() - t0) / 1000);
        recv = bytes() - b0;
      }
      if (world.rank === 0) {
        const row: Row = { ranks: world.size, axis, way, seconds: median(times), recvBytes: recv };
        console.log(JSON.stringify(row));
      }
    }
  }
}

async function launch(ranks: number): Promise<Row[]> {
  const self = new URL(import.meta.url).pathname;
  const out = await new Deno.Command("timeout", {
    args: [
      "900",
      "mpiexec.mpich",
      "-n",
      String(ranks),
      Deno.execPath(),
      "run",
      "-A",
      self,
      "--worker",
    ]
      .concat([
        "--rows",
        String(SHAPE[0]),
        "--cols",
        String(SHAPE[1]),
        "--repeats",
        String(REPEATS),
      ]),
    stderr: "inherit",
  }).output();
  if (!out.success) throw new Error(`Benchmark run on ${ranks} rank(s) failed`);
  return new TextDecoder().decode(out.stdout).split("\n").filter((l) => l.startsWith("{"))
    .map((l) => JSON.parse(l) as Row);
}

async function orchestrate(): Promise<void> {
  const self = new URL(import.meta.url).pathname;
  await new Deno.Command(Deno.execPath(), { args: ["cache", self] }).output();
  const rows: Row[] = [];
  for (const r of opts.ranks.split(",").map(Number)) rows.push(...await launch(r));
  console.log(
    `sum over an axis of float64 [${SHAPE}] (${
      (SHAPE[0] * SHAPE[1] * 8 / 2 ** 20).toFixed(0)
    } MiB), ` +
      `median of ${REPEATS}; KiB received by rank 0`,
  );
  console.log("ranks | axis | way               | seconds  | KiB recv");
  for (const r of rows) {
    console.log(
      `${String(r.ranks).padStart(5)} | ${String(r.axis).padStart(4)} | ${r.way.padEnd(17)} | ${
        r.seconds.toFixed(4).padStart(8)
      } | ${(r.recvBytes / 1024).toFixed(1).padStart(8)}`,
    );
  }
}

if (opts.worker) await worker();
else await orchestrate();
