/**
 * `Distribution`: how a global array is laid out over MPI ranks, one DAP map
 * per axis (`b` block, `c` cyclic/block-cyclic, `u` unstructured, `n` not
 * distributed) over a C-ordered process grid (DESIGN.md, contract 8). A
 * distribution describes every rank, so plans between two distributions are
 * computed on each rank without communication.
 *
 * Padding (halos) follows the Distributed Array Protocol: on a block axis,
 * `padding: [before, after]` on an inner edge (or any edge of a periodic axis)
 * is communication padding, extra cells of the local block that mirror
 * elements owned by the neighbour; on the outer edges of a non-periodic axis
 * it is boundary padding, which is part of the global array and owned by the
 * edge rank. The local block therefore holds the owned range plus the
 * communication padding, and a periodic halo wraps around the axis.
 *
 * @module
 */

import type { Region } from "../io/region.ts";
import { type AxisMap, defaultGrid } from "./_grid.ts";
import {
  buildAxis,
  fixedGridSize,
  parseSpecs,
  runsOf,
  sameInts,
  shapeText,
} from "./_axis_specs.ts";
import { internals } from "./_distribution_internals.ts";

/** The distribution types of the Distributed Array Protocol, plus the old `n`. */
export type DistType = "b" | "c" | "u" | "n";
export {
  pack,
  type RedistributionPlan,
  redistributionPlan,
  unpack,
} from "./redistribution_plan.ts";

/**
 * How one axis is distributed: a dist type letter, or an object with its
 * parameters.
 *
 * - `b` block: balanced (the first `size % P` grid positions get one more)
 *   unless `bounds` (P + 1 non-decreasing values from 0 to the axis length)
 *   are given; `padding` is `[before, after]` for every grid position or one
 *   pair per position; `periodic` wraps the halos around the axis.
 * - `c` cyclic: blocks of `blockSize` (default 1) dealt round-robin.
 * - `u` unstructured: one list of global indices per grid position, forming a
 *   partition of the axis.
 * - `n` not distributed (grid size 1).
 */
export type AxisSpec =
  | DistType
  | {
    readonly type: "b";
    readonly bounds?: ArrayLike<number>;
    readonly padding?: readonly [number, number] | readonly (readonly [number, number])[];
    readonly periodic?: boolean;
  }
  | { readonly type: "c"; readonly blockSize?: number }
  | { readonly type: "u"; readonly indices: readonly ArrayLike<number>[] }
  | { readonly type: "n" };

/** Options of {@link Distribution.create}. */
export interface DistributionOptions {
  /**
   * One spec per axis: a string of letters (`"bc"`) or a list. Default: `b`
   * on axis 0 and `n` elsewhere.
   */
  readonly dist?: string | readonly AxisSpec[];
  /** Process grid, one size per axis (default: fitted to the shape, as DistArray does). */
  readonly grid?: readonly number[];
  /** Number of ranks in the communicator. */
  readonly commSize: number;
  /** The ranks that hold the array, in grid (C) order (default all). Others own nothing. */
  readonly ranks?: readonly number[];
}

/** A hyperslab of the global array and where it goes in the local block. */
export interface LocalRegion {
  /** The global hyperslab. */
  readonly region: Region;
  /** Index of its first element in the local block, per axis; it fills `region.count` from there. */
  readonly localStart: readonly number[];
}

/** A description of one axis of a distribution. */
export interface AxisInfo {
  /** Distribution type. */
  readonly type: DistType;
  /** Axis length. */
  readonly size: number;
  /** Number of grid positions along the axis. */
  readonly gridSize: number;
  /** Block size (`c`; 1 otherwise). */
  readonly blockSize: number;
  /** Owned bounds per grid position, P + 1 values (`b` and `n`), or null. */
  readonly bounds: readonly number[] | null;
  /** Padding per grid position (`b` with padding), or null. */
  readonly padding: readonly (readonly [number, number])[] | null;
  /** Whether the axis is periodic (`b`). */
  readonly periodic: boolean;
  /** Index lists per grid position (`u`), or null. */
  readonly indices: readonly Int32Array[] | null;
}

