/**
 * Counter-based random numbers (DESIGN.md, contract 4): Philox4x32-10
 * (Random123, the generator behind NumPy's `Philox`) keyed on the seed, with
 * the element's global flat index as the counter. The value at a global index
 * depends on nothing else, so an array is the same for any rank count,
 * distribution or chunking: generating a region gives exactly the
 * corresponding slice of the whole array.
 *
 * Counter layout for element `i` of an array: word 0 is the low 32 bits of
 * `i`, word 1 the high bits, word 2 a retry number (used by `randint`'s
 * rejection sampling, otherwise 0) and word 3 the `stream` option. The key is
 * the seed's low and high 32 bits.
 *
 * @module
 */

import type { DType } from "./dtype.ts";
import { castScalar, DTYPES, toDType } from "./dtype.ts";
import { NDArray } from "./ndarray.ts";
import { type RegionLike, toRegion } from "./indexer.ts";
import {
  philoxScalar,
  philoxSimd,
  type PhiloxSimd32Fn,
  type PhiloxSimdFn,
} from "./_wasm/philox.ts";
import { checkOptionKeys } from "./options.ts";

// the caller named as a function call in messages: `rand()`
const checkKeys = (caller: string, options: unknown, allowed: readonly string[]): void =>
  checkOptionKeys(`${caller}()`, options, allowed);

const M0 = 0xD2511F53;
const M1 = 0xCD9E8D57;
const W0 = 0x9E3779B9;
const W1 = 0xBB67AE85;
const M0_LO = M0 & 0xffff;
const M0_HI = M0 >>> 16;
const M1_LO = M1 & 0xffff;
const M1_HI = M1 >>> 16;
const INV16 = 1 / 65536;
const TWO32 = 4294967296;
const INV53 = 1 / 9007199254740992;

const BASE_KEYS = ["seed", "region", "stream"] as const;

function baseOf(options: RandomOptions): RandomOptions {
  return { seed: options.seed, region: options.region, stream: options.stream };
}

/** Options of {@link normal}: NumPy's `loc` and `scale`, or their aliases `mean` and `std`. */
export interface NormalOptions extends RandomOptions {
  /** The mean (NumPy's name). Default 0. */
  readonly loc?: number;
  /** The standard deviation, non-negative (NumPy's name). Default 1. */
  readonly scale?: number;
  /** Alias of `loc` (the name before NumPy's was adopted); not both. */
  readonly mean?: number;
  /** Alias of `scale`; not both. */
  readonly std?: number;
}

/**
 * Bounds of uniform values: a number, or one number per index of the last
 * axis of the global shape (NumPy broadcasting of a 1-d `low` or `high`).
 */
export type UniformBound = number | ArrayLike<number>;

/** Options of {@link fillUniform} and {@link fillUniformParallel}. */
export interface FillUniformOptions extends RandomOptions {
  /** The global shape. */
  readonly shape: readonly number[];
  /** Inclusive lower bound (default 0), per last-axis index when an array. */
  readonly low?: UniformBound;
  /** Exclusive upper bound (default 1), per last-axis index when an array. */
  readonly high?: UniformBound;
}

/** Options shared by every generator. */
export interface RandomOptions {
  /** The seed: a non-negative integer below 2^64 (number or bigint). Default 0. */
  readonly seed?: number | bigint;
  /**
   * The part of the global array to generate (default all of it): a
   * `Region` (step optional) or any region form `toRegion` takes (`"2:4, ::2"`).
   */
  readonly region?: RegionLike;
  /** An independent stream for the same seed: an integer in [0, 2^32). Default 0. */
  readonly stream?: number;
}

/**
 * The Philox4x32 block function: four 32-bit output words for a 128-bit
 * counter and a 64-bit key.
 *
 * @param counter Four 32-bit words.
 * @param key Two 32-bit words.
 * @param options `rounds` (default 10, the standard Philox4x32-10).
 * @returns The four output words.
 * @throws {RangeError} When the counter or key has the wrong number of words.
 *
 * @example
 * ```ts
 * import { philox4x32 } from "./random.ts";
 * const out = philox4x32([0, 0, 0, 0], [0, 0]);
 * if (out[0] !== 0x6627e8d5) throw new Error(out[0].toString(16));
 * ```
 */
