/**
 * Redistribution plans between two {@link Distribution}s and the pack/unpack
 * of a rank's blocks for one alltoallv. Re-exported by `distribution.ts`.
 *
 * @module
 */

import type { AnyTypedArray } from "../core/dtype.ts";
import type { NDArray } from "../core/ndarray.ts";
import { cStrides } from "../core/strides.ts";
import { ShapeMismatchError } from "../core/errors.ts";
import { sameInts, shapeText } from "./_axis_specs.ts";
import { internals } from "./_distribution_internals.ts";
import type { Distribution } from "./distribution.ts";

/**
 * What one rank sends to and receives from every peer to move an array from
 * one distribution to another with a single all-to-all (alltoallv). Counts and
 * displacements are in elements; `sendIndices` are flat C-order indices into
 * the local block of the source distribution, `recvIndices` into the local
 * block of the destination, both concatenated peer by peer.
 */
export interface RedistributionPlan {
  /** This rank. */
  readonly rank: number;
  /** Shape of this rank's block in the source distribution. */
  readonly sendShape: readonly number[];
  /** Shape of this rank's block in the destination distribution. */
  readonly recvShape: readonly number[];
  /** Elements sent to each peer. */
  readonly sendCounts: Int32Array;
  /** Start of each peer's part of the send buffer. */
  readonly sendDispls: Int32Array;
  /** Local flat indices to pack, peer by peer. */
  readonly sendIndices: Int32Array;
  /** Elements received from each peer. */
  readonly recvCounts: Int32Array;
  /** Start of each peer's part of the receive buffer. */
  readonly recvDispls: Int32Array;
  /** Local flat indices (destination block) to unpack into, peer by peer. */
  readonly recvIndices: Int32Array;
}

function displs(counts: Int32Array): Int32Array {
  const d = new Int32Array(counts.length);
  for (let i = 1; i < counts.length; i++) d[i] = d[i - 1] + counts[i - 1];
  return d;
}

// Writes the C-order product of per-axis position lists (scaled by strides)
// into out at `at`; returns the number written.
function product(lists: Int32Array[], strides: number[], out: Int32Array, at: number): number {
  const nd = lists.length;
  if (nd === 0) {
    out[at] = 0;
    return 1;
  }
  let n = 1;
  for (const l of lists) n *= l.length;
  if (n === 0) return 0;
  const inner = lists[nd - 1];
  const innerStride = strides[nd - 1];
  const idx = new Array<number>(nd - 1).fill(0);
  let o = at;
  for (;;) {
    let base = 0;
    for (let a = 0; a < nd - 1; a++) base += lists[a][idx[a]] * strides[a];
    for (let j = 0; j < inner.length; j++) out[o++] = base + inner[j] * innerStride;
    let a = nd - 2;
    while (a >= 0) {
      if (++idx[a] < lists[a].length) break;
      idx[a] = 0;
      a--;
    }
    if (a < 0) return n;
  }
}

/**
 * The plan that moves an array from distribution `from` to distribution `to`
 * (same shape and communicator), as seen by one rank: one alltoallv with the
 * plan's counts moves everything. Every cell of the destination block, halo
 * cells included, is filled from the rank that owns it in `from`, so a plan
 * from a padded distribution to itself is a halo exchange. Computed locally,
 * without communication.
 *
 * @param from Source distribution.
 * @param to Destination distribution.
 * @param options `rank`: the rank this plan is for.
 * @returns The plan.
 * @throws {ShapeMismatchError} When the shapes differ.
 * @throws {RangeError} When the communicator sizes differ or the rank is out of range.
 *
 * @example
 * ```ts
 * import { Distribution, redistributionPlan } from "./distribution.ts";
 * const a = Distribution.create([4], { dist: "b", commSize: 2 });
 * const b = Distribution.create([4], { dist: "c", commSize: 2 });
 * const p = redistributionPlan(a, b, { rank: 0 }); // rank 0 has 0,1 and needs 0,2
 * if ([...p.sendCounts].join() !== "1,1" || [...p.recvCounts].join() !== "1,1") {
 *   throw new Error("bad");
 * }
 * ```
 */
