/**
 * Distributed HDF5 IO: every rank reads or writes only its own part of a
 * dataset, straight from or into the file, with one collective MPI-IO
 * transfer per rank (parallel libhdf5) under MPI, and the same functions over
 * the serial library in one process.
 *
 * A rank's part is described by a layout such as `Distribution` (dist/): per
 * axis, the global indices of its local block. The rank's elements become one
 * file selection (a union of hyperslabs, one per product of per-axis regular
 * runs; or a point list when an axis is not in increasing order, as with
 * unordered `u` index lists or periodic halos) matched by a selection of the
 * local block in C order, so one `H5Dread`/`H5Dwrite` moves everything.
 *
 * Incomplete output never looks complete: the file is written under a
 * temporary name in the same directory (`.name.h5.tessera-tmp-<pid>-<hex>`,
 * io/output.ts) and renamed by rank 0 once every rank has finished (after a
 * barrier). A dataset written into an existing file is written into a copy
 * of that file (copy-on-write: the file itself is never opened for writing,
 * its other objects are untouched by any failure), at the cost of one copy.
 * Rank 0 holds the output's lock (io/output.ts `OutputLock`) meanwhile.
 * {@link readDistributed} still refuses a dataset carrying the attribute
 * `tessera_incomplete` (written by earlier versions into existing files).
 *
 * @module
 */

import { type DType, toDType } from "../core/dtype.ts";
import { FormatError, ShapeMismatchError } from "../core/errors.ts";
import { empty, NDArray } from "../core/ndarray.ts";
import { check, H5FD_MPIO, H5S_SELECT, hdf5, type Hid, hsize } from "../ffi/hdf5.ts";
import { type H5Dataset, H5File } from "./hdf5.ts";
import { parseLocator } from "./locator.ts";
import type { Region } from "../core/indexer.ts";
import { datasetInternals, fileInternals, unlink } from "./_hdf5_handles.ts";
import { lib, mpiOf, openFile, transferBlock } from "./_hdf5_mpi.ts";
import { OutputLock, PendingOutput, removeStaleTempsSync, tempToken } from "./output.ts";

/**
 * What the distributed functions need of a communicator (`Comm` in dist/
 * satisfies it). A communicator that also has `handle` (the raw `MPI_Comm`)
 * and `library` (`{ path, abi }`), as `MpiComm` does, is used through
 * parallel HDF5 (MPI-IO); any other is taken to be one process.
 */
export interface Hdf5Comm {
  /** This process's rank. */
  readonly rank: number;
  /** Number of ranks. */
  readonly size: number;
  /** Blocks until every rank has entered. */
  barrier(): void;
  /** Broadcasts a JSON value from `root`. */
  bcastJson<T>(value: T, root?: number): T;
  /** Reduces a number over the ranks (`"max"` is used). */
  allreduceNumber(x: number, op?: "max"): number;
}

/**
 * What the distributed functions need of a layout (`Distribution` in dist/
 * satisfies it): the global shape and, per rank and axis, the global indices
 * of the local block in local order. Block axes (`b`) may carry halos; only
 * the owned range (`bounds`) is written.
 */
export interface Hdf5Layout {
  /** Global shape. */
  readonly shape: readonly number[];
  /** Number of ranks the layout is made for. */
  readonly commSize: number;
  /** A rank's local block shape. */
  localShape(rank: number): number[];
  /** The global indices along `axis` of a rank's local block, in local order. */
  globalIndices(axis: number, rank: number): Int32Array;
  /** A rank's grid coordinates, or null when it holds nothing. */
  gridCoords(rank: number): number[] | null;
  /** One axis's description: its type and, for block axes, the owned bounds per grid position. */
  axis(axis: number): { readonly type: string; readonly bounds: readonly number[] | null };
}

