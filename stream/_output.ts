// Output targets of `to()` (DESIGN.md, contract 6): the output is created
// under its temporary name (io/output.ts) by rank 0 through the format
// registry (io/formats.ts), written by every rank in disjoint parts (.npy
// byte ranges, HDF5 hyperslabs, Zarr chunks), completed by
// rank 0 when the format stages its output (Arrow), and renamed by rank 0
// only when every rank has finished; a failed run removes the temporary.
//
// Rank 0 holds the output's lock (io/output.ts OutputLock) from the start to
// the commit or abort, and removes the temporaries killed writers left. An
// object of an existing container is written without touching its siblings
// (io/formats.ts Staging): HDF5 by a copy of the file renamed over it, Zarr
// by a temporary array directory swapped in. Replacing anything that exists
// (an object, a plain file) needs `overwrite`.
//
// HDF5 under MPI: rank 0 creates the dataset in the temporary (serially, as
// above); then every rank opens the temporary collectively through parallel
// HDF5 (MPI-IO, io/hdf5_parallel.ts openParallelWriter) and writes its own
// blocks as hyperslabs at the same time: independent transfers, or for a
// compressed (filtered) dataset collective ones, one per block, the ranks with
// fewer blocks joining with empty selections. The file is closed collectively
// and renamed by rank 0 after a barrier (commit). With a serial libhdf5 the
// ranks take turns, one writer at a time.

import { type DType, toDType } from "../core/dtype.ts";
import type { NDArray } from "../core/ndarray.ts";
import type { Comm } from "../dist/comm.ts";
import { type CodecSpec, encodeHeldBytes, formatCodec, parseCodec } from "../io/codec.ts";
export { encodeInThread } from "../io/codec.ts";
import { type FormatEntry, formatOf, type OutputMetadata } from "../io/formats.ts";
import { openParallelWriter, type ParallelTransfer } from "../io/hdf5_parallel.ts";
import { type Locator, parseLocator } from "../io/locator.ts";
import {
  exists,
  OutputLock,
  PendingOutput,
  removeStaleTemps,
  syncOption,
  tempToken,
} from "../io/output.ts";
import type { Region } from "../io/region.ts";
import type { TargetOptions } from "./options.ts";

/**
 * @internal Test hooks: `transfer` forces the transfer mode of parallel HDF5
 * writes, `turns` the turn-based HDF5 writes (bench/hdf5_stream_write.ts
 * compares them); `lastRun` is how the last {@link OutputTarget.run} wrote
 * (`"turns"`, `"independent"`, `"collective"` or `"direct"`: every rank at once
 * through its own writer).
 */
export const _testHooks: {
  transfer: ParallelTransfer | undefined;
  turns: boolean;
  lastRun: string | null;
} = { transfer: undefined, turns: false, lastRun: null };

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
    error === null
      ? { ok: true, value, kind: "" }
      : { ok: false, value: message(error), kind: (error as Error)?.name ?? "" },
  );
  if (error !== null) throw error;
  if (!shared.ok) {
    // a refusal is the same kind of error on every rank
    const text = `Rank 0 failed: ${shared.value}`;
    if (shared.kind === "AlreadyExists") throw new Deno.errors.AlreadyExists(text);
    if (shared.kind === "Busy") throw new Deno.errors.Busy(text);
    throw new Error(text);
  }
  return shared.value as T;
}

