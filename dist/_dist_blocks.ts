// Helpers on local blocks of a DistArray: bit views that MPI can carry, moving
// a block along a redistribution plan, halo plans, gathering positions per
// axis, and the owned indices of a grid position.

import { type AnyTypedArray, type DType, DTYPES } from "../core/dtype.ts";
import { empty, NDArray, type SliceSpec } from "../core/ndarray.ts";
import type { Comm, CommBuffer } from "./comm.ts";
import {
  type AxisInfo,
  Distribution,
  pack,
  type RedistributionPlan,
  unpack,
} from "./distribution.ts";

/** A distribution and this rank's block of it. */
export interface Block<D extends DType = DType> {
  readonly dist: Distribution;
  readonly local: NDArray<D>;
}

export function shapeText(shape: readonly number[]): string {
  return `[${shape.join(",")}]`;
}

export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

export function prod(a: readonly number[]): number {
  return a.reduce((x, y) => x * y, 1);
}

/**
 * A view of the same bits with a dtype MPI can carry (float16 travels as uint16).
 */
export function bitsView(a: NDArray): NDArray {
  if (a.dtype !== "float16") return a;
  const d = a.data as unknown as Uint16Array;
  const u = new Uint16Array(d.buffer as ArrayBuffer, d.byteOffset, d.length);
  return new NDArray("uint16", u, a.shape, a.strides, a.offset);
}

export function fromBits<D extends DType>(a: NDArray, dtype: D): NDArray<D> {
  if (a.dtype === dtype) return a as NDArray<D>;
  const d = a.data as Uint16Array;
  const C = DTYPES[dtype].array as unknown as new (b: ArrayBuffer, o: number, n: number) => never;
  return new NDArray(dtype, new C(d.buffer as ArrayBuffer, d.byteOffset, d.length), a.shape);
}

export function bitsDType(dtype: DType): DType {
  return dtype === "float16" ? "uint16" : dtype;
}

export function contiguous<D extends DType>(a: NDArray<D>): NDArray<D> {
  return a.isContiguous && a.offset === 0 && a.data.length === a.size ? a : a.copy();
}

/** Moves a local block from one distribution to another with one alltoallv. */
export function moveBlock<D extends DType>(
  comm: Comm,
  plan: RedistributionPlan,
  local: NDArray<D>,
  into?: NDArray<D>,
): NDArray<D> {
  const { buffer } = pack(plan, bitsView(local));
  const recv = comm.alltoallv(buffer as CommBuffer, Array.from(plan.sendCounts), {
    recvCounts: Array.from(plan.recvCounts),
    sendDispls: Array.from(plan.sendDispls),
    recvDispls: Array.from(plan.recvDispls),
  });
  const dst = into ? bitsView(into) : empty(plan.recvShape, bitsDType(local.dtype));
  unpack(plan, recv as ArrayLike<number | bigint>, dst);
  return into ?? fromBits(dst, local.dtype);
}

export function displs(counts: Int32Array): Int32Array {
  const d = new Int32Array(counts.length);
  for (let i = 1; i < counts.length; i++) d[i] = d[i - 1] + counts[i - 1];
  return d;
}

// A halo-exchange plan without the cells a rank would copy onto themselves.
export function trimSelf(p: RedistributionPlan): RedistributionPlan {
  const me = p.rank;
  const s0 = p.sendDispls[me];
  const r0 = p.recvDispls[me];
  const keepS: number[] = [];
  const keepR: number[] = [];
  for (let k = 0; k < p.sendCounts[me]; k++) {
    const s = p.sendIndices[s0 + k];
    const r = p.recvIndices[r0 + k];
    if (s !== r) {
      keepS.push(s);
      keepR.push(r);
    }
  }
  const rebuild = (counts: Int32Array, dsp: Int32Array, idx: Int32Array, kept: number[]) => {
    const c = counts.slice();
    c[me] = kept.length;
    const d = displs(c);
    const out = new Int32Array(d[d.length - 1] + c[c.length - 1]);
    for (let j = 0; j < c.length; j++) {
      if (j === me) out.set(kept, d[j]);
      else out.set(idx.subarray(dsp[j], dsp[j] + counts[j]), d[j]);
    }
    return { c, d, out };
  };
  const s = rebuild(p.sendCounts, p.sendDispls, p.sendIndices, keepS);
  const r = rebuild(p.recvCounts, p.recvDispls, p.recvIndices, keepR);
  return {
    ...p,
    sendCounts: s.c,
    sendDispls: s.d,
    sendIndices: s.out,
    recvCounts: r.c,
    recvDispls: r.d,
    recvIndices: r.out,
  };
}

export const haloPlans = new WeakMap<Distribution, RedistributionPlan>();

/** The elements of `src` at the given positions per axis (null: the whole axis), as a new C array. */
export function gatherAxes(src: NDArray, lists: readonly (ArrayLike<number> | null)[]): NDArray {
  const nd = src.ndim;
  const pos = lists.map((l, a) => l ?? Int32Array.from({ length: src.shape[a] }, (_, i) => i));
  // an arithmetic run on every axis is a view
  const specs: SliceSpec[] = [];
  for (let a = 0; a < nd; a++) {
    const l = pos[a];
    const step = l.length > 1 ? l[1] - l[0] : 1;
    let ok = step > 0;
    for (let i = 2; ok && i < l.length; i++) ok = l[i] - l[i - 1] === step;
    if (!ok) break;
    specs.push(
      l.length === 0 ? { start: 0, stop: 0 } : {
        start: l[0],
        stop: l[0] + (l.length - 1) * step + 1,
        step,
      },
    );
  }
  if (specs.length === nd) return src.slice(...specs).copy();
  const shape = pos.map((l) => l.length);
  const out = empty(shape, src.dtype);
  const n = out.size;
  if (n === 0) return out;
  const o = out.data as AnyTypedArray;
  const s = src.data as AnyTypedArray;
  const st = src.strides;
  const idx = new Array<number>(nd).fill(0);
  const last = nd - 1;
  const inner = pos[last];
  const innerStride = st[last];
  let k = 0;
  for (;;) {
    let base = src.offset;
    for (let a = 0; a < last; a++) base += pos[a][idx[a]] * st[a];
    for (let j = 0; j < inner.length; j++) o[k++] = s[base + inner[j] * innerStride] as never;
    if (k >= n) return out;
    let a = last - 1;
    while (a >= 0) {
      if (++idx[a] < pos[a].length) break;
      idx[a] = 0;
      a--;
    }
  }
}

/** Owned global indices of one grid position along an axis, in local order (no halos). */
export function ownedGlobals(info: AxisInfo, p: number): Int32Array {
  if (info.type === "u") return info.indices![p];
  if (info.type === "c") {
    const out: number[] = [];
    const bs = info.blockSize;
    for (let b = p; b * bs < info.size; b += info.gridSize) {
      for (let g = b * bs; g < Math.min((b + 1) * bs, info.size); g++) out.push(g);
    }
    return Int32Array.from(out);
  }
  const b = info.bounds!;
  return Int32Array.from({ length: b[p + 1] - b[p] }, (_, i) => b[p] + i);
}

/** Local position of the first owned cell along an axis (the halo before it). */
export function haloBefore(info: AxisInfo, p: number): number {
  if (info.type !== "b" || !info.padding) return 0;
  return p > 0 || info.periodic ? info.padding[p][0] : 0;
}

export function toJsonValue(v: unknown): unknown {
  return JSON.parse(
    JSON.stringify(v, (_k, x) => (typeof x === "bigint" ? Number(x) : x)) ?? "null",
  );
}