/** Options of {@link writeDistributed}. */
export interface WriteDistributedOptions {
  /** Element type stored (default: the local block's). Every rank must pass the same. */
  readonly dtype?: DType;
  /** Chunk shape (default: contiguous storage, or chosen by HDF5's rule with compression). */
  readonly chunks?: readonly number[];
  /**
   * `"gzip"`, optionally with a level (`{ name: "gzip", level: 1 }`). Under
   * MPI this needs parallel libhdf5 1.10.2 or later (collective writes of
   * filtered chunks); older builds are refused. Chunks are deflated with
   * libdeflate when it loads (libhdf5's zlib with `TESSERA_NATIVE_CODECS=0`).
   */
  readonly compression?: "gzip" | { readonly name: "gzip"; readonly level?: number };
  /** Replace a dataset that exists in an existing file (default false: refuse). */
  readonly overwrite?: boolean;
}

/** The attribute marking a dataset whose parallel write has not finished. */
export const INCOMPLETE_ATTRIBUTE = "tessera_incomplete";

/**
 * @internal Test hooks: `afterCreate` runs on every rank once the output
 * dataset exists (and is marked incomplete) and before the data is written;
 * `lastIoMode` is the I/O mode MPI-IO reported for the last transfer
 * (`contiguous-collective`, `chunk-collective`, ...; null without MPI).
 */
export const _testHooks: {
  afterCreate: ((rank: number) => void) | null;
  lastIoMode: string | null;
} = { afterCreate: null, lastIoMode: null };

// above this many hyperslabs a point selection is cheaper to build
const MAX_HYPERSLABS = 4096;

// Makes every rank throw when any rank failed `body` (so no rank goes on into
// a collective call alone); the failing rank throws its own error.
function agree<T>(comm: Hdf5Comm, body: () => T): T {
  let value: T | undefined;
  let error: unknown = null;
  try {
    value = body();
  } catch (e) {
    error = e;
  }
  const failed = comm.size > 1 ? comm.allreduceNumber(error === null ? -1 : comm.rank, "max") : (
    error === null ? -1 : 0
  );
  if (error !== null) throw error;
  if (failed >= 0) throw new Error(`Rank ${failed} failed before the collective HDF5 calls`);
  return value as T;
}

// Runs `body` on rank 0 and shares its value; when it throws, every rank
// throws (an AlreadyExists or Busy as the same kind of error, with its message).
function onRank0<T>(comm: Hdf5Comm, body: () => T): T {
  let shared: { ok: boolean; value?: T; kind?: string; message?: string } = { ok: true };
  let error: unknown = null;
  if (comm.rank === 0) {
    try {
      shared = { ok: true, value: body() };
    } catch (e) {
      error = e;
      shared = { ok: false, kind: (e as Error)?.name, message: String((e as Error)?.message ?? e) };
    }
  }
  if (comm.size > 1) shared = comm.bcastJson(shared, 0);
  if (error !== null) throw error;
  if (shared.ok) return shared.value as T;
  const message = shared.message ?? "";
  if (shared.kind === "AlreadyExists") throw new Deno.errors.AlreadyExists(message);
  if (shared.kind === "Busy") throw new Deno.errors.Busy(message);
  throw new Error(`Rank 0 failed before the collective HDF5 calls: ${message}`);
}

function hdf5Locator(locator: string): { path: string; object: string } {
  if (typeof locator !== "string") {
    throw new TypeError(`Invalid locator ${String(locator)}: expected "file.h5:/dataset"`);
  }
  const loc = parseLocator(locator);
  if (loc.format !== "hdf5") {
    throw new SyntaxError(`Cannot use "${locator}" as HDF5: its format is ${loc.format}`);
  }
  return { path: loc.path, object: loc.object as string };
}

function checkLayout(comm: Hdf5Comm, layout: Hdf5Layout, what: string): void {
  if (
    layout === null || typeof layout !== "object" || typeof layout.globalIndices !== "function"
  ) {
    throw new TypeError(`Cannot ${what}: expected a Distribution`);
  }
  if (layout.commSize !== comm.size) {
    throw new RangeError(
      `Cannot ${what}: the distribution is for ${layout.commSize} ranks, the communicator has ${comm.size}`,
    );
  }
}

