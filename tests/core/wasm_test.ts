import assert from "node:assert/strict";
import { ModuleBuilder, Op, Simd, sleb, T, uleb } from "../../core/_wasm/_builder.ts";
import { ensureInWasm, WasmArena, wasmArena } from "../../core/_wasm/arena.ts";
import {
  addRowsF32,
  addRowsF64,
  compileMap,
  finishSum,
  type MapExpr,
  minMaxF32,
  minMaxF64,
  reductionKernels,
  sumF32,
  sumF64,
  sumSqDevF32,
  sumSqDevF64,
  sumSqDevRowsF32,
  sumSqDevRowsF64,
} from "../../core/_wasm/kernels.ts";
import { BLOCK, ROW_GROUP } from "../../core/_wasm/_gen.ts";
import { powerScalar } from "../../core/_wasm/power.ts";
import { type TranscendOp, transcendScalar, TRIG_LIMIT } from "../../core/_wasm/transcend.ts";

const LENGTHS = [0, 1, 3, 17, 4099, 1_000_003];

/** Deterministic uniform numbers in [lo, hi). */
function random(n: number, seed: number, lo = -1, hi = 1): Float64Array {
  let s = seed >>> 0;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = lo + (hi - lo) * (((t ^ (t >>> 14)) >>> 0) / 4294967296);
  }
  return out;
}

function neumaier(st: { s: number; c: number }, x: number): void {
  const t = st.s + x;
  st.c += Math.abs(st.s) >= Math.abs(x) ? (st.s - t) + x : (x - t) + st.s;
  st.s = t;
}

/** The kernels' documented summation order, in plain JS (must match bit for bit). */
function blockedSumRef(a: ArrayLike<number>, f: (x: number) => number = (x) => x): number {
  const n = a.length;
  const full = n - (n % 8);
  const st = { s: 0, c: 0 };
  for (let b0 = 0; b0 < full; b0 += BLOCK) {
    const b1 = Math.min(b0 + BLOCK, full);
    const l = new Array<number>(8).fill(0);
    for (let i = b0; i < b1; i++) l[i % 8] += f(a[i]);
    neumaier(st, ((l[0] + l[2]) + (l[4] + l[6])) + ((l[1] + l[3]) + (l[5] + l[7])));
  }
  let t = 0;
  for (let i = full; i < n; i++) t += f(a[i]);
  neumaier(st, t);
  return finishSum(st.s, st.c);
}

/** A careful independent reference: compensated sum in order. */
function compensatedSum(a: ArrayLike<number>, f: (x: number) => number = (x) => x): number {
  const st = { s: 0, c: 0 };
  for (let i = 0; i < a.length; i++) neumaier(st, f(a[i]));
  return st.s + st.c;
}

function rowsRef(
  a: ArrayLike<number>,
  cols: number,
  f: (x: number, j: number) => number,
): Float64Array {
  const rows = a.length / cols;
  const out = new Float64Array(cols);
  for (let j = 0; j < cols; j++) {
    const st = { s: 0, c: 0 };
    for (let r0 = 0; r0 < rows; r0 += ROW_GROUP) {
      const r1 = Math.min(r0 + ROW_GROUP, rows);
      let g = f(a[r0 * cols + j], j);
      for (let r = r0 + 1; r < r1; r++) g += f(a[r * cols + j], j);
      neumaier(st, g);
    }
    out[j] = finishSum(st.s, st.c);
  }
  return out;
}

function assertSameFloats(actual: ArrayLike<number>, expected: ArrayLike<number>, what = ""): void {
  assert.equal(actual.length, expected.length, `${what} length`);
  for (let i = 0; i < expected.length; i++) {
    if (!Object.is(actual[i], expected[i])) {
      assert.fail(`${what}[${i}]: got ${actual[i]}, expected ${expected[i]}`);
    }
  }
}

function jsMinMax(a: ArrayLike<number>): [number, number] {
  let mn = Infinity, mx = -Infinity;
  for (let i = 0; i < a.length; i++) {
    if (a[i] !== a[i]) return [NaN, NaN];
    if (a[i] < mn) mn = a[i];
    if (a[i] > mx) mx = a[i];
  }
  return [mn, mx];
}

// ---- builder -------------------------------------------------------------

