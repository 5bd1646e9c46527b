/**
 * The registry of on-disk formats (DESIGN.md, contract 9): one entry per
 * format with what is known without loading anything (extensions, codecs it
 * writes, how its writers share a file) and four operations, `detect`,
 * `open`, `create` and `info`, that import the format's module (and its
 * library: zarrita, apache-arrow, libhdf5) on first use, as zarrita's codec
 * registry does. Nothing else in Tessera switches on a format: the stream
 * layer, `tessera info`, `convert` and the CLI session all go through
 * {@link formatOf}.
 *
 * @example
 * ```ts
 * import { formatOf } from "./formats.ts";
 * import { writeNpy } from "./npy.ts";
 * import { arange } from "../core/ndarray.ts";
 * import assert from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * await writeNpy(`${dir}/a.npy`, arange(6, undefined, undefined, "int16"));
 * const npy = formatOf(`${dir}/a.npy`);
 * assert.equal(npy.name, "npy");
 * assert.equal(await npy.detect(`${dir}/a.npy`), true);
 * const opened = await npy.open(`${dir}/a.npy`);
 * assert.deepEqual((await opened.source.read("1:3")).toArray(), [1, 2]);
 * await opened.close();
 * await Deno.remove(dir, { recursive: true });
 * ```
 *
 * @module
 */

import type { DType } from "../core/dtype.ts";
import type { NDArray } from "../core/ndarray.ts";
import type { CodecName, CodecSpec } from "./codec.ts";
import {
  type Format,
  type Locator,
  LOCATOR_RULES,
  type LocatorRule,
  parseLocator,
  type ParseLocatorOptions,
} from "./locator.ts";
import type { ArraySource, Region } from "./region.ts";

/** An array opened for reading. */
export interface OpenedArray {
  /** The region source. */
  readonly source: ArraySource;
  /** Whether sub-blocks of its chunks are cheap to read (no storage unit decoded twice). */
  readonly splittable: boolean;
  /** Releases the file (idempotent). */
  close(): void | Promise<void>;
}

/** An array opened for writing regions (a created output). */
export interface ArrayWriter {
  /** Writes `block` (shape `region.count`) at `region`. */
  write(region: Region, block: NDArray): Promise<void>;
  /** Releases the file. */
  close(): void | Promise<void>;
}

/** What {@link FormatEntry.create} makes. */
export interface CreateOptions {
  /** Axis lengths. */
  readonly shape: readonly number[];
  /** Element type. */
  readonly dtype: DType;
  /** Storage chunks (formats that have them; default: the format's choice). */
  readonly chunks?: readonly number[];
  /** Compression (one of the entry's `codecs`); null or absent for the format's default. */
  readonly codec?: CodecSpec | null;
  /** What travels from the source (attributes, dimensions, fill value); absent: nothing. */
  readonly metadata?: OutputMetadata | null;
}

/**
 * The metadata an output carries (DESIGN.md, contract 10), decided by the
 * stream layer from the sources it is computed from.
 */
export interface OutputMetadata {
  /**
   * Attributes as plain JSON values. `_FillValue` here means "this value is
   * missing" (CF); a Zarr writer stores it as the array's `fill_value`.
   */
  readonly attributes: Readonly<Record<string, unknown>>;
  /** Element types of numeric attributes, where known (HDF5 writes them so). */
  readonly attributeTypes: Readonly<Record<string, DType>>;
  /** One name per axis (null: unnamed, written as `dim_N`), or null for none. */
  readonly dimensions: readonly (string | null)[] | null;
  /** Value of elements never written, or null for none (Zarr `fill_value` null). */
  readonly fillValue: number | bigint | boolean | null;
}

/** What a created array asks of its writers. */
export interface Created {
  /** Block shape the writes must follow (whole storage chunks), or null for any blocks. */
  readonly gridChunks: readonly number[] | null;
}

