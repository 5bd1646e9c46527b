// A minimal WebAssembly binary emitter: enough to write SIMD kernels from
// TypeScript at run time (no toolchain). One module imports one memory
// ("env"."memory") and exports its functions by name.
//
// Encoding reference: WebAssembly core spec 2.0, binary format (sections 1
// type, 2 import, 3 function, 7 export, 10 code) and the SIMD proposal
// (opcodes prefixed by 0xFD, sub-opcode as unsigned LEB128).

/** Value types. */
export const T = {
  i32: 0x7f,
  i64: 0x7e,
  f32: 0x7d,
  f64: 0x7c,
  v128: 0x7b,
} as const;

/** A value type byte. */
export type ValType = (typeof T)[keyof typeof T];

/** Unsigned LEB128 of a non-negative integer below 2^53. */
export function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n % 128;
    n = Math.floor(n / 128);
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}

/** Signed LEB128 of an integer in the int32 or uint32 range (uint32 wraps to int32). */
export function sleb(n: number): number[] {
  n |= 0;
  const out: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}

function str(s: string): number[] {
  const b = new TextEncoder().encode(s);
  return [...uleb(b.length), ...b];
}

function vec(items: number[][]): number[] {
  return [...uleb(items.length), ...items.flat()];
}

/** Scalar opcodes used by the kernels. */
export const Op = {
  block: 0x02,
  loop: 0x03,
  if: 0x04,
  else: 0x05,
  end: 0x0b,
  br: 0x0c,
  br_if: 0x0d,
  return: 0x0f,
  drop: 0x1a,
  select: 0x1b,
  local_get: 0x20,
  local_set: 0x21,
  local_tee: 0x22,
  i32_load: 0x28,
  f32_load: 0x2a,
  f64_load: 0x2b,
  f32_store: 0x38,
  f64_store: 0x39,
  i32_const: 0x41,
  f32_const: 0x43,
  f64_const: 0x44,
  i32_eqz: 0x45,
  i32_popcnt: 0x69,
  i32_eq: 0x46,
  i32_ne: 0x47,
  i32_lt_u: 0x49,
  i32_gt_u: 0x4b,
  i32_le_u: 0x4d,
  i32_ge_u: 0x4f,
  f64_eq: 0x61,
  f64_ne: 0x62,
  f64_lt: 0x63,
  f64_gt: 0x64,
  f64_le: 0x65,
  f64_ge: 0x66,
  i32_add: 0x6a,
  i32_sub: 0x6b,
  i32_mul: 0x6c,
  i32_and: 0x71,
  i32_shl: 0x74,
  i32_shr_u: 0x76,
  f32_abs: 0x8b,
  f32_neg: 0x8c,
  f32_sqrt: 0x91,
  f32_add: 0x92,
  f32_sub: 0x93,
  f32_mul: 0x94,
  f32_div: 0x95,
  f32_min: 0x96,
  f32_max: 0x97,
  f64_abs: 0x99,
  f64_neg: 0x9a,
  f64_sqrt: 0x9f,
  f64_add: 0xa0,
  f64_sub: 0xa1,
  f64_mul: 0xa2,
  f64_div: 0xa3,
  f64_min: 0xa4,
  f64_max: 0xa5,
  f32_demote_f64: 0xb6,
  f64_promote_f32: 0xbb,
} as const;

/** SIMD sub-opcodes (emitted after the 0xFD prefix). */
export const Simd = {
  v128_load: 0x00,
  v128_load64_splat: 0x0a,
  v128_store: 0x0b,
  v128_const: 0x0c,
  i8x16_shuffle: 0x0d,
  f32x4_splat: 0x13,
  f64x2_splat: 0x14,
  f32x4_extract_lane: 0x1f,
  f64x2_extract_lane: 0x21,
  f32x4_ne: 0x42,
  f64x2_eq: 0x47,
  f64x2_ne: 0x48,
  f64x2_ge: 0x4c,
  v128_or: 0x50,
  v128_bitselect: 0x52,
  v128_any_true: 0x53,
  v128_load64_zero: 0x5d,
  f32x4_demote_f64x2_zero: 0x5e,
  f64x2_promote_low_f32x4: 0x5f,
  f32x4_abs: 0xe0,
  f32x4_neg: 0xe1,
  f32x4_sqrt: 0xe3,
  f32x4_add: 0xe4,
  f32x4_sub: 0xe5,
  f32x4_mul: 0xe6,
  f32x4_div: 0xe7,
  f32x4_min: 0xe8,
  f32x4_max: 0xe9,
  f32x4_pmin: 0xea,
  f32x4_pmax: 0xeb,
  f64x2_abs: 0xec,
  f64x2_neg: 0xed,
  f64x2_sqrt: 0xef,
  f64x2_add: 0xf0,
  f64x2_sub: 0xf1,
  f64x2_mul: 0xf2,
  f64x2_div: 0xf3,
  f64x2_min: 0xf4,
  f64x2_max: 0xf5,
  f64x2_pmin: 0xf6,
  f64x2_pmax: 0xf7,
} as const;

/** Block type byte for blocks that take and leave nothing. */
export const VOID = 0x40;

/**
 * A function body under construction: a byte list with helpers for the
 * common instruction shapes. Locals are numbered after the parameters.
 */
