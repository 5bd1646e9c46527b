// The f64x2 expression builder the SIMD transcendental kernels are written
// in (transcend.ts, map.ts), and the bodies of log, log1p, log2, log10,
// expm1, tanh, sinh, cosh and arctan, after the algorithms of fdlibm / musl
// (no table, no FMA: wasm SIMD has none; branches become lane selects):
//
// - log family: x = 2^k (1 + f) with sqrt(2)/2 <= 1 + f < sqrt(2) (subnormals
//   scaled by 2^54 first), s = f / (2 + f), the Lg1..Lg7 polynomial in s^2.
//   log2/log10 split f - f^2/2 into a 32-bit head and a tail before scaling
//   (musl's log2.c / log10.c), so that exact powers give exact results.
//   log1p reduces u = 1 + x, adds the rounding error of u as c / u (k != 0),
//   and uses f = x where k = 0.
// - expm1: k = round(x / ln2), r = hi - lo (Cody-Waite), e^r - 1 =
//   hi + (r^2 q(r) - lo) with the degree-13 Taylor q; then
//   (2^k - 1) + 2^k hi summed exactly (TwoSum) plus 2^k (r^2 q - lo). The same
//   pieces give e^x = (1 + (e^r - 1)) 2^k1 2^k2 for the overflow range.
// - tanh, sinh, cosh: fdlibm's formulas on one expm1 / exp evaluation, the
//   branch chosen per lane.
// - arctan: fdlibm's five intervals as one reduction (a|x| - b) / (c + d|x|)
//   with per-lane constants, then atanhi - ((x (s1 + s2) - atanlo) - x).

import { type Code, T } from "./_builder.ts";

