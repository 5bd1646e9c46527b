// Fused elementwise kernels: one WebAssembly SIMD loop per expression that
// reads every input once and writes the output once (no temporaries).

import { Code, ModuleBuilder, Op, Simd, T, VOID } from "./_builder.ts";
import { type ArenaSpan, type WasmArena, wasmArena } from "./arena.ts";
import {
  BODIES,
  TRANSCEND_OPS,
  type TranscendOp,
  transcendScalar,
  TRIG_OPS,
  V,
} from "./transcend.ts";
import { powBody, powerScalar } from "./power.ts";

/** An elementwise expression over inputs of one float dtype. */
export type MapExpr =
  | { op: "input"; index: number }
  | { op: "const"; value: number }
  | { op: "neg" | "abs" | "sqrt"; arg: MapExpr }
  | { op: TranscendOp; arg: MapExpr }
  | { op: "add" | "sub" | "mul" | "div" | "min" | "max" | "pow"; a: MapExpr; b: MapExpr };

/** Float element types a map kernel can run on. */
export type MapDType = "float32" | "float64";

/** A compiled fused map. */
export interface MapKernel {
  /** Element type of every input and of the output. */
  readonly dtype: MapDType;
  /** Number of inputs (one more than the largest input index). */
  readonly inputs: number;
  /**
   * out[i] = expr(inputs[0][i], ...) for every i < out.length. Views not in
   * wasm memory are copied through scratch in chunks. `out` may be one of the
   * inputs (in place); other overlaps are not supported.
   */
  run(out: Float32Array | Float64Array, inputs: readonly (Float32Array | Float64Array)[]): void;
  /** The same on wasm byte addresses: `n` elements. */
  runPtr(out: number, inputs: readonly number[], n: number): void;
}

type Bin = "add" | "sub" | "mul" | "div" | "min" | "max";
type Un = "neg" | "abs" | "sqrt";

const OPS = {
  f32: {
    v: {
      add: Simd.f32x4_add,
      sub: Simd.f32x4_sub,
      mul: Simd.f32x4_mul,
      div: Simd.f32x4_div,
      min: Simd.f32x4_min,
      max: Simd.f32x4_max,
      neg: Simd.f32x4_neg,
      abs: Simd.f32x4_abs,
      sqrt: Simd.f32x4_sqrt,
    },
    s: {
      add: Op.f32_add,
      sub: Op.f32_sub,
      mul: Op.f32_mul,
      div: Op.f32_div,
      min: Op.f32_min,
      max: Op.f32_max,
      neg: Op.f32_neg,
      abs: Op.f32_abs,
      sqrt: Op.f32_sqrt,
    },
  },
  f64: {
    v: {
      add: Simd.f64x2_add,
      sub: Simd.f64x2_sub,
      mul: Simd.f64x2_mul,
      div: Simd.f64x2_div,
      min: Simd.f64x2_min,
      max: Simd.f64x2_max,
      neg: Simd.f64x2_neg,
      abs: Simd.f64x2_abs,
      sqrt: Simd.f64x2_sqrt,
    },
    s: {
      add: Op.f64_add,
      sub: Op.f64_sub,
      mul: Op.f64_mul,
      div: Op.f64_div,
      min: Op.f64_min,
      max: Op.f64_max,
      neg: Op.f64_neg,
      abs: Op.f64_abs,
      sqrt: Op.f64_sqrt,
    },
  },
} as const satisfies Record<string, { v: Record<Bin | Un, number>; s: Record<Bin | Un, number> }>;

const BIN = new Set<string>(["add", "sub", "mul", "div", "min", "max"]);
const UN = new Set<string>(["neg", "abs", "sqrt"]);
/** Inlined from core/_wasm/transcend.ts (float64; float32 promoted, rounded once). */
const TR = new Set<string>(TRANSCEND_OPS);

type TrExpr = { op: TranscendOp; arg: MapExpr };