export function philox4x32(
  counter: ArrayLike<number>,
  key: ArrayLike<number>,
  options: { rounds?: number } = {},
): Uint32Array {
  if (counter.length !== 4) {
    throw new RangeError(`Invalid Philox counter of ${counter.length} words: expected 4`);
  }
  if (key.length !== 2) {
    throw new RangeError(`Invalid Philox key of ${key.length} words: expected 2`);
  }
  const rounds = options.rounds ?? 10;
  if (!Number.isInteger(rounds) || rounds < 1 || rounds > 16) {
    throw new RangeError(`Invalid Philox round count ${rounds}: must be an integer in [1, 16]`);
  }
  let c0 = counter[0] >>> 0;
  let c1 = counter[1] >>> 0;
  let c2 = counter[2] >>> 0;
  let c3 = counter[3] >>> 0;
  let k0 = key[0] >>> 0;
  let k1 = key[1] >>> 0;
  for (let r = 0; r < rounds; r++) {
    if (r > 0) {
      k0 = (k0 + W0) >>> 0;
      k1 = (k1 + W1) >>> 0;
    }
    const lo0 = Math.imul(M0, c0) >>> 0;
    const t0 = c0 * M0_LO;
    const hi0 = Math.floor((c0 * M0_HI + Math.floor(t0 * INV16)) * INV16);
    const lo1 = Math.imul(M1, c2) >>> 0;
    const t1 = c2 * M1_LO;
    const hi1 = Math.floor((c2 * M1_HI + Math.floor(t1 * INV16)) * INV16);
    c0 = (hi1 ^ c1 ^ k0) >>> 0;
    c1 = lo1;
    c2 = (hi0 ^ c3 ^ k1) >>> 0;
    c3 = lo0;
  }
  return new Uint32Array([c0, c1, c2, c3]);
}

// The Philox words and uniform doubles come from the WebAssembly kernels of
// core/_wasm/philox.ts: the SIMD one (four counters a vector) where the engine
// has simd128, else the scalar one; both give the same bits (tested).
interface Kernel {
  words: PhiloxSimdFn;
  uniform: PhiloxSimdFn | null;
  uniform32: PhiloxSimd32Fn | null;
  u32: Uint32Array;
  f64: Float64Array;
  f32: Float32Array;
  /** The float32 kernel's `lo` and `width` inputs (CHUNK doubles each, after the output). */
  lo: Float64Array;
  width: Float64Array;
}

// Kernel memory (2 pages): outputs from 0 (words: 64 KiB), then lo and width.
const LO_AT = 65536;
const WIDTH_AT = LO_AT + 8 * 4096;

let kernel: Kernel | null = null;

function getKernel(): Kernel {
  if (kernel === null) {
    const k = philoxSimd(2) ?? { ...philoxScalar(), uniform: null, uniform32: null };
    const buf = k.memory.buffer;
    kernel = {
      words: k.words,
      uniform: k.uniform,
      uniform32: k.uniform32,
      u32: new Uint32Array(buf, 0, CHUNK * 4),
      f64: new Float64Array(buf, 0, CHUNK),
      f32: new Float32Array(buf, 0, CHUNK),
      lo: k.uniform32 === null ? new Float64Array(0) : new Float64Array(buf, LO_AT, CHUNK),
      width: k.uniform32 === null ? new Float64Array(0) : new Float64Array(buf, WIDTH_AT, CHUNK),
    };
  }
  return kernel;
}

// The Philox words of `n` (<= CHUNK) elements with global flat indices
// flat0 + j * step: a view of the kernel's memory, valid until the next call.
function philoxRun(
  n: number,
  key0: number,
  key1: number,
  flat0: number,
  step: number,
  attempt: number,
  stream: number,
): Uint32Array {
  const k = getKernel();
  k.words(0, n, key0 | 0, key1 | 0, BigInt(flat0), BigInt(step), attempt | 0, stream | 0);
  return n === CHUNK ? k.u32 : k.u32.subarray(0, n * 4);
}

