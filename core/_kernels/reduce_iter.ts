// Reduction geometry and the block walker shared by every reduction kernel.
//
// A reduction over a global array of shape G folds each element into one
// "slot": the element's position in the keepdims output shape (reduced axes
// have length 1). A block (any strided view covering G[start .. start +
// block.shape)) is walked as
//
//   for each combination of the block's kept outer axes        (slot group)
//     kernel.run(...)  when the innermost axis is reduced      (inner reduction)
//     kernel.vec(...)  when the innermost axis is kept         (outer reduction)
//
// where the kernel receives the relative data offsets of every combination of
// the reduced outer axes (`redOffs`), so it can accumulate a whole slot (run)
// or a whole slot vector (vec) before touching the state.

import { collapse } from "../_iter.ts";

/** Where the elements of a global array go when reducing some of its axes. */
export interface Geometry {
  /** The global shape. */
  readonly shape: readonly number[];
  /** Per axis: whether it is reduced. */
  readonly reduced: readonly boolean[];
  /** Keepdims output shape: reduced axes have length 1. */
  readonly outShape: readonly number[];
  /** C strides of `outShape` (0 on reduced axes). */
  readonly outStrides: readonly number[];
  /** Number of output elements (product of `outShape`). */
  readonly slots: number;
  /** Number of elements folded into each slot (product of reduced extents). */
  readonly perSlot: number;
}

/** Builds the geometry of reducing `axes` (normalised, unique) of `shape`. */
export function geometry(shape: readonly number[], axes: readonly number[]): Geometry {
  const nd = shape.length;
  const reduced = Array.from({ length: nd }, (_, i) => axes.includes(i));
  const outShape = shape.map((d, i) => (reduced[i] ? 1 : d));
  const outStrides = new Array<number>(nd);
  let acc = 1;
  let perSlot = 1;
  for (let i = nd - 1; i >= 0; i--) {
    outStrides[i] = reduced[i] ? 0 : acc;
    acc *= outShape[i];
    if (reduced[i]) perSlot *= shape[i];
  }
  return { shape: [...shape], reduced, outShape, outStrides, slots: acc, perSlot };
}

/** The two loops every kernel provides (see the module comment). */
export interface Kernel {
  /**
   * Folds, for each `r`, the run `data[base + redOffs[r] + j * ds]` (j < n)
   * into the one slot `slot`.
   */
  run(
    slot: number,
    data: ArrayLike<unknown>,
    base: number,
    redOffs: Float64Array,
    n: number,
    ds: number,
  ): void;
  /**
   * Folds, for each `r`, the vector `data[base + redOffs[r] + j * ds]` (j < n)
   * into the slots `slot + j * ss`.
   */
  vec(
    slot: number,
    ss: number,
    data: ArrayLike<unknown>,
    base: number,
    redOffs: Float64Array,
    n: number,
    ds: number,
  ): void;
}

/**
 * Checks that a block of `blockShape` at `blockStart` lies inside the global
 * array and returns the slot offset of its first element.
 */
export function blockSlotBase(
  geom: Geometry,
  blockShape: readonly number[],
  blockStart: readonly number[],
): number {
  const nd = geom.shape.length;
  if (blockShape.length !== nd || blockStart.length !== nd) {
    throw new RangeError(
      `Invalid block of shape [${blockShape.join(",")}] at [${
        blockStart.join(",")
      }]: the reduced array has ${nd} dimensions`,
    );
  }
  let slot = 0;
  for (let i = 0; i < nd; i++) {
    const s = blockStart[i];
    if (!Number.isInteger(s) || s < 0 || s + blockShape[i] > geom.shape[i]) {
      throw new RangeError(
        `Invalid block of shape [${blockShape.join(",")}] at [${
          blockStart.join(",")
        }]: axis ${i} exceeds the global length ${geom.shape[i]}`,
      );
    }
    slot += s * geom.outStrides[i];
  }
  return slot;
}

/**
 * Walks a block (shape, strides, offset in `data`) placed at `blockStart` of
 * the global array and hands its runs to the kernel.
 */