/** What `info` reports about one array. */
export interface ArrayInfo {
  /** The locator, as given. */
  readonly locator: string;
  /** The format. */
  readonly format: Format;
  /** `"array"`. */
  readonly kind: "array";
  /** Axis lengths. */
  readonly shape: readonly number[];
  /** Element type. */
  readonly dtype: string;
  /** Storage chunks, or null. */
  readonly chunks: readonly number[] | null;
  /** Compression in one line (`gzip:1`, `none`). */
  readonly codec: string;
  /** Value of elements never written, when the format has one. */
  readonly fillValue?: unknown;
  /** Bytes in memory. */
  readonly memoryBytes: number;
  /** Bytes on disk. */
  readonly diskBytes: number;
  /** What `diskBytes` counts when it is more than the array (`"whole file"`). */
  readonly diskScope?: string;
  /** Attributes (plain JSON values). */
  readonly attributes: Record<string, unknown>;
  /** Format-specific facts. */
  readonly extra?: Record<string, unknown>;
}

/** One node of a tree (a group or an array of an HDF5 file or Zarr store). */
export interface TreeNode {
  /** Absolute path in the file or store. */
  readonly path: string;
  /** Group or array. */
  readonly kind: "group" | "array";
  /** Arrays: axis lengths. */
  readonly shape?: readonly number[];
  /** Arrays: element type (or the unsupported type's name), null when unknown. */
  readonly dtype?: string | null;
  /** Arrays: storage chunks. */
  readonly chunks?: readonly number[] | null;
  /** Arrays: compression. */
  readonly codec?: string;
  /** Attributes (plain JSON values). */
  readonly attributes: Record<string, unknown>;
  /** Format-specific facts (Zarr: `zarrFormat`). */
  readonly [key: string]: unknown;
}

/** What `info` reports about a whole file or store. */
export interface TreeInfo {
  /** The locator, as given. */
  readonly locator: string;
  /** The format. */
  readonly format: Format;
  /** `"tree"`. */
  readonly kind: "tree";
  /** Bytes on disk. */
  readonly diskBytes: number;
  /** Every group and array, depth first. */
  readonly nodes: readonly TreeNode[];
  /** Format-specific facts (netCDF-4: dimensions, coordinates). */
  readonly extra?: Record<string, unknown>;
}

/** Options of {@link FormatModule.finish}. */
export interface FinishOptions {
  /** The run's memory budget in bytes: what the finishing step may hold (default 64 MiB). */
  readonly memory?: number;
}

/** What one format's module implements (loaded by its {@link FormatEntry} on first use). */
export interface FormatModule {
  /** Whether the file or directory at `path` holds this format (by its contents). */
  detect(path: string): Promise<boolean>;
  /** Opens an array for reading. */
  open(locator: Locator): Promise<OpenedArray>;
  /** Creates an empty array (writers then fill it through `openWriter`). */
  create(locator: Locator, options: CreateOptions): Promise<Created>;
  /** Opens a created array for writing regions. */
  openWriter(locator: Locator): Promise<ArrayWriter>;
  /**
   * Completes a created array once every region is written, before it is
   * published (Arrow: the staged rows become the IPC file). Absent when
   * nothing is left to do.
   */
  finish?(locator: Locator, target: Locator, options?: FinishOptions): Promise<void>;
  /** What `tessera info` reports (`text`: the locator as given). */
  info(locator: Locator, text: string): Promise<ArrayInfo | TreeInfo>;
  /**
   * Containers: what is at the locator's object of an existing file or
   * store (`"dataset"`, `"group"`, `"array"`), or null when nothing is.
   * Throws a `FormatError` when the file is not of this format.
   */
  probe?(locator: Locator): Promise<string | null>;
  /** Containers staged by copy (HDF5): removes the object from the (copied) file. */
  removeObject?(locator: Locator): Promise<void>;
  /** Containers staged by member (Zarr): brings the store's metadata up to date after a swap. */
  published?(locator: Locator, temp: Locator): Promise<void>;
}

/**
 * How an object is written into an existing container (a file or store
 * holding other objects): `"copy"`, the container is copied to its
 * temporary name, the object created in the copy, and the copy renamed over
 * the container (HDF5: a file open for writing is fragile); `"member"`, the
 * object is written under a temporary name inside the container and swapped
 * in by rename (Zarr). Null for plain files, replaced whole.
 */
export type Staging = "copy" | "member" | null;

