// The blocks behind DistArray's creation functions: each returns this rank's
// distribution and local block, which DistArray wraps (its constructor is
// private).

import { type AnyTypedArray, type DType, DTYPES, type Scalar } from "../core/dtype.ts";
import { ShapeMismatchError } from "../core/errors.ts";
import { copyInto, empty, full, NDArray } from "../core/ndarray.ts";
import type { Region } from "../core/indexer.ts";
import * as random from "../core/random.ts";
import type { Comm } from "./comm.ts";
import { Distribution, redistributionPlan } from "./distribution.ts";
import { type DimData, type DistBuffer, importDap } from "./dap.ts";
import { type Block, moveBlock, prod, sameShape, shapeText } from "./_dist_blocks.ts";
import type { LayoutOptions } from "./layout.ts";
import { checkOptionKeys } from "../core/options.ts";

// the caller named as a function call in messages: `rand()`
export const checkKeys = (caller: string, options: unknown, allowed: readonly string[]): void =>
  checkOptionKeys(`${caller}()`, options, allowed);

const LAYOUT_KEYS = ["dist", "grid"] as const;

/** The distribution of a layout: a Distribution over `comm`, or a shape laid out by `options`. */
export function layoutOf(
  comm: Comm,
  layout: Distribution | readonly number[],
  options: LayoutOptions = {},
): Distribution {
  if (layout instanceof Distribution) {
    if (layout.commSize !== comm.size) {
      throw new RangeError(
        `Invalid distribution for ${comm.size} ranks: it is over ${layout.commSize} ranks`,
      );
    }
    return layout;
  }
  if (!Array.isArray(layout)) {
    throw new TypeError(
      `Invalid layout ${String(layout)}: expected a Distribution or a shape array`,
    );
  }
  return Distribution.create(layout, {
    dist: options.dist,
    grid: options.grid,
    commSize: comm.size,
  });
}

/**
 * This rank's block of a new array: filled with `value` (dtype inferred from
 * it unless given, as core's `full`), or not initialised when `value` is
 * undefined (dtype default float64).
 */
export function filledBlock<D extends DType>(
  comm: Comm,
  layout: Distribution | readonly number[],
  options: LayoutOptions & { dtype?: D; value?: Scalar },
): Block<D> {
  checkKeys("DistArray.empty/zeros/ones/full", options, [...LAYOUT_KEYS, "dtype", "value"]);
  const dist = layoutOf(comm, layout, options);
  const shape = dist.localShape(comm.rank);
  const local = options.value === undefined
    ? empty(shape, (options.dtype ?? "float64") as D)
    : full(shape, options.value, options.dtype) as NDArray<D>;
  return { dist, local };
}

/** Checks a block given by the caller against its distribution (`DistArray.fromLocal`). */
export function localBlock<D extends DType>(
  comm: Comm,
  local: NDArray<D>,
  options: { distribution: Distribution },
): Block<D> {
  checkKeys("DistArray.fromLocal", options, ["distribution"]);
  const dist = options?.distribution;
  if (!(dist instanceof Distribution)) {
    throw new TypeError(`Invalid distribution ${String(dist)}: expected a Distribution`);
  }
  layoutOf(comm, dist);
  if (!(local instanceof NDArray)) {
    throw new TypeError(`Invalid local block ${String(local)}: expected an NDArray`);
  }
  const want = dist.localShape(comm.rank);
  if (!sameShape(local.shape, want)) {
    throw new ShapeMismatchError(
      `Invalid local block of shape ${
        shapeText(local.shape)
      } on rank ${comm.rank}: ${dist} gives it ${shapeText(want)}`,
    );
  }
  return { dist, local };
}

/** The block whose element at each global index is `fn(globalIndex)`. */
export function functionBlock<D extends DType>(
  comm: Comm,
  layout: Distribution | readonly number[],
  options: LayoutOptions & { dtype?: D; fn: (globalIndex: number[]) => Scalar },
): Block<D> {
  checkKeys("DistArray.fromFunction", options, [...LAYOUT_KEYS, "dtype", "fn"]);
  const dist = layoutOf(comm, layout, options);
  const dtype = (options.dtype ?? "float64") as D;
  const fn = options?.fn;
  if (typeof fn !== "function") {
    throw new TypeError(`Invalid fn ${String(fn)}: expected a function of the global index`);
  }
  const local = empty(dist.localShape(comm.rank), dtype);
  const nd = dist.ndim;
  const lists = dist.shape.map((_, a) => dist.globalIndices(a, comm.rank));
  const n = local.size;
  const idx = new Array<number>(nd).fill(0);
  for (let k = 0; k < n; k++) {
    const g = idx.map((i, a) => lists[a][i]);
    local.set(idx, fn(g));
    for (let a = nd - 1; a >= 0; a--) {
      if (++idx[a] < lists[a].length) break;
      idx[a] = 0;
    }
  }
  return { dist, local };
}

/** The whole array on one rank. */
export function rootDistribution(
  shape: readonly number[],
  commSize: number,
  root: number,
): Distribution {
  return Distribution.create(shape, { dist: "n".repeat(shape.length), commSize, ranks: [root] });
}

