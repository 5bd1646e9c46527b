// The bodies of DistArray's indexing methods, on the shared indexer
// (core/indexer.ts): slice() and take() (ranges with any step, integers, new
// axes, one integer index array or boolean mask per selection; no
// communication, a view when the rank's part is one contiguous run of its
// block), set() with a selection (a replicated value written locally, a
// distributed value pushed by its owners to the ranks that hold the targets),
// and extract() (a same-shape boolean DistArray mask -> a 1-D block-distributed
// result in C order, moving only the selected elements).

import type { AnyTypedArray, DType, Scalar } from "../core/dtype.ts";
import { ShapeMismatchError } from "../core/errors.ts";
import { empty, full, NDArray } from "../core/ndarray.ts";
import { type AxisIndex, indexSelection, type Selection, type SliceSpec } from "../core/indexer.ts";
import type { Comm, CommBuffer } from "./comm.ts";
import { type AxisInfo, type AxisSpec, Distribution } from "./distribution.ts";
import {
  bitsDType,
  bitsView,
  type Block,
  fromBits,
  gatherAxes,
  haloBefore,
  ownedGlobals,
  prod,
  sameShape,
  shapeText,
} from "./_dist_blocks.ts";
import { redistributeBlock } from "./_dist_ops.ts";
import { localOperand } from "./_dist_local.ts";

/** Output coordinates along one selected input axis, per global index (empty: not selected). */
type Outs = (g: number) => readonly number[];

const NONE: readonly number[] = [];

function outsOf(a: AxisIndex, n: number): Outs {
  if (a.kind === "index") return (g) => (g === a.index ? [0] : NONE);
  if (a.kind === "range") {
    return (g) => {
      const k = (g - a.start) / a.step;
      return Number.isInteger(k) && k >= 0 && k < a.count ? [k] : NONE;
    };
  }
  if (a.kind !== "array") throw new TypeError("Unexpected new axis");
  const lists: number[][] = Array.from({ length: n }, () => []);
  a.indices.forEach((g, k) => lists[g].push(k));
  return (g) => lists[g];
}

/** Input global index of output coordinate k along a selected axis. */
function inOf(a: AxisIndex, k: number): number {
  if (a.kind === "index") return a.index;
  if (a.kind === "range") return a.start + k * a.step;
  if (a.kind === "array") return a.indices[k];
  throw new TypeError("Unexpected new axis");
}

/** Per input axis, the entry of `sel.axes` that consumes it. */
function inputEntries(sel: Selection): AxisIndex[] {
  return sel.axes.filter((a) => a.kind !== "newaxis");
}

function describe(s: unknown): string {
  if (s instanceof NDArray) return `an NDArray of shape ${shapeText(s.shape)}`;
  return `a ${(s as object)?.constructor?.name ?? typeof s}`;
}

/**
 * Converts the specs that are arrays of other kinds (1-D NDArrays of integers or
 * booleans) into plain index lists and masks; refuses what has no meaning here
 * with a TypeError naming the form.
 */
export function normalizeSpecs(specs: readonly unknown[], caller: string): SliceSpec[] {
  if (!Array.isArray(specs)) throw new TypeError(`Invalid selection for ${caller}: expected specs`);
  return specs.map((s, i) => {
    if (s instanceof NDArray) {
      if (s.ndim !== 1) {
        throw new TypeError(
          `Index arrays of ${s.ndim} dimensions are not supported by ${caller}: part ${i} is ${
            describe(s)
          } (use a 1-D index array)`,
        );
      }
      if (s.dtype === "bool") return Array.from(s.flat(), Boolean);
      if (!s.dtype.startsWith("int") && !s.dtype.startsWith("uint")) {
        throw new TypeError(
          `Index arrays of dtype "${s.dtype}" are not supported by ${caller}: part ${i} (use integers)`,
        );
      }
      return Array.from(s.flat(), Number);
    }
    if (typeof s === "object" && s !== null && "distribution" in s && "local" in s) {
      throw new TypeError(
        `Distributed index arrays are not supported by ${caller}: part ${i} is a DistArray ` +
          `(use extract() for a boolean mask of the array's shape, or a replicated index list)`,
      );
    }
    if (Array.isArray(s) && s.some((x) => Array.isArray(x) || ArrayBuffer.isView(x))) {
      throw new TypeError(
        `Nested index arrays are not supported by ${caller}: part ${i} (use a 1-D index array)`,
      );
    }
    return s as SliceSpec;
  });
}

