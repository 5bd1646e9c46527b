// float64 transcendental functions as WebAssembly SIMD (f64x2) kernels, after
// the algorithms of fdlibm / musl (no table, no FMA: wasm SIMD has none).
// exp, sin, cos and tan are here; log, log1p, log2, log10, expm1, tanh, sinh,
// cosh and arctan in _vmath.ts; power in power.ts:
//
// - exp: k = round(x / ln2) (magic-number rounding), r = x - k ln2_hi - k ln2_lo
//   (Cody-Waite; k ln2_hi is exact), e^r = 1 + (hi + (r^2 q(r) - lo)) with the
//   degree-13 Taylor polynomial
//   (truncation under 0.05 ulp for |r| <= 0.36), then 2^k applied in two exact
//   halves so that subnormal results are rounded once. x is clamped to
//   [-746, 710] first (beyond, the result is 0 or inf; NaN propagates).
// - log: musl's log.c: x = 2^k (1 + f) with sqrt(2)/2 <= 1 + f < sqrt(2),
//   s = f / (2 + f), the Lg1..Lg7 polynomial in s^2, then
//   s (hfsq + R) + k ln2_lo - hfsq + f + k ln2_hi. Subnormals are scaled by 2^54
//   first; x < 0 gives NaN, 0 gives -inf, inf and NaN pass through.
// - sin, cos: n = round(x 2/pi); r = x - n pi/2 as a double-double (pi/2 in
//   three 33-bit parts plus a tail, so each n * part is exact for |n| < 2^20),
//   then musl's __sin / __cos kernels on (r, r_lo), selected and signed by
//   n mod 4 (cos(x) uses n + 1). |x| < 2^-26 gives x (sin) or 1 (cos).
//   Lanes with |x| > LIMIT (huge, inf or NaN) are left to the caller: the
//   kernel returns how many there were in the call and the caller recomputes
//   them with Math.sin / Math.cos (fdlibm with Payne-Hanek reduction).
// - tan: the same reduction, then musl's __tan kernel on (r, r_lo) (for
//   |r| >= 0.6744 on pi/4 - |r|; odd n: -1/tan computed in two parts); the
//   same lanes are left to Math.tan.
//
// Each export is f(out, in, n) on byte addresses of float64 arrays and writes
// 2 * ceil(n / 2) elements (`out` may be `in`); sin, cos and tan return the count of lanes left over.

import { type Code, ModuleBuilder, Op, T, VOID } from "./_builder.ts";
import {
  atanBody,
  coshBody,
  expm1Body,
  log10Body,
  log1pBody,
  log2Body,
  logBody,
  MAGIC,
  S,
  sinhBody,
  tanhBody,
  V,
} from "./_vmath.ts";

export { V };

/** |x| above which sin, cos and tan lanes are left to the caller (2^19 pi/2: n stays below 2^20). */
export const TRIG_LIMIT = 2 ** 19 * (Math.PI / 2);

function expBody(v: V, x0: number): number {
  // pmin/pmax (one instruction each) keep a NaN x, being x < c ? ... : x
  const x = v.op(S.f64x2_pmin, v.op(S.f64x2_pmax, x0, v.f(-746)), v.f(710));
  const t = v.add(v.mul(x, v.f(1.4426950408889634)), v.f(MAGIC));
  const kf = v.sub(t, v.f(MAGIC));
  const ki = v.op(S.i64x2_sub, t, v.i(0x4338000000000000n)); // k as int64 lanes
  const hi = v.sub(x, v.mul(kf, v.f(6.93147180369123816490e-01))); // exact
  const lo = v.mul(kf, v.f(1.90821492927058770002e-10));
  const r = v.sub(hi, lo);
  const inv = [1 / 2];
  for (let j = 3; j <= 13; j++) inv.push(inv[inv.length - 1] / j);
  const q = v.horner(r, inv); // 1/2 + r/6 + ... + r^11/13!
  // 1 + (hi + (r^2 q - lo)): the rounding of r itself never enters
  const p = v.add(v.f(1), v.add(hi, v.sub(v.mul(v.mul(r, r), q), lo)));
  // 2^k = 2^k1 2^k2 with k1 = round(k / 2), k2 = k - k1 (both within the normal range)
  const k1 = v.op(S.i64x2_sub, v.add(v.mul(kf, v.f(0.5)), v.f(MAGIC)), v.i(0x4338000000000000n));
  const k2 = v.op(S.i64x2_sub, ki, k1);
  const bias = v.i(1023n);
  const s1 = v.shift(S.i64x2_shl, v.op(S.i64x2_add, k1, bias), 52);
  const s2 = v.shift(S.i64x2_shl, v.op(S.i64x2_add, k2, bias), 52);
  return v.mul(v.mul(p, s1), s2);
}

