// The reduction of a DistArray: canonical tiles of whole rows along axis 0,
// each stepped into its own state and merged in a fixed tree over the tile
// index, so the bits do not depend on the number of ranks or the layout.

import { copyInto, empty, type NDArray } from "../core/ndarray.ts";
import {
  type ReduceOptions,
  reducer,
  REDUCTION_NAMES,
  type ReductionName,
  REDUCTIONS,
} from "../core/reduce.ts";
import type { Comm, CommBuffer } from "./comm.ts";
import {
  type AxisSpec,
  Distribution,
  type RedistributionPlan,
  redistributionPlan,
} from "./distribution.ts";
import { TreeAccumulator, treeCombine } from "./tree_reduce.ts";
import {
  bitsDType,
  bitsView,
  type Block,
  fromBits,
  moveBlock,
  prod,
  sameShape,
} from "./_dist_blocks.ts";
import { gather } from "./_dist_ops.ts";

/** Canonical reduction tiles: groups of R whole rows along axis 0. */
const TILE_ELEMENTS = 65536;

export function tiling(shape: readonly number[]): { rows: number; tiles: number } {
  const n = shape[0];
  const row = prod(shape.slice(1));
  const rows = row === 0 ? Math.max(n, 1) : Math.max(1, Math.ceil(TILE_ELEMENTS / row));
  return { rows, tiles: n === 0 ? 0 : Math.ceil(n / rows) };
}

/**
 * The block distribution along axis 0 with tile-aligned bounds that a
 * reduction steps its tiles on: tile t goes to the owner of its first row
 * when the array is already block-distributed along axis 0 with the other
 * axes whole, else the tiles are dealt in balanced contiguous runs.
 */
function tileDistribution(dist: Distribution, rows: number, tiles: number): Distribution {
  const shape = dist.shape;
  const n = shape[0];
  const rest: AxisSpec[] = shape.slice(1).map(() => "n");
  const a0 = dist.axis(0);
  if ((a0.type === "b" || a0.type === "n") && dist.grid.slice(1).every((g) => g === 1)) {
    const bounds = a0.bounds!.map((b) => Math.min(Math.ceil(b / rows) * rows, n));
    return Distribution.create(shape, {
      dist: [{ type: "b", bounds }, ...rest],
      grid: [a0.gridSize, ...rest.map(() => 1)],
      commSize: dist.commSize,
      ranks: dist.ranks,
    });
  }
  const P = dist.commSize;
  const q = Math.floor(tiles / P);
  const r = tiles % P;
  const bounds = [0];
  let t = 0;
  for (let p = 0; p < P; p++) {
    t += q + (p < r ? 1 : 0);
    bounds.push(Math.min(t * rows, n));
  }
  return Distribution.create(shape, {
    dist: [{ type: "b", bounds }, ...rest],
    grid: [P, ...rest.map(() => 1)],
    commSize: P,
  });
}

/** Whether two distributions are the same block layout, judged from their parameters alone. */
export function sameBlockLayout(a: Distribution, b: Distribution): boolean {
  if (a.commSize !== b.commSize || !sameShape(a.grid, b.grid) || !sameShape(a.ranks, b.ranks)) {
    return false;
  }
  for (let i = 0; i < a.ndim; i++) {
    const x = a.axis(i);
    const y = b.axis(i);
    if (x.type === "c" || x.type === "u" || y.type === "c" || y.type === "u") return false;
    if (x.padding || y.padding || !sameShape(x.bounds!, y.bounds!)) return false;
  }
  return true;
}

const tilePlans = new WeakMap<
  Distribution,
  { rank: number; target: Distribution; plan: RedistributionPlan | null }
>();