Deno.test("uleb()/sleb() encode LEB128 like the spec examples", () => {
  assert.deepEqual(uleb(0), [0]);
  assert.deepEqual(uleb(624485), [0xe5, 0x8e, 0x26]);
  assert.deepEqual(sleb(-123456), [0xc0, 0xbb, 0x78]);
  assert.deepEqual(sleb(63), [0x3f]);
  assert.deepEqual(sleb(64), [0xc0, 0x00]);
  assert.deepEqual(sleb(-1), [0x7f]);
});

Deno.test("ModuleBuilder emits a valid SIMD module that runs", () => {
  const memory = new WebAssembly.Memory({ initial: 1, maximum: 2 });
  const m = new ModuleBuilder({ initial: 1, maximum: 2, shared: false });
  m.func("dot2", [T.i32], [T.f64], (c) => {
    // (x[0]*x[1] + x[2]*x[3]) over f64x2 lanes
    c.get(0).vmem(Simd.v128_load).get(0).vmem(Simd.v128_load, 16).simd(Simd.f64x2_mul);
    const v = c.local(T.v128);
    c.tee(v).simd(Simd.f64x2_extract_lane, 0).get(v).simd(Simd.f64x2_extract_lane, 1);
    c.op(Op.f64_add);
  });
  const bytes = m.build();
  assert.equal(WebAssembly.validate(bytes), true);
  const inst = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } });
  new Float64Array(memory.buffer, 64, 4).set([2, 3, 5, 7]);
  assert.equal((inst.exports.dot2 as (p: number) => number)(64), 2 * 5 + 3 * 7);
});

// ---- arena ---------------------------------------------------------------

Deno.test("WasmArena.alloc() hands out 4096-aligned regions and reuses freed ones", () => {
  const arena = new WasmArena({ initialBytes: 1 << 16 });
  const a = arena.alloc(10);
  const b = arena.alloc(5000);
  const c = arena.alloc(1);
  for (const r of [a, b, c]) assert.equal(r.ptr % 4096, 0);
  assert.equal(b.ptr, a.ptr + 4096);
  assert.equal(c.ptr, b.ptr + 8192);
  b.free();
  b.free(); // idempotent
  const d = arena.alloc(8192);
  assert.equal(d.ptr, b.ptr);
  a.free();
  d.free();
  c.free();
  assert.equal(arena.usedBytes, 0);
  assert.equal(arena.alloc(3 * 4096).ptr, a.ptr); // coalesced
});

Deno.test("WasmArena keeps views valid across memory growth (shared memory)", () => {
  const arena = new WasmArena({ initialBytes: 1 << 16 });
  const r = arena.alloc(4096);
  const old = r.f32;
  old.set([1.5, 2.5, 3.5]);
  const before = arena.byteLength;
  const big = arena.alloc(8 << 20); // forces growth
  assert.ok(arena.byteLength > before);
  assert.equal(old.length, 1024); // not detached
  assert.deepEqual([...old.subarray(0, 3)], [1.5, 2.5, 3.5]);
  assert.deepEqual([...r.f32.subarray(0, 3)], [1.5, 2.5, 3.5]);
  assert.equal(arena.contains(old), true);
  assert.equal(arena.contains(big.f64), true);
  assert.equal(arena.contains(new Float32Array(4)), false);
});

Deno.test("ArenaSpan getters re-derive views after growth of a non-shared arena", () => {
  const arena = new WasmArena({ initialBytes: 1 << 16, shared: false });
  const r = arena.alloc(4096);
  const old = r.f64;
  old[0] = 42;
  arena.alloc(4 << 20);
  assert.equal(old.length, 0); // detached by grow
  assert.equal(r.f64[0], 42);
  assert.equal(arena.contains(old), false);
  assert.equal(arena.contains(r.f64), true);
});

Deno.test("WasmArena.alloc() refuses to pass its maximum with a RangeError", () => {
  const arena = new WasmArena({ initialBytes: 1 << 16, maximumBytes: 1 << 20 });
  assert.throws(() => arena.alloc(2 << 20), RangeError);
  assert.equal(arena.alloc(4096).ptr, 4096); // state intact
});

Deno.test("ensureInWasm() copies foreign views and passes arena views through", () => {
  const arena = new WasmArena();
  const js = Float32Array.from([1, 2, 3]);
  const w = ensureInWasm(js, arena);
  assert.ok(w.region);
  assert.equal(w.ptr % 4096, 0);
  assert.deepEqual([...w.view], [1, 2, 3]);
  const r = arena.alloc(64);
  const inside = r.f32.subarray(3, 7);
  const w2 = ensureInWasm(inside, arena);
  assert.equal(w2.region, null);
  assert.equal(w2.view, inside);
  assert.equal(w2.ptr, r.ptr + 12);
});