export function redistributionPlan(
  from: Distribution,
  to: Distribution,
  options: { rank: number },
): RedistributionPlan {
  if (!sameInts(from.shape, to.shape)) {
    throw new ShapeMismatchError(
      `Cannot redistribute shape ${shapeText(from.shape)} to shape ${shapeText(to.shape)}`,
    );
  }
  if (from.commSize !== to.commSize) {
    throw new RangeError(
      `Cannot redistribute between communicators of ${from.commSize} and ${to.commSize} ranks`,
    );
  }
  const rank = options.rank;
  if (!Number.isInteger(rank) || rank < 0 || rank >= from.commSize) {
    throw new RangeError(`Invalid rank ${rank}: outside [0, ${from.commSize})`);
  }
  const P = from.commSize;
  const nd = from.ndim;
  const fromAxes = internals.axisMaps(from);
  const toAxes = internals.axisMaps(to);
  const sendShape = from.localShape(rank);
  const recvShape = to.localShape(rank);
  const sendStrides = cStrides(sendShape);
  const recvStrides = cStrides(recvShape);

  // --- receive side: my destination block, grouped by source grid position per axis
  const recvCounts = new Int32Array(P);
  const recvParts: { peer: number; lists: Int32Array[] }[] = [];
  const myTo = to.gridCoords(rank);
  if (myTo !== null) {
    const byPos: Int32Array[][] = []; // [axis][source position] -> destination local positions
    for (let a = 0; a < nd; a++) {
      const list = internals.localList(to, a, rank);
      const fa = fromAxes[a];
      const groups: number[][] = Array.from({ length: fa.gridSize }, () => []);
      for (let l = 0; l < list.length; l++) groups[fa.ownerOf(list[l])].push(l);
      byPos.push(groups.map((g) => Int32Array.from(g)));
    }
    forEachCoord(from.grid, (c, k) => {
      const lists = c.map((p, a) => byPos[a][p]);
      const n = lists.reduce((s, l) => s * l.length, 1);
      const peer = from.ranks[k];
      if (n > 0) {
        recvCounts[peer] = n;
        recvParts.push({ peer, lists });
      }
    });
  }
  const recvDispls = displs(recvCounts);
  const recvIndices = new Int32Array(recvDispls[P - 1] + recvCounts[P - 1]);
  for (const { peer, lists } of recvParts) {
    product(lists, recvStrides, recvIndices, recvDispls[peer]);
  }

  // --- send side: for every destination block, the elements I own, as my local positions
  const sendCounts = new Int32Array(P);
  const sendParts: { peer: number; lists: Int32Array[] }[] = [];
  const myFrom = from.gridCoords(rank);
  if (myFrom !== null) {
    // [axis][destination position] -> my source local positions, in destination order
    const byPos: Int32Array[][] = [];
    for (let a = 0; a < nd; a++) {
      const fa = fromAxes[a];
      const ta = toAxes[a];
      const mine = myFrom[a];
      const groups: Int32Array[] = [];
      for (let q = 0; q < ta.gridSize; q++) {
        const list = ta.local(q);
        const pos: number[] = [];
        for (let l = 0; l < list.length; l++) {
          const g = list[l];
          if (fa.ownerOf(g) === mine) pos.push(fa.localIndexOf(g));
        }
        groups.push(Int32Array.from(pos));
      }
      byPos.push(groups);
    }
    forEachCoord(to.grid, (c, k) => {
      const lists = c.map((q, a) => byPos[a][q]);
      const n = lists.reduce((s, l) => s * l.length, 1);
      const peer = to.ranks[k];
      if (n > 0) {
        sendCounts[peer] = n;
        sendParts.push({ peer, lists });
      }
    });
  }
  const sendDispls = displs(sendCounts);
  const sendIndices = new Int32Array(sendDispls[P - 1] + sendCounts[P - 1]);
  for (const { peer, lists } of sendParts) {
    product(lists, sendStrides, sendIndices, sendDispls[peer]);
  }
  return {
    rank,
    sendShape,
    recvShape,
    sendCounts,
    sendDispls,
    sendIndices,
    recvCounts,
    recvDispls,
    recvIndices,
  };
}

