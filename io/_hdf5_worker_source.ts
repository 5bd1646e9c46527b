// An uncompressed HDF5 dataset opened again inside a compute worker
// (stream/_compute_worker.ts) from H5Dataset.workerSpec(): the main thread
// sends where the dataset's bytes lie in the file (io/_hdf5_raw.ts rawLayout:
// the contiguous data's address, or every chunk's), and the worker reads the
// blocks it computes at those offsets straight into its own WebAssembly arena
// (no libhdf5 in the worker), or maps whole rows of them (io/_map.ts) as a
// .npy file's are. Chunks never written read as the fill value; a file that
// ends before the data raises the FormatError of the main thread's raw reads.

import { DTYPES, type Scalar } from "../core/dtype.ts";
import { FormatError } from "../core/errors.ts";
import { copyInto, NDArray, zeros } from "../core/ndarray.ts";
import type { Hid } from "../ffi/hdf5.ts";
import type { DirectInfo } from "./_hdf5_direct.ts";
import { chunkAddress, rawLayout, runsOf, shortRead } from "./_hdf5_raw.ts";
import { readRuns } from "./_hdf5_runs.ts";
import { FileMap, mapRows } from "./_map.ts";
import type {
  MappedBlock,
  MapPlace,
  Region,
  WorkerSourceReader,
  WorkerSourceSpec,
} from "./region.ts";

const MODULE = new URL("./_hdf5_worker_source.ts", import.meta.url).href;

/** Chunks whose addresses a spec carries at most (a bigger table is not worth sending). */
const MAX_CHUNKS = 1 << 16;

/** What H5Dataset.workerSpec() sends. */
export interface H5WorkerArgs {
  readonly path: string;
  readonly object: string;
  readonly dtype: DirectInfo["dtype"];
  readonly shape: readonly number[];
  /** The chunk shape (contiguous: the shape). */
  readonly chunks: readonly number[];
  /** Contiguous: the data's address; chunked: null. */
  readonly offset: number | null;
  /** Chunked: each chunk's address in C order of the chunk grid (null: never written). */
  readonly addresses: readonly (number | null)[] | null;
  readonly fill: Scalar;
  /** The file's identity when the spec was made. */
  readonly dev: number;
  readonly ino: number;
}