// ---------------------------------------------------------------- selections

/** A regular pattern along one axis: `count` blocks of `block` indices, `stride` apart. */
interface Run {
  readonly g: number;
  readonly stride: number;
  readonly count: number;
  readonly block: number;
  /** Local index of the first element; in the local block the blocks abut. */
  readonly k: number;
}

// The regular patterns of an increasing list of global indices (g[i] at local k0 + i).
function runsOf(g: Int32Array, k0: number): Run[] {
  const pieces: [number, number, number][] = []; // [global start, length, local start]
  for (let i = 0; i < g.length;) {
    let j = i + 1;
    while (j < g.length && g[j] === g[j - 1] + 1) j++;
    pieces.push([g[i], j - i, k0 + i]);
    i = j;
  }
  const out: Run[] = [];
  for (let r = 0; r < pieces.length;) {
    const [s, len, k] = pieces[r];
    let c = 1;
    let stride = len;
    if (r + 1 < pieces.length && pieces[r + 1][1] === len) {
      stride = pieces[r + 1][0] - s;
      while (
        r + c < pieces.length && pieces[r + c][1] === len && pieces[r + c][0] === s + c * stride
      ) c++;
    }
    out.push({ g: s, stride: c > 1 ? stride : len, count: c, block: len, k });
    r += c;
  }
  return out;
}

/** Per axis: the selected local range and its global indices. */
interface AxisSel {
  readonly k0: number;
  readonly g: Int32Array;
}

// The elements a rank moves, per axis: everything it holds for a read; for a
// write only what it owns (a block axis's halos belong to the neighbours).
function axisSelections(layout: Hdf5Layout, rank: number, kind: "read" | "write"): AxisSel[] {
  const coords = layout.gridCoords(rank);
  return layout.shape.map((_, i) => {
    const list = coords === null ? new Int32Array(0) : layout.globalIndices(i, rank);
    const info = layout.axis(i);
    if (kind === "write" && coords !== null && info.bounds !== null) {
      const lo = info.bounds[coords[i]];
      const n = info.bounds[coords[i] + 1] - lo;
      const k0 = n === 0 ? 0 : list.indexOf(lo);
      return { k0, g: list.subarray(k0, k0 + n) };
    }
    return { k0: 0, g: list };
  });
}

function increasing(g: Int32Array): boolean {
  for (let i = 1; i < g.length; i++) if (g[i] <= g[i - 1]) return false;
  return true;
}