/** SIMD sub-opcodes used here. */
export const S = {
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
  f64x2_le: 0x4b,
  f64x2_ge: 0x4c,
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

export const MAGIC = 6755399441055744; // 1.5 * 2^52: x + MAGIC rounds x to an integer in the low bits

const LG = [
  6.666666666666735130e-01,
  3.999999999940941908e-01,
  2.857142874366239149e-01,
  2.222219843214978396e-01,
  1.818357216161805012e-01,
  1.531383769920937332e-01,
  1.479819860511658591e-01,
];

const LN2_HI = 6.93147180369123816490e-01;
const LN2_LO = 1.90821492927058770002e-10;
const SIGN = -0x8000000000000000n;

/** x = 2^dk (1 + f): f in [sqrt(2)/2 - 1, sqrt(2) - 1), dk a float64 (x > 0 normal or subnormal). */
function logReduce(v: V, x: number): { f: number; dk: number } {
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
  const dk = v.c.local(T.v128);
  v.c.get(k64).get(k64).simd(S.shuffle, ...[0, 1, 2, 3, 8, 9, 10, 11, 0, 1, 2, 3, 8, 9, 10, 11]);
  v.c.simd(S.f64x2_convert_low_i32x4_s).set(dk);
  return { f: v.sub(mant, v.f(1)), dk };
}

/** log(1 + f) = f - hfsq + s (hfsq + R). */
function logPoly(v: V, f: number): { hfsq: number; s: number; R: number } {
  const hfsq = v.mul(v.f(0.5), v.mul(f, f));
  const s = v.op(S.f64x2_div, f, v.add(v.f(2), f));
  const z = v.mul(s, s);
  const w = v.mul(z, z);
  const t1 = v.mul(w, v.horner(w, [LG[1], LG[3], LG[5]]));
  const t2 = v.mul(z, v.horner(w, [LG[0], LG[2], LG[4], LG[6]]));
  return { hfsq, s, R: v.add(t2, t1) };
}

/** log's specials on argument `x` (1 + x for log1p, `one` = -1): NaN, +inf, zero, negative. */
function logSpecials(v: V, x: number, y: number, zero: number): number {
  y = v.sel(v.op(S.f64x2_eq, x, v.f(Infinity)), x, y);
  y = v.sel(v.op(S.f64x2_eq, x, v.f(zero)), v.f(-Infinity), y);
  y = v.sel(v.op(S.f64x2_lt, x, v.f(zero)), v.f(NaN), y);
  return v.sel(v.op(S.f64x2_ne, x, x), x, y);
}

/** Natural logarithm. */
export function logBody(v: V, x: number): number {
  const { f, dk } = logReduce(v, x);
  const { hfsq, s, R } = logPoly(v, f);
  // s (hfsq + R) + dk ln2_lo - hfsq + f + dk ln2_hi, left to right
  let y = v.add(v.mul(s, v.add(hfsq, R)), v.mul(dk, v.f(LN2_LO)));
  y = v.add(v.sub(y, hfsq), f);
  y = v.add(y, v.mul(dk, v.f(LN2_HI)));
  return logSpecials(v, x, y, 0);
}

/** log(1 + x), accurate near x = 0. */
export function log1pBody(v: V, x: number): number {
  const u = v.add(v.f(1), x);
  const red = logReduce(v, u);
  const k0 = v.op(S.f64x2_eq, red.dk, v.f(0));
  // the rounding error of u, relative: (k >= 2 ? 1 - (u - x) : x - (u - 1)) / u
  const c1 = v.sel(
    v.op(S.f64x2_ge, red.dk, v.f(2)),
    v.sub(v.f(1), v.sub(u, x)),
    v.sub(x, v.sub(u, v.f(1))),
  );
  const c = v.sel(k0, v.f(0), v.op(S.f64x2_div, c1, u));
  const f = v.sel(k0, x, red.f);
  const dk = red.dk;
  const { hfsq, s, R } = logPoly(v, f);
  let y = v.add(v.mul(s, v.add(hfsq, R)), v.add(v.mul(dk, v.f(LN2_LO)), c));
  y = v.add(v.sub(y, hfsq), f);
  y = v.add(y, v.mul(dk, v.f(LN2_HI)));
  y = logSpecials(v, x, y, -1);
  return v.sel(v.op(S.f64x2_lt, v.op(S.f64x2_abs, x), v.f(2 ** -54)), x, y);
}

/** log2 (base 2, `ten` false) or log10. */
function logBaseBody(v: V, x: number, ten: boolean): number {
  const { f, dk } = logReduce(v, x);
  const { hfsq, s, R } = logPoly(v, f);
  // hi = f - hfsq with its low 32 bits cleared, lo the rest
  const hi = v.op(S.v128_and, v.sub(f, hfsq), v.i(-0x100000000n));
  const lo = v.add(v.sub(v.sub(f, hi), hfsq), v.mul(s, v.add(hfsq, R)));
  let valHi: number, valLo: number, y: number;
  if (ten) {
    valHi = v.mul(hi, v.f(4.34294481878168880939e-01));
    y = v.mul(dk, v.f(3.01029995663611771306e-01));
    valLo = v.add(
      v.add(
        v.mul(dk, v.f(3.69423907715893078616e-13)),
        v.mul(v.add(lo, hi), v.f(2.50829467116452752298e-11)),
      ),
      v.mul(lo, v.f(4.34294481878168880939e-01)),
    );
  } else {
    valHi = v.mul(hi, v.f(1.44269504072144627571e+00));
    y = dk;
    valLo = v.add(
      v.mul(v.add(lo, hi), v.f(1.67517131648865118353e-10)),
      v.mul(lo, v.f(1.44269504072144627571e+00)),
    );
  }
  const w = v.add(y, valHi);
  valLo = v.add(valLo, v.add(v.sub(y, w), valHi));
  return logSpecials(v, x, v.add(valLo, w), 0);
}

/** log2. */
export function log2Body(v: V, x: number): number {
  return logBaseBody(v, x, false);
}

/** log10. */
export function log10Body(v: V, x: number): number {
  return logBaseBody(v, x, true);
}

/** a + b as a double-double (TwoSum: no condition on the magnitudes). */
export function twoSum(v: V, a: number, b: number): [number, number] {
  const s = v.add(a, b);
  const bb = v.sub(s, a);
  return [s, v.add(v.sub(a, v.sub(s, bb)), v.sub(b, bb))];
}

/** a + b as a double-double when |a| >= |b| (Fast2Sum). */
function fastSum(v: V, a: number, b: number): [number, number] {
  const s = v.add(a, b);
  return [s, v.sub(b, v.sub(s, a))];
}

/** a b as a double-double (Dekker's product with Veltkamp's split: no FMA). */
function twoProd(v: V, a: number, b: number): [number, number] {
  const split = (x: number): [number, number] => {
    const c = v.mul(x, v.f(134217729));
    const h = v.sub(c, v.sub(c, x));
    return [h, v.sub(x, h)];
  };
  const [ah, al] = split(a), [bh, bl] = split(b);
  const p = v.mul(a, b);
  const e = v.add(
    v.add(v.add(v.sub(v.mul(ah, bh), p), v.mul(ah, bl)), v.mul(al, bh)),
    v.mul(al, bl),
  );
  return [p, e];
}

/** The parts of e^x from one reduction, x clamped to [-45, 710] (NaN passes). */
interface ExpParts {
  /** e^x - 1 as a double-double (`em1` + `em1l`); not for |x| < 2^-54 (the caller returns x). */
  readonly em1: number;
  readonly em1l: number;
  /** e^x as a double-double (`ex` + `exl`; `ex` overflows to inf past 709.78). */
  readonly ex: number;
  readonly exl: number;
}

function expm1Parts(v: V, x0: number): ExpParts {
  const x = v.op(S.f64x2_pmin, v.op(S.f64x2_pmax, x0, v.f(-45)), v.f(710));
  const t = v.add(v.mul(x, v.f(1.4426950408889634)), v.f(MAGIC));
  const kf = v.sub(t, v.f(MAGIC));
  const ki = v.op(S.i64x2_sub, t, v.i(0x4338000000000000n));
  const hi = v.sub(x, v.mul(kf, v.f(LN2_HI))); // exact
  const lo = v.mul(kf, v.f(LN2_LO));
  const r = v.sub(hi, lo);
  const inv = [1 / 2];
  for (let j = 3; j <= 13; j++) inv.push(inv[inv.length - 1] / j);
  const tt = v.sub(v.mul(v.mul(r, r), v.horner(r, inv)), lo); // e^r - 1 = hi + tt
  const k1 = v.op(S.i64x2_sub, v.add(v.mul(kf, v.f(0.5)), v.f(MAGIC)), v.i(0x4338000000000000n));
  const k2 = v.op(S.i64x2_sub, ki, k1);
  const bias = v.i(1023n);
  const s1 = v.shift(S.i64x2_shl, v.op(S.i64x2_add, k1, bias), 52);
  const s2 = v.shift(S.i64x2_shl, v.op(S.i64x2_add, k2, bias), 52);
  // e^r = 1 + hi + tt with the sum 1 + hi exact
  const [one, e1] = twoSum(v, v.f(1), hi);
  const [eh, el] = fastSum(v, one, v.add(e1, tt));
  const ex = v.mul(v.mul(eh, s1), s2);
  const exl = v.mul(v.mul(el, s1), s2);
  // 2^k - 1 + 2^k hi as an exact sum, then + 2^k tt
  const sc = v.mul(s1, s2);
  const [sum, err] = twoSum(v, v.sub(sc, v.f(1)), v.mul(sc, hi));
  const [mh, ml] = fastSum(v, sum, v.add(err, v.mul(sc, tt)));
  const over = v.op(S.f64x2_gt, x, v.f(709));
  return { em1: v.sel(over, ex, mh), em1l: v.sel(over, exl, ml), ex, exl };
}

/** e^x - 1, accurate near x = 0. */
export function expm1Body(v: V, x: number): number {
  const { em1 } = expm1Parts(v, x);
  return v.sel(v.op(S.f64x2_lt, v.op(S.f64x2_abs, x), v.f(2 ** -54)), x, em1);
}

/** |y| with the sign of x. */
function copySign(v: V, y: number, x: number): number {
  return v.op(
    S.v128_or,
    v.op(S.f64x2_abs, y),
    v.op(S.v128_and, x, v.i(SIGN)),
  );
}

/** Hyperbolic tangent. */
export function tanhBody(v: V, x: number): number {
  const ax = v.op(S.f64x2_abs, x);
  // t = expm1(2|x|): |x| > log(3)/2: 1 - 2 / (t + 2), else t / (t + 2) with
  // t and t + 2 as double-doubles and the quotient corrected once
  const { em1: th, em1l: tl } = expm1Parts(v, v.add(ax, ax));
  const [dh0, dl0] = twoSum(v, th, v.f(2));
  const [dh, dl] = fastSum(v, dh0, v.add(dl0, tl));
  const q = v.op(S.f64x2_div, th, dh);
  const [p, pe] = twoProd(v, q, dh);
  const rem = v.sub(v.add(v.sub(v.sub(th, p), pe), tl), v.mul(q, dl));
  const small = v.add(q, v.op(S.f64x2_div, rem, dh));
  let y = v.sel(
    v.op(S.f64x2_gt, ax, v.f(0.5493061443340549)),
    v.sub(v.f(1), v.op(S.f64x2_div, v.f(2), dh)),
    small,
  );
  y = v.sel(v.op(S.f64x2_gt, ax, v.f(22)), v.f(1), y);
  y = copySign(v, y, x);
  y = v.sel(v.op(S.f64x2_lt, ax, v.f(2 ** -55)), x, y);
  return v.sel(v.op(S.f64x2_ne, x, x), x, y);
}

/** 1/3!, 1/5!, ..., 1/17!: sinh(x) = x + x^3 P(x^2) for |x| < 1 (truncation under 0.05 ulp). */
const SINH_TAYLOR = Array.from({ length: 8 }, (_, j) => {
  let f = 1;
  for (let i = 2; i <= 2 * j + 3; i++) f *= i;
  return 1 / f;
});

/** sinh (`cosh` false) or cosh. */
function hypBody(v: V, x: number, cosh: boolean): number {
  const ax = v.op(S.f64x2_abs, x);
  // beyond exp's overflow e^|x| / 2 = (e^(|x| / 2) / 2) e^(|x| / 2)
  const over = v.op(S.f64x2_gt, ax, v.f(709.78));
  const { ex, exl } = expm1Parts(v, v.sel(over, v.mul(ax, v.f(0.5)), ax));
  const half = v.f(0.5);
  // e^2h / 2 = 2 ((ex / 4) ex + (ex / 2) exl) (halved so that no step overflows first)
  const [p, pe] = twoProd(v, v.mul(ex, v.f(0.25)), ex);
  const sq = v.mul(v.add(p, v.add(pe, v.mul(v.mul(half, ex), exl))), v.f(2));
  const sqInf = v.sel(v.op(S.f64x2_eq, p, v.f(Infinity)), p, sq); // pe is NaN there
  const big = v.sel(over, sqInf, v.mul(half, ex));
  // |x| < 22: (e^|x| +- e^-|x|) / 2 with e^|x| a double-double
  const rcp = v.op(S.f64x2_div, v.f(1), ex);
  const [d, de] = cosh ? fastSum(v, ex, rcp) : fastSum(v, ex, v.op(0xed, /* f64x2.neg */ rcp));
  const mid = v.mul(half, v.add(d, v.add(de, exl)));
  let y = v.sel(v.op(S.f64x2_lt, ax, v.f(22)), mid, big);
  if (cosh) return v.sel(v.op(S.f64x2_ne, x, x), x, y);
  const x2 = v.mul(ax, ax);
  const taylor = v.add(ax, v.mul(v.mul(ax, x2), v.horner(x2, SINH_TAYLOR)));
  y = v.sel(v.op(S.f64x2_lt, ax, v.f(1)), taylor, y);
  y = copySign(v, y, x);
  return v.sel(v.op(S.f64x2_ne, x, x), x, y);
}

/** Hyperbolic sine. */
export function sinhBody(v: V, x: number): number {
  return hypBody(v, x, false);
}

/** Hyperbolic cosine. */
export function coshBody(v: V, x: number): number {
  return hypBody(v, x, true);
}

const ATAN_HI = [
  4.63647609000806093515e-01,
  7.85398163397448278999e-01,
  9.82793723247329054082e-01,
  1.57079632679489655800e+00,
];
const ATAN_LO = [
  2.26987774529616870924e-17,
  3.06161699786838301793e-17,
  1.39033110312309984516e-17,
  6.12323399573676603587e-17,
];
const AT = [
  3.33333333333329318027e-01,
  -1.99999999998764832476e-01,
  1.42857142725034663711e-01,
  -1.11111104054623557880e-01,
  9.09088713343650656196e-02,
  -7.69187620504482999495e-02,
  6.66107313738753120669e-02,
  -5.83357013379057348645e-02,
  4.97687799461593236017e-02,
  -3.65315727442169155270e-02,
  1.62858201153657823623e-02,
];

/** Arc tangent. */
export function atanBody(v: V, x: number): number {
  const ax = v.op(S.f64x2_abs, x);
  // interval id -1..3 at |x| >= 7/16, 11/16, 19/16, 39/16
  const m = [7 / 16, 11 / 16, 19 / 16, 39 / 16].map((b) => v.op(S.f64x2_ge, ax, v.f(b)));
  const pick = (vals: readonly number[]): number => {
    let r = v.f(vals[0]);
    for (let j = 1; j < 5; j++) r = v.sel(m[j - 1], v.f(vals[j]), r);
    return r;
  };
  // id -1: x; 0: (2x - 1) / (2 + x); 1: (x - 1) / (x + 1); 2: (x - 1.5) / (1 + 1.5x); 3: -1 / x
  const num = v.sub(v.mul(pick([1, 2, 1, 1, 0]), ax), pick([0, 1, 1, 1.5, 1]));
  const den = v.add(pick([1, 2, 1, 1, 0]), v.mul(pick([0, 1, 1, 1.5, 1]), ax));
  const xr = v.op(S.f64x2_div, num, den);
  const z = v.mul(xr, xr);
  const w = v.mul(z, z);
  const s1 = v.mul(z, v.horner(w, [AT[0], AT[2], AT[4], AT[6], AT[8], AT[10]]));
  const s2 = v.mul(w, v.horner(w, [AT[1], AT[3], AT[5], AT[7], AT[9]]));
  const hi = pick([0, ...ATAN_HI]);
  const lo = pick([0, ...ATAN_LO]);
  let y = v.sub(hi, v.sub(v.sub(v.mul(xr, v.add(s1, s2)), lo), xr));
  y = v.sel(v.op(S.f64x2_eq, ax, v.f(Infinity)), v.f(ATAN_HI[3] + ATAN_LO[3]), y);
  y = copySign(v, y, x);
  return v.sel(v.op(S.f64x2_ne, x, x), x, y);
}
