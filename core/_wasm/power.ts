// float64 x ** y as a WebAssembly SIMD (f64x2) kernel, after fdlibm's e_pow.c
// (no table, no FMA; branches become lane selects):
//
// - |x| = 2^n m with m in [sqrt(2)/2, sqrt(2)) split as fdlibm does at
//   sqrt(3/2) and sqrt(3) (bp = 1 or 1.5), s = (m - bp) / (m + bp) as
//   s_h + s_l (s_h: 21 bits, so that products with 21-bit heads are exact),
//   log2|x| = t1 + t2 to about 2^-64 with the L1..L6 polynomial in s^2;
// - y t = (y1 + y2)(t1 + t2) with y1 the 21-bit head of y, as p_h + p_l;
// - 2^(p_h + p_l) = 2^n e^z with n = round(p_h) and fdlibm's rational
//   approximation of e^z, 2^n applied in two exact halves (so subnormal
//   results round once and overflow gives inf).
//
// x < 0 with an integer y gives the signed result, with a non-integer y NaN.
// Lanes with x zero, subnormal, inf or NaN, or |y| >= 2^31, inf or NaN, are
// left to the caller (counted in the return value): it recomputes them with
// NumPy's rules (pow(x, 0) = 1, pow(1, y) = 1, pow(-1, +-inf) = 1, C pow).
//
// Not used by the power ufunc: with about 140 f64x2 operations (two
// divisions) for two elements and no FMA it is no faster than V8's scalar
// pow (fdlibm's too, within 1 ulp), measured by bench/transcend_bench.ts;
// powBody is there for fused expressions (core/_wasm/map.ts) to inline.
//
// Each export is f(out, a, b, n, bStep) on byte addresses: out[i] = a[i] **
// b[i] (bStep 32 for float64, 16 for float32: four elements) or a[i] ** b[0]
// (bStep 0, b[0] and b[1] both the exponent); it writes 4 ceil(n / 4) elements.

import { type Code, ModuleBuilder, Op, T, VOID } from "./_builder.ts";
import { MAGIC, S, V } from "./_vmath.ts";

const HI = -0x100000000n; // keeps the high 32 bits (sign, exponent, 20 mantissa bits)
const L = [
  5.99999999999994648725e-01,
  4.28571428578550184252e-01,
  3.33333329818377432918e-01,
  2.72728123808534006489e-01,
  2.30660745775561754067e-01,
  2.06975017800338417784e-01,
];
const P = [
  1.66666666666666019037e-01,
  -2.77777777770155933842e-03,
  6.61375632143793436117e-05,
  -1.65339022054652515390e-06,
  4.13813679705723846039e-08,
];
const f64Bits = (b: bigint): number => new Float64Array(new BigInt64Array([b]).buffer)[0];

/** The low int32 of each int64 lane of `a` (small integers), as float64 lanes. */
function lowToF64(v: V, a: number): number {
  const r = v.c.local(T.v128);
  v.c.get(a).get(a).simd(S.shuffle, ...[0, 1, 2, 3, 8, 9, 10, 11, 0, 1, 2, 3, 8, 9, 10, 11]);
  v.c.simd(S.f64x2_convert_low_i32x4_s).set(r);
  return r;
}