/** This rank's block of an array held on the root, scattered with one alltoallv. */
export function scatterBlock(
  comm: Comm,
  array: NDArray | null,
  options: LayoutOptions & { distribution?: Distribution; root?: number },
): Block {
  checkKeys("DistArray.fromNDArray", options, [...LAYOUT_KEYS, "distribution", "root"]);
  const root = options.root ?? 0;
  if (!Number.isInteger(root) || root < 0 || root >= comm.size) {
    throw new RangeError(`Invalid root ${root}: outside [0, ${comm.size})`);
  }
  if (comm.rank === root && !(array instanceof NDArray)) {
    throw new TypeError(`Invalid array ${String(array)} on the root: expected an NDArray`);
  }
  const meta = comm.bcastJson(
    comm.rank === root ? { shape: array!.shape, dtype: array!.dtype } : null,
    root,
  )!;
  const shape = meta.shape as number[];
  const dtype = meta.dtype as DType;
  const dist = layoutOf(comm, options.distribution ?? shape, options);
  if (!sameShape(dist.shape, shape)) {
    throw new ShapeMismatchError(
      `Cannot scatter an array of shape ${shapeText(shape)} with ${dist}`,
    );
  }
  const from = rootDistribution(shape, comm.size, root);
  const src = comm.rank === root ? array! : empty(from.localShape(comm.rank), dtype);
  const plan = redistributionPlan(from, dist, { rank: comm.rank });
  return { dist, local: moveBlock(comm, plan, src) };
}

/** The block of a Distributed Array Protocol view (collective: one allgather of the dim data). */
export function dapBlock(
  comm: Comm,
  dap: DistBuffer<NDArray | AnyTypedArray>,
  options: { dtype?: DType },
): Block {
  checkKeys("DistArray.fromDap", options, ["dtype"]);
  if (!dap || !Array.isArray(dap.dim_data)) {
    throw new TypeError(`Invalid DAP view ${String(dap)}: expected { buffer, dim_data }`);
  }
  const mine = dap.dim_data.map((d) => d.indices ? { ...d, indices: Array.from(d.indices) } : d);
  const all = comm.allgatherJson(mine) as DimData[][];
  const dist = importDap(all, { commSize: comm.size });
  const shape = dist.localShape(comm.rank);
  let local: NDArray;
  const b = dap.buffer;
  if (b instanceof NDArray) local = b;
  else {
    const dtype = options.dtype ??
      (Object.keys(DTYPES) as DType[]).find((k) =>
        k !== "bool" && (b as object)?.constructor === DTYPES[k].array
      );
    if (!dtype) {
      throw new TypeError(
        `Invalid DAP buffer ${String(b)}: expected an NDArray or a typed array`,
      );
    }
    if (b.length !== prod(shape)) {
      throw new ShapeMismatchError(
        `Invalid DAP buffer of ${b.length} elements on rank ${comm.rank}: the local shape is ${
          shapeText(shape)
        }`,
      );
    }
    local = new NDArray(dtype, b as never, shape);
  }
  return localBlock(comm, local, { distribution: dist });
}

/** The random generators of core/random.ts a DistArray can be filled from. */
export type RandomKind = "rand" | "randn" | "normal" | "uniform" | "randint";

const RANDOM_KEYS: Record<RandomKind, readonly string[]> = {
  rand: [],
  randn: [],
  normal: ["loc", "scale", "mean", "std"],
  uniform: ["low", "high"],
  randint: ["low", "high", "dtype"],
};

/**
 * This rank's block of a random array: each owned region is generated from
 * its global position, so the values do not depend on the distribution.
 */
export function randomBlock<D extends DType>(
  comm: Comm,
  layout: Distribution | readonly number[],
  kind: RandomKind,
  options: random.NormalOptions & LayoutOptions & {
    low?: number;
    high?: number;
    dtype?: D;
  },
): Block<D> {
  checkKeys(`DistArray.${kind}`, options, [
    ...LAYOUT_KEYS,
    "seed",
    "stream",
    ...RANDOM_KEYS[kind],
  ]);
  if (kind === "normal") {
    // validates the aliases (both given) and the values the same way on every rank
    const { loc, scale, mean, std } = options;
    random.normal([0], { loc, scale, mean, std });
  }
  const dist = layoutOf(comm, layout, options);
  const dtype = (options.dtype ?? (kind === "randint" ? "int64" : "float64")) as D;
  const { seed, stream } = options;
  const gen = (shape: readonly number[], region: Region): NDArray => {
    switch (kind) {
      case "rand":
        return random.rand(shape, { seed, stream, region });
      case "randn":
        return random.randn(shape, { seed, stream, region });
      case "normal":
        return random.normal(shape, {
          seed,
          stream,
          loc: options.loc ?? options.mean,
          scale: options.scale ?? options.std,
          region,
        });
      case "uniform":
        return random.uniform(shape, {
          seed,
          stream,
          low: options.low,
          high: options.high,
          region,
        });
      case "randint":
        return random.randint(shape, {
          seed,
          stream,
          low: options.low,
          high: options.high!,
          dtype,
          region,
        });
    }
  };
  const local = empty(dist.localShape(comm.rank), dtype);
  for (const { region, localStart } of dist.regions(comm.rank)) {
    const part = local.slice(
      ...localStart.map((s, a) => ({ start: s, stop: s + region.count[a] })),
    );
    copyInto(part, gen(dist.shape, region));
  }
  return { dist, local };
}
