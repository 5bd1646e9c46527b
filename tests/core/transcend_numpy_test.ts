// Every SIMD transcendental kernel (core/_wasm/transcend.ts, _vmath.ts)
// against NumPy on 1e6 values per function (TESSERA_TRANSCEND_N=1e7 for the bar):
// the edge cases (0, -0, the smallest and largest subnormals, 1e-300, huge
// arguments, +-inf, NaN, the overflow thresholds of exp/expm1/sinh/cosh/tanh,
// log1p near -1, multiples of pi/2), then random values over each
// function's meaningful ranges. The error is measured in ulps of NumPy's
// result (|ours - numpy| / ulp(numpy)); NaN, inf and signed-zero positions
// must be identical. float32 is checked against NumPy's float64 function of
// the float32 input rounded to float32 (NumPy's own float32 loops are several
// ulp off for some functions), within 2 ulp.
//
// One Python call per function writes its reference; the comparison is in bulk.

import assert from "node:assert/strict";
import { TRANSCEND_OPS, TRIG_LIMIT } from "../../core/_wasm/transcend.ts";
import { NDArray } from "../../core/ndarray.ts";
import * as ufunc from "../../core/ufunc.ts";
import { hasPython, runPython, tempDir, xorshift } from "../_util.ts";
import { power } from "../../core/_wasm/power.ts";

const N = Number(Deno.env.get("TESSERA_TRANSCEND_N") ?? 1e6);

const EDGE = [
  0,
  -0,
  5e-324,
  -5e-324,
  2.225073858507201e-308,
  -2.225073858507201e-308,
  2.2250738585072014e-308,
  1e-310,
  1e-300,
  -1e-300,
  1e-20,
  1.4901161193847656e-8,
  1,
  -1,
  2,
  0.5,
  8,
  10,
  100,
  1000,
  1024,
  1e22,
  1e300,
  -1e300,
  Number.MAX_VALUE,
  -Number.MAX_VALUE,
  Infinity,
  -Infinity,
  NaN,
  709.782712893384,
  709.7827128933841,
  710,
  710.4758600739439,
  710.476,
  -708.4,
  -745.1332191019411,
  -745.14,
  -746,
  36.7368005696771,
  37.5,
  44.4,
  19.06,
  22,
  22.1,
  -22,
  0.5493061443340549,
  0.25541281188299536,
  0.34657359027997264,
  -0.9999999999999999,
  -1 + 2 ** -30,
  -0.5,
  -0.2928932188134524,
  0.41421356237309503,
  Math.PI,
  Math.PI / 2,
  Math.PI / 4,
  3 * Math.PI / 2,
  -Math.PI / 2,
  0.6744,
  355,
  103993,
  TRIG_LIMIT,
  TRIG_LIMIT * (1 + 2 ** -52),
  2 ** 52,
  7 / 16,
  11 / 16,
  19 / 16,
  39 / 16,
  2 ** 66,
  2 ** -27,
  2 ** -28,
  2 ** -54,
  2 ** -55,
];

/** Deterministic values: the edge cases, then a mix of ranges and scales. */
function values(n: number): Float64Array<ArrayBuffer> {
  const v = new Float64Array(n);
  const edge = EDGE.flatMap((x) => [x, -x]);
  v.set(edge.slice(0, n));
  const next = xorshift(0x9e3779b9);
  for (let i = edge.length; i < n; i++) {
    const u = next();
    switch (i % 8) {
      case 0: // exp's whole range and past it
        v[i] = (u - 0.5) * 1500;
        break;
      case 1: // every binade, both signs
        v[i] = (next() < 0.5 ? -1 : 1) * (1 + u) * 2 ** Math.floor(next() * 2098 - 1074);
        break;
      case 2: // near multiples of pi/2 (cancellation in the reduction)
        v[i] = Math.round(next() * 2 ** 20) * (Math.PI / 2) * (1 + (u - 0.5) * 2 ** -40);
        break;
      case 3: // up to the trig limit
        v[i] = (u - 0.5) * 2 * TRIG_LIMIT * next() ** 4;
        break;
      case 4: // near 1, near -1 (log1p)
        v[i] = (next() < 0.5 ? -1 : 1) * (1 + (u - 0.5) * 2 ** -Math.floor(next() * 53));
        break;
      case 5: // the hyperbolic functions' range
        v[i] = (u - 0.5) * 60;
        break;
      case 6: // every binade below 1
        v[i] = (next() < 0.5 ? -1 : 1) * (1 + u) * 2 ** -Math.floor(next() * 60);
        break;
      default:
        v[i] = (u - 0.5) * 8;
    }
  }
  return v;
}