/**
 * The layout of a global array over the ranks of a communicator.
 *
 * @example
 * ```ts
 * import { Distribution } from "./distribution.ts";
 * const d = Distribution.create([7], { dist: [{ type: "c", blockSize: 2 }], commSize: 2 });
 * if (d.localShape(0)[0] !== 4 || d.localShape(1)[0] !== 3) throw new Error("bad");
 * if ([...d.globalIndices(0, 1)].join() !== "2,3,6") throw new Error("bad");
 * ```
 */
export class Distribution {
  /** Global shape. */
  readonly shape: readonly number[];
  /** Process grid (C order, as `MPI_Cart_create`). */
  readonly grid: readonly number[];
  /** Number of ranks in the communicator. */
  readonly commSize: number;
  /** The rank at each grid position, in C order. */
  readonly ranks: readonly number[];
  readonly #axes: AxisMap[];
  readonly #position: Int32Array; // rank -> grid position, or -1
  readonly #localCache = new Map<number, Int32Array>();

  private constructor(
    shape: number[],
    grid: number[],
    axes: AxisMap[],
    commSize: number,
    ranks: number[],
  ) {
    this.shape = Object.freeze(shape);
    this.grid = Object.freeze(grid);
    this.commSize = commSize;
    this.ranks = Object.freeze(ranks);
    this.#axes = axes;
    this.#position = new Int32Array(commSize).fill(-1);
    ranks.forEach((r, k) => (this.#position[r] = k));
  }

  /**
   * Builds a distribution from a shape and per-axis specs.
   *
   * @param shape Global shape.
   * @param options `dist`, `grid`, `commSize` (required), `ranks`.
   * @returns The distribution.
   * @throws {RangeError} For a grid that does not multiply to the rank count, a bad block size,
   *   bad bounds or index lists, or a spec count that does not match the shape.
   * @throws {TypeError} For an unknown dist type.
   *
   * @example
   * ```ts
   * import { Distribution } from "./distribution.ts";
   * const d = Distribution.create([4, 6], { dist: "bb", commSize: 4 });
   * if (d.grid.join() !== "2,2" || d.localShape(3).join() !== "2,3") throw new Error("bad");
   * ```
   */
  static create(shape: readonly number[], options: DistributionOptions): Distribution {
    if (!Array.isArray(shape)) {
      throw new TypeError(`Invalid shape ${String(shape)}: expected an array`);
    }
    for (const d of shape) {
      if (!Number.isSafeInteger(d) || d < 0 || d > 0x7fffffff) {
        throw new RangeError(
          `Invalid shape ${shapeText(shape)}: ${d} is not an integer in [0, 2^31)`,
        );
      }
    }
    const commSize = options?.commSize;
    if (!Number.isSafeInteger(commSize) || commSize < 1) {
      throw new RangeError(`Invalid communicator size ${commSize}: must be a positive integer`);
    }
    const ranks = options.ranks
      ? [...options.ranks]
      : Array.from({ length: commSize }, (_, i) => i);
    const seen = new Set<number>();
    for (const r of ranks) {
      if (!Number.isInteger(r) || r < 0 || r >= commSize) {
        throw new RangeError(`Invalid rank ${r}: outside [0, ${commSize})`);
      }
      if (seen.has(r)) throw new RangeError(`Duplicate rank ${r} in the rank list`);
      seen.add(r);
    }
    if (ranks.length === 0) throw new RangeError(`Invalid rank list: it is empty`);
    const specs = parseSpecs(shape.length, options.dist);
    let grid: number[];
    if (options.grid) {
      grid = [...options.grid];
      if (grid.length !== shape.length) {
        throw new RangeError(
          `Invalid grid ${shapeText(grid)}: ${grid.length} axes for shape ${shapeText(shape)}`,
        );
      }
      grid.forEach((g, i) => {
        if (!Number.isSafeInteger(g) || g < 1) {
          throw new RangeError(
            `Invalid grid size ${g} on axis ${i}: must be a positive integer`,
          );
        }
        const fixed = fixedGridSize(specs[i]);
        if (fixed !== null && fixed !== g) {
          throw new RangeError(
            `Invalid grid size ${g} on axis ${i}: its dist spec needs ${fixed}`,
          );
        }
      });
    } else {
      const fixed = specs.map(fixedGridSize);
      const known = fixed.reduce<number>((a, f) => a * (f ?? 1), 1);
      const free = fixed.flatMap((f, i) => (f === null ? [i] : []));
      if (ranks.length % known !== 0 || (free.length === 0 && known !== ranks.length)) {
        throw new RangeError(
          `Invalid dist: its fixed grid sizes [${
            fixed.map((f) => f ?? "*").join(",")
          }] do not fit ${ranks.length} ranks`,
        );
      }
      const fitted = defaultGrid(free.map((i) => shape[i]), ranks.length / known);
      grid = fixed.map((f) => f ?? 0);
      free.forEach((ax, k) => (grid[ax] = fitted[k]));
    }
    const count = grid.reduce((a, b) => a * b, 1);
    if (count !== ranks.length) {
      throw new RangeError(
        `Invalid grid ${shapeText(grid)}: it has ${count} positions for ${ranks.length} ranks`,
      );
    }
    const axes = specs.map((s, i) => buildAxis(i, shape[i], grid[i], s));
    return new Distribution([...shape], grid, axes, commSize, ranks);
  }

  /** Number of dimensions. */
  get ndim(): number {
    return this.shape.length;
  }

  /**
   * A description of one axis.
   *
   * @param axis The axis.
   * @returns Its type and parameters.
   *
   * @example
   * ```ts
   * import { Distribution } from "./distribution.ts";
   * const d = Distribution.create([10], { dist: "b", commSize: 3 });
   * if (d.axis(0).bounds?.join() !== "0,4,7,10") throw new Error("bad");
   * ```
   */
  axis(axis: number): AxisInfo {
    const a = this.#axis(axis);
    return {
      type: a.type,
      size: a.size,
      gridSize: a.gridSize,
      blockSize: a.blockSize,
      bounds: a.bounds ? [...a.bounds] : null,
      padding: a.padding,
      periodic: a.periodic,
      indices: a.indices,
    };
  }

  #axis(axis: number): AxisMap {
    if (!Number.isInteger(axis) || axis < 0 || axis >= this.ndim) {
      throw new RangeError(`Invalid axis ${axis}: the distribution has ${this.ndim} axes`);
    }
    return this.#axes[axis];
  }

  #pos(rank: number): number {
    if (!Number.isInteger(rank) || rank < 0 || rank >= this.commSize) {
      throw new RangeError(`Invalid rank ${rank}: outside [0, ${this.commSize})`);
    }
    return this.#position[rank];
  }

