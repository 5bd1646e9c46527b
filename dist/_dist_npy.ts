// Parallel .npy save and load of a DistArray. Each rank writes and reads only
// the bytes of its own elements (NpyFile's positioned region IO), for any
// distribution. Saving follows io/output.ts: rank 0 takes the output lock,
// removes temporaries of killed writers and creates the temporary with its
// header (sized, sparse); every rank writes its owned cells into it; the
// ranks agree that every write succeeded; rank 0 renames it over the target.

import type { Region } from "../core/indexer.ts";
import { copyInto, empty } from "../core/ndarray.ts";
import { createNpy, NpyFile } from "../io/npy.ts";
import {
  exists,
  OutputLock,
  PendingOutput,
  removeStaleTempsSync,
  tempToken,
} from "../io/output.ts";
import { ShapeMismatchError } from "../core/errors.ts";
import type { Comm } from "./comm.ts";
import { Distribution } from "./distribution.ts";
import type { LoadNpyOptions, SaveNpyOptions } from "./layout.ts";
import { type Block, haloBefore, ownedGlobals, sameShape, shapeText } from "./_dist_blocks.ts";
import { checkKeys, layoutOf } from "./_dist_create.ts";

function pathOf(path: string | URL, verb: string): string {
  if (path instanceof URL) return decodeURIComponent(path.pathname);
  if (typeof path !== "string" || path === "") {
    throw new TypeError(`Cannot ${verb} a .npy file: invalid path ${String(path)}`);
  }
  return path;
}

/** Arithmetic runs (positive steps) of an index list: [first global, step, count, first position]. */
function runsOf(g: Int32Array, first: number): [number, number, number, number][] {
  const out: [number, number, number, number][] = [];
  let i = 0;
  while (i < g.length) {
    // a 'u' axis lists its indices in local order, not sorted: runs need a positive step
    const step = i + 1 < g.length && g[i + 1] > g[i] ? g[i + 1] - g[i] : 1;
    let j = i + 1;
    while (j < g.length && g[j] - g[j - 1] === step) j++;
    out.push([g[i], step, j - i, first + i]);
    i = j;
  }
  return out;
}

/** This rank's owned cells (halos excluded) as regions of the global array. */
function ownedRegions(dist: Distribution, rank: number): { region: Region; at: number[] }[] {
  const c = dist.gridCoords(rank);
  if (!c) return [];
  const perAxis = dist.shape.map((_, a) => {
    const info = dist.axis(a);
    return runsOf(ownedGlobals(info, c[a]), haloBefore(info, c[a]));
  });
  if (perAxis.some((r) => r.length === 0)) return [];
  const out: { region: Region; at: number[] }[] = [];
  const idx = perAxis.map(() => 0);
  for (;;) {
    const runs = idx.map((k, a) => perAxis[a][k]);
    out.push({
      region: {
        start: runs.map((r) => r[0]),
        step: runs.map((r) => r[1]),
        count: runs.map((r) => r[2]),
      },
      at: runs.map((r) => r[3]),
    });
    let a = idx.length - 1;
    while (a >= 0 && ++idx[a] === perAxis[a].length) idx[a--] = 0;
    if (a < 0) return out;
  }
}

/** Runs `body` on rank 0 and shares its value; when it throws, every rank throws. */
async function onRank0<T>(comm: Comm, body: () => Promise<T>): Promise<T> {
  let shared: { ok: boolean; value?: T; kind?: string; message?: string } = { ok: true };
  let error: unknown = null;
  if (comm.rank === 0) {
    try {
      shared = { ok: true, value: await body() };
    } catch (e) {
      error = e;
      shared = { ok: false, kind: (e as Error)?.name, message: String((e as Error)?.message ?? e) };
    }
  }
  shared = comm.bcastJson(shared, 0);
  if (error !== null) throw error;
  if (shared.ok) return shared.value as T;
  const message = shared.message ?? "";
  if (shared.kind === "AlreadyExists") throw new Deno.errors.AlreadyExists(message);
  if (shared.kind === "Busy") throw new Deno.errors.Busy(message);
  throw new Error(`Rank 0 failed: ${message}`);
}

