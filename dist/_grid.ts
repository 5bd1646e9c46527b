// Per-axis maps (DAP dist types b, c, u, n) and the default process grid.
// Everything here describes every grid position along one axis, so any rank
// can answer questions about any other rank without communication.

import { balancedBounds, blockCount, blockOf } from "../core/indexer.ts";
import type { DistType } from "./distribution.ts";

/** One axis of a distribution, fully resolved. */
export interface AxisMap {
  readonly type: DistType;
  readonly size: number;
  readonly gridSize: number;
  /** Block-cyclic block size (`c` only; 1 otherwise). */
  readonly blockSize: number;
  /** Owned bounds per grid position, length gridSize + 1 (`b` and `n`). */
  readonly bounds: Int32Array | null;
  /** Padding [before, after] per grid position (`b`), or null. */
  readonly padding: readonly (readonly [number, number])[] | null;
  readonly periodic: boolean;
  /** Index lists per grid position (`u`). */
  readonly indices: readonly Int32Array[] | null;
  /** Global indices of the local block of grid position p, in local order (halo included). */
  local(p: number): Int32Array;
  /** Number of elements of the local block (halo included). */
  localLength(p: number): number;
  /** Grid position that owns global index g (0 <= g < size). */
  ownerOf(g: number): number;
  /** Index of g in its owner's local block. */
  localIndexOf(g: number): number;
}

function checkInt(v: number, what: string, axis: number, min = 0): number {
  if (typeof v !== "number" || !Number.isSafeInteger(v) || v < min) {
    throw new RangeError(
      `Invalid ${what} ${String(v)} on axis ${axis}: must be an integer >= ${min}`,
    );
  }
  return v;
}

/** Block (`b`, and `n` as a block over one position) with optional halos. */
export class BlockMap implements AxisMap {
  readonly type: "b" | "n";
  readonly size: number;
  readonly gridSize: number;
  readonly blockSize = 1;
  readonly bounds: Int32Array;
  readonly padding: readonly (readonly [number, number])[] | null;
  readonly periodic: boolean;
  readonly indices = null;
  readonly #lo: Int32Array;
  readonly #hi: Int32Array;

  constructor(
    axis: number,
    size: number,
    gridSize: number,
    options: {
      type?: "b" | "n";
      bounds?: ArrayLike<number>;
      padding?: readonly (readonly [number, number])[] | null;
      periodic?: boolean;
    } = {},
  ) {
    this.type = options.type ?? "b";
    this.size = size;
    this.gridSize = gridSize;
    this.periodic = options.periodic ?? false;
    const b = new Int32Array(gridSize + 1);
    if (options.bounds) {
      const given = Array.from(options.bounds);
      if (given.length !== gridSize + 1) {
        throw new RangeError(
          `Invalid bounds [${given.join(",")}] on axis ${axis}: expected ${
            gridSize + 1
          } values for ${gridSize} grid positions`,
        );
      }
      for (let p = 0; p <= gridSize; p++) {
        checkInt(given[p], "bound", axis);
        if (p > 0 && given[p] < given[p - 1]) {
          throw new RangeError(
            `Invalid bounds [${given.join(",")}] on axis ${axis}: not increasing at position ${p}`,
          );
        }
        b[p] = given[p];
      }
      if (given[0] !== 0 || given[gridSize] !== size) {
        throw new RangeError(
          `Invalid bounds [${given.join(",")}] on axis ${axis}: must run from 0 to ${size}`,
        );
      }
    } else {
      // balanced: the first size % P positions get one more
      b.set(balancedBounds(size, gridSize));
    }
    this.bounds = b;
    this.#lo = new Int32Array(gridSize);
    this.#hi = new Int32Array(gridSize);
    const pad = options.padding ?? null;
    if (pad) {
      if (pad.length !== gridSize) {
        throw new RangeError(
          `Invalid padding on axis ${axis}: ${pad.length} pairs for ${gridSize} grid positions`,
        );
      }
      for (let p = 0; p < gridSize; p++) {
        const [before, after] = pad[p];
        checkInt(before, "padding", axis);
        checkInt(after, "padding", axis);
        // boundary padding (outer edges of a non-periodic axis) lies inside the
        // owned range; communication padding is a halo owned by a neighbour
        const lo = p > 0 || this.periodic ? before : 0;
        const hi = p < gridSize - 1 || this.periodic ? after : 0;
        const own = b[p + 1] - b[p];
        if (!this.periodic && (b[p] - lo < 0 || b[p + 1] + hi > size)) {
          throw new RangeError(
            `Invalid padding [${before},${after}] at grid position ${p} of axis ${axis}: the halo reaches outside [0, ${size})`,
          );
        }
        if (this.periodic && (lo > size || hi > size)) {
          throw new RangeError(
            `Invalid padding [${before},${after}] at grid position ${p} of axis ${axis}: wider than the axis (${size})`,
          );
        }
        const edge = this.periodic
          ? 0
          : Math.max(p === 0 ? before : 0, p === gridSize - 1 ? after : 0);
        if (edge > own) {
          throw new RangeError(
            `Invalid padding [${before},${after}] at grid position ${p} of axis ${axis}: boundary padding ${edge} is wider than the block (${own})`,
          );
        }
        this.#lo[p] = lo;
        this.#hi[p] = hi;
      }
      this.padding = pad.map(([x, y]) => [x, y] as const);
    } else {
      this.padding = null;
    }
  }