  /**
   * The grid coordinates of a rank (C order), or null for a rank outside the grid.
   *
   * @param rank A rank of the communicator.
   * @returns One coordinate per axis, or null.
   *
   * @example
   * ```ts
   * import { Distribution } from "./distribution.ts";
   * const d = Distribution.create([4, 6], { dist: "bb", grid: [2, 3], commSize: 6 });
   * if (d.gridCoords(4)?.join() !== "1,1") throw new Error("bad");
   * ```
   */
  gridCoords(rank: number): number[] | null {
    let k = this.#pos(rank);
    if (k < 0) return null;
    const c = new Array<number>(this.ndim);
    for (let i = this.ndim - 1; i >= 0; i--) {
      c[i] = k % this.grid[i];
      k = Math.floor(k / this.grid[i]);
    }
    return c;
  }

  /**
   * The rank at grid coordinates.
   *
   * @param coords One coordinate per axis.
   * @returns The rank.
   * @throws {RangeError} When a coordinate is outside the grid.
   *
   * @example
   * ```ts
   * import { Distribution } from "./distribution.ts";
   * const d = Distribution.create([4, 6], { dist: "bb", grid: [2, 3], commSize: 6 });
   * if (d.rankAt([1, 2]) !== 5) throw new Error("bad");
   * ```
   */
  rankAt(coords: readonly number[]): number {
    if (coords.length !== this.ndim) {
      throw new RangeError(`Invalid grid coordinates [${coords.join(",")}]: expected ${this.ndim}`);
    }
    let k = 0;
    for (let i = 0; i < this.ndim; i++) {
      const c = coords[i];
      if (!Number.isInteger(c) || c < 0 || c >= this.grid[i]) {
        throw new RangeError(
          `Invalid grid coordinate ${c} on axis ${i}: the grid is ${shapeText(this.grid)}`,
        );
      }
      k = k * this.grid[i] + c;
    }
    return this.ranks[k];
  }