// ---- sums ----------------------------------------------------------------

Deno.test("sumF32()/sumF64() match the blocked reference bit for bit at awkward lengths", () => {
  for (const n of LENGTHS) {
    const x = random(n, n + 1, -1, 3);
    const x32 = Float32Array.from(x);
    assert.equal(sumF32(x32), blockedSumRef(x32), `f32 n=${n}`);
    assert.equal(sumF64(x), blockedSumRef(x), `f64 n=${n}`);
    const tol = 1e-14 * compensatedSum(x, Math.abs) + 1e-300;
    assert.ok(Math.abs(sumF64(x) - compensatedSum(x)) <= tol, `f64 accuracy n=${n}`);
  }
});

Deno.test("sumF32() is accurate for 1e7 float32 values of 0.1", () => {
  const n = 10_000_000;
  const a = new Float32Array(n).fill(0.1);
  const exact = n * Math.fround(0.1); // exact in float64
  const got = sumF32(a);
  assert.ok(Math.abs(got - exact) / exact < 1e-12, `got ${got}, exact ${exact}`);
  let naive = 0;
  for (let i = 0; i < n; i++) naive += a[i];
  assert.ok(Math.abs(got - exact) <= Math.abs(naive - exact));
});

Deno.test("sumF32()/sumF64() give the same bits for arena views, offset views and copies", () => {
  const n = 300_001;
  const x = random(n, 7);
  const arena = wasmArena();
  const r = arena.alloc((n + 3) * 8);
  try {
    const in64 = r.view(Float64Array, n + 3).subarray(1, n + 1); // 8 bytes past alignment
    in64.set(x);
    assert.equal(sumF64(in64), sumF64(x));
    assert.equal(sumF64(in64), blockedSumRef(x));
    const in32 = r.view(Float32Array, n + 3).subarray(3, n + 3);
    in32.set(x);
    const js32 = new Float32Array(n + 1).subarray(1);
    js32.set(x);
    assert.equal(sumF32(in32), sumF32(js32));
    assert.equal(sumF32(in32), blockedSumRef(js32));
  } finally {
    r.free();
  }
});

Deno.test("sumF32()/sumF64() propagate NaN and infinities like a plain sum", () => {
  for (const n of [3, 17, 4099]) {
    for (const at of [0, n - 1]) {
      const a = Float64Array.from(random(n, 3));
      a[at] = NaN;
      assert.ok(Number.isNaN(sumF64(a)));
      assert.ok(Number.isNaN(sumF32(Float32Array.from(a))));
      a[at] = Infinity;
      assert.equal(sumF64(a), Infinity);
      assert.equal(sumF32(Float32Array.from(a)), Infinity);
      a[n >> 1] = -Infinity;
      assert.ok(Number.isNaN(sumF64(a)));
    }
  }
});

Deno.test("sumSqDevF32()/sumSqDevF64() match the blocked reference bit for bit", () => {
  for (const n of LENGTHS) {
    const x = random(n, 100 + n, 10, 12);
    const x32 = Float32Array.from(x);
    const mean = 11.25;
    const f = (v: number): number => (v - mean) * (v - mean);
    assert.equal(sumSqDevF32(x32, mean), blockedSumRef(x32, f), `f32 n=${n}`);
    assert.equal(sumSqDevF64(x, mean), blockedSumRef(x, f), `f64 n=${n}`);
    const ref = compensatedSum(x, f);
    assert.ok(Math.abs(sumSqDevF64(x, mean) - ref) <= 1e-14 * ref + 1e-300, `accuracy n=${n}`);
  }
});

Deno.test("reductionKernels() sums chain through the (s, comp) state", () => {
  const arena = wasmArena();
  const k = reductionKernels(arena);
  const n = 3 * BLOCK + 5;
  const r = arena.alloc(n * 8);
  try {
    const v = r.view(Float64Array, n);
    v.set(random(n, 11));
    const whole = k.sumF64(r.ptr, r.ptr + n * 8, 0, 0);
    const [s1, c1] = k.sumF64(r.ptr, r.ptr + BLOCK * 8, 0, 0);
    const split = k.sumF64(r.ptr + BLOCK * 8, r.ptr + n * 8, s1, c1);
    assert.deepEqual(split, whole);
    assert.equal(finishSum(...whole), sumF64(v));
  } finally {
    r.free();
  }
});

// ---- min / max -----------------------------------------------------------