  /** Halo widths [before, after] actually stored at position p. */
  halo(p: number): [number, number] {
    return [this.#lo[p], this.#hi[p]];
  }

  local(p: number): Int32Array {
    const lo = this.#lo[p];
    const n = this.localLength(p);
    const out = new Int32Array(n);
    const first = this.bounds[p] - lo;
    const size = this.size;
    for (let i = 0; i < n; i++) {
      let g = first + i;
      if (g < 0) g += size;
      else if (g >= size) g -= size;
      out[i] = g;
    }
    return out;
  }

  localLength(p: number): number {
    return this.bounds[p + 1] - this.bounds[p] + this.#lo[p] + this.#hi[p];
  }

  ownerOf(g: number): number {
    // the last p with b[p] <= g: empty blocks before it are skipped
    return blockOf(this.bounds, g);
  }

  localIndexOf(g: number): number {
    const p = this.ownerOf(g);
    return g - this.bounds[p] + this.#lo[p];
  }
}

/** Cyclic / block-cyclic (`c`): global blocks of blockSize dealt round-robin. */
export class CyclicMap implements AxisMap {
  readonly type = "c" as const;
  readonly size: number;
  readonly gridSize: number;
  readonly blockSize: number;
  readonly bounds = null;
  readonly padding = null;
  readonly periodic = false;
  readonly indices = null;

  constructor(axis: number, size: number, gridSize: number, blockSize = 1) {
    if (!Number.isSafeInteger(blockSize) || blockSize < 1) {
      throw new RangeError(
        `Invalid block size ${blockSize} on axis ${axis}: must be a positive integer`,
      );
    }
    this.size = size;
    this.gridSize = gridSize;
    this.blockSize = blockSize;
  }

  localLength(p: number): number {
    const B = this.blockSize;
    const P = this.gridSize;
    const nblocks = blockCount(this.size, B);
    if (p >= nblocks) return 0;
    const mine = Math.floor((nblocks - 1 - p) / P) + 1;
    let n = mine * B;
    if ((nblocks - 1) % P === p) n -= nblocks * B - this.size; // short last block
    return n;
  }

  local(p: number): Int32Array {
    const out = new Int32Array(this.localLength(p));
    const B = this.blockSize;
    const step = B * this.gridSize;
    let i = 0;
    for (let s = p * B; s < this.size; s += step) {
      const e = Math.min(s + B, this.size);
      for (let g = s; g < e; g++) out[i++] = g;
    }
    return out;
  }

