// Out-of-core scans of a LazyArray (cumsum, cumprod, ufunc accumulate).
//
// The result is a lazy source over the input: reading a region scans the
// input's same region along the axis, starting from the carry (the result
// just before the region) that the previous read of the same cross-section
// left. Reads of one cross-section are run one after another, in the order
// they are issued; a read that does not start where the last one ended
// (another order than sequential along the axis) first scans the part before
// it, chunk by chunk. Every element is op(previous result, element), as NumPy
// does, so the bits equal NumPy's for any chunking and any read order.

import { type DType, DTYPES } from "../core/dtype.ts";
import { copyInto, empty, type NDArray } from "../core/ndarray.ts";
import { type RegionLike, toRegion } from "../core/indexer.ts";
import {
  accumulate,
  accumulateDType,
  ARRAY_UFUNC,
  type UfuncMethod,
  type UfuncReduceOptions,
  ufuncReduction,
} from "../core/ufunc_methods.ts";

/** A binary ufunc's NumPy name, as core/ufunc_methods.ts types it. */
type BinaryOp = Parameters<typeof accumulate>[0];
import type { ArraySource } from "../io/region.ts";
import { SelfComm } from "../dist/self_comm.ts";
import type { LazyArray } from "./lazy.ts";
import { defaultChunks } from "./_sources.ts";

interface Carry {
  end: number;
  last: NDArray | null;
}

/** The scanned array as a source: see the file comment. */
export class ScanSource implements ArraySource {
  readonly locator: string;
  readonly shape: readonly number[];
  readonly dtype: DType;
  readonly chunks: readonly number[];
  readonly cacheBytes: number;
  readonly #input: LazyArray;
  readonly #op: BinaryOp;
  readonly #axis: number;
  readonly #carries = new Map<string, Carry>();
  readonly #queues = new Map<string, Promise<unknown>>();

  constructor(input: LazyArray, op: BinaryOp, axis: number, dtype: DType) {
    this.#input = input;
    this.#op = op;
    this.#axis = axis;
    this.shape = input.shape;
    this.dtype = dtype;
    this.locator = `${op}.accumulate(axis=${axis}) of ${input}`;
    this.chunks = input.chunks ?? defaultChunks(input.shape, DTYPES[dtype].bytes);
    const cross = input.shape.reduce((p, n, i) => (i === axis ? p : p * n), 1);
    this.cacheBytes = cross * DTYPES[dtype].bytes;
  }

  read(region?: RegionLike): Promise<NDArray> {
    let r;
    try {
      r = toRegion(this.shape, region);
    } catch (e) {
      return Promise.reject(e);
    }
    const k = this.#axis;
    const key = r.start.map((s, i) => (i === k ? "" : `${s}/${r.step[i]}/${r.count[i]}`)).join(",");
    const lo = r.start[k];
    const hi = r.count[k] === 0 ? lo : lo + (r.count[k] - 1) * r.step[k] + 1;
    const prev = this.#queues.get(key) ?? Promise.resolve();
    const run = prev.catch(() => {}).then(() => this.#scan(key, r, lo, hi));
    this.#queues.set(key, run);
    return run.then((out) => {
      if (r.step[k] === 1) return out;
      const specs = r.count.map((
        _,
        i,
      ) => (i === k ? { start: 0, stop: hi - lo, step: r.step[k] } : ":"));
      return out.slice(...specs).copy();
    });
  }

  async #readInput(
    r: { start: readonly number[]; step: readonly number[]; count: readonly number[] },
    lo: number,
    hi: number,
  ) {
    const k = this.#axis;
    const specs = r.count.map((c, i) =>
      i === k
        ? `${lo}:${hi}`
        : c === 0
        ? "0:0"
        : { start: r.start[i], stop: r.start[i] + (c - 1) * r.step[i] + 1, step: r.step[i] }
    );
    // a read of this source runs on one rank (its own blocks): not a collective
    return await this.#input.slice(...specs).compute({ comm: new SelfComm() });
  }