/** One format of the registry. */
export interface FormatEntry {
  /** The format's name. */
  readonly name: Format;
  /** The file extensions of locators (`.h5`, ...). */
  readonly extensions: readonly string[];
  /** The codecs its writer takes (`none` always; none at all for a read-only format). */
  readonly codecs: readonly CodecName[];
  /** Whether its writer takes the byte-shuffle filter before its codec (`shuffle+gzip`: HDF5). */
  readonly shuffle: boolean;
  /** Whether the processes writing one output must take turns (serial HDF5). */
  readonly serialWrites: boolean;
  /** Whether the output is written as a whole by one process after every block is in (Arrow). */
  readonly staged: boolean;
  /** How an object is written into an existing container ({@link Staging}). */
  readonly staging: Staging;
  /** {@link FormatModule.detect}, loading the module first. */
  detect(path: string): Promise<boolean>;
  /** Loads the format's module. */
  module(): Promise<FormatModule>;
  /** {@link FormatModule.open}, loading the module first. */
  open(locator: string | Locator): Promise<OpenedArray>;
  /** {@link FormatModule.create}, loading the module first. */
  create(locator: string | Locator, options: CreateOptions): Promise<Created>;
  /** {@link FormatModule.openWriter}, loading the module first. */
  openWriter(locator: string | Locator): Promise<ArrayWriter>;
  /** {@link FormatModule.finish}, loading the module first (nothing when it has none). */
  finish(locator: Locator, target: Locator, options?: FinishOptions): Promise<void>;
  /** {@link FormatModule.info}, loading the module first. */
  info(locator: string | Locator): Promise<ArrayInfo | TreeInfo>;
  /** {@link FormatModule.probe}, loading the module first (null for plain files). */
  probe(locator: Locator): Promise<string | null>;
  /** {@link FormatModule.removeObject}, loading the module first. */
  removeObject(locator: Locator): Promise<void>;
  /** {@link FormatModule.published}, loading the module first (nothing when it has none). */
  published(locator: Locator, temp: Locator): Promise<void>;
}

interface Definition {
  readonly codecs: readonly CodecName[];
  readonly shuffle?: boolean;
  readonly serialWrites?: boolean;
  readonly staged?: boolean;
  readonly staging?: Staging;
  readonly load: () => Promise<{ format: FormatModule }>;
}

// relative specifiers, so that a script importing mod.ts by URL loads them from there
const DEFINITIONS: { readonly [F in Format]: Definition } = {
  npy: {
    codecs: ["none"],
    load: () => import("./_formats/npy.ts"),
  },
  hdf5: {
    codecs: ["none", "gzip", "lz4", "bz2"],
    shuffle: true,
    serialWrites: true,
    staging: "copy",
    load: () => import("./_formats/hdf5.ts"),
  },
  zarr: {
    codecs: ["none", "gzip", "zlib", "zstd", "lz4", "blosc", "bz2"],
    staging: "member",
    load: () => import("./_formats/zarr.ts"),
  },
  arrow: {
    codecs: ["none"],
    staged: true,
    load: () => import("./_formats/arrow.ts"),
  },
  netcdf3: {
    codecs: [],
    load: () => import("./_formats/netcdf3.ts"),
  },
};

/**
 * The format an existing file is read as: its extension's, unless another
 * format that shares the extension recognises the contents (a `.nc` file
 * is HDF5 by its extension, netCDF-3 when it starts with `CDF\x01` or
 * `CDF\x02`). Writes keep the extension's format.
 */
async function byContents(loc: Locator): Promise<Locator> {
  const dot = loc.path.lastIndexOf(".");
  const ext = dot < 0 ? "" : loc.path.slice(dot).toLowerCase();
  for (const [name, rule] of Object.entries(LOCATOR_RULES) as [Format, LocatorRule][]) {
    if (name === loc.format || !rule.extensions.includes(ext)) continue;
    if (!LOCATOR_RULES[loc.format].extensions.includes(ext)) continue;
    if (await FORMATS[name].detect(loc.path)) return { ...loc, format: name };
  }
  return loc;
}