/** The spec of a kept axis from the output coordinates each grid position owns (ascending). */
function keptSpec(info: AxisInfo, count: number, owned: readonly number[][]): AxisSpec {
  if (info.type === "n") return "n";
  const bounds = [0];
  for (const list of owned) {
    let ok = true;
    for (let i = 0; i < list.length && ok; i++) ok = list[i] === bounds[bounds.length - 1] + i;
    if (!ok) return { type: "u", indices: owned };
    bounds.push(bounds[bounds.length - 1] + list.length);
  }
  return bounds[bounds.length - 1] === count
    ? { type: "b", bounds }
    : { type: "u", indices: owned };
}

/**
 * This rank's part of a selection (see `DistArray.slice`): each selected
 * element stays with the rank that owns it, so nothing is communicated. The
 * local block shares the parent's buffer when it is one contiguous run of it.
 */
export function selectBlock<D extends DType>(
  rank: number,
  { dist, local: block }: Block<D>,
  specs: readonly unknown[],
  caller = "DistArray.slice",
): Block<D> {
  const sel = indexSelection(dist.shape, normalizeSpecs(specs, caller), {
    caller,
    arrays: true,
  });
  const coords = dist.gridCoords(rank);
  const nd = dist.ndim;
  // per entry of sel.axes: its spec, length and grid size when kept
  const entrySpec = new Map<number, { spec: AxisSpec; n: number; grid: number; axis: number }>();
  const fixed: (number | null)[] = []; // per input axis: the grid position of a dropped axis
  const localPos: (number[] | null)[] = []; // per input axis: my local positions to take
  let ax = 0;
  sel.axes.forEach((s, e) => {
    if (s.kind === "newaxis") {
      entrySpec.set(e, { spec: "n", n: 1, grid: 1, axis: -1 });
      return;
    }
    const a = ax++;
    const info = dist.axis(a);
    const mine = coords ? coords[a] : -1;
    const outs = outsOf(s, info.size);
    if (s.kind === "index") {
      let p = 0;
      while (!ownedGlobals(info, p).includes(s.index)) p++;
      fixed.push(p);
      const own = mine === p ? [...ownedGlobals(info, p)].indexOf(s.index) : -1;
      localPos.push(own >= 0 ? [own + haloBefore(info, p)] : null);
      return;
    }
    fixed.push(null);
    const count = s.kind === "range" ? s.count : s.indices.length;
    const owned: number[][] = [];
    let at: number[] | null = null;
    for (let p = 0; p < info.gridSize; p++) {
      const own = ownedGlobals(info, p);
      const h = haloBefore(info, p);
      const pairs: [number, number][] = [];
      for (let l = 0; l < own.length; l++) for (const k of outs(own[l])) pairs.push([k, l + h]);
      pairs.sort((x, y) => x[0] - y[0]);
      owned.push(pairs.map((x) => x[0]));
      if (p === mine) at = pairs.map((x) => x[1]);
    }
    localPos.push(at);
    entrySpec.set(e, {
      spec: keptSpec(info, count, owned),
      n: count,
      grid: info.gridSize,
      axis: a,
    });
  });
  const kept = sel.outAxes.map((e) => entrySpec.get(e)!);
  // the ranks of the kept grid: those at the fixed positions of dropped axes
  const keptGrid = kept.map((k) => k.grid);
  const ranks: number[] = [];
  const full = new Array<number>(nd).fill(0);
  const kc = new Array<number>(kept.length).fill(0);
  for (let i = 0, total = prod(keptGrid); i < total; i++) {
    for (let a = 0; a < nd; a++) full[a] = fixed[a] ?? 0;
    kept.forEach((k, j) => {
      if (k.axis >= 0) full[k.axis] = kc[j];
    });
    ranks.push(dist.rankAt(full));
    for (let j = kept.length - 1; j >= 0; j--) {
      if (++kc[j] < keptGrid[j]) break;
      kc[j] = 0;
    }
  }
  const out = Distribution.create(sel.outShape, {
    dist: kept.map((k) => k.spec),
    grid: keptGrid,
    commSize: dist.commSize,
    ranks,
  });
  const shape = out.localShape(rank);
  if (out.gridCoords(rank) === null || localPos.some((l) => l === null)) {
    return { dist: out, local: empty(shape, block.dtype) };
  }
  const pos = localPos as number[][];
  // the kept input axes in output order: a transpose when an index array moved first
  const order = kept.filter((k) => k.axis >= 0).map((k) => k.axis);
  const moved = order.some((a, i) => i > 0 && a < order[i - 1]);
  const view = moved ? null : viewOf(block, pos, shape);
  if (view) return { dist: out, local: view };
  let g = gatherAxes(block, pos).reshape(pos.map((l) => l.length)) as NDArray<D>;
  if (moved) {
    const perm = [...order, ...fixed.flatMap((f, a) => (f === null ? [] : [a]))];
    g = g.transpose(perm).copy();
  }
  return { dist: out, local: g.reshape(shape) as NDArray<D> };
}