function isTr(e: MapExpr): e is TrExpr {
  return TR.has(e.op);
}

/** i8x16.shuffle bytes taking 32-bit lanes 2, 3 (twice) / lanes 0, 1 of a and 0, 1 of b. */
const LANES_2301 = [8, 9, 10, 11, 12, 13, 14, 15, 8, 9, 10, 11, 12, 13, 14, 15];
const LANES_0145 = [0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23];

/** Vectors per loop iteration. */
const UNROLL = 2;

/**
 * Checks the expression: returns the number of inputs, or null when an op is
 * not one wasm has (the caller falls back to JS).
 */
function inspect(e: MapExpr, consts: number[]): number | null {
  switch (e.op) {
    case "input":
      if (!Number.isInteger(e.index) || e.index < 0) {
        throw new RangeError(`Invalid input index ${e.index}`);
      }
      return e.index + 1;
    case "const":
      if (typeof e.value !== "number") throw new TypeError(`Invalid constant ${e.value}`);
      if (!consts.some((x) => Object.is(x, e.value))) consts.push(e.value);
      return 0;
    default:
      if (BIN.has(e.op) || e.op === "pow") {
        const b = e as { a: MapExpr; b: MapExpr };
        const x = inspect(b.a, consts), y = inspect(b.b, consts);
        return x === null || y === null ? null : Math.max(x, y);
      }
      if (UN.has(e.op) || TR.has(e.op)) return inspect((e as { arg: MapExpr }).arg, consts);
      return null;
  }
}

