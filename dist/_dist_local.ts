// The local side of DistArray's element access and per-block work: the part
// of a replicated operand that meets this rank's block, apply(), get() and
// set() on the block of one rank.

import type { DType, Scalar } from "../core/dtype.ts";
import { ShapeMismatchError } from "../core/errors.ts";
import { broadcastShapes, empty, NDArray } from "../core/ndarray.ts";
import type { Comm, CommBuffer } from "./comm.ts";
import type { Distribution, LocalRegion } from "./distribution.ts";
import type { ApplyContext } from "./layout.ts";
import { bitsView, gatherAxes, sameShape, shapeText, toJsonValue } from "./_dist_blocks.ts";

/** The part of a replicated array that meets this rank's block, broadcast-ready. */
export function localOperand(x: NDArray, dist: Distribution, rank: number, name: string): NDArray {
  const shape = dist.shape;
  let b: number[] | null = null;
  try {
    b = broadcastShapes(shape, x.shape);
  } catch { /* reported below */ }
  if (!b || !sameShape(b, shape)) {
    throw new ShapeMismatchError(
      `Cannot broadcast an NDArray of shape ${shapeText(x.shape)} against the distributed shape ${
        shapeText(shape)
      } in "${name}"`,
    );
  }
  const off = shape.length - x.ndim;
  const lists = x.shape.map((n, i) =>
    n === 1 && shape[off + i] !== 1 ? null : dist.globalIndices(off + i, rank)
  );
  return gatherAxes(x, lists);
}

/**
 * Runs `fn` on this rank's block and allgathers what it returned: the new
 * local block when every rank returned an NDArray of its local shape, else
 * every rank's (JSON) value. Collective.
 */
export function applyLocal<D extends DType, T>(
  comm: Comm,
  dist: Distribution,
  local: NDArray<D>,
  fn: (local: NDArray<D>, context: ApplyContext) => T,
): { array: NDArray } | { values: T[] } {
  if (typeof fn !== "function") {
    throw new TypeError(`Invalid fn ${String(fn)}: expected a function`);
  }
  const rank = comm.rank;
  let lists: Int32Array[] | null = null;
  let regions: LocalRegion[] | null = null;
  const context: ApplyContext = {
    rank,
    distribution: dist,
    get globalIndices() {
      return lists ??= dist.shape.map((_, a) => dist.globalIndices(a, rank));
    },
    get regions() {
      return regions ??= dist.regions(rank);
    },
  };
  const out = fn(local, context);
  const isArray = out instanceof NDArray;
  const report = comm.allgatherJson({
    nd: isArray,
    shape: isArray ? out.shape : null,
    value: isArray ? null : toJsonValue(out),
  });
  const arrays = report.filter((x) => x.nd).length;
  if (arrays === 0) return { values: report.map((x) => x.value as T) };
  if (arrays !== report.length) {
    throw new TypeError(
      `Invalid apply() results: ranks [${
        report.flatMap((x, k) => (x.nd ? [k] : [])).join(",")
      }] returned an NDArray, the others did not`,
    );
  }
  report.forEach((x, k) => {
    const want = dist.localShape(k);
    if (!sameShape(x.shape as number[], want)) {
      throw new ShapeMismatchError(
        `Invalid apply() result of shape ${
          shapeText(x.shape as number[])
        } on rank ${k}: its local shape is ${shapeText(want)}`,
      );
    }
  });
  return { array: out as NDArray };
}

/** One element by global index, read by its owner and broadcast. Collective. */
export function getGlobal(
  comm: Comm,
  dist: Distribution,
  local: NDArray,
  globalIndex: readonly number[],
): Scalar {
  const { rank: owner, localIndex } = dist.globalToLocal(globalIndex);
  const one = empty([], local.dtype);
  if (comm.rank === owner) one.set([], local.get(...localIndex));
  comm.bcast(bitsView(one).data as CommBuffer, owner);
  return one.get() as Scalar; // a complex element is a { re, im } (DistArray: complex unverified)
}

/** Writes one element by global index in every local copy of it (owner and halos). */
export function setGlobal(
  rank: number,
  dist: Distribution,
  local: NDArray,
  globalIndex: readonly number[],
  value: Scalar,
): void {
  dist.owner(globalIndex); // validates
  const hits = globalIndex.map((g, a) => {
    const list = dist.globalIndices(a, rank);
    const at: number[] = [];
    for (let l = 0; l < list.length; l++) if (list[l] === g) at.push(l);
    return at;
  });
  if (hits.some((h) => h.length === 0)) return;
  const idx = new Array<number>(hits.length).fill(0);
  for (;;) {
    local.set(idx.map((k, a) => hits[a][k]), value);
    let a = hits.length - 1;
    while (a >= 0) {
      if (++idx[a] < hits[a].length) break;
      idx[a] = 0;
      a--;
    }
    if (a < 0) return;
  }
}
