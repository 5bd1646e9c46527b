// `tessera convert in.nc out.zarr`: a whole file, store or group, every
// variable with its coordinates, as `xr.open_dataset(in).to_zarr(out)` (and
// back). Each array goes through the one output path of stream/_output.ts;
// a whole output is written under its temporary name (io/output.ts) and
// renamed over the target once every array is in, so a failed or
// interrupted run leaves no half-converted store behind.

import type { DType } from "../core/dtype.ts";
import { formatOf, type TreeInfo, type TreeNode } from "../io/formats.ts";
import { H5File } from "../io/hdf5.ts";
import { type Locator, parseLocator } from "../io/locator.ts";
import { exists, OutputLock, PendingOutput, tempToken } from "../io/output.ts";
import { createZarrGroup } from "../io/zarr.ts";
import { checkLocator, type Session, UsageError } from "./_session.ts";

/** Options of a whole-tree convert. */
export interface TreeConvertOptions {
  readonly codec?: string;
  readonly dtype?: DType;
  readonly pack?: boolean;
  readonly overwrite?: boolean;
  readonly sync?: boolean;
}

/** Formats whose whole files or groups convert (the containers, and netCDF-3 files). */
const TREES = new Set(["hdf5", "zarr", "netcdf3"]);

/**
 * The tree of `src` when it names a whole file, store or group (not one
 * array), else null.
 */
export async function treeOf(src: string): Promise<TreeInfo | null> {
  const loc = checkLocator(src, { requireObject: false });
  const entry = formatOf(loc);
  if (!TREES.has(entry.name)) return null;
  if (loc.object !== null && entry.name !== "hdf5") return null;
  const info = await entry.info(loc);
  return info.kind === "tree" ? info : null;
}

function name(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1);
}

/** The arrays to copy: variables (not netCDF's bare dimensions), coordinates first. */
function variables(tree: TreeInfo): TreeNode[] {
  const arrays = tree.nodes.filter((n) =>
    n.kind === "array" && n.dimensionOnly !== true && typeof n.dtype === "string"
  );
  const coordinate = (n: TreeNode): boolean =>
    n.shape?.length === 1 && (n.dimensions as unknown[] | undefined)?.[0] === name(n.path);
  return [...arrays.filter(coordinate), ...arrays.filter((n) => !coordinate(n))];
}

function within(base: string, path: string): string {
  const rel = base === "/" ? path : path.slice(base.length);
  return rel === "" ? "/" : rel;
}

function join(group: string, rel: string): string {
  const g = group === "/" ? "" : group.replace(/\/+$/, "");
  return rel === "/" ? (g === "" ? "/" : g) : `${g}${rel}`;
}

/** Plain attributes that a container can hold (strings, numbers, lists of one kind). */
function writable(attrs: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(attrs)) {
    const list = Array.isArray(v) ? v : [v];
    if (
      list.length > 0 && (list.every((x) => typeof x === "string") ||
        list.every((x) => typeof x === "number" || typeof x === "bigint"))
    ) out[k] = v;
  }
  return out;
}

function groupAttributes(f: H5File, path: string, attrs: Record<string, unknown>): void {
  if (f.kind(path) === null) f.createGroup(path);
  for (const [k, v] of Object.entries(writable(attrs))) {
    if (typeof v === "string") f.setAttribute(path, k, v, { fixedLength: true });
    else if (Array.isArray(v) && typeof v[0] === "string") f.setAttribute(path, k, v as string[]);
    else if (typeof v === "number" || typeof v === "bigint") f.setAttribute(path, k, v);
  }
}

/**
 * Starts the consolidated metadata (`.zmetadata`) of a new v2 store holding
 * only groups, as xarray's `to_zarr` writes it: each array published later
 * adds its own entries (io/formats.ts `published`).
 */
async function consolidate(store: string): Promise<void> {
  if (!(await exists(`${store}/.zgroup`))) return;
  const metadata: Record<string, unknown> = {};
  const walk = async (rel: string): Promise<void> => {
    for await (const e of Deno.readDir(`${store}/${rel}`)) {
      const key = rel === "" ? e.name : `${rel}/${e.name}`;
      if (e.isDirectory) await walk(key);
      else if (e.name === ".zgroup" || e.name === ".zattrs") {
        metadata[key] = JSON.parse(await Deno.readTextFile(`${store}/${key}`));
      }
    }
  };
  await walk("");
  const doc = { metadata, "zarr_consolidated_format": 1 };
  await Deno.writeTextFile(`${store}/.zmetadata`, JSON.stringify(doc, null, 4));
}

