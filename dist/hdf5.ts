/**
 * DistArray <-> HDF5 in parallel: every rank reads or writes only its own
 * part, straight from or into the file, with one collective MPI-IO transfer
 * (a union of hyperslabs or a point selection per rank). Without an MPI
 * launcher the same calls run serially.
 *
 * @module
 */

import type { DType } from "../core/dtype.ts";
import {
  readDistributed,
  writeDistributed,
  type WriteDistributedOptions,
} from "../io/hdf5_parallel.ts";
import type { Comm } from "./comm.ts";
import { DistArray } from "./dist_array.ts";
import type { Distribution } from "./distribution.ts";

/**
 * Loads a dataset as a DistArray laid out by `distribution`: each rank reads
 * its own block (halos included) with one collective read. Collective.
 *
 * @param comm The communicator (from `init()`).
 * @param locator `file.h5:/group/dataset`.
 * @param distribution The layout; its shape must be the dataset's.
 * @returns The distributed array.
 * @throws {FormatError} For a file or dataset that cannot be read, or one marked incomplete.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { init } from "./comm.ts";
 * import { Distribution } from "./distribution.ts";
 * import { DistArray } from "./dist_array.ts";
 * import { loadHdf5, saveHdf5 } from "./hdf5.ts";
 * await using comm = await init();
 * const dir = await Deno.makeTempDir();
 * const a = DistArray.fromFunction(comm, [4, 5], { fn: ([i, j]) => 10 * i + j, dtype: "int32" });
 * await saveHdf5(a, `${dir}/a.h5:/x`);
 * const cyclic = Distribution.create([4, 5], { dist: "cn", commSize: comm.size });
 * const b = await loadHdf5(comm, `${dir}/a.h5:/x`, cyclic);
 * assert.equal(b.sum().get(), a.sum().get());
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function loadHdf5(
  comm: Comm,
  locator: string,
  distribution: Distribution,
): Promise<DistArray<DType>> {
  const local = await readDistributed(comm, locator, distribution);
  return DistArray.fromLocal(comm, local, { distribution });
}

/**
 * Saves a DistArray as a dataset: each rank writes its own part with one
 * collective write. A new file is written under a temporary name and renamed
 * when every rank has finished; a dataset added to an existing file carries
 * the attribute `tessera_incomplete` until then. Collective.
 *
 * @param array The distributed array.
 * @param locator `file.h5:/group/dataset`.
 * @param options dtype, chunks, gzip compression, overwrite.
 * @returns Resolves when the dataset is complete on disk.
 * @throws {Deno.errors.AlreadyExists} When the dataset exists and `overwrite` is not set.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { init } from "./comm.ts";
 * import { DistArray } from "./dist_array.ts";
 * import { saveHdf5 } from "./hdf5.ts";
 * import { openDataset } from "../io/mod.ts";
 * await using comm = await init();
 * const dir = await Deno.makeTempDir();
 * const a = DistArray.fromFunction(comm, [6, 4], { fn: ([i, j]) => i - j, dtype: "int32" });
 * await saveHdf5(a, `${dir}/a.h5:/g/x`, {
 *   dtype: "float32",
 *   chunks: [3, 4],
 *   compression: { name: "gzip", level: 1 },
 * });
 * await assert.rejects(saveHdf5(a, `${dir}/a.h5:/g/x`), Deno.errors.AlreadyExists);
 * using ds = await openDataset(`${dir}/a.h5:/g/x`);
 * assert.deepEqual(ds.info.shape, [6, 4]);
 * assert.equal(ds.info.dtype, "float32");
 * assert.deepEqual(ds.info.chunks, [3, 4]);
 * assert.equal(ds.info.compression, "gzip");
 * assert.deepEqual((await ds.read("5, :")).toArray(), [[5, 4, 3, 2]]);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export function saveHdf5(
  array: DistArray<DType>,
  locator: string,
  options: WriteDistributedOptions = {},
): Promise<void> {
  return writeDistributed(array.comm, locator, array.distribution, array.local, options);
}