/** Runs `body` on every rank; returns this rank's error and the lowest failed rank (-1: none). */
async function agree(
  comm: Comm,
  body: () => Promise<void>,
): Promise<{ error: unknown; failed: number }> {
  let error: unknown = null;
  try {
    await body();
  } catch (e) {
    error = e;
  }
  const low = -comm.allreduceNumber(error === null ? -comm.size : -comm.rank, "max");
  return { error, failed: low < comm.size ? low : -1 };
}

/** `DistArray.saveNpy`: every rank writes its owned cells into one temporary, published by rank 0. */
export async function saveBlock(
  comm: Comm,
  { dist, local }: Block,
  path: string | URL,
  options: SaveNpyOptions = {},
): Promise<void> {
  checkKeys("DistArray.saveNpy", options, ["overwrite"]);
  const target = pathOf(path, "save");
  const overwrite = options?.overwrite === true;
  const held: { lock?: OutputLock; out?: PendingOutput } = {};
  const temp = await onRank0(comm, async () => {
    if (!overwrite && await exists(target)) {
      throw new Deno.errors.AlreadyExists(
        `Cannot write "${target}": it exists; pass overwrite: true to replace it`,
      );
    }
    held.lock = OutputLock.acquire(target);
    try {
      removeStaleTempsSync(target);
      held.out = PendingOutput.at(target, { token: tempToken() });
      (await createNpy(held.out.temp, { shape: dist.shape, dtype: local.dtype })).close();
      return held.out.temp;
    } catch (e) {
      held.out?.abortSync();
      held.lock.release();
      throw e;
    }
  });
  const { error, failed } = await agree(comm, async () => {
    const regions = ownedRegions(dist, comm.rank);
    if (regions.length === 0) return;
    await using f = await NpyFile.open(temp, { write: true });
    for (const { region, at } of regions) {
      const part = local.slice(...at.map((s, a) => ({ start: s, stop: s + region.count[a] })));
      await f.write(region, part);
    }
  });
  let commitError: unknown = null;
  if (comm.rank === 0) {
    try {
      if (failed >= 0) held.out?.abortSync();
      else held.out?.commitSync();
    } catch (e) {
      commitError = e;
    } finally {
      held.lock?.release();
    }
  }
  // the target is in place (or the temporary gone) before any rank returns
  const committed = comm.bcastJson(commitError === null ? null : String(commitError), 0);
  if (error !== null) throw error;
  if (failed >= 0) {
    throw new Error(`Cannot write "${target}": rank ${failed} failed to write its part`);
  }
  if (commitError !== null) throw commitError;
  if (committed !== null) {
    throw new Error(`Cannot write "${target}": rank 0 failed to publish it: ${committed}`);
  }
}

/** `DistArray.loadNpy`: every rank reads the regions of its block (halo cells included). */
export async function loadBlock(
  comm: Comm,
  path: string | URL,
  options: LoadNpyOptions = {},
): Promise<Block> {
  checkKeys("DistArray.loadNpy", options, ["distribution", "dist", "grid"]);
  const file = pathOf(path, "load");
  await using f = await NpyFile.open(file);
  const dist = options?.distribution !== undefined
    ? layoutOf(comm, options.distribution)
    : layoutOf(comm, f.shape, options);
  if (!sameShape(dist.shape, f.shape)) {
    throw new ShapeMismatchError(
      `Cannot load "${file}" of shape ${shapeText(f.shape)} with ${dist}`,
    );
  }
  const local = empty(dist.localShape(comm.rank), f.dtype);
  for (const { region, localStart } of dist.regions(comm.rank)) {
    const part = local.slice(
      ...localStart.map((s, a) => ({ start: s, stop: s + region.count[a] })),
    );
    copyInto(part, await f.read(region));
  }
  return { dist, local };
}
