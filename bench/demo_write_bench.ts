// Where the time of `deno task demo`'s write phase goes: generation alone
// (fillUniformParallel, float32 with per-column bounds, 32 MiB slabs), the
// .npy write alone (the same slabs, already filled), and both overlapped as
// the demo does (slab k + 1 generated while slab k is written).
//
//   deno run -A bench/demo_write_bench.ts [--rows 16384] [--cols 8192] [--threads 2]

import { parseArgs } from "node:util";
import { empty, type NDArray } from "../core/ndarray.ts";
import { fillUniformParallel } from "../core/random_parallel.ts";
import { createNpy } from "../io/npy.ts";

const { values: o } = parseArgs({
  args: Deno.args,
  options: {
    rows: { type: "string", default: "16384" },
    cols: { type: "string", default: "8192" },
    threads: { type: "string" },
  },
});
const [rows, cols] = [Number(o.rows), Number(o.cols)];
const threads = o.threads === undefined ? undefined : Number(o.threads);
const slabRows = Math.min(rows, Math.floor((32 << 20) / (cols * 4)));
const low = Float64Array.from({ length: cols }, (_, j) => (j % 97) / 10 - 5.8);
const high = low.map((v) => v + 2);
const slabs = [empty([slabRows, cols], "float32"), empty([slabRows, cols], "float32")];
const starts: number[] = [];
for (let r0 = 0; r0 < rows; r0 += slabRows) starts.push(r0);
const n = (r0: number) => Math.min(slabRows, rows - r0);
const view = (k: number, r0: number): NDArray =>
  n(r0) === slabRows ? slabs[k % 2] : slabs[k % 2].slice(`0:${n(r0)}`);
const gen = (k: number, r0: number) =>
  fillUniformParallel(slabs[k % 2].data.subarray(0, n(r0) * cols), {
    shape: [rows, cols],
    seed: 42,
    region: `${r0}:${r0 + n(r0)}`,
    low,
    high,
    threads,
  });
const bytes = rows * cols * 4;
const dir = await Deno.makeTempDir({ prefix: "tessera-bench-" });
const path = `${dir}/w.npy`;
const rate = (label: string, t0: number) => {
  const s = (performance.now() - t0) / 1000;
  console.log(`${label.padEnd(22)} ${s.toFixed(2)} s  ${(bytes / 1e9 / s).toFixed(2)} GB/s`);
};
try {
  let t0 = performance.now();
  for (const [k, r0] of starts.entries()) await gen(k, r0);
  rate("generation alone", t0);
  t0 = performance.now();
  {
    await using f = await createNpy(path, { shape: [rows, cols], dtype: "float32" });
    for (const [k, r0] of starts.entries()) await f.write(`${r0}:${r0 + n(r0)}`, view(k, r0));
  }
  rate("write alone", t0);
  t0 = performance.now();
  {
    await using f = await createNpy(path, { shape: [rows, cols], dtype: "float32" });
    let next = gen(0, 0);
    for (const [k, r0] of starts.entries()) {
      await next;
      if (k + 1 < starts.length) next = gen(k + 1, starts[k + 1]);
      await f.write(`${r0}:${r0 + n(r0)}`, view(k, r0));
    }
  }
  rate("overlapped (the demo)", t0);
} finally {
  await Deno.remove(dir, { recursive: true });
}
console.log(`load: ${Deno.loadavg().map((x) => x.toFixed(2)).join(" ")}`);
