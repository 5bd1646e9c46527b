// The WebAssembly SIMD transcendental kernels (core/_wasm/transcend.ts),
// float64 and float32, against the per-element Math.* loop they replace,
// interleaved in rounds in one process (the machine is shared: each figure is
// the median of the rounds, with the best, and the process CPU time per
// element alongside the wall time).
//
//   deno run -A bench/transcend_bench.ts [--n 4194304] [--rounds 9] [--ops sin,tan]
//
// NumPy's figures for the same data (same shape of values, same rounds):
//   deno run -A bench/transcend_bench.ts --numpy

import { transcend, TRANSCEND_OPS, type TranscendOp } from "../core/_wasm/transcend.ts";
import { power } from "../core/_wasm/power.ts";
import { cpuUsage } from "node:process";

const args = Deno.args;
const opt = (name: string, dflt: number): number => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const n = opt("--n", 1 << 22);
const rounds = opt("--rounds", 9);
const opsArg = args.indexOf("--ops");
const ops = opsArg >= 0 ? args[opsArg + 1].split(",") as TranscendOp[] : TRANSCEND_OPS;

const MATH: Record<TranscendOp, (x: number) => number> = {
  exp: Math.exp,
  log: Math.log,
  sin: Math.sin,
  cos: Math.cos,
  tan: Math.tan,
  expm1: Math.expm1,
  log1p: Math.log1p,
  log2: Math.log2,
  log10: Math.log10,
  tanh: Math.tanh,
  sinh: Math.sinh,
  cosh: Math.cosh,
  arctan: Math.atan,
};

/** The values of each op: (i % 10007) * 0.013 - 50, positive for the logs. */
const POSITIVE = new Set(["log", "log2", "log10", "log1p"]);

if (args.includes("--numpy")) {
  const script = `import numpy as np, timeit, sys, os
n, rounds, ops = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3].split(",")
print(f"NumPy {np.__version__}: {n} elements, {rounds} rounds; load {os.getloadavg()}")
x = (np.arange(n) % 10007) * 0.013 - 50
for op in ops:
    f = getattr(np, op)
    row = [op.ljust(6)]
    for dt in ("f8", "f4"):
        a = (np.abs(x) + 1e-3 if op in ("log", "log2", "log10", "log1p") else x).astype(dt)
        out = np.empty_like(a)
        t = sorted(timeit.repeat(lambda: f(a, out=out), number=1, repeat=rounds))
        row.append(f"{dt} median {n / t[len(t) // 2] / 1e6:5.0f} M/s (best {n / t[0] / 1e6:5.0f})")
    print("  ".join(row))
for name, e in (("power x**2.5", 2.5), ("power x**y", None)):
    row = [name]
    for dt in ("f8", "f4"):
        a = (np.abs(x) + 1e-3).astype(dt)
        b = np.asarray(e, dtype=dt) if e is not None else (x * 0.1).astype(dt)
        out = np.empty_like(a)
        t = sorted(timeit.repeat(lambda: np.power(a, b, out=out), number=1, repeat=rounds))
        row.append(f"{dt} median {n / t[len(t) // 2] / 1e6:5.0f} M/s (best {n / t[0] / 1e6:5.0f})")
    print("  ".join(row))`;
  const r = new Deno.Command("/usr/bin/python3", {
    args: ["-c", script, String(n), String(rounds), ops.join(",")],
    stdout: "inherit",
    stderr: "inherit",
  }).outputSync();
  Deno.exit(r.code);
}

const x = new Float64Array(n);
for (let i = 0; i < n; i++) x[i] = (i % 10007) * 0.013 - 50;
const xPos = x.map((v) => Math.abs(v) + 1e-3);
const out = new Float64Array(n);
const x32 = Float32Array.from(x), xPos32 = Float32Array.from(xPos), out32 = new Float32Array(n);

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
  `${n} elements, ${rounds} interleaved rounds; load ${Deno.loadavg().join(" ")}`,
);
for (const op of ops) {
  const a = POSITIVE.has(op) ? xPos : x, a32 = POSITIVE.has(op) ? xPos32 : x32;
  const w = { f64: [] as number[], f32: [] as number[], math: [] as number[] };
  const c = { f64: [] as number[], f32: [] as number[], math: [] as number[] };
  for (let r = 0; r < rounds; r++) {
    const [w64, c64] = time(() => transcend(op, out, a));
    const [w32, c32] = time(() => transcend(op, out32, a32));
    const [wm, cm] = time(() => mathLoop(MATH[op], out, a));
    w.f64.push(w64), c.f64.push(c64), w.f32.push(w32), c.f32.push(c32);
    w.math.push(wm), c.math.push(cm);
  }
  console.log(
    `${op.padEnd(6)} f64 median ${rate(med(w.f64))} (best ${rate(Math.min(...w.f64))}, cpu ${
      rate(med(c.f64))
    })  f32 median ${rate(med(w.f32))} (best ${rate(Math.min(...w.f32))})  Math.* f64 median ${
      rate(med(w.math))
    } (best ${rate(Math.min(...w.math))})  speedup ${(med(w.math) / med(w.f64)).toFixed(2)}x`,
  );
}
// power: |x| + 1e-3 to a scalar 2.5 and to the array x / 10
const y = x.map((v) => v * 0.1), y32 = Float32Array.from(y);
for (const scalar of [true, false]) {
  const w = { f64: [] as number[], f32: [] as number[], math: [] as number[] };
  for (let r = 0; r < rounds; r++) {
    w.f64.push(time(() => power(out, xPos, scalar ? 2.5 : y))[0]);
    w.f32.push(time(() => power(out32, xPos32, scalar ? 2.5 : y32))[0]);
    w.math.push(
      time(() => {
        for (let i = 0; i < n; i++) out[i] = xPos[i] ** (scalar ? 2.5 : y[i]);
      })[0],
    );
  }
  console.log(
    `${scalar ? "x**2.5" : "x**y  "} f64 median ${rate(med(w.f64))} (best ${
      rate(Math.min(...w.f64))
    })  f32 median ${rate(med(w.f32))} (best ${rate(Math.min(...w.f32))})  JS ** f64 median ${
      rate(med(w.math))
    }  speedup ${(med(w.math) / med(w.f64)).toFixed(2)}x`,
  );
}
console.log(`load ${Deno.loadavg().join(" ")}`);