/** The positions as a view on the block's buffer, when they are one C-contiguous run of it. */
function viewOf<D extends DType>(
  block: NDArray<D>,
  pos: readonly number[][],
  shape: readonly number[],
): NDArray<D> | null {
  if (prod(shape) === 0) return null;
  const specs = [];
  for (const l of pos) {
    for (let i = 1; i < l.length; i++) if (l[i] !== l[0] + i) return null;
    specs.push({ start: l[0], stop: l[0] + l.length });
  }
  const v = block.slice(...specs);
  if (!v.isContiguous) return null;
  const data = (v.data as AnyTypedArray).subarray(v.offset, v.offset + v.size);
  return new NDArray(block.dtype, data as never, shape);
}

/** Per input axis, for each selected global index: the (grid position, local position) pairs holding it, halos included. */
function holdersOf(dist: Distribution, sel: Selection): Map<number, [number, number][]>[] {
  return inputEntries(sel).map((s, a) => {
    const info = dist.axis(a);
    const outs = outsOf(s, info.size);
    const coords = new Array<number>(dist.ndim).fill(0);
    const m = new Map<number, [number, number][]>();
    for (let p = 0; p < info.gridSize; p++) {
      coords[a] = p;
      const list = dist.globalIndices(a, dist.rankAt(coords));
      for (let l = 0; l < list.length; l++) {
        const g = list[l];
        if (outs(g).length === 0) continue;
        if (!m.has(g)) m.set(g, []);
        m.get(g)!.push([p, l]);
      }
    }
    return m;
  });
}

/**
 * Writes `value` (a scalar, or an NDArray broadcast to the selection's shape) into every
 * local copy of the selected elements of this rank's block. No communication.
 */