/** Elements per kernel call (a multiple of PHILOX_GROUP; 64 KiB of words). */
const CHUNK = 4096;

interface Plan {
  key0: number;
  key1: number;
  stream: number;
  start: number[];
  step: number[];
  count: number[];
  /** Per run: [globalFlatStart, flatStep, n, outOffset]. */
  runs(fn: (flat0: number, step: number, n: number, outOffset: number) => void): void;
  size: number;
}

function toKey(seed: number | bigint | undefined): [number, number] {
  const s = seed ?? 0;
  if (typeof s === "bigint") {
    if (s < 0n || s >= 1n << 64n) {
      throw new RangeError(`Invalid seed ${s}: must be an integer in [0, 2^64)`);
    }
    return [Number(s & 0xffffffffn), Number(s >> 32n)];
  }
  if (typeof s !== "number") {
    throw new TypeError(`Invalid seed ${String(s)}: expected a number or a bigint`);
  }
  if (!Number.isSafeInteger(s) || s < 0) {
    throw new RangeError(`Invalid seed ${s}: must be a non-negative safe integer`);
  }
  return [s >>> 0, Math.floor(s / TWO32) >>> 0];
}

function makePlan(shape: readonly number[], options: RandomOptions): Plan {
  if (!Array.isArray(shape)) {
    throw new TypeError(`Invalid shape ${String(shape)}: expected an array`);
  }
  let total = 1;
  for (const d of shape) {
    if (!Number.isSafeInteger(d) || d < 0) {
      throw new RangeError(
        `Invalid shape [${shape.join(",")}]: ${d} is not a non-negative integer`,
      );
    }
    total *= d;
  }
  if (total > 2 ** 53) {
    throw new RangeError(`Invalid shape [${shape.join(",")}]: more than 2^53 elements`);
  }
  const [key0, key1] = toKey(options.seed);
  const stream = options.stream ?? 0;
  if (!Number.isInteger(stream) || stream < 0 || stream >= TWO32) {
    throw new RangeError(`Invalid stream ${stream}: must be an integer in [0, 2^32)`);
  }
  const nd = shape.length;
  const { start, step, count } = toRegion(shape, options.region);
  const size = count.reduce((a, b) => a * b, 1);
  const gstr = new Array<number>(nd);
  let acc = 1;
  for (let a = nd - 1; a >= 0; a--) {
    gstr[a] = acc;
    acc *= shape[a];
  }
  const runs = (fn: (flat0: number, step: number, n: number, outOffset: number) => void) => {
    if (size === 0) return;
    if (nd === 0) {
      fn(0, 1, 1, 0);
      return;
    }
    const inner = count[nd - 1];
    const innerStep = step[nd - 1] * gstr[nd - 1];
    const idx = new Array<number>(nd - 1).fill(0);
    let out = 0;
    for (;;) {
      let flat = 0;
      for (let a = 0; a < nd; a++) {
        flat += (start[a] + (a < nd - 1 ? idx[a] : 0) * step[a]) * gstr[a];
      }
      fn(flat, innerStep, inner, out);
      out += inner;
      let a = nd - 2;
      while (a >= 0) {
        if (++idx[a] < count[a]) break;
        idx[a] = 0;
        a--;
      }
      if (a < 0) return;
    }
  };
  return { key0, key1, stream, start: [...start], step: [...step], count: [...count], runs, size };
}

// Walks the plan in chunks of at most CHUNK elements, handing the Philox
// words of each chunk to `fn(words, outOffset)`.
function generate(plan: Plan, fn: (words: Uint32Array, outOffset: number) => void): void {
  plan.runs((flat0, step, n, out) => {
    for (let j = 0; j < n; j += CHUNK) {
      const m = Math.min(CHUNK, n - j);
      fn(philoxRun(m, plan.key0, plan.key1, flat0 + j * step, step, 0, plan.stream), out + j);
    }
  });
}

