// Philox4x32-10 in WebAssembly SIMD (simd128): four counters per vector, the
// same bit stream as the scalar kernel of core/random.ts (which stays as the
// reference the tests compare against).
//
// Layout: lanes hold four consecutive elements ("structure of arrays"): the
// vector C0 holds word 0 of elements j..j+3, and so on. The 64-bit counters
// flat + j * step are kept as two i64x2 vectors (elements j, j+1 and j+2,
// j+3); C0 gathers their low halves, C1 their high halves. One round:
//
//   p0 = u64(C0) * M0, p1 = u64(C2) * M1       (i64x2.extmul_{low,high}_i32x4_u)
//   C0' = hi(p1) ^ C1 ^ k0, C1' = lo(p1), C2' = hi(p0) ^ C3 ^ k1, C3' = lo(p0)
//
// where hi / lo gather the odd / even 32-bit lanes of the two products
// (i8x16.shuffle). Two groups of four elements run interleaved per loop
// iteration for instruction-level parallelism. Both exports write
// 8 * ceil(n / 8) elements (callers size their buffers for that):
//
//   words(out, n, k0, k1, flat: i64, step: i64, c2, c3)
//     the four words of counter (flat + j * step, c2, c3) at out + 16 j
//   uniform(out, n, k0, k1, flat: i64, step: i64, c2, c3)
//     the double ((w0 >>> 5) * 2^26 + (w1 >>> 6)) * 2^-53 at out + 8 j, exactly
//     as fillUniform computes it (both products and the sum are exact)
//   uniform32(out, n, k0, k1, flat: i64, step: i64, c2, c3, lo, width)
//     the float32 rounding of lo[j] + width[j] * u (u that double; lo and
//     width float64 arrays at lo + 8 j and width + 8 j) at out + 4 j: the
//     affine map and the rounding of uniform() with dtype float32, fused

import { Code, ModuleBuilder, Op, T, VOID } from "./_builder.ts";

const M0 = 0xD2511F53;
const M1 = 0xCD9E8D57;
const W0 = 0x9E3779B9;
const W1 = 0xBB67AE85;

/** SIMD sub-opcodes used here beyond those of _builder.ts. */
const S = {
  load: 0x00,
  store: 0x0b,
  shuffle: 0x0d,
  i32x4_splat: 0x11,
  i64x2_splat: 0x12,
  v128_and: 0x4e,
  v128_xor: 0x51,
  i32x4_shr_u: 0xad,
  i64x2_add: 0xce,
  i64x2_extmul_low_i32x4_u: 0xde,
  i64x2_extmul_high_i32x4_u: 0xdf,
  f64x2_mul: 0xf2,
  f64x2_add: 0xf0,
  f64x2_convert_low_i32x4_u: 0xff,
  f32x4_demote_f64x2_zero: 0x5e,
} as const;

/** Byte indices of an i8x16.shuffle that picks 32-bit lanes (0-3 of a, 4-7 of b). */
function lanes(...l: number[]): number[] {
  return l.flatMap((x) => [4 * x, 4 * x + 1, 4 * x + 2, 4 * x + 3]);
}

const EVEN = lanes(0, 2, 4, 6);
const ODD = lanes(1, 3, 5, 7);
const I64_CONST = 0x42;
const I64_MUL = 0x7e;

/** Groups of four elements interleaved per loop iteration (3 and 4 measured no faster). */
const G = 2;
/** The elements per loop iteration. */
export const PHILOX_GROUP = 4 * G;