export function assignLocal(
  rank: number,
  { dist, local }: Block,
  specs: readonly unknown[],
  value: NDArray | Scalar,
): void {
  const caller = "DistArray.set";
  const sel = indexSelection(dist.shape, normalizeSpecs(specs, caller), { caller, arrays: true });
  let v: NDArray;
  if (value instanceof NDArray) {
    try {
      v = value.astype(local.dtype).broadcastTo(sel.outShape);
    } catch (e) {
      throw new ShapeMismatchError(
        `Cannot assign an NDArray of shape ${shapeText(value.shape)} to a selection of shape ${
          shapeText(sel.outShape)
        } in "${caller}"`,
        { cause: e },
      );
    }
  } else if (typeof value === "number" || typeof value === "bigint" || typeof value === "boolean") {
    v = full(sel.outShape.map(() => 1), value, local.dtype).broadcastTo(sel.outShape);
  } else {
    throw new TypeError(
      `Invalid value for ${caller}: ${describe(value)} is not a scalar, NDArray or DistArray`,
    );
  }
  const coords = dist.gridCoords(rank);
  if (!coords) return;
  const entries = inputEntries(sel);
  // per input axis: its value stride (0 for a dropped axis)
  const vStride = entries.map((s) => {
    const e = sel.axes.indexOf(s);
    const j = sel.outAxes.indexOf(e);
    return j < 0 ? 0 : v.strides[j];
  });
  const lists = entries.map((s, a) => {
    const outs = outsOf(s, dist.shape[a]);
    const g = dist.globalIndices(a, rank);
    const ls: number[] = [];
    const ks: number[] = [];
    for (let l = 0; l < g.length; l++) {
      const o = outs(g[l]);
      if (o.length) {
        ls.push(l);
        ks.push(o[o.length - 1]); // repeated indices: the last write wins, as in NumPy
      }
    }
    return { ls, ks };
  });
  if (lists.some((x) => x.ls.length === 0)) return;
  const dst = bitsView(local);
  const vb = bitsView(v);
  const o = dst.data as AnyTypedArray;
  const src = vb.data as AnyTypedArray;
  const lst = dst.strides;
  eachCombo(lists.map((x) => x.ls.length), (idx) => {
    let li = dst.offset;
    let vi = vb.offset;
    for (let a = 0; a < idx.length; a++) {
      li += lists[a].ls[idx[a]] * lst[a];
      vi += lists[a].ks[idx[a]] * vStride[a];
    }
    o[li] = src[vi] as never;
  });
}

/** Calls fn with every index tuple of a grid of the given lengths, in C order. */
function eachCombo(lens: readonly number[], fn: (idx: readonly number[]) => void): void {
  if (lens.some((n) => n === 0)) return;
  const idx = new Array<number>(lens.length).fill(0);
  for (;;) {
    fn(idx);
    let a = lens.length - 1;
    while (a >= 0) {
      if (++idx[a] < lens[a]) break;
      idx[a] = 0;
      a--;
    }
    if (a < 0) return;
  }
}

/** Packs per-rank lists and exchanges them: counts by alltoall, then indices and values. */
function exchange(
  comm: Comm,
  dtype: DType,
  perRank: { idx: number[]; val: (number | bigint)[] }[],
): { idx: Float64Array; val: AnyTypedArray } {
  const counts = Int32Array.from(perRank, (x) => x.idx.length);
  const recvCounts = comm.alltoall(counts);
  const n = counts.reduce((s, c) => s + c, 0);
  const idx = new Float64Array(n);
  const val = empty([n], bitsDType(dtype)).data as AnyTypedArray;
  let k = 0;
  for (const x of perRank) {
    idx.set(x.idx, k);
    for (let i = 0; i < x.val.length; i++) val[k + i] = x.val[i] as never;
    k += x.idx.length;
  }
  const sc = Array.from(counts);
  const rc = Array.from(recvCounts);
  return {
    idx: comm.alltoallv(idx, sc, { recvCounts: rc }),
    val: comm.alltoallv(val as CommBuffer, sc, { recvCounts: rc }) as AnyTypedArray,
  };
}

/**
 * Writes a DistArray of the selection's shape into the selected elements: each
 * owner of a value element sends it to the ranks holding its target (halo
 * copies included), and each rank writes only its own block. Collective.
 */