function checkCodec(locator: string, loc: Locator, text: string | undefined): CodecSpec | null {
  if (text === undefined) return null;
  const spec = parseCodec(text);
  const entry = formatOf(loc);
  if (!entry.codecs.includes(spec.name)) {
    throw new TypeError(
      `Cannot write "${locator}": ${entry.name} output takes no codec "${formatCodec(spec)}"${
        entry.codecs.length > 1 ? `, expected one of ${entry.codecs.join(", ")}` : ""
      }`,
    );
  }
  if ("shuffle" in spec && spec.shuffle === true && !entry.shuffle) {
    throw new TypeError(
      `Cannot write "${locator}": ${entry.name} output takes no shuffle filter "${
        formatCodec(spec)
      }"${entry.name === "zarr" ? ` (use blosc's shuffle: "blosc:zlib:5:shuffle")` : ""}`,
    );
  }
  return spec;
}

/**
 * What the chunk encodes of the writer of `locator` hold for chunks of a
 * given size (io/codec.ts encodeHeldBytes), for the planner's
 * `Output.encode`; undefined when the output encodes nothing on workers.
 * An invalid codec is left to {@link prepareOutput} to report.
 */
export function encodeCost(
  locator: string,
  codec: string | undefined,
): ((chunkBytes: number, threads?: number) => number) | undefined {
  let format: string;
  let spec: CodecSpec | null;
  try {
    format = formatOf(parseLocator(locator)).name;
    spec = codec === undefined ? null : parseCodec(codec);
  } catch {
    return undefined;
  }
  if (encodeHeldBytes(format, spec, 1) === 0) return undefined;
  return (chunkBytes, threads) => encodeHeldBytes(format, spec, chunkBytes, threads);
}

/** How rank 0 writes the output: where, and what it publishes. */
interface Staged {
  readonly out: PendingOutput;
  /** What the writers open. */
  readonly temp: Locator;
  /** An object swapped into an existing store (the store's metadata then follows). */
  readonly member: boolean;
}

function normalObject(object: string | null): string {
  return `/${(object ?? "/").split("/").filter((p) => p !== "").join("/")}`;
}

/**
 * Chooses the temporary of an output (rank 0): a whole new (or replaced)
 * file or store, a copy of an existing HDF5 file with the object removed,
 * or a temporary array inside an existing Zarr store. Refuses to replace
 * anything without `overwrite`.
 */
async function stage(
  entry: FormatEntry,
  loc: Locator,
  locator: string,
  overwrite: boolean,
  token: string,
  sync: boolean,
): Promise<Staged> {
  const refuse = (what: string): Error =>
    new Deno.errors.AlreadyExists(
      `Cannot write "${locator}": ${what}; pass overwrite: true to replace it`,
    );
  const object = normalObject(loc.object);
  const whole = (): Staged => {
    const out = PendingOutput.at(loc.path, { object: loc.object, token, sync });
    return { out, temp: { ...loc, path: out.temp }, member: false };
  };
  if (!(await exists(loc.path))) return whole();
  if (entry.staging === null || object === "/") {
    if (!overwrite) throw refuse(`"${loc.path}" exists`);
    return whole();
  }
  const kind = await entry.probe(loc);
  if (kind !== null && !overwrite) {
    throw refuse(`${kind === "array" ? "an" : "a"} ${kind} "${object}" exists in "${loc.path}"`);
  }
  if (entry.staging === "copy") {
    const staged = whole();
    // synchronous: a SIGTERM handled while an async copy still ran on another thread removed
    // the temporary, and the copy then created it again before the exit (a leftover seen in CI)
    Deno.copyFileSync(loc.path, staged.out.temp);
    if (kind !== null) await entry.removeObject(staged.temp);
    return staged;
  }
  // member: a hidden sibling directory of the array inside the store
  const dir = `${loc.path.replace(/\/+$/, "")}${object}`;
  await removeStaleTemps(dir);
  // published into the existing store: synced at the commit (io/output.ts)
  const out = PendingOutput.at(dir, { object: loc.object, token, sync, into: true });
  const parent = object.slice(0, object.lastIndexOf("/"));
  const name = out.temp.slice(out.temp.lastIndexOf("/") + 1);
  return { out, temp: { ...loc, object: `${parent}/${name}` }, member: true };
}

/**
 * Creates the temporary output for `locator` (on rank 0) and returns how to
 * write, publish or discard it. Collective.
 */
export async function prepareOutput(
  comm: Comm,
  locator: string,
  array: {
    readonly shape: readonly number[];
    readonly dtype: DType;
    readonly metadata?: OutputMetadata | null;
    /** The run's memory budget (bytes), for a format's finishing step (Arrow's batches). */
    readonly budget?: number;
  },
  options: TargetOptions,
): Promise<OutputTarget> {
  const { shape, dtype } = array;
  const loc = parseLocator(locator);
  // a netCDF file names every axis (dim_N), so that ncdump shows no phony_dim
  let metadata = array.metadata ?? null;
  if (/\.nc4?$/i.test(loc.path) && metadata !== null && metadata.dimensions === null) {
    metadata = { ...metadata, dimensions: shape.map(() => null) };
  }
  const entry = formatOf(loc);
  const d = toDType(dtype);
  const codec = checkCodec(locator, loc, options.codec);
  let staged: Staged | null = null; // rank 0
  let lock: OutputLock | null = null; // rank 0
  const created = await onRoot(comm, async () => {
    lock = OutputLock.acquire(loc.path, locator);
    try {
      await removeStaleTemps(loc.path);
      const sync = syncOption(options.sync, locator);
      const s = await stage(entry, loc, locator, options.overwrite === true, tempToken(), sync);
      staged = s;
      try {
        const c = await entry.create(s.temp, {
          shape,
          dtype: d,
          chunks: options.chunks,
          codec,
          metadata,
        });
        // the temporary array must not appear in consolidated metadata
        if (s.member) await entry.published(loc, s.temp);
        return { temp: s.temp, gridChunks: c.gridChunks, at: s.out.target, temporary: s.out.temp };
      } catch (e) {
        await s.out.abort();
        throw e;
      }
    } catch (e) {
      lock.release();
      throw e;
    }
  });
  const temp: Locator = created.temp;
  // the other ranks know rank 0's temporary and lock too: when one of them
  // ends the job (dist/_abort.ts), its clean-up removes them (io/output.ts registry)
  const mirrors = comm.rank === 0 ? [] : [
    PendingOutput.mirror(created.at, created.temporary),
    PendingOutput.mirror(loc.path, OutputLock.pathOf(loc.path)),
  ];
  const mirror = { forget: () => mirrors.forEach((m) => m.forget()) };
  const release = (): void => (lock as OutputLock | null)?.release();
  const abort = async (): Promise<void> => {
    mirror.forget();
    if (comm.rank !== 0) return;
    try {
      await (staged as Staged | null)?.out.abort();
    } finally {
      release();
    }
  };
  const commit = async (): Promise<void> => {
    comm.barrier();
    let error: unknown = null;
    if (comm.rank === 0) {
      const s = staged as unknown as Staged;
      try {
        await entry.finish(temp, loc, { memory: array.budget });
        await s.out.commit();
        if (s.member) await entry.published(loc, temp);
        release();
      } catch (e) {
        error = e;
        await abort();
      }
    }
    mirror.forget();
    agree(comm, error);
  };

  // let the event loop run between blocks: a SIGINT or SIGTERM listener
  // (io/output.ts) fires only from there
  const tick = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));
  const writeTurn = async (body: (write: WriteBlock) => Promise<void>): Promise<void> => {
    const w = await entry.openWriter(temp);
    try {
      await body(async (r, b) => {
        await w.write(r, b);
        await tick();
      });
    } finally {
      await w.close();
    }
  };
  const run = async (body: (write: WriteBlock) => Promise<void>): Promise<void> => {
    let error: unknown = null;
    // HDF5 under MPI: every rank opens the temporary through parallel HDF5
    // (MPI-IO) and writes its own blocks at once; null when the libhdf5 loaded
    // is not a parallel build (then the ranks take turns, below)
    const parallel = entry.name === "hdf5" && comm.size > 1 && !_testHooks.turns
      ? openParallelWriter(comm, temp.path, temp.object as string, {
        transfer: _testHooks.transfer,
      })
      : null;
    if (parallel !== null) {
      _testHooks.lastRun = parallel.transfer;
      try {
        await body(async (r, b) => {
          parallel.write(r, b);
          await tick();
        });
      } catch (e) {
        error = e;
      } finally {
        try {
          parallel.close(); // collective: after a failure too
        } catch (e) {
          error ??= e;
        }
      }
    } else if (!entry.serialWrites) {
      _testHooks.lastRun = "direct";
      try {
        await writeTurn(body);
      } catch (e) {
        error = e;
      }
    } else {
      // one writer at a time, rank after rank
      _testHooks.lastRun = "turns";
      for (let turn = 0; turn < comm.size; turn++) {
        if (turn === comm.rank && error === null) {
          try {
            await writeTurn(body);
          } catch (e) {
            error = e;
          }
        }
        comm.barrier();
      }
    }
    agree(comm, error);
  };
  return { gridChunks: created.gridChunks, run, commit, abort };
}