  ownerOf(g: number): number {
    return Math.floor(g / this.blockSize) % this.gridSize;
  }

  localIndexOf(g: number): number {
    const k = Math.floor(g / this.blockSize);
    return Math.floor(k / this.gridSize) * this.blockSize + (g - k * this.blockSize);
  }
}

/** Unstructured (`u`): explicit index lists per grid position, forming a partition. */
export class UnstructuredMap implements AxisMap {
  readonly type = "u" as const;
  readonly size: number;
  readonly gridSize: number;
  readonly blockSize = 1;
  readonly bounds = null;
  readonly padding = null;
  readonly periodic = false;
  readonly indices: readonly Int32Array[];
  readonly #owner: Int32Array;
  readonly #where: Int32Array;

  constructor(axis: number, size: number, lists: readonly ArrayLike<number>[]) {
    this.size = size;
    this.gridSize = lists.length;
    if (lists.length === 0) {
      throw new RangeError(`Invalid index lists on axis ${axis}: at least one list is needed`);
    }
    const owner = new Int32Array(size).fill(-1);
    const where = new Int32Array(size);
    this.indices = lists.map((list, p) => {
      if (list === null || typeof list !== "object" || typeof list.length !== "number") {
        throw new TypeError(
          `Invalid index list at grid position ${p} of axis ${axis}: expected an array of integers`,
        );
      }
      const out = new Int32Array(list.length);
      for (let i = 0; i < list.length; i++) {
        const g = list[i];
        if (!Number.isInteger(g) || g < 0 || g >= size) {
          throw new RangeError(
            `Invalid index ${g} on axis ${axis}: outside [0, ${size}) at grid position ${p}`,
          );
        }
        if (owner[g] !== -1) {
          throw new RangeError(
            `Duplicate index ${g} on axis ${axis}: listed at grid positions ${owner[g]} and ${p}`,
          );
        }
        owner[g] = p;
        where[g] = i;
        out[i] = g;
      }
      return out;
    });
    const missing = owner.indexOf(-1);
    if (missing >= 0) {
      throw new RangeError(
        `Index ${missing} on axis ${axis} is not in any list: the lists must cover [0, ${size})`,
      );
    }
    this.#owner = owner;
    this.#where = where;
  }

  local(p: number): Int32Array {
    return this.indices[p].slice();
  }

  localLength(p: number): number {
    return this.indices[p].length;
  }

  ownerOf(g: number): number {
    return this.#owner[g];
  }

  localIndexOf(g: number): number {
    return this.#where[g];
  }
}

/** All ordered ways to write n as a product of k positive factors. */
function factorizations(n: number, k: number): number[][] {
  if (k === 1) return [[n]];
  const out: number[][] = [];
  for (let f = n; f >= 1; f--) {
    if (n % f !== 0) continue;
    for (const rest of factorizations(n / f, k - 1)) out.push([f, ...rest]);
  }
  return out;
}

/**
 * DistArray's default grid for the free axes: among all factorisations of
 * `count` over the axes, the one whose pairwise ratios are closest (L2) to
 * the pairwise ratios of the axis lengths. Ties go to the first found, which
 * gives earlier axes more processes.
 */
export function defaultGrid(lengths: readonly number[], count: number): number[] {
  const k = lengths.length;
  if (k === 0) return [];
  if (k === 1) return [count];
  const ratios = (s: readonly number[]): number[] => {
    const r: number[] = [];
    for (let i = 0; i < s.length; i++) {
      for (let j = i + 1; j < s.length; j++) r.push(s[i] / Math.max(s[j], 1e-300));
    }
    return r;
  };
  const target = ratios(lengths.map((x) => Math.max(x, 1)));
  let best: number[] = [];
  let bestD = Infinity;
  for (const f of factorizations(count, k)) {
    const r = ratios(f);
    let d = 0;
    for (let i = 0; i < r.length; i++) d += (r[i] - target[i]) ** 2;
    if (d < bestD - 1e-12) {
      bestD = d;
      best = f;
    }
  }
  return best;
}
