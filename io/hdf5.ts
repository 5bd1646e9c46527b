/**
 * HDF5 files through the real libhdf5 (1.10 or later, loaded on first use):
 * `H5File` for groups, listings and attributes, `H5Dataset` for region reads
 * and writes straight into and out of NDArray buffers, and `openDataset` for a
 * locator such as `era5.h5:/t2m`.
 *
 * @module
 */
import { type DType, type Scalar } from "../core/dtype.ts";
import { FormatError } from "../core/errors.ts";
import { empty, NDArray } from "../core/ndarray.ts";
import {
  check,
  cstr,
  H5D_FILL_TIME,
  H5E_DEFAULT,
  H5F_ACC,
  H5F_OBJ,
  H5I,
  H5P_DEFAULT,
  H5S,
  H5S_UNLIMITED,
  hdf5,
  type Hid,
  hsize,
} from "../ffi/hdf5.ts";
import { parseLocator } from "./locator.ts";
import { H5Z_FILTER_BZIP2, H5Z_FILTER_LZ4, setPluginFilter } from "./_hdf5_plugins.ts";
import {
  attributeNames,
  bytesOf,
  cachedTypeCount,
  closer,
  createLayout,
  datasetEntry,
  datasetInternals,
  defineFileInternals,
  fileType,
  memType,
  normalizePath,
  openError,
  readAttribute,
  registry,
  withIds,
  writeAttribute,
} from "./_hdf5_handles.ts";
import {
  type H5AttributeOptions,
  type H5AttributeValue,
  H5Dataset,
  type H5DatasetInfo,
  type H5Filter,
} from "./hdf5_dataset.ts";

export {
  type H5AttributeOptions,
  type H5AttributeValue,
  H5Dataset,
  type H5DatasetInfo,
  type H5Filter,
};

/**
 * How a file is opened: `"r"` read-only (the default), `"r+"` read-write,
 * `"w"` create or truncate, `"x"` create and fail if the file exists.
 */
export type H5Mode = "r" | "r+" | "w" | "x";

/** Options of {@link H5File.open}. */
export interface H5FileOptions {
  /** How to open the file (default `"r"`: nothing can be written). */
  readonly mode?: H5Mode;
}

/** One entry of {@link H5File.list}. */
export interface H5Entry {
  /** Absolute object path (`/group/dataset`). */
  readonly path: string;
  /** What the object is. */
  readonly kind: "group" | "dataset";
  /** Dataset shape (datasets only). */
  readonly shape?: readonly number[];
  /** Dataset element type, null when Tessera cannot read it (datasets only). */
  readonly dtype?: DType | null;
  /** HDF5 class name of a type Tessera cannot read (`H5T_COMPOUND`), else absent. */
  readonly unsupportedType?: string;
  /** Storage chunk shape, null for contiguous or compact storage (datasets only). */
  readonly chunks?: readonly number[] | null;
}

/** Options of {@link H5File.createDataset}. */
export interface H5CreateOptions {
  /** Shape. */
  readonly shape: readonly number[];
  /** Element type (default float64). */
  readonly dtype?: DType;
  /** Chunk shape; chosen automatically when chunking is needed and this is absent. */
  readonly chunks?: readonly number[];
  /** Maximum shape; null for an unlimited axis (needs chunks). Default: `shape`. */
  readonly maxshape?: readonly (number | null)[];
  /** Compression filter (needs chunks); `lz4`, `bz2` need libhdf5's plugins (hdf5-filter-plugin). */
  readonly compression?: "gzip" | "lz4" | "bz2";
  /** gzip level 0-9 (default 4, as h5py); bz2 1-9 (default 9). */
  readonly compressionLevel?: number;
  /** Byte shuffle before compression. */
  readonly shuffle?: boolean;
  /** Value of elements never written. */
  readonly fillValue?: Scalar;
  /** Store big-endian values (default: native order). */
  readonly bigEndian?: boolean;
  /** Data to write at once (shape `shape`, any dtype: converted). */
  readonly data?: NDArray;
}

// ---------------------------------------------------------------- H5File

const OPEN_MODES: readonly H5Mode[] = ["r", "r+", "w", "x"];