export function assignDist(
  comm: Comm,
  { dist, local }: Block,
  specs: readonly unknown[],
  value: Block,
): void {
  const caller = "DistArray.set";
  const sel = indexSelection(dist.shape, normalizeSpecs(specs, caller), { caller, arrays: true });
  if (!sameShape(value.dist.shape, sel.outShape)) {
    throw new ShapeMismatchError(
      `Cannot assign a DistArray of shape ${shapeText(value.dist.shape)} to a selection of shape ${
        shapeText(sel.outShape)
      } in "${caller}"`,
    );
  }
  const entries = inputEntries(sel);
  const holders = holdersOf(dist, sel);
  // per output axis: the input axis it indexes (-1 for a new axis)
  const outInput = sel.outAxes.map((e) => entries.indexOf(sel.axes[e]));
  const perRank = Array.from({ length: comm.size }, () => ({
    idx: [] as number[],
    val: [] as (number | bigint)[],
  }));
  const vc = value.dist.gridCoords(comm.rank);
  if (vc && prod(value.local.shape) > 0) {
    const vals = bitsView(value.local.astype(local.dtype));
    const vdata = vals.data as AnyTypedArray;
    const own = sel.outShape.map((_, j) => {
      const info = value.dist.axis(j);
      return { g: ownedGlobals(info, vc[j]), h: haloBefore(info, vc[j]) };
    });
    const localStrides = new Map<number, number[]>();
    const stridesOf = (r: number): number[] => {
      if (!localStrides.has(r)) {
        const s = dist.localShape(r);
        const st = new Array<number>(s.length).fill(1);
        for (let a = s.length - 2; a >= 0; a--) st[a] = st[a + 1] * s[a + 1];
        localStrides.set(r, st);
      }
      return localStrides.get(r)!;
    };
    // per input axis: the holders of its index for each owned value index (or the fixed one)
    const nIn = entries.length;
    const fixedHolders = entries.map((
      s,
      a,
    ) => (s.kind === "index" ? holders[a].get(s.index)! : null));
    const axisHolders = own.map((o, j) => {
      const a = outInput[j];
      return a < 0 ? null : Array.from(o.g, (k) => holders[a].get(inOf(entries[a], k))!);
    });
    // grid position -> rank, and each rank's local strides
    const gst = new Array<number>(nIn).fill(1);
    for (let a = nIn - 2; a >= 0; a--) gst[a] = gst[a + 1] * dist.grid[a + 1];
    const hs: (readonly [number, number][])[] = new Array(nIn);
    const hi = new Array<number>(nIn).fill(0);
    eachCombo(own.map((o) => o.g.length), (idx) => {
      let vi = vals.offset;
      for (let a = 0; a < nIn; a++) if (fixedHolders[a]) hs[a] = fixedHolders[a]!;
      for (let j = 0; j < idx.length; j++) {
        vi += (idx[j] + own[j].h) * vals.strides[j];
        if (outInput[j] >= 0) hs[outInput[j]] = axisHolders[j]![idx[j]];
      }
      const v = vdata[vi];
      hi.fill(0);
      for (;;) {
        let pos = 0;
        for (let a = 0; a < nIn; a++) pos += hs[a][hi[a]][0] * gst[a];
        const r = dist.ranks[pos];
        const st = stridesOf(r);
        let li = 0;
        for (let a = 0; a < nIn; a++) li += hs[a][hi[a]][1] * st[a];
        perRank[r].idx.push(li);
        perRank[r].val.push(v);
        let a = nIn - 1;
        while (a >= 0) {
          if (++hi[a] < hs[a].length) break;
          hi[a] = 0;
          a--;
        }
        if (a < 0) break;
      }
    });
  }
  const got = exchange(comm, local.dtype, perRank);
  const o = bitsView(local).data as AnyTypedArray;
  for (let i = 0; i < got.idx.length; i++) o[got.idx[i]] = got.val[i] as never;
}

/**
 * The elements where a same-shape boolean mask is true, in C order, as a 1-D
 * block-distributed array (NumPy's `a[mask]`). The owners send only the
 * selected elements, with their flat indices, to the rank owning that part of
 * the flat index range, which sorts them; a second alltoallv of the selected
 * elements balances the blocks. Collective.
 */