Deno.test("minMaxF32()/minMaxF64() match a JS scan at awkward lengths", () => {
  for (const n of LENGTHS) {
    const x = random(n, 50 + n, -100, 100);
    const x32 = Float32Array.from(x);
    assert.deepEqual(minMaxF64(x), jsMinMax(x), `f64 n=${n}`);
    assert.deepEqual(minMaxF32(x32), jsMinMax(x32), `f32 n=${n}`);
  }
  assert.deepEqual(minMaxF64(new Float64Array(0)), [Infinity, -Infinity]);
  assert.deepEqual(minMaxF32(Float32Array.from([-Infinity, 2, Infinity])), [-Infinity, Infinity]);
});

Deno.test("minMaxF32()/minMaxF64() return NaN when any element is NaN", () => {
  for (const n of [1, 3, 17, 4099, 100_003]) {
    for (const at of [0, n >> 1, n - 1]) {
      const x = random(n, 9);
      x[at] = NaN;
      assert.deepEqual(minMaxF64(x), [NaN, NaN], `f64 n=${n} at=${at}`);
      assert.deepEqual(minMaxF32(Float32Array.from(x)), [NaN, NaN], `f32 n=${n} at=${at}`);
    }
  }
});

// ---- rows ----------------------------------------------------------------

Deno.test("addRowsF32()/addRowsF64() match the grouped reference bit for bit", () => {
  for (
    const [rows, cols] of [[0, 3], [1, 1], [3, 5], [64, 4], [65, 7], [200, 1027], [70, 2049], [
      66,
      16389,
    ]]
  ) {
    const x = random(rows * cols, rows * 31 + cols, -2, 5);
    const x32 = Float32Array.from(x);
    const acc64 = new Float64Array(cols), acc32 = new Float64Array(cols);
    addRowsF64(x, cols, acc64);
    addRowsF32(x32, cols, acc32);
    assertSameFloats(acc64, rowsRef(x, cols, (v) => v), `f64 ${rows}x${cols}`);
    assertSameFloats(acc32, rowsRef(x32, cols, (v) => v), `f32 ${rows}x${cols}`);
  }
});

Deno.test("addRowsF64() adds into acc and splits at group boundaries without changing bits", () => {
  const rows = 3 * ROW_GROUP + 9, cols = 37;
  const x = random(rows * cols, 5);
  const whole = new Float64Array(cols), wholeComp = new Float64Array(cols);
  addRowsF64(x, cols, whole, wholeComp);
  const acc = new Float64Array(cols), comp = new Float64Array(cols);
  addRowsF64(x.subarray(0, ROW_GROUP * cols), cols, acc, comp);
  addRowsF64(x.subarray(ROW_GROUP * cols), cols, acc, comp);
  assertSameFloats(acc, whole);
  assertSameFloats(comp, wholeComp);
  const plus = new Float64Array(cols).fill(1);
  addRowsF64(x, cols, plus);
  const ref = rowsRef(x, cols, (v) => v);
  for (let j = 0; j < cols; j++) assert.ok(Math.abs(plus[j] - (ref[j] + 1)) < 1e-12);
  assert.throws(() => addRowsF64(x, 10, acc), RangeError);
});

Deno.test("sumSqDevRowsF32()/sumSqDevRowsF64() match the grouped reference bit for bit", () => {
  for (const [rows, cols] of [[1, 1], [3, 5], [65, 7], [130, 1031]]) {
    const x = random(rows * cols, rows + 7 * cols, 1, 3);
    const x32 = Float32Array.from(x);
    const mean = random(cols, 77, 1.5, 2.5);
    const f = (v: number, j: number): number => (v - mean[j]) * (v - mean[j]);
    const acc64 = new Float64Array(cols), acc32 = new Float64Array(cols);
    sumSqDevRowsF64(x, cols, mean, acc64);
    sumSqDevRowsF32(x32, cols, mean, acc32);
    assertSameFloats(acc64, rowsRef(x, cols, f), `f64 ${rows}x${cols}`);
    assertSameFloats(acc32, rowsRef(x32, cols, f), `f32 ${rows}x${cols}`);
  }
});

Deno.test("addRowsF32() works on arena views in place", () => {
  const arena = wasmArena();
  const rows = 100, cols = 33;
  const ra = arena.alloc(rows * cols * 4), racc = arena.alloc(cols * 8);
  try {
    const a = ra.view(Float32Array, rows * cols);
    a.set(random(rows * cols, 1));
    const acc = racc.view(Float64Array, cols);
    acc.fill(0);
    addRowsF32(a, cols, acc);
    assertSameFloats(acc, rowsRef(a, cols, (v) => v));
  } finally {
    ra.free();
    racc.free();
  }
});

