// The chunk grid of a pass: per axis, the edges of the blocks (irregular
// grids are allowed, so that blocks follow storage chunks seen through a
// slice). Blocks are numbered in C order; that number is the global chunk
// index that keys the merge tree and the assignment of blocks to ranks.

import { balancedBounds, blockRegion, type Region, regularEdges } from "../core/indexer.ts";

/** A rectilinear grid of blocks over an array of `shape`. */
export class ChunkGrid {
  /** The array's shape. */
  readonly shape: readonly number[];
  /** Per axis, increasing block edges from 0 to the axis length. */
  readonly edges: readonly (readonly number[])[];
  readonly #counts: number[];

  /**
   * @param shape The array's shape.
   * @param edges Per axis, the block edges (0 first, the axis length last).
   */
  constructor(shape: readonly number[], edges: readonly (readonly number[])[]) {
    this.shape = [...shape];
    this.edges = edges.map((e, ax) => {
      const n = shape[ax];
      const clean = [...new Set(e.filter((x) => x > 0 && x < n))].sort((a, b) => a - b);
      return [0, ...clean, n];
    });
    this.#counts = this.edges.map((e) => e.length - 1);
  }

  /**
   * A regular grid of blocks of shape `block` (the last block along an axis
   * may be shorter).
   *
   * @param shape The array's shape.
   * @param block The block shape.
   * @returns The grid.
   */
  static regular(shape: readonly number[], block: readonly number[]): ChunkGrid {
    return new ChunkGrid(shape, shape.map((n, ax) => regularEdges(n, block[ax] ?? n)));
  }

  /** Blocks along each axis. */
  get counts(): readonly number[] {
    return this.#counts;
  }

  /** Number of blocks (1 for a 0-d array). */
  get size(): number {
    if (this.shape.some((n) => n === 0)) return 0;
    return this.#counts.reduce((a, b) => a * b, 1);
  }

  /** Largest block along each axis. */
  get maxBlock(): number[] {
    return this.edges.map((e) => {
      let m = 0;
      for (let i = 1; i < e.length; i++) m = Math.max(m, e[i] - e[i - 1]);
      return m;
    });
  }

  /** Elements of the largest block (product of {@link maxBlock}). */
  get maxBlockElements(): number {
    return this.maxBlock.reduce((a, b) => a * b, 1);
  }

  /**
   * The region of block `i` (C order over the blocks).
   *
   * @param i Block index.
   * @returns The block's region (steps 1).
   */
  region(i: number): Region {
    const coords: number[] = [];
    let rest = i;
    for (let ax = this.shape.length - 1; ax >= 0; ax--) {
      const c = this.#counts[ax];
      coords[ax] = rest % c;
      rest = Math.floor(rest / c);
    }
    return blockRegion(this.shape, this, coords);
  }

  /**
   * The grid with every block along `axis` halved (rounding up), or null
   * when no block along it is longer than 1.
   *
   * @param axis The axis to split.
   * @returns The finer grid, or null.
   */
  split(axis: number): ChunkGrid | null {
    const e = this.edges[axis];
    const out: number[] = [];
    let changed = false;
    for (let i = 0; i + 1 < e.length; i++) {
      out.push(e[i]);
      const len = e[i + 1] - e[i];
      if (len > 1) {
        out.push(e[i] + Math.ceil(len / 2));
        changed = true;
      }
    }
    if (!changed) return null;
    return new ChunkGrid(this.shape, this.edges.map((x, ax) => ax === axis ? out : x));
  }

  /** A short description, for messages (`4 x 1 blocks of up to [256,1000]`). */
  describe(): string {
    return `${this.#counts.join(" x ") || "1"} blocks of up to [${this.maxBlock.join(",")}]`;
  }
}

/**
 * The contiguous range of block indices rank `rank` of `size` owns (block
 * assignment: the first `n % size` ranks get one more).
 *
 * @param n Number of blocks.
 * @param size Number of ranks.
 * @param rank This rank.
 * @returns `[lo, hi)`.
 */
export function rankRange(n: number, size: number, rank: number): [number, number] {
  const b = balancedBounds(n, size);
  return [b[rank], b[rank + 1]];
}
