// Side-by-side kernel timings: Tessera and NumPy on the same 16M-element data,
// in the same run, best of several repetitions each, with the ratio.
//
//   deno run -A bench/compare_numpy.ts [--n 16777216] [--reps 7] [--markdown]
//
// NumPy comes from Debian's python3-numpy (/usr/bin/python3); numexpr is used
// when python3-numexpr is installed. The machine is noisy: compare ratios from
// one run, not absolute times across runs.

import { parseArgs } from "node:util";
import { empty, NDArray } from "../core/ndarray.ts";
import { max, mean, std, sum } from "../core/reduce.ts";
import { add, multiply, sqrt } from "../core/ufunc.ts";
import { fillUniform } from "../core/random.ts";
import { compileMap } from "../core/_wasm/kernels.ts";
import type { MapExpr } from "../core/_wasm/map.ts";
import { writeNpy } from "../io/npy.ts";

const { values: opts } = parseArgs({
  args: Deno.args,
  options: {
    n: { type: "string", default: String(1 << 24) },
    reps: { type: "string", default: "7" },
    markdown: { type: "boolean", default: false },
  },
});
const n = Number(opts.n);
const reps = Number(opts.reps);
const PY = Deno.env.get("TESSERA_PYTHON") ?? "/usr/bin/python3";

function best(fn: () => unknown): number {
  fn(); // warm up (JIT, page faults)
  let t = Infinity;
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    fn();
    t = Math.min(t, performance.now() - t0);
  }
  return t;
}

const u = new Float64Array(n);
fillUniform(u, { shape: [n], seed: 7 });
const a64 = new NDArray("float64", u, [n]);
const a32 = a64.astype("float32");
const out64 = empty([n], "float64");
const out32 = empty([n], "float32");
const x: MapExpr = { op: "input", index: 0 };
const mapExpr: MapExpr = {
  op: "mul",
  a: { op: "sqrt", arg: { op: "add", a: { op: "mul", a: x, b: x }, b: { op: "const", value: 1 } } },
  b: { op: "const", value: 0.5 },
};
const map64 = compileMap(mapExpr, "float64");
const map32 = compileMap(mapExpr, "float32");

const ours: Record<string, number> = {
  "sum f64": best(() => sum(a64)),
  "sum f32": best(() => sum(a32)),
  "mean f64": best(() => mean(a64)),
  "std f64": best(() => std(a64)),
  "std f32": best(() => std(a32)),
  "max f64": best(() => max(a64)),
  "sqrt(a*a+1)*0.5 f64, fused": best(() => map64!.run(out64.data, [a64.data])),
  "sqrt(a*a+1)*0.5 f32, fused": best(() => map32!.run(out32.data, [a32.data])),
  "sqrt(a*a+1)*0.5 f64, ufunc calls with out": best(() => {
    multiply(a64, a64, { out: out64 });
    add(out64, 1, { out: out64 });
    sqrt(out64, { out: out64 });
    multiply(out64, 0.5, { out: out64 });
  }),
};

// ---- NumPy on the same data ----
const dir = await Deno.makeTempDir({ prefix: "tessera-bench-" });
await writeNpy(`${dir}/a64.npy`, a64);
const script = `
import json, sys, time
import numpy as np
reps = int(sys.argv[2])
a64 = np.load(sys.argv[1]); a32 = a64.astype(np.float32)
o64 = np.empty_like(a64); o32 = np.empty_like(a32)
def best(f):
    f(); t = float("inf")
    for _ in range(reps):
        t0 = time.perf_counter(); f(); t = min(t, time.perf_counter() - t0)
    return t * 1000
def inplace(a, o):
    np.multiply(a, a, out=o); np.add(o, 1, out=o); np.sqrt(o, out=o); np.multiply(o, 0.5, out=o)
r = {
  "sum f64": best(lambda: a64.sum()), "sum f32": best(lambda: a32.sum()),
  "mean f64": best(lambda: a64.mean()), "std f64": best(lambda: a64.std()),
  "std f32": best(lambda: a32.std()), "max f64": best(lambda: a64.max()),
  "sqrt(a*a+1)*0.5 f64, fused": best(lambda: inplace(a64, o64)),
  "sqrt(a*a+1)*0.5 f32, fused": best(lambda: inplace(a32, o32)),
  "sqrt(a*a+1)*0.5 f64, ufunc calls with out": best(lambda: inplace(a64, o64)),
}
try:
    import numexpr as ne
    ne.set_num_threads(2)
    r["numexpr f64 (2 threads)"] = best(lambda: ne.evaluate("sqrt(a64*a64+1)*0.5", out=o64))
    r["numexpr f32 (2 threads)"] = best(lambda: ne.evaluate("sqrt(a32*a32+1)*0.5", out=o32, casting="unsafe"))
except ImportError:
    pass
r["version"] = np.__version__
print(json.dumps(r))
`;
let theirs: Record<string, number | string> = {};
try {
  const res = await new Deno.Command(PY, {
    args: ["-c", script, `${dir}/a64.npy`, String(reps)],
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!res.success) throw new Error(new TextDecoder().decode(res.stderr));
  theirs = JSON.parse(new TextDecoder().decode(res.stdout));
} catch (e) {
  console.error(`NumPy side failed: ${e instanceof Error ? e.message : e}`);
} finally {
  await Deno.remove(dir, { recursive: true });
}

const rows: string[][] = [];
for (const [op, t] of Object.entries(ours)) {
  const np = theirs[op];
  const bytes = (op.includes("f32") ? 4 : 8) * n;
  rows.push([
    op,
    t.toFixed(1),
    (bytes / t / 1e6).toFixed(1),
    typeof np === "number" ? np.toFixed(1) : "-",
    typeof np === "number" ? (np / t).toFixed(2) : "-",
  ]);
}
for (const k of ["numexpr f64 (2 threads)", "numexpr f32 (2 threads)"]) {
  const v = theirs[k];
  if (typeof v === "number") rows.push([k, "-", "-", v.toFixed(1), "-"]);
}
const head = [
  `operation (${n} elements)`,
  "Tessera ms",
  "Tessera GB/s",
  "NumPy ms",
  "NumPy/Tessera",
];
console.log(
  `n = ${n}, best of ${reps}; NumPy ${
    theirs.version ?? "n/a"
  }; Deno ${Deno.version.deno}; ${navigator.hardwareConcurrency} cores`,
);
if (opts.markdown) {
  console.log(`| ${head.join(" | ")} |\n|${head.map(() => " --- ").join("|")}|`);
  for (const r of rows) console.log(`| ${r.join(" | ")} |`);
} else {
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]): string =>
    r.map((c, i) => (i ? c.padStart(w[i]) : c.padEnd(w[i]))).join("  ");
  console.log(line(head));
  for (const r of rows) console.log(line(r));
}