  /** op-scan of `block` along the axis, continuing from `last` (the result just before it). */
  #scanFrom(block: NDArray, last: NDArray | null): NDArray {
    const k = this.#axis;
    if (last === null) return accumulate(this.#op, block, { axis: k, dtype: this.dtype });
    const shape = block.shape.map((n, i) => (i === k ? n + 1 : n));
    const tmp = empty(shape, this.dtype);
    const sel = (a: number, b: number) => shape.map((_, i) => (i === k ? `${a}:${b}` : ":"));
    copyInto(tmp.slice(...sel(0, 1)), last);
    copyInto(tmp.slice(...sel(1, shape[k])), block);
    return accumulate(this.#op, tmp, { axis: k, dtype: this.dtype }).slice(...sel(1, shape[k]));
  }

  async #scan(
    key: string,
    r: { start: readonly number[]; step: readonly number[]; count: readonly number[] },
    lo: number,
    hi: number,
  ): Promise<NDArray> {
    const k = this.#axis;
    const cached = this.#carries.get(key);
    let pos = 0;
    let last: NDArray | null = null;
    if (cached && cached.end <= lo) ({ end: pos, last } = cached);
    const step = Math.max(1, this.chunks[k]);
    const lastOf = (a: NDArray) => {
      const n = a.shape[k];
      return n === 0
        ? last
        : a.slice(...a.shape.map((_, i) => (i === k ? `${n - 1}:${n}` : ":"))).copy();
    };
    while (pos < lo) {
      const stop = Math.min(lo, pos + step);
      last = lastOf(this.#scanFrom(await this.#readInput(r, pos, stop), last));
      pos = stop;
    }
    const out = this.#scanFrom(await this.#readInput(r, lo, hi), last);
    this.#carries.set(key, { end: hi, last: lastOf(out) });
    return out;
  }
}

/**
 * `LazyArray.cumsum` / `cumprod` and `ufunc.accumulate` of a LazyArray: a
 * lazy array over a {@link ScanSource}. Axis `null` (cumsum's default)
 * scans a 1-D array; an N-d one needs an axis.
 */
export function scanLazy(
  self: LazyArray,
  op: BinaryOp,
  options: { axis?: number | null; dtype?: DType } | undefined,
  caller: string,
  fromSource: (s: ArraySource) => LazyArray,
): LazyArray {
  if (options !== undefined && (options === null || typeof options !== "object")) {
    throw new TypeError(`Invalid options for ${caller}: expected an object, got ${options}`);
  }
  for (const key of Object.keys(options ?? {})) {
    if (key !== "axis" && key !== "dtype") {
      throw new TypeError(`Unknown option "${key}" for ${caller}: expected axis, dtype`);
    }
  }
  const nd = self.ndim;
  if (nd === 0) throw new TypeError(`Cannot run ${caller} on a 0-d array`);
  let axis = options?.axis ?? null;
  if (axis === null) {
    if (nd !== 1) {
      throw new TypeError(
        `Invalid axis for ${caller}: a LazyArray of ${nd} dimensions needs an axis (flattening is not lazy)`,
      );
    }
    axis = 0;
  }
  if (!Number.isInteger(axis)) {
    throw new TypeError(`Invalid axis for ${caller}: expected an integer, got ${axis}`);
  }
  if (axis < -nd || axis >= nd) {
    throw new RangeError(
      `Invalid axis for ${caller}: axis ${axis} is out of bounds for an array of dimension ${nd}`,
    );
  }
  if (axis < 0) axis += nd;
  const dtype = accumulateDType(op, self.dtype, options?.dtype);
  return fromSource(new ScanSource(self, op, axis, dtype));
}

/**
 * Installs `[ARRAY_UFUNC]` on the LazyArray class (`add.accumulate(x)`: a
 * lazy scan along `axis`, default 0, any binary ufunc; `add.reduce(x)`: the
 * LazyArray reduction `sum`, `prod`, `max`, `min`, `all` or `any`) and
 * returns the `scan` implementation of its `installOps` call.
 */
export function installLazyUfunc(
  C: { prototype: LazyArray },
  fromSource: (s: ArraySource) => LazyArray,
): (self: LazyArray, op: "add" | "multiply", options: ScanOptionsLike | undefined) => LazyArray {
  Object.defineProperty(C.prototype, ARRAY_UFUNC, {
    value: function (this: LazyArray, method: UfuncMethod, op: BinaryOp, args: readonly unknown[]) {
      const caller = `${op}.${method}()`;
      if (method === "accumulate") {
        const o = (args[0] ?? {}) as ScanOptionsLike;
        return scanLazy(this, op, { ...o, axis: o.axis ?? 0 }, caller, fromSource);
      }
      const red = ufuncReduction(op);
      if (method === "outer" || red === null) {
        throw new TypeError(`Cannot run ${caller} on a LazyArray: compute() it first`);
      }
      const o = (args[0] ?? {}) as UfuncReduceOptions;
      for (const key of Object.keys(o)) {
        if (!["axis", "keepdims", "dtype"].includes(key)) {
          throw new TypeError(
            `Unknown option "${key}" for ${caller}: expected axis, keepdims, dtype`,
          );
        }
      }
      const dtype = accumulateDType(op, this.dtype, o.dtype);
      const withDType = red === "sum" || red === "prod" ? { dtype } : {};
      const axis = o.axis === undefined ? 0 : o.axis;
      const r = this.reduce(red, { axis, keepdims: o.keepdims === true, ...withDType });
      return r.dtype === dtype ? r : r.astype(dtype);
    },
  });
  return (self, op, options) =>
    scanLazy(self, op, options, op === "add" ? "cumsum()" : "cumprod()", fromSource);
}

/** The options of a lazy scan. */
interface ScanOptionsLike {
  readonly axis?: number | null;
  readonly dtype?: DType;
}
