/**
 * The block half of the indexer: block grids, and the projection of a
 * region onto one (per block, its coordinates, the selection within it and
 * where that lands in the output; zarrita's BasicIndexer is the model).
 * Import it from `core/indexer.ts`, which re-exports all of it.
 *
 * @module
 */

import type { Region } from "./indexer.ts";

/**
 * A block grid: a regular block shape (the last block along an axis may be
 * shorter), or per axis the increasing block edges from 0 to the axis length.
 */
export type BlockGrid = readonly number[] | { readonly edges: readonly (readonly number[])[] };

/** The part of a region along one axis that falls in one block. */
export interface AxisPiece {
  /** Block index along the axis. */
  readonly block: number;
  /** First selected index, relative to the block's first index. */
  readonly start: number;
  /** Step (the region's). */
  readonly step: number;
  /** Number of selected indices in the block. */
  readonly count: number;
  /** Position of the first of them in the region's output. */
  readonly out: number;
}

/** The part of a region that falls in one block. */
export interface BlockPiece {
  /** Block coordinates. */
  readonly coords: readonly number[];
  /** The selection within the block (relative to its first index). */
  readonly within: Region;
  /** Where it lands in the output of shape `region.count` (steps 1). */
  readonly out: Region;
}

/**
 * Number of blocks of length `block` along an axis of length `n`.
 *
 * @param n Axis length.
 * @param block Block length (>= 1).
 * @returns `ceil(n / block)`.
 * @throws {RangeError} When `block` is not a positive integer.
 *
 * @example
 * ```ts
 * import { blockCount } from "./indexer.ts";
 * if (blockCount(10, 4) !== 3 || blockCount(0, 4) !== 0) throw new Error("bad");
 * ```
 */
export function blockCount(n: number, block: number): number {
  if (!Number.isSafeInteger(block) || block < 1) {
    throw new RangeError(`Invalid block length ${block}: must be a positive integer`);
  }
  return Math.ceil(n / block);
}

/**
 * The edges of the regular blocks of length `block` over an axis of length
 * `n`: `[0, block, 2 * block, ..., n]`.
 *
 * @param n Axis length.
 * @param block Block length (>= 1).
 * @returns The edges (`[0]` when `n` is 0).
 *
 * @example
 * ```ts
 * import { regularEdges } from "./indexer.ts";
 * if (regularEdges(10, 4).join() !== "0,4,8,10") throw new Error("bad");
 * ```
 */
export function regularEdges(n: number, block: number): number[] {
  const b = Math.max(1, Math.floor(block));
  const e: number[] = [];
  for (let x = 0; x < n; x += b) e.push(x);
  e.push(n);
  return e;
}

/**
 * Balanced bounds of `n` elements over `parts` parts: the first `n % parts`
 * parts get one more.
 *
 * @param n Number of elements.
 * @param parts Number of parts (>= 1).
 * @returns `parts + 1` increasing bounds from 0 to `n`.
 *
 * @example
 * ```ts
 * import { balancedBounds } from "./indexer.ts";
 * if (balancedBounds(7, 3).join() !== "0,3,5,7") throw new Error("bad");
 * ```
 */
export function balancedBounds(n: number, parts: number): number[] {
  const q = Math.floor(n / parts);
  const r = n % parts;
  const b = [0];
  for (let p = 0; p < parts; p++) b.push(b[p] + q + (p < r ? 1 : 0));
  return b;
}

/**
 * The block holding index `g` along an axis with block edges `edges`: the
 * last `p` with `edges[p] <= g` (empty blocks before it are skipped).
 *
 * @param edges Increasing edges, from 0 to the axis length.
 * @param g An index.
 * @returns The block index.
 *
 * @example
 * ```ts
 * import { blockOf } from "./indexer.ts";
 * if (blockOf([0, 4, 4, 8, 10], 4) !== 2 || blockOf([0, 4, 8], 9) !== 1) throw new Error("bad");
 * ```
 */
