// Parallel HDF5 plumbing shared by io/hdf5_parallel.ts (DistArray IO and the
// stream engine's parallel writer): which library and MPI a communicator
// goes with, opening a file on every rank through MPI-IO, and one
// H5Dread/H5Dwrite between a block and a selection (gzip chunks deflated by
// libdeflate: io/_hdf5_deflate.ts).

import { DTYPES } from "../core/dtype.ts";
import type { NDArray } from "../core/ndarray.ts";
import {
  check,
  H5D_MPIO_IO_MODES,
  H5FD_MPIO,
  H5P_DEFAULT,
  hdf5,
  type Hdf5Library,
  type Hdf5Mpi,
  type Hid,
  hsize,
  setFaplMpio,
} from "../ffi/hdf5.ts";
import { type H5Dataset, H5File, type H5Mode } from "./hdf5.ts";
import {
  bytesOf,
  datasetInternals,
  datasetReadType,
  fileInternals,
  memType,
  withIds,
} from "./_hdf5_handles.ts";
import { withNativeDeflate } from "./_hdf5_deflate.ts";

/** The MPI side of a communicator: its library's flavour and path, and the raw handle. */
export interface MpiView {
  readonly abi: Hdf5Mpi;
  readonly path: string;
  readonly handle: number | Deno.PointerValue;
}

/** The MPI of a communicator with `handle` and `library` (`MpiComm`), else null (one process). */
export function mpiOf(comm: object): MpiView | null {
  const c = comm as {
    handle?: number | Deno.PointerValue;
    library?: { path: string; abi: Hdf5Mpi };
  };
  if (c.library === undefined || c.handle === undefined) return null;
  return { abi: c.library.abi, path: c.library.path, handle: c.handle };
}

/** The libhdf5 to use with `mpi` (its parallel build), or the default one. */
export function lib(mpi: MpiView | null): Hdf5Library {
  return mpi === null ? hdf5() : hdf5(mpi.abi);
}

/**
 * Opens a file on every rank: with the MPI-IO driver under MPI (collective:
 * every rank calls it), with transfers `xfer` (default collective), else
 * serially.
 */
export function openFile(
  comm: object,
  path: string,
  mode: H5Mode,
  xfer: "collective" | "independent" = "collective",
): H5File {
  const mpi = mpiOf(comm);
  if (mpi === null) return H5File.open(path, { mode });
  const { fn, ids } = lib(mpi);
  const fapl = check(fn.H5Pcreate(ids.H5P_CLS_FILE_ACCESS_ID_g), "H5Pcreate", { file: path });
  try {
    setFaplMpio(fapl, mpi.handle, mpi.abi, mpi.path);
    const dxpl = check(fn.H5Pcreate(ids.H5P_CLS_DATASET_XFER_ID_g), "H5Pcreate", { file: path });
    try {
      const mode = xfer === "collective" ? H5FD_MPIO.COLLECTIVE : H5FD_MPIO.INDEPENDENT;
      check(fn.H5Pset_dxpl_mpio!(dxpl, mode), "H5Pset_dxpl_mpio", { file: path });
    } catch (e) {
      fn.H5Pclose(dxpl);
      throw e;
    }
    return fileInternals().open(path, mode, fapl, dxpl);
  } finally {
    fn.H5Pclose(fapl);
  }
}

/**
 * One H5Dread or H5Dwrite between `block` (C-contiguous, of the dataset's
 * dtype) and the dataset, with selections made by `select` on a copy of the
 * file dataspace and on a memory dataspace of the block's shape. Under MPI-IO
 * with collective transfers every rank must call it. Returns the I/O mode
 * MPI-IO actually used (`contiguous-collective`, ...), or null.
 */
export function transferBlock(
  ds: H5Dataset,
  kind: "read" | "write",
  block: NDArray,
  select: (fileSpace: Hid, memSpace: Hid) => void,
): string | null {
  const fn = hdf5().fn;
  const ctx = { file: ds.file, object: ds.path };
  if (block.dtype !== ds.dtype || !block.isContiguous) {
    throw new TypeError(
      `Cannot ${kind} "${ds.locator}": the block must be C-contiguous ${ds.dtype}`,
    );
  }
  const id = datasetInternals().id(ds);
  const dxpl = datasetInternals().dxpl(ds);
  withIds((keep) => {
    const fs = keep(check(fn.H5Dget_space(id), "H5Dget_space", ctx), fn.H5Sclose);
    const dims = block.ndim === 0 ? [1] : block.shape;
    const ms = keep(
      check(fn.H5Screate_simple(dims.length, hsize(dims), null), "H5Screate_simple", ctx),
      fn.H5Sclose,
    );
    select(fs, ms);
    const data = block.size === 0 ? new Uint8Array(DTYPES[ds.dtype].bytes) : bytesOf(
      block.toTypedArray() as ArrayBufferView,
    );
    const plist = dxpl ?? H5P_DEFAULT;
    // a gzip dataset's chunks are deflated here by libdeflate, not libhdf5's zlib
    withNativeDeflate({ ...ctx, filters: ds.filters }, () => {
      if (kind === "read") {
        // a bitfield dataset reads through a native bitfield type
        check(fn.H5Dread(id, datasetReadType(id, ds.dtype), ms, fs, plist, data), "H5Dread", ctx);
      } else {
        check(fn.H5Dwrite(id, memType(ds.dtype), ms, fs, plist, data), "H5Dwrite", ctx);
      }
    });
  });
  if (dxpl === null || fn.H5Pget_mpio_actual_io_mode === null) return null;
  const mode = new Int32Array(1);
  check(fn.H5Pget_mpio_actual_io_mode(dxpl, mode), "H5Pget_mpio_actual_io_mode", ctx);
  return H5D_MPIO_IO_MODES[mode[0]] ?? `mode ${mode[0]}`;
}