// pi/2 = PIO2_1 + PIO2_2 + PIO2_3 + PIO2_3T (fdlibm's __rem_pio2 constants)
const PIO2_1 = 1.57079632673412561417e+00;
const PIO2_2 = 6.07710050630396597660e-11;
const PIO2_3 = 2.02226624871116645580e-21;
const PIO2_3T = 8.47842766036889956997e-32;
const S1 = -1.66666666666666324348e-01;
const SC = [
  8.33333333332248946124e-03,
  -1.98412698298579493134e-04,
  2.75573137070700676789e-06,
  -2.50507602534068634195e-08,
  1.58969099521155010221e-10,
];
const C = [
  4.16666666666666019037e-02,
  -1.38888888888741095749e-03,
  2.48015872894767294178e-05,
  -2.75573143513906633035e-07,
  2.08757232129817482790e-09,
  -1.13596475577881948265e-11,
];

/** x = n pi/2 + (r + rl) as a double-double; `t` holds n in its low bits (|x| <= TRIG_LIMIT). */
function reducePio2(v: V, x: number): { r: number; rl: number; t: number } {
  const t = v.add(v.mul(x, v.f(6.36619772367581382433e-01)), v.f(MAGIC));
  const fn = v.sub(t, v.f(MAGIC));
  // a = x - fn p1 (exact), then TwoSum(a, -fn p2) and the small terms into lo
  const a = v.sub(x, v.mul(fn, v.f(PIO2_1)));
  const b = v.mul(fn, v.f(-PIO2_2));
  const s = v.add(a, b);
  const bb = v.sub(s, a);
  const err = v.add(v.sub(a, v.sub(s, bb)), v.sub(b, bb));
  const lo = v.sub(v.sub(err, v.mul(fn, v.f(PIO2_3))), v.mul(fn, v.f(PIO2_3T)));
  const r = v.add(s, lo);
  return { r, rl: v.add(v.sub(s, r), lo), t };
}

/** The lanes not in |x| <= TRIG_LIMIT (huge, inf or NaN), left to the caller. */
function bigLanes(v: V, ax: number): number {
  return v.op(S.v128_xor, v.op(S.f64x2_le, ax, v.f(TRIG_LIMIT)), v.i(-1n));
}

/** sin (shift 0) or cos (shift 1) of x; `big` gets the lanes with |x| > TRIG_LIMIT or NaN. */
function trigBody(v: V, x: number, shift: 0 | 1): { y: number; big: number } {
  const ax = v.op(S.f64x2_abs, x);
  const { r, rl, t } = reducePio2(v, x);
  // musl __sin(r, rl, 1)
  const z = v.mul(r, r);
  const vv = v.mul(z, r);
  const pr = v.horner(z, SC);
  const sinr = v.sub(
    r,
    v.sub(v.sub(v.mul(z, v.sub(v.mul(v.f(0.5), rl), v.mul(vv, pr))), rl), v.mul(vv, v.f(S1))),
  );
  // musl __cos(r, rl)
  const w2 = v.mul(z, z);
  const cr = v.add(
    v.mul(z, v.horner(z, C.slice(0, 3))),
    v.mul(v.mul(w2, w2), v.horner(z, C.slice(3))),
  );
  const hz = v.mul(v.f(0.5), z);
  const w = v.sub(v.f(1), hz);
  const cosr = v.add(w, v.add(v.sub(v.sub(v.f(1), w), hz), v.sub(v.mul(z, cr), v.mul(r, rl))));
  // quadrant q = n + shift (mod 4): odd q takes cos(r), q & 2 flips the sign
  const q = shift ? v.op(S.i64x2_add, t, v.i(1n)) : t;
  const one = v.i(1n);
  const odd = v.op(S.i64x2_eq, v.op(S.v128_and, q, one), one);
  const sign = v.op(S.v128_and, v.shift(S.i64x2_shl, q, 62), v.i(-0x8000000000000000n));
  let y = v.op(S.v128_xor, v.sel(odd, cosr, sinr), sign);
  const tiny = v.op(S.f64x2_lt, ax, v.f(2 ** -26));
  y = v.sel(tiny, shift ? v.f(1) : x, y);
  return { y, big: bigLanes(v, ax) };
}

