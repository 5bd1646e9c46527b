/**
 * Codec strings, parsed once: the `--codec` option of the CLI and the
 * `codec` option of `LazyArray.to`, `createZarr` and the HDF5 writers all go
 * through {@link parseCodec}, which turns the text into a typed
 * {@link CodecSpec}; each format maps the spec to its own configuration
 * (Zarr v2/v3 codec documents, the HDF5 deflate filter).
 *
 * Forms: `none` (or `raw`), `gzip[:level]`, `zlib[:level]` (level 0..9),
 * `zstd[:level]` (-131072..22), `lz4` (a level left out is null: the
 * format's default, 1 for Zarr, 4 for HDF5 gzip as in h5py),
 * `blosc[:cname[:clevel[:shuffle]]]` (cname one of blosclz, lz4, lz4hc,
 * zlib, zstd, snappy, default lz4; clevel 0..9, default 5; shuffle
 * `noshuffle`, `shuffle` (default), `bitshuffle` or 0/1/2).
 * `shuffle+gzip[:level]` (also `shuffle+zlib`) puts HDF5's byte-shuffle
 * filter before deflate, as h5py's `shuffle=True` and netCDF's `_Shuffle`;
 * only HDF5 output takes it (Zarr: use blosc's shuffle).
 *
 * @module
 */

import { encodeWorkerBytes, holdEncodesInThread } from "./_encode_pool.ts";

/** A compressor blosc can use inside its frames. */
export type BloscCname = "blosclz" | "lz4" | "lz4hc" | "zlib" | "zstd" | "snappy";
/** Every blosc compressor (a record, so that the compiler checks it against the type). */
const CNAMES: { readonly [C in BloscCname]: true } = {
  blosclz: true,
  lz4: true,
  lz4hc: true,
  zlib: true,
  zstd: true,
  snappy: true,
};
/** Every blosc compressor. */
export const BLOSC_CNAMES = Object.keys(CNAMES) as readonly BloscCname[];
/** A blosc shuffle filter. */
export type BloscShuffle = "noshuffle" | "shuffle" | "bitshuffle";
/** Blosc's shuffle filters, in the order of their numbers (0, 1, 2). */
export const BLOSC_SHUFFLES: readonly BloscShuffle[] = ["noshuffle", "shuffle", "bitshuffle"];

/** A parsed codec string. */
export type CodecSpec =
  | { readonly name: "none" }
  | {
    readonly name: "gzip" | "zlib" | "zstd" | "bz2";
    /** The compression level, or null for the format's default. */
    readonly level: number | null;
    /** Byte shuffle before compression (`shuffle+gzip`; HDF5 only), absent when off. */
    readonly shuffle?: true;
  }
  | { readonly name: "lz4" }
  | {
    readonly name: "blosc";
    readonly cname: BloscCname;
    readonly clevel: number;
    readonly shuffle: BloscShuffle;
  };

/** The name of a codec (`"none"`, `"gzip"`, ..., `"blosc"`). */
export type CodecName = CodecSpec["name"];

/** Every codec name, in the order of the documentation. */
export const CODEC_NAMES: readonly CodecName[] = [
  "none",
  "gzip",
  "zlib",
  "zstd",
  "lz4",
  "blosc",
  "bz2",
];

const FORMS = "none, gzip[:level], zlib[:level], zstd[:level], lz4, " +
  "blosc[:cname[:clevel[:shuffle]]], bz2[:level] or shuffle+gzip[:level]";

const SHUFFLE_PREFIX = "shuffle+";

function integer(text: string, field: string, part: string, lo: number, hi: number): number {
  if (!/^[+-]?\d+$/.test(part)) {
    throw new SyntaxError(`Cannot parse codec "${text}": ${field} "${part}" is not an integer`);
  }
  const n = Number(part);
  if (n < lo || n > hi) {
    throw new RangeError(
      `Invalid codec "${text}": ${field} ${part} is out of range, expected ${lo}..${hi}`,
    );
  }
  return n;
}