export class Code {
  readonly bytes: number[] = [];
  readonly #locals: ValType[] = [];
  readonly #nparams: number;

  /** @param nparams Number of parameters (local indices start after them). */
  constructor(nparams: number) {
    this.#nparams = nparams;
  }

  /** Declares a local of type `t` and returns its index. */
  local(t: ValType): number {
    this.#locals.push(t);
    return this.#nparams + this.#locals.length - 1;
  }

  /** Raw opcodes and immediates. */
  op(...b: number[]): this {
    for (const x of b) this.bytes.push(x);
    return this;
  }

  /** `local.get i`. */
  get(i: number): this {
    return this.op(Op.local_get, ...uleb(i));
  }

  /** `local.set i`. */
  set(i: number): this {
    return this.op(Op.local_set, ...uleb(i));
  }

  /** `local.tee i`. */
  tee(i: number): this {
    return this.op(Op.local_tee, ...uleb(i));
  }

  /** `i32.const n`. */
  i32(n: number): this {
    return this.op(Op.i32_const, ...sleb(n));
  }

  /** `f64.const x`. */
  f64(x: number): this {
    const b = new Uint8Array(new Float64Array([x]).buffer);
    return this.op(Op.f64_const, ...b);
  }

  /** `f32.const x`. */
  f32(x: number): this {
    const b = new Uint8Array(new Float32Array([x]).buffer);
    return this.op(Op.f32_const, ...b);
  }

  /** A scalar load or store with alignment exponent and byte offset. */
  mem(opcode: number, alignLog2: number, offset = 0): this {
    return this.op(opcode, ...uleb(alignLog2), ...uleb(offset));
  }

  /** A SIMD instruction (0xFD prefix) with raw immediates. */
  simd(sub: number, ...imm: number[]): this {
    return this.op(0xfd, ...uleb(sub), ...imm);
  }

  /** `v128.load` / `v128.store` / `v128.load64_zero` with byte offset (alignment hint 16). */
  vmem(sub: number, offset = 0, alignLog2 = 4): this {
    return this.simd(sub, ...uleb(alignLog2), ...uleb(offset));
  }

  /** `v128.const` with the lanes of `lanes` (Float32Array or Float64Array of 16 bytes). */
  vconst(lanes: Float32Array | Float64Array): this {
    return this.simd(Simd.v128_const, ...new Uint8Array(lanes.buffer, lanes.byteOffset, 16));
  }

  /** The local declarations followed by the body, as a code-section entry. */
  encode(): number[] {
    const groups: number[][] = [];
    for (const t of this.#locals) groups.push([1, t]);
    const body = [...vec(groups), ...this.bytes, Op.end];
    return [...uleb(body.length), ...body];
  }
}

interface FuncDef {
  name: string;
  type: number;
  code: Code;
}

/** Options of the imported memory. */
export interface MemoryImport {
  /** Initial pages (64 KiB each). */
  initial: number;
  /** Maximum pages. */
  maximum: number;
  /** Whether the memory is shared (backed by a SharedArrayBuffer). */
  shared: boolean;
}

/**
 * Builds a module that imports `env.memory` and exports each function added.
 */
export class ModuleBuilder {
  readonly #types: string[] = [];
  readonly #funcs: FuncDef[] = [];
  readonly #memory: MemoryImport;

  /** @param memory The memory to import (must match the instance's memory). */
  constructor(memory: MemoryImport) {
    this.#memory = memory;
  }

  #type(params: readonly ValType[], results: readonly ValType[]): number {
    const key = JSON.stringify([params, results]);
    let i = this.#types.indexOf(key);
    if (i < 0) i = this.#types.push(key) - 1;
    return i;
  }

  /**
   * Adds an exported function; `body` fills in its code.
   *
   * @returns The function's index.
   */
  func(
    name: string,
    params: readonly ValType[],
    results: readonly ValType[],
    body: (c: Code) => void,
  ): number {
    const code = new Code(params.length);
    body(code);
    return this.#funcs.push({ name, type: this.#type(params, results), code }) - 1;
  }

  /** The module's binary. */
  build(): Uint8Array<ArrayBuffer> {
    const section = (id: number, payload: number[]): number[] =>
      payload.length ? [id, ...uleb(payload.length), ...payload] : [];
    const types = vec(this.#types.map((k) => {
      const [p, r] = JSON.parse(k) as [number[], number[]];
      return [0x60, ...uleb(p.length), ...p, ...uleb(r.length), ...r];
    }));
    const m = this.#memory;
    const limits = [m.shared ? 0x03 : 0x01, ...uleb(m.initial), ...uleb(m.maximum)];
    const imports = vec([[...str("env"), ...str("memory"), 0x02, ...limits]]);
    const funcs = vec(this.#funcs.map((f) => uleb(f.type)));
    const exports = vec(this.#funcs.map((f, i) => [...str(f.name), 0x00, ...uleb(i)]));
    const codes = vec(this.#funcs.map((f) => f.code.encode()));
    return new Uint8Array([
      0x00,
      0x61,
      0x73,
      0x6d,
      0x01,
      0x00,
      0x00,
      0x00,
      ...section(1, types),
      ...section(2, imports),
      ...section(3, funcs),
      ...section(7, exports),
      ...section(10, codes),
    ]);
  }
}
