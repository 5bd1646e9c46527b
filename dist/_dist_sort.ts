// Distributed sort of a DistArray (sample sort) and the wiring of the
// order-statistic methods (sort, median, quantile, percentile) onto
// DistArray's prototype.
//
// Sample sort: every rank sorts its own elements, takes regular samples,
// the samples are allgathered and P - 1 splitters chosen from them; one
// alltoallv sends each value range to its rank, which merges the sorted runs it got;
// a second alltoallv rebalances the sorted runs onto the default block
// distribution, so the result is laid out as NumPy's flat order, in blocks.

import { type AnyTypedArray, type DType, DTYPES } from "../core/dtype.ts";
import { fromTypedArray, type NDArray, normalizeAxis } from "../core/ndarray.ts";
import { sort as sortNd, sortInPlace, type SortOptions } from "../core/sort.ts";
import type { Comm, CommBuffer } from "./comm.ts";
import { Distribution } from "./distribution.ts";
import { DistArray } from "./dist_array.ts";
import { bitsDType, type Block, prod } from "./_dist_blocks.ts";
import { redistributeBlock } from "./_dist_ops.ts";
import { orderStatBlock, ownedBlock } from "./_dist_quantile.ts";

/** Regular samples taken per rank. */
const SAMPLES = 64;

/** Whether `e` sorts after `s` (NaN last, as NumPy; NaN ties NaN). */
function after(e: number | bigint, s: number | bigint): boolean {
  if (s !== s) return false;
  if (e !== e) return true;
  return e > s;
}