function arity(text: string, name: string, parts: readonly string[], most: number): void {
  if (parts.length > most) {
    throw new SyntaxError(
      `Cannot parse codec "${text}": ${name} takes at most ${most} parameter${
        most === 1 ? "" : "s"
      }, got ${parts.length}`,
    );
  }
  const empty = parts.indexOf("");
  if (empty >= 0) {
    throw new SyntaxError(`Cannot parse codec "${text}": parameter ${empty + 1} is empty`);
  }
}

/**
 * Parses a codec string into a typed spec. Case and surrounding spaces are
 * ignored; `raw` is a synonym of `none`.
 *
 * @param text The codec string, e.g. `gzip:4` or `blosc:zstd:5`.
 * @returns The spec (blosc's defaults filled in; a missing level is null).
 * @throws {TypeError} When `text` is not a string, names an unknown codec, or
 *   an unknown blosc compressor or shuffle.
 * @throws {SyntaxError} When a parameter is empty, not an integer, or extra.
 * @throws {RangeError} When a level is out of range.
 *
 * @example
 * ```ts
 * import { parseCodec } from "./codec.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(parseCodec("blosc:zstd:5"), {
 *   name: "blosc", cname: "zstd", clevel: 5, shuffle: "shuffle",
 * });
 * assert.deepEqual(parseCodec("gzip:4"), { name: "gzip", level: 4 });
 * assert.deepEqual(parseCodec("zstd"), { name: "zstd", level: null });
 * assert.deepEqual(parseCodec("shuffle+gzip:4"), { name: "gzip", level: 4, shuffle: true });
 * assert.throws(() => parseCodec("gzip:10"), RangeError);
 * ```
 */
export function parseCodec(text: string): CodecSpec {
  if (typeof text !== "string") {
    throw new TypeError(`Invalid codec ${String(text)}: expected a string such as "gzip:1"`);
  }
  const lower = text.trim().toLowerCase();
  if (lower.startsWith(SHUFFLE_PREFIX)) {
    const rest = parseCodec(lower.slice(SHUFFLE_PREFIX.length));
    if ((rest.name !== "gzip" && rest.name !== "zlib") || rest.shuffle) {
      throw new TypeError(
        `Invalid codec "${text}": shuffle goes before gzip or zlib only, as in "shuffle+gzip:4"`,
      );
    }
    return { ...rest, shuffle: true };
  }
  const [head, ...params] = lower.split(":");
  switch (head) {
    case "none":
    case "raw":
      arity(text, head, params, 0);
      return { name: "none" };
    case "gzip":
    case "zlib":
      arity(text, head, params, 1);
      return { name: head, level: params[0] ? integer(text, "level", params[0], 0, 9) : null };
    case "zstd":
      arity(text, head, params, 1);
      return {
        name: "zstd",
        level: params[0] ? integer(text, "level", params[0], -131072, 22) : null,
      };
    case "lz4":
      arity(text, head, params, 0);
      return { name: "lz4" };
    case "bz2":
      arity(text, head, params, 1);
      return { name: "bz2", level: params[0] ? integer(text, "level", params[0], 1, 9) : null };
    case "blosc": {
      arity(text, head, params, 3);
      const cname = (params[0] ?? "lz4") as BloscCname;
      if (!BLOSC_CNAMES.includes(cname)) {
        throw new TypeError(
          `Invalid codec "${text}": unknown blosc compressor "${cname}", expected one of ${
            BLOSC_CNAMES.join(", ")
          }`,
        );
      }
      const clevel = params[1] ? integer(text, "clevel", params[1], 0, 9) : 5;
      let shuffle: BloscShuffle = "shuffle";
      if (params[2] !== undefined) {
        const s = params[2];
        const i = /^\d$/.test(s) ? Number(s) : BLOSC_SHUFFLES.indexOf(s as BloscShuffle);
        if (!(i >= 0 && i < BLOSC_SHUFFLES.length)) {
          throw new TypeError(
            `Invalid codec "${text}": unknown blosc shuffle "${s}", expected one of ${
              BLOSC_SHUFFLES.join(", ")
            } (or 0, 1, 2)`,
          );
        }
        shuffle = BLOSC_SHUFFLES[i];
      }
      return { name: "blosc", cname, clevel, shuffle };
    }
    default:
      throw new TypeError(`Unknown codec "${text}": expected ${FORMS}`);
  }
}

