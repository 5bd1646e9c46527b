// Codecs for io/zarr.ts: gzip and zlib that encode as well as decode
// (registered in zarrita's registry), a parsed `codec` option (io/codec.ts:
// "gzip:1", "blosc:zstd:5", ...) in Zarr v2 and v3 form, a one-line description of an
// array's codecs, the v2 -> v3 codec list, a faster blosc decode (io/_blosc.ts
// before numcodecs.js), the native codecs of io/_native_codecs.ts in front of
// all of these when their library loads, and an encode pipeline built from
// zarrita's registry (zarrita 0.7 only decodes chunks outside `zarr.set`).

import { deflateSync, gunzipSync, gzipSync, inflateSync } from "node:zlib";
import { decodeBlosc } from "./_blosc.ts";
import { BLOSC_SHUFFLES, type CodecSpec } from "./codec.ts";
import {
  bloscDecode,
  bloscEncode,
  deflateDecode,
  deflateEncode,
  lz4Decode,
  lz4Encode,
  nativeCodecAvailable,
  zstdDecode,
  zstdEncode,
} from "./_native_codecs.ts";
import { bz2Decode, bz2Encode, lzmaDecode, lzmaEncode } from "./_bz2_lzma.ts";
import { DTYPES, parseDescr } from "../core/dtype.ts";
import type { CodecLibraryName } from "../ffi/codecs.ts";
import { loadZarrita } from "./_npm.ts";

/** One codec of a Zarr v3 codec list. */
export interface CodecMeta {
  readonly name: string;
  readonly configuration?: Record<string, unknown>;
}

/** A chunk as zarrita's codecs see it. */
export interface RawChunk {
  data: unknown;
  shape: number[];
  stride: number[];
}

/** What a codec's `fromConfig` sees. */
export interface ChunkMeta {
  readonly dataType: string;
  readonly shape: number[];
  readonly codecs: CodecMeta[];
  readonly fillValue: unknown;
}

interface AnyCodec {
  kind?: string;
  encode(x: unknown): unknown;
  decode(x: unknown): unknown;
}

interface AnyEntry {
  fromConfig(config: unknown, meta: ChunkMeta): AnyCodec;
}

type Registry = Map<string, () => AnyEntry | Promise<AnyEntry>>;

let REGISTRY: Registry | null = null;

/** zarrita's codec registry (loaded by {@link registerCodecs}). */
function registry(): Registry {
  if (REGISTRY === null) throw new Error("zarrita is not loaded: call registerCodecs() first");
  return REGISTRY;
}

/** A byte array that owns its whole buffer (zarrita's bytes codec encodes `data.buffer`). */
function exact(b: Uint8Array): Uint8Array {
  return b.byteOffset === 0 && b.byteLength === b.buffer.byteLength
    ? new Uint8Array(b.buffer, 0, b.byteLength)
    : b.slice();
}

