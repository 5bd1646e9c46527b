// Raw reads of uncompressed HDF5 datasets: for a contiguous dataset, or a
// chunked one with no filter, whose stored type is the memory type, the
// bytes of a region are read from the file at their addresses (H5Dget_offset,
// H5Dget_chunk_info_by_coord) straight into the destination, without
// libhdf5's single thread: on the decode workers (io/_hdf5_worker.ts, the
// pool of io/_hdf5_direct.ts) when the destination is shared memory, else
// here. Chunks never written read as the fill value. Opt-in with
// `TESSERA_HDF5_RAW=1` (not faster on a loaded machine: see rawPlan).
// Anything else (a userblock, external storage, a converted type, a strided
// last axis, parallel transfers, `TESSERA_HDF5_DIRECT=0`) keeps H5Dread.

import { type DType, DTYPES, isComplex, type Scalar } from "../core/dtype.ts";
import { FormatError } from "../core/errors.ts";
import { copyInto, full, NDArray } from "../core/ndarray.ts";
import { granted, optionalEnv } from "../core/permissions.ts";
import { UNAVAILABLE, type WorkerPool } from "../core/threads.ts";
import { check, hdf5, type Hid, hsize } from "../ffi/hdf5.ts";
import type { Region } from "./region.ts";
import {
  chunkParts,
  DIRECT_WORKER_MIN_CHUNK,
  type DirectInfo,
  storedAs,
  workerCount,
  workers,
} from "./_hdf5_direct.ts";
import { readRuns } from "./_hdf5_runs.ts";

const HADDR_UNDEF = 2n ** 64n - 1n;

/** How to read one uncompressed dataset's bytes from its file. */
export interface RawPlan {
  readonly dtype: DType;
  /** The file, as opened. */
  readonly path: string;
  /** The chunk shape; for a contiguous dataset its shape (one chunk at `offset`). */
  readonly chunks: readonly number[];
  /** Contiguous: the data's address in the file; chunked: null (per chunk). */
  readonly offset: number | null;
  readonly fill: Scalar;
}

function userblock(id: Hid): bigint {
  const fn = hdf5().fn;
  const file = fn.H5Iget_file_id(id);
  if (file < 0) return -1n;
  try {
    const plist = fn.H5Fget_create_plist(file);
    if (plist < 0) return -1n;
    try {
      const out = new BigUint64Array(1);
      return fn.H5Pget_userblock(plist, out) < 0 ? -1n : out[0];
    } finally {
      fn.H5Pclose(plist);
    }
  } finally {
    fn.H5Fclose(file);
  }
}

/**
 * The plan of raw reads for a dataset, or null when it reads through
 * H5Dread (see the file's comment).
 */
export function rawPlan(
  id: Hid,
  info: DirectInfo & { readonly shape: readonly number[] },
  readType: Hid,
  dxpl: Hid | null,
  path: string,
): RawPlan | null {
  // opt-in: measured on the shared 2-core machine (load 4-5), a 2 GiB sum
  // over axis 0 took 1.4-2.6 s this way against 1.2-1.9 s through H5Dread
  // (whole blocks read by the workers and reduced from memory, where H5Dread
  // reads cache-sized pieces); see the report of branch h-zread
  const on = optionalEnv("TESSERA_HDF5_RAW");
  if (on !== "1" && on?.toLowerCase() !== "true") return null;
  return rawLayout(id, info, readType, dxpl, path);
}

/**
 * Where an uncompressed dataset's bytes lie in its file (see the file's
 * comment for what qualifies), or null; regardless of TESSERA_HDF5_RAW (the
 * compute workers' own reads, io/_hdf5_worker_source.ts, use it by default).
 */
export function rawLayout(
  id: Hid,
  info: DirectInfo & { readonly shape: readonly number[] },
  readType: Hid,
  dxpl: Hid | null,
  path: string,
): RawPlan | null {
  const v = optionalEnv("TESSERA_HDF5_DIRECT");
  if (v === "0" || v?.toLowerCase() === "false") return null;
  if (dxpl !== null || info.fillValue === null) return null;
  if (info.dtype === "bool" || isComplex(info.dtype)) return null;
  if (!granted({ name: "read", path })) return null;
  const fn = hdf5().fn;
  let offset: number | null = null;
  if (info.layout === "contiguous") {
    const a = fn.H5Dget_offset(id) as bigint;
    if (a === HADDR_UNDEF || a > BigInt(Number.MAX_SAFE_INTEGER)) return null;
    offset = Number(a);
  } else if (info.layout === "chunked" && info.chunks !== null && info.filters.length === 0) {
    if (fn.H5Dget_chunk_info_by_coord === null) return null;
  } else return null;
  if (!storedAs(id, readType)) return null; // stored big-endian, converted, ...
  // addresses are relative to the superblock: a userblock would shift them
  if (userblock(id) !== 0n) return null;
  return {
    dtype: info.dtype,
    path,
    chunks: offset === null ? [...info.chunks!] : [...info.shape],
    offset,
    fill: info.fillValue,
  };
}

const sizeBuf = new BigUint64Array(1);
const maskBuf = new Uint32Array(1);
const addrBuf = new BigUint64Array(1);

/** A chunk's address in the file, or null for a chunk never written. */
export function chunkAddress(
  id: Hid,
  origin: number[],
  ctx: { file: string; object: string },
): number | null {
  sizeBuf[0] = 0n;
  addrBuf[0] = HADDR_UNDEF;
  check(
    hdf5().fn.H5Dget_chunk_info_by_coord!(id, hsize(origin), maskBuf, addrBuf, sizeBuf),
    "H5Dget_chunk_info_by_coord",
    ctx,
  );
  return sizeBuf[0] === 0n || addrBuf[0] === HADDR_UNDEF ? null : Number(addrBuf[0]);
}

