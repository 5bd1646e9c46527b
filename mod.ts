/**
 * Tessera: N-dimensional arrays that already live in files (.npy, Zarr,
 * HDF5), often larger than memory, for Deno, in one process or split across
 * MPI ranks.
 *
 * - `core/`: the dtype table, `NDArray` views, ufuncs and reductions
 *   (mergeable states), the counter-based random generator.
 * - `io/`: .npy, Zarr, HDF5 and Arrow sources and sinks with region IO;
 *   locators.
 * - `viz/`: heatmap and distribution-map PNGs.
 * - `dist/`: the communicator (`init()`: MPI under a launcher, one process
 *   otherwise), distributions, `DistArray`, the Distributed Array Protocol.
 * - `stream/`: `open()` and `LazyArray`, the out-of-core engine under a
 *   memory budget.
 *
 * The lazy `where`/`ufunc` of `stream/` are exported as `lazyWhere` and
 * `lazyUfunc` (the names `where` and `ufunc` belong to `core/`). Native
 * libraries (libmpi, libhdf5) and the npm libraries of the formats (zarrita,
 * apache-arrow) load on first use, never at import: a script that only
 * touches .npy files downloads no npm package.
 *
 * @example
 * ```ts
 * import { lazy, fromArray } from "./mod.ts";
 * const t = lazy(fromArray([[1, 2], [3, 6]], "float64"));
 * const anomaly = await t.sub(t.mean({ axis: 0 })).compute();
 * if (anomaly.get(1, 1) !== 2) throw new Error("bad anomaly");
 * ```
 *
 * @module
 */

export * from "./core/mod.ts";
export * from "./io/mod.ts";
export * from "./viz/mod.ts";
export * from "./dist/mod.ts";
export {
  fromSource,
  lazy,
  LazyArray,
  LazyArrayProxy,
  type LazyOperand,
  type LazyProxyOperand,
  memoryBudget,
  open,
  type OpenOptions,
  openRemote,
  parseBytes,
  type PassInfo,
  type PlanInfo,
  type Progress,
  type QuantileRunOptions,
  random,
  type RandomDistribution,
  type RandomSourceOptions,
  type RemoteRunOptions,
  type RemoteRunResult,
  type RunOptions,
  type TargetOptions,
  ufunc as lazyUfunc,
  where as lazyWhere,
  type WriteOptions,
} from "./stream/mod.ts";