/**
 * The canonical text of a spec (what {@link parseCodec} reads back to the
 * same spec): `none`, `gzip:1` (`gzip` without a level), `lz4`,
 * `blosc:lz4:5` (the shuffle is added only when it is not the default
 * `shuffle`), `shuffle+gzip:4`.
 *
 * @param spec A codec spec.
 * @returns Its text.
 *
 * @example
 * ```ts
 * import { formatCodec, parseCodec } from "./codec.ts";
 * import assert from "node:assert/strict";
 * assert.equal(formatCodec(parseCodec("BLOSC")), "blosc:lz4:5");
 * assert.equal(formatCodec(parseCodec("blosc:zstd:3:2")), "blosc:zstd:3:bitshuffle");
 * assert.equal(formatCodec(parseCodec("SHUFFLE+gzip:4")), "shuffle+gzip:4");
 * ```
 */
export function formatCodec(spec: CodecSpec): string {
  switch (spec.name) {
    case "none":
    case "lz4":
      return spec.name;
    case "blosc":
      return `blosc:${spec.cname}:${spec.clevel}${
        spec.shuffle === "shuffle" ? "" : `:${spec.shuffle}`
      }`;
    default:
      return `${spec.shuffle ? SHUFFLE_PREFIX : ""}${
        spec.level === null ? spec.name : `${spec.name}:${spec.level}`
      }`;
  }
}

/**
 * Bytes the chunk encodes of a writer hold while it writes chunks of
 * `chunkBytes` with `spec` (null: the format's default codec): the encode
 * workers' heaps and the chunks in flight (io/_encode_pool.ts), for the
 * stream planner. Zarr encodes every compressing codec on the workers (its
 * default is gzip:1); HDF5 its deflate and shuffle+deflate (direct chunk
 * writes); anything else encodes nothing there: 0.
 *
 * @param format The output's format name (`"zarr"`, `"hdf5"`, ...).
 * @param spec The codec, or null for the format's default.
 * @param chunkBytes Bytes of one chunk.
 * @param threads The thread count (default: core/threads.ts threadCount()).
 * @returns The bytes.
 *
 * @example
 * ```ts
 * import { encodeHeldBytes, parseCodec } from "./codec.ts";
 * console.log(encodeHeldBytes("npy", null, 1 << 20)); // 0
 * console.log(encodeHeldBytes("zarr", parseCodec("none"), 1 << 20)); // 0
 * console.log(encodeHeldBytes("hdf5", parseCodec("gzip:1"), 1 << 20, 2) > 4 << 20); // true
 * ```
 */
export function encodeHeldBytes(
  format: string,
  spec: CodecSpec | null,
  chunkBytes: number,
  threads?: number,
): number {
  if (format === "zarr") {
    return spec?.name === "none" ? 0 : encodeWorkerBytes("zarr", chunkBytes, threads);
  }
  if (format === "hdf5" && spec !== null && (spec.name === "gzip" || spec.name === "zlib")) {
    return encodeWorkerBytes("h5", chunkBytes, threads);
  }
  return 0;
}

/**
 * Makes the writers' chunk encodes run in the calling thread (no encode
 * workers) until the returned function is called: the stream planner's
 * choice when the workers would take more than half a run's budget.
 *
 * @returns The release.
 *
 * @example
 * ```ts
 * import { encodeInThread } from "./codec.ts";
 * const release = encodeInThread();
 * release();
 * ```
 */
export function encodeInThread(): () => void {
  return holdEncodesInThread();
}
