/**
 * Regions (hyperslabs) and the source/sink interfaces every format
 * implements (DESIGN.md, contract 2).
 *
 * @module
 */

import type { DType } from "../core/dtype.ts";
import type { NDArray, SliceSpec } from "../core/ndarray.ts";
import { normalizeRange, parseSelection } from "../core/ndarray.ts";

/**
 * A hyperslab: per axis, the indices `start + k * step` for `k < count`.
 * Steps are positive. The block of a region has shape `count`.
 */
export interface Region {
  /** First index per axis. */
  readonly start: readonly number[];
  /** Step per axis (>= 1). */
  readonly step: readonly number[];
  /** Number of indices per axis. */
  readonly count: readonly number[];
}

/**
 * What may be passed where a region is expected: a `Region`, a selection
 * string (`"0:100, :, ::2"`), a list of slice specs (ranges only; integers
 * keep their axis with length 1), or nothing for the whole array.
 */
export type RegionLike = Region | string | readonly SliceSpec[] | undefined;

/**
 * Normalises a region against a shape. Integers select one index (the axis
 * stays, with length 1); negative steps are refused (read with a positive
 * step and reverse the view instead).
 *
 * @param shape The array's shape.
 * @param region The region, or undefined for everything.
 * @returns A region with one entry per axis, inside the shape.
 * @throws {RangeError} When the region does not fit the shape.
 *
 * @example
 * ```ts
 * import { toRegion } from "./region.ts";
 * const r = toRegion([10, 20], "2:8, ::5");
 * if (r.count.join() !== "6,4" || r.step[1] !== 5) throw new Error("bad");
 * ```
 */
export function toRegion(shape: readonly number[], region?: RegionLike): Region {
  if (region === undefined) {
    return { start: shape.map(() => 0), step: shape.map(() => 1), count: [...shape] };
  }
  if (typeof region === "object" && region !== null && "count" in region) {
    const r = region as Region;
    if (r.start.length !== shape.length || r.count.length !== shape.length) {
      throw new RangeError(
        `Region has ${r.start.length} axes, the array has ${shape.length}: shape [${
          shape.join(",")
        }]`,
      );
    }
    const step = r.step ?? shape.map(() => 1);
    for (let i = 0; i < shape.length; i++) {
      const last = r.start[i] + (r.count[i] - 1) * step[i];
      if (
        !Number.isInteger(r.start[i]) || !Number.isInteger(r.count[i]) || step[i] < 1 ||
        r.start[i] < 0 || r.count[i] < 0 || (r.count[i] > 0 && last >= shape[i])
      ) {
        throw new RangeError(
          `Region [${describeRegion({ start: r.start, step, count: r.count })}] is outside shape [${
            shape.join(",")
          }] on axis ${i}`,
        );
      }
    }
    return { start: [...r.start], step: [...step], count: [...r.count] };
  }
  const specs = typeof region === "string"
    ? parseSelection(region)
    : region as readonly SliceSpec[];
  if (specs.length > shape.length) {
    throw new RangeError(
      `Region has ${specs.length} axes, the array has ${shape.length}: shape [${shape.join(",")}]`,
    );
  }
  const start: number[] = [];
  const step: number[] = [];
  const count: number[] = [];
  for (let i = 0; i < shape.length; i++) {
    const s = i < specs.length ? specs[i] : ":";
    const n = shape[i];
    if (typeof s === "number") {
      if (!Number.isInteger(s) || s < -n || s >= n) {
        throw new RangeError(`Index ${s} is outside axis ${i} of shape [${shape.join(",")}]`);
      }
      start.push(s < 0 ? s + n : s);
      step.push(1);
      count.push(1);
      continue;
    }
    if (s === null || s === "...") {
      throw new RangeError(`A region cannot contain ${s === null ? "a new axis" : '"..."'}`);
    }
    const spec = typeof s === "string" ? parseSelection(s)[0] : s;
    if (typeof spec === "number") {
      if (spec < -n || spec >= n) {
        throw new RangeError(`Index ${spec} is outside axis ${i} of shape [${shape.join(",")}]`);
      }
      start.push(spec < 0 ? spec + n : spec);
      step.push(1);
      count.push(1);
      continue;
    }
    if (spec === null || typeof spec !== "object") {
      throw new SyntaxError(`Cannot parse region part "${String(s)}"`);
    }
    if ((spec.step ?? 1) < 0) {
      throw new RangeError(`Region steps must be positive: axis ${i} has step ${spec.step}`);
    }
    const r = normalizeRange(n, spec.start, spec.stop, spec.step);
    start.push(r.count > 0 ? r.start : 0);
    step.push(r.step);
    count.push(r.count);
  }
  return { start, step, count };
}

/**
 * Formats a region as a selection string (`2:8,0:20:5`).
 *
 * @param r The region.
 * @returns The selection text.
 *
 * @example
 * ```ts
 * import { describeRegion } from "./region.ts";
 * const s = describeRegion({ start: [2], step: [1], count: [3] });
 * if (s !== "2:5") throw new Error(s);
 * ```
 */
export function describeRegion(r: Region): string {
  return r.start.map((s, i) => {
    const st = r.step[i] ?? 1;
    const stop = s + r.count[i] * st - (st - 1);
    return st === 1 ? `${s}:${s + r.count[i]}` : `${s}:${Math.max(stop, s)}:${st}`;
  }).join(",");
}

/**
 * A readable array on disk or elsewhere (contract 2): `read(region)` never
 * reads more of the file than the region's chunks.
 */
export interface ArraySource {
  /** Where the data comes from (a path or locator), for messages. */
  readonly locator: string;
  /** Global shape. */
  readonly shape: readonly number[];
  /** Element type of what `read` returns. */
  readonly dtype: DType;
  /** The natural block grid (storage chunks, or a sensible block for contiguous data). */
  readonly chunks: readonly number[];
  /** Reads a region into a new C-contiguous NDArray of shape `region.count`. */
  read(region?: RegionLike): Promise<NDArray>;
  /**
   * Optional: reads a region into a caller's contiguous array of the
   * source's dtype and the region's shape (a buffer reused from block to
   * block, possibly shared WebAssembly memory), returning it. The array is in
   * C order, or in Fortran order when the source says `fortranOrder: true`.
   */
  readInto?(region: RegionLike, out: NDArray): Promise<NDArray> | NDArray;
  /** True when `readInto` fills Fortran-ordered arrays (a Fortran-ordered .npy). */
  readonly fortranOrder?: boolean;
}

/** A writable array (contract 2). Regions written by different ranks must not overlap. */
export interface ArraySink {
  /** Where the data goes, for messages. */
  readonly locator: string;
  /** Global shape. */
  readonly shape: readonly number[];
  /** Element type stored. */
  readonly dtype: DType;
  /** The natural block grid; writes aligned to it never share a storage unit. */
  readonly chunks: readonly number[];
  /** Writes `array` (shape `region.count`, any dtype: converted) at the region. */
  write(region: RegionLike, array: NDArray): Promise<void>;
}