function emit(c: Code, kind: "words" | "uniform" | "uniform32"): void {
  const { i32, v128 } = T;
  const [OUT, N, K0, K1, FLAT, STEP, C2I, C3I, LO, WIDTH] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
  const v = (): number => c.local(v128);
  const end = c.local(i32);
  const m0 = v(), m1 = v(), c2i = v(), c3i = v(), step4 = v();
  const keys: number[] = [];
  for (let r = 0; r < 20; r++) keys.push(v());
  // counters of elements j..j+3 (lo: j, j+1; hi: j+2, j+3) and j+4..j+7
  const ctr = Array.from({ length: 2 * G }, () => v());
  const x: number[][] = [];
  for (let g = 0; g < G; g++) x.push([v(), v(), v(), v()]);
  const p0l = v(), p0h = v(), p1l = v(), p1h = v();
  const splat32 = (get: () => void, dst: number) => {
    get();
    c.simd(S.i32x4_splat).set(dst);
  };
  splat32(() => c.i32(M0), m0);
  splat32(() => c.i32(M1), m1);
  splat32(() => c.get(C2I), c2i);
  splat32(() => c.get(C3I), c3i);
  for (let r = 0; r < 10; r++) {
    splat32(() => c.get(K0).i32(r * W0).op(Op.i32_add), keys[2 * r]);
    splat32(() => c.get(K1).i32(r * W1).op(Op.i32_add), keys[2 * r + 1]);
  }
  // ctr[q] = [flat + (2q) step, flat + (2q+1) step]
  for (let q = 0; q < 2 * G; q++) {
    c.get(FLAT).op(I64_CONST, 2 * q).get(STEP).op(I64_MUL, 0x7c); // flat + 2q * step
    c.simd(S.i64x2_splat);
    c.get(STEP).simd(S.i64x2_splat).vconst(new Float64Array(new BigInt64Array([0n, -1n]).buffer));
    c.simd(S.v128_and).simd(S.i64x2_add).set(ctr[q]);
  }
  c.get(STEP).op(I64_CONST, 4 * G, I64_MUL).simd(S.i64x2_splat).set(step4);
  // end = out + (8 ceil(n / 8)) * bytes per element
  const es = kind === "words" ? 16 : kind === "uniform" ? 8 : 4;
  c.get(N).i32(4 * G - 1).op(Op.i32_add).i32(-4 * G).op(Op.i32_and);
  c.i32(Math.log2(es)).op(Op.i32_shl).get(OUT).op(Op.i32_add).set(end);
  c.op(Op.block, VOID, Op.loop, VOID);
  c.get(OUT).get(end).op(Op.i32_ge_u, Op.br_if, 1);
  for (let g = 0; g < G; g++) {
    const [a, b] = [ctr[2 * g], ctr[2 * g + 1]];
    c.get(a).get(b).simd(S.shuffle, ...EVEN).set(x[g][0]);
    c.get(a).get(b).simd(S.shuffle, ...ODD).set(x[g][1]);
    c.get(c2i).set(x[g][2]);
    c.get(c3i).set(x[g][3]);
  }
  for (let r = 0; r < 10; r++) {
    for (let g = 0; g < G; g++) {
      const [X0, X1, X2, X3] = x[g];
      c.get(X0).get(m0).simd(S.i64x2_extmul_low_i32x4_u).set(p0l);
      c.get(X0).get(m0).simd(S.i64x2_extmul_high_i32x4_u).set(p0h);
      c.get(X2).get(m1).simd(S.i64x2_extmul_low_i32x4_u).set(p1l);
      c.get(X2).get(m1).simd(S.i64x2_extmul_high_i32x4_u).set(p1h);
      c.get(p1l).get(p1h).simd(S.shuffle, ...ODD).get(X1).simd(S.v128_xor);
      c.get(keys[2 * r]).simd(S.v128_xor).set(X0);
      c.get(p1l).get(p1h).simd(S.shuffle, ...EVEN).set(X1);
      c.get(p0l).get(p0h).simd(S.shuffle, ...ODD).get(X3).simd(S.v128_xor);
      c.get(keys[2 * r + 1]).simd(S.v128_xor).set(X2);
      c.get(p0l).get(p0h).simd(S.shuffle, ...EVEN).set(X3);
    }
  }
  for (let g = 0; g < G; g++) {
    const [X0, X1, X2, X3] = x[g];
    if (kind === "words") {
      // 4x4 transpose: element e's words w0..w3 at out + 16 e
      c.get(X0).get(X1).simd(S.shuffle, ...lanes(0, 4, 1, 5)).set(p0l); // a0 a1 b0 b1
      c.get(X2).get(X3).simd(S.shuffle, ...lanes(0, 4, 1, 5)).set(p0h); // a2 a3 b2 b3
      c.get(X0).get(X1).simd(S.shuffle, ...lanes(2, 6, 3, 7)).set(p1l); // c0 c1 d0 d1
      c.get(X2).get(X3).simd(S.shuffle, ...lanes(2, 6, 3, 7)).set(p1h); // c2 c3 d2 d3
      const rows: [number, number, number[]][] = [
        [p0l, p0h, lanes(0, 1, 4, 5)],
        [p0l, p0h, lanes(2, 3, 6, 7)],
        [p1l, p1h, lanes(0, 1, 4, 5)],
        [p1l, p1h, lanes(2, 3, 6, 7)],
      ];
      rows.forEach(([s, t, sh], e) => {
        c.get(OUT).get(s).get(t).simd(S.shuffle, ...sh).vmem(S.store, 64 * g + 16 * e, 0);
      });
    } else {
      // hi = w0 >>> 5 (27 bits), lo = w1 >>> 6 (26 bits): exact in float64
      c.get(X0).i32(5).simd(S.i32x4_shr_u).set(X0);
      c.get(X1).i32(6).simd(S.i32x4_shr_u).set(X1);
      for (let h = 0; h < 2; h++) {
        const pick = h === 0
          ? (q: number) => c.get(q)
          : (q: number) => c.get(q).get(q).simd(S.shuffle, ...lanes(2, 3, 2, 3));
        if (kind === "uniform") c.get(OUT);
        else c.get(LO).vmem(S.load, 32 * g + 16 * h, 0).get(WIDTH).vmem(S.load, 32 * g + 16 * h, 0);
        pick(X0);
        c.simd(S.f64x2_convert_low_i32x4_u);
        c.vconst(new Float64Array([67108864, 67108864])).simd(S.f64x2_mul);
        pick(X1);
        c.simd(S.f64x2_convert_low_i32x4_u).simd(S.f64x2_add);
        c.vconst(new Float64Array([2 ** -53, 2 ** -53])).simd(S.f64x2_mul);
        if (kind === "uniform") {
          c.vmem(S.store, 32 * g + 16 * h, 0);
        } else {
          // lo + width * u, rounded to float32 in lanes 0-1 (p0l: elements 0-1, p0h: 2-3)
          c.simd(S.f64x2_mul).simd(S.f64x2_add).simd(S.f32x4_demote_f64x2_zero);
          c.set(h === 0 ? p0l : p0h);
        }
      }
      if (kind === "uniform32") {
        c.get(OUT).get(p0l).get(p0h).simd(S.shuffle, ...lanes(0, 1, 4, 5));
        c.vmem(S.store, 16 * g, 0);
      }
    }
  }
  for (let q = 0; q < 2 * G; q++) c.get(ctr[q]).get(step4).simd(S.i64x2_add).set(ctr[q]);
  c.get(OUT).i32(4 * G * es).op(Op.i32_add).set(OUT);
  if (kind === "uniform32") {
    for (const p of [LO, WIDTH]) c.get(p).i32(4 * G * 8).op(Op.i32_add).set(p);
  }
  c.op(Op.br, 0, Op.end, Op.end);
}