/** x ** y; `big` gets the lanes left to the caller. */
export function powBody(v: V, x: number, y: number): { y: number; big: number } {
  const hi = (a: number): number => v.op(S.v128_and, a, v.i(HI));
  const div = (a: number, b: number): number => v.op(S.f64x2_div, a, b);
  const ax = v.op(S.f64x2_abs, x);
  const ay = v.op(S.f64x2_abs, y);
  // |x| = 2^dn mval, mval in [1, 2); above sqrt(3): mval / 2 and dn + 1
  const dn0 = lowToF64(v, v.op(S.i64x2_sub, v.shift(S.i64x2_shr_u, ax, 52), v.i(1023n)));
  const m1 = v.op(
    S.v128_or,
    v.op(S.v128_and, ax, v.i(0x000fffffffffffffn)),
    v.i(0x3ff0000000000000n),
  );
  const k0 = v.op(S.f64x2_lt, m1, v.f(f64Bits(0x3ff3988f00000000n)));
  const k1 = v.op(S.f64x2_lt, m1, v.f(f64Bits(0x3ffbb67a00000000n)));
  const large = v.op(S.v128_xor, k1, v.i(-1n));
  const mid = v.op(S.v128_xor, k0, k1); // k = 1: bp = 1.5
  const m = v.sel(large, v.mul(m1, v.f(0.5)), m1);
  const dn = v.sel(large, v.add(dn0, v.f(1)), dn0);
  const bp = v.sel(mid, v.f(1.5), v.f(1));
  const dph = v.sel(mid, v.f(5.84962487220764160156e-01), v.f(0));
  const dpl = v.sel(mid, v.f(1.35003920212974897128e-08), v.f(0));
  // s = (m - bp) / (m + bp) = s_h + s_l
  const u = v.sub(m, bp);
  const vv = div(v.f(1), v.add(m, bp));
  const ss = v.mul(u, vv);
  const sh = hi(ss);
  const th = hi(v.add(m, bp));
  const tl = v.sub(m, v.sub(th, bp));
  const sl = v.mul(vv, v.sub(v.sub(u, v.mul(sh, th)), v.mul(sh, tl)));
  // log2(m) = (2 / (3 ln2)) (s (3 + s^2 + r)) + dp
  let s2 = v.mul(ss, ss);
  let r = v.mul(v.mul(s2, s2), v.horner(s2, L));
  r = v.add(r, v.mul(sl, v.add(sh, ss)));
  s2 = v.mul(sh, sh);
  const th2 = hi(v.add(v.add(v.f(3), s2), r));
  const tl2 = v.sub(r, v.sub(v.sub(th2, v.f(3)), s2));
  const u2 = v.mul(sh, th2);
  const v2 = v.add(v.mul(sl, th2), v.mul(tl2, ss));
  const ph = hi(v.add(u2, v2));
  const pl = v.sub(v2, v.sub(ph, u2));
  const zh = v.mul(v.f(9.61796700954437255859e-01), ph);
  const zl = v.add(
    v.add(v.mul(v.f(-7.02846165095275826516e-09), ph), v.mul(pl, v.f(9.61796693925975554329e-01))),
    dpl,
  );
  // log2|x| = t1 + t2
  const t1 = hi(v.add(v.add(v.add(zh, zl), dph), dn));
  const t2 = v.sub(zl, v.sub(v.sub(v.sub(t1, dn), dph), zh));
  // y log2|x| = p_h + p_l
  const y1 = hi(y);
  const pL = v.add(v.mul(v.sub(y, y1), t1), v.mul(y, t2));
  const pH = v.op(S.f64x2_pmin, v.op(S.f64x2_pmax, v.mul(y1, t1), v.f(-1100)), v.f(1100));
  // 2^(p_h + p_l) = 2^n e^(z + w), n = round(p_h)
  const tn = v.add(pH, v.f(MAGIC));
  const nf = v.sub(tn, v.f(MAGIC));
  const ni = v.op(S.i64x2_sub, tn, v.i(0x4338000000000000n));
  const pH2 = v.sub(pH, nf);
  const t = hi(v.add(pL, pH2));
  const uu = v.mul(t, v.f(6.93147182464599609375e-01));
  const w0 = v.add(
    v.mul(v.sub(pL, v.sub(t, pH2)), v.f(6.93147180559945286227e-01)),
    v.mul(t, v.f(-1.90465429995776804525e-09)),
  );
  const z = v.add(uu, w0);
  const w = v.sub(w0, v.sub(z, uu));
  const zz = v.mul(z, z);
  const tt1 = v.sub(z, v.mul(zz, v.horner(zz, P)));
  const rr = v.sub(div(v.mul(z, tt1), v.sub(tt1, v.f(2))), v.add(w, v.mul(z, w)));
  const e = v.sub(v.f(1), v.sub(rr, z));
  const n1 = v.op(S.i64x2_sub, v.add(v.mul(nf, v.f(0.5)), v.f(MAGIC)), v.i(0x4338000000000000n));
  const n2 = v.op(S.i64x2_sub, ni, n1);
  const bias = v.i(1023n);
  const sc1 = v.shift(S.i64x2_shl, v.op(S.i64x2_add, n1, bias), 52);
  const sc2 = v.shift(S.i64x2_shl, v.op(S.i64x2_add, n2, bias), 52);
  let res = v.mul(v.mul(e, sc1), sc2);
  // x < 0: the sign of an odd integer y, NaN for a non-integer y
  const ty = v.add(ay, v.f(MAGIC));
  const isInt = v.op(S.f64x2_eq, v.sub(ty, v.f(MAGIC)), ay);
  const one = v.i(1n);
  const odd = v.op(S.i64x2_eq, v.op(S.v128_and, ty, one), one);
  const neg = v.op(S.f64x2_lt, x, v.f(0));
  res = v.op(
    S.v128_xor,
    res,
    v.op(S.v128_and, v.op(S.v128_and, neg, odd), v.i(-0x8000000000000000n)),
  );
  res = v.sel(v.op(S.v128_and, neg, v.op(S.v128_xor, isInt, v.i(-1n))), v.f(NaN), res);
  // left to the caller: not (2^-1022 <= |x| < inf and |y| < 2^31)
  const ok = v.op(
    S.v128_and,
    v.op(S.v128_and, v.op(S.f64x2_ge, ax, v.f(2 ** -1022)), v.op(S.f64x2_lt, ax, v.f(Infinity))),
    v.op(S.f64x2_lt, ay, v.f(2 ** 31)),
  );
  return { y: res, big: v.op(S.v128_xor, ok, v.i(-1n)) };
}

