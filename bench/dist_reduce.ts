// Scaling of distributed reductions from 1 to 2 ranks: sum and std of a
// float64 standard-normal DistArray (64 Mi elements by default, block
// distribution), the same script launched under `mpiexec.mpich -n 1` and
// `-n 2`. Times are medians of the repeats, measured on rank 0 between
// barriers; generation is not timed. The results' bits are printed too: they
// are the same for both rank counts.
//
//   deno run -A bench/dist_reduce.ts                      # 64 Mi elements, 1 and 2 ranks
//   deno run -A bench/dist_reduce.ts --elements 16777216 --repeats 5
//
// Under a launcher (`--worker`) the script measures and prints JSON lines.

import { parseArgs } from "node:util";
import { DistArray, init } from "../dist/mod.ts";

const { values: opts } = parseArgs({
  args: Deno.args,
  options: {
    elements: { type: "string", default: String(64 * 1024 * 1024) },
    repeats: { type: "string", default: "3" },
    worker: { type: "boolean", default: false },
  },
});
const N = Number(opts.elements);
const REPEATS = Number(opts.repeats);

interface Row {
  ranks: number;
  op: string;
  seconds: number;
  bits: string;
  value: number;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function hex(x: number): string {
  const b = new DataView(new ArrayBuffer(8));
  b.setFloat64(0, x);
  return b.getBigUint64(0).toString(16).padStart(16, "0");
}

async function worker(): Promise<void> {
  await using comm = await init();
  const a = DistArray.randn(comm, [N], { seed: 1 });
  for (const op of ["sum", "std"] as const) {
    const times: number[] = [];
    let value = 0;
    a.reduce(op); // warm-up
    for (let k = 0; k < REPEATS; k++) {
      comm.barrier();
      const t0 = performance.now();
      value = a.reduce(op).get() as number;
      comm.barrier();
      times.push((performance.now() - t0) / 1000);
    }
    if (comm.rank === 0) {
      const row: Row = { ranks: comm.size, op, seconds: median(times), bits: hex(value), value };
      console.log(JSON.stringify(row));
    }
  }
}

async function launch(ranks: number): Promise<Row[]> {
  const self = new URL(import.meta.url).pathname;
  const out = await new Deno.Command("timeout", {
    args: [
      "600",
      "mpiexec.mpich",
      "-n",
      String(ranks),
      Deno.execPath(),
      "run",
      "-A",
      self,
      "--worker",
      "--elements",
      String(N),
      "--repeats",
      String(REPEATS),
    ],
    stderr: "inherit",
  }).output();
  if (!out.success) throw new Error(`Benchmark run on ${ranks} rank(s) failed`);
  return new TextDecoder().decode(out.stdout).split("\n").filter((l) => l.startsWith("{"))
    .map((l) => JSON.parse(l) as Row);
}

async function orchestrate(): Promise<void> {
  const self = new URL(import.meta.url).pathname;
  await new Deno.Command(Deno.execPath(), { args: ["cache", self] }).output();
  const one = await launch(1);
  const two = await launch(2);
  console.log(
    `DistArray reductions of ${N} float64 elements (${
      (N * 8 / 2 ** 20).toFixed(0)
    } MiB), median of ${REPEATS}`,
  );
  console.log("op   | 1 rank   | 2 ranks  | speedup | same bits | value");
  for (const r1 of one) {
    const r2 = two.find((r) => r.op === r1.op)!;
    console.log(
      `${r1.op.padEnd(4)} | ${r1.seconds.toFixed(3).padStart(6)} s | ${
        r2.seconds.toFixed(3).padStart(6)
      } s | ${(r1.seconds / r2.seconds).toFixed(2).padStart(6)}x | ${
        String(r1.bits === r2.bits).padEnd(9)
      } | ${r1.value}`,
    );
  }
}

if (opts.worker) await worker();
else await orchestrate();
