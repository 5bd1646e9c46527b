// float64 exp, log, sin and cos as WebAssembly SIMD (f64x2) kernels, after
// the algorithms of fdlibm / musl (no table, no FMA: wasm SIMD has none):
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
//
// Each export is f(out, in, n) on byte addresses of float64 arrays and writes
// 2 * ceil(n / 2) elements (`out` may be `in`); sin and cos return the count of lanes left over.

import { type Code, ModuleBuilder, Op, T, VOID } from "./_builder.ts";

/** |x| above which sin and cos lanes are left to the caller (2^19 pi/2: n stays below 2^20). */
export const TRIG_LIMIT = 2 ** 19 * (Math.PI / 2);

/** SIMD sub-opcodes used here. */
const S = {
  load: 0x00,
  store: 0x0b,
  shuffle: 0x0d,
  v128_const: 0x0c,
  v128_and: 0x4e,
  v128_or: 0x50,
  v128_xor: 0x51,
  bitselect: 0x52,
  f64x2_eq: 0x47,
  f64x2_ne: 0x48,
  f64x2_lt: 0x49,
  f64x2_gt: 0x4a,
  i64x2_shl: 0xcb,
  i64x2_shr_s: 0xcc,
  i64x2_shr_u: 0xcd,
  i64x2_add: 0xce,
  i64x2_sub: 0xd1,
  f64x2_abs: 0xec,
  f64x2_add: 0xf0,
  f64x2_sub: 0xf1,
  f64x2_mul: 0xf2,
  f64x2_div: 0xf3,
  f64x2_min: 0xf4,
  f64x2_max: 0xf5,
  f64x2_pmin: 0xf6,
  f64x2_pmax: 0xf7,
  i64x2_eq: 0xd6,
  f64x2_convert_low_i32x4_s: 0xfe,
  i64x2_bitmask: 0xc4,
  load64_zero: 0x5d,
  store64_lane: 0x5b,
  f32x4_demote_f64x2_zero: 0x5e,
  f64x2_promote_low_f32x4: 0x5f,
} as const;

/** A tiny SSA-style emitter: every value is a v128 local. */
export class V {
  readonly c: Code;
  /** Constants by their 16 bytes (as a key): each one a local set before the loop. */
  readonly consts = new Map<string, number>();
  constructor(c: Code) {
    this.c = c;
  }
  #new(): number {
    return this.c.local(T.v128);
  }
  #const(lanes: Float64Array): number {
    const key = [...new Uint8Array(lanes.buffer)].join(",");
    let l = this.consts.get(key);
    if (l === undefined) this.consts.set(key, l = this.#new());
    return l;
  }
  /** Emits the constants' initialisation (before the loop). */
  init(): void {
    for (const [key, l] of this.consts) {
      this.c.simd(S.v128_const, ...key.split(",").map(Number)).set(l);
    }
  }
  /** A splat float64 constant. */
  f(x: number): number {
    return this.#const(new Float64Array([x, x]));
  }
  /** A splat int64 constant (given as a bigint). */
  i(x: bigint): number {
    return this.#const(new Float64Array(new BigInt64Array([x, x]).buffer));
  }
  /** op(a, b) (or op(a)) into a new local. */
  op(sub: number, a: number, b?: number): number {
    const l = this.#new();
    this.c.get(a);
    if (b !== undefined) this.c.get(b);
    this.c.simd(sub).set(l);
    return l;
  }
  /** A shift of the i64 lanes of `a` by a constant. */
  shift(sub: number, a: number, by: number): number {
    const l = this.#new();
    this.c.get(a).i32(by).simd(sub).set(l);
    return l;
  }
  /** m ? a : b, bitwise. */
  sel(m: number, a: number, b: number): number {
    const l = this.#new();
    this.c.get(a).get(b).get(m).simd(S.bitselect).set(l);
    return l;
  }
  add(a: number, b: number): number {
    return this.op(S.f64x2_add, a, b);
  }
  sub(a: number, b: number): number {
    return this.op(S.f64x2_sub, a, b);
  }
  mul(a: number, b: number): number {
    return this.op(S.f64x2_mul, a, b);
  }
  /** Horner: c[0] + x (c[1] + x (c[2] + ...)). */
  horner(x: number, cs: readonly number[]): number {
    let acc = this.f(cs[cs.length - 1]);
    for (let j = cs.length - 2; j >= 0; j--) acc = this.add(this.f(cs[j]), this.mul(x, acc));
    return acc;
  }
}

const MAGIC = 6755399441055744; // 1.5 * 2^52: x + MAGIC rounds x to an integer in the low bits

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

const LG = [
  6.666666666666735130e-01,
  3.999999999940941908e-01,
  2.857142874366239149e-01,
  2.222219843214978396e-01,
  1.818357216161805012e-01,
  1.531383769920937332e-01,
  1.479819860511658591e-01,
];