export function blockOf(edges: ArrayLike<number>, g: number): number {
  let lo = 0;
  let hi = edges.length - 2;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (edges[mid] <= g) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/**
 * The blocks a positive-step range along one axis touches, with the
 * selection inside each and where it lands in the output. Blocks with no
 * selected index are skipped.
 *
 * @param start First index.
 * @param step Step (>= 1).
 * @param count Number of indices.
 * @param blocks A regular block length, or the axis's block edges.
 * @returns The pieces, in increasing block order.
 *
 * @example
 * ```ts
 * import { projectAxis } from "./indexer.ts";
 * const p = projectAxis(1, 3, 4, 4); // indices 1, 4, 7, 10 over blocks of 4
 * if (p.map((x) => `${x.block}:${x.start}+${x.count}@${x.out}`).join() !== "0:1+1@0,1:0+2@1,2:2+1@3") {
 *   throw new Error("bad");
 * }
 * ```
 */
export function projectAxis(
  start: number,
  step: number,
  count: number,
  blocks: number | ArrayLike<number>,
): AxisPiece[] {
  const out: AxisPiece[] = [];
  const regular = typeof blocks === "number";
  if (regular && (!Number.isSafeInteger(blocks) || blocks < 1)) {
    throw new RangeError(`Invalid block length ${blocks}: must be a positive integer`);
  }
  let k = 0;
  while (k < count) {
    const g = start + k * step;
    const j = regular ? Math.floor(g / blocks) : blockOf(blocks, g);
    const lo = regular ? j * blocks : blocks[j];
    const hi = regular ? lo + blocks : blocks[j + 1];
    const k1 = Math.min(count - 1, Math.floor((hi - 1 - start) / step));
    out.push({ block: j, start: g - lo, step, count: k1 - k + 1, out: k });
    k = k1 + 1;
  }
  return out;
}

function axisBlocks(grid: BlockGrid, ax: number): number | readonly number[] {
  return Array.isArray(grid)
    ? (grid as readonly number[])[ax]
    : (grid as { edges: readonly (readonly number[])[] }).edges[ax];
}

/**
 * Per axis, the pieces of a region over a block grid (see {@link projectAxis});
 * the blocks touched are the product of the axes' pieces.
 *
 * @param region The region.
 * @param grid The block grid.
 * @returns One list of pieces per axis.
 *
 * @example
 * ```ts
 * import { projectAxes } from "./indexer.ts";
 * const p = projectAxes({ start: [0, 5], step: [1, 1], count: [10, 2] }, [4, 4]);
 * if (p[0].length !== 3 || p[1].length !== 1) throw new Error("bad");
 * ```
 */
export function projectAxes(region: Region, grid: BlockGrid): AxisPiece[][] {
  return region.count.map((c, ax) =>
    projectAxis(region.start[ax], region.step[ax], c, axisBlocks(grid, ax))
  );
}

/**
 * Projects a region onto a block grid: for every block it touches (C order
 * over the block coordinates), the selection within the block and where it
 * lands in the region's output. Assembling the pieces gives the region.
 *
 * @param region The region.
 * @param grid The block grid.
 * @returns The pieces (none when the region is empty).
 *
 * @example
 * ```ts
 * import { projectRegion } from "./indexer.ts";
 * const p = projectRegion({ start: [3], step: [2], count: [4] }, { edges: [[0, 5, 12]] });
 * // indices 3, 5, 7, 9: one in block 0, three in block 1
 * if (p.length !== 2 || p[1].within.start[0] !== 0 || p[1].out.start[0] !== 1) throw new Error("bad");
 * ```
 */
export function projectRegion(region: Region, grid: BlockGrid): BlockPiece[] {
  const axes = projectAxes(region, grid);
  const out: BlockPiece[] = [];
  if (axes.some((p) => p.length === 0)) return out;
  const nd = axes.length;
  const idx = new Array<number>(nd).fill(0);
  for (;;) {
    const ps = idx.map((k, ax) => axes[ax][k]);
    out.push({
      coords: ps.map((p) => p.block),
      within: {
        start: ps.map((p) => p.start),
        step: ps.map((p) => p.step),
        count: ps.map((p) => p.count),
      },
      out: { start: ps.map((p) => p.out), step: ps.map(() => 1), count: ps.map((p) => p.count) },
    });
    let ax = nd - 1;
    while (ax >= 0 && ++idx[ax] === axes[ax].length) idx[ax--] = 0;
    if (ax < 0) return out;
  }
}

/**
 * The region of one block of a grid over `shape` (steps 1, clipped to the
 * shape).
 *
 * @param shape The array's shape.
 * @param grid The block grid.
 * @param coords Block coordinates.
 * @returns The block's region.
 * @throws {RangeError} When the coordinates are outside the grid.
 *
 * @example
 * ```ts
 * import { blockRegion } from "./indexer.ts";
 * const r = blockRegion([10, 7], [4, 4], [2, 1]);
 * if (r.start.join() !== "8,4" || r.count.join() !== "2,3") throw new Error("bad");
 * ```
 */
export function blockRegion(
  shape: readonly number[],
  grid: BlockGrid,
  coords: readonly number[],
): Region {
  const start: number[] = [];
  const count: number[] = [];
  shape.forEach((n, ax) => {
    const b = axisBlocks(grid, ax);
    const c = coords[ax];
    const blocks = typeof b === "number" ? blockCount(n, b) : b.length - 1;
    if (!Number.isSafeInteger(c) || c < 0 || c >= Math.max(blocks, 1)) {
      throw new RangeError(
        `Block [${coords.join(",")}] is outside the grid of shape [${
          shape.join(",")
        }] on axis ${ax}`,
      );
    }
    const lo = typeof b === "number" ? c * b : b[c];
    const hi = typeof b === "number" ? Math.min(lo + b, n) : b[c + 1];
    start.push(lo);
    count.push(Math.max(0, hi - lo));
  });
  return { start, step: shape.map(() => 1), count };
}
