/**
 * The options of `createZarr` and `createZarrGroup` (io/zarr.ts, which
 * re-exports them).
 *
 * @module
 */

import type { Complex, DType, Scalar } from "../core/dtype.ts";

/** Options of `createZarr` (io/zarr.ts). */
export interface ZarrCreateOptions {
  /** Axis lengths. */
  readonly shape: readonly number[];
  /** Element type: a dtype name, or a NumPy descr (`>f8` stores big-endian). */
  readonly dtype: DType | string;
  /** Chunk shape (default: the shape, halved along the longest axis until a chunk is at most 4 MiB). */
  readonly chunks?: readonly number[];
  /**
   * Compression: `none`, `gzip[:level]`, `zlib[:level]`, `zstd[:level]`, `lz4` or
   * `blosc[:cname[:clevel]]` (default `gzip:1`).
   */
  readonly codec?: string;
  /** Zarr format (default: the store's, or 2 for a new store - what zarr-python 2 reads). */
  readonly zarrFormat?: 2 | 3;
  /** Value of chunks never written (default 0, or false for bool; null: none, v2 only). */
  readonly fillValue?: Scalar | Complex | null;
  /** Attributes of the array (JSON). */
  readonly attributes?: Readonly<Record<string, unknown>>;
  /**
   * One name per axis (null: unnamed), as xarray writes them: the
   * `_ARRAY_DIMENSIONS` attribute in v2, `dimension_names` in v3.
   */
  readonly dimensions?: readonly (string | null)[];
  /** Replace an array or group already at the path (default false: refuse). */
  readonly overwrite?: boolean;
}

/** Options of `createZarrGroup` (io/zarr.ts). */
export interface ZarrGroupOptions {
  /** Zarr format (default: the store's, or 2 for a new store). */
  readonly zarrFormat?: 2 | 3;
  /** Attributes of the group (JSON). */
  readonly attributes?: Readonly<Record<string, unknown>>;
}
