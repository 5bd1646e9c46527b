// Broadcasting a DistArray operand against the result of an element-wise
// operation of another shape ((5,4)+(4,), (5,1)+(5,4), (5,1)+(1,4)).
//
// Each rank needs, of an operand X, the elements its result block meets:
// along each axis of X the result's global indices of that axis on this rank,
// or only index 0 where X has length 1 (a broadcast axis). That need and
// every rank's owned part of X are both products of per-axis index lists, so
// what rank s sends rank q is the product of the per-axis intersections: one
// alltoallv in which each rank receives every element it needs exactly once,
// never once per element of the result (an operand replicated along a
// broadcast axis travels as its single copy). The received block keeps
// length 1 on broadcast axes and lacks the leading axes of the result, so the
// local ufunc broadcasts it as NumPy does.

import type { AnyTypedArray } from "../core/dtype.ts";
import { broadcastShapes, empty, type NDArray } from "../core/ndarray.ts";
import { ShapeMismatchError } from "../core/errors.ts";
import type { Comm, CommBuffer } from "./comm.ts";
import type { Distribution } from "./distribution.ts";
import {
  bitsDType,
  bitsView,
  fromBits,
  gatherAxes,
  haloBefore,
  ownedGlobals,
  prod,
  shapeText,
} from "./_dist_blocks.ts";

/** The shape every operand broadcasts to (DistArray and NDArray shapes; scalars have none). */
export function resultShape(name: string, shapes: readonly (readonly number[])[]): number[] {
  try {
    return broadcastShapes(...shapes);
  } catch (e) {
    throw new ShapeMismatchError(
      `Cannot apply "${name}" to operands of shapes ${shapes.map(shapeText).join(" and ")}: ${
        (e as Error).message
      }`,
      { cause: e },
    );
  }
}

/** Per axis of the operand: the global indices rank `q`'s result block needs. */
function needs(x: Distribution, result: Distribution, q: number): Int32Array[] {
  if (result.localShape(q).includes(0)) return x.shape.map(() => new Int32Array(0));
  const off = result.ndim - x.ndim;
  return x.shape.map((n, i) => (n === 1 ? Int32Array.of(0) : result.globalIndices(off + i, q)));
}

/** Per axis of the operand: the grid position that owns each global index. */
function owners(x: Distribution): Int32Array[] {
  return x.shape.map((n, i) => {
    const info = x.axis(i);
    const own = new Int32Array(n).fill(-1);
    for (let p = 0; p < info.gridSize; p++) for (const g of ownedGlobals(info, p)) own[g] = p;
    return own;
  });
}

/**
 * This rank's part of the DistArray operand (`x`, `local`) that meets its block of
 * `result`, ready to broadcast against it. Collective (one alltoallv).
 *
 * @param comm The communicator.
 * @param x The operand's distribution (its shape broadcasts to `result.shape`).
 * @param local The operand's block on this rank.
 * @param result The result's distribution.
 * @returns An array with one entry per needed index along each axis of `x`.
 */
export function broadcastLocal(
  comm: Comm,
  x: Distribution,
  local: NDArray,
  result: Distribution,
): NDArray {
  const P = comm.size;
  const me = comm.rank;
  const own = owners(x);
  const mine = x.gridCoords(me);
  // my owned cells of each axis: global -> local position (or -1)
  const localPos = x.shape.map((n, i) => {
    const at = new Int32Array(n).fill(-1);
    if (!mine) return at;
    const info = x.axis(i);
    const h = haloBefore(info, mine[i]);
    ownedGlobals(info, mine[i]).forEach((g, k) => (at[g] = k + h));
    return at;
  });
  const dtype = bitsDType(local.dtype);
  const src = bitsView(local);
  const parts: AnyTypedArray[] = [];
  const sendCounts = new Array<number>(P).fill(0);
  for (let q = 0; q < P; q++) {
    if (!mine) break;
    const lists = needs(x, result, q).map((need, i) => {
      const out: number[] = [];
      for (const g of need) if (own[i][g] === mine[i]) out.push(localPos[i][g]);
      return out;
    });
    const n = prod(lists.map((l) => l.length));
    sendCounts[q] = n;
    if (n > 0) parts.push(gatherAxes(src, lists).data as AnyTypedArray);
  }
  const send = empty([sendCounts.reduce((a, b) => a + b, 0)], dtype).data as AnyTypedArray;
  let at = 0;
  for (const p of parts) {
    send.set(p as never, at);
    at += p.length;
  }
  // what each rank sends me: the positions of my needs that it owns, per axis
  const need = needs(x, result, me);
  const outShape = need.map((l) => l.length);
  const recvFrom: number[][][] = [];
  const recvCounts = new Array<number>(P).fill(0);
  for (let s = 0; s < P; s++) {
    const c = x.gridCoords(s);
    const lists = c ? need.map((l, i) => positionsOwnedBy(l, own[i], c[i])) : [];
    recvFrom.push(lists);
    recvCounts[s] = c ? prod(lists.map((l) => l.length)) : 0;
  }
  const recv = comm.alltoallv(send as CommBuffer, sendCounts, { recvCounts }) as AnyTypedArray;
  const mineShape = result.localShape(me);
  if (mineShape.includes(0)) {
    // an empty result block: any array that broadcasts to it (nothing was received)
    const off = result.ndim - x.ndim;
    return empty(x.shape.map((n, i) => (n === 1 ? 1 : mineShape[off + i])), local.dtype);
  }
  const out = empty(outShape, dtype);
  let off = 0;
  for (let s = 0; s < P; s++) {
    if (recvCounts[s] === 0) continue;
    scatterProduct(out, recvFrom[s], recv, off);
    off += recvCounts[s];
  }
  return fromBits(out, local.dtype);
}

function positionsOwnedBy(need: Int32Array, own: Int32Array, p: number): number[] {
  const out: number[] = [];
  for (let j = 0; j < need.length; j++) if (own[need[j]] === p) out.push(j);
  return out;
}

/** Writes `values[from..]`, in C order of the product of `lists`, to those positions of `out`. */
function scatterProduct(
  out: NDArray,
  lists: readonly number[][],
  values: AnyTypedArray,
  from: number,
): void {
  const nd = lists.length;
  const o = out.data as AnyTypedArray;
  const st = out.strides;
  if (nd === 0) {
    o[0] = values[from];
    return;
  }
  const idx = new Array<number>(nd).fill(0);
  const n = prod(lists.map((l) => l.length));
  for (let k = 0; k < n; k++) {
    let pos = 0;
    for (let a = 0; a < nd; a++) pos += lists[a][idx[a]] * st[a];
    o[pos] = values[from + k];
    for (let a = nd - 1; a >= 0; a--) {
      if (++idx[a] < lists[a].length) break;
      idx[a] = 0;
    }
  }
}
