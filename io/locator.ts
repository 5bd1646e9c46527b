/**
 * Locators: where an array lives, as one string. `file.h5:/group/dataset`,
 * `store.zarr:/a/b`, `store.zarr`, `x.npy`, `table.arrow:column`. The format
 * comes from the file's extension; `.nc` is HDF5 (netCDF-4) by its
 * extension, and the format registry (io/formats.ts) reads an existing
 * `.nc` file as netCDF-3 when its contents say so.
 *
 * @module
 */

/** The on-disk formats Tessera reads and writes. */
export type Format = "npy" | "zarr" | "hdf5" | "arrow" | "netcdf3";

/** A parsed locator. */
export interface Locator {
  /** The file or directory (a Zarr store), as written. */
  readonly path: string;
  /** The format, from the extension (or the `format` option). */
  readonly format: Format;
  /**
   * The object inside the file, as an absolute path (`/group/dataset`) for
   * HDF5 and Zarr, a column name for Arrow; null when none was given.
   */
  readonly object: string | null;
}

/** Options of {@link parseLocator}. */
export interface ParseLocatorOptions {
  /** The format, when the extension does not say (overrides the extension). */
  readonly format?: Format;
  /** Refuse an HDF5 locator without an object path (default true). */
  readonly requireObject?: boolean;
}

/** How the locators of one format are written. */
export interface LocatorRule {
  /** The file extensions that name the format (lower case, with the dot). */
  readonly extensions: readonly string[];
  /**
   * What follows the `:`: `"none"` (the file is one array), `"path"` (an
   * object path, made absolute and normalised) or `"column"` (a name, as written).
   */
  readonly object: "none" | "path" | "column";
  /** Whether an object path is required (unless `requireObject: false`). */
  readonly requireObject: boolean;
  /** The format's name in messages. */
  readonly label: string;
}

/** The locator rules of every format (the format registry, io/formats.ts, shares the extensions). */
export const LOCATOR_RULES: { readonly [F in Format]: LocatorRule } = {
  hdf5: {
    extensions: [".h5", ".hdf5", ".he5", ".nc"],
    object: "path",
    requireObject: true,
    label: "HDF5",
  },
  zarr: { extensions: [".zarr"], object: "path", requireObject: false, label: "Zarr" },
  npy: { extensions: [".npy"], object: "none", requireObject: false, label: ".npy" },
  arrow: {
    extensions: [".arrow", ".feather"],
    object: "column",
    requireObject: false,
    label: "Arrow",
  },
  // shares `.nc` with HDF5, which keeps it by extension: io/formats.ts reads by contents
  netcdf3: { extensions: [".nc"], object: "path", requireObject: true, label: "netCDF-3" },
};

// an extension belongs to the first format that lists it (`.nc`: HDF5)
const EXTENSIONS: Readonly<Record<string, Format>> = (() => {
  const out: Record<string, Format> = {};
  for (const [f, r] of Object.entries(LOCATOR_RULES) as [Format, LocatorRule][]) {
    for (const e of r.extensions) out[e] ??= f;
  }
  return out;
})();

const EXT_PATTERN = new RegExp(
  `\\.(${Object.keys(EXTENSIONS).map((e) => e.slice(1)).join("|")})\\/?(?=:|$)`,
  "gi",
);

/**
 * Parses a locator into a path, a format and an object path. The path ends at
 * the first known extension followed by `:` or the end of the text; what
 * follows the `:` is the object. Object paths of HDF5 and Zarr are made
 * absolute and normalised (`a//b/` becomes `/a/b`).
 *
 * @param text The locator, e.g. `era5.h5:/t2m` or `store.zarr`.
 * @param options `format` to override the extension, `requireObject` (default
 *   true) to refuse an HDF5 file without an object path.
 * @returns The parsed locator.
 * @throws {SyntaxError} For an unknown extension, a missing HDF5 object path,
 *   an object path on a `.npy` file, or an empty locator.
 *
 * @example
 * ```ts
 * import { parseLocator } from "./locator.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(parseLocator("data/era5.h5:/t2m"), {
 *   path: "data/era5.h5",
 *   format: "hdf5",
 *   object: "/t2m",
 * });
 * assert.equal(parseLocator("store.zarr").object, null);
 * ```
 */
export function parseLocator(text: string, options: ParseLocatorOptions = {}): Locator {
  if (typeof text !== "string") {
    throw new TypeError(`Invalid locator ${String(text)}: expected a string`);
  }
  if (text.trim() === "") throw new SyntaxError(`Cannot parse locator "${text}": it is empty`);
  let path = text;
  let rest: string | null = null;
  let ext: string | null = null;
  for (const m of text.matchAll(EXT_PATTERN)) {
    const end = m.index + m[0].length;
    path = text.slice(0, end);
    ext = `.${m[1].toLowerCase()}`;
    rest = end < text.length ? text.slice(end + 1) : null;
    break;
  }
  if (ext === null && options.format === undefined) {
    // a ':' may still separate an object from a file of unknown extension
    const colon = text.lastIndexOf(":");
    const file = colon > 0 ? text.slice(0, colon) : text;
    const dot = /(\.[^./\\]*)$/.exec(file.replace(/\/$/, ""));
    throw new SyntaxError(
      `Cannot parse locator "${text}": ${
        dot ? `unknown extension "${dot[1]}"` : "no file extension"
      }, expected one of ${Object.keys(EXTENSIONS).join(", ")}`,
    );
  }
  if (ext === null) {
    const colon = text.indexOf(":/");
    if (colon > 0) {
      path = text.slice(0, colon);
      rest = text.slice(colon + 1);
    }
  }
  const format = options.format ?? EXTENSIONS[ext as string];
  const rule = LOCATOR_RULES[format];
  if (path.length > 1) path = path.replace(/\/$/, "");
  let object: string | null = null;
  if (rest !== null) {
    if (rule.object === "column") object = rest === "" ? null : rest;
    else {
      const parts = rest.split("/").filter((p) => p !== "" && p !== ".");
      object = rest.trim() === "" ? null : `/${parts.join("/")}`;
    }
  }
  if (rule.object === "none" && object !== null) {
    throw new SyntaxError(
      `Cannot parse locator "${text}": a ${rule.label} file holds one array, it has no object "${object}"`,
    );
  }
  if (rule.requireObject && object === null && (options.requireObject ?? true)) {
    throw new SyntaxError(
      `Cannot parse locator "${text}": an ${rule.label} locator needs an object path, as in "${path}:/group/dataset"`,
    );
  }
  return { path, format, object };
}

/**
 * Formats a locator back into text (`file.h5:/group/dataset`).
 *
 * @param locator The locator.
 * @returns Its text form.
 *
 * @example
 * ```ts
 * import { formatLocator } from "./locator.ts";
 * import assert from "node:assert/strict";
 * assert.equal(formatLocator({ path: "x.h5", format: "hdf5", object: "/a" }), "x.h5:/a");
 * ```
 */
export function formatLocator(locator: Locator): string {
  return locator.object === null ? locator.path : `${locator.path}:${locator.object}`;
}