// Selects on both dataspaces the rank's elements, paired in C order of the
// local block. Returns how: "none", "hyperslabs" or "points".
function select(sel: AxisSel[], fs: Hid, ms: Hid): "none" | "hyperslabs" | "points" {
  const fn = hdf5().fn;
  const ndim = sel.length;
  if (ndim === 0) return "hyperslabs"; // scalar: the default selection is everything
  if (sel.some((s) => s.g.length === 0)) {
    check(fn.H5Sselect_none(fs), "H5Sselect_none");
    check(fn.H5Sselect_none(ms), "H5Sselect_none");
    return "none";
  }
  // memory: the box of selected local indices, walked in C order
  check(
    fn.H5Sselect_hyperslab(
      ms,
      H5S_SELECT.SET,
      hsize(sel.map((s) => s.k0)),
      null,
      hsize(sel.map((s) => s.g.length)),
      null,
    ),
    "H5Sselect_hyperslab",
  );
  const runs = sel.every((s) => increasing(s.g)) ? sel.map((s) => runsOf(s.g, s.k0)) : null;
  const slabs = runs === null ? Infinity : runs.reduce((a, r) => a * r.length, 1);
  if (runs !== null && slabs <= MAX_HYPERSLABS) {
    // per-axis maps that increase keep C order: the union of the products of
    // runs, walked in the file's C order, pairs with the box in memory
    const idx = new Array<number>(ndim).fill(0);
    for (let first = true;; first = false) {
      const r = idx.map((k, i) => runs[i][k]);
      check(
        fn.H5Sselect_hyperslab(
          fs,
          first ? H5S_SELECT.SET : H5S_SELECT.OR,
          hsize(r.map((x) => x.g)),
          hsize(r.map((x) => x.stride)),
          hsize(r.map((x) => x.count)),
          hsize(r.map((x) => x.block)),
        ),
        "H5Sselect_hyperslab",
      );
      let a = ndim - 1;
      while (a >= 0 && ++idx[a] === runs[a].length) idx[a--] = 0;
      if (a < 0) break;
    }
    return "hyperslabs";
  }
  // any order: a point list in the local block's C order (points keep their order)
  const n = sel.reduce((a, s) => a * s.g.length, 1);
  const coords = new BigUint64Array(n * ndim);
  const idx = new Array<number>(ndim).fill(0);
  for (let p = 0; p < n; p++) {
    for (let i = 0; i < ndim; i++) coords[p * ndim + i] = BigInt(sel[i].g[idx[i]]);
    let a = ndim - 1;
    while (a >= 0 && ++idx[a] === sel[a].g.length) idx[a--] = 0;
  }
  check(fn.H5Sselect_elements(fs, H5S_SELECT.SET, BigInt(n), coords), "H5Sselect_elements");
  return "points";
}

function transfer(
  ds: H5Dataset,
  kind: "read" | "write",
  block: NDArray,
  sel: AxisSel[],
  rank: number,
): void {
  _testHooks.lastIoMode = transferBlock(ds, kind, block, (fs, ms) => {
    if (sel.length === 0 && kind === "write" && rank !== 0) {
      const fn = hdf5().fn;
      check(fn.H5Sselect_none(fs), "H5Sselect_none");
      check(fn.H5Sselect_none(ms), "H5Sselect_none");
      return;
    }
    select(sel, fs, ms);
  });
}

// ---------------------------------------------------------------- read

