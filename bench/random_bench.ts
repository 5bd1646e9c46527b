// Throughput of the counter-based generator (core/random.ts): fillUniform,
// fillNormal and randint over 32 MiB slabs of one global array, the way
// `deno task demo` writes its input. Prints elements/s and GB/s of float64
// output (best of the repetitions, each one a whole slab).
//
//   deno run -A bench/random_bench.ts [--reps 5] [--mib 32]

import { fillNormal, fillUniform, randint } from "../core/random.ts";

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
console.log(`load: ${Deno.loadavg().map((x) => x.toFixed(2)).join(" ")}`);