/**
 * The byte runs of region `r` (last axis step 1) in the file and in `out`
 * (C-contiguous, the region's shape): [file offset, byte offset in out's
 * buffer, bytes] triples, adjacent runs merged. Parts of chunks never
 * written are filled here.
 */
export function runsOf(
  addressOf: (origin: number[]) => number | null,
  plan: Pick<RawPlan, "dtype" | "chunks" | "offset" | "fill">,
  r: Region,
  out: NDArray,
): number[] {
  const item = DTYPES[plan.dtype].bytes;
  const nd = r.count.length;
  const cs = new Array<number>(nd);
  const ds = out.strides;
  let acc = 1;
  for (let k = nd - 1; k >= 0; k--) {
    cs[k] = acc;
    acc *= plan.chunks[k];
  }
  const base = out.data.byteOffset + out.offset * item;
  const runs: number[] = [];
  for (const p of chunkParts(r, plan.chunks)) {
    const addr = plan.offset ?? addressOf(p.origin);
    if (addr === null) {
      let off = out.offset;
      for (let k = 0; k < nd; k++) off += p.at[k] * ds[k];
      copyInto(
        new NDArray(out.dtype, out.data as never, p.counts, ds, off),
        full([], plan.fill as never, plan.dtype),
      );
      continue;
    }
    const len = (nd === 0 ? 1 : p.counts[nd - 1]) * item;
    const idx = new Array<number>(Math.max(0, nd - 1)).fill(0);
    for (;;) {
      let f = 0, d = 0;
      for (let k = 0; k < nd; k++) {
        const i = k < nd - 1 ? idx[k] : 0;
        f += (p.local[k] + i * p.step[k]) * cs[k];
        d += (p.at[k] + i) * ds[k];
      }
      const fo = addr + f * item, dof = base + d * item;
      const last = runs.length - 3;
      if (
        last >= 0 && runs[last] + runs[last + 2] === fo && runs[last + 1] + runs[last + 2] === dof
      ) {
        runs[last + 2] += len;
      } else runs.push(fo, dof, len);
      let k = nd - 2;
      while (k >= 0 && ++idx[k] === p.counts[k]) idx[k--] = 0;
      if (k < 0) break;
    }
  }
  return runs;
}

/** The error of a run that lies past the end of the file. */
export function shortRead(
  ctx: { file: string; object: string },
  runs: readonly number[],
  i: number,
): FormatError {
  return new FormatError(
    ctx.file,
    `dataset "${ctx.object}": ${runs[i + 2]} bytes at offset ${
      runs[i]
    } lie past the end of the file (truncated?)`,
  );
}

/** Bytes a read job of the workers reads at most (a block is spread over them). */
const JOB_BYTES = 4 << 20;

/** Bytes the workers of raw reads hold, for the planner: each its heap (no chunk buffers). */
export function rawWorkerBytes(): number {
  return workerCount() * (12 << 20);
}

/**
 * The decode workers that take a raw read into `out`, or null when H5Dread
 * does it: `threads` on, a read of at least 256 KiB into shared memory (in
 * this thread a raw read is no faster than H5Dread: measured 0.54 s against
 * 0.44 s for 2 GiB in 2 MiB reads).
 */
export function rawPool(out: NDArray, threads: boolean): WorkerPool | null {
  if (!threads || out.size * DTYPES[out.dtype].bytes < DIRECT_WORKER_MIN_CHUNK) return null;
  const shared = typeof SharedArrayBuffer === "function" &&
    out.data.buffer instanceof SharedArrayBuffer;
  return shared ? workers() : null;
}

/**
 * Reads region `r` into `out` (C-contiguous, of the region's size, over a
 * SharedArrayBuffer; the last axis of step 1) on `pool`'s workers (a job
 * whose worker cannot run is read here).
 *
 * @throws {FormatError} When the file ends before the data.
 */
export async function readRaw(
  id: Hid,
  plan: RawPlan,
  r: Region,
  out: NDArray,
  ctx: { file: string; object: string },
  pool: WorkerPool,
): Promise<void> {
  if (out.shape.length !== r.count.length || out.shape.some((d, k) => d !== r.count[k])) {
    out = out.reshape(r.count);
  }
  const runs = runsOf((origin) => chunkAddress(id, origin, ctx), plan, r, out);
  const bytes = new Uint8Array(out.data.buffer, 0, out.data.buffer.byteLength);
  // jobs of at most JOB_BYTES: long runs split
  const jobs: number[][] = [];
  let cur: number[] = [];
  let size = 0;
  for (let i = 0; i < runs.length; i += 3) {
    let [f, d, n] = [runs[i], runs[i + 1], runs[i + 2]];
    while (n > 0) {
      const take = Math.min(n, JOB_BYTES - size);
      cur.push(f, d, take);
      size += take;
      f += take;
      d += take;
      n -= take;
      if (size === JOB_BYTES) {
        jobs.push(cur);
        cur = [];
        size = 0;
      }
    }
  }
  if (cur.length > 0) jobs.push(cur);
  await Promise.all(jobs.map(async (job) => {
    const reply = await pool.run({ h5raw: true, path: plan.path, runs: job, dest: bytes });
    if (reply.error === UNAVAILABLE) {
      const bad = readRuns(plan.path, job, bytes);
      if (bad >= 0) throw shortRead(ctx, job, bad);
    } else if (reply.error !== undefined) {
      const i = Number(reply.run);
      throw Number.isInteger(i) && i >= 0
        ? shortRead(ctx, job, i)
        : new FormatError(ctx.file, `dataset "${ctx.object}" cannot be read: ${reply.error}`);
    }
  }));
}
