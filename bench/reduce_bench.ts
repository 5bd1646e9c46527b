// Hot float reductions (core/reduce.ts) on 16M elements: float32 and float64,
// data in a plain JS typed array and in wasm arena memory (as the IO layers
// read it). GB/s = 16M * element bytes / time per iteration (64 MiB for
// float32, 128 MiB for float64); e.g. 10 ms on float32 is 6.7 GB/s.
//
// Targets (2 GiB float32, PERFORMANCE.md): sum/mean over axis 0 >= 7 GB/s
// (NumPy on a memmap: 0.28 s), std over all >= 4.5 GB/s (half NumPy's 0.95 s).
//
//   deno bench -A bench/reduce_bench.ts

import { fromTypedArray } from "../core/ndarray.ts";
import { type ReduceOptions, type ReductionName, REDUCTIONS } from "../core/reduce.ts";
import { wasmArena } from "../core/_wasm/arena.ts";

const N = 16 << 20;
const SQUARE = [4096, 4096];

const CASES: [string, ReductionName, ReduceOptions, number[]][] = [
  ["sum all", "sum", {}, [N]],
  ["sum axis 0", "sum", { axis: 0 }, SQUARE],
  ["mean axis 0", "mean", { axis: 0 }, SQUARE],
  ["std all", "std", {}, [N]],
  ["std axis 0", "std", { axis: 0 }, SQUARE],
  ["min all", "min", {}, [N]],
  ["max all", "max", {}, [N]],
];

const arena = wasmArena();
for (const dtype of ["float32", "float64"] as const) {
  const Ctor = dtype === "float32" ? Float32Array : Float64Array;
  const plain = new Ctor(N);
  for (let i = 0; i < N; i++) plain[i] = Math.sin(i) * 3 + 1;
  const inArena = arena.alloc(N * Ctor.BYTES_PER_ELEMENT).view(Ctor as typeof Float64Array, N);
  inArena.set(plain);
  for (const [label, name, options, shape] of CASES) {
    const group = `${dtype} ${label}`;
    for (const [where, data] of [["plain", plain], ["arena", inArena]] as const) {
      const a = fromTypedArray(data, shape);
      Deno.bench({
        name: `${group} (${where})`,
        group,
        baseline: where === "plain",
        n: 20,
        warmup: 3,
        fn() {
          REDUCTIONS[name](a, options);
        },
      });
    }
  }
}
