/**
 * Sources and sinks on disk: .npy files (positioned region IO), HDF5 through
 * the real libhdf5, Zarr through zarrita, Arrow through apache-arrow (each
 * library loaded on first use, never at import), locators
 * (`file.h5:/group/x`), codec strings (`blosc:zstd:5`) and the region
 * interfaces every format implements.
 *
 * @example
 * ```ts
 * import { NpyFile, writeNpy } from "./mod.ts";
 * import { arange } from "../core/mod.ts";
 * const dir = await Deno.makeTempDir();
 * await writeNpy(`${dir}/a.npy`, arange(20, undefined, undefined, "int32").reshape([4, 5]));
 * await using f = await NpyFile.open(`${dir}/a.npy`);
 * const block = await f.read("1:3, ::2");
 * if (block.get(1, 2) !== 14) throw new Error("bad read");
 * await Deno.remove(dir, { recursive: true });
 * ```
 *
 * @module
 */

export * from "./region.ts";
export {
  type Format,
  formatLocator,
  type Locator,
  parseLocator,
  type ParseLocatorOptions,
} from "./locator.ts";
export {
  type BloscCname,
  type BloscShuffle,
  type CodecName,
  type CodecSpec,
  formatCodec,
  parseCodec,
} from "./codec.ts";
export * from "./npy.ts";
export * from "./hdf5.ts";
export {
  type Hdf5Comm,
  type Hdf5Layout,
  INCOMPLETE_ATTRIBUTE,
  readDistributed,
  writeDistributed,
  type WriteDistributedOptions,
} from "./hdf5_parallel.ts";
export * from "./zarr.ts";
export * from "./arrow.ts";
export { loadTxt, type LoadTxtOptions, saveTxt, type SaveTxtOptions } from "./text.ts";
export { decodeCfTimes } from "./cf_time.ts";