/** ulp of each float64 exponent field value (0: subnormals). */
const ULP64 = Float64Array.from({ length: 2048 }, (_, e) => 2 ** (Math.max(e, 1) - 1075));
const ULP32 = Float64Array.from({ length: 256 }, (_, e) => 2 ** (Math.max(e, 1) - 150));

/**
 * The max distance from `want` in its own ulps, and its index; Infinity where
 * NaN, inf or a zero's sign differs.
 */
function worst(
  got: Float64Array | Float32Array,
  want: Float64Array | Float32Array,
): [number, number] {
  const f64 = want instanceof Float64Array;
  const hi = f64
    ? new Uint32Array(want.buffer, want.byteOffset, want.length * 2)
    : new Uint32Array(want.buffer, want.byteOffset, want.length);
  let w = 0, at = -1;
  for (let i = 0; i < want.length; i++) {
    const a = got[i], b = want[i];
    let d: number;
    if (a === b) d = a === 0 && !Object.is(a, b) ? Infinity : 0;
    else if (Number.isFinite(a) && Number.isFinite(b)) {
      d = Math.abs(a - b) /
        (f64 ? ULP64[(hi[2 * i + 1] >>> 20) & 0x7ff] : ULP32[(hi[i] >>> 23) & 0xff]);
    } else d = Number.isNaN(a) && Number.isNaN(b) ? 0 : Infinity;
    if (d > w) w = d, at = i;
  }
  return [w, at];
}

Deno.test({
  name: "every SIMD transcendental kernel is within ~1 ulp of NumPy (float64) and 2 ulp (float32)",
  ignore: !hasPython("numpy"),
  async fn() {
    await using dir = await tempDir();
    const x = values(N);
    const x32 = Float32Array.from(x);
    await Deno.writeFile(`${dir.path}/x.f64`, new Uint8Array(x.buffer));
    await Deno.writeFile(`${dir.path}/x.f32`, new Uint8Array(x32.buffer));
    const a = new NDArray("float64", x, [x.length]);
    const a32 = new NDArray("float32", x32, [x32.length]);
    const report: string[] = [], bad: string[] = [];
    for (const op of TRANSCEND_OPS) {
      await runPython(
        `import numpy as np, sys
d, name = sys.argv[1], sys.argv[2]
f = getattr(np, name)
x = np.fromfile(d + "/x.f64", dtype="<f8")
with np.errstate(all="ignore"):
    f(x.astype(np.longdouble)).astype("<f8").tofile(d + "/ref.f64")
    f(x).tofile(d + "/np.f64")
    x = np.fromfile(d + "/x.f32", dtype="<f4").astype(np.longdouble)
    f(x).astype("<f4").tofile(d + "/ref.f32")`,
        dir.path,
        op,
      );
      const want = new Float64Array((await Deno.readFile(`${dir.path}/ref.f64`)).buffer);
      const want32 = new Float32Array((await Deno.readFile(`${dir.path}/ref.f32`)).buffer);
      const np64 = new Float64Array((await Deno.readFile(`${dir.path}/np.f64`)).buffer);
      const f = ufunc[op] as (x: NDArray) => NDArray;
      const got = f(a).data as Float64Array;
      const [w64, i64] = worst(got, want);
      const [w32, i32] = worst(f(a32).data as Float32Array, want32);
      const [npOurs] = worst(got, np64), [npTrue] = worst(np64, want);
      report.push(
        `${op} ${w64.toFixed(2)} f32 ${w32.toFixed(2)} (vs numpy f64 ${npOurs.toFixed(2)}, numpy ${
          npTrue.toFixed(2)
        })`,
      );
      if (w64 > 1) {
        bad.push(`${op}(${x[i64]}): ${f(a).data[i64]}, NumPy ${want[i64]}: ${w64} ulp`);
      }
      if (w32 > 2) bad.push(`float32 ${op}(${x32[i32]}): NumPy ${want32[i32]}: ${w32} ulp`);
    }
    console.log(`max ulps from NumPy over ${N} values: ${report.join("; ")}`);
    assert.deepEqual(bad, []);
  },
});