// ---- compiled maps -------------------------------------------------------

const inp = (index: number): MapExpr => ({ op: "input", index });
const num = (value: number): MapExpr => ({ op: "const", value });
const bin = (
  op: "add" | "sub" | "mul" | "div" | "min" | "max" | "pow",
  a: MapExpr,
  b: MapExpr,
): MapExpr => ({
  op,
  a,
  b,
});
const un = (op: "neg" | "abs" | "sqrt", arg: MapExpr): MapExpr => ({ op, arg });

/** Evaluates the expression in JS, rounding every step to the dtype. */
function evalRef(e: MapExpr, xs: number[], round: (x: number) => number): number {
  switch (e.op) {
    case "input":
      return xs[e.index];
    case "const":
      return round(e.value);
    case "neg":
      return -evalRef(e.arg, xs, round);
    case "abs":
      return Math.abs(evalRef(e.arg, xs, round));
    case "sqrt":
      return round(Math.sqrt(evalRef(e.arg, xs, round)));
    case "add":
    case "sub":
    case "mul":
    case "div":
    case "min":
    case "max":
    case "pow": {
      const a = evalRef(e.a, xs, round), b = evalRef(e.b, xs, round);
      const r = {
        add: a + b,
        sub: a - b,
        mul: a * b,
        div: a / b,
        min: Math.min(a, b),
        max: Math.max(a, b),
        pow: powerScalar(a, b),
      };
      return round(r[e.op]);
    }
    default:
      return round(transcendScalar(e.op, evalRef(e.arg, xs, round)));
  }
}

const HYPOT_HALF = bin("mul", un("sqrt", bin("add", bin("mul", inp(0), inp(0)), num(1))), num(0.5));
const EXPRS: [string, MapExpr][] = [
  ["sqrt(a*a+1)*0.5", HYPOT_HALF],
  [
    "(a-b)/(abs(c)+1)",
    bin("div", bin("sub", inp(0), inp(1)), bin("add", un("abs", inp(2)), num(1))),
  ],
  ["min(a, max(-b, 0.1))", bin("min", inp(0), bin("max", un("neg", inp(1)), num(0.1)))],
  ["b*3 (input 0 unused)", bin("mul", inp(1), num(3))],
];

Deno.test("compileMap() equals the JS evaluation for several expressions and lengths", () => {
  for (const dtype of ["float32", "float64"] as const) {
    const Ctor = dtype === "float32" ? Float32Array : Float64Array;
    const round = dtype === "float32" ? Math.fround : (x: number): number => x;
    for (const [name, e] of EXPRS) {
      const k = compileMap(e, dtype);
      assert.ok(k, name);
      assert.equal(k.dtype, dtype);
      for (const n of LENGTHS) {
        const ins = Array.from(
          { length: k.inputs },
          (_, j) => Ctor.from(random(n, j * 13 + n, -3, 3)),
        );
        if (n > 2) ins[0][1] = NaN; // NaN flows through every op
        const out = new Ctor(n);
        k.run(out, ins);
        const ref = new Ctor(n);
        for (let i = 0; i < n; i++) ref[i] = evalRef(e, ins.map((x) => x[i]), round);
        assertSameFloats(out, ref, `${dtype} ${name} n=${n}`);
      }
    }
  }
});

Deno.test("compileMap() runs in place and on arena views at odd offsets", () => {
  const k = compileMap(HYPOT_HALF, "float32")!;
  const n = 10_007;
  const x = Float32Array.from(random(n, 3, -10, 10));
  const ref = x.map((v) =>
    Math.fround(Math.fround(Math.sqrt(Math.fround(Math.fround(v * v) + 1))) * 0.5)
  );
  const inPlace = x.slice();
  k.run(inPlace, [inPlace]);
  assertSameFloats(inPlace, ref);
  const arena = wasmArena();
  const r = arena.alloc((2 * n + 8) * 4);
  try {
    const a = r.view(Float32Array, 2 * n + 8).subarray(1, n + 1);
    const out = r.view(Float32Array, 2 * n + 8).subarray(n + 5, 2 * n + 5);
    a.set(x);
    k.run(out, [a]);
    assertSameFloats(out, ref);
    out.fill(0);
    k.runPtr(out.byteOffset, [a.byteOffset], n);
    assertSameFloats(out, ref);
  } finally {
    r.free();
  }
});

