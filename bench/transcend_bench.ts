// float64 sin/cos/exp/log: the WebAssembly SIMD kernels (core/_wasm/transcend.ts)
// against the per-element Math.* loop they replace, interleaved in rounds in one
// process (the machine is shared: each figure is the median of the rounds, with
// the best, and the process CPU time per element alongside the wall time).
//
//   deno run -A bench/transcend_bench.ts [--n 4194304] [--rounds 9]
//
// NumPy's figure for the same data (same shape of values):
//   /usr/bin/python3 -c "import numpy as np,timeit;a=(np.arange(1<<22)%10007)*0.013-50;print(min(timeit.repeat(lambda:np.sin(a),number=1,repeat=9)))"

import { transcendF64, type TranscendOp } from "../core/_wasm/transcend.ts";
import { cpuUsage } from "node:process";

const args = Deno.args;
const opt = (name: string, dflt: number): number => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const n = opt("--n", 1 << 22);
const rounds = opt("--rounds", 9);
const x = new Float64Array(n);
for (let i = 0; i < n; i++) x[i] = (i % 10007) * 0.013 - 50;
const xPos = x.map((v) => Math.abs(v) + 1e-3);
const out = new Float64Array(n);

function mathLoop(f: (v: number) => number, o: Float64Array, a: Float64Array): void {
  for (let i = 0; i < a.length; i++) o[i] = f(a[i]);
}

function time(fn: () => void): [number, number] {
  const c0 = cpuUsage();
  const t0 = performance.now();
  fn();
  const wall = (performance.now() - t0) / 1000;
  const c = cpuUsage(c0);
  return [wall, (c.user + c.system) / 1e6];
}

const med = (a: number[]): number => [...a].sort((p, q) => p - q)[a.length >> 1];
const rate = (s: number): string => `${(n / s / 1e6).toFixed(0).padStart(5)} M/s`;

console.log(
  `${n} float64 elements, ${rounds} interleaved rounds; load ${Deno.loadavg().join(" ")}`,
);
for (const op of ["sin", "cos", "exp", "log"] as TranscendOp[]) {
  const a = op === "log" ? xPos : x;
  const w = { simd: [] as number[], math: [] as number[] };
  const c = { simd: [] as number[], math: [] as number[] };
  for (let r = 0; r < rounds; r++) {
    const [ws, cs] = time(() => transcendF64(op, out, a));
    const [wm, cm] = time(() => mathLoop(Math[op], out, a));
    w.simd.push(ws), c.simd.push(cs), w.math.push(wm), c.math.push(cm);
  }
  console.log(
    `${op.padEnd(4)} simd median ${rate(med(w.simd))} (best ${rate(Math.min(...w.simd))}, cpu ${
      rate(med(c.simd))
    })  Math.${op} median ${rate(med(w.math))} (best ${rate(Math.min(...w.math))}, cpu ${
      rate(med(c.math))
    })  speedup ${(med(w.math) / med(w.simd)).toFixed(2)}x`,
  );
}
console.log(`load ${Deno.loadavg().join(" ")}`);