function makeEntry(name: Format, def: Definition): FormatEntry {
  let loaded: Promise<FormatModule> | null = null;
  const load = (): Promise<FormatModule> => loaded ??= def.load().then((m) => m.format);
  // reads of a file whose extension another format shares go by its contents
  const reader = async (l: Locator): Promise<[FormatModule, Locator]> => {
    const at = await byContents(l);
    return [at.format === name ? await load() : await FORMATS[at.format].module(), at];
  };
  const loc = (l: string | Locator, options?: ParseLocatorOptions): Locator =>
    typeof l === "string" ? parseLocator(l, { ...options, format: name }) : l;
  const text = (l: string | Locator): string =>
    typeof l === "string" ? l : l.object === null ? l.path : `${l.path}:${l.object}`;
  return Object.freeze({
    name,
    extensions: LOCATOR_RULES[name].extensions,
    codecs: Object.freeze([...def.codecs]),
    shuffle: def.shuffle ?? false,
    serialWrites: def.serialWrites ?? false,
    staged: def.staged ?? false,
    staging: def.staging ?? null,
    detect: async (path: string) => (await load()).detect(path),
    module: load,
    open: async (l: string | Locator) => {
      const [m, at] = await reader(loc(l));
      return m.open(at);
    },
    create: async (l: string | Locator, o: CreateOptions) => (await load()).create(loc(l), o),
    openWriter: async (l: string | Locator) => (await load()).openWriter(loc(l)),
    finish: async (l: Locator, target: Locator, o?: FinishOptions) => {
      const m = await load();
      if (m.finish) await m.finish(l, target, o);
    },
    info: async (l: string | Locator) => {
      const [m, at] = await reader(loc(l, { requireObject: false }));
      return m.info(at, text(l));
    },
    probe: async (l: Locator) => {
      const [m, at] = await reader(l);
      return m.probe ? m.probe(at) : null;
    },
    removeObject: async (l: Locator) => {
      const m = await load();
      if (!m.removeObject) throw new TypeError(`Cannot remove an object from a ${name} file`);
      await m.removeObject(l);
    },
    published: async (l: Locator, temp: Locator) => {
      const m = await load();
      if (m.published) await m.published(l, temp);
    },
  });
}

/** The registry: every format Tessera reads and writes. */
export const FORMATS: { readonly [F in Format]: FormatEntry } = Object.freeze({
  npy: makeEntry("npy", DEFINITIONS.npy),
  hdf5: makeEntry("hdf5", DEFINITIONS.hdf5),
  zarr: makeEntry("zarr", DEFINITIONS.zarr),
  arrow: makeEntry("arrow", DEFINITIONS.arrow),
  netcdf3: makeEntry("netcdf3", DEFINITIONS.netcdf3),
});

/**
 * The registry entry of a locator's format (from its extension).
 *
 * @param locator A locator (`x.npy`, `f.h5:/a`) or a parsed one.
 * @returns The entry.
 * @throws {SyntaxError} When the locator does not parse.
 *
 * @example
 * ```ts
 * import { formatOf } from "./formats.ts";
 * import assert from "node:assert/strict";
 * assert.equal(formatOf("store.zarr:/a").name, "zarr");
 * assert.ok(formatOf("x.h5:/t").codecs.includes("gzip"));
 * ```
 */
export function formatOf(locator: string | Locator): FormatEntry {
  const format = typeof locator === "string"
    ? parseLocator(locator, { requireObject: false }).format
    : locator.format;
  return FORMATS[format];
}

/**
 * Finds the format of a file or directory by its contents (magic bytes,
 * Zarr metadata), trying every format of the registry.
 *
 * @param path A file or a Zarr store.
 * @returns The format, or null when none recognises it.
 *
 * @example
 * ```ts
 * import { detectFormat } from "./formats.ts";
 * import { writeNpy } from "./npy.ts";
 * import { zeros } from "../core/ndarray.ts";
 * import assert from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * await writeNpy(`${dir}/data.bin`, zeros([2]));
 * assert.equal(await detectFormat(`${dir}/data.bin`), "npy");
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function detectFormat(path: string): Promise<Format | null> {
  for (const entry of Object.values(FORMATS)) {
    if (await entry.detect(path)) return entry.name;
  }
  return null;
}