const tr = (op: TranscendOp, arg: MapExpr): MapExpr => ({ op, arg });
const SIN_EXP = bin("mul", tr("sin", inp(0)), tr("exp", un("neg", bin("mul", inp(0), inp(0)))));

Deno.test("compileMap() inlines the transcendental ops with the bits of the transcend kernels", () => {
  const exprs: [string, MapExpr][] = [
    ["sin(a)*exp(-a*a)", SIN_EXP],
    [
      "log(abs(a)+b*b)+cos(b)",
      bin(
        "add",
        tr("log", bin("add", un("abs", inp(0)), bin("mul", inp(1), inp(1)))),
        tr("cos", inp(1)),
      ),
    ],
    ["cos(sin(a))", tr("cos", tr("sin", inp(0)))],
    ["tan(a)+arctan(a*a)", bin("add", tr("tan", inp(0)), tr("arctan", bin("mul", inp(0), inp(0))))],
    [
      "tanh(expm1(a*0.1))*log1p(abs(b))",
      bin(
        "mul",
        tr("tanh", tr("expm1", bin("mul", inp(0), num(0.1)))),
        tr("log1p", un("abs", inp(1))),
      ),
    ],
    ["a**b", bin("pow", inp(0), inp(1))],
    [
      "sqrt(abs(a))**(b*0.1)+a**3",
      bin(
        "add",
        bin("pow", un("sqrt", un("abs", inp(0))), bin("mul", inp(1), num(0.1))),
        bin("pow", inp(0), num(3)),
      ),
    ],
    [
      "sinh(a)-cosh(b)+log2(abs(a))+log10(abs(b))",
      bin(
        "add",
        bin("sub", tr("sinh", inp(0)), tr("cosh", inp(1))),
        bin("add", tr("log2", un("abs", inp(0))), tr("log10", un("abs", inp(1)))),
      ),
    ],
  ];
  const huge = [1e300, -TRIG_LIMIT * 3, Infinity, -Infinity, NaN, 0, -0, 5e-324];
  for (
    const [dtype, [name, e]] of (["float64", "float32"] as const).flatMap((d) =>
      exprs.map((x) => [d, x] as const)
    )
  ) {
    const Ctor = dtype === "float32" ? Float32Array : Float64Array;
    const round = dtype === "float32" ? Math.fround : (x: number): number => x;
    const k = compileMap(e, dtype);
    assert.ok(k, name);
    // the long length only for the first expressions (the JS reference is slow)
    const lengths = exprs.indexOf(exprs.find((x) => x[1] === e)!) < 3
      ? LENGTHS
      : [0, 1, 3, 17, 4099];
    for (const n of [...lengths, 20_000]) {
      for (const withHuge of [false, true]) {
        const ins = Array.from(
          { length: k.inputs },
          (_, j) => Ctor.from(random(n, j + n, -30, 30)),
        );
        // huge arguments send their block to the JS redo: same bits either way
        if (withHuge) {
          for (let i = 0; i < n; i += 997) ins[0][i] = huge[(i / 997) % huge.length];
        }
        const ref = new Ctor(n);
        for (let i = 0; i < n; i++) ref[i] = evalRef(e, ins.map((x) => x[i]), round);
        const out = new Ctor(n);
        k.run(out, ins);
        assertSameFloats(out, ref, `${dtype} ${name} n=${n}${withHuge ? " with huge" : ""}`);
        if (k.inputs === 1) {
          const inPlace = ins[0].slice();
          k.run(inPlace, [inPlace]);
          assertSameFloats(inPlace, ref, `${dtype} ${name} in place n=${n}`);
        }
      }
    }
  }
});

Deno.test("compileMap() returns null for ops wasm lacks and caches kernels", () => {
  const asinh = { op: "arcsinh", arg: inp(0) } as unknown as MapExpr;
  assert.equal(compileMap(asinh, "float64"), null);
  assert.equal(compileMap(HYPOT_HALF, "float64"), compileMap(HYPOT_HALF, "float64"));
  const k = compileMap(bin("add", inp(0), inp(1)), "float64")!;
  assert.throws(() => k.run(new Float64Array(2), [new Float64Array(2)]), RangeError);
  assert.throws(
    () => k.run(new Float64Array(2), [new Float64Array(2), new Float32Array(2)]),
    TypeError,
  );
});