/**
 * The loop of one kernel: four elements an iteration, as two independent
 * f64x2 bodies (the long dependency chains overlap); float32 promoted,
 * rounded back.
 */
function emit(c: Code, f32: boolean): void {
  const { i32 } = T;
  const [OUT, A, B, N, BSTEP] = [0, 1, 2, 3, 4];
  const es = f32 ? 4 : 8;
  const end = c.local(i32);
  const count = c.local(i32);
  c.i32(0).set(count);
  // end = out + 4 ceil(n / 4) elements
  c.get(N).i32(3).op(Op.i32_add).i32(-4).op(Op.i32_and).i32(es).op(Op.i32_mul).get(OUT)
    .op(Op.i32_add).set(end);
  const p0 = c.bytes.length;
  const v = new V(c);
  for (let h = 0; h < 2; h++) {
    const off = 2 * es * h;
    const x = c.local(T.v128), y = c.local(T.v128);
    if (f32) {
      c.get(A).vmem(S.load64_zero, off, 2).simd(S.f64x2_promote_low_f32x4).set(x);
      c.get(B);
      if (h) c.get(BSTEP).i32(1).op(Op.i32_shr_u, Op.i32_add);
      c.vmem(S.load64_zero, 0, 2).simd(S.f64x2_promote_low_f32x4).set(y);
    } else {
      c.get(A).vmem(S.load, off, 3).set(x);
      c.get(B);
      if (h) c.get(BSTEP).i32(1).op(Op.i32_shr_u, Op.i32_add);
      c.vmem(S.load, 0, 3).set(y);
    }
    const r = powBody(v, x, y);
    if (f32) {
      c.get(OUT).get(r.y).simd(S.f32x4_demote_f64x2_zero).vmem(S.store64_lane, off, 2).op(0);
    } else c.get(OUT).get(r.y).vmem(S.store, off, 3);
    c.get(count).get(r.big).simd(S.i64x2_bitmask).op(Op.i32_popcnt, Op.i32_add).set(count);
  }
  c.get(OUT).i32(4 * es).op(Op.i32_add).set(OUT);
  c.get(A).i32(4 * es).op(Op.i32_add).set(A);
  c.get(B).get(BSTEP).op(Op.i32_add).set(B);
  const loopBody = c.bytes.splice(p0);
  v.init();
  c.op(Op.block, VOID, Op.loop, VOID);
  c.get(OUT).get(end).op(Op.i32_ge_u, Op.br_if, 1);
  c.op(...loopBody);
  c.op(Op.br, 0, Op.end, Op.end);
  c.get(count);
}