function mapModule(
  expr: MapExpr,
  d: "f32" | "f64",
  nIn: number,
  consts: number[],
  arena: WasmArena,
): Uint8Array<ArrayBuffer> {
  const es = d === "f32" ? 4 : 8;
  const lanes = 16 / es;
  const m = new ModuleBuilder({ initial: 1, maximum: arena.maximumPages, shared: arena.shared });
  const { i32, v128 } = T;
  const sT = d === "f32" ? T.f32 : T.f64;
  const params = [i32, ...new Array<number>(nIn).fill(i32), i32] as (typeof i32)[];
  m.func("map", params, [i32], (c: Code) => {
    const OUT = 0, N = nIn + 1;
    const inP = Array.from({ length: nIn }, (_, j) => j + 1);
    const fullEnd = c.local(i32), end = c.local(i32);
    const vin = inP.map(() => c.local(v128));
    const sin = inP.map(() => c.local(sT));
    const vconst = consts.map(() => c.local(v128));
    const ops = OPS[d];
    consts.forEach((x, i) => {
      c.vconst(d === "f32" ? new Float32Array(4).fill(x) : new Float64Array(2).fill(x));
      c.set(vconst[i]);
    });
    // transcendental ops: their kernel bodies inlined on a v128 local (in the
    // scalar tail, on a splat of the value); `big` counts the lanes left to JS
    const tv = new V(c);
    const big = c.local(i32);
    c.i32(0).set(big);
    const count = (mask: number, lanes: boolean): void => {
      c.get(big).get(mask);
      if (lanes) c.simd(0xc4 /* i64x2.bitmask */).op(Op.i32_popcnt);
      else c.simd(Simd.v128_any_true);
      c.op(Op.i32_add).set(big);
    };
    type Inline = (xs: readonly number[]) => { y: number; big: number | null };
    /** `body` on the `arity` operands on the stack, in f64 lanes (f32: promoted halves). */
    const inline = (body: Inline, arity: number, vec: boolean): void => {
      const apply = (xs: readonly number[], lanes: boolean): number => {
        const r = body(xs);
        if (r.big !== null) count(r.big, lanes);
        return r.y;
      };
      const xs = Array.from({ length: arity }, () => c.local(v128));
      if (d === "f64" || !vec) {
        for (let j = arity - 1; j >= 0; j--) {
          if (d === "f32") c.op(Op.f64_promote_f32);
          if (!vec) c.simd(Simd.f64x2_splat);
          c.set(xs[j]);
        }
        c.get(apply(xs, vec));
        if (!vec) c.simd(Simd.f64x2_extract_lane, 0);
        if (d === "f32") c.op(Op.f32_demote_f64);
        return;
      }
      // four f32 lanes: two f64x2 halves, each rounded back, then joined
      for (let j = arity - 1; j >= 0; j--) c.set(xs[j]);
      const half = (shuffle: boolean): number[] =>
        xs.map((x4) => {
          const h = c.local(v128);
          c.get(x4);
          if (shuffle) c.get(x4).simd(Simd.i8x16_shuffle, ...LANES_2301);
          c.simd(Simd.f64x2_promote_low_f32x4).set(h);
          return h;
        });
      const ylo = apply(half(false), true), yhi = apply(half(true), true);
      c.get(ylo).simd(Simd.f32x4_demote_f64x2_zero);
      c.get(yhi).simd(Simd.f32x4_demote_f64x2_zero);
      c.simd(Simd.i8x16_shuffle, ...LANES_0145);
    };
    const emit = (e: MapExpr, vec: boolean): void => {
      if (isTr(e)) {
        const op = e.op;
        emit(e.arg, vec);
        inline((xs) => BODIES[op](tv, xs[0]), 1, vec);
        return;
      }
      switch (e.op) {
        case "input":
          c.get(vec ? vin[e.index] : sin[e.index]);
          return;
        case "const":
          if (vec) c.get(vconst[consts.findIndex((x) => Object.is(x, e.value))]);
          else if (d === "f32") c.f32(e.value);
          else c.f64(e.value);
          return;
        case "neg":
        case "abs":
        case "sqrt":
          emit(e.arg, vec);
          if (vec) c.simd(ops.v[e.op]);
          else c.op(ops.s[e.op]);
          return;
        case "pow":
          emit(e.a, vec);
          emit(e.b, vec);
          inline((xs) => powBody(tv, xs[0], xs[1]), 2, vec);
          return;
        default:
          emit(e.a, vec);
          emit(e.b, vec);
          if (vec) c.simd(ops.v[e.op]);
          else c.op(ops.s[e.op]);
      }
    };
    // fullEnd = out + (n & ~(UNROLL*lanes - 1)) * es; end = out + n * es
    c.get(OUT).get(N).i32(~(UNROLL * lanes - 1)).op(Op.i32_and).i32(es).op(Op.i32_mul, Op.i32_add)
      .set(fullEnd);
    c.get(OUT).get(N).i32(es).op(Op.i32_mul, Op.i32_add).set(end);
    const real = c;
    const used = new Set<number>();
    const walk = (e: MapExpr): void => {
      if (e.op === "input") used.add(e.index);
      else if ("arg" in e) walk(e.arg);
      else if ("a" in e) {
        walk(e.a);
        walk(e.b);
      }
    };
    walk(expr);
    const step = (vec: boolean): void => {
      const count = vec ? UNROLL : 1;
      for (let k = 0; k < count; k++) {
        for (const j of used) {
          real.get(inP[j]);
          if (vec) real.vmem(Simd.v128_load, 16 * k).set(vin[j]);
          else real.mem(d === "f32" ? Op.f32_load : Op.f64_load, es === 4 ? 2 : 3).set(sin[j]);
        }
        real.get(OUT);
        emit(expr, vec);
        if (vec) real.vmem(Simd.v128_store, 16 * k);
        else real.mem(d === "f32" ? Op.f32_store : Op.f64_store, es === 4 ? 2 : 3);
      }
      const adv = vec ? 16 * UNROLL : es;
      for (const p of [OUT, ...inP]) real.get(p).i32(adv).op(Op.i32_add).set(p);
    };
    const loops = c.bytes.length;
    for (const vec of [true, false]) {
      real.op(Op.block, VOID, Op.loop, VOID);
      real.get(OUT).get(vec ? fullEnd : end).op(Op.i32_ge_u, Op.br_if, 1);
      step(vec);
      real.op(Op.br, 0, Op.end, Op.end);
    }
    // the transcendental constants, set once before the loops
    const body = c.bytes.splice(loops);
    tv.init();
    for (const b of body) c.bytes.push(b);
    c.get(big);
  });
  return m.build();
}