function checkOut(out: unknown, plan: Plan, caller = "fillNormal"): void {
  if (!(out instanceof Float64Array) && !(caller !== "fillNormal" && out instanceof Float32Array)) {
    throw new TypeError(
      `Invalid output buffer for ${caller}(): expected a Float64Array${
        caller === "fillNormal" ? "" : " or a Float32Array"
      }, got ${(out as object)?.constructor?.name ?? String(out)}`,
    );
  }
  if ((out as Float64Array).length !== plan.size) {
    throw new RangeError(
      `Invalid output length ${(out as Float64Array).length}: the region [${
        plan.count.join(",")
      }] has ${plan.size} elements`,
    );
  }
}

/** Uniform bounds over the region's last-axis indices: one value each, or one for all. */
interface Bounds {
  lo: Float64Array;
  width: Float64Array;
}

// The bounds of a uniform fill, validated; null for the default [0, 1).
function toBounds(
  plan: Plan,
  shape: readonly number[],
  low: UniformBound | undefined,
  high: UniformBound | undefined,
  caller: string,
): Bounds | null {
  if (low === undefined && high === undefined) return null;
  const nd = shape.length;
  const inner = nd === 0 ? 1 : shape[nd - 1];
  const values = (v: UniformBound | undefined, name: string, dflt: number): Float64Array => {
    if (v === undefined) return new Float64Array([dflt]);
    if (typeof v === "number") return new Float64Array([v]);
    if (typeof v !== "object" || v === null || typeof v.length !== "number") {
      throw new TypeError(
        `Invalid ${name} for ${caller}(): expected a number or an array of numbers, got ${
          String(v)
        }`,
      );
    }
    if (nd === 0 || v.length !== inner) {
      throw new RangeError(
        `Invalid ${name} for ${caller}(): an array of ${v.length} bounds, expected one per index of the last axis (${
          nd === 0 ? "none: the shape is 0-d" : inner
        })`,
      );
    }
    const a = Float64Array.from(v);
    if (a.some((_, i) => typeof v[i] !== "number")) {
      throw new TypeError(`Invalid ${name} for ${caller}(): every bound must be a number`);
    }
    return a;
  };
  const lo = values(low, "low", 0);
  const hi = values(high, "high", 1);
  const n = Math.max(lo.length, hi.length);
  const scalar = n === 1;
  // gather the region's last-axis indices (start + j * step)
  const m = scalar ? 1 : plan.count[nd - 1];
  const s0 = scalar ? 0 : plan.start[nd - 1];
  const st = scalar ? 0 : plan.step[nd - 1];
  const out: Bounds = { lo: new Float64Array(m), width: new Float64Array(m) };
  for (let i = 0; i < n; i++) {
    const l = lo[lo.length === 1 ? 0 : i];
    const h = hi[hi.length === 1 ? 0 : i];
    if (!Number.isFinite(l) || !Number.isFinite(h) || h < l) {
      throw new RangeError(
        `Invalid bounds [${l}, ${h})${
          n > 1 ? ` at last-axis index ${i}` : ""
        } for ${caller}(): must be finite with low <= high`,
      );
    }
  }
  for (let j = 0; j < m; j++) {
    const c = s0 + j * st;
    const l = lo[lo.length === 1 ? 0 : c];
    out.lo[j] = l;
    out.width[j] = hi[hi.length === 1 ? 0 : c] - l;
  }
  return out;
}