function forEachCoord(grid: readonly number[], fn: (c: number[], k: number) => void): void {
  const nd = grid.length;
  const c = new Array<number>(nd).fill(0);
  const total = grid.reduce((a, b) => a * b, 1);
  for (let k = 0; k < total; k++) {
    fn(c, k);
    for (let a = nd - 1; a >= 0; a--) {
      if (++c[a] < grid[a]) break;
      c[a] = 0;
    }
  }
}

function contiguousData(a: NDArray, what: string, shape: readonly number[]): AnyTypedArray {
  if (!sameInts(a.shape, shape)) {
    throw new ShapeMismatchError(
      `Invalid ${what} block of shape ${shapeText(a.shape)}: the plan expects ${shapeText(shape)}`,
    );
  }
  return a.toTypedArray() as AnyTypedArray;
}

/**
 * Packs a rank's source block into one send buffer for alltoallv, following
 * the plan.
 *
 * @param plan The rank's plan.
 * @param src The rank's local block in the source distribution.
 * @returns The buffer (same typed array kind as `src`), with the plan's counts and displacements.
 * @throws {ShapeMismatchError} When `src` does not have the plan's source shape.
 *
 * @example
 * ```ts
 * import { Distribution, pack, redistributionPlan } from "./distribution.ts";
 * import { fromTypedArray } from "../core/ndarray.ts";
 * const a = Distribution.create([4], { dist: "b", commSize: 2 });
 * const b = Distribution.create([4], { dist: "c", commSize: 2 });
 * const p = redistributionPlan(a, b, { rank: 0 });
 * const { buffer } = pack(p, fromTypedArray(new Float64Array([10, 11])));
 * if ([...buffer].join() !== "10,11") throw new Error("bad");
 * ```
 */
export function pack<T extends AnyTypedArray = AnyTypedArray>(
  plan: RedistributionPlan,
  src: NDArray,
): { buffer: T; counts: Int32Array; displs: Int32Array } {
  const data = contiguousData(src, "source", plan.sendShape);
  const idx = plan.sendIndices;
  const Ctor = data.constructor as new (n: number) => AnyTypedArray;
  const out = new Ctor(idx.length);
  for (let i = 0; i < out.length; i++) out[i] = data[idx[i]];
  return { buffer: out as T, counts: plan.sendCounts, displs: plan.sendDispls };
}

/**
 * Scatters a received alltoallv buffer into a rank's destination block,
 * following the plan.
 *
 * @param plan The rank's plan.
 * @param buffer The receive buffer, laid out by the plan's receive counts and displacements.
 * @param dst The rank's local block in the destination distribution (C-contiguous).
 * @returns `dst`.
 * @throws {ShapeMismatchError} When `dst` does not have the plan's destination shape.
 * @throws {RangeError} When the buffer is too short or `dst` is not contiguous.
 *
 * @example
 * ```ts
 * import { Distribution, redistributionPlan, unpack } from "./distribution.ts";
 * import { zeros } from "../core/ndarray.ts";
 * const a = Distribution.create([4], { dist: "b", commSize: 2 });
 * const b = Distribution.create([4], { dist: "c", commSize: 2 });
 * const p = redistributionPlan(a, b, { rank: 0 });
 * const dst = unpack(p, new Float64Array([10, 12]), zeros([2]));
 * if (dst.get(1) !== 12) throw new Error("bad");
 * ```
 */
export function unpack<A extends NDArray>(
  plan: RedistributionPlan,
  buffer: ArrayLike<number | bigint>,
  dst: A,
): A {
  if (!dst.isContiguous) {
    throw new RangeError(`Cannot unpack into a non-contiguous block: copy it first`);
  }
  const data = contiguousData(dst, "destination", plan.recvShape);
  const idx = plan.recvIndices;
  if (buffer.length < idx.length) {
    throw new RangeError(
      `Invalid receive buffer of ${buffer.length} elements: the plan receives ${idx.length}`,
    );
  }
  for (let i = 0; i < idx.length; i++) data[idx[i]] = buffer[i] as never;
  return dst;
}