export function extractBlock<D extends DType>(
  comm: Comm,
  { dist, local }: Block<D>,
  maskSource: MaskSource,
): Block<D> {
  const mask = maskLocal(dist, comm.rank, maskSource);
  const shape = dist.shape;
  const coords = dist.gridCoords(comm.rank);
  const total = prod(shape);
  const perRank = Array.from({ length: comm.size }, () => ({
    idx: [] as number[],
    val: [] as (number | bigint)[],
  }));
  const span = Math.max(1, Math.ceil(total / comm.size));
  if (coords && total > 0) {
    const own = shape.map((_, a) => {
      const info = dist.axis(a);
      return { g: ownedGlobals(info, coords[a]), h: haloBefore(info, coords[a]) };
    });
    const gst = new Array<number>(shape.length).fill(1);
    for (let a = shape.length - 2; a >= 0; a--) gst[a] = gst[a + 1] * shape[a + 1];
    const vals = bitsView(local);
    const vd = vals.data as AnyTypedArray;
    const md = mask.data as AnyTypedArray;
    eachCombo(own.map((o) => o.g.length), (idx) => {
      let li = vals.offset;
      let mi = mask.offset;
      let f = 0;
      for (let a = 0; a < idx.length; a++) {
        li += (idx[a] + own[a].h) * vals.strides[a];
        mi += (idx[a] + own[a].h) * mask.strides[a];
        f += own[a].g[idx[a]] * gst[a];
      }
      if (!md[mi]) return;
      const r = Math.floor(f / span);
      perRank[r].idx.push(f);
      perRank[r].val.push(vd[li]);
    });
  }
  const got = exchange(comm, local.dtype, perRank);
  const order = Array.from({ length: got.idx.length }, (_, i) => i).sort((x, y) =>
    got.idx[x] - got.idx[y]
  );
  const mine = empty([order.length], bitsDType(local.dtype));
  const md = mine.data as AnyTypedArray;
  order.forEach((i, k) => (md[k] = got.val[i] as never));
  const counts = comm.allgather(new Float64Array([order.length]));
  const bounds = [0];
  for (const c of counts) bounds.push(bounds[bounds.length - 1] + c);
  const n = bounds[bounds.length - 1];
  const uneven = Distribution.create([n], {
    dist: [{ type: "b", bounds }],
    grid: [comm.size],
    commSize: comm.size,
  });
  return redistributeBlock(comm, { dist: uneven, local: fromBits(mine, local.dtype) }, {});
}

/** A mask: a replicated NDArray, or the parts of a DistArray. */
export type MaskSource = NDArray | {
  dist: Distribution;
  local: NDArray;
  localIn(d: Distribution): NDArray;
};

/** The mask's values on this rank's block (a DistArray mask redistributed if needed). */
function maskLocal(dist: Distribution, rank: number, mask: MaskSource): NDArray {
  const isNd = mask instanceof NDArray;
  const dtype = isNd ? mask.dtype : mask.local.dtype;
  const shape = isNd ? mask.shape : mask.dist.shape;
  if (dtype !== "bool") {
    throw new TypeError(`Invalid mask for DistArray.extract: dtype "${dtype}" (expected bool)`);
  }
  if (!sameShape(shape, dist.shape)) {
    throw new ShapeMismatchError(
      `Cannot extract with a mask of shape ${shapeText(shape)} from shape ${shapeText(dist.shape)}`,
    );
  }
  if (isNd) return localOperand(mask, dist, rank, "DistArray.extract");
  return mask.dist === dist || mask.dist.equals(dist) ? mask.local : mask.localIn(dist);
}

/** The specs of `take(indices, { axis })`. */
export function takeSpecs(ndim: number, indices: unknown, axis: number | undefined): unknown[] {
  if (axis === undefined && ndim !== 1) {
    throw new TypeError(
      `DistArray.take without an axis (on the flattened array) is not supported for ${ndim} dimensions: pass { axis }`,
    );
  }
  const a = axis ?? 0;
  if (!Number.isInteger(a) || a < -ndim || a >= ndim) {
    throw new RangeError(`Invalid axis ${a} for DistArray.take: the array has ${ndim} axes`);
  }
  const spec =
    typeof indices === "number" || indices instanceof NDArray || Array.isArray(indices) ||
      ArrayBuffer.isView(indices)
      ? indices
      : (() => {
        throw new TypeError(`Invalid indices for DistArray.take: ${describe(indices)}`);
      })();
  if (Array.isArray(indices) && indices.some((x) => typeof x === "boolean")) {
    throw new TypeError(`Invalid indices for DistArray.take: booleans (use slice with a mask)`);
  }
  return [...new Array((a + ndim) % ndim).fill({}), spec];
}