/** Signature shared by both kernels. */
export type PhiloxSimdFn = (
  out: number,
  n: number,
  k0: number,
  k1: number,
  flat: bigint,
  step: bigint,
  c2: number,
  c3: number,
) => void;

/** Signature of the float32 kernel: the shared one, then `lo` and `width` addresses. */
export type PhiloxSimd32Fn = (
  out: number,
  n: number,
  k0: number,
  k1: number,
  flat: bigint,
  step: bigint,
  c2: number,
  c3: number,
  lo: number,
  width: number,
) => void;

/** The SIMD kernels over one private memory. */
export interface PhiloxSimd {
  /** Writes the four Philox words of each element (16 bytes an element). */
  words: PhiloxSimdFn;
  /** Writes the uniform double of each element (8 bytes an element). */
  uniform: PhiloxSimdFn;
  /** Writes the float32 of `lo + width * uniform` of each element (4 bytes an element). */
  uniform32: PhiloxSimd32Fn;
  /** The kernels' memory. */
  memory: WebAssembly.Memory;
}

/**
 * Instantiates the SIMD Philox kernels over a new memory of `pages` pages
 * (64 KiB each); null when the engine has no simd128.
 */
export function philoxSimd(pages: number): PhiloxSimd | null {
  const { i32, i64 } = T;
  const mb = new ModuleBuilder({ initial: pages, maximum: pages, shared: false });
  const params = [i32, i32, i32, i32, i64, i64, i32, i32] as const;
  mb.func("words", params, [], (c) => emit(c, "words"));
  mb.func("uniform", params, [], (c) => emit(c, "uniform"));
  mb.func("uniform32", [...params, i32, i32], [], (c) => emit(c, "uniform32"));
  const bytes = mb.build();
  if (!WebAssembly.validate(bytes)) return null;
  const memory = new WebAssembly.Memory({ initial: pages, maximum: pages });
  const inst = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } });
  return {
    words: inst.exports.words as PhiloxSimdFn,
    uniform: inst.exports.uniform as PhiloxSimdFn,
    uniform32: inst.exports.uniform32 as PhiloxSimd32Fn,
    memory,
  };
}

