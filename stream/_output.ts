// Output targets of `to()` (DESIGN.md, contract 6): the output is created
// under its temporary name (io/output.ts) by rank 0 through the format
// registry (io/formats.ts), written by every rank in disjoint parts (.npy
// byte ranges, HDF5 hyperslabs rank after rank, Zarr chunks), completed by
// rank 0 when the format stages its output (Arrow), and renamed by rank 0
// only when every rank has finished; a failed run removes the temporary.

import { type DType, toDType } from "../core/dtype.ts";
import type { NDArray } from "../core/ndarray.ts";
import type { Comm } from "../dist/comm.ts";
import { type CodecSpec, formatCodec, parseCodec } from "../io/codec.ts";
import { formatOf } from "../io/formats.ts";
import { type Locator, parseLocator } from "../io/locator.ts";
import { PendingOutput, tempToken } from "../io/output.ts";
import type { Region } from "../io/region.ts";
import type { TargetOptions } from "./options.ts";

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
    error === null ? { ok: true, value } : { ok: false, value: message(error) },
  );
  if (error !== null) throw error;
  if (!shared.ok) throw new Error(`Rank 0 failed: ${shared.value}`);
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
  return spec;
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
  const entry = formatOf(loc);
  const d = toDType(dtype);
  const codec = checkCodec(locator, loc, options.codec);
  const created = await onRoot(comm, async () => {
    // a .npy output is replaced without overwrite (as writeNpy does)
    const token = tempToken();
    const out = await PendingOutput.begin(loc.path, {
      object: loc.object,
      overwrite: options.overwrite || entry.name === "npy",
      locator,
      token,
    });
    try {
      const c = await entry.create({ ...loc, path: out.temp }, {
        shape,
        dtype: d,
        chunks: options.chunks,
        codec,
      });
      return { token, gridChunks: c.gridChunks };
    } catch (e) {
      await out.abort();
      throw e;
    }
  });
  const out = PendingOutput.at(loc.path, { object: loc.object, token: created.token });
  const temp: Locator = { ...loc, path: out.temp };
  const abort = async (): Promise<void> => {
    if (comm.rank === 0) await out.abort();
  };
  const commit = async (): Promise<void> => {
    comm.barrier();
    let error: unknown = null;
    if (comm.rank === 0) {
      try {
        await entry.finish(temp, loc);
        await out.commit();
      } catch (e) {
        error = e;
        await abort();
      }
    }
    agree(comm, error);
  };
  const writeTurn = async (body: (write: WriteBlock) => Promise<void>): Promise<void> => {
    const w = await entry.openWriter(temp);
    try {
      await body((r, b) => w.write(r, b));
    } finally {
      await w.close();
    }
  };
  const run = async (body: (write: WriteBlock) => Promise<void>): Promise<void> => {
    let error: unknown = null;
    if (!entry.serialWrites) {
      try {
        await writeTurn(body);
      } catch (e) {
        error = e;
      }
    } else {
      // one writer at a time, rank after rank
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
