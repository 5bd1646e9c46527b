/**
 * The options of {@link LazyArray} runs and writes and of {@link random}:
 * their public home, shared by the planner, the executor, the output targets
 * and the sources.
 *
 * @module
 */

import type { DType } from "../core/dtype.ts";
import type { Comm } from "../dist/comm.ts";
import type { QuantileOptions } from "../core/sort.ts";

/** What a progress callback receives after each block. */
export interface Progress {
  /** The current pass, from 1. */
  readonly pass: number;
  /** Number of passes. */
  readonly passes: number;
  /** Blocks of this pass finished by this rank. */
  readonly chunksDone: number;
  /** Blocks of this pass assigned to this rank. */
  readonly chunks: number;
  /** Source bytes of this pass read by this rank so far. */
  readonly bytesDone: number;
  /** Source bytes of this pass this rank will read. */
  readonly bytes: number;
}

/** Options of every run (`compute`, `to`). */
export interface RunOptions {
  /** Memory budget: bytes or a size such as `"512MiB"` (default `TESSERA_MEMORY`, else RAM / 4). */
  readonly memory?: number | string;
  /** Communicator (default: the world from `init()`). */
  readonly comm?: Comm;
  /** Called after each block with this rank's progress. */
  readonly onProgress?: (p: Progress) => void;
  /** Blocks read ahead of the one being computed (default 1). */
  readonly prefetch?: number;
  /**
   * Threads computing blocks: this one and `threads - 1` compute workers
   * (default: `TESSERA_THREADS`, else the cores divided by the MPI ranks on
   * the node). Fewer run where the memory budget cannot hold their blocks;
   * results have the same bits for any thread count.
   */
  readonly threads?: number;
}

/** Options of the output of `to()`. */
export interface TargetOptions {
  /**
   * Storage chunks of the output (HDF5, Zarr). HDF5 output of a chunked
   * HDF5/netCDF-4 source of the same shape takes the source's by default.
   */
  readonly chunks?: readonly number[];
  /**
   * Compression (io/codec.ts): `"none"`, `"gzip[:level]"` (HDF5, Zarr),
   * `"shuffle+gzip[:level]"` (HDF5; by default the source's own deflate and
   * shuffle when an HDF5/netCDF-4 source is compressed), and for Zarr
   * `"zlib[:level]"`, `"zstd[:level]"`, `"lz4"`, `"blosc[:cname[:clevel[:shuffle]]]"`.
   */
  readonly codec?: string;
  /** Element type written (default: the array's). */
  readonly dtype?: DType;
  /**
   * Pack CF-decoded values back to their source's encoding (default false):
   * the stored integer type, `scale_factor`, `add_offset` and `_FillValue`
   * (NaN becomes the fill value; integers round half to even, as xarray's
   * encoding). A value outside the stored type's range is a RangeError.
   * Arrays with no CF-decoded source (or reductions) are written as they are.
   */
  readonly pack?: boolean;
  /**
   * Replace what exists (default false: refuse with `Deno.errors.AlreadyExists`): the
   * object of an HDF5 file or Zarr store (its siblings are kept either way), or a whole
   * .npy or Arrow file. Adding an object to an existing file or store needs no flag.
   */
  readonly overwrite?: boolean;
  /**
   * Sync a new output to disk before its rename publishes it (default
   * `TESSERA_SYNC=1`, else false: a new output survives any fault of the
   * process, as NumPy's and zarr-python's, but not a power loss). Replacing an
   * output, or writing an object into an existing file or store, always syncs
   * the new data once before the rename, so what existed is never lost.
   */
  readonly sync?: boolean;
}

/** Options of a write. */
export type WriteOptions = RunOptions & TargetOptions;

/** The distributions of a random source ({@link random}). */
export type RandomDistribution = "uniform" | "normal" | "randint";

/** Options of a random source ({@link random}). */
export interface RandomSourceOptions {
  /** Seed (non-negative integer below 2^64). Default 0. */
  readonly seed?: number | bigint;
  /** `"uniform"` (default), `"normal"` or `"randint"`. */
  readonly distribution?: RandomDistribution;
  /** Element type (default float64; randint: int64). */
  readonly dtype?: DType;
  /** Block grid (default about 32 MiB per block). */
  readonly chunks?: readonly number[];
  /** Lower bound of uniform / randint (default 0). */
  readonly low?: number;
  /** Upper bound of uniform (default 1) / randint (required). */
  readonly high?: number;
  /** Mean of normal (default 0). */
  readonly mean?: number;
  /** Standard deviation of normal (default 1). */
  readonly std?: number;
  /** Independent stream number (default 0). */
  readonly stream?: number;
}

/**
 * Options of `LazyArray.median`, `quantile` and `percentile`: the reduction's
 * (`axis`: null or every axis; `keepdims`; `skipna`) and the run's.
 */
export interface QuantileRunOptions extends QuantileOptions, RunOptions {}