/**
 * The spec of a dataset whose compute workers may read it themselves, or
 * null (compressed, converted types, a file open for writing, parallel
 * transfers, more than 65536 chunks: see io/_hdf5_raw.ts rawLayout).
 *
 * @param owner The dataset object: the spec is made once for it (the chunk table costs a
 *   libhdf5 call per chunk).
 * @param id The open dataset.
 * @param info Its metadata.
 * @param readType The memory type it is read as.
 * @param dxpl Its transfer property list (parallel HDF5), or null.
 * @param path The file.
 * @param object The dataset's path in the file.
 * @returns The spec, or null.
 *
 * @example
 * ```ts
 * import { H5File } from "./hdf5.ts";
 * import { arange } from "../core/ndarray.ts";
 * const dir = await Deno.makeTempDir();
 * {
 *   using f = H5File.open(`${dir}/a.h5`, { mode: "w" });
 *   using ds = f.createDataset("/x", { shape: [4, 3], dtype: "float64" });
 *   await ds.write(undefined, arange(12).reshape([4, 3]));
 * }
 * using f = H5File.open(`${dir}/a.h5`);
 * using ds = f.dataset("/x");
 * if (!ds.workerSpec()?.module.endsWith("_hdf5_worker_source.ts")) throw new Error("bad");
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export function h5WorkerSpec(
  owner: object,
  id: Hid,
  info: DirectInfo & { readonly shape: readonly number[] },
  readType: Hid,
  dxpl: Hid | null,
  path: string,
  object: string,
): WorkerSourceSpec | null {
  // asked for at every plan: the chunk table is made once per open dataset
  if (specs.has(owner)) return specs.get(owner)!;
  const spec = makeSpec(id, info, readType, dxpl, path, object);
  specs.set(owner, spec);
  return spec;
}

const specs = new WeakMap<object, WorkerSourceSpec | null>();

function makeSpec(
  id: Hid,
  info: DirectInfo & { readonly shape: readonly number[] },
  readType: Hid,
  dxpl: Hid | null,
  path: string,
  object: string,
): WorkerSourceSpec | null {
  const plan = rawLayout(id, info, readType, dxpl, path);
  if (plan === null) return null;
  let addresses: (number | null)[] | null = null;
  if (plan.offset === null) {
    const grid = info.shape.map((n, k) => Math.ceil(n / plan.chunks[k]));
    const count = grid.reduce((a, b) => a * b, 1);
    if (count > MAX_CHUNKS) return null;
    addresses = new Array(count);
    const at = new Array<number>(grid.length).fill(0);
    const ctx = { file: path, object };
    for (let i = 0; i < count; i++) {
      addresses[i] = chunkAddress(id, at.map((c, k) => c * plan.chunks[k]), ctx);
      let k = grid.length - 1;
      while (k >= 0 && ++at[k] === grid[k]) at[k--] = 0;
    }
  }
  const st = Deno.statSync(path);
  const args: H5WorkerArgs = {
    path,
    object,
    dtype: plan.dtype,
    shape: [...info.shape],
    chunks: [...plan.chunks],
    offset: plan.offset,
    addresses,
    fill: plan.fill,
    dev: st.dev,
    ino: st.ino ?? -1,
  };
  return { module: MODULE, args };
}

/**
 * Opens the dataset of `args` in a compute worker: reads at the file
 * offsets the main thread found, and maps whole rows where they lie in one
 * run of the file.
 *
 * @param args The spec's arguments.
 * @returns The reader.
 * @throws {FormatError} When the path now names another file.
 *
 * @example
 * ```ts
 * import { openWorkerSource } from "./_hdf5_worker_source.ts";
 * import { H5File } from "./hdf5.ts";
 * import { arange, zeros } from "../core/ndarray.ts";
 * const dir = await Deno.makeTempDir();
 * {
 *   using f = H5File.open(`${dir}/a.h5`, { mode: "w" });
 *   using ds = f.createDataset("/x", { shape: [4, 3], dtype: "float64", chunks: [2, 3] });
 *   await ds.write(undefined, arange(12).reshape([4, 3]));
 * }
 * using f = H5File.open(`${dir}/a.h5`);
 * using ds = f.dataset("/x");
 * const r = await openWorkerSource(ds.workerSpec()!.args as never);
 * const out = zeros([1, 3]);
 * await r.readInto({ start: [3, 0], step: [1, 1], count: [1, 3] }, out);
 * if (out.get(0, 2) !== 11) throw new Error("bad");
 * r.close();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export function openWorkerSource(args: H5WorkerArgs): Promise<WorkerSourceReader> {
  const st = Deno.statSync(args.path);
  if (st.dev !== args.dev || (st.ino ?? -1) !== args.ino) {
    return Promise.reject(
      new FormatError(args.path, "the file was replaced since the dataset was opened"),
    );
  }
  const ctx = { file: args.path, object: args.object };
  const { chunks, addresses } = args;
  const stride = new Array<number>(chunks.length);
  for (let k = chunks.length - 1, acc = 1; k >= 0; k--) {
    stride[k] = acc;
    acc *= Math.ceil(args.shape[k] / chunks[k]);
  }
  const addressOf = (origin: number[]): number | null => {
    let i = 0;
    for (let k = 0; k < origin.length; k++) i += (origin[k] / chunks[k]) * stride[k];
    return addresses![i];
  };
  const readUnit = (r: Region, out: NDArray): void => {
    const runs = runsOf(addressOf, args, r, out);
    const bad = readRuns(args.path, runs, new Uint8Array(out.data.buffer));
    if (bad >= 0) throw shortRead(ctx, runs, bad);
  };
  let map: FileMap | null | undefined;
  return Promise.resolve({
    readInto(region: Region, out: NDArray): void {
      if (region.step.every((s) => s === 1)) return readUnit(region, out);
      // strided: the enclosing unit-step region, then its elements
      const count = region.count.map((n, k) => n === 0 ? 0 : (n - 1) * region.step[k] + 1);
      const all = zeros(count, args.dtype);
      readUnit({ start: region.start, step: count.map(() => 1), count }, all);
      const strides = all.strides.map((s, k) => s * region.step[k]);
      copyInto(out, new NDArray(args.dtype, all.data as never, region.count, strides, 0));
    },
    mapBlock(region: Region, place: MapPlace): MappedBlock | null {
      if (region.count.some((n) => n === 0)) return null;
      const rowBytes = DTYPES[args.dtype].bytes * args.shape.slice(1).reduce((a, b) => a * b, 1);
      let dataOffset: number;
      if (args.offset !== null) dataOffset = args.offset;
      else {
        // whole-row chunks stored one after another over the block's rows
        if (chunks.slice(1).some((c, k) => c !== args.shape[k + 1])) return null;
        const ch = chunks[0];
        const c0 = Math.floor(region.start[0] / ch);
        const c1 = Math.floor((region.start[0] + region.count[0] - 1) / ch);
        const a0 = addresses![c0];
        if (a0 === null) return null;
        for (let c = c0 + 1; c <= c1; c++) {
          if (addresses![c] !== a0 + (c - c0) * ch * rowBytes) return null;
        }
        dataOffset = a0 - c0 * ch * rowBytes;
      }
      if (map === undefined) {
        map = FileMap.open(args.path);
        if (map !== null && !map.sameFile(st)) {
          map.close();
          map = null;
        }
      }
      if (map === null) return null;
      return mapRows(map, { dtype: args.dtype, shape: args.shape, dataOffset }, region, place);
    },
    close(): void {
      map?.close();
      map = null;
    },
  });
}
