// The core kernels through the public API on 16M float64 elements:
// sum, mean, std, and the map sqrt(a*a+1)*0.5 fused (one WebAssembly SIMD
// loop) and as four ufunc calls reusing one output buffer.
//
//   deno bench -A bench/kernels_bench.ts
//
// For the same operations in NumPy on the same data, in the same run, with
// ratios: deno run -A bench/compare_numpy.ts

import { empty, NDArray } from "../core/ndarray.ts";
import { fillUniform } from "../core/random.ts";
import { mean, std, sum } from "../core/reduce.ts";
import { add, multiply, sqrt } from "../core/ufunc.ts";
import { compileMap } from "../core/_wasm/kernels.ts";
import type { MapExpr } from "../core/_wasm/map.ts";

const N = 1 << 24;
const u = new Float64Array(N);
fillUniform(u, { shape: [N], seed: 7 });
const a = new NDArray("float64", u, [N]);
const out = empty([N], "float64");
const x: MapExpr = { op: "input", index: 0 };
const fused = compileMap({
  op: "mul",
  a: { op: "sqrt", arg: { op: "add", a: { op: "mul", a: x, b: x }, b: { op: "const", value: 1 } } },
  b: { op: "const", value: 0.5 },
}, "float64")!;

Deno.bench({ name: "sum, 16M float64", group: "reduce", baseline: true, fn: () => void sum(a) });
Deno.bench({ name: "mean, 16M float64", group: "reduce", fn: () => void mean(a) });
Deno.bench({ name: "std, 16M float64", group: "reduce", fn: () => void std(a) });
Deno.bench({
  name: "sqrt(a*a+1)*0.5 fused, 16M float64",
  group: "map",
  baseline: true,
  fn: () => fused.run(out.data, [a.data]),
});
Deno.bench({
  name: "sqrt(a*a+1)*0.5 as ufunc calls with out, 16M float64",
  group: "map",
  fn: () => {
    multiply(a, a, { out });
    add(out, 1, { out });
    sqrt(out, { out });
    multiply(out, 0.5, { out });
  },
});
