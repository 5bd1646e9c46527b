// HDF5 filters that live in plugins (Debian's hdf5-filter-plugin: LZ4 and
// BZip2, in /usr/lib/<arch>/hdf5/serial/plugins, or HDF5_PLUGIN_PATH):
// libhdf5 loads them itself to read; writing one asks whether it loads first.

import { check, type Hdf5Context, type Hdf5Library, type Hid } from "../ffi/hdf5.ts";

/** The registered id of the LZ4 filter (as h5py and hdf5plugin write it). */
export const H5Z_FILTER_LZ4 = 32004;
/** The registered id of the BZip2 filter. */
export const H5Z_FILTER_BZIP2 = 307;

/**
 * Adds a plugin filter to a dataset creation property list, or throws a
 * TypeError naming the plugin package when libhdf5 cannot load it.
 */
export function setPluginFilter(
  fn: Hdf5Library["fn"],
  dcpl: Hid,
  id: number,
  name: string,
  ctx: Hdf5Context,
  values: readonly number[],
): void {
  if (fn.H5Zfilter_avail(id) <= 0) {
    throw new TypeError(
      `HDF5 ${name} output needs libhdf5's ${name} filter plugin (filter ${id}), which did not ` +
        "load: install Debian's hdf5-filter-plugin or set HDF5_PLUGIN_PATH",
    );
  }
  // mandatory (flags 0); the client values (LZ4: the block size, 0 for its default; BZip2: the
  // block size in 100 kB, 1-9)
  const cd = new Uint32Array(values);
  check(fn.H5Pset_filter(dcpl, id, 0, BigInt(cd.length), cd), "H5Pset_filter", ctx);
}