/**
 * Reads this rank's local block of a dataset laid out by `distribution`:
 * every rank reads only its own elements (halos included), straight from the
 * file, with one collective MPI-IO read under MPI. Every rank of `comm` must
 * call it with the same arguments.
 *
 * @param comm The communicator (`SelfComm` or `MpiComm`).
 * @param locator The dataset (`file.h5:/group/x`).
 * @param distribution The layout, for `comm.size` ranks, of the dataset's shape.
 * @returns The local block, of `distribution.localShape(comm.rank)` and the dataset's dtype.
 * @throws {ShapeMismatchError} When the dataset's shape is not the distribution's.
 * @throws {FormatError} When the dataset is missing, of an unsupported type, or marked
 *   incomplete (`tessera_incomplete`: a parallel write did not finish).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { SelfComm } from "../dist/comm.ts";
 * import { Distribution } from "../dist/distribution.ts";
 * import { arange } from "../core/ndarray.ts";
 * import { readDistributed, writeDistributed } from "./hdf5_parallel.ts";
 * const comm = new SelfComm();
 * const dir = await Deno.makeTempDir();
 * const d = Distribution.create([4, 3], { dist: "bn", commSize: 1 });
 * await writeDistributed(comm, `${dir}/a.h5:/x`, d, arange(12, undefined, undefined, "int32").reshape([4, 3]));
 * const cyclic = Distribution.create([4, 3], { dist: "cn", commSize: 1 });
 * const block = await readDistributed(comm, `${dir}/a.h5:/x`, cyclic);
 * assert.deepEqual((block.toArray() as number[][])[3], [9, 10, 11]);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export function readDistributed(
  comm: Hdf5Comm,
  locator: string,
  distribution: Hdf5Layout,
): Promise<NDArray> {
  try {
    return Promise.resolve(readSync(comm, locator, distribution));
  } catch (e) {
    return Promise.reject(e);
  }
}

function readSync(comm: Hdf5Comm, locator: string, layout: Hdf5Layout): NDArray {
  const { path, object } = agree(comm, () => {
    checkLayout(comm, layout, `read "${locator}"`);
    const loc = hdf5Locator(locator);
    lib(mpiOf(comm));
    return loc;
  });
  using file = openFile(comm, path, "r");
  using ds = file.dataset(object);
  const shape = ds.shape;
  if (shape.length !== layout.shape.length || shape.some((d, i) => d !== layout.shape[i])) {
    throw new ShapeMismatchError(
      `Cannot read "${locator}" as distributed: the dataset has shape [${shape}], the distribution [${layout.shape}]`,
    );
  }
  if (ds.attributes[INCOMPLETE_ATTRIBUTE] !== undefined) {
    throw new FormatError(
      locator,
      `the dataset is incomplete ("${INCOMPLETE_ATTRIBUTE}" is set): a parallel write did not finish`,
    );
  }
  const block = empty(layout.localShape(comm.rank), ds.dtype);
  transfer(ds, "read", block, axisSelections(layout, comm.rank, "read"), comm.rank);
  return block;
}

// ---------------------------------------------------------------- write

/**
 * Writes a distributed array: every rank writes only the elements it owns
 * (halos excluded) from its local block, straight into the file, with one
 * collective MPI-IO write under MPI. Every rank of `comm` must call it with
 * the same locator, distribution and options.
 *
 * The file is written under a temporary name in the same directory and
 * renamed once every rank has finished, so a failed run leaves no file under
 * the final name. When the file exists, the temporary is a copy of it, the
 * dataset is created in the copy (replacing one of the same name with
 * `overwrite`; HDF5 does not reclaim the old one's space) and the copy
 * renamed over the file: the file's other objects are never at risk, and a
 * failed run leaves the file as it was.
 *
 * @param comm The communicator (`SelfComm` or `MpiComm`).
 * @param locator The dataset (`file.h5:/group/x`); missing groups are created.
 * @param distribution The layout, for `comm.size` ranks.
 * @param localBlock This rank's block, of `distribution.localShape(comm.rank)`.
 * @param options `dtype`, `chunks`, `compression`, `overwrite`.
 * @returns When the file is complete on disk.
 * @throws {ShapeMismatchError} When a local block's shape is not the distribution's.
 * @throws {Deno.errors.AlreadyExists} When the dataset exists and `overwrite` is not set.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { SelfComm } from "../dist/comm.ts";
 * import { Distribution } from "../dist/distribution.ts";
 * import { arange } from "../core/ndarray.ts";
 * import { H5File } from "./hdf5.ts";
 * import { writeDistributed } from "./hdf5_parallel.ts";
 * const dir = await Deno.makeTempDir();
 * const d = Distribution.create([6], { dist: "c", commSize: 1 });
 * await writeDistributed(new SelfComm(), `${dir}/b.h5:/g/y`, d, arange(6), { dtype: "float32" });
 * using f = H5File.open(`${dir}/b.h5`);
 * using ds = f.dataset("/g/y");
 * assert.equal(ds.dtype, "float32");
 * assert.deepEqual((await ds.read()).toArray(), [0, 1, 2, 3, 4, 5]);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export function writeDistributed(
  comm: Hdf5Comm,
  locator: string,
  distribution: Hdf5Layout,
  localBlock: NDArray,
  options: WriteDistributedOptions = {},
): Promise<void> {
  try {
    writeSync(comm, locator, distribution, localBlock, options);
    return Promise.resolve();
  } catch (e) {
    return Promise.reject(e);
  }
}

interface WritePlan {
  readonly path: string;
  readonly object: string;
  readonly dtype: DType;
  readonly block: NDArray;
  readonly compression: "gzip" | undefined;
  readonly level: number | undefined;
}

function planWrite(
  comm: Hdf5Comm,
  locator: string,
  layout: Hdf5Layout,
  localBlock: NDArray,
  options: WriteDistributedOptions,
): WritePlan {
  checkLayout(comm, layout, `write "${locator}"`);
  const { path, object } = hdf5Locator(locator);
  if (!(localBlock instanceof NDArray)) {
    throw new TypeError(`Cannot write "${locator}": the local block must be an NDArray`);
  }
  const want = layout.localShape(comm.rank);
  if (want.length !== localBlock.ndim || want.some((d, i) => d !== localBlock.shape[i])) {
    throw new ShapeMismatchError(
      `Cannot write "${locator}": rank ${comm.rank}'s block has shape [${localBlock.shape}], the distribution gives it [${want}]`,
    );
  }
  const dtype = toDType(options.dtype ?? localBlock.dtype);
  const c = options.compression;
  const compression = c === undefined ? undefined : typeof c === "string" ? c : c.name;
  if (compression !== undefined && compression !== "gzip") {
    throw new TypeError(`Unsupported compression "${compression}": expected "gzip"`);
  }
  const level = typeof c === "object" ? c.level : undefined;
  const h = lib(mpiOf(comm));
  if (compression !== undefined && h.parallel !== null && mpiOf(comm) !== null) {
    const [major, minor, release] = h.version.split(".").map(Number);
    if (major === 1 && (minor < 10 || (minor === 10 && release < 2))) {
      throw new RangeError(
        `Cannot write "${locator}" compressed in parallel: libhdf5 ${h.version} cannot write filtered datasets with MPI-IO (1.10.2 or later can)`,
      );
    }
  }
  let block = localBlock.dtype === dtype ? localBlock : localBlock.astype(dtype);
  if (!block.isContiguous) block = block.copy();
  // every rank must make the same collective calls: check the options agree
  const mine = JSON.stringify([dtype, options.chunks ?? null, compression ?? null, level ?? null]);
  if (comm.size > 1 && comm.bcastJson(mine, 0) !== mine) {
    throw new RangeError(
      `Cannot write "${locator}": rank ${comm.rank} passed options ${mine}, rank 0 others`,
    );
  }
  return { path, object, dtype, block, compression, level };
}

function writeSync(
  comm: Hdf5Comm,
  locator: string,
  layout: Hdf5Layout,
  localBlock: NDArray,
  options: WriteDistributedOptions,
): void {
  const plan = agree(comm, () => planWrite(comm, locator, layout, localBlock, options));
  const sel = axisSelections(layout, comm.rank, "write");
  const out = PendingOutput.at(plan.path, {
    token: comm.bcastJson(comm.rank === 0 ? tempToken() : "", 0),
  });
  const tmp = out.temp;
  // rank 0: the lock, the temporaries of killed writers, and for an existing
  // file its copy (the file itself is never opened for writing)
  let lock: OutputLock | null = null;
  const existed = onRank0(comm, () => {
    lock = OutputLock.acquire(plan.path, locator);
    try {
      removeStaleTempsSync(plan.path);
      if (!fileExists(plan.path)) return false;
      copyWithout(plan.path, tmp, plan.object, locator, options.overwrite === true);
      return true;
    } catch (e) {
      out.abortSync();
      lock.release();
      throw e;
    }
  });
  const create = (file: H5File): H5Dataset =>
    fileInternals().createDataset(file, plan.object, {
      shape: layout.shape,
      dtype: plan.dtype,
      ...(options.chunks ? { chunks: options.chunks } : {}),
      ...(plan.compression ? { compression: plan.compression } : {}),
      ...(plan.level !== undefined ? { compressionLevel: plan.level } : {}),
    }, { fillNever: true });
  const serial = mpiOf(comm) === null;
  try {
    const file = openFile(comm, tmp, existed ? "r+" : "x");
    try {
      const ds = create(file);
      try {
        _testHooks.afterCreate?.(comm.rank);
        transfer(ds, "write", plan.block, sel, comm.rank);
      } finally {
        if (serial) ds.close();
      }
      ds.close();
    } finally {
      if (serial) file.close();
    }
    file.close();
  } catch (e) {
    // one process: nothing else holds the file; under MPI the job ends (the
    // other ranks may be inside collective calls) and the abort path removes
    // rank 0's temporary (io/output.ts cleanPendingOutputs)
    if (serial) {
      out.abortSync();
      (lock as OutputLock | null)?.release();
    }
    throw e;
  }
  comm.barrier();
  if (comm.rank === 0) {
    try {
      out.commitSync();
    } finally {
      (lock as OutputLock | null)?.release();
    }
  }
  comm.barrier();
}

/**
 * Copies the HDF5 file `path` to `temp` without `object` (rank 0, serial
 * library): refuses an existing object unless `overwrite` (and anything but a
 * dataset always).
 */
