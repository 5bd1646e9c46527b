// WebAssembly SIMD kernels against the plain-JS equivalents (loops bounded by
// `.length`, 4 accumulators), on 16M elements held in wasm arena memory (as
// IO would read them). GB/s = bytes read (+ written for maps) / avg time.
//
//   deno bench -A bench/wasm_bench.ts

import { wasmArena } from "../core/_wasm/arena.ts";
import {
  addRowsF32,
  compileMap,
  type MapExpr,
  minMaxF32,
  minMaxF64,
  sumF32,
  sumF64,
  sumSqDevF32,
  sumSqDevF64,
} from "../core/_wasm/kernels.ts";

const N = 16 << 20;
const OPTS = { n: 20, warmup: 3 };
const arena = wasmArena();
const a32 = arena.alloc(N * 4).view(Float32Array, N);
const a64 = arena.alloc(N * 8).view(Float64Array, N);
const o32 = arena.alloc(N * 4).view(Float32Array, N);
const o64 = arena.alloc(N * 8).view(Float64Array, N);
for (let i = 0; i < N; i++) a64[i] = a32[i] = Math.sin(i) * 3;

function jsSum(a: Float32Array | Float64Array): number {
  let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  const m = a.subarray(0, a.length & ~3);
  for (let i = 0; i < m.length; i += 4) {
    s0 += m[i];
    s1 += m[i + 1];
    s2 += m[i + 2];
    s3 += m[i + 3];
  }
  for (let i = m.length; i < a.length; i++) s0 += a[i];
  return (s0 + s1) + (s2 + s3);
}

function jsSumSqDev(a: Float32Array | Float64Array, mean: number): number {
  let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  const m = a.subarray(0, a.length & ~3);
  for (let i = 0; i < m.length; i += 4) {
    const d0 = m[i] - mean, d1 = m[i + 1] - mean, d2 = m[i + 2] - mean, d3 = m[i + 3] - mean;
    s0 += d0 * d0;
    s1 += d1 * d1;
    s2 += d2 * d2;
    s3 += d3 * d3;
  }
  for (let i = m.length; i < a.length; i++) s0 += (a[i] - mean) * (a[i] - mean);
  return (s0 + s1) + (s2 + s3);
}

function jsMinMax(a: Float32Array | Float64Array): [number, number] {
  let mn0 = Infinity, mn1 = Infinity, mx0 = -Infinity, mx1 = -Infinity;
  const m = a.subarray(0, a.length & ~1);
  for (let i = 0; i < m.length; i += 2) {
    mn0 = Math.min(mn0, m[i]);
    mx0 = Math.max(mx0, m[i]);
    mn1 = Math.min(mn1, m[i + 1]);
    mx1 = Math.max(mx1, m[i + 1]);
  }
  for (let i = m.length; i < a.length; i++) {
    mn0 = Math.min(mn0, a[i]);
    mx0 = Math.max(mx0, a[i]);
  }
  return [Math.min(mn0, mn1), Math.max(mx0, mx1)];
}

function jsHypotHalf32(out: Float32Array, a: Float32Array): void {
  for (let i = 0; i < out.length; i++) out[i] = Math.sqrt(a[i] * a[i] + 1) * 0.5;
}

function jsHypotHalf64(out: Float64Array, a: Float64Array): void {
  for (let i = 0; i < out.length; i++) out[i] = Math.sqrt(a[i] * a[i] + 1) * 0.5;
}

function jsAddRows(a: Float32Array, cols: number, acc: Float64Array): void {
  for (let r = 0; r < a.length; r += cols) {
    const row = a.subarray(r, r + cols);
    for (let j = 0; j < row.length; j++) acc[j] += row[j];
  }
}

let sink = 0;

Deno.bench("wasm sumF32", { group: "sum f32", baseline: true, ...OPTS }, () => {
  sink += sumF32(a32);
});
Deno.bench("js sum f32", { group: "sum f32", ...OPTS }, () => {
  sink += jsSum(a32);
});
Deno.bench("wasm sumF32, JS array (chunked copy)", { group: "sum f32", ...OPTS }, () => {
  sink += sumF32(jsA32());
});
Deno.bench("wasm sumF64", { group: "sum f64", baseline: true, ...OPTS }, () => {
  sink += sumF64(a64);
});
Deno.bench("js sum f64", { group: "sum f64", ...OPTS }, () => {
  sink += jsSum(a64);
});
Deno.bench("wasm sumSqDevF32", { group: "ssd f32", baseline: true, ...OPTS }, () => {
  sink += sumSqDevF32(a32, 0.5);
});
Deno.bench("js sumSqDev f32", { group: "ssd f32", ...OPTS }, () => {
  sink += jsSumSqDev(a32, 0.5);
});
Deno.bench("wasm sumSqDevF64", { group: "ssd f64", baseline: true, ...OPTS }, () => {
  sink += sumSqDevF64(a64, 0.5);
});
Deno.bench("js sumSqDev f64", { group: "ssd f64", ...OPTS }, () => {
  sink += jsSumSqDev(a64, 0.5);
});
Deno.bench("wasm minMaxF32", { group: "minmax f32", baseline: true, ...OPTS }, () => {
  sink += minMaxF32(a32)[0];
});
Deno.bench("js minMax f32", { group: "minmax f32", ...OPTS }, () => {
  sink += jsMinMax(a32)[0];
});
Deno.bench("wasm minMaxF64", { group: "minmax f64", baseline: true, ...OPTS }, () => {
  sink += minMaxF64(a64)[0];
});
Deno.bench("js minMax f64", { group: "minmax f64", ...OPTS }, () => {
  sink += jsMinMax(a64)[0];
});

const COLS = 4096;
const acc = arena.alloc(COLS * 8).view(Float64Array, COLS);
Deno.bench("wasm addRowsF32 [4096 x 4096]", { group: "rows f32", baseline: true, ...OPTS }, () => {
  addRowsF32(a32, COLS, acc);
});
Deno.bench("js addRows f32 [4096 x 4096]", { group: "rows f32", ...OPTS }, () => {
  jsAddRows(a32, COLS, acc);
});

const x: MapExpr = { op: "input", index: 0 };
const HYPOT: MapExpr = {
  op: "mul",
  a: { op: "sqrt", arg: { op: "add", a: { op: "mul", a: x, b: x }, b: { op: "const", value: 1 } } },
  b: { op: "const", value: 0.5 },
};
const k32 = compileMap(HYPOT, "float32")!;
const k64 = compileMap(HYPOT, "float64")!;
Deno.bench("wasm map sqrt(a*a+1)*0.5 f32", { group: "map f32", baseline: true, ...OPTS }, () => {
  k32.run(o32, [a32]);
});
Deno.bench("js map sqrt(a*a+1)*0.5 f32", { group: "map f32", ...OPTS }, () => {
  jsHypotHalf32(o32, a32);
});
Deno.bench("wasm map sqrt(a*a+1)*0.5 f64", { group: "map f64", baseline: true, ...OPTS }, () => {
  k64.run(o64, [a64]);
});
Deno.bench("js map sqrt(a*a+1)*0.5 f64", { group: "map f64", ...OPTS }, () => {
  jsHypotHalf64(o64, a64);
});

let JS_A32: Float32Array | null = null;
function jsA32(): Float32Array {
  return JS_A32 ??= a32.slice();
}

globalThis.addEventListener("unload", () => {
  if (sink === 0.123) console.log(sink);
});