const CACHE = new WeakMap<WasmArena, Map<string, MapKernel | null>>();

/** Elements per chunk when views must be copied into wasm memory. */
const CHUNK = 16384;

/**
 * Compiles `expr` to one fused WebAssembly SIMD loop over `dtype` arrays
 * (cached per expression). Returns null when the expression uses an op wasm
 * has no instruction for, so the caller falls back to JS.
 *
 * Results equal the JS evaluation op by op (each op rounded to `dtype`, i.e.
 * `Math.fround` after every step for float32); min/max propagate NaN.
 * The transcendental ops (TRANSCEND_OPS) give the bits of `transcend` (core/_wasm/transcend.ts:
 * float32 computed in float64 and rounded once), whatever the chunking.
 *
 * @param expr The expression tree.
 * @param dtype Element type of the inputs and the output.
 * @param arena The arena whose memory the kernel uses (default {@link wasmArena}).
 * @returns The kernel, or null.
 */
export function compileMap(
  expr: MapExpr,
  dtype: MapDType,
  arena: WasmArena = wasmArena(),
): MapKernel | null {
  let cache = CACHE.get(arena);
  if (!cache) CACHE.set(arena, cache = new Map());
  const key = `${dtype}:${JSON.stringify(expr)}`;
  if (cache.has(key)) return cache.get(key)!;
  const consts: number[] = [];
  const nIn = inspect(expr, consts);
  let kernel: MapKernel | null = null;
  if (nIn !== null) {
    const d = dtype === "float32" ? "f32" : "f64";
    const mod = new WebAssembly.Module(mapModule(expr, d, nIn, consts, arena));
    const inst = new WebAssembly.Instance(mod, { env: { memory: arena.memory } });
    const fn = inst.exports.map as (...args: number[]) => number;
    kernel = makeKernel(fn, expr, dtype, nIn, arena);
  }
  cache.set(key, kernel);
  return kernel;
}

function usesTrig(e: MapExpr): boolean {
  if ("arg" in e) return TRIG_OPS.has(e.op as TranscendOp) || usesTrig(e.arg);
  if ("a" in e) return e.op === "pow" || usesTrig(e.a) || usesTrig(e.b);
  return false;
}

/**
 * The expression at element `i` in JS, each op rounded as the kernel rounds
 * it (`round` is Math.fround for float32, identity for float64).
 */
function evalAt(e: MapExpr, ins: readonly Fl[], i: number, round: (x: number) => number): number {
  if (isTr(e)) return round(transcendScalar(e.op, evalAt(e.arg, ins, i, round)));
  switch (e.op) {
    case "input":
      return ins[e.index][i];
    case "const":
      return round(e.value);
    case "neg":
      return -evalAt(e.arg, ins, i, round);
    case "abs":
      return Math.abs(evalAt(e.arg, ins, i, round));
    case "sqrt":
      return round(Math.sqrt(evalAt(e.arg, ins, i, round)));
    default: {
      const a = evalAt(e.a, ins, i, round), b = evalAt(e.b, ins, i, round);
      switch (e.op) {
        case "add":
          return round(a + b);
        case "sub":
          return round(a - b);
        case "mul":
          return round(a * b);
        case "div":
          return round(a / b);
        case "min":
          return Math.min(a, b);
        case "pow":
          return round(powerScalar(a, b));
        default:
          return Math.max(a, b);
      }
    }
  }
}

type Fl = Float32Array | Float64Array;

