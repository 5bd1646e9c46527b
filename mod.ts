/**
 * Tessera: N-dimensional arrays that already live in files (.npy, Zarr,
 * HDF5), often larger than memory, for Deno, in one process or split across
 * MPI ranks.
 *
 * - `core/`: the dtype table, `NDArray` views, ufuncs and reductions
 *   (mergeable states), the counter-based random generator.
 * - `io/`: .npy, Zarr and HDF5 sources and sinks with region IO; locators.
 *
 * Native libraries (libmpi, libhdf5) load on first use, never at import.
 *
 * @example
 * ```ts
 * import { arange, std } from "./mod.ts";
 * const a = arange(10, undefined, undefined, "float64");
 * if (Math.abs((std(a).get() as number) - Math.sqrt(8.25)) > 1e-12) throw new Error("bad std");
 * ```
 *
 * @module
 */

export * from "./core/mod.ts";
export * from "./io/mod.ts";