function copyWithout(
  path: string,
  temp: string,
  object: string,
  locator: string,
  overwrite: boolean,
): void {
  let kind: string | null;
  {
    using f = H5File.open(path);
    kind = f.kind(object);
  }
  if (kind !== null && (kind !== "dataset" || !overwrite)) {
    throw new Deno.errors.AlreadyExists(
      `Cannot write "${locator}": ${
        kind === "dataset"
          ? `a dataset "${object}" exists in "${path}"; pass overwrite: true to replace it`
          : `it is a ${kind}`
      }`,
    );
  }
  Deno.copyFileSync(path, temp);
  if (kind !== null) {
    using f = H5File.open(temp, { mode: "r+" });
    unlink(fileInternals().id(f), object, temp);
  }
}

function fileExists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return false;
    throw e;
  }
}

// ---------------------------------------------------------------- stream writer

/** How a {@link ParallelWriter} moves blocks: each rank alone, or every rank together. */
export type ParallelTransfer = "independent" | "collective";

/**
 * A dataset open for writing on every rank of a communicator through
 * parallel HDF5 (MPI-IO), made by {@link openParallelWriter}: each rank
 * writes its own blocks, any number of them.
 */
export interface ParallelWriter {
  /**
   * `"independent"`: each rank's writes go straight to the file on its own;
   * `"collective"` (filtered datasets, which parallel HDF5 writes only
   * collectively): each write is one collective transfer, the ranks with
   * fewer blocks joining the others' with empty selections.
   */
  readonly transfer: ParallelTransfer;
  /** Writes `block` (of shape `region.count`) at `region`, from this rank. */
  write(region: Region, block: NDArray): void;
  /**
   * Ends this rank's writes (collective: every rank calls it once, also
   * after a failed write): under collective transfers it takes part with
   * empty selections in the transfers of ranks that still write, then closes
   * the dataset and the file.
   */
  close(): void;
}