function makeKernel(
  fn: (...args: number[]) => number,
  expr: MapExpr,
  dtype: MapDType,
  nIn: number,
  arena: WasmArena,
): MapKernel {
  const Ctor = dtype === "float32" ? Float32Array : Float64Array;
  const trig = usesTrig(expr);
  const memView = (p: number, n: number): Fl =>
    dtype === "float32"
      ? new Float32Array(arena.memory.buffer, p, n)
      : new Float64Array(arena.memory.buffer, p, n);
  const runPtr = (out: number, inputs: readonly number[], n: number): void => {
    if (inputs.length !== nIn) {
      throw new RangeError(`Invalid input count ${inputs.length}: the expression reads ${nIn}`);
    }
    // in place with sin/cos/tan: keep the input in case the block must be redone
    const saved = trig && inputs.includes(out) ? memView(out, n).slice() : null;
    if (fn(out, ...inputs, n) > 0) {
      // some sin/cos/tan lanes had |x| > TRIG_LIMIT (or were not finite): redo
      // the block in JS, every element with the same bits the kernel gives
      redo(memView(out, n), inputs.map((p) => p === out ? saved! : memView(p, n)));
    }
  };
  const round = dtype === "float32" ? Math.fround : (x: number): number => x;
  const redo = (out: Fl, ins: readonly Fl[]): void => {
    for (let i = 0; i < out.length; i++) out[i] = evalAt(expr, ins, i, round);
  };
  const run = (
    out: Float32Array | Float64Array,
    inputs: readonly (Float32Array | Float64Array)[],
  ): void => {
    if (inputs.length !== nIn) {
      throw new RangeError(`Invalid input count ${inputs.length}: the expression reads ${nIn}`);
    }
    const n = out.length;
    for (const x of [out, ...inputs]) {
      if (!(x instanceof Ctor)) throw new TypeError(`Invalid array: expected ${Ctor.name}`);
      if (x.length < n) throw new RangeError(`Input of ${x.length} elements, output has ${n}`);
    }
    const inArena = [out, ...inputs].map((x) => arena.contains(x));
    // in place with sin/cos/tan: the output goes through scratch, so that a block
    // redone in JS still reads its inputs
    if (trig && inputs.some((x) => x.buffer === out.buffer)) inArena[0] = false;
    if (inArena.every((x) => x)) {
      if (fn(out.byteOffset, ...inputs.map((x) => x.byteOffset), n) > 0) {
        redo(out, inputs);
      }
      return;
    }
    const es = Ctor.BYTES_PER_ELEMENT;
    const regions: ArenaSpan[] = [];
    try {
      // one scratch chunk per operand that is not in wasm memory
      const scratch = inArena.map((ok) => {
        if (ok) return null;
        const r = arena.alloc(CHUNK * es);
        regions.push(r);
        return r;
      });
      const views = scratch.map((r) => r && r.view(Ctor as typeof Float64Array, CHUNK));
      const ptrs = new Array<number>(nIn + 1);
      for (let i = 0; i < n; i += CHUNK) {
        const m = Math.min(CHUNK, n - i);
        for (let j = 0; j <= nIn; j++) {
          const x = j === 0 ? out : inputs[j - 1];
          const r = scratch[j];
          if (r === null) ptrs[j] = x.byteOffset + i * es;
          else {
            ptrs[j] = r.ptr;
            if (j > 0) views[j]!.set(x.subarray(i, i + m));
          }
        }
        if (fn(...ptrs, m) > 0) {
          const o = views[0] ?? out.subarray(i, i + m);
          redo(
            o.subarray(0, m),
            inputs.map((x) => x.subarray(i, i + m)),
          );
        }
        if (views[0]) out.set(views[0].subarray(0, m), i);
      }
    } finally {
      for (const r of regions) r.free();
    }
  };
  return { dtype, inputs: nIn, run, runPtr };
}