// The scalar kernel, one counter at a time (64-bit integer multiplies; about
// three times faster than the JS philox4x32 of core/random.ts). The fallback
// where simd128 is missing, and the reference the SIMD kernel is tested against.
// philox(out, n, k0, k1, flat: i64, step: i64, c2, c3) writes the four words
// of counters (flat + j * step, c2, c3) for j < n at out + 16 j. In WAT:
//
//   (func (export "philox") (param $out i32) (param $n i32) (param $k0 i32) (param $k1 i32)
//         (param $flat i64) (param $step i64) (param $c2i i32) (param $c3i i32)
//     j = 0
//     loop until j >= n:
//       c0 = wrap(flat); c1 = wrap(flat >> 32); c2 = c2i; c3 = c3i; kk0 = k0; kk1 = k1
//       repeat 10: p0 = u64(c0) * M0; p1 = u64(c2) * M1
//                  c0 = hi(p1) ^ c1 ^ kk0; c1 = lo(p1); c2 = hi(p0) ^ c3 ^ kk1; c3 = lo(p0)
//                  kk0 += W0; kk1 += W1
//       store c0..c3 at out + 16 j; flat += step; j++)
//   (memory (export "memory") 1)
function ulebN(n: number): number[] {
  const o: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n) b |= 0x80;
    o.push(b);
  } while (n);
  return o;
}

function sleb64(v: bigint): number[] {
  const o: number[] = [];
  let n = v;
  for (;;) {
    const b = Number(n & 0x7fn);
    n >>= 7n;
    if ((n === 0n && !(b & 0x40)) || (n === -1n && (b & 0x40))) {
      o.push(b);
      return o;
    }
    o.push(b | 0x80);
  }
}