type PowFn = (out: number, a: number, b: number, n: number, bStep: number) => number;

interface PowKernels {
  readonly f64: PowFn;
  readonly f32: PowFn;
  readonly memory: WebAssembly.Memory;
}

let kernels: PowKernels | null | undefined;

function powKernels(): PowKernels | null {
  const mb = new ModuleBuilder({ initial: 2, maximum: 2, shared: false });
  const { i32 } = T;
  mb.func("pow", [i32, i32, i32, i32, i32], [i32], (c) => emit(c, false));
  mb.func("pow_f32", [i32, i32, i32, i32, i32], [i32], (c) => emit(c, true));
  const bytes = mb.build();
  if (!WebAssembly.validate(bytes)) return null;
  const memory = new WebAssembly.Memory({ initial: 2, maximum: 2 });
  const inst = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } });
  return { f64: inst.exports.pow as PowFn, f32: inst.exports.pow_f32 as PowFn, memory };
}

/** NumPy's power for one pair (C pow): the lanes the kernel leaves to the caller. */
export function powScalar(x: number, y: number): number {
  if (y === 0 || x === 1) return 1;
  if (x === -1 && (y === Infinity || y === -Infinity)) return 1;
  return x ** y;
}

/** Whether the kernel leaves (x, y) to the caller. */
function leftOver(x: number, y: number): boolean {
  const ax = Math.abs(x);
  return !(ax >= 2 ** -1022 && ax < Infinity && Math.abs(y) < 2 ** 31);
}

/**
 * x ** y for one float64 pair with exactly the bits of {@link power} (the
 * kernel, or the special-case rules where it leaves the pair to the caller).
 */
export function powerScalar(x: number, y: number): number {
  if (kernels === undefined) kernels = powKernels();
  if (kernels === null || leftOver(x, y)) return powScalar(x, y);
  const m = new Float64Array(kernels.memory.buffer as ArrayBuffer, 0, 12);
  m.fill(1, 0, 4);
  m[0] = x;
  m[4] = m[5] = y;
  kernels.f64(64, 0, 32, 1, 0);
  return m[8];
}

/** Elements per kernel call (the three chunks fit the kernels' 128 KiB memory). */
const CHUNK = 2048;

/**
 * out[i] = a[i] ** b[i] (or a[i] ** b when `b` is a number) for float64 or
 * float32 arrays of equal length (float32 computed in float64 and rounded
 * once), with NumPy's special cases; `out` may be `a` or `b`. False (nothing
 * written) without simd128.
 */
export function power<A extends Float64Array | Float32Array>(
  out: A,
  a: A,
  b: A | number,
): boolean {
  if (kernels === undefined) kernels = powKernels();
  if (kernels === null) return false;
  const f32 = a instanceof Float32Array;
  const es = f32 ? 4 : 8;
  const f = f32 ? kernels.f32 : kernels.f64;
  const buf = kernels.memory.buffer as ArrayBuffer;
  const Ctor = f32 ? Float32Array : Float64Array;
  const va = new Ctor(buf, 0, CHUNK), vb = new Ctor(buf, CHUNK * es, CHUNK);
  const vo = new Ctor(buf, 2 * CHUNK * es, CHUNK);
  const scalar = typeof b === "number";
  if (scalar) vb[0] = vb[1] = b;
  for (let i = 0; i < a.length; i += CHUNK) {
    const m = Math.min(CHUNK, a.length - i);
    va.set(a.subarray(i, i + m));
    if (!scalar) vb.set(b.subarray(i, i + m));
    for (let j = m; j < ((m + 3) & ~3); j++) {
      va[j] = 1;
      if (!scalar) vb[j] = 1;
    }
    const left = f(2 * CHUNK * es, 0, CHUNK * es, m, scalar ? 0 : 4 * es);
    if (left > 0) {
      for (let j = 0; j < m; j++) {
        const y = scalar ? b : vb[j];
        if (leftOver(va[j], y)) vo[j] = powScalar(va[j], y);
      }
    }
    out.set(m === CHUNK ? vo : vo.subarray(0, m), i);
  }
  return true;
}
