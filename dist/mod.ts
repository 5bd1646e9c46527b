/**
 * Distributed computing: communicators ({@link init} gives MPI under a
 * launcher, one process otherwise), {@link Distribution} maps of global arrays
 * over ranks (DAP v0.10 `b`/`c`/`u`/`n`, process grids, halos),
 * redistribution plans, the Distributed Array Protocol,
 * {@link DistArray}, the distributed N-dimensional array, the client/engine
 * {@link Context} with its {@link DistArrayProxy} arrays, and their notebook
 * displays (`display.ts`: loading this module installs the Jupyter hooks).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DistArray, init } from "./mod.ts";
 * await using comm = await init();
 * const a = DistArray.randn(comm, [1000, 8], { seed: 42, dist: "bn" });
 * const s = a.std({ axis: 0 }); // a DistArray of shape [8]: the same bits on any rank count
 * assert.deepEqual(s.shape, [8]);
 * ```
 *
 * @module
 */

export * from "./comm.ts";
export * from "./distribution.ts";
export * from "./dap.ts";
export * from "./dist_array.ts";
export * from "./layout.ts";
export * from "./hdf5.ts";
export * from "./context.ts";
export * from "./engine_error.ts";
export * from "./dist_array_proxy.ts";
export * from "./display.ts";
export * from "./engine_plugin.ts";