// Fills `out` (validated) with uniform values of the plan: `lo + width * u`
// per region last-axis index when `b` is given, rounded to out's type.
function fillPlan(out: Float64Array | Float32Array, plan: Plan, b: Bounds | null): void {
  const k = getKernel();
  const { key0, key1, stream } = plan;
  if (plan.size === 0) return;
  const inner = plan.count.length === 0 ? 1 : plan.count[plan.count.length - 1];
  const one = b === null || b.lo.length === 1;
  if (out instanceof Float32Array && k.uniform32 !== null) {
    const uniform32 = k.uniform32;
    // column blocks of CHUNK outermost, so lo and width are copied once per block
    for (let c0 = 0; c0 < inner; c0 += CHUNK) {
      const m = Math.min(CHUNK, inner - c0);
      if (one) {
        k.lo.fill(b === null ? 0 : b.lo[0], 0, m);
        k.width.fill(b === null ? 1 : b.width[0], 0, m);
      } else {
        k.lo.set(b.lo.subarray(c0, c0 + m));
        k.width.set(b.width.subarray(c0, c0 + m));
      }
      const src = m === CHUNK ? k.f32 : k.f32.subarray(0, m);
      plan.runs((flat0, step, _n, o) => {
        const f = BigInt(flat0 + c0 * step);
        uniform32(0, m, key0 | 0, key1 | 0, f, BigInt(step), 0, stream | 0, LO_AT, WIDTH_AT);
        out.set(src, o + c0);
      });
    }
    return;
  }
  // doubles u of `m` elements from run column c0 into out at o, then the affine map
  const put = (u: Float64Array, m: number, c0: number, o: number): void => {
    if (b === null) {
      out.set(m === u.length ? u : u.subarray(0, m), o);
      return;
    }
    for (let j = 0; j < m; j++) {
      const c = one ? 0 : c0 + j;
      out[o + j] = b.lo[c] + b.width[c] * u[j];
    }
  };
  if (k.uniform !== null) {
    const uniform = k.uniform;
    plan.runs((flat0, step, n, o) => {
      for (let j = 0; j < n; j += CHUNK) {
        const m = Math.min(CHUNK, n - j);
        uniform(0, m, key0 | 0, key1 | 0, BigInt(flat0 + j * step), BigInt(step), 0, stream | 0);
        put(k.f64, m, j, o + j);
      }
    });
    return;
  }
  const u = new Float64Array(CHUNK);
  plan.runs((flat0, step, n, o) => {
    for (let j = 0; j < n; j += CHUNK) {
      const m = Math.min(CHUNK, n - j);
      const w = philoxRun(m, key0, key1, flat0 + j * step, step, 0, stream);
      for (let e = 0; e < m; e++) {
        const q = e << 2;
        u[e] = ((w[q] >>> 5) * 67108864 + (w[q + 1] >>> 6)) * INV53;
      }
      put(u, m, j, o + j);
    }
  });
}

const FILL_KEYS = [...BASE_KEYS, "shape", "low", "high"] as const;

/**
 * Fills `out` with uniform values in [low, high) (default [0, 1)) for a
 * region of a global array: the element at global flat index `i` comes from
 * Philox4x32-10 with counter `i` alone, so any region equals the
 * corresponding slice of the whole array. The value is `low + (high - low)
 * * u` with `u` the double of 53 random bits, rounded to out's type (a
 * Float32Array gets the float32 nearest, computed in WebAssembly without a
 * float64 buffer; rounding may reach `high`).
 *
 * @param out One element per region element, in C order of the region: a
 *   Float64Array or a Float32Array.
 * @param options `shape` (global shape), `seed`, `region`, `stream`, `low`,
 *   `high` (numbers, or arrays with one bound per index of the last axis).
 * @returns `out`.
 * @throws {TypeError} When `out` is not a Float64Array or Float32Array, or a bound is not a number.
 * @throws {RangeError} When `out` does not have the region's size, or the bounds are not finite
 *   with low <= high, or a bound array does not have the last axis's length.
 *
 * @example
 * ```ts
 * import { fillUniform } from "./random.ts";
 * const all = fillUniform(new Float64Array(12), { shape: [3, 4], seed: 7 });
 * const part = fillUniform(new Float64Array(2), {
 *   shape: [3, 4], seed: 7, region: { start: [1, 1], count: [1, 2] },
 * });
 * if (part[0] !== all[5] || part[1] !== all[6]) throw new Error("bad");
 * // float32, column j in [j, j + 2)
 * const f = fillUniform(new Float32Array(12), { shape: [3, 4], seed: 7, low: [0, 1, 2, 3], high: [2, 3, 4, 5] });
 * if (f[6] !== Math.fround(2 + 2 * all[6])) throw new Error("bad float32");
 * ```
 */
export function fillUniform<T extends Float64Array | Float32Array>(
  out: T,
  options: FillUniformOptions,
): T {
  if (typeof options !== "object" || options === null) {
    throw new TypeError(`Invalid options for fillUniform(): expected an object with a shape`);
  }
  checkKeys("fillUniform", options, FILL_KEYS);
  const plan = makePlan(options?.shape, options);
  checkOut(out, plan, "fillUniform");
  fillPlan(out, plan, toBounds(plan, options.shape, options.low, options.high, "fillUniform"));
  return out;
}