/** Options of {@link openParallelWriter}. */
export interface ParallelWriterOptions {
  /** Force a transfer mode (default: collective for filtered datasets, else independent). */
  readonly transfer?: ParallelTransfer;
}

/**
 * Opens an existing dataset for writing on every rank through parallel
 * HDF5, or returns null on every rank when that cannot be done: one process
 * (no MPI communicator), a libhdf5 that is not the parallel build of the
 * communicator's MPI, or a filtered (compressed) dataset with a libhdf5
 * older than 1.10.2. Collective: every rank calls it with the same
 * arguments. The stream engine writes its HDF5 outputs through it under MPI
 * (stream/_output.ts); the caller owns the temporary name, the lock and the
 * commit.
 *
 * @param comm The communicator (`SelfComm` or `MpiComm`).
 * @param path The HDF5 file (the output's temporary), closed on every rank.
 * @param object The dataset, created beforehand.
 * @param options The transfer mode.
 * @returns The writer, or null (write serially instead).
 * @throws {TypeError} For a transfer mode other than "independent" or "collective".
 *
 * @example
 * ```ts
 * import { SelfComm } from "../dist/comm.ts";
 * import { openParallelWriter } from "./hdf5_parallel.ts";
 * // one process: no parallel writer, the caller writes serially
 * if (openParallelWriter(new SelfComm(), "/tmp/none.h5", "/x") !== null) throw new Error("?");
 * ```
 */
