/**
 * Out-of-core pipelines: {@link LazyArray} graphs over .npy, HDF5, Zarr,
 * in-memory and random sources, planned into passes over a chunk grid that
 * follows the sources' own chunks, checked against a memory budget before
 * anything is read, and run chunk by chunk (in parallel under MPI, with
 * results that have the same bits for any rank count).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { lazy, parseBytes } from "./mod.ts";
 * import { fromArray } from "../core/ndarray.ts";
 * const t = lazy(fromArray([[1, 2], [3, 6]], "float64"), { chunks: [1, 2] });
 * const anomaly = t.sub(t.mean({ axis: 0 }));
 * const r = await anomaly.compute({ memory: parseBytes("64MiB") });
 * assert.deepEqual(r.toArray(), [[-1, -2], [1, 2]]);
 * ```
 *
 * @module
 */

export {
  fromSource,
  lazy,
  LazyArray,
  type LazyOperand,
  open,
  type OpenOptions,
  type PassInfo,
  type PlanInfo,
  type Progress,
  type QuantileRunOptions,
  random,
  type RandomDistribution,
  type RandomSourceOptions,
  type RunOptions,
  type TargetOptions,
  ufunc,
  where,
  type WriteOptions,
} from "./lazy.ts";
export { memoryBudget, parseBytes } from "./budget.ts";
export {
  LazyArrayProxy,
  type LazyProxyOperand,
  openRemote,
  type RemoteRunOptions,
  type RemoteRunResult,
} from "./lazy_proxy.ts";
