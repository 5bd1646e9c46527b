// The syncs of a commit (io/output.ts PendingOutput) and the `sync` option
// that asks for them on new outputs too; re-exported by io/output.ts.

import { optionalEnv } from "../core/permissions.ts";

/** A temporary name of io/output.ts tempPath (with or without a suffix). */
const TEMP_PART = /^\..+\.tessera-tmp-\d+-[0-9a-f]{8}/;

/**
 * @internal How many files and directories the commits of this process have
 * synced (tests: a new output is published without a sync).
 */
export const _syncCounts: { files: number; dirs: number } = { files: 0, dirs: 0 };

/**
 * The `sync` option of a write, checked: a boolean as given; when not given,
 * `TESSERA_SYNC` (`1`/`true` or `0`/`false`; unset: false).
 *
 * @param value The option's value (`undefined`: not given).
 * @param what The output, named in the error.
 * @returns Whether new outputs are synced at their commit.
 * @throws {TypeError} When `value` is not a boolean, or `TESSERA_SYNC` holds something else.
 *
 * @example
 * ```ts
 * import { syncOption } from "./output.ts";
 * import assert from "node:assert/strict";
 * assert.equal(syncOption(true, "x.npy"), true);
 * assert.throws(() => syncOption("yes", "x.npy"), TypeError);
 * ```
 */
export function syncOption(value: unknown, what: string): boolean {
  if (typeof value === "boolean") return value;
  if (value !== undefined) {
    throw new TypeError(
      `Invalid sync ${
        JSON.stringify(value) ?? String(value)
      } for "${what}": expected true or false`,
    );
  }
  const env = optionalEnv("TESSERA_SYNC")?.trim().toLowerCase();
  if (env === undefined || env === "" || env === "0" || env === "false") return false;
  if (env === "1" || env === "true") return true;
  throw new TypeError(`Invalid TESSERA_SYNC "${env}": expected 1 or 0`);
}

/**
 * Whether `path` lies inside a temporary of {@link tempPath} (some component
 * of it is a temporary name): a file there is published by the rename of
 * that temporary, and needs no temporary of its own.
 *
 * @param path A file path.
 * @returns True when an enclosing directory is a temporary.
 *
 * @example
 * ```ts
 * import { insideTemp, tempPath } from "./output.ts";
 * import assert from "node:assert/strict";
 * assert.equal(insideTemp(`${tempPath("/d/s.zarr")}/x/0.0`), true);
 * assert.equal(insideTemp("/d/s.zarr/x/0.0"), false);
 * ```
 */
export function insideTemp(path: string): boolean {
  const parts = path.split("/");
  parts.pop();
  return parts.some((p) => TEMP_PART.test(p));
}

function syncFile(path: string): void {
  try {
    using f = Deno.openSync(path, { read: true, write: true });
    f.syncSync();
    _syncCounts.files++;
  } catch {
    // best effort (read-only file systems, permissions)
  }
}

function syncPath(path: string): void {
  try {
    using f = Deno.openSync(path, { read: true });
    f.syncSync();
    _syncCounts.dirs++;
  } catch {
    // not every platform opens directories
  }
}

/** Syncs the directory holding `path`. */
export function syncDir(path: string): void {
  const slash = path.lastIndexOf("/");
  syncPath(slash < 0 ? "." : path.slice(0, slash + 1));
}

/** Syncs a file, or every file and directory of a tree (its entries in their directories). */
export function syncTree(path: string, isFile: boolean): void {
  if (isFile) return syncFile(path);
  try {
    for (const e of Deno.readDirSync(path)) {
      if (e.isFile) syncFile(`${path}/${e.name}`);
      else if (e.isDirectory) syncTree(`${path}/${e.name}`, false);
    }
  } catch {
    // best effort, as syncFile
  }
  syncPath(path);
}
