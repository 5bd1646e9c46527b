/**
 * The in-memory core: the dtype table, `NDArray` views, ufuncs with NumPy's
 * broadcasting and type promotion, reductions as mergeable states, and the
 * counter-based random generator. `core/` imports nothing else of Tessera.
 *
 * @example
 * ```ts
 * import { arange, mean, sqrt } from "./mod.ts";
 * const a = arange(12, undefined, undefined, "float64").reshape([3, 4]);
 * const m = mean(sqrt(a), { axis: 0 });
 * if (m.shape[0] !== 4) throw new Error("bad shape");
 * ```
 *
 * @module
 */

export * from "./dtype.ts";
export * from "./errors.ts";
export * from "./ndarray.ts";
export {
  type AxisIndex,
  type AxisPiece,
  type BlockGrid,
  type BlockPiece,
  describeRegion,
  type IndexArray,
  indexSelection,
  projectRegion,
  type Region,
  type RegionInit,
  type RegionLike,
  type Selection,
  type SelectOptions,
  toRegion,
} from "./indexer.ts";
export * from "./ufunc.ts";
export * from "./reduce.ts";
export * from "./random.ts";
export * from "./random_parallel.ts";
export * from "./sort.ts";
export * from "./selection.ts";
export {
  ARRAY_OPS,
  type ElementwiseMethods,
  type OpKind,
  type OpName,
  type OpNamesOf,
  type OpSpec,
  type ReduceOptionName,
  type ReductionMethodOptions,
  type ReductionMethods,
  type ScanMethods,
  type ScanOptions,
} from "./ops.ts";
