// Output targets of `to()` (DESIGN.md, contract 6): the output is created
// under a temporary name in the same directory (`.name.tmp-<random>`) by
// rank 0, written by every rank in disjoint parts (.npy byte ranges, HDF5
// hyperslabs rank after rank, Zarr chunks), and renamed by rank 0 only when
// every rank has finished; a failed run removes the temporary.

import { type DType, toDType } from "../core/dtype.ts";
import type { NDArray } from "../core/ndarray.ts";
import type { Comm } from "../dist/comm.ts";
import { createNpy, NpyFile } from "../io/npy.ts";
import { parseLocator } from "../io/locator.ts";
import type { Region } from "../io/region.ts";
import { zarrModule } from "./_sources.ts";

/** Options of the output of `to()`. */
export interface TargetOptions {
  /** Storage chunks of the output (HDF5, Zarr). */
  readonly chunks?: readonly number[];
  /** Compression: `"gzip"`, `"gzip:4"` (HDF5, Zarr), other Zarr codec names, or `"none"`. */
  readonly codec?: string;
  /** Element type written (default: the array's). */
  readonly dtype?: DType;
  /** Replace an existing HDF5 file or Zarr store (default false; a .npy file is always replaced). */
  readonly overwrite?: boolean;
}

/** A block writer handed to the body of {@link OutputTarget.run}. */
export type WriteBlock = (region: Region, block: NDArray) => Promise<void>;

/** An output being written. */
export interface OutputTarget {
  /** Block shape the grid must follow (whole output chunks), or null for any grid. */
  readonly gridChunks: readonly number[] | null;
  /** Runs this rank's writes (collective: every rank calls it once). */
  run(body: (write: WriteBlock) => Promise<void>): Promise<void>;
  /** Publishes the output (collective). */
  commit(): Promise<void>;
  /** Removes the temporary (rank 0; not collective). */
  abort(): Promise<void>;
}

function split(path: string): { dir: string; base: string } {
  const slash = path.lastIndexOf("/");
  return { dir: path.slice(0, slash + 1), base: path.slice(slash + 1) };
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return false;
    throw e;
  }
}

function message(e: unknown): string {
  return String((e as Error)?.message ?? e);
}

/** Raises on every rank when the local step failed on any rank. */
function agree(comm: Comm, error: unknown): void {
  if (comm.size === 1) {
    if (error !== null) throw error;
    return;
  }
  const all = comm.allgatherJson(error === null ? null : message(error));
  if (error !== null) throw error;
  const bad = all.findIndex((m) => m !== null);
  if (bad >= 0) throw new Error(`Rank ${bad} failed: ${all[bad]}`);
}

/** Runs `fn` on rank 0 and shares its result (or raises its error) on every rank. */
async function onRoot<T>(comm: Comm, fn: () => Promise<T>): Promise<T> {
  let value: T | null = null;
  let error: unknown = null;
  if (comm.rank === 0) {
    try {
      value = await fn();
    } catch (e) {
      error = e;
    }
  }
  if (comm.size === 1) {
    if (error !== null) throw error;
    return value as T;
  }
  const shared = comm.bcastJson(
    error === null ? { ok: true, value } : { ok: false, value: message(error) },
  );
  if (error !== null) throw error;
  if (!shared.ok) throw new Error(`Rank 0 failed: ${shared.value}`);
  return shared.value as T;
}

function parseCodec(codec: string | undefined): { name: string; level: number | null } | null {
  if (codec === undefined || codec === "none") return null;
  const [name, level] = codec.split(":");
  const lv = level === undefined ? null : Number(level);
  if (lv !== null && !Number.isInteger(lv)) {
    throw new SyntaxError(`Cannot parse codec "${codec}": the level must be an integer`);
  }
  return { name, level: lv };
}

/**
 * Creates the temporary output for `locator` (on rank 0) and returns how to
 * write, publish or discard it. Collective.
 */