const TT = [
  3.33333333333334091986e-01,
  1.33333333333201242699e-01,
  5.39682539762260521377e-02,
  2.18694882948595424599e-02,
  8.86323982359930005737e-03,
  3.59207910759131235356e-03,
  1.45620945432529025516e-03,
  5.88041240820264096874e-04,
  2.46463134818469906812e-04,
  7.81794442939557092300e-05,
  7.14072491382608190305e-05,
  -1.85586374855275456654e-05,
  2.59073051863633712884e-05,
];

/** tan of x (musl's __tan on the reduced argument); `big` as for sin. */
function tanBody(v: V, x0: number): { y: number; big: number } {
  const ax0 = v.op(S.f64x2_abs, x0);
  const { r, rl, t } = reducePio2(v, x0);
  const one = v.i(1n);
  const odd = v.op(S.i64x2_eq, v.op(S.v128_and, t, one), one);
  const sign = v.op(S.v128_and, r, v.i(-0x8000000000000000n));
  // |r| >= 0.6744: tan(pi/4 - |r|) instead, y = 0
  const big = v.op(S.f64x2_ge, v.op(S.f64x2_abs, r), v.f(0.6744));
  const pio4 = 7.85398163397448278999e-01, pio4lo = 3.06161699786838301793e-17;
  const xb = v.add(
    v.sub(v.f(pio4), v.op(S.f64x2_abs, r)),
    v.sub(v.f(pio4lo), v.op(S.v128_xor, rl, sign)),
  );
  const x = v.sel(big, xb, r);
  const y = v.sel(big, v.f(0), rl);
  const z = v.mul(x, x);
  const w = v.mul(z, z);
  const p = v.horner(w, [TT[1], TT[3], TT[5], TT[7], TT[9], TT[11]]);
  const q = v.mul(z, v.horner(w, [TT[2], TT[4], TT[6], TT[8], TT[10], TT[12]]));
  const s = v.mul(z, x);
  const rr = v.add(v.add(y, v.mul(z, v.add(v.mul(s, v.add(p, q)), y))), v.mul(s, v.f(TT[0])));
  const ww = v.add(x, rr);
  // big: (1 - 2 odd) - 2 (x + (rr - ww^2 / (ww + s1))), signed as r
  const s1 = v.sel(odd, v.f(-1), v.f(1));
  const div = v.op(S.f64x2_div, v.mul(ww, ww), v.add(ww, s1));
  const yb = v.op(
    S.v128_xor,
    v.sub(s1, v.mul(v.f(2), v.add(x, v.sub(rr, div)))),
    sign,
  );
  // odd: -1 / (x + rr) in two parts (32-bit heads of ww and of -1/ww)
  const hiMask = v.i(-0x100000000n);
  const w0 = v.op(S.v128_and, ww, hiMask);
  const vv = v.sub(rr, v.sub(w0, x));
  const a = v.op(S.f64x2_div, v.f(-1), ww);
  const a0 = v.op(S.v128_and, a, hiMask);
  const yo = v.add(a0, v.mul(a, v.add(v.add(v.f(1), v.mul(a0, w0)), v.mul(a0, vv))));
  let res = v.sel(big, yb, v.sel(odd, yo, ww));
  res = v.sel(v.op(S.f64x2_lt, ax0, v.f(2 ** -27)), x0, res);
  return { y: res, big: bigLanes(v, ax0) };
}

/** A kernel body: the result of lane vector `x` and the mask of lanes left to the caller. */
export type Body = (v: V, x: number) => { y: number; big: number | null };

