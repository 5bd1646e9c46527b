// The bodies of DistArray's methods that gather, move or combine blocks:
// toNDArray (gather to one rank or all), redistribute, exchangeHalos, the
// element-wise dispatch of `DistArray.ufunc`. Each takes the parts
// of a DistArray (communicator, distribution, local block) and returns the
// parts of the result, which DistArray wraps (its constructor is private).

import type { DType } from "../core/dtype.ts";
import { ShapeMismatchError } from "../core/errors.ts";
import { empty, NDArray } from "../core/ndarray.ts";
import { type Operand, UFUNCS } from "../core/ufunc.ts";
import type { Comm, CommBuffer } from "./comm.ts";
import { Distribution, redistributionPlan } from "./distribution.ts";
import {
  bitsView,
  type Block,
  haloPlans,
  moveBlock,
  sameShape,
  shapeText,
  trimSelf,
} from "./_dist_blocks.ts";
import { layoutOf, rootDistribution } from "./_dist_create.ts";
import type { LayoutOptions } from "./layout.ts";
import { localOperand } from "./_dist_local.ts";
import { broadcastLocal, resultShape } from "./_dist_broadcast.ts";

/** What the element-wise dispatch needs of a DistArray operand. */
export interface DistParts {
  readonly comm: Comm;
  readonly dist: Distribution;
  readonly local: NDArray;
  /** Its local block in another distribution (a redistribution: collective). */
  localIn(dist: Distribution): NDArray;
}

/** The whole array on rank `root` (null elsewhere), or on every rank when `root` is undefined. */
export function gather<D extends DType>(
  comm: Comm,
  from: Block<D>,
  root: number | undefined,
): NDArray<D> | null {
  const r = root ?? 0;
  if (!Number.isInteger(r) || r < 0 || r >= comm.size) {
    throw new RangeError(`Invalid root ${root}: outside [0, ${comm.size})`);
  }
  const shape = from.dist.shape;
  const to = rootDistribution(shape, comm.size, r);
  const plan = redistributionPlan(from.dist, to, { rank: comm.rank });
  let whole: NDArray<D> | null = moveBlock(comm, plan, from.local);
  if (root === undefined) {
    if (comm.rank !== r) whole = empty(shape, from.local.dtype);
    comm.bcast(bitsView(whole).data as CommBuffer, r);
  } else if (comm.rank !== r) whole = null;
  return whole;
}

/** The same values in distribution `to`, or laid out by options `to` (one alltoallv). */
export function redistributeBlock<D extends DType>(
  comm: Comm,
  from: Block<D>,
  layout: Distribution | LayoutOptions,
): Block<D> {
  const to = layout instanceof Distribution
    ? layoutOf(comm, layout)
    : layoutOf(comm, from.dist.shape, layout);
  if (!sameShape(to.shape, from.dist.shape)) {
    throw new ShapeMismatchError(
      `Cannot redistribute shape ${shapeText(from.dist.shape)} to ${to}`,
    );
  }
  const plan = redistributionPlan(from.dist, to, { rank: comm.rank });
  return { dist: to, local: moveBlock(comm, plan, from.local) };
}

/** Refreshes the halo cells of a padded block distribution in place (one alltoallv). */
export function exchangeHalos(comm: Comm, { dist, local }: Block): void {
  let padded = false;
  for (let a = 0; a < dist.ndim; a++) padded ||= dist.axis(a).padding !== null;
  if (!padded) return;
  let plan = haloPlans.get(dist);
  if (!plan || plan.rank !== comm.rank) {
    plan = trimSelf(redistributionPlan(dist, dist, { rank: comm.rank }));
    haloPlans.set(dist, plan);
  }
  moveBlock(comm, plan, local, local);
}

/**
 * A ufunc of core/ufunc.ts applied to the local blocks. The operands' shapes
 * broadcast; the result has the layout of the first DistArray of the full
 * shape (a default layout when none has it). DistArray operands of the full
 * shape are redistributed to it when theirs differs, smaller ones bring the
 * part this rank meets (dist/_dist_broadcast.ts), replicated NDArrays are cut
 * to this rank's block, scalars stay weak. Returns the result's communicator and block.
 */
export function ufuncBlock(
  name: string,
  operands: readonly unknown[],
  partsOf: (x: unknown) => DistParts | null,
): Block & { readonly comm: Comm } {
  const entry = Object.hasOwn(UFUNCS, name) ? UFUNCS[name] : undefined;
  if (!entry) throw new TypeError(`Unknown ufunc "${name}"`);
  if (!Array.isArray(operands) || operands.length !== entry.arity) {
    throw new TypeError(
      `Invalid operands for "${name}": expected ${entry.arity}, got ${
        Array.isArray(operands) ? operands.length : String(operands)
      }`,
    );
  }
  const parts = operands.map(partsOf);
  const first = parts.find((p) => p !== null);
  if (!first) throw new TypeError(`Invalid operands for "${name}": none is a DistArray`);
  const { comm } = first;
  const shapes = operands.flatMap((x, i) => {
    const p = parts[i];
    return p ? [p.dist.shape] : x instanceof NDArray ? [x.shape] : [];
  });
  const shape = resultShape(name, shapes);
  // the result takes the layout of the first DistArray of the full shape
  const full = parts.find((p) => p !== null && sameShape(p.dist.shape, shape));
  const dist = full ? full.dist : layoutOf(comm, shape);
  const locals = operands.map((x, i): Operand | null => {
    const p = parts[i];
    if (x === null && name === "clip" && i > 0) return null;
    if (p) {
      if (p.dist === dist || p.dist.equals(dist)) return p.local;
      if (sameShape(p.dist.shape, shape)) return p.localIn(dist);
      return broadcastLocal(comm, p.dist, p.local, dist);
    }
    if (x instanceof NDArray) return localOperand(x, dist, comm.rank, name);
    if (typeof x === "number" || typeof x === "bigint" || typeof x === "boolean") return x;
    throw new TypeError(
      `Invalid operand ${i} of "${name}": ${String(x)} is not a DistArray, NDArray or scalar`,
    );
  });
  return { comm, dist, local: entry.fn(...locals as Operand[]) };
}