  /**
   * Shape of a rank's local block (halo cells included); zeros for a rank outside the grid.
   *
   * @param rank A rank.
   * @returns The local shape.
   *
   * @example
   * ```ts
   * import { Distribution } from "./distribution.ts";
   * const d = Distribution.create([10, 3], { dist: "bn", commSize: 3 });
   * if (d.localShape(0).join() !== "4,3") throw new Error("bad");
   * ```
   */
  localShape(rank: number): number[] {
    const c = this.gridCoords(rank);
    if (c === null) return this.shape.map(() => 0);
    return c.map((p, i) => this.#axes[i].localLength(p));
  }

  /**
   * Number of elements of a rank's local block.
   *
   * @param rank A rank.
   * @returns The element count.
   *
   * @example
   * ```ts
   * import { Distribution } from "./distribution.ts";
   * const d = Distribution.create([10, 3], { dist: "bn", commSize: 3 });
   * if (d.localSize(2) !== 9) throw new Error("bad");
   * ```
   */
  localSize(rank: number): number {
    return this.localShape(rank).reduce((a, b) => a * b, 1);
  }

  /**
   * The global indices along `axis` of a rank's local block, in local order
   * (halo cells included). Empty for a rank outside the grid.
   *
   * @param axis The axis.
   * @param rank A rank.
   * @returns The indices (a fresh array).
   *
   * @example
   * ```ts
   * import { Distribution } from "./distribution.ts";
   * const d = Distribution.create([7], { dist: "c", commSize: 3 });
   * if ([...d.globalIndices(0, 1)].join() !== "1,4") throw new Error("bad");
   * ```
   */
  globalIndices(axis: number, rank: number): Int32Array {
    return this.#local(axis, rank).slice();
  }

  #local(axis: number, rank: number): Int32Array {
    const a = this.#axis(axis);
    const c = this.gridCoords(rank);
    if (c === null) return new Int32Array(0);
    const key = axis * this.commSize + rank;
    let v = this.#localCache.get(key);
    if (!v) {
      v = a.local(c[axis]);
      this.#localCache.set(key, v);
    }
    return v;
  }

