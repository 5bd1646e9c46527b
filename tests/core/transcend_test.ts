// The float64 exp/log/sin/cos SIMD kernels (core/_wasm/transcend.ts) against
// NumPy and against Math.* (V8's fdlibm), on 1e6 values per op including the edge cases:
// 0, -0, subnormals, huge arguments, +-inf, NaN, values near multiples of
// pi/2, the overflow and underflow thresholds of exp, log near 1.

import assert from "node:assert/strict";
import { transcendF64, transcendScalar, TRIG_LIMIT } from "../../core/_wasm/transcend.ts";
import { NDArray } from "../../core/ndarray.ts";
import { cos, exp, log, sin } from "../../core/ufunc.ts";
import { hasPython, runPython, tempDir, xorshift } from "./../_util.ts";

const OPS = ["exp", "log", "sin", "cos"] as const;

/** Monotonic integer image of a double (-0 and +0 both map to 0). */
function ord(x: number): bigint {
  const b = new BigInt64Array(new Float64Array([x]).buffer)[0];
  return b >= 0n ? b : -(b & 0x7fffffffffffffffn);
}

/** Distance in ulps (0 for two NaNs, Infinity for NaN against a number or a zero of the other sign). */
function ulps(a: number, b: number): number {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) && Number.isNaN(b) ? 0 : Infinity;
  if (a === 0 && b === 0) return Object.is(a, b) ? 0 : Infinity;
  const d = ord(a) - ord(b);
  return Number(d < 0n ? -d : d);
}

/** Distance in float32 ulps. */
function ulps32(a: number, b: number): number {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) && Number.isNaN(b) ? 0 : Infinity;
  if (a === 0 && b === 0) return Object.is(a, b) ? 0 : Infinity;
  const o = (x: number): number => {
    const i = new Int32Array(new Float32Array([x]).buffer)[0];
    return i >= 0 ? i : -(i & 0x7fffffff);
  };
  return Math.abs(o(a) - o(b));
}

const EDGE = [
  0,
  -0,
  5e-324,
  -5e-324,
  2.2250738585072014e-308,
  -2.2250738585072014e-308,
  1e-310,
  1e-300,
  1.4901161193847656e-8,
  7.450580596923828e-9,
  1e-20,
  Infinity,
  -Infinity,
  NaN,
  1,
  -1,
  Number.MAX_VALUE,
  -Number.MAX_VALUE,
  1e300,
  1e22,
  2 ** 52,
  2 ** 53 + 2,
  1e6,
  TRIG_LIMIT,
  TRIG_LIMIT * (1 + 2 ** -52),
  709.782712893384,
  709.7827128933841,
  709.79,
  710,
  -708.39,
  -708.4,
  -744.44,
  -745.1332191019411,
  -745.14,
  -746,
  1 + 1e-10,
  1 - 1e-10,
  0.5,
  2,
  Math.PI,
  Math.PI / 2,
  Math.PI / 4,
  3 * Math.PI / 2,
  355,
  103993,
  1.5707963267948966e5,
];

/** Deterministic test values: the edge cases, then a mix of scales and signs. */
function values(n: number): Float64Array<ArrayBuffer> {
  const v = new Float64Array(n);
  v.set(EDGE.slice(0, n));
  const next = xorshift(0x2545f491);
  for (let i = EDGE.length; i < n; i++) {
    const u = next();
    switch (i % 6) {
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
      case 4: // near 1 (log) and near 0
        v[i] = 1 + (u - 0.5) * 2 ** -Math.floor(next() * 50);
        break;
      default:
        v[i] = (u - 0.5) * 20;
    }
  }
  return v;
}

Deno.test("transcendF64() is within 1 ulp of Math.* and gives its specials exactly", () => {
  const x = values(1_000_000);
  const out = new Float64Array(x.length);
  for (const op of OPS) {
    assert.ok(transcendF64(op, out, x), "this engine has no WebAssembly simd128");
    const f = Math[op];
    let worst = 0;
    for (let i = 0; i < x.length; i++) {
      const d = ulps(out[i], f(x[i]));
      if (d > worst) worst = d;
      if (d > 1) assert.fail(`${op}(${x[i]}): ${out[i]}, Math.${op} gives ${f(x[i])}`);
    }
    for (let i = 0; i < EDGE.length; i++) {
      const want = f(EDGE[i]);
      if (!Number.isFinite(want) || want === 0) {
        assert.ok(Object.is(out[i], want), `${op}(${EDGE[i]})`);
      }
    }
  }
});

Deno.test("transcendF64() works in place and on lengths not a multiple of the vector", () => {
  for (const n of [1, 2, 3, 8191, 8193, 20001]) {
    const x = values(n);
    const want = x.map(Math.sin);
    transcendF64("sin", x, x);
    for (let i = 0; i < n; i++) assert.ok(ulps(x[i], want[i]) <= 1, `n ${n}, element ${i}`);
  }
});

