// Throughput of the counter-based generator (core/random.ts): fillUniform,
// fillNormal and randint over 32 MiB slabs of one global array, the way
// `deno task demo` writes its input. Prints elements/s and GB/s of float64
// output (best of the repetitions, each one a whole slab); then float32 with
// per-column bounds (the demo's data) in this thread, and fillUniformParallel
// with 1 thread (no worker: this thread) and 2 (two pool workers) into a
// shared slab.
//
//   deno run -A bench/random_bench.ts [--reps 5] [--mib 32]

import { fillNormal, fillUniform, randint } from "../core/random.ts";
import { fillUniformParallel } from "../core/random_parallel.ts";

const args = Deno.args;
const opt = (name: string, dflt: number): number => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const reps = opt("--reps", 5);
const n = (opt("--mib", 32) << 20) / 8;
const cols = 4096;
const rows = n / cols;
const shape = [rows * 16, cols];
const out = new Float64Array(n);

function run(label: string, f: (r0: number) => void): void {
  let best = Infinity;
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    f((r % 16) * rows);
    best = Math.min(best, (performance.now() - t0) / 1000);
  }
  console.log(
    `${label.padEnd(12)} ${(n / best / 1e6).toFixed(1).padStart(8)} M elements/s  ${
      (n * 8 / best / 1e9).toFixed(3)
    } GB/s (float64 out)`,
  );
}

run("fillUniform", (r0) => {
  fillUniform(out, { shape, seed: 42, region: { start: [r0, 0], count: [rows, cols] } });
});
run("fillNormal", (r0) => {
  fillNormal(out, { shape, seed: 42, region: { start: [r0, 0], count: [rows, cols] } });
});
run("randint", (r0) => {
  randint([rows, cols], { high: 1000, seed: 42 + r0, dtype: "float64" });
});
const low = Float64Array.from({ length: cols }, (_, j) => (j % 97) / 10 - 5.8);
const high = low.map((v) => v + 2);
const f32 = new Float32Array(new SharedArrayBuffer(n * 4));
const report = (label: string, best: number): void => {
  console.log(
    `${label.padEnd(12)} ${(n / best / 1e6).toFixed(1).padStart(8)} M elements/s  ${
      (n * 4 / best / 1e9).toFixed(3)
    } GB/s (float32 out)`,
  );
};
{
  let best = Infinity;
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    const region = { start: [(r % 16) * rows, 0], count: [rows, cols] };
    fillUniform(f32, { shape, seed: 42, region, low, high });
    best = Math.min(best, (performance.now() - t0) / 1000);
  }
  report("f32 serial", best);
}
for (const threads of [1, 2]) {
  let best = Infinity;
  await fillUniformParallel(f32, { shape, seed: 42, region: `0:${rows}`, low, high, threads });
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    const region = { start: [(r % 16) * rows, 0], count: [rows, cols] };
    await fillUniformParallel(f32, { shape, seed: 42, region, low, high, threads });
    best = Math.min(best, (performance.now() - t0) / 1000);
  }
  report(`f32 ${threads} thread${threads > 1 ? "s" : ""}`, best);
}
console.log(`load: ${Deno.loadavg().map((x) => x.toFixed(2)).join(" ")}`);