function philoxWasmBytes(): Uint8Array<ArrayBuffer> {
  const section = (id: number, body: number[]): number[] => [id, ...ulebN(body.length), ...body];
  const get = (i: number): number[] => [0x20, i];
  const set = (i: number): number[] => [0x21, i];
  const i32c = (v: number): number[] => [0x41, ...sleb64(BigInt(v | 0))];
  const i64c = (v: bigint): number[] => [0x42, ...sleb64(BigInt.asIntN(64, v))];
  const [J, C0, C1, C2, C3, K0, K1, R, T, P0, P1] = [8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18];
  // opcodes
  const [BLOCK, LOOP, BR, BR_IF, END, TEE] = [0x02, 0x03, 0x0c, 0x0d, 0x0b, 0x22];
  const [I32_GE_U, I32_ADD, I32_SUB, I32_XOR, I32_SHL, I32_STORE] = [
    0x4f,
    0x6a,
    0x6b,
    0x73,
    0x74,
    0x36,
  ];
  const [I64_ADD, I64_MUL, I64_SHR_U, WRAP, EXTEND_U, VOID] = [0x7c, 0x7e, 0x88, 0xa7, 0xad, 0x40];
  const hiWord = [...i64c(32n), I64_SHR_U, WRAP];
  // deno-fmt-ignore
  const body = [
    2, 9, 0x7f, 2, 0x7e, // locals: 9 x i32, 2 x i64
    ...i32c(0), ...set(J),
    BLOCK, VOID, LOOP, VOID,
    ...get(J), ...get(1), I32_GE_U, BR_IF, 1, // leave when j >= n
    ...get(4), WRAP, ...set(C0),
    ...get(4), ...hiWord, ...set(C1),
    ...get(6), ...set(C2), ...get(7), ...set(C3),
    ...get(2), ...set(K0), ...get(3), ...set(K1),
    ...i32c(10), ...set(R),
    LOOP, VOID, // the 10 rounds
    ...get(C0), EXTEND_U, ...i64c(BigInt(M0)), I64_MUL, ...set(P0),
    ...get(C2), EXTEND_U, ...i64c(BigInt(M1)), I64_MUL, ...set(P1),
    ...get(P1), ...hiWord, ...get(C1), I32_XOR, ...get(K0), I32_XOR, ...set(C0),
    ...get(P1), WRAP, ...set(C1),
    ...get(P0), ...hiWord, ...get(C3), I32_XOR, ...get(K1), I32_XOR, ...set(C2),
    ...get(P0), WRAP, ...set(C3),
    ...get(K0), ...i32c(W0), I32_ADD, ...set(K0),
    ...get(K1), ...i32c(W1), I32_ADD, ...set(K1),
    ...get(R), ...i32c(1), I32_SUB, TEE, R, BR_IF, 0, // r -= 1; repeat while r != 0
    END,
    ...get(0), ...get(J), ...i32c(4), I32_SHL, I32_ADD, ...set(T),
    ...get(T), ...get(C0), I32_STORE, 2, 0,
    ...get(T), ...get(C1), I32_STORE, 2, 4,
    ...get(T), ...get(C2), I32_STORE, 2, 8,
    ...get(T), ...get(C3), I32_STORE, 2, 12,
    ...get(4), ...get(5), I64_ADD, ...set(4),
    ...get(J), ...i32c(1), I32_ADD, ...set(J),
    BR, 0,
    END, END, END,
  ];
  const name = (s: string): number[] => [s.length, ...new TextEncoder().encode(s)];
  // deno-fmt-ignore
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 1, 0, 0, 0,
    ...section(1, [1, 0x60, 8, 0x7f, 0x7f, 0x7f, 0x7f, 0x7e, 0x7e, 0x7f, 0x7f, 0]),
    ...section(3, [1, 0]),
    ...section(5, [1, 0, 1]),
    ...section(7, [2, ...name("memory"), 2, 0, ...name("philox"), 0, 0]),
    ...section(10, [1, ...ulebN(body.length), ...body]),
  ]);
}

/** The scalar kernel: `words` as in {@link PhiloxSimd}, over its own memory of one page. */
export function philoxScalar(): { words: PhiloxSimdFn; memory: WebAssembly.Memory } {
  const inst = new WebAssembly.Instance(new WebAssembly.Module(philoxWasmBytes()));
  return {
    words: inst.exports.philox as PhiloxSimdFn,
    memory: inst.exports.memory as WebAssembly.Memory,
  };
}
