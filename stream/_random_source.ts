// The counter-based random source (its blocks generated from the seed and
// the region, on any thread) and the default block grid of data without
// storage chunks. Kept apart from stream/_sources.ts, which opens locators
// through every format, so that a compute worker loads only this.

import { type DType, DTYPES, toDType } from "../core/dtype.ts";
import type { NDArray } from "../core/ndarray.ts";
import * as rnd from "../core/random.ts";
import { type ArraySource, type Region, type RegionLike, toRegion } from "../io/region.ts";
import type { RandomDistribution, RandomSourceOptions } from "./options.ts";

/** Bytes per block of the default grid of contiguous data. */
export const BLOCK_TARGET = 32 * 2 ** 20;

/**
 * A default block grid for data without storage chunks: whole trailing axes
 * and about `target` bytes per block, split along the leading axes.
 */
export function defaultChunks(
  shape: readonly number[],
  itemsize: number,
  target = BLOCK_TARGET,
): number[] {
  const chunks = shape.map((n) => Math.max(1, n));
  let tail = itemsize;
  for (let i = shape.length - 1; i >= 0; i--) {
    if (tail * Math.max(1, shape[i]) <= target) {
      tail *= Math.max(1, shape[i]);
      continue;
    }
    chunks[i] = Math.max(1, Math.min(shape[i], Math.floor(target / tail)));
    for (let j = 0; j < i; j++) chunks[j] = 1;
    break;
  }
  return chunks;
}

/** A random array generated region by region from the counter-based generator. */
export class RandomSource implements ArraySource {
  readonly locator: string;
  readonly shape: readonly number[];
  readonly dtype: DType;
  readonly chunks: readonly number[];
  readonly #o: RandomSourceOptions;
  readonly #dist: RandomDistribution;

  constructor(shape: readonly number[], options: RandomSourceOptions = {}) {
    const dist = options.distribution ?? "uniform";
    if (!["uniform", "normal", "randint"].includes(dist)) {
      throw new TypeError(
        `Unknown distribution "${dist}": expected "uniform", "normal" or "randint"`,
      );
    }
    if (dist === "randint" && options.high === undefined) {
      throw new TypeError(`Missing option "high" of the randint distribution`);
    }
    this.#dist = dist;
    this.#o = options;
    this.shape = Object.freeze([...shape]);
    this.dtype = toDType(options.dtype ?? (dist === "randint" ? "int64" : "float64"));
    this.chunks = options.chunks
      ? [...options.chunks]
      : defaultChunks(shape, Math.max(8, DTYPES[this.dtype].bytes));
    this.locator = `<random ${dist} seed=${options.seed ?? 0}>`;
    // validate the options once, on an empty region
    this.#generate({
      start: shape.map(() => 0),
      step: shape.map(() => 1),
      count: shape.map(() => 0),
    });
  }

  /**
   * The options it was made with: with the shape they make the same source
   * again (a compute worker generates its blocks from them).
   *
   * @example
   * ```ts
   * import { RandomSource } from "./_random_source.ts";
   * const r = new RandomSource([4], { seed: 7 });
   * const again = new RandomSource(r.shape, r.options);
   * console.log((await again.read()).get(2) === (await r.read()).get(2)); // true
   * ```
   */
  get options(): RandomSourceOptions {
    return this.#o;
  }

  #generate(region: Region): NDArray {
    const o = this.#o;
    const base = { seed: o.seed, stream: o.stream, region };
    let a: NDArray;
    switch (this.#dist) {
      case "normal":
        a = rnd.normal(this.shape, { ...base, mean: o.mean, std: o.std });
        break;
      case "randint":
        a = rnd.randint(this.shape, {
          ...base,
          low: o.low,
          high: o.high as number,
          dtype: DTYPES[this.dtype].kind === "f" ? "float64" : this.dtype,
        });
        break;
      default:
        a = rnd.uniform(this.shape, { ...base, low: o.low, high: o.high });
    }
    return a.dtype === this.dtype ? a : a.astype(this.dtype);
  }

  read(region?: RegionLike): Promise<NDArray> {
    try {
      return Promise.resolve(this.#generate(toRegion(this.shape, region)));
    } catch (e) {
      return Promise.reject(e);
    }
  }
}