/**
 * An open HDF5 file. Read-only unless opened with mode `"r+"`, `"w"` or
 * `"x"`. Close it with `close()` or `using`.
 *
 * @example
 * ```ts
 * import { H5File } from "./hdf5.ts";
 * import { arange } from "../core/ndarray.ts";
 * import assert from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * {
 *   using f = H5File.open(`${dir}/a.h5`, { mode: "w" });
 *   using ds = f.createDataset("/g/x", { shape: [2, 3], dtype: "int32", data: arange(6).reshape([2, 3]) });
 *   f.setAttribute("/g", "units", "m");
 *   assert.equal(ds.dtype, "int32");
 * }
 * using f = H5File.open(`${dir}/a.h5`);
 * assert.deepEqual(f.list().map((e) => e.path), ["/g", "/g/x"]);
 * assert.equal(f.getAttribute("/g", "units"), "m");
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export class H5File implements Disposable {
  #id: Hid | null;
  #token = {};
  #dxpl: Hid | null;
  /** The file's path. */
  readonly path: string;
  /** How the file was opened. */
  readonly mode: H5Mode;

  private constructor(id: Hid, path: string, mode: H5Mode, dxpl: Hid | null = null) {
    this.#id = id;
    this.path = path;
    this.mode = mode;
    this.#dxpl = dxpl;
    registry.register(this, { id, close: closer("file") }, this.#token);
  }

  /**
   * Opens (or creates) a file.
   *
   * @param path The file's path.
   * @param options `mode`: `"r"` (default), `"r+"`, `"w"` (create or truncate), `"x"` (create new).
   * @returns The open file.
   * @throws {Deno.errors.NotFound} When a file opened with `"r"` or `"r+"` does not exist.
   * @throws {FormatError} When the file is not HDF5 or is truncated.
   * @throws {Hdf5Error} When the library fails otherwise.
   *
   * @example
   * ```ts
   * import { H5File } from "./hdf5.ts";
   * import assert from "node:assert/strict";
   * const dir = await Deno.makeTempDir();
   * using f = H5File.open(`${dir}/new.h5`, { mode: "w" });
   * assert.equal(f.mode, "w");
   * f.close();
   * await Deno.remove(dir, { recursive: true });
   * ```
   */
  static open(path: string, options: H5FileOptions = {}): H5File {
    return H5File.#openOwning(path, options.mode ?? "r", H5P_DEFAULT, null);
  }

  static {
    defineFileInternals({
      open: (path, mode, fapl, dxpl) => H5File.#openOwning(path, mode, fapl, dxpl),
      id: (file) => file.#fileId(),
      createDataset: (file, path, options, storage) => file.#createDataset(path, options, storage),
    });
  }

  // See FileInternals.open.
  static #openOwning(path: string, mode: H5Mode, fapl: Hid, dxpl: Hid | null): H5File {
    try {
      return H5File.#open(path, mode, fapl, dxpl);
    } catch (e) {
      if (dxpl !== null) hdf5().fn.H5Pclose(dxpl);
      throw e;
    }
  }

  static #open(path: string, mode: H5Mode, fapl: Hid, dxpl: Hid | null): H5File {
    if (!OPEN_MODES.includes(mode)) {
      throw new TypeError(`Invalid mode "${mode}": expected one of ${OPEN_MODES.join(", ")}`);
    }
    if (typeof path !== "string" || path === "") {
      throw new TypeError(`Invalid path ${JSON.stringify(path)}: expected a file name`);
    }
    const { fn } = hdf5();
    const ctx = { file: path };
    if (mode === "w" || mode === "x") {
      const flags = mode === "w" ? H5F_ACC.TRUNC : H5F_ACC.EXCL;
      const id = check(fn.H5Fcreate(cstr(path), flags, H5P_DEFAULT, fapl), "H5Fcreate", ctx);
      return new H5File(id, path, mode, dxpl);
    }
    try {
      const st = Deno.statSync(path);
      if (!st.isFile) throw new FormatError(path, "not a file");
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) {
        throw new Deno.errors.NotFound(`Cannot open "${path}": no such file`, { cause: e });
      }
      throw e;
    }
    const flags = mode === "r+" ? H5F_ACC.RDWR : H5F_ACC.RDONLY;
    const id = fn.H5Fopen(cstr(path), flags, fapl);
    if (id < 0) throw openError(path, id);
    return new H5File(id, path, mode, dxpl);
  }

  /**
   * The number of HDF5 objects (files, datasets, groups, named types,
   * attributes) open in this process, for leak checks.
   *
   * @returns The count (0 when everything has been closed).
   *
   * @example
   * ```ts
   * import { H5File } from "./hdf5.ts";
   * import assert from "node:assert/strict";
   * assert.equal(H5File.openObjectCount(), 0);
   * ```
   */
  static openObjectCount(): number {
    const lib = hdf5();
    const n = check(lib.fn.H5Fget_obj_count(BigInt(H5F_OBJ.ALL), H5F_OBJ.ALL), "H5Fget_obj_count");
    // the two memory types cached by this module (bool, float16) count as open datatypes,
    // and so do objects other isolates of this process held when the library was loaded
    return Number(n) - lib.objectsAtLoad - cachedTypeCount();
  }

  /**
   * The version of the loaded libhdf5 (`1.10.8`) and where it was loaded from.
   *
   * @returns Version and path.
   *
   * @example
   * ```ts
   * import { H5File } from "./hdf5.ts";
   * import assert from "node:assert/strict";
   * assert.match(H5File.library().version, /^1\.\d+\.\d+$/);
   * ```
   */
  static library(): { version: string; path: string } {
    const h = hdf5();
    return { version: h.version, path: h.path };
  }

  /** Whether the file is still open. */
  get isOpen(): boolean {
    return this.#id !== null;
  }

  // The file id (throws when closed).
  #fileId(): Hid {
    if (this.#id === null) throw new TypeError(`Cannot use "${this.path}": the file is closed`);
    return this.#id;
  }

  /**
   * What the object at `path` is, or null when there is none.
   *
   * @param path Object path (`/group/dataset`).
   * @returns `"group"`, `"dataset"`, `"datatype"` or null.
   *
   * @example
   * ```ts
   * import { H5File } from "./hdf5.ts";
   * const dir = await Deno.makeTempDir();
   * using f = H5File.open(`${dir}/k.h5`, { mode: "w" });
   * f.createDataset("/g/x", { shape: [2], dtype: "int8" }).close();
   * if (f.kind("/g") !== "group" || f.kind("/g/x") !== "dataset" || f.kind("/y") !== null) {
   *   throw new Error("bad kind");
   * }
   * await Deno.remove(dir, { recursive: true });
   * ```
   */
  kind(path: string): "group" | "dataset" | "datatype" | null {
    const p = normalizePath(path);
    if (p !== "/" && this.#missing(p) !== null) return null;
    return withIds((keep) => {
      const fn = hdf5().fn;
      const oid = keep(
        check(fn.H5Oopen(this.#fileId(), cstr(p), H5P_DEFAULT), "H5Oopen", this.#ctx(p)),
        fn.H5Oclose,
      );
      const t = fn.H5Iget_type(oid);
      return t === H5I.GROUP ? "group" : t === H5I.DATASET ? "dataset" : "datatype";
    });
  }

  /**
   * Lists the groups and datasets below a group, parents before children,
   * members in name order (as h5py's `visit`). Objects that cannot be
   * opened (dangling soft links, missing external files) are skipped.
   *
   * @param group The group to start from (default `/`, not itself listed).
   * @param options `recursive` (default true).
   * @returns The entries.
   *
   * @example
   * ```ts
   * import { H5File } from "./hdf5.ts";
   * const dir = await Deno.makeTempDir();
   * using f = H5File.open(`${dir}/l.h5`, { mode: "w" });
   * f.createDataset("/a/x", { shape: [3, 4], dtype: "float32" }).close();
   * const all = f.list().map((e) => `${e.kind} ${e.path}`).join("; ");
   * if (all !== "group /a; dataset /a/x") throw new Error(all);
   * if (f.list("/", { recursive: false }).length !== 1) throw new Error("not just /a");
   * await Deno.remove(dir, { recursive: true });
   * ```
   */
  list(group = "/", options: { recursive?: boolean } = {}): H5Entry[] {
    const root = normalizePath(group);
    const out: H5Entry[] = [];
    const fn = hdf5().fn;
    const gid = this.#openObject(root, "group");
    try {
      this.#walk(gid, root, options.recursive ?? true, out, 0);
    } finally {
      fn.H5Oclose(gid);
    }
    return out;
  }

  #walk(gid: Hid, path: string, recursive: boolean, out: H5Entry[], depth: number): void {
    const fn = hdf5().fn;
    const ginfo = new BigUint64Array(4); // H5G_info_t: storage_type, nlinks, max_corder, mounted
    check(fn.H5Gget_info(gid, ginfo), "H5Gget_info", this.#ctx(path));
    const n = Number(ginfo[1]);
    const dot = cstr(".");
    for (let i = 0; i < n; i++) {
      let buf = new Uint8Array(256);
      let len = Number(
        check(
          fn.H5Lget_name_by_idx(gid, dot, 0, 0, BigInt(i), buf, 256n, H5P_DEFAULT),
          "H5Lget_name_by_idx",
          this.#ctx(path),
        ),
      );
      if (len >= 256) {
        buf = new Uint8Array(len + 1);
        len = Number(fn.H5Lget_name_by_idx(gid, dot, 0, 0, BigInt(i), buf, BigInt(len + 1), 0n));
      }
      const name = new TextDecoder().decode(buf.subarray(0, len));
      const child = path === "/" ? `/${name}` : `${path}/${name}`;
      const oid = fn.H5Oopen(gid, cstr(name), H5P_DEFAULT);
      if (oid < 0) {
        fn.H5Eclear2(H5E_DEFAULT);
        continue;
      }
      try {
        const t = fn.H5Iget_type(oid);
        if (t === H5I.GROUP) {
          out.push({ path: child, kind: "group" });
          if (recursive && depth < 64) this.#walk(oid, child, recursive, out, depth + 1);
        } else if (t === H5I.DATASET) {
          out.push(datasetEntry(oid, child, this.path));
        }
      } finally {
        fn.H5Oclose(oid);
      }
    }
  }

  /**
   * Opens a dataset. Close it (or use `using`); the file stays usable.
   *
   * @param path Object path.
   * @returns The dataset.
   * @throws {FormatError} When there is no such dataset, the path is a group,
   *   or its datatype is not supported (named by its HDF5 class, `H5T_COMPOUND`).
   *
   * @example
   * ```ts
   * import { H5File } from "./hdf5.ts";
   * import { arange } from "../core/ndarray.ts";
   * const dir = await Deno.makeTempDir();
   * using f = H5File.open(`${dir}/d.h5`, { mode: "w" });
   * f.createDataset("/x", { shape: [4], dtype: "int32", data: arange(4) }).close();
   * using ds = f.dataset("/x");
   * if (ds.readSync("2:").get(1) !== 3) throw new Error("bad read");
   * await Deno.remove(dir, { recursive: true });
   * ```
   */
  dataset(path: string): H5Dataset {
    const p = normalizePath(path);
    const id = this.#openObject(p, "dataset");
    return datasetInternals().wrap(id, this, p, this.#dxpl);
  }

  /**
   * Creates a dataset (and any missing parent groups).
   *
   * @param path Object path.
   * @param options Shape, dtype, chunks, maxshape, compression, shuffle, fill value, data.
   * @returns The new dataset, open.
   * @throws {Deno.errors.AlreadyExists} When the object exists.
   * @throws {RangeError} For inconsistent shapes, chunks or compression levels.
   *
   * @example
   * ```ts
   * import { H5File } from "./hdf5.ts";
   * const dir = await Deno.makeTempDir();
   * using f = H5File.open(`${dir}/c.h5`, { mode: "w" });
   * using ds = f.createDataset("/g/t", {
   *   shape: [10, 20],
   *   dtype: "float32",
   *   maxshape: [null, 20],
   *   compression: "gzip",
   * });
   * if (ds.info.chunks === null || ds.info.maxshape[0] !== null) throw new Error("bad layout");
   * await Deno.remove(dir, { recursive: true });
   * ```
   */
  createDataset(path: string, options: H5CreateOptions): H5Dataset {
    return this.#createDataset(path, options, {});
  }

  // See FileInternals.createDataset.
  #createDataset(
    path: string,
    options: H5CreateOptions,
    storage: { readonly fillNever?: boolean },
  ): H5Dataset {
    const p = normalizePath(path);
    const { fn, ids } = hdf5();
    const ctx = this.#ctx(p);
    const { dtype, shape, maxshape, level, chunks } = createLayout(options, `"${this.path}:${p}"`);
    if (this.#exists(p)) {
      throw new Deno.errors.AlreadyExists(
        `Cannot create "${this.path}:${p}": an object with that name exists`,
      );
    }
    const id = withIds((keep) => {
      const space = keep(
        check(
          shape.length === 0 ? fn.H5Screate(H5S.SCALAR) : fn.H5Screate_simple(
            shape.length,
            hsize(shape),
            BigUint64Array.from(maxshape, (m) => (m === null ? H5S_UNLIMITED : BigInt(m))),
          ),
          "H5Screate_simple",
          ctx,
        ),
        fn.H5Sclose,
      );
      const dcpl = keep(
        check(fn.H5Pcreate(ids.H5P_CLS_DATASET_CREATE_ID_g), "H5Pcreate", ctx),
        fn.H5Pclose,
      );
      if (chunks !== null) {
        check(fn.H5Pset_chunk(dcpl, chunks.length, hsize(chunks)), "H5Pset_chunk", ctx);
      }
      if (options.shuffle) check(fn.H5Pset_shuffle(dcpl), "H5Pset_shuffle", ctx);
      if (options.compression === "gzip") {
        check(fn.H5Pset_deflate(dcpl, level), "H5Pset_deflate", ctx);
      }
      if (options.compression === "lz4") setPluginFilter(fn, dcpl, H5Z_FILTER_LZ4, "LZ4", ctx, [0]);
      if (options.compression === "bz2") {
        setPluginFilter(fn, dcpl, H5Z_FILTER_BZIP2, "BZip2", ctx, [options.compressionLevel ?? 9]);
      }
      if (storage.fillNever) {
        check(fn.H5Pset_fill_time(dcpl, H5D_FILL_TIME.NEVER), "H5Pset_fill_time", ctx);
      }
      if (options.fillValue !== undefined) {
        const fill = empty([1], dtype);
        fill.set([0], options.fillValue);
        check(
          fn.H5Pset_fill_value(dcpl, memType(dtype), bytesOf(fill.data)),
          "H5Pset_fill_value",
          ctx,
        );
      }
      const lcpl = keep(
        check(fn.H5Pcreate(ids.H5P_CLS_LINK_CREATE_ID_g), "H5Pcreate"),
        fn.H5Pclose,
      );
      check(fn.H5Pset_create_intermediate_group(lcpl, 1), "H5Pset_create_intermediate_group");
      const type = keep(fileType(dtype, options.bigEndian ?? false), fn.H5Tclose);
      return check(
        fn.H5Dcreate2(this.#fileId(), cstr(p), type, space, lcpl, dcpl, H5P_DEFAULT),
        "H5Dcreate2",
        ctx,
      );
    });
    const ds = datasetInternals().wrap(id, this, p, this.#dxpl);
    if (options.data !== undefined) {
      try {
        ds.writeSync(undefined, options.data);
      } catch (e) {
        ds.close();
        throw e;
      }
    }
    return ds;
  }

  /**
   * Creates a group and any missing parents; does nothing when it exists.
   *
   * @param path Group path.
   *
   * @example
   * ```ts
   * import { H5File } from "./hdf5.ts";
   * const dir = await Deno.makeTempDir();
   * using f = H5File.open(`${dir}/g.h5`, { mode: "w" });
   * f.createGroup("/a/b");
   * f.createGroup("/a/b"); // exists: nothing to do
   * if (f.kind("/a") !== "group" || f.kind("/a/b") !== "group") throw new Error("no group");
   * await Deno.remove(dir, { recursive: true });
   * ```
   */
  createGroup(path: string): void {
    const p = normalizePath(path);
    if (p === "/" || this.kind(p) === "group") return;
    const { fn, ids } = hdf5();
    withIds((keep) => {
      const lcpl = keep(
        check(fn.H5Pcreate(ids.H5P_CLS_LINK_CREATE_ID_g), "H5Pcreate"),
        fn.H5Pclose,
      );
      check(fn.H5Pset_create_intermediate_group(lcpl, 1), "H5Pset_create_intermediate_group");
      keep(
        check(
          fn.H5Gcreate2(this.#fileId(), cstr(p), lcpl, H5P_DEFAULT, H5P_DEFAULT),
          "H5Gcreate2",
          this.#ctx(p),
        ),
        fn.H5Gclose,
      );
    });
  }

  /**
   * Reads every attribute of an object.
   *
   * @param path Object path (default `/`).
   * @returns Attribute values by name, in name order.
   *
   * @example
   * ```ts
   * import { H5File } from "./hdf5.ts";
   * const dir = await Deno.makeTempDir();
   * using f = H5File.open(`${dir}/a.h5`, { mode: "w" });
   * f.setAttribute("/", "title", "run 1");
   * f.setAttribute("/", "scale", 0.5);
   * const attrs = f.attributes();
   * if (attrs.title !== "run 1" || attrs.scale !== 0.5) throw new Error("bad attributes");
   * await Deno.remove(dir, { recursive: true });
   * ```
   */
  attributes(path = "/"): Record<string, H5AttributeValue> {
    const p = normalizePath(path);
    return this.#withObject(p, (oid) => {
      const out: Record<string, H5AttributeValue> = {};
      for (const name of attributeNames(oid, this.path, p)) {
        out[name] = readAttribute(oid, name, this.path, p);
      }
      return out;
    });
  }

  /**
   * Reads one attribute.
   *
   * @param path Object path.
   * @param name Attribute name.
   * @returns Its value.
   * @throws {FormatError} When there is no such attribute or its type is unsupported.
   *
   * @example
   * ```ts
   * import { H5File } from "./hdf5.ts";
   * const dir = await Deno.makeTempDir();
   * using f = H5File.open(`${dir}/u.h5`, { mode: "w" });
   * f.setAttribute("/", "units", "K");
   * if (f.getAttribute("/", "units") !== "K") throw new Error("bad units");
   * await Deno.remove(dir, { recursive: true });
   * ```
   */
  getAttribute(path: string, name: string): H5AttributeValue {
    const p = normalizePath(path);
    return this.#withObject(p, (oid) => {
      if (check(hdf5().fn.H5Aexists(oid, cstr(name)), "H5Aexists", this.#ctx(p)) <= 0) {
        throw new FormatError(this.path, `object "${p}" has no attribute "${name}"`);
      }
      return readAttribute(oid, name, this.path, p);
    });
  }

  /**
   * Writes (or replaces) an attribute. Strings are variable-length UTF-8
   * unless `fixedLength`; integers are int64 and other numbers float64 unless
   * `dtype` says otherwise; booleans are stored as h5py does.
   *
   * @param path Object path.
   * @param name Attribute name.
   * @param value A scalar, a string, an array of strings, or an NDArray.
   * @param options `fixedLength` for strings, `dtype` for numbers.
   *
   * @example
   * ```ts
   * import { H5File } from "./hdf5.ts";
   * const dir = await Deno.makeTempDir();
   * using f = H5File.open(`${dir}/s.h5`, { mode: "w" });
   * f.createGroup("/g");
   * f.setAttribute("/g", "names", ["a", "b"]);
   * f.setAttribute("/g", "valid_max", 40, { dtype: "float32" });
   * if (JSON.stringify(f.getAttribute("/g", "names")) !== '["a","b"]') throw new Error("bad names");
   * if (f.getAttribute("/g", "valid_max") !== 40) throw new Error("bad valid_max");
   * await Deno.remove(dir, { recursive: true });
   * ```
   */
  setAttribute(
    path: string,
    name: string,
    value: H5AttributeValue,
    options: H5AttributeOptions = {},
  ): void {
    const p = normalizePath(path);
    this.#withObject(p, (oid) => writeAttribute(oid, name, value, options, this.#ctx(p)));
  }

  /**
   * Writes buffered data to disk.
   *
   * @example
   * ```ts
   * import { H5File } from "./hdf5.ts";
   * const dir = await Deno.makeTempDir();
   * using f = H5File.open(`${dir}/f.h5`, { mode: "w" });
   * f.createDataset("/x", { shape: [2], dtype: "int8" }).close();
   * f.flush();
   * if ((await Deno.stat(`${dir}/f.h5`)).size === 0) throw new Error("nothing on disk");
   * await Deno.remove(dir, { recursive: true });
   * ```
   */
  flush(): void {
    check(hdf5().fn.H5Fflush(this.#fileId(), 1), "H5Fflush", { file: this.path }); // H5F_SCOPE_GLOBAL
  }

  /**
   * Closes the file (idempotent). Datasets still open keep it alive until they close.
   *
   * @example
   * ```ts
   * import { H5File } from "./hdf5.ts";
   * const dir = await Deno.makeTempDir();
   * const f = H5File.open(`${dir}/z.h5`, { mode: "w" });
   * f.close();
   * f.close(); // idempotent
   * if (f.isOpen) throw new Error("still open");
   * await Deno.remove(dir, { recursive: true });
   * ```
   */
  close(): void {
    if (this.#id === null) return;
    const id = this.#id;
    this.#id = null;
    registry.unregister(this.#token);
    try {
      check(hdf5().fn.H5Fclose(id), "H5Fclose", { file: this.path });
    } finally {
      if (this.#dxpl !== null) hdf5().fn.H5Pclose(this.#dxpl);
      this.#dxpl = null;
    }
  }

  /** Closes the file. */
  [Symbol.dispose](): void {
    this.close();
  }

  #ctx(object: string): { file: string; object: string } {
    return { file: this.path, object };
  }

  #exists(p: string): boolean {
    return p === "/" || this.#missing(p) === null;
  }

  // The first missing component of p with its parent, or null when p exists.
  #missing(p: string): { parent: string; name: string; notGroup: boolean } | null {
    const fn = hdf5().fn;
    const parts = p.split("/").filter((s) => s);
    let prefix = "";
    for (const part of parts) {
      const parent = prefix || "/";
      prefix = `${prefix}/${part}`;
      const r = fn.H5Lexists(this.#fileId(), cstr(prefix), H5P_DEFAULT);
      if (r < 0) {
        fn.H5Eclear2(H5E_DEFAULT);
        return { parent, name: part, notGroup: true };
      }
      if (r === 0) return { parent, name: part, notGroup: false };
    }
    return null;
  }

  #openObject(p: string, want: "group" | "dataset" | "any"): Hid {
    const fn = hdf5().fn;
    const miss = p === "/" ? null : this.#missing(p);
    if (miss !== null) {
      throw new FormatError(
        this.path,
        `no ${want === "any" ? "object" : want} "${p}": ${
          miss.notGroup
            ? `"${miss.parent}" is not a group`
            : `group "${miss.parent}" has no member "${miss.name}"`
        }`,
      );
    }
    const oid = check(fn.H5Oopen(this.#fileId(), cstr(p), H5P_DEFAULT), "H5Oopen", this.#ctx(p));
    const t = fn.H5Iget_type(oid);
    const kind = t === H5I.GROUP ? "group" : t === H5I.DATASET ? "dataset" : "named datatype";
    if (want !== "any" && kind !== want) {
      fn.H5Oclose(oid);
      throw new FormatError(this.path, `"${p}" is a ${kind}, not a ${want}`);
    }
    return oid;
  }

  #withObject<T>(p: string, body: (oid: Hid) => T): T {
    const oid = this.#openObject(p, "any");
    try {
      return body(oid);
    } finally {
      hdf5().fn.H5Oclose(oid);
    }
  }
}

// ---------------------------------------------------------------- openDataset

/**
 * Opens the dataset named by a locator (`file.h5:/group/dataset`). Closing
 * the dataset closes the file.
 *
 * @param locator The locator.
 * @param options `mode` (default `"r"`; `"r+"` to write).
 * @returns The open dataset.
 * @throws {SyntaxError} When the locator is not an HDF5 locator with an object path.
 *
 * @example
 * ```ts
 * import { H5File, openDataset } from "./hdf5.ts";
 * import { arange } from "../core/ndarray.ts";
 * import assert from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * H5File.open(`${dir}/t.h5`, { mode: "w" })
 *   .createDataset("/a/b", { shape: [3], dtype: "int16", data: arange(3) }).close();
 * using ds = await openDataset(`${dir}/t.h5:/a/b`);
 * assert.deepEqual((await ds.read()).toArray(), [0, 1, 2]);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export function openDataset(
  locator: string,
  options: { mode?: "r" | "r+" } = {},
): Promise<H5Dataset> {
  try {
    const loc = parseLocator(locator);
    if (loc.format !== "hdf5") {
      throw new SyntaxError(`Cannot open "${locator}" as HDF5: its format is ${loc.format}`);
    }
    const file = H5File.open(loc.path, { mode: options.mode ?? "r" });
    try {
      return Promise.resolve(datasetInternals().ownFile(file.dataset(loc.object as string)));
    } catch (e) {
      file.close();
      throw e;
    }
  } catch (e) {
    return Promise.reject(e);
  }
}
