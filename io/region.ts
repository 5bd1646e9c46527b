/**
 * The source/sink interfaces every format implements (DESIGN.md, contract
 * 2), and the region (hyperslab) type they take, from `core/indexer.ts`.
 *
 * @module
 */

import type { Complex, DType, Scalar } from "../core/dtype.ts";
import type { NDArray } from "../core/ndarray.ts";
import type { Region, RegionLike } from "../core/indexer.ts";

// The region type, its parser and its description live in the one indexer
// (`core/indexer.ts`); they are re-exported here, beside the interfaces that
// take them, so that `toRegion` keeps its home for IO code.
export {
  describeRegion,
  type Region,
  type RegionInit,
  type RegionLike,
  toRegion,
} from "../core/indexer.ts";

/** The decode threads of a reader ({@link ArraySource.decodeWorkers}). */
export interface DecodeWorkers {
  /** Bytes they hold while the reader is open (heaps, chunk buffers). */
  readonly bytes: number;
  /** Whether reads use them. */
  readonly enabled: boolean;
  /** Makes reads decode in the calling thread from now on. */
  disable(): void;
  /**
   * Optional: makes reads decode in the calling thread until the returned
   * call (a pass whose compute workers read and decode their own blocks:
   * decode workers beside them would only compete for the cores).
   */
  pause?(): () => void;
}

/**
 * How a compute worker opens a source itself ({@link ArraySource.workerSpec}):
 * `module` (a URL) exports `openWorkerSource(args)`, which resolves to a
 * {@link WorkerSourceReader}; `args` is structured-cloneable.
 */
export interface WorkerSourceSpec {
  /** The URL of the module that exports `openWorkerSource(args)`. */
  readonly module: string;
  /** What `openWorkerSource` is called with (structured-cloneable). */
  readonly args: unknown;
}

/** A source opened inside a compute worker from its {@link WorkerSourceSpec}. */
export interface WorkerSourceReader {
  /**
   * Reads `region` into `out`, a C-contiguous array of the source's dtype and
   * the region's shape (a worker's WebAssembly arena), with the same values
   * and the same typed errors as the source's own `read`.
   */
  readInto(region: Region, out: NDArray): Promise<void> | void;
  /**
   * Optional: maps `region` read-only into the worker's WebAssembly memory in
   * place of reading it (a .npy file, NpyFile.mapBlock), or answers null
   * (read then). Nothing may write into the block; `unmap()` once it is used.
   */
  mapBlock?(
    region: Region,
    place: MapPlace,
  ): MappedBlock | null;
  /** Closes what it opened. Idempotent. */
  close(): void;
}

/**
 * Where a caller lets a block be mapped (ArraySource.mapBlock): `bytes` of its
 * own memory in a WebAssembly memory, starting `shift` bytes past a
 * 4096-aligned address, with the whole pages around them its own; null when
 * it has none.
 */
export type MapPlace = (
  bytes: number,
  shift: number,
) => { memory: WebAssembly.Memory; view: Uint8Array } | null;

/** A block mapped by ArraySource.mapBlock: its array, and the call that puts ordinary memory back. */
export interface MappedBlock {
  /** The block's values, over the mapped pages (read-only: nothing may write into it). */
  readonly array: NDArray;
  /** Puts ordinary read-write memory back over the range (once the block is used). Idempotent. */
  unmap(): void;
}

/**
 * A readable array on disk or elsewhere (contract 2): `read(region)` never
 * reads more of the file than the region's chunks.
 */
export interface ArraySource {
  /** Where the data comes from (a path or locator), for messages. */
  readonly locator: string;
  /** Global shape. */
  readonly shape: readonly number[];
  /** Element type of what `read` returns. */
  readonly dtype: DType;
  /** The natural block grid (storage chunks, or a sensible block for contiguous data). */
  readonly chunks: readonly number[];
  /** Reads a region into a new C-contiguous NDArray of shape `region.count`. */
  read(region?: RegionLike): Promise<NDArray>;
  /**
   * Optional: reads a region into a caller's contiguous array of the
   * source's dtype and the region's shape (a buffer reused from block to
   * block, possibly shared WebAssembly memory), returning it. The array is in
   * C order, or in Fortran order when the source says `fortranOrder: true`.
   */
  readInto?(region: RegionLike, out: NDArray): Promise<NDArray> | NDArray;
  /**
   * Optional: `readInto` that may work off this thread (an HDF5 dataset
   * decoding compressed chunks on its decode workers); readers of blocks
   * take it over `readInto` when present.
   */
  readIntoAsync?(region: RegionLike, out: NDArray): Promise<NDArray>;
  /**
   * Optional: how a compute worker opens this source itself, to read the
   * blocks it computes straight into its own memory (stream/_parallel.ts);
   * null when it cannot (a file opened for writing, say).
   */
  workerSpec?(): WorkerSourceSpec | null;
  /**
   * Optional: maps `region` read-only into WebAssembly memory in place of
   * reading it (a .npy file, NpyFile.mapBlock), or answers null (read then).
   * `place(bytes, shift)` gives room starting `shift` bytes past a page
   * boundary, the pages around it the caller's own. Nothing may write into
   * the block; `unmap()` once it is used.
   */
  mapBlock?(
    region: Region,
    place: MapPlace,
  ): MappedBlock | null;
  /** True when `readInto` fills Fortran-ordered arrays (a Fortran-ordered .npy). */
  readonly fortranOrder?: boolean;
  /**
   * Bytes the reader holds while open beyond the arrays it fills, for the
   * planner: libhdf5's chunk cache, a Zarr array's decode buffers and decode
   * workers.
   */
  readonly cacheBytes?: number;
  /**
   * Optional: decode threads the reader starts for reads of several chunks,
   * with what they hold; the planner turns them off (decoding in the calling
   * thread) when they would take more than half the memory budget.
   */
  readonly decodeWorkers?: DecodeWorkers;
  /**
   * Optional metadata (DESIGN.md, contract 10), as stored: the array's
   * attributes as plain JSON values (numbers, strings, arrays of them;
   * HDF5/netCDF attributes, Zarr `.zattrs` / v3 `attributes`), raw and never
   * CF-decoded. Formats without attributes leave it out.
   */
  readonly attributes?: Readonly<Record<string, unknown>>;
  /**
   * Optional: one dimension name per axis, when the format has them (netCDF
   * dimensions, HDF5 dimension scales, Zarr `_ARRAY_DIMENSIONS` or v3
   * `dimension_names`); null for an unnamed axis.
   */
  readonly dimensions?: readonly (string | null)[];
  /** Optional: the stored fill value (HDF5 fill value, Zarr `fill_value`), raw. */
  readonly fillValue?: Scalar | Complex | null;
}

/** A writable array (contract 2). Regions written by different ranks must not overlap. */
export interface ArraySink {
  /** Where the data goes, for messages. */
  readonly locator: string;
  /** Global shape. */
  readonly shape: readonly number[];
  /** Element type stored. */
  readonly dtype: DType;
  /** The natural block grid; writes aligned to it never share a storage unit. */
  readonly chunks: readonly number[];
  /** Writes `array` (shape `region.count`, any dtype: converted) at the region. */
  write(region: RegionLike, array: NDArray): Promise<void>;
}