/** The body of each op (the fused maps of map.ts inline them). */
export const BODIES: Record<TranscendOp, Body> = {
  exp: (v, x) => ({ y: expBody(v, x), big: null }),
  log: (v, x) => ({ y: logBody(v, x), big: null }),
  sin: (v, x) => trigBody(v, x, 0),
  cos: (v, x) => trigBody(v, x, 1),
  tan: tanBody,
  expm1: (v, x) => ({ y: expm1Body(v, x), big: null }),
  log1p: (v, x) => ({ y: log1pBody(v, x), big: null }),
  log2: (v, x) => ({ y: log2Body(v, x), big: null }),
  log10: (v, x) => ({ y: log10Body(v, x), big: null }),
  tanh: (v, x) => ({ y: tanhBody(v, x), big: null }),
  sinh: (v, x) => ({ y: sinhBody(v, x), big: null }),
  cosh: (v, x) => ({ y: coshBody(v, x), big: null }),
  arctan: (v, x) => ({ y: atanBody(v, x), big: null }),
};

/** The ops with a SIMD kernel (NumPy's names). */
export type TranscendOp =
  | "exp"
  | "log"
  | "sin"
  | "cos"
  | "tan"
  | "expm1"
  | "log1p"
  | "log2"
  | "log10"
  | "tanh"
  | "sinh"
  | "cosh"
  | "arctan";

/** The names of the ops with a SIMD kernel. */
export const TRANSCEND_OPS: readonly TranscendOp[] = [
  "exp",
  "log",
  "sin",
  "cos",
  "tan",
  "expm1",
  "log1p",
  "log2",
  "log10",
  "tanh",
  "sinh",
  "cosh",
  "arctan",
];

/** The ops whose kernel leaves lanes with |x| > TRIG_LIMIT (or not finite) to the caller. */
export const TRIG_OPS: ReadonlySet<TranscendOp> = new Set(["sin", "cos", "tan"]);

/**
 * The loop of one kernel: two elements an iteration, float64 (16 bytes) or
 * float32 (8 bytes, promoted to float64 and the result rounded back).
 */
function emit(c: Code, body: Body, f32: boolean): void {
  const { i32 } = T;
  const [OUT, IN, N] = [0, 1, 2];
  const es = f32 ? 4 : 8;
  const end = c.local(i32);
  const count = c.local(i32);
  c.i32(0).set(count);
  // end = out + 2 ceil(n / 2) elements
  c.get(N).i32(1).op(Op.i32_add).i32(-2).op(Op.i32_and).i32(es).op(Op.i32_mul).get(OUT)
    .op(Op.i32_add).set(end);
  const p0 = c.bytes.length;
  const v = new V(c);
  const x = c.local(T.v128);
  if (f32) c.get(IN).vmem(S.load64_zero, 0, 2).simd(S.f64x2_promote_low_f32x4).set(x);
  else c.get(IN).vmem(S.load, 0, 3).set(x);
  const { y, big } = body(v, x);
  if (f32) c.get(OUT).get(y).simd(S.f32x4_demote_f64x2_zero).vmem(S.store64_lane, 0, 2).op(0);
  else c.get(OUT).get(y).vmem(S.store, 0, 3);
  if (big !== null) {
    // count += popcount of the two lane masks
    c.get(count).get(big).simd(S.i64x2_bitmask).op(Op.i32_popcnt, Op.i32_add).set(count);
  }
  c.get(OUT).i32(2 * es).op(Op.i32_add).set(OUT);
  c.get(IN).i32(2 * es).op(Op.i32_add).set(IN);
  const loopBody = c.bytes.splice(p0);
  v.init();
  c.op(Op.block, VOID, Op.loop, VOID);
  c.get(OUT).get(end).op(Op.i32_ge_u, Op.br_if, 1);
  c.op(...loopBody);
  c.op(Op.br, 0, Op.end, Op.end);
  c.get(count);
}

/** A kernel: f(out, in, n) on byte addresses; returns the lanes left to the caller (sin, cos) or 0. */
export type TranscendFn = (out: number, inp: number, n: number) => number;

