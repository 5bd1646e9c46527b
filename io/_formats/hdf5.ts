// The HDF5 entry of the format registry (io/formats.ts): libhdf5 is loaded
// by io/hdf5.ts on first use.

import { FLUSH_WRITES, QUEUED_WRITE } from "../_encode_pool.ts";
import { FormatError } from "../../core/errors.ts";
import { H5File, openDataset } from "../hdf5.ts";
import { fileInternals, normalizePath, unlink } from "../_hdf5_handles.ts";
import {
  attachDimensions,
  detachScale,
  isDimensionOnly,
  isScaleAt,
  makeCoordinate,
} from "../_hdf5_dims.ts";
import type { OutputMetadata } from "../formats.ts";
import { exists } from "../output.ts";
import { formatCodec } from "../codec.ts";
import { fromArray } from "../../core/ndarray.ts";
import type { FormatModule } from "../formats.ts";
import { headBytes, startsWith } from "./_info.ts";
import { datasetInfo, treeInfo } from "./_hdf5_info.ts";

const SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]; // \x89HDF\r\n\x1a\n

/** HDF5 through libhdf5: one writer at a time (serial library), shuffle and gzip compression. */
export const format: FormatModule = {
  async detect(path) {
    // the superblock is at 0 or after a user block of 512, 1024, 2048, ... bytes
    for (const at of [0, 512, 1024, 2048, 4096]) {
      if (startsWith(await headBytes(path, SIGNATURE.length, at), SIGNATURE)) return true;
    }
    return false;
  },
  async open(loc) {
    const ds = await openDataset(`${loc.path}:${loc.object}`);
    return {
      source: ds,
      // unfiltered chunks are read in part straight from the file; filtered
      // (compressed) ones would be decoded again for every sub-block; raw
      // reads on the decode workers take whole blocks (a worker's answer
      // costs about 1 ms: cache-sized pieces would wait on it)
      splittable: (ds.info.layout !== "chunked" || ds.info.filters.length === 0) &&
        ds.decodeWorkers === undefined,
      close: () => ds.close(),
    };
  },
  async create(loc, options) {
    const codec = options.codec ?? null;
    if (codec !== null && !["none", "gzip", "lz4", "bz2"].includes(codec.name)) {
      throw new TypeError(
        `Unsupported HDF5 codec "${
          formatCodec(codec)
        }": expected "gzip[:level]", "shuffle+gzip[:level]", "lz4", "bz2[:level]" (with libhdf5's filter plugins) or "none"`,
      );
    }
    const gzip = codec?.name === "gzip" ? codec : null;
    // a copy of an existing file (an object added to it) or a new file
    const f = H5File.open(loc.path, { mode: await exists(loc.path) ? "r+" : "w" });
    try {
      const object = normalizePath(loc.object as string);
      // a scale already there (a netCDF dimension, or a coordinate being
      // replaced): its variables are attached to the new dataset instead
      const moved = f.kind(object) === "dataset" && isScaleAt(f, object)
        ? detachScale(f, object)
        : [];
      if (f.kind(object) !== null) unlink(fileInternals().id(f), object, loc.path);
      const meta = options.metadata ?? null;
      const fill = meta?.fillValue ?? null;
      f.createDataset(object, {
        shape: [...options.shape],
        dtype: options.dtype,
        chunks: options.chunks ? [...options.chunks] : undefined,
        compression: gzip
          ? "gzip"
          : codec?.name === "lz4" || codec?.name === "bz2"
          ? codec.name
          : undefined,
        compressionLevel: gzip?.level ?? (codec?.name === "bz2" ? codec.level : null) ?? undefined,
        shuffle: gzip?.shuffle === true,
        ...(fill === null ? {} : { fillValue: fill }),
      }).close();
      if (meta !== null) writeAttributes(f, object, meta);
      const self = object.slice(object.lastIndexOf("/") + 1);
      const names = moved.length > 0 && options.shape.length === 1
        ? [self]
        : meta?.dimensions ?? null;
      if (names !== null && options.shape.length > 0) {
        attachDimensions(f, object, options.shape, names.map((d, i) => d ?? `dim_${i}`));
      }
      if (moved.length > 0 && options.shape.length === 1) makeCoordinate(f, object, moved);
    } finally {
      f.close();
    }
    return { gridChunks: null };
  },
  async probe(loc) {
    if (!(await this.detect(loc.path))) throw new FormatError(loc.path, "not an HDF5 file");
    using f = H5File.open(loc.path);
    // a netCDF dimension without a variable is no object to replace
    const at = normalizePath(loc.object ?? "/");
    if (at !== "/" && f.kind(at) === "dataset" && isDimensionOnly(f, at)) return null;
    const parts = (loc.object ?? "/").split("/").filter((p) => p !== "");
    for (let i = 1; i <= parts.length; i++) {
      const path = `/${parts.slice(0, i).join("/")}`;
      const kind = f.kind(path);
      if (kind === null) return null;
      if (i === parts.length) return kind;
      if (kind !== "group") {
        throw new TypeError(
          `Cannot write "${loc.path}:${loc.object}": "${path}" is a ${kind}, not a group`,
        );
      }
    }
    return "group";
  },
  removeObject(loc) {
    using f = H5File.open(loc.path, { mode: "r+" });
    const object = normalizePath(loc.object as string);
    // a dimension scale stays until create() moves its attachments to the new dataset
    if (f.kind(object) === "dataset" && isScaleAt(f, object)) return Promise.resolve();
    unlink(fileInternals().id(f), loc.object as string, loc.path);
    return Promise.resolve();
  },
  openWriter(loc) {
    const f = H5File.open(loc.path, { mode: "r+" });
    try {
      const ds = f.dataset(loc.object as string);
      return Promise.resolve({
        // queued: compressed chunks are encoded on the workers while the next block is computed
        write: (r, b) => ds[QUEUED_WRITE](r, b),
        close: async () => {
          try {
            await ds[FLUSH_WRITES]();
          } finally {
            try {
              ds.close();
            } finally {
              f.close();
            }
          }
        },
      });
    } catch (e) {
      f.close();
      return Promise.reject(e);
    }
  },
  async info(loc, text) {
    using f = H5File.open(loc.path);
    const object = loc.object;
    if (object === null || f.kind(object) === "group") return await treeInfo(loc, text, f);
    return await datasetInfo(loc, text, f);
  },
};