/** The first index of a sorted array whose value sorts after `s`. */
function upperBound(a: AnyTypedArray, s: number | bigint, from: number): number {
  let lo = from, hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (after(a[mid], s)) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** Merges sorted runs of the given lengths (one per source rank), NaN last: log2(P) rounds of pairwise merges. */
function mergeRuns(a: AnyTypedArray, lengths: readonly number[]): AnyTypedArray {
  let bounds = [0];
  for (const n of lengths) bounds.push(bounds[bounds.length - 1] + n);
  let src = a;
  let dst = new (a.constructor as new (n: number) => AnyTypedArray)(a.length);
  while (bounds.length > 2) {
    const next = [0];
    for (let k = 0; k + 1 < bounds.length; k += 2) {
      const lo = bounds[k], mid = bounds[k + 1], hi = k + 2 < bounds.length ? bounds[k + 2] : mid;
      let i = lo, j = mid, o = lo;
      while (i < mid && j < hi) dst[o++] = after(src[i], src[j]) ? src[j++] : src[i++];
      while (i < mid) dst[o++] = src[i++];
      while (j < hi) dst[o++] = src[j++];
      next.push(hi);
    }
    bounds = next;
    [src, dst] = [dst, src];
  }
  return src;
}

/** The same bits as a buffer MPI carries (float16 as uint16). */
function wire(a: AnyTypedArray): CommBuffer {
  if (a.constructor.name !== "Float16Array") return a as CommBuffer;
  return new Uint16Array(a.buffer, a.byteOffset, a.length);
}

function unwire(a: CommBuffer, dtype: DType): AnyTypedArray {
  if (bitsDType(dtype) === dtype) return a as AnyTypedArray;
  const C = DTYPES[dtype].array as unknown as new (b: ArrayBuffer, o: number, n: number) => never;
  return new C(a.buffer as ArrayBuffer, a.byteOffset, a.length);
}

/** The flat sorted values of the whole array, block-distributed in order over the ranks. */
function sampleSort(comm: Comm, block: Block): { dist: Distribution; local: NDArray } {
  const dtype = block.local.dtype;
  const N = prod(block.dist.shape);
  const P = comm.size;
  const own = ownedBlock(comm, block);
  const mine = own.copy().toTypedArray() as AnyTypedArray;
  sortInPlace(mine);
  const dist = Distribution.create([N], { commSize: P });
  if (P === 1) return { dist, local: fromTypedArray(mine, [N], dtype) };
  // regular samples of the sorted run, and P - 1 splitters from all of them
  const s = Math.min(SAMPLES, mine.length);
  const Ctor = mine.constructor as new (n: number) => AnyTypedArray;
  const samples = new Ctor(s);
  for (let i = 0; i < s; i++) samples[i] = mine[Math.floor(((i + 0.5) * mine.length) / s)];
  const all = unwire(comm.allgatherv(wire(samples)), dtype);
  all.sort();
  const cuts = [0];
  for (let j = 1; j < P; j++) {
    const at = all.length === 0 ? cuts[j - 1] : upperBound(
      mine,
      all[Math.min(all.length - 1, Math.floor((j * all.length) / P))],
      cuts[j - 1],
    );
    cuts.push(at);
  }
  cuts.push(mine.length);
  const sendCounts = cuts.slice(1).map((c, j) => c - cuts[j]);
  const recvCounts = [...comm.alltoall(new Float64Array(sendCounts))];
  const got = mergeRuns(
    unwire(comm.alltoallv(wire(mine), sendCounts, { recvCounts }), dtype),
    recvCounts,
  );
  // rebalance the sorted runs onto the default block bounds
  const counts = comm.allgather(new Float64Array([got.length]));
  let start = 0;
  for (let r = 0; r < comm.rank; r++) start += counts[r];
  const bounds = dist.axis(0).bounds!;
  const back = bounds.slice(0, P).map((b, t) =>
    Math.max(0, Math.min(start + got.length, bounds[t + 1]) - Math.max(start, b))
  );
  const local = unwire(comm.alltoallv(wire(got), back), dtype);
  return { dist, local: fromTypedArray(local, [local.length], dtype) };
}

/**
 * The sorted array as a block (see DistArray.sort): a 1-D array or `axis:
 * null` by sample sort; another axis of an N-d array by redistributing so
 * that the axis is whole on every rank and sorting locally. Collective.
 */
export function sortBlock(comm: Comm, block: Block, options: unknown): Block {
  if (options !== undefined && options !== null) {
    if (typeof options !== "object") {
      throw new TypeError(`Invalid options for sort(): expected an object, got ${options}`);
    }
    for (const k of Object.keys(options)) {
      if (k !== "axis") throw new TypeError(`Unknown option "${k}" for sort(): expected axis`);
    }
  }
  const shape = block.dist.shape;
  const axis = (options as SortOptions | undefined)?.axis;
  if (axis === null || (shape.length === 1 && normalizeAxis(axis ?? -1, 1) === 0)) {
    return sampleSort(comm, block);
  }
  const ax = normalizeAxis(axis ?? -1, shape.length);
  const along = ax === 0 ? 1 : 0;
  const moved = redistributeBlock(comm, block, {
    dist: shape.map((_, i) => i === along ? "b" : "n"),
  });
  return { dist: moved.dist, local: sortNd(moved.local, { axis: ax }) };
}

function parts(a: DistArray): { comm: Comm; block: Block } {
  return { comm: a.comm, block: { dist: a.distribution, local: a.local } };
}

/**
 * Installs `sort`, `median`, `quantile` and `percentile` on DistArray's
 * prototype (declared by `DistOrderMethods` in dist/layout.ts).
 */
export function installOrderMethods(proto: DistArray): void {
  const methods: Record<string, (this: DistArray, ...args: unknown[]) => unknown> = {
    sort(options) {
      const { comm, block } = parts(this);
      const { dist, local } = sortBlock(comm, block, options);
      return DistArray.fromLocal(comm, local, { distribution: dist });
    },
    median(options) {
      const { comm, block } = parts(this);
      return orderStatBlock(comm, block, "median", null, options);
    },
    quantile(q, options) {
      const { comm, block } = parts(this);
      return orderStatBlock(comm, block, "quantile", q as number, options);
    },
    percentile(q, options) {
      const { comm, block } = parts(this);
      return orderStatBlock(comm, block, "percentile", q as number, options);
    },
  };
  for (const [name, fn] of Object.entries(methods)) {
    Object.defineProperty(fn, "name", { value: name });
    Object.defineProperty(proto, name, {
      value: fn,
      writable: true,
      configurable: true,
      enumerable: false,
    });
  }
}