  #checkIndex(globalIndex: readonly number[]): void {
    if (globalIndex.length !== this.ndim) {
      throw new RangeError(
        `Invalid index [${globalIndex.join(",")}]: expected ${this.ndim} values`,
      );
    }
    for (let i = 0; i < this.ndim; i++) {
      const g = globalIndex[i];
      if (!Number.isInteger(g) || g < 0 || g >= this.shape[i]) {
        throw new RangeError(
          `Index ${g} is out of bounds for axis ${i} with size ${this.shape[i]}`,
        );
      }
    }
  }

  /**
   * The rank that owns an element (halo copies are not owners).
   *
   * @param globalIndex One index per axis.
   * @returns The owning rank.
   * @throws {RangeError} When the index is outside the shape.
   *
   * @example
   * ```ts
   * import { Distribution } from "./distribution.ts";
   * const d = Distribution.create([4, 4], { dist: "bc", grid: [2, 2], commSize: 4 });
   * if (d.owner([3, 1]) !== 3) throw new Error("bad");
   * ```
   */
  owner(globalIndex: readonly number[]): number {
    this.#checkIndex(globalIndex);
    let k = 0;
    for (let i = 0; i < this.ndim; i++) {
      k = k * this.grid[i] + this.#axes[i].ownerOf(globalIndex[i]);
    }
    return this.ranks[k];
  }

  /**
   * The owner of an element and the element's index in the owner's local block.
   *
   * @param globalIndex One index per axis.
   * @returns `{ rank, localIndex }`.
   * @throws {RangeError} When the index is outside the shape.
   *
   * @example
   * ```ts
   * import { Distribution } from "./distribution.ts";
   * const d = Distribution.create([7], { dist: [{ type: "c", blockSize: 2 }], commSize: 2 });
   * const { rank, localIndex } = d.globalToLocal([6]);
   * if (rank !== 1 || localIndex[0] !== 2) throw new Error("bad");
   * ```
   */
  globalToLocal(globalIndex: readonly number[]): { rank: number; localIndex: number[] } {
    const rank = this.owner(globalIndex);
    return { rank, localIndex: globalIndex.map((g, i) => this.#axes[i].localIndexOf(g)) };
  }

  /**
   * The global index of an element of a rank's local block.
   *
   * @param rank A rank in the grid.
   * @param localIndex One index per axis into the local block.
   * @returns The global index.
   * @throws {RangeError} When the rank is outside the grid or the index outside the block.
   *
   * @example
   * ```ts
   * import { Distribution } from "./distribution.ts";
   * const d = Distribution.create([10], { dist: "b", commSize: 3 });
   * if (d.localToGlobal(2, [1])[0] !== 8) throw new Error("bad");
   * ```
   */
  localToGlobal(rank: number, localIndex: readonly number[]): number[] {
    if (this.gridCoords(rank) === null) {
      throw new RangeError(`Rank ${rank} is not in the process grid: it owns nothing`);
    }
    if (localIndex.length !== this.ndim) {
      throw new RangeError(
        `Invalid local index [${localIndex.join(",")}]: expected ${this.ndim} values`,
      );
    }
    return localIndex.map((l, i) => {
      const list = this.#local(i, rank);
      if (!Number.isInteger(l) || l < 0 || l >= list.length) {
        throw new RangeError(
          `Local index ${l} is out of bounds for axis ${i} with local size ${list.length}`,
        );
      }
      return list[l];
    });
  }

  /**
   * A rank's local block as hyperslabs of the global array: reading each
   * region into the local block at `localStart` fills the block (halo cells
   * included). Each region is a product of per-axis arithmetic runs, so a
   * block distribution gives one region, a cyclic axis one strided run, and a
   * block-cyclic axis one run per block.
   *
   * @param rank A rank.
   * @returns The regions (none for a rank outside the grid or an empty block).
   *
   * @example
   * ```ts
   * import { Distribution } from "./distribution.ts";
   * const d = Distribution.create([7], { dist: [{ type: "c", blockSize: 2 }], commSize: 2 });
   * const r = d.regions(1);
   * if (r.length !== 2 || r[1].region.start[0] !== 6 || r[1].localStart[0] !== 2) {
   *   throw new Error("bad");
   * }
   * ```
   */
  regions(rank: number): LocalRegion[] {
    if (this.gridCoords(rank) === null) return [];
    const perAxis = this.shape.map((_, i) => runsOf(this.#local(i, rank)));
    if (perAxis.some((r) => r.length === 0)) return [];
    const out: LocalRegion[] = [];
    const idx = new Array<number>(this.ndim).fill(0);
    if (this.ndim === 0) return [{ region: { start: [], step: [], count: [] }, localStart: [] }];
    for (;;) {
      const runs = idx.map((k, i) => perAxis[i][k]);
      out.push({
        region: {
          start: runs.map((r) => r.start),
          step: runs.map((r) => r.step),
          count: runs.map((r) => r.count),
        },
        localStart: runs.map((r) => r.at),
      });
      let a = this.ndim - 1;
      while (a >= 0) {
        if (++idx[a] < perAxis[a].length) break;
        idx[a] = 0;
        a--;
      }
      if (a < 0) return out;
    }
  }

  /**
   * Whether two distributions give every rank the same local block (same
   * global indices in the same local order, halos included).
   *
   * @param other Another distribution.
   * @returns True when they are the same layout.
   *
   * @example
   * ```ts
   * import { Distribution } from "./distribution.ts";
   * const a = Distribution.create([8], { dist: "b", commSize: 2 });
   * const b = Distribution.create([8], { dist: [{ type: "c", blockSize: 4 }], commSize: 2 });
   * if (!a.equals(b)) throw new Error("bad");
   * ```
   */
  equals(other: Distribution): boolean {
    if (!(other instanceof Distribution)) return false;
    if (this.commSize !== other.commSize || !sameInts(this.shape, other.shape)) return false;
    for (let r = 0; r < this.commSize; r++) {
      const a = this.gridCoords(r) === null;
      const b = other.gridCoords(r) === null;
      if (a !== b) return false;
      if (a) continue;
      for (let i = 0; i < this.ndim; i++) {
        if (!sameInts(this.#local(i, r), other.#local(i, r))) return false;
      }
    }
    return true;
  }

  /**
   * Whether two distributions have the same shape and the same owner for
   * every element (local order and halos may differ).
   *
   * @param other Another distribution.
   * @returns True when compatible.
   *
   * @example
   * ```ts
   * import { Distribution } from "./distribution.ts";
   * const a = Distribution.create([4], { dist: "c", commSize: 2 });
   * const b = Distribution.create([4], { dist: [{ type: "u", indices: [[2, 0], [3, 1]] }], commSize: 2 });
   * if (!a.isCompatible(b) || a.equals(b)) throw new Error("bad");
   * ```
   */
  isCompatible(other: Distribution): boolean {
    if (!(other instanceof Distribution)) return false;
    if (this.commSize !== other.commSize || !sameInts(this.shape, other.shape)) return false;
    // per axis, the distinct (position here, position there) pairs that occur
    const pairs: [number, number][][] = this.shape.map((n, i) => {
      const seen = new Set<number>();
      const out: [number, number][] = [];
      const a = this.#axes[i];
      const b = other.#axes[i];
      for (let g = 0; g < n; g++) {
        const p = a.ownerOf(g);
        const q = b.ownerOf(g);
        const key = p * b.gridSize + q;
        if (!seen.has(key)) {
          seen.add(key);
          out.push([p, q]);
        }
      }
      return out;
    });
    if (pairs.some((p) => p.length === 0)) return true; // no elements
    const idx = new Array<number>(this.ndim).fill(0);
    for (;;) {
      let ka = 0;
      let kb = 0;
      for (let i = 0; i < this.ndim; i++) {
        const [p, q] = pairs[i][idx[i]];
        ka = ka * this.grid[i] + p;
        kb = kb * other.grid[i] + q;
      }
      if (this.ranks[ka] !== other.ranks[kb]) return false;
      let a = this.ndim - 1;
      while (a >= 0) {
        if (++idx[a] < pairs[a].length) break;
        idx[a] = 0;
        a--;
      }
      if (a < 0) return true;
    }
  }

  /**
   * A short description: shape, dist types, process grid and the ranks that hold data.
   *
   * @returns The description, e.g. `Distribution[7](c2) grid [2] over 2 of 2 ranks`.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Distribution } from "./distribution.ts";
   * const d = Distribution.create([7], { dist: [{ type: "c", blockSize: 2 }], commSize: 2 });
   * assert.equal(String(d), "Distribution[7](c2) grid [2] over 2 of 2 ranks");
   * ```
   */
  toString(): string {
    const axes = this.#axes.map((a) =>
      a.type === "c" && a.blockSize > 1 ? `c${a.blockSize}` : a.type
    ).join("");
    return `Distribution${shapeText(this.shape)}(${axes}) grid ${
      shapeText(this.grid)
    } over ${this.ranks.length} of ${this.commSize} ranks`;
  }

  static {
    internals.axisMaps = (d) => d.#axes;
    internals.localList = (d, axis, rank) => d.#local(axis, rank);
  }
}