function logBody(v: V, x: number): number {
  // subnormals: scale by 2^54 and subtract 54 from the exponent
  const sub = v.op(S.f64x2_lt, x, v.f(2 ** -1022));
  const xs = v.sel(sub, v.mul(x, v.f(2 ** 54)), x);
  const kAdj = v.sel(sub, v.i(54n), v.i(0n));
  // u = bits + (0x3ff00000 - 0x3fe6a09e) << 32; k = (u >> 52) - 1023
  const u = v.op(S.i64x2_add, xs, v.i(BigInt(0x3ff00000 - 0x3fe6a09e) << 32n));
  const k64 = v.op(S.i64x2_sub, v.shift(S.i64x2_shr_u, u, 52), v.op(S.i64x2_add, v.i(1023n), kAdj));
  const mant = v.op(
    S.i64x2_add,
    v.op(S.v128_and, u, v.i(0x000fffffffffffffn)),
    v.i(BigInt(0x3fe6a09e) << 32n),
  );
  const k32 = v.c.local(T.v128);
  v.c.get(k64).get(k64).simd(S.shuffle, ...[0, 1, 2, 3, 8, 9, 10, 11, 0, 1, 2, 3, 8, 9, 10, 11]);
  v.c.simd(S.f64x2_convert_low_i32x4_s).set(k32);
  const dk = k32;
  const f = v.sub(mant, v.f(1));
  const hfsq = v.mul(v.f(0.5), v.mul(f, f));
  const s = v.op(S.f64x2_div, f, v.add(v.f(2), f));
  const z = v.mul(s, s);
  const w = v.mul(z, z);
  const t1 = v.mul(w, v.horner(w, [LG[1], LG[3], LG[5]]));
  const t2 = v.mul(z, v.horner(w, [LG[0], LG[2], LG[4], LG[6]]));
  const R = v.add(t2, t1);
  // s (hfsq + R) + dk ln2_lo - hfsq + f + dk ln2_hi, left to right
  let y = v.add(v.mul(s, v.add(hfsq, R)), v.mul(dk, v.f(1.90821492927058770002e-10)));
  y = v.add(v.sub(y, hfsq), f);
  y = v.add(y, v.mul(dk, v.f(6.93147180369123816490e-01)));
  // specials: NaN and +inf pass through, 0 gives -inf, x < 0 NaN
  y = v.sel(v.op(S.f64x2_eq, x, v.f(Infinity)), x, y);
  y = v.sel(v.op(S.f64x2_eq, x, v.f(0)), v.f(-Infinity), y);
  y = v.sel(v.op(S.f64x2_lt, x, v.f(0)), v.f(NaN), y);
  y = v.sel(v.op(S.f64x2_ne, x, x), x, y);
  return y;
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

/** sin (shift 0) or cos (shift 1) of x; `big` gets the lanes with |x| > TRIG_LIMIT or NaN. */
function trigBody(v: V, x: number, shift: 0 | 1): { y: number; big: number } {
  const ax = v.op(S.f64x2_abs, x);
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
  const rl = v.add(v.sub(s, r), lo);
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
  // not (|x| <= LIMIT): huge, inf or NaN
  const big = v.op(S.v128_xor, v.op(0x4b, /* f64x2.le */ ax, v.f(TRIG_LIMIT)), v.i(-1n));
  return { y, big };
}

/** A kernel body: the result of lane vector `x` and the mask of lanes left to the caller. */
export type Body = (v: V, x: number) => { y: number; big: number | null };

/** The body of each op (the fused maps of map.ts inline them). */
export const BODIES: Record<TranscendOp, Body> = {
  exp: (v, x) => ({ y: expBody(v, x), big: null }),
  log: (v, x) => ({ y: logBody(v, x), big: null }),
  sin: (v, x) => trigBody(v, x, 0),
  cos: (v, x) => trigBody(v, x, 1),
};

/** The ops with a SIMD kernel. */
export type TranscendOp = "exp" | "log" | "sin" | "cos";

/** The names of the ops with a SIMD kernel. */
export const TRANSCEND_OPS: readonly TranscendOp[] = ["exp", "log", "sin", "cos"];

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
};

/**
 * out[i] = op(a[i]) for float64 arrays, or float32 arrays (computed in
 * float64, rounded once to float32), of equal length (`out` may be `a`),
 * through the SIMD kernels in chunks; false (nothing written) when the engine
 * has no simd128. sin/cos of |x| > TRIG_LIMIT, inf or NaN come from Math.*.
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
  if (kernels === null || !(Math.abs(x) <= TRIG_LIMIT) && (op === "sin" || op === "cos")) {
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