/**
 * Fills `out` with standard normal doubles for a region of a global array.
 * Each element is computed from its own counter block by Box-Muller: words
 * 0-1 give `u1` in (0, 1], words 2-3 give `u2` in [0, 1), and the value is
 * `sqrt(-2 ln u1) * cos(2 pi u2)`.
 *
 * @param out One element per region element, in C order of the region.
 * @param options `shape` (global shape), `seed`, `region`, `stream`.
 * @returns `out`.
 * @throws {RangeError} When `out` does not have the region's size.
 *
 * @example
 * ```ts
 * import { fillNormal } from "./random.ts";
 * const a = fillNormal(new Float64Array(4), { shape: [4], seed: 1 });
 * if (!a.every(Number.isFinite)) throw new Error("bad");
 * ```
 */
export function fillNormal(
  out: Float64Array,
  options: RandomOptions & { shape: readonly number[] },
): Float64Array {
  checkKeys("fillNormal", options, [...BASE_KEYS, "shape"]);
  const plan = makePlan(options.shape, options);
  checkOut(out, plan);
  const TWO_PI = 2 * Math.PI;
  generate(plan, (w, o) => {
    const m = w.length >>> 2;
    for (let j = 0; j < m; j++) {
      const k = j << 2;
      const u1 = ((w[k] >>> 5) * 67108864 + (w[k + 1] >>> 6) + 1) * INV53;
      const u2 = ((w[k + 2] >>> 5) * 67108864 + (w[k + 3] >>> 6)) * INV53;
      out[o + j] = Math.sqrt(-2 * Math.log(u1)) * Math.cos(TWO_PI * u2);
    }
  });
  return out;
}

function regionShape(plan: Plan): number[] {
  return [...plan.count];
}

/**
 * Uniform doubles in [0, 1) (like `np.random.random`) for a region of a
 * global array of `shape`.
 *
 * @param shape The global shape.
 * @param options `seed`, `region` (default the whole array), `stream`.
 * @returns A float64 array of the region's shape.
 *
 * @example
 * ```ts
 * import { rand } from "./random.ts";
 * const whole = rand([4, 5], { seed: 42 });
 * const part = rand([4, 5], { seed: 42, region: { start: [2, 0], count: [2, 5] } });
 * if (part.get(0, 3) !== whole.get(2, 3)) throw new Error("bad");
 * ```
 */
export function rand(shape: readonly number[], options: RandomOptions = {}): NDArray<"float64"> {
  checkKeys("rand", options, BASE_KEYS);
  const plan = makePlan(shape, options);
  const out = new Float64Array(plan.size);
  fillUniform(out, { ...options, shape });
  return new NDArray("float64", out, regionShape(plan));
}

/**
 * Standard normal doubles for a region of a global array of `shape`.
 *
 * @param shape The global shape.
 * @param options `seed`, `region` (default the whole array), `stream`.
 * @returns A float64 array of the region's shape.
 *
 * @example
 * ```ts
 * import { randn } from "./random.ts";
 * const a = randn([1000], { seed: 3 });
 * let s = 0;
 * for (const v of a.data) s += v;
 * if (Math.abs(s / 1000) > 0.2) throw new Error("bad mean");
 * ```
 */
export function randn(shape: readonly number[], options: RandomOptions = {}): NDArray<"float64"> {
  checkKeys("randn", options, BASE_KEYS);
  const plan = makePlan(shape, options);
  const out = new Float64Array(plan.size);
  fillNormal(out, { ...options, shape });
  return new NDArray("float64", out, regionShape(plan));
}