/** Exponents paired with the values: integers, reals, the edge cases. */
function exponents(n: number): Float64Array<ArrayBuffer> {
  const v = new Float64Array(n);
  const edge = [0, -0, 1, -1, 2, 0.5, -0.5, 3, Infinity, -Infinity, NaN, 1e300, 2 ** 31, 1e-300];
  const next = xorshift(0x1234567);
  for (let i = 0; i < n; i++) {
    const u = next();
    v[i] = i % 5 === 0
      ? edge[(i / 5) % edge.length]
      : i % 5 === 1
      ? Math.round((u - 0.5) * 60)
      : i % 5 === 2
      ? (u - 0.5) * 8
      : (u - 0.5) * 600 / (1 + Math.abs(Math.log2(Math.abs((i * 0.37) % 97) + 1e-3)) * 20);
  }
  return v;
}

const SCALARS = [2, 3, -1, -2, 0.5, -2.5, 0, 1e-3, 7, 1 / 3, NaN, Infinity];

Deno.test({
  name: "the SIMD power kernel is within 1 ulp of NumPy (long double reference), float32 within 2",
  ignore: !hasPython("numpy"),
  async fn() {
    await using dir = await tempDir();
    const x = values(N), y = exponents(N);
    await Deno.writeFile(`${dir.path}/x.f64`, new Uint8Array(x.buffer));
    await Deno.writeFile(`${dir.path}/y.f64`, new Uint8Array(y.buffer));
    await runPython(
      `import numpy as np, sys
d, scalars = sys.argv[1], [float(s) for s in sys.argv[2].split(",")]
x = np.fromfile(d + "/x.f64", dtype="<f8")
y = np.fromfile(d + "/y.f64", dtype="<f8")
L = np.longdouble
with np.errstate(all="ignore"):
    np.power(x.astype(L), y.astype(L)).astype("<f8").tofile(d + "/ref.f64")
    np.power(x.astype("<f4").astype(L), y.astype("<f4").astype(L)).astype("<f4").tofile(d + "/ref.f32")
    np.concatenate([np.power(x.astype(L), L(s)).astype("<f8") for s in scalars]).tofile(d + "/refs.f64")`,
      dir.path,
      SCALARS.join(","),
    );
    const read64 = async (f: string) =>
      new Float64Array((await Deno.readFile(`${dir.path}/${f}`)).buffer);
    const want = await read64("ref.f64"), wantS = await read64("refs.f64");
    const want32 = new Float32Array((await Deno.readFile(`${dir.path}/ref.f32`)).buffer);
    // the SIMD kernel (core/_wasm/power.ts), and the power ufunc (JS loop)
    const out = new Float64Array(N), out32 = new Float32Array(N);
    assert.ok(power(out, x, y), "this engine has no WebAssembly simd128");
    const [w64, i64] = worst(out, want);
    assert.ok(power(out32, Float32Array.from(x), Float32Array.from(y)));
    const [w32, i32] = worst(out32, want32);
    let wS = 0, sAt = "";
    for (const [k, s] of SCALARS.entries()) {
      power(out, x, s);
      const [w, i] = worst(out, wantS.subarray(k * N, (k + 1) * N));
      if (w > wS) wS = w, sAt = `${x[i]} ** ${s}`;
    }
    const a = new NDArray("float64", x, [N]), b = new NDArray("float64", y, [N]);
    const [wU] = worst(ufunc.power(a, b).data as Float64Array, want);
    console.log(
      `power: max ulps over ${N} pairs: float64 ${w64}, float32 ${w32}, scalar exponents ${wS} (ufunc ${wU})`,
    );
    assert.ok(w64 <= 1, `${x[i64]} ** ${y[i64]}: ${w64} ulp`);
    assert.ok(w32 <= 2, `float32 ${Math.fround(x[i32])} ** ${Math.fround(y[i32])}: ${w32} ulp`);
    assert.ok(wS <= 1, `${sAt}: ${wS} ulp`);
    assert.ok(wU <= 1, `ufunc power: ${wU} ulp`);
  },
});