/** The tile distribution of a reduction and the plan to it (null when nothing moves), cached. */
export function tilePlan(
  dist: Distribution,
  rank: number,
  rows: number,
  tiles: number,
): { target: Distribution; plan: RedistributionPlan | null } {
  const hit = tilePlans.get(dist);
  if (hit && hit.rank === rank) return hit;
  const target = tileDistribution(dist, rows, tiles);
  const same = sameBlockLayout(dist, target) || target.equals(dist);
  const entry = { rank, target, plan: same ? null : redistributionPlan(dist, target, { rank }) };
  tilePlans.set(dist, entry);
  return entry;
}

/** `DistArray.reduce`: a reduction by name over the whole array, replicated on every rank. */
export function reduceArray(
  comm: Comm,
  block: Block,
  name: ReductionName,
  options: ReduceOptions,
): NDArray {
  if (!(REDUCTION_NAMES as readonly string[]).includes(name)) {
    throw new TypeError(`Unknown reduction "${String(name)}"`);
  }
  if (block.dist.ndim === 0) return REDUCTIONS[name](gather(comm, block, undefined)!, options);
  return reduceBlocks(comm, block.dist, block.local, name, options);
}

/**
 * Reduces the global array whose block on this rank is `block` (ndim >= 1),
 * returning the result replicated on every rank. Collective.
 */
export function reduceBlocks(
  comm: Comm,
  dist: Distribution,
  block: NDArray,
  name: ReductionName,
  options: ReduceOptions,
): NDArray {
  const shape = dist.shape;
  const r = reducer(name, block.dtype, shape, options);
  const { rows, tiles } = tiling(shape);
  const { target, plan } = tilePlan(dist, comm.rank, rows, tiles);
  const local = plan ? moveBlock(comm, plan, block) : block;
  const bounds = target.axis(0).bounds!;
  const pos = target.gridCoords(comm.rank);
  const lo = pos ? bounds[pos[0]] : 0;
  const hi = pos ? bounds[pos[0] + 1] : 0;
  const n = shape[0];
  const zeros = shape.slice(1).map(() => 0);
  const tileRange = (t: number): [number, number] => [t * rows, Math.min((t + 1) * rows, n)];
  const t0 = Math.ceil(lo / rows);
  const t1 = Math.ceil(hi / rows);
  if (r.axes.includes(0)) {
    const acc = new TreeAccumulator(r, tiles);
    for (let t = t0; t < t1; t++) {
      const [a, b] = tileRange(t);
      acc.push(t, r.step(r.init(), local.slice({ start: a - lo, stop: b - lo }), [a, ...zeros]));
    }
    return r.finish(treeCombine(comm, r, acc.nodes(), tiles));
  }
  // axis 0 is kept: rows are independent, so each tile is reduced on its own
  const outShape = r.outShape;
  const rowOut = prod(outShape.slice(1));
  const sub = { ...options, axis: r.axes.length === 1 ? r.axes[0] : r.axes, keepdims: true };
  const mine = empty([hi - lo, ...outShape.slice(1)], r.resultDType);
  for (let t = t0; t < t1; t++) {
    const [a, b] = tileRange(t);
    const tr = reducer(name, block.dtype, [b - a, ...shape.slice(1)], sub);
    const res = tr.finish(tr.step(tr.init(), local.slice({ start: a - lo, stop: b - lo })));
    copyInto(mine.slice({ start: a - lo, stop: b - lo }), res);
  }
  const counts = new Array<number>(comm.size).fill(0);
  const dsp = new Array<number>(comm.size).fill(0);
  for (let p = 0; p < target.grid[0]; p++) {
    const rk = target.ranks[p];
    counts[rk] = (bounds[p + 1] - bounds[p]) * rowOut;
    dsp[rk] = bounds[p] * rowOut;
  }
  const outBits = empty(outShape, bitsDType(r.resultDType));
  comm.allgatherv(bitsView(mine).data as CommBuffer, {
    counts,
    displs: dsp,
    recv: outBits.data as CommBuffer,
  });
  const out = fromBits(outBits, r.resultDType);
  if (options.keepdims) return out;
  return out.reshape(outShape.filter((_, i) => !r.axes.includes(i)));
}
