// Array sources the lazy layer adds to the formats in io/: in-memory arrays
// and counter-based random arrays, both generated block by block, plus the
// opening of a locator as a source (through io/formats.ts).

import { type DType, DTYPES } from "../core/dtype.ts";
import type { NDArray } from "../core/ndarray.ts";
import { type ArraySource, type Region, type RegionLike, toRegion } from "../io/region.ts";
import { defaultChunks } from "./_random_source.ts";
import { formatOf, type OpenedArray } from "../io/formats.ts";
import { parseLocator } from "../io/locator.ts";

export { BLOCK_TARGET, defaultChunks, RandomSource } from "./_random_source.ts";

function regionSpecs(r: Region): { start: number; stop: number; step: number }[] {
  return r.start.map((s, i) => ({ start: s, stop: s + r.count[i] * r.step[i], step: r.step[i] }));
}

/** An in-memory NDArray as a source; `read` returns views (never copies). */
export class MemorySource implements ArraySource {
  readonly locator = "<memory>";
  readonly shape: readonly number[];
  readonly dtype: DType;
  readonly chunks: readonly number[];
  readonly #a: NDArray;
  #reads = 0;

  constructor(a: NDArray, chunks?: readonly number[]) {
    this.#a = a;
    this.shape = a.shape;
    this.dtype = a.dtype;
    this.chunks = chunks ?? defaultChunks(a.shape, DTYPES[a.dtype].bytes);
  }

  /** Number of `read` calls so far. */
  get reads(): number {
    return this.#reads;
  }

  read(region?: RegionLike): Promise<NDArray> {
    try {
      const r = toRegion(this.shape, region);
      this.#reads++;
      if (r.count.some((c) => c === 0)) {
        return Promise.resolve(this.#a.slice(...r.count.map(() => "0:0")));
      }
      return Promise.resolve(this.#a.slice(...regionSpecs(r)));
    } catch (e) {
      return Promise.reject(e);
    }
  }
}

/** An opened source and whether sub-blocks of its chunks are cheap to read. */
export type Opened = OpenedArray;

/**
 * Opens a locator (`a.npy`, `f.h5:/g/x`, `s.zarr`, `s.zarr:/g/x`, `t.arrow:col`)
 * as a source, through the format registry.
 */
export function openSource(locator: string): Promise<Opened> {
  try {
    const loc = parseLocator(locator);
    return formatOf(loc).open(loc);
  } catch (e) {
    return Promise.reject(e);
  }
}