/**
 * Normal doubles with mean `loc` and standard deviation `scale` (NumPy's
 * names; `mean` and `std` are accepted as aliases): `loc + scale * randn`
 * element by element.
 *
 * @param shape The global shape.
 * @param options `loc` (default 0), `scale` (default 1, non-negative), `seed`, `region`,
 *   `stream`; `mean` and `std` are aliases of `loc` and `scale`.
 * @returns A float64 array of the region's shape.
 * @throws {RangeError} When `scale` is negative or not finite, or `loc` is not finite.
 * @throws {TypeError} For an unknown option, or both a name and its alias.
 *
 * @example
 * ```ts
 * import { normal, randn } from "./random.ts";
 * const a = normal([3], { loc: 10, scale: 2, seed: 5 });
 * const z = randn([3], { seed: 5 });
 * if (a.get(1) !== 10 + 2 * z.get(1)) throw new Error("bad");
 * if (normal([3], { mean: 10, std: 2, seed: 5 }).get(1) !== a.get(1)) throw new Error("alias");
 * ```
 */
export function normal(shape: readonly number[], options: NormalOptions = {}): NDArray<"float64"> {
  checkKeys("normal", options, [...BASE_KEYS, "loc", "scale", "mean", "std"]);
  for (const [name, alias] of [["loc", "mean"], ["scale", "std"]] as const) {
    if (options[name] !== undefined && options[alias] !== undefined) {
      throw new TypeError(
        `Invalid options for normal(): "${name}" and its alias "${alias}" are both given`,
      );
    }
  }
  const loc = options.loc ?? options.mean ?? 0;
  const scale = options.scale ?? options.std ?? 1;
  if (typeof loc !== "number" || typeof scale !== "number") {
    throw new TypeError(`Invalid loc ${String(loc)} or scale ${String(scale)}: expected numbers`);
  }
  if (!Number.isFinite(scale) || scale < 0) {
    throw new RangeError(`Invalid scale ${scale}: must be finite and non-negative`);
  }
  if (!Number.isFinite(loc)) throw new RangeError(`Invalid loc ${loc}: must be finite`);
  const a = randn(shape, baseOf(options));
  const d = a.data;
  for (let i = 0; i < d.length; i++) d[i] = loc + scale * d[i];
  return a;
}

/**
 * Uniform values in [low, high): `low + (high - low) * rand` element by
 * element, as float64 (default) or rounded to float32 (`dtype: "float32"`,
 * computed without a float64 buffer). `low` and `high` may be arrays with
 * one bound per index of the last axis (NumPy broadcasting).
 *
 * @param shape The global shape.
 * @param options `low` (default 0), `high` (default 1), `dtype` (`"float64"` or `"float32"`),
 *   `seed`, `region`, `stream`.
 * @returns An array of the region's shape.
 * @throws {RangeError} When the bounds are not finite or `high < low`, or a bound array does
 *   not have the last axis's length.
 * @throws {TypeError} For another dtype, or an unknown option.
 *
 * @example
 * ```ts
 * import { uniform } from "./random.ts";
 * const a = uniform([100], { low: -1, high: 1, seed: 9 });
 * if (!a.data.every((v) => v >= -1 && v < 1)) throw new Error("bad");
 * const b = uniform([100, 2], { low: [0, 10], high: [1, 20], dtype: "float32", seed: 9 });
 * if (b.dtype !== "float32" || !(b.get(5, 1) >= 10)) throw new Error("bad float32");
 * ```
 */
export function uniform<D extends "float64" | "float32" = "float64">(
  shape: readonly number[],
  options: RandomOptions & { low?: UniformBound; high?: UniformBound; dtype?: D } = {},
): NDArray<D> {
  checkKeys("uniform", options, [...BASE_KEYS, "low", "high", "dtype"]);
  const dtype = options.dtype ?? "float64";
  if (dtype !== "float64" && dtype !== "float32") {
    throw new TypeError(
      `Invalid dtype ${JSON.stringify(dtype)} for uniform(): expected "float64" or "float32"`,
    );
  }
  const plan = makePlan(shape, options);
  const out = dtype === "float32" ? new Float32Array(plan.size) : new Float64Array(plan.size);
  const b = toBounds(plan, shape, options.low ?? 0, options.high ?? 1, "uniform");
  fillPlan(out, plan, b);
  return new NDArray(dtype, out as never, regionShape(plan)) as NDArray<D>;
}

