// Distributed sort and exact median of a float64 standard-normal DistArray
// (block distribution) on 1 and 2 ranks, against NumPy's np.sort and
// np.median of a standard-normal array of the same size. The same script is
// launched under `mpiexec.mpich -n 1` and `-n 2`; times are medians of the
// repeats on rank 0 between barriers (generation is not timed). The
// median's bits are printed: they are the same for both rank counts.
//
//   deno run -A bench/dist_sort.ts                          # 1e7 elements
//   deno run -A bench/dist_sort.ts --elements 100000000 --repeats 1
//
// Under a launcher (`--worker`) the script measures and prints JSON lines.

import { parseArgs } from "node:util";
import { DistArray, init } from "../dist/mod.ts";

const { values: opts } = parseArgs({
  args: Deno.args,
  options: {
    elements: { type: "string", default: String(1e7) },
    repeats: { type: "string", default: "3" },
    worker: { type: "boolean", default: false },
  },
});
const N = Number(opts.elements);
const REPEATS = Number(opts.repeats);

interface Row {
  who: string;
  op: string;
  seconds: number;
  bits: string;
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
  const ops = {
    sort: () => {
      const s = a.sort();
      // check the global order: each rank sorted, and boundaries in order
      const l = s.local.data as Float64Array;
      for (let i = 1; i < l.length; i++) if (l[i - 1] > l[i]) throw new Error("not sorted");
      const edges = comm.allgather(new Float64Array([l[0] ?? NaN, l[l.length - 1] ?? NaN]));
      for (let r = 1; r < comm.size; r++) {
        if (edges[2 * r - 1] > edges[2 * r]) throw new Error("ranks out of order");
      }
      return NaN;
    },
    median: () => a.median().get() as number,
  };
  for (const [op, fn] of Object.entries(ops)) {
    const times: number[] = [];
    let value = 0;
    for (let k = 0; k < REPEATS; k++) {
      comm.barrier();
      const t0 = performance.now();
      value = fn();
      comm.barrier();
      times.push((performance.now() - t0) / 1000);
    }
    if (comm.rank === 0) {
      const row: Row = { who: `${comm.size} rank`, op, seconds: median(times), bits: hex(value) };
      console.log(JSON.stringify(row));
    }
  }
}

async function launch(ranks: number): Promise<Row[]> {
  const self = new URL(import.meta.url).pathname;
  const out = await new Deno.Command("timeout", {
    args: [
      "1800",
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

async function numpy(): Promise<Row[]> {
  const script = `
import json, sys, time, numpy as np
n, reps = int(sys.argv[1]), int(sys.argv[2])
a = np.random.default_rng(1).standard_normal(n)
for op, fn in [("sort", np.sort), ("median", np.median)]:
    ts = []
    for _ in range(reps):
        t0 = time.perf_counter(); fn(a); ts.append(time.perf_counter() - t0)
    print(json.dumps({"who": "numpy", "op": op, "seconds": sorted(ts)[len(ts) // 2], "bits": ""}))
`;
  const out = await new Deno.Command("/usr/bin/python3", {
    args: ["-c", script, String(N), String(REPEATS)],
    stderr: "inherit",
  }).output();
  if (!out.success) throw new Error("NumPy run failed");
  return new TextDecoder().decode(out.stdout).split("\n").filter((l) => l.startsWith("{"))
    .map((l) => JSON.parse(l) as Row);
}

async function orchestrate(): Promise<void> {
  const self = new URL(import.meta.url).pathname;
  await new Deno.Command(Deno.execPath(), { args: ["cache", self] }).output();
  const load = new TextDecoder().decode(
    (await new Deno.Command("uptime", { stdout: "piped" }).output()).stdout,
  ).trim();
  const rows = [...await numpy(), ...await launch(1), ...await launch(2)];
  console.log(`sort and median of ${N} float64 (${(N * 8 / 2 ** 20).toFixed(0)} MiB)`);
  console.log(`median of ${REPEATS} repeats; load before: ${load}`);
  console.log("op     | numpy    | 1 rank   | 2 ranks  | median bits 1 rank = 2 ranks");
  for (const op of ["sort", "median"]) {
    const t = (who: string) => rows.find((r) => r.op === op && r.who === who)!;
    const cell = (who: string) => `${t(who).seconds.toFixed(3).padStart(6)} s`;
    const same = op === "median" ? String(t("1 rank").bits === t("2 rank").bits) : "-";
    console.log(
      `${op.padEnd(6)} | ${cell("numpy")} | ${cell("1 rank")} | ${cell("2 rank")} | ${same}`,
    );
  }
}

if (opts.worker) await worker();
else await orchestrate();