/** The kernels and their memory. */
export interface TranscendKernels {
  /** The float64 kernels. */
  readonly f64: Readonly<Record<TranscendOp, TranscendFn>>;
  /** The float32 kernels (the float64 algorithm on the promoted value, rounded to float32). */
  readonly f32: Readonly<Record<TranscendOp, TranscendFn>>;
  /** The kernels' memory. */
  readonly memory: WebAssembly.Memory;
}

/** Instantiates the kernels over a new memory of `pages` pages; null without simd128. */
export function transcendKernels(pages: number): TranscendKernels | null {
  const mb = new ModuleBuilder({ initial: pages, maximum: pages, shared: false });
  const { i32 } = T;
  for (const op of TRANSCEND_OPS) {
    mb.func(op, [i32, i32, i32], [i32], (c) => emit(c, BODIES[op], false));
    mb.func(`${op}_f32`, [i32, i32, i32], [i32], (c) => emit(c, BODIES[op], true));
  }
  const bytes = mb.build();
  if (!WebAssembly.validate(bytes)) return null;
  const memory = new WebAssembly.Memory({ initial: pages, maximum: pages });
  const inst = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } });
  const pick = (suffix: string) =>
    Object.fromEntries(TRANSCEND_OPS.map((op) => [op, inst.exports[op + suffix]])) as Record<
      TranscendOp,
      TranscendFn
    >;
  return { f64: pick(""), f32: pick("_f32"), memory };
}

/** Elements per kernel call when copying through the kernels' memory (L1-resident). */
const CHUNK = 2048;
let kernels: TranscendKernels | null | undefined;

const FALLBACK: Record<TranscendOp, (x: number) => number> = {
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

/**
 * out[i] = op(a[i]) for float64 arrays, or float32 arrays (computed in
 * float64, rounded once to float32), of equal length (`out` may be `a`),
 * through the SIMD kernels in chunks; false (nothing written) when the engine
 * has no simd128. sin/cos/tan of |x| > TRIG_LIMIT, inf or NaN come from Math.*.
 */
export function transcend<A extends Float64Array | Float32Array>(
  op: TranscendOp,
  out: A,
  a: A,
): boolean {
  if (kernels === undefined) kernels = transcendKernels(2);
  if (kernels === null) return false;
  const f32 = a instanceof Float32Array;
  const f = (f32 ? kernels.f32 : kernels.f64)[op];
  const buf = kernels.memory.buffer;
  const vin = f32 ? new Float32Array(buf, 0, CHUNK) : new Float64Array(buf, 0, CHUNK);
  const slow = FALLBACK[op];
  for (let i = 0; i < a.length; i += CHUNK) {
    const m = Math.min(CHUNK, a.length - i);
    vin.set(m === CHUNK ? a.subarray(i, i + CHUNK) : a.subarray(i, i + m));
    if (m & 1) vin[m] = 0;
    const left = f(0, 0, m);
    if (left > 0) {
      for (let j = 0; j < m; j++) {
        if (!(Math.abs(a[i + j]) <= TRIG_LIMIT)) vin[j] = slow(a[i + j]);
      }
    }
    out.set(m === CHUNK ? vin : vin.subarray(0, m), i);
  }
  return true;
}

/** {@link transcend} on float64 arrays. */
export function transcendF64(op: TranscendOp, out: Float64Array, a: Float64Array): boolean {
  return transcend(op, out, a);
}

/**
 * op(x) for one float64, with exactly the bits of {@link transcendF64} (the
 * same kernel, or Math.* where the kernel leaves a lane to the caller). Its
 * float32 result is `Math.fround` of this.
 */
export function transcendScalar(op: TranscendOp, x: number): number {
  if (kernels === undefined) kernels = transcendKernels(2);
  if (kernels === null || !(Math.abs(x) <= TRIG_LIMIT) && TRIG_OPS.has(op)) {
    return FALLBACK[op](x);
  }
  if (scalarView === null || scalarView.buffer !== kernels.memory.buffer) {
    scalarView = new Float64Array(kernels.memory.buffer, 0, 2);
  }
  scalarView[0] = x;
  kernels.f64[op](0, 0, 1);
  return scalarView[0];
}

let scalarView: Float64Array | null = null;