/**
 * Uniform integers in [low, high) (like `np.random.randint`), exactly
 * unbiased for any range up to 2^53: bitmask rejection sampling, where the
 * candidates of an element come from its own counter (word 2 of the counter
 * counts the retries), so the result still depends only on the seed and the
 * global index.
 *
 * @param shape The global shape.
 * @param options `high` (required, exclusive), `low` (default 0), `dtype` (default int64; any
 *   integer dtype or float64), `seed`, `region`, `stream`.
 * @returns An array of the region's shape.
 * @throws {RangeError} When the range is empty or wider than 2^53.
 *
 * @example
 * ```ts
 * import { randint } from "./random.ts";
 * const a = randint([1000], { low: 1, high: 7, dtype: "int32", seed: 11 });
 * const seen = new Set(a.data);
 * if (seen.size !== 6 || !seen.has(1) || !seen.has(6)) throw new Error("bad");
 * ```
 */
export function randint<D extends DType = "int64">(
  shape: readonly number[],
  options: RandomOptions & { low?: number; high: number; dtype?: D },
): NDArray<D> {
  checkKeys("randint", options, [...BASE_KEYS, "low", "high", "dtype"]);
  const low = options.low ?? 0;
  const high = options.high;
  if (!Number.isSafeInteger(low) || !Number.isSafeInteger(high)) {
    throw new RangeError(`Invalid bounds [${low}, ${high}): must be safe integers`);
  }
  const n = high - low;
  if (n <= 0 || n > 2 ** 53) {
    throw new RangeError(`Invalid bounds [${low}, ${high}): the range must hold 1 to 2^53 values`);
  }
  const dtype = toDType(options.dtype ?? "int64") as D;
  const inf = DTYPES[dtype];
  if (inf.kind === "b" || (inf.kind === "f" && dtype !== "float64")) {
    throw new TypeError(
      `Invalid dtype "${dtype}" for randint: expected an integer dtype or float64`,
    );
  }
  const plan = makePlan(shape, options);
  const vals = new Float64Array(plan.size);
  const narrow = n <= TWO32;
  // mask: the smallest 2^b - 1 >= n - 1
  const bits = n === 1 ? 0 : Math.ceil(Math.log2(n));
  const maskHi = narrow ? 0 : 2 ** (bits - 32) - 1;
  const mask = narrow ? (bits >= 32 ? 0xffffffff : (2 ** bits - 1)) : 0;
  const draw = (w: Uint32Array, k: number): number => {
    // returns a value in [0, n) or -1 when every candidate of the block was rejected
    if (narrow) {
      for (let q = 0; q < 4; q++) {
        const v = (w[k + q] & mask) >>> 0;
        if (v < n) return v;
      }
    } else {
      for (let q = 0; q < 4; q += 2) {
        const v = (w[k + q] & maskHi) * TWO32 + w[k + q + 1];
        if (v < n) return v;
      }
    }
    return -1;
  };
  const pending: number[] = []; // [flat, outIndex] of elements whose first block was rejected
  plan.runs((flat0, step, m, out) => {
    for (let j = 0; j < m; j += CHUNK) {
      const c = Math.min(CHUNK, m - j);
      const w = philoxRun(c, plan.key0, plan.key1, flat0 + j * step, step, 0, plan.stream);
      for (let e = 0; e < c; e++) {
        const v = draw(w, e << 2);
        if (v < 0) pending.push(flat0 + (j + e) * step, out + j + e);
        else vals[out + j + e] = low + v;
      }
    }
  });
  for (let p = 0; p < pending.length; p += 2) {
    let v = -1;
    for (let attempt = 1; v < 0; attempt++) {
      v = draw(philoxRun(1, plan.key0, plan.key1, pending[p], 1, attempt, plan.stream), 0);
    }
    vals[pending[p + 1]] = low + v;
  }
  const arr = new inf.array(plan.size);
  if (inf.big) {
    for (let i = 0; i < vals.length; i++) arr[i] = castScalar(dtype, vals[i]) as never;
  } else {
    (arr as Float64Array).set(vals);
  }
  return new NDArray(dtype, arr as never, regionShape(plan));
}