export function walkBlock(
  geom: Geometry,
  data: ArrayLike<unknown>,
  shape: readonly number[],
  strides: readonly number[],
  offset: number,
  blockStart: readonly number[],
  k: Kernel,
): void {
  let slotBase = blockSlotBase(geom, shape, blockStart);
  let base = offset;
  const axes: { n: number; ds: number; ss: number }[] = [];
  for (let i = 0; i < shape.length; i++) {
    const n = shape[i];
    if (n === 0) return;
    if (n === 1) continue;
    let ds = strides[i];
    let ss = geom.outStrides[i];
    if (ds < 0) {
      // walk negative strides forwards; the slot stride flips with it
      base += (n - 1) * ds;
      slotBase += (n - 1) * ss;
      ds = -ds;
      ss = -ss;
    }
    axes.push({ n, ds, ss });
  }
  // memory order: largest data stride outermost, broadcast (0) axes outermost of all
  const key = (ds: number): number => (ds === 0 ? Infinity : ds);
  axes.sort((a, b) => key(b.ds) - key(a.ds));
  const lay = collapse(axes.map((a) => a.n), [axes.map((a) => a.ds), axes.map((a) => a.ss)]);
  const nd = lay.shape.length;
  const [dsl, ssl] = lay.strides;
  const n = lay.shape[nd - 1];
  const ds = dsl[nd - 1];
  const ss = ssl[nd - 1];
  const keptN: number[] = [];
  const keptD: number[] = [];
  const keptS: number[] = [];
  const redN: number[] = [];
  const redD: number[] = [];
  for (let i = 0; i < nd - 1; i++) {
    if (ssl[i] === 0) {
      redN.push(lay.shape[i]);
      redD.push(dsl[i]);
    } else {
      keptN.push(lay.shape[i]);
      keptD.push(dsl[i]);
      keptS.push(ssl[i]);
    }
  }
  const redOffs = odometerOffsets(redN, redD);
  const nk = keptN.length;
  const idx = new Array<number>(nk).fill(0);
  let d = base;
  let s = slotBase;
  for (;;) {
    if (ss === 0) k.run(s, data, d, redOffs, n, ds);
    else k.vec(s, ss, data, d, redOffs, n, ds);
    let ax = nk - 1;
    while (ax >= 0) {
      idx[ax]++;
      d += keptD[ax];
      s += keptS[ax];
      if (idx[ax] < keptN[ax]) break;
      d -= keptD[ax] * keptN[ax];
      s -= keptS[ax] * keptN[ax];
      idx[ax] = 0;
      ax--;
    }
    if (ax < 0) return;
  }
}

/** Relative offsets of every index combination of (shape, strides), in C order. */
function odometerOffsets(shape: readonly number[], strides: readonly number[]): Float64Array {
  let total = 1;
  for (const n of shape) total *= n;
  const out = new Float64Array(total);
  const nd = shape.length;
  if (nd === 0) return out;
  const idx = new Array<number>(nd).fill(0);
  let o = 0;
  for (let p = 0; p < total; p++) {
    out[p] = o;
    let ax = nd - 1;
    while (ax >= 0) {
      idx[ax]++;
      o += strides[ax];
      if (idx[ax] < shape[ax]) break;
      o -= strides[ax] * shape[ax];
      idx[ax] = 0;
      ax--;
    }
  }
  return out;
}

/**
 * Calls `fn(slot, dataOffset, index)` for every element of a block in C
 * order of the block's axes, where `index` is the element's position along
 * the reduced axes of the global array (C order over the reduced axes, which
 * is the global flat index when every axis is reduced). Used by argmin and
 * argmax, which need the global position of each element.
 */
export function walkIndexed(
  geom: Geometry,
  shape: readonly number[],
  strides: readonly number[],
  offset: number,
  blockStart: readonly number[],
  fn: (slot: number, off: number, index: number, n: number, ds: number, ss: number) => void,
): void {
  const slotBase = blockSlotBase(geom, shape, blockStart);
  const nd = shape.length;
  for (const n of shape) if (n === 0) return;
  // C strides of the reduced axes within the global shape
  const rst = new Array<number>(nd).fill(0);
  let acc = 1;
  for (let i = nd - 1; i >= 0; i--) {
    if (geom.reduced[i]) {
      rst[i] = acc;
      acc *= geom.shape[i];
    }
  }
  let index0 = 0;
  for (let i = 0; i < nd; i++) index0 += blockStart[i] * rst[i];
  if (nd === 0) {
    fn(slotBase, offset, 0, 1, 0, 0);
    return;
  }
  // fn handles the innermost axis itself: (slot, off, index) of its first
  // element, n elements, data stride ds, slot stride ss; index stride rst[nd-1]
  const idx = new Array<number>(nd - 1).fill(0);
  let d = offset;
  let s = slotBase;
  let g = index0;
  const n = shape[nd - 1];
  const ds = strides[nd - 1];
  const ss = geom.outStrides[nd - 1];
  for (;;) {
    fn(s, d, g, n, ds, ss);
    let ax = nd - 2;
    while (ax >= 0) {
      idx[ax]++;
      d += strides[ax];
      s += geom.outStrides[ax];
      g += rst[ax];
      if (idx[ax] < shape[ax]) break;
      d -= strides[ax] * shape[ax];
      s -= geom.outStrides[ax] * shape[ax];
      g -= rst[ax] * shape[ax];
      idx[ax] = 0;
      ax--;
    }
    if (ax < 0) return;
  }
}

/** The index stride of the innermost axis in `walkIndexed` (1 if reduced, else 0). */
export function innerIndexStride(geom: Geometry): number {
  const nd = geom.shape.length;
  return nd > 0 && geom.reduced[nd - 1] ? 1 : 0;
}