/**
 * Converts every variable of the tree `tree` of `src` into the container
 * `dst` (collective). A whole output is published at once; a group of an
 * existing container gets its arrays one by one.
 */
export async function convertTree(
  session: Session,
  src: string,
  dst: string,
  tree: TreeInfo,
  options: TreeConvertOptions,
): Promise<string[]> {
  const srcLoc = checkLocator(src, { requireObject: false });
  const dstLoc = checkLocator(dst, { requireObject: false });
  const entry = formatOf(dstLoc);
  if (entry.staging === null) {
    throw new UsageError(
      `Cannot convert "${src}" to "${dst}": a whole file or group converts to a container ` +
        `(.zarr, .nc, .h5), not to ${entry.name}`,
    );
  }
  const base = srcLoc.object ?? "/";
  const group = dstLoc.object ?? "/";
  const whole = group === "/" || group === "";
  const comm = session.comm;
  // rank 0 names (and locks) the temporary of a whole output
  let pending: PendingOutput | null = null;
  let lock: OutputLock | null = null;
  let temp = dstLoc.path;
  if (whole) {
    let error: string | null = null;
    if (comm.rank === 0) {
      try {
        if (options.overwrite !== true && await exists(dstLoc.path)) {
          throw new Deno.errors.AlreadyExists(
            `Cannot write "${dst}": "${dstLoc.path}" exists; pass --overwrite to replace it`,
          );
        }
        lock = OutputLock.acquire(dstLoc.path, dst);
        const ext = /(\.[A-Za-z0-9]+)\/*$/.exec(dstLoc.path)?.[1] ?? "";
        pending = PendingOutput.at(dstLoc.path, {
          token: tempToken(),
          suffix: ext,
          sync: options.sync,
        });
        temp = pending.temp;
      } catch (e) {
        error = String((e as Error).message);
        if (comm.size === 1) throw e;
      }
    }
    if (comm.size > 1) {
      const shared = comm.bcastJson(error === null ? { temp } : { error });
      if ("error" in shared) throw new Error(`Rank 0 failed: ${shared.error}`);
      temp = shared.temp;
    }
  }
  const at = (path: string): string => `${temp}:${join(whole ? "/" : group, within(base, path))}`;
  const written: string[] = [];
  try {
    const groups = tree.nodes.filter((n) => n.kind === "group");
    if (entry.name === "zarr" && comm.rank === 0) {
      // the groups first, with their attributes (the root makes the store)
      for (const g of groups) {
        const loc = parseLocator(at(g.path));
        const dir = `${loc.path}${loc.object === null || loc.object === "/" ? "" : loc.object}`;
        const there = await exists(`${dir}/.zgroup`) || await exists(`${dir}/zarr.json`);
        if (!there) {
          await createZarrGroup(at(g.path), { attributes: writable(g.attributes) });
        }
      }
    }
    if (entry.name === "zarr" && comm.rank === 0 && whole) await consolidate(temp);
    if (comm.size > 1) comm.barrier();
    for (const v of variables(tree)) {
      const a = await session.open(`${srcLoc.path}:${v.path}`);
      const out = at(v.path);
      await session.write(a, out, {
        codec: options.codec,
        dtype: options.dtype,
        pack: options.pack,
        overwrite: options.overwrite,
        sync: options.sync,
        label: `convert ${srcLoc.path}:${v.path}`,
      });
      written.push(v.path);
    }
    if (entry.name === "hdf5" && comm.rank === 0) {
      const loc: Locator = parseLocator(at("/"));
      if (!(await exists(loc.path))) H5File.open(loc.path, { mode: "w" }).close();
      using f = H5File.open(loc.path, { mode: "r+" });
      for (const g of groups) {
        groupAttributes(f, parseLocator(at(g.path)).object ?? "/", g.attributes);
      }
    }
    if (comm.size > 1) comm.barrier();
    if (comm.rank === 0 && pending !== null) await (pending as PendingOutput).commit();
  } catch (e) {
    if (pending !== null) await (pending as PendingOutput).abort();
    throw e;
  } finally {
    (lock as OutputLock | null)?.release();
  }
  return written;
}