export function openParallelWriter(
  comm: Hdf5Comm,
  path: string,
  object: string,
  options: ParallelWriterOptions = {},
): ParallelWriter | null {
  const forced = options.transfer;
  if (forced !== undefined && forced !== "independent" && forced !== "collective") {
    throw new TypeError(
      `Invalid transfer ${
        JSON.stringify(forced)
      } for "${path}:${object}": expected "independent" or "collective"`,
    );
  }
  const mpi = mpiOf(comm);
  if (mpi === null || comm.size === 1) return null;
  // every rank must take the same path: the least able rank decides
  let able = 0;
  try {
    const h = lib(mpi);
    if (h.parallel === mpi.abi) {
      const [major, minor, release] = h.version.split(".").map(Number);
      able = major > 1 || minor > 10 || (minor === 10 && release >= 2) ? 2 : 1;
    }
  } catch {
    able = 0;
  }
  const least = -comm.allreduceNumber(-able, "max");
  if (least === 0) return null;
  if (least === 1) {
    // 1.10.0 or 1.10.1 writes no filtered dataset through MPI-IO
    using f = H5File.open(path);
    using ds = f.dataset(object);
    if (ds.info.filters.length > 0) return null;
  }
  const file = openFile(comm, path, "r+", "independent");
  let ds: H5Dataset;
  let transfer: ParallelTransfer;
  try {
    ds = file.dataset(object);
    transfer = forced ?? (ds.info.filters.length > 0 ? "collective" : "independent");
    if (transfer === "collective") {
      const fn = hdf5().fn;
      const dxpl = datasetInternals().dxpl(ds) as Hid;
      check(fn.H5Pset_dxpl_mpio!(dxpl, H5FD_MPIO.COLLECTIVE), "H5Pset_dxpl_mpio", { file: path });
    }
  } catch (e) {
    file.close();
    throw e;
  }
  const d = ds;
  const ndim = d.shape.length;
  // one round per collective transfer: does any rank still write?
  const more = (mine: boolean): boolean => comm.allreduceNumber(mine ? 1 : 0, "max") > 0;
  const none = (): void => {
    transferBlock(d, "write", empty(new Array(ndim).fill(1), d.dtype), (fs, ms) => {
      const fn = hdf5().fn;
      check(fn.H5Sselect_none(fs), "H5Sselect_none");
      check(fn.H5Sselect_none(ms), "H5Sselect_none");
    });
  };
  let closed = false;
  return {
    transfer,
    write(region, block) {
      if (closed) throw new Error(`Cannot write "${path}:${object}": the writer is closed`);
      if (transfer === "independent") return d.writeSync(region, block);
      // everything that can fail on this rank alone happens before the round
      if (
        block.ndim !== ndim || region.count.length !== ndim ||
        block.shape.some((n, i) => n !== region.count[i])
      ) {
        throw new ShapeMismatchError(
          `Cannot write "${path}:${object}": block shape [${block.shape}] is not the region's [${region.count}]`,
        );
      }
      let b = block.dtype === d.dtype ? block : block.astype(d.dtype);
      if (!b.isContiguous) b = b.copy();
      more(true);
      if (b.size === 0) return none();
      _testHooks.lastIoMode = transferBlock(d, "write", b, (fs) => {
        if (ndim === 0) return;
        check(
          hdf5().fn.H5Sselect_hyperslab(
            fs,
            H5S_SELECT.SET,
            hsize(region.start),
            hsize(region.step),
            hsize(region.count),
            null,
          ),
          "H5Sselect_hyperslab",
        );
      });
    },
    close() {
      if (closed) return;
      closed = true;
      try {
        if (transfer === "collective") { while (more(false)) none(); }
      } finally {
        try {
          d.close();
        } finally {
          file.close();
        }
      }
    },
  };
}