/** Writes the output's attributes, in their types where known, text as netCDF's NC_CHAR. */
function writeAttributes(f: H5File, object: string, meta: OutputMetadata): void {
  for (const [name, value] of Object.entries(meta.attributes)) {
    const dtype = meta.attributeTypes[name];
    const numbers = Array.isArray(value) && value.length > 0 &&
      value.every((v) => typeof v === "number" || typeof v === "bigint");
    if (typeof value === "string") {
      f.setAttribute(object, name, value, { fixedLength: true });
    } else if (Array.isArray(value) && value.every((v) => typeof v === "string")) {
      f.setAttribute(object, name, value as string[]);
    } else if (typeof value === "number" || typeof value === "bigint") {
      const d = dtype ??
        (typeof value === "bigint" || Number.isInteger(value) ? "int64" : "float64");
      f.setAttribute(object, name, value, { dtype: d });
    } else if (typeof value === "boolean") {
      f.setAttribute(object, name, Number(value), { dtype: "int8" });
    } else if (numbers) {
      const list = value as (number | bigint)[];
      const d = dtype ??
        (list.every((v) => typeof v === "bigint" || Number.isInteger(v)) ? "int64" : "float64");
      f.setAttribute(object, name, fromArray(list.map(Number), d));
    }
    // anything else (objects, nested lists, null) has no netCDF attribute type
  }
}