export async function prepareOutput(
  comm: Comm,
  locator: string,
  shape: readonly number[],
  dtype: DType,
  options: TargetOptions,
): Promise<OutputTarget> {
  const loc = parseLocator(locator);
  const d = toDType(dtype);
  const codec = parseCodec(options.codec);
  const { dir, base } = split(loc.path);
  const tmp = await onRoot(comm, async () => {
    // a Zarr locator is parsed by its extension: the temporary keeps it
    const t = `${dir}.${base}.tmp-${crypto.randomUUID().slice(0, 8)}${
      loc.format === "zarr" ? ".zarr" : ""
    }`;
    if (loc.format !== "npy" && !options.overwrite && await exists(loc.path)) {
      throw new Deno.errors.AlreadyExists(
        `Cannot write "${locator}": "${loc.path}" exists; pass overwrite: true to replace it`,
      );
    }
    switch (loc.format) {
      case "npy": {
        if (codec) throw new TypeError(`Cannot write "${locator}": .npy files have no codecs`);
        const f = await createNpy(t, { shape: [...shape], dtype: d });
        f.close();
        return t;
      }
      case "hdf5": {
        const { H5File } = await import("../io/hdf5.ts");
        if (codec && codec.name !== "gzip") {
          throw new TypeError(`Unsupported HDF5 codec "${options.codec}": expected "gzip[:level]"`);
        }
        const f = H5File.open(t, { mode: "w" });
        try {
          f.createDataset(loc.object as string, {
            shape: [...shape],
            dtype: d,
            chunks: options.chunks ? [...options.chunks] : undefined,
            compression: codec ? "gzip" : undefined,
            compressionLevel: codec?.level ?? undefined,
          }).close();
        } finally {
          f.close();
        }
        return t;
      }
      case "zarr": {
        const z = await zarrModule();
        if (typeof z.createZarr !== "function") {
          throw new TypeError(`Zarr output is not available: io/zarr.ts has no createZarr`);
        }
        const a = await z.createZarr(loc.object ? `${t}:${loc.object}` : t, {
          shape: [...shape],
          dtype: d,
          chunks: options.chunks ? [...options.chunks] : undefined,
          codec: options.codec,
        }) as { close?: () => void };
        a.close?.();
        return t;
      }
      default:
        throw new TypeError(`Cannot write "${locator}": format ${loc.format} is not supported`);
    }
  });
  const abort = async (): Promise<void> => {
    if (comm.rank === 0) await Deno.remove(tmp, { recursive: true }).catch(() => {});
  };
  const commit = async (): Promise<void> => {
    comm.barrier();
    let error: unknown = null;
    if (comm.rank === 0) {
      try {
        if (loc.format !== "npy" && await exists(loc.path)) {
          await Deno.remove(loc.path, { recursive: true });
        }
        await Deno.rename(tmp, loc.path);
      } catch (e) {
        error = e;
        await abort();
      }
    }
    agree(comm, error);
  };
  let gridChunks: readonly number[] | null = null;
  let run: OutputTarget["run"];
  if (loc.format === "npy") {
    run = async (body) => {
      let error: unknown = null;
      try {
        const f = await NpyFile.open(tmp, { write: true });
        try {
          await body((r, b) => f.write(r, b));
        } finally {
          f.close();
        }
      } catch (e) {
        error = e;
      }
      agree(comm, error);
    };
  } else if (loc.format === "hdf5") {
    // serial HDF5: one writer at a time, rank after rank
    run = async (body) => {
      const { H5File } = await import("../io/hdf5.ts");
      let error: unknown = null;
      for (let turn = 0; turn < comm.size; turn++) {
        if (turn === comm.rank && error === null) {
          try {
            const f = H5File.open(tmp, { mode: "r+" });
            try {
              const ds = f.dataset(loc.object as string);
              try {
                await body((r, b) => ds.write(r, b));
              } finally {
                ds.close();
              }
            } finally {
              f.close();
            }
          } catch (e) {
            error = e;
          }
        }
        comm.barrier();
      }
      agree(comm, error);
    };
  } else {
    const z = await zarrModule();
    const target = loc.object ? `${tmp}:${loc.object}` : tmp;
    const probe = await z.openZarr!(target) as unknown as {
      chunks: readonly number[];
      close?: () => void;
    };
    gridChunks = [...probe.chunks];
    probe.close?.();
    run = async (body) => {
      let error: unknown = null;
      try {
        const a = await z.openZarr!(target, { write: true }) as unknown as {
          write(r: Region, b: NDArray): Promise<void>;
          close?: () => void;
        };
        try {
          await body((r, b) => a.write(r, b));
        } finally {
          a.close?.();
        }
      } catch (e) {
        error = e;
      }
      agree(comm, error);
    };
  }
  return { gridChunks, run, commit, abort };
}
