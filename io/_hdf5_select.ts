// The dataspaces of one hyperslab transfer of a dataset (H5Dread / H5Dwrite
// of io/hdf5_dataset.ts): the file space with the region selected and a
// memory space of the region's shape, closed after the transfer.

import { check, H5S_ALL, hdf5, type Hid, hsize } from "../ffi/hdf5.ts";
import type { Region } from "./region.ts";
import { withIds } from "./_hdf5_handles.ts";

/**
 * Calls `body(memorySpace, fileSpace)` for region `r` of dataset `id` (of
 * `ndim` dimensions; a scalar dataset gets H5S_ALL twice), closing both
 * spaces after it.
 *
 * @param id The open dataset.
 * @param ndim Its rank.
 * @param r The region (resolved).
 * @param ctx The file and object, for errors.
 * @param body The transfer.
 * @returns What `body` returns.
 *
 * @example
 * ```ts
 * import { withSpaces } from "./_hdf5_select.ts";
 * import { H5S_ALL } from "../ffi/hdf5.ts";
 * // a scalar dataset transfers all of itself
 * const all = withSpaces(0n, 0, { start: [], step: [], count: [] }, { file: "a.h5", object: "/x" },
 *   (ms, fs) => ms === H5S_ALL && fs === H5S_ALL);
 * if (!all) throw new Error("bad");
 * ```
 */
export function withSpaces<T>(
  id: Hid,
  ndim: number,
  r: Region,
  ctx: { file: string; object: string },
  body: (mem: Hid, fspace: Hid) => T,
): T {
  const fn = hdf5().fn;
  if (ndim === 0) return body(H5S_ALL, H5S_ALL);
  return withIds((keep) => {
    const fs = keep(check(fn.H5Dget_space(id), "H5Dget_space", ctx), fn.H5Sclose);
    check(
      fn.H5Sselect_hyperslab(fs, 0, hsize(r.start), hsize(r.step), hsize(r.count), null),
      "H5Sselect_hyperslab",
      ctx,
    );
    const ms = keep(
      check(fn.H5Screate_simple(r.count.length, hsize(r.count), null), "H5Screate_simple", ctx),
      fn.H5Sclose,
    );
    return body(ms, fs);
  });
}
