// One Tessera measurement of bench/compare.ts, in its own process (so its
// peak RSS is its own), alone or under `mpiexec.mpich -n P`:
//
//   deno run -A bench/_compare_run.ts --op sum|mean|std|map|scale --src LOCATOR
//     [--axis 0] [--memory 512MiB] [--reps 3] [--out y.npy] [--save result.bin]
//
// Each repetition opens the source, builds the lazy pipeline and runs it
// (`compute`, or `to` for `map`), timed between barriers. Every rank prints
// one JSON line: its times, its peak RSS (VmHWM) and the SHA-256 of the
// result's bytes; rank 0 also writes those bytes to `--save`.

import { parseArgs } from "node:util";
import { init } from "../dist/comm.ts";
import { type LazyArray, open } from "../stream/mod.ts";

const { values: o } = parseArgs({
  args: Deno.args,
  options: {
    op: { type: "string" },
    src: { type: "string" },
    axis: { type: "string" },
    memory: { type: "string" },
    reps: { type: "string", default: "3" },
    out: { type: "string" },
    save: { type: "string" },
  },
});

function hwmMiB(): number {
  const m = /VmHWM:\s+(\d+)\s+kB/.exec(Deno.readTextFileSync("/proc/self/status"));
  return m ? Number(m[1]) / 1024 : NaN;
}

async function sha256(bytes: Uint8Array): Promise<string> {
  const d = await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>);
  return Array.from(new Uint8Array(d), (b) => b.toString(16).padStart(2, "0")).join("");
}

const comm = await init();
const axis = o.axis === undefined ? undefined : Number(o.axis);
const memory = o.memory;
const times: number[] = [];
let bytes = new Uint8Array(0);
let head: number[] = [];
let shape: readonly number[] = [];
let dtype = "";
for (let k = 0; k < Number(o.reps); k++) {
  if (o.op === "map" && comm.rank === 0) {
    try {
      Deno.removeSync(o.out!);
    } catch { /* absent */ }
  }
  comm.barrier();
  const t0 = performance.now();
  const a = await open(o.src!);
  try {
    if (o.op === "map") {
      await a.mul(a).add(1).sqrt().mul(0.5).to(o.out!, { memory, comm, overwrite: true });
    } else {
      let x: LazyArray = a;
      // the compute-bound pipeline of the scaling workload: std(exp(sin(x)))
      if (o.op === "scale") x = a.ufunc("sin").exp();
      const r = await x.reduce(o.op === "scale" ? "std" : o.op as "sum", { axis })
        .compute({ memory, comm });
      const c = r.isContiguous && r.offset === 0 && r.data.length === r.size ? r : r.copy();
      bytes = new Uint8Array(c.data.buffer, c.data.byteOffset, c.data.byteLength).slice();
      head = [...c.data.subarray(0, 3) as unknown as number[]].map(Number);
      shape = c.shape;
      dtype = c.dtype;
    }
  } finally {
    a.close();
  }
  comm.barrier();
  times.push((performance.now() - t0) / 1000);
}
if (comm.rank === 0 && o.save) Deno.writeFileSync(o.save, bytes);
console.log(JSON.stringify({
  rank: comm.rank,
  size: comm.size,
  times,
  hwm: hwmMiB(),
  sha: await sha256(bytes),
  value: { shape, dtype, head },
}));
await comm[Symbol.asyncDispose]();