/** gzip (RFC 1952) and zlib (RFC 1950) through Deno's native node:zlib. */
class ZlibFamilyCodec implements AnyCodec {
  readonly kind = "bytes_to_bytes";
  readonly #gzip: boolean;
  readonly #level: number;
  constructor(gzip: boolean, level: number) {
    this.#gzip = gzip;
    this.#level = level;
  }
  encode(bytes: unknown): Uint8Array {
    const b = bytes as Uint8Array;
    return exact(
      this.#gzip ? gzipSync(b, { level: this.#level }) : deflateSync(b, { level: this.#level }),
    );
  }
  decode(bytes: unknown): Uint8Array {
    const b = bytes as Uint8Array;
    return exact(this.#gzip ? gunzipSync(b) : inflateSync(b));
  }
}

/**
 * numcodecs.js's blosc codec with a faster decode: LZ4 frames (shuffled or
 * not) and stored frames go through io/_blosc.ts; other frames, and frames
 * it does not handle go to numcodecs.js. A frame it handles but finds corrupt
 * or truncated is an error: numcodecs.js would return the chunk with
 * uninitialised bytes and no error.
 */
class FastBloscCodec implements AnyCodec {
  readonly kind = "bytes_to_bytes";
  readonly #inner: AnyCodec;
  constructor(inner: AnyCodec) {
    this.#inner = inner;
  }
  encode(bytes: unknown): unknown {
    return this.#inner.encode(bytes);
  }
  decode(bytes: unknown): unknown {
    return decodeBlosc(bytes as Uint8Array) ?? this.#inner.decode(bytes);
  }
}

/** Bytes per element of zarrita's data types (the fixed-size ones). */
const ITEMSIZE: Readonly<Record<string, number>> = {
  bool: 1,
  int8: 1,
  uint8: 1,
  int16: 2,
  uint16: 2,
  float16: 2,
  int32: 4,
  uint32: 4,
  float32: 4,
  int64: 8,
  uint64: 8,
  float64: 8,
};

/** Array-to-array codecs that keep the element size (a numcodecs filter with an `astype` may not). */
function keepsSize(c: CodecMeta): boolean {
  const cfg = c.configuration as { astype?: unknown; dtype?: unknown } | undefined;
  if (c.name === "bytes" || c.name === "transpose" || c.name === "scale_offset") return true;
  if (c.name !== "numcodecs.delta" && c.name !== "numcodecs.quantize") return false;
  return cfg?.astype === undefined || cfg.astype === cfg.dtype;
}

/**
 * The decoded size of a compressor's output when the chunk's codecs are
 * this one compressor and filters that keep the element count (`bytes`,
 * `transpose`, delta, quantize, scale_offset, and cast_value, whose type
 * sets the element size); undefined with other filters or a second
 * compressor in the list.
 */
function expectedBytes(meta: ChunkMeta): number | undefined {
  let itemsize = ITEMSIZE[meta.dataType];
  if (itemsize === undefined || !Array.isArray(meta.codecs)) return undefined;
  let compressors = 0;
  for (const c of meta.codecs) {
    if (c.name === "cast_value") {
      itemsize = ITEMSIZE[String((c.configuration as { data_type?: unknown })?.data_type)];
      if (itemsize === undefined) return undefined;
    } else if (!keepsSize(c)) compressors++;
  }
  if (compressors !== 1) return undefined;
  return meta.shape.reduce((a, b) => a * b, 1) * itemsize;
}

/** A compressor running in a native library (io/_native_codecs.ts). */
class NativeCodec implements AnyCodec {
  readonly kind = "bytes_to_bytes";
  readonly #decode: (b: Uint8Array) => Uint8Array;
  readonly #encode: (b: Uint8Array) => Uint8Array;
  constructor(decode: (b: Uint8Array) => Uint8Array, encode: (b: Uint8Array) => Uint8Array) {
    this.#decode = decode;
    this.#encode = encode;
  }
  encode(bytes: unknown): Uint8Array {
    return this.#encode(bytes as Uint8Array);
  }
  decode(bytes: unknown): Uint8Array {
    return this.#decode(bytes as Uint8Array);
  }
}

type Config = Record<string, unknown> | undefined;

function num(config: Config, key: string, fallback: number): number {
  const v = Number(config?.[key] ?? fallback);
  return Number.isFinite(v) ? v : fallback;
}

/** The native codec of each registry name: its library and how to build it. */
const NATIVE: ReadonlyArray<
  readonly [
    names: readonly string[],
    lib: CodecLibraryName,
    make: (c: Config, m: ChunkMeta) => AnyCodec,
  ]
> = [
  [["blosc", "numcodecs.blosc"], "blosc", (c, m) => {
    const expected = expectedBytes(m);
    const shuffle = typeof c?.shuffle === "string"
      ? Math.max(0, BLOSC_SHUFFLES.indexOf(c.shuffle as (typeof BLOSC_SHUFFLES)[number]))
      : num(c, "shuffle", 1);
    const settings = {
      cname: String(c?.cname ?? "lz4"),
      clevel: num(c, "clevel", 5),
      shuffle,
      typesize: num(c, "typesize", ITEMSIZE[m.dataType] ?? 1),
      blocksize: num(c, "blocksize", 0),
    };
    return new NativeCodec((b) => bloscDecode(b, expected), (b) => bloscEncode(b, settings));
  }],
  [["zstd", "numcodecs.zstd"], "zstd", (c, m) => {
    const expected = expectedBytes(m);
    const level = num(c, "level", 1);
    return new NativeCodec((b) => zstdDecode(b, expected), (b) => zstdEncode(b, level));
  }],
  [["lz4", "numcodecs.lz4"], "lz4", (c, m) => {
    const expected = expectedBytes(m);
    const acceleration = num(c, "acceleration", 1);
    return new NativeCodec((b) => lz4Decode(b, expected), (b) => lz4Encode(b, acceleration));
  }],
  [["numcodecs.bz2"], "bz2", (c, m) => {
    const expected = expectedBytes(m);
    const level = num(c, "level", 1);
    return new NativeCodec((b) => bz2Decode(b, expected), (b) => bz2Encode(b, level));
  }],
  [["numcodecs.lzma"], "lzma", (c, m) => {
    // numcodecs' defaults: format 1 (.xz), check -1 (CRC64), preset null (6), no filters
    const format = num(c, "format", 1);
    if ((format !== 0 && format !== 1) || (c?.filters ?? null) !== null) {
      throw new TypeError(
        `numcodecs.lzma: only .xz streams (format 1) with no custom filters are read, got ${
          JSON.stringify(c)
        }`,
      );
    }
    const expected = expectedBytes(m);
    const preset = c?.preset === null || c?.preset === undefined ? 6 : num(c, "preset", 6);
    return new NativeCodec((b) => lzmaDecode(b, expected), (b) => lzmaEncode(b, preset));
  }],
  ...(["gzip", "zlib"] as const).map((format) =>
    [[format, `numcodecs.${format}`], "deflate", (c: Config, m: ChunkMeta) => {
      const expected = expectedBytes(m);
      const level = num(c, "level", 1);
      const fallback = new ZlibFamilyCodec(format === "gzip", level);
      return new NativeCodec(
        (b) => deflateDecode(format, b, expected) ?? fallback.decode(b),
        (b) => deflateEncode(format, b, level),
      );
    }] as const
  ),
];

let registered: Promise<void> | null = null;

/**
 * Registers gzip and zlib codecs that can encode (zarrita's own only decode)
 * under their v3 and numcodecs names, and wraps zarrita's blosc codec with
 * the faster decoder of io/_blosc.ts (in this thread and, since the decode
 * workers call this too, in theirs), loading zarrita on the first call.
 * Idempotent.
 */
export function registerCodecs(): Promise<void> {
  return registered ??= loadZarrita().then((zarr) => {
    REGISTRY = zarr.registry as unknown as Registry;
    install(REGISTRY);
  });
}

function install(reg: Registry): void {
  for (const gzip of [true, false]) {
    const entry: AnyEntry = {
      fromConfig: (config) =>
        new ZlibFamilyCodec(gzip, Number((config as { level?: number } | undefined)?.level ?? 1)),
    };
    const name = gzip ? "gzip" : "zlib";
    reg.set(name, () => entry);
    reg.set(`numcodecs.${name}`, () => entry);
  }
  const blosc = reg.get("blosc");
  if (blosc) {
    let fast: Promise<AnyEntry> | undefined;
    const load = (): Promise<AnyEntry> =>
      fast ??= Promise.resolve(blosc()).then((inner) => ({
        fromConfig: (config, meta) => new FastBloscCodec(inner.fromConfig(config, meta)),
      }));
    reg.set("blosc", load);
    reg.set("numcodecs.blosc", load);
  }
  // numcodecs' Quantize rounds on encode only: its decode is the identity (read-only here)
  const quantize: AnyEntry = {
    fromConfig: () => ({
      kind: "array_to_array",
      encode: () => {
        throw new TypeError("numcodecs.quantize: writing is not supported");
      },
      decode: (chunk: unknown) => chunk,
    }),
  };
  reg.set("numcodecs.quantize", () => quantize);
  // the native codecs go in front: chosen when an array's codecs load (so
  // TESSERA_NATIVE_CODECS=0 applies to arrays opened after it is set)
  for (const [names, lib, make] of NATIVE) {
    const entry: AnyEntry = { fromConfig: (config, meta) => make(config as Config, meta) };
    for (const name of names) {
      const fallback = reg.get(name);
      reg.set(name, () => {
        if (nativeCodecAvailable(lib)) return entry;
        if (fallback === undefined) {
          throw new TypeError(
            `Codec "${name}" needs the native library ${lib} (not loaded: missing, no FFI permission, or TESSERA_NATIVE_CODECS=0)`,
          );
        }
        return fallback();
      });
    }
  }
}

/** Whether zarrita's registry knows a codec. */
export function knownCodec(name: string): boolean {
  return registry().has(name);
}

/** A parsed `codec` option in both Zarr formats. */
export interface CodecChoice {
  /** The v2 `compressor` document (null for none). */
  readonly v2: Record<string, unknown> | null;
  /** The v3 bytes-to-bytes codecs. */
  readonly v3: CodecMeta[];
}

/**
 * The Zarr codec configuration of a parsed `codec` option (io/codec.ts); a
 * missing gzip, zlib or zstd level is 1.
 *
 * @param spec The codec.
 * @param typesize Bytes per element (blosc's v3 `typesize`).
 * @returns The compressor in both formats.
 */
export function zarrCodecs(spec: CodecSpec, typesize: number): CodecChoice {
  switch (spec.name) {
    case "none":
      return { v2: null, v3: [] };
    case "gzip":
    case "zlib": {
      if (spec.shuffle) {
        throw new TypeError(
          `Unsupported Zarr codec "shuffle+${spec.name}": use blosc's shuffle, as in "blosc:zlib:5:shuffle"`,
        );
      }
      const level = spec.level ?? 1;
      return {
        v2: { id: spec.name, level },
        v3: [{
          name: spec.name === "gzip" ? "gzip" : "numcodecs.zlib",
          configuration: { level },
        }],
      };
    }
    case "zstd": {
      const level = spec.level ?? 1;
      return {
        v2: { id: "zstd", level },
        v3: [{ name: "zstd", configuration: { level, checksum: false } }],
      };
    }
    case "bz2": {
      const level = spec.level ?? 1;
      return {
        v2: { id: "bz2", level },
        v3: [{ name: "numcodecs.bz2", configuration: { level } }],
      };
    }
    case "lz4":
      return {
        v2: { id: "lz4", acceleration: 1 },
        v3: [{ name: "numcodecs.lz4", configuration: { acceleration: 1 } }],
      };
    case "blosc": {
      const { cname, clevel, shuffle } = spec;
      return {
        v2: { id: "blosc", cname, clevel, shuffle: BLOSC_SHUFFLES.indexOf(shuffle), blocksize: 0 },
        v3: [{ name: "blosc", configuration: { cname, clevel, shuffle, typesize, blocksize: 0 } }],
      };
    }
  }
}

/**
 * A one-line description of a codec list: the compressors and filters
 * (`gzip:1`, `blosc:lz4:5`, `delta+zlib:1`), `none` when there are none.
 * The `bytes` and `transpose` codecs (byte order, memory order) are left out.
 */
export function describeCodecs(codecs: readonly CodecMeta[]): string {
  const parts: string[] = [];
  for (const c of codecs) {
    const name = c.name.replace(/^numcodecs\./, "");
    const cfg = c.configuration ?? {};
    if (name === "bytes" || name === "transpose") continue;
    if (name === "gzip" || name === "zlib" || name === "zstd") {
      parts.push(cfg.level === undefined ? name : `${name}:${cfg.level}`);
    } else if (name === "blosc") {
      parts.push(`blosc:${cfg.cname ?? "lz4"}:${cfg.clevel ?? 5}`);
    } else if (name === "sharding_indexed") {
      const inner = (cfg.codecs ?? []) as CodecMeta[];
      parts.push(`sharding(${describeCodecs(inner)})`);
    } else parts.push(name);
  }
  return parts.length === 0 ? "none" : parts.join("+");
}

/**
 * The v3 codec list equivalent to a v2 `.zarray` (the same translation as
 * zarrita's: transpose for F order, bytes for big-endian, then the filters
 * and the compressor under their `numcodecs.` names).
 */
export function v2CodecList(
  order: "C" | "F",
  dtype: string,
  bigEndian: boolean,
  filters: readonly Record<string, unknown>[],
  compressor: Record<string, unknown> | null,
): CodecMeta[] {
  const out: CodecMeta[] = [];
  if (order === "F") out.push({ name: "transpose", configuration: { order: "F" } });
  let endian = bigEndian;
  for (const f of filters) {
    const { id, ...configuration } = f;
    if (id === "fixedscaleoffset") {
      // as zarrita translates it: (stored / scale + offset) cast to the array's dtype, the
      // stored integers of type `astype` (numcodecs rounds half to even and wraps)
      out.push({ name: "scale_offset", configuration: { scale: f.scale, offset: f.offset } });
      const astype = typeof f.astype === "string" ? f.astype : undefined;
      const stored = astype === undefined ? null : parseDescr(astype);
      if (astype !== undefined && stored === null) {
        out.push({ name: `numcodecs.fixedscaleoffset:astype=${astype}`, configuration });
        continue;
      }
      if (stored !== null && astype !== dtype) {
        out.push({
          name: "cast_value",
          configuration: {
            data_type: DTYPES[stored.dtype].zarr,
            rounding: "nearest-even",
            out_of_range: "wrap",
          },
        });
        endian = stored.bigEndian;
      }
      continue;
    }
    if (id === "quantize" && f.astype !== undefined && f.astype !== f.dtype) {
      out.push({ name: `numcodecs.quantize:astype=${f.astype}`, configuration });
      continue;
    }
    out.push({ name: `numcodecs.${id}`, configuration });
  }
  out.push({ name: "bytes", configuration: { endian: endian ? "big" : "little" } });
  if (compressor) {
    const { id, ...configuration } = compressor;
    out.push({ name: `numcodecs.${id}`, configuration });
  }
  return out;
}

function normalizeConfig(c: CodecMeta): Record<string, unknown> {
  const cfg = { ...(c.configuration ?? {}) };
  // v3 writes blosc's shuffle as a name; numcodecs.js wants the number
  if (c.name.endsWith("blosc") && typeof cfg.shuffle === "string") {
    const i = BLOSC_SHUFFLES.indexOf(cfg.shuffle as (typeof BLOSC_SHUFFLES)[number]);
    cfg.shuffle = i < 0 ? 1 : i;
  }
  return cfg;
}

/** Encodes one chunk (in the array's memory order) into the bytes stored. */
export type ChunkEncoder = (chunk: RawChunk) => Promise<Uint8Array>;

/**
 * Builds an encode pipeline from a v3 codec list with zarrita's registry:
 * array-to-array codecs, then the array-to-bytes codec (`bytes`, added when
 * missing), then the bytes-to-bytes codecs.
 *
 * @throws {TypeError} When a codec is unknown or cannot encode.
 */
export async function makeEncoder(meta: ChunkMeta): Promise<ChunkEncoder> {
  await registerCodecs();
  const reg = registry();
  const a2a: AnyCodec[] = [];
  let a2b: AnyCodec | null = null;
  const b2b: AnyCodec[] = [];
  for (const c of meta.codecs) {
    const load = reg.get(c.name);
    if (!load) throw new TypeError(`Cannot encode with codec "${c.name}": it is not registered`);
    if (c.name === "sharding_indexed") {
      throw new TypeError(`Cannot write a sharded array: codec "sharding_indexed"`);
    }
    const codec = (await load()).fromConfig(normalizeConfig(c), meta);
    const kind = codec.kind ?? "bytes_to_bytes";
    if (kind === "array_to_array") a2a.push(codec);
    else if (kind === "array_to_bytes") a2b = codec;
    else b2b.push(codec);
  }
  if (a2b === null) {
    const load = reg.get("bytes") as () => AnyEntry;
    a2b = (await load()).fromConfig({ endian: "little" }, meta);
  }
  const toBytes = a2b;
  return async (chunk) => {
    let c: unknown = chunk;
    for (const codec of a2a) c = await codec.encode(c);
    let bytes = (await toBytes.encode(c)) as Uint8Array;
    for (const codec of b2b) bytes = (await codec.encode(bytes)) as Uint8Array;
    return bytes;
  };
}