Deno.test({
  name: "sin/cos/exp/log are as close to NumPy as Math.* (+1 ulp) in float64 and float32",
  ignore: !hasPython("numpy"),
  async fn() {
    await using dir = await tempDir();
    const x = values(1_000_000);
    await Deno.writeFile(`${dir.path}/x.f64`, new Uint8Array(x.buffer));
    await runPython(
      `import numpy as np, sys
d = sys.argv[1]
x = np.fromfile(d + "/x.f64", dtype="<f8")
with np.errstate(all="ignore"):
    for name in ["exp", "log", "sin", "cos"]:
        getattr(np, name)(x).tofile(d + "/" + name + ".f64")
        getattr(np, name)(x.astype("<f4")).tofile(d + "/" + name + ".f32")`,
      dir.path,
    );
    const a = new NDArray("float64", x, [x.length]);
    const fns = { exp, log, sin, cos };
    const report: string[] = [];
    for (const op of OPS) {
      const want = new Float64Array((await Deno.readFile(`${dir.path}/${op}.f64`)).buffer);
      const got = fns[op](a).data as Float64Array;
      let worst = 0, worstMath = 0, worstAt = 0;
      for (let i = 0; i < x.length; i++) {
        const d = ulps(got[i], want[i]);
        const dMath = ulps(Math[op](x[i]), want[i]);
        if (d > Math.max(dMath + 1, 2)) {
          assert.fail(`${op}(${x[i]}): ${got[i]}, NumPy ${want[i]}, Math.${op} ${Math[op](x[i])}`);
        }
        if (d > worst) worstAt = i;
        worst = Math.max(worst, d);
        worstMath = Math.max(worstMath, dMath);
      }
      report.push(`${op} ${worst} ulp at ${x[worstAt]} (Math.${op}: ${worstMath})`);
    }
    // float32: NumPy has its own float32 loops (some several ulp off); ours is
    // float64 rounded once, so as close as Math.* rounded to float32 (+1 ulp)
    const x32 = Float32Array.from(x);
    const a32 = new NDArray("float32", x32, [x32.length]);
    for (const op of OPS) {
      const want = new Float32Array((await Deno.readFile(`${dir.path}/${op}.f32`)).buffer);
      const got = fns[op](a32).data as Float32Array;
      let worst = 0, worstMath = 0;
      for (let i = 0; i < x32.length; i++) {
        const d = ulps32(got[i], want[i]);
        const dMath = ulps32(Math.fround(Math[op](x32[i])), want[i]);
        if (d > Math.max(dMath + 1, 2)) {
          assert.fail(`float32 ${op}(${x32[i]}): ${got[i]}, NumPy gives ${want[i]}`);
        }
        worst = Math.max(worst, d);
        worstMath = Math.max(worstMath, dMath);
      }
      report.push(`float32 ${op} ${worst} ulp (rounded Math.${op}: ${worstMath})`);
    }
    console.log(`max ulp difference from NumPy: ${report.join(", ")}`);
  },
});

Deno.test("sin/cos/exp/log give the same bits for any layout, float32 the float64 kernel rounded once", () => {
  const x = values(3000);
  const a = new NDArray("float64", x, [1000, 3]);
  const col = a.slice(":, 1");
  for (const [op, f] of [["sin", sin], ["cos", cos], ["exp", exp], ["log", log]] as const) {
    const whole = f(a).data as Float64Array;
    const strided = f(col).data as Float64Array;
    for (let i = 0; i < 1000; i++) {
      assert.ok(Object.is(strided[i], whole[3 * i + 1]), `${op}[${i}]`);
    }
    const transposed = f(a.transpose());
    for (let i = 0; i < 3; i++) {
      for (let j = 0; j < 1000; j++) {
        assert.ok(Object.is(transposed.get(i, j), whole[3 * j + i]));
      }
    }
    const short = f(new NDArray("float64", x.slice(0, 5), [5])).data as Float64Array;
    for (let i = 0; i < 5; i++) assert.ok(Object.is(short[i], whole[i]), `${op} short [${i}]`);
    const f32 = f(a.astype("float32")).data as Float32Array;
    const f32col = f(a.astype("float32").slice(":, 2")).data as Float32Array;
    for (let i = 0; i < 3000; i++) {
      const want = Math.fround(transcendScalar(op, Math.fround(x[i])));
      assert.ok(Object.is(f32[i], want), `${op} float32 [${i}]`);
      if (i % 3 === 2) assert.ok(Object.is(f32col[(i - 2) / 3], want), `${op} float32 column`);
    }
  }
});
