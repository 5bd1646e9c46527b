// CF decoding on read (DESIGN.md, contract 10): a source whose attributes
// carry a CF encoding (scale_factor / add_offset, _FillValue, missing_value,
// valid_min / valid_max / valid_range) is wrapped in a CfSource that decodes
// each block as it is read, inside the streaming pipeline (one pass over the
// block, into the buffer the executor reuses), never as a whole-array step.
//
// The rules are xarray's `mask_and_scale` (xarray/coding/variables.py:
// CFMaskCoder then CFScaleOffsetCoder, `maybe_promote` and
// `_choose_float_dtype`), plus the valid range that netCDF4-python masks:
// - masking (any fill value or valid range): float data keeps its type,
//   integers of 1 or 2 bytes become float32, wider ones float64;
// - scaling (scale_factor or add_offset): float data of at most 4 bytes
//   becomes float32; integers of 1 or 2 bytes float32 when there is no
//   add_offset; everything else float64. The arithmetic is done in that
//   type, as NumPy does (`x *= scale; x += offset` on the converted array).
// - the Zarr `fill_value` is the `_FillValue` of an xarray-written array
//   (one whose attributes have `_ARRAY_DIMENSIONS`), as xarray reads it;
// - `_Unsigned = "true"` on signed integers: the codes (and `_FillValue`)
//   are read as unsigned first (xarray's UnsignedIntegerCoder).
// 1- and 2-byte integers decode through a table of every code, made by the
// formula itself; wider types run the formula, one tight loop per case.

import { type DType, DTYPES } from "../core/dtype.ts";
import { empty, NDArray } from "../core/ndarray.ts";
import { type ArraySource, type DecodeWorkers, type RegionLike, toRegion } from "../io/region.ts";

/** A CF encoding found in a source's attributes, and the decoded element type. */
export interface CfEncoding {
  /** `scale_factor`, or null. */
  readonly scale: number | null;
  /** `add_offset`, or null. */
  readonly offset: number | null;
  /** Stored values that mean missing (`_FillValue`, `missing_value`), as stored. */
  readonly fills: readonly number[];
  /** Stored values below this are missing (`valid_min`, `valid_range[0]`), or null. */
  readonly validMin: number | null;
  /** Stored values above this are missing (`valid_max`, `valid_range[1]`), or null. */
  readonly validMax: number | null;
  /** Element type of the stored values. */
  readonly stored: DType;
  /**
   * Whether signed stored integers are read as unsigned (`_Unsigned =
   * "true"`, the netCDF convention for unsigned data in a signed type).
   */
  readonly unsigned: boolean;
  /**
   * Element type of the decoded values: float32 or float64, or the unsigned
   * integer type when `_Unsigned` is the only encoding.
   */
  readonly dtype: DType;
}

const UNSIGNED: Readonly<Record<string, DType>> = {
  int8: "uint8",
  int16: "uint16",
  int32: "uint32",
};

/** The numbers of an attribute value (a number, bigint, list or array), or null. */
function numbersOf(v: unknown): number[] | null {
  if (typeof v === "number") return [v];
  if (typeof v === "bigint") return [Number(v)];
  if (v instanceof NDArray) return numbersOf(v.toArray());
  if (ArrayBuffer.isView(v) && !(v instanceof DataView)) {
    return numbersOf(Array.from(v as unknown as ArrayLike<number | bigint>));
  }
  if (Array.isArray(v)) {
    const out: number[] = [];
    for (const x of v.flat(Infinity)) {
      const n = numbersOf(x);
      if (n === null) return null;
      out.push(...n);
    }
    return out;
  }
  return null;
}

function first(v: unknown): number | null {
  const n = numbersOf(v);
  return n && n.length > 0 ? n[0] : null;
}

/** The CF attributes that describe how values are stored, not what they mean. */
export const ENCODING_ATTRIBUTES: readonly string[] = [
  "scale_factor",
  "add_offset",
  "_FillValue",
  "missing_value",
  "valid_min",
  "valid_max",
  "valid_range",
  "_Unsigned",
];

/** The attributes decoding reads one by one when reading them all fails. */
const CF_ATTRIBUTES = [...ENCODING_ATTRIBUTES, "_ARRAY_DIMENSIONS"];

/**
 * A source's attributes (the `attributes` field of ArraySource). When
 * reading them all fails (a file with an attribute of a type the reader
 * refuses), the CF attributes are read one by one with `getAttribute`, where
 * the source has it (absent or unreadable ones left out), so one odd
 * attribute does not stop the decoding.
 */
export function attributesOf(source: ArraySource): Readonly<Record<string, unknown>> {
  try {
    const a: unknown = source.attributes;
    return (a && typeof a === "object") ? a as Record<string, unknown> : {};
  } catch (e) {
    const get = (source as { getAttribute?: unknown }).getAttribute;
    if (typeof get !== "function") throw e;
    const out: Record<string, unknown> = {};
    for (const name of CF_ATTRIBUTES) {
      try {
        out[name] = (get as (n: string) => unknown).call(source, name);
      } catch {
        // absent (or of a type the reader cannot show): not part of the encoding
      }
    }
    return out;
  }
}

/**
 * The CF encoding of a source, or null when its values are stored as they
 * are (no CF attribute, or bool data).
 */
export function cfEncoding(source: ArraySource): CfEncoding | null {
  const inf = DTYPES[source.dtype];
  if (inf.kind === "b") return null;
  const attrs = attributesOf(source);
  const has = (k: string): boolean => Object.hasOwn(attrs, k) && attrs[k] !== null;
  // xarray's UnsignedIntegerCoder: the codes, and _FillValue (not missing_value), as unsigned
  const unsigned = attrs._Unsigned === "true" && Object.hasOwn(UNSIGNED, source.dtype);
  const wrap = unsigned ? 2 ** (8 * inf.bytes) : 0;
  const scale = has("scale_factor") ? first(attrs.scale_factor) : null;
  const offset = has("add_offset") ? first(attrs.add_offset) : null;
  const fillAttr = has("_FillValue")
    ? attrs._FillValue
    : has("_ARRAY_DIMENSIONS") && source.fillValue !== undefined && source.fillValue !== null
    ? (typeof source.fillValue === "boolean" ? null : source.fillValue)
    : null;
  const fills = [
    ...(numbersOf(has("missing_value") ? attrs.missing_value : null) ?? []),
    ...(numbersOf(fillAttr) ?? []).map((x) => x < 0 && unsigned ? x + wrap : x),
  ].filter((x) => !Number.isNaN(x));
  const range = has("valid_range") ? numbersOf(attrs.valid_range) : null;
  const validMin = has("valid_min")
    ? first(attrs.valid_min)
    : range && range.length === 2
    ? range[0]
    : null;
  const validMax = has("valid_max")
    ? first(attrs.valid_max)
    : range && range.length === 2
    ? range[1]
    : null;
  const masks = fills.length > 0 || validMin !== null || validMax !== null;
  const scales = scale !== null || offset !== null;
  const base = { scale, offset, fills: [...new Set(fills)], validMin, validMax, unsigned };
  if (!masks && !scales) {
    return unsigned ? { ...base, stored: source.dtype, dtype: UNSIGNED[source.dtype] } : null;
  }
  const isFloat = inf.kind === "f";
  let bytes = inf.bytes;
  let float = isFloat;
  if (masks && !isFloat) {
    bytes = bytes <= 2 ? 4 : 8;
    float = true;
  }
  let dtype: "float32" | "float64";
  if (scales) {
    dtype = (float && bytes <= 4) || (!float && bytes <= 2 && offset === null)
      ? "float32"
      : "float64";
  } else dtype = bytes <= 4 ? "float32" : "float64";
  return { ...base, stored: source.dtype, dtype };
}

type Floats = Float32Array | Float64Array;

/**
 * Decodes stored values `raw` into `out` (as many as `out` holds): missing
 * values become NaN, the others `x * scale + offset` in the decoded type.
 */
export function decodeValues(e: CfEncoding, raw: ArrayLike<number>, out: Floats): void {
  const f32 = e.dtype === "float32";
  // fill values compared in the stored type (a float32 fill as float32)
  const fills = e.stored === "float32" ? e.fills.map(Math.fround) : e.fills;
  if (fills.length > 2) {
    decodeGeneric(e, fills, raw, out);
    return;
  }
  const f0 = fills.length > 0 ? fills[0] : NaN;
  const f1 = fills.length > 1 ? fills[1] : NaN;
  const lo = e.validMin ?? -Infinity;
  const hi = e.validMax ?? Infinity;
  const round = f32 ? Math.fround : (x: number): number => x;
  const s = e.scale === null ? 1 : round(e.scale);
  const o = e.offset === null ? 0 : round(e.offset);
  const n = out.length;
  // one tight loop per case; a store into a Float32Array rounds to float32,
  // and the double rounding of a product or sum of float32 values is exact
  if (e.offset === null) {
    for (let i = 0; i < n; i++) {
      const x = raw[i];
      out[i] = x === f0 || x === f1 || x < lo || x > hi ? NaN : x * s;
    }
  } else if (f32) {
    for (let i = 0; i < n; i++) {
      const x = raw[i];
      out[i] = x === f0 || x === f1 || x < lo || x > hi ? NaN : Math.fround(x * s) + o;
    }
  } else {
    for (let i = 0; i < n; i++) {
      const x = raw[i];
      out[i] = x === f0 || x === f1 || x < lo || x > hi ? NaN : x * s + o;
    }
  }
}

/** {@link decodeValues} for any number of fill values. */
function decodeGeneric(
  e: CfEncoding,
  fills: readonly number[],
  raw: ArrayLike<number>,
  out: Floats,
): void {
  const round = e.dtype === "float32" ? Math.fround : (x: number): number => x;
  const set = new Set(fills);
  const lo = e.validMin ?? -Infinity;
  const hi = e.validMax ?? Infinity;
  for (let i = 0; i < out.length; i++) {
    const x = raw[i];
    if (set.has(x) || x < lo || x > hi) out[i] = NaN;
    else {
      let v = round(x);
      if (e.scale !== null) v = round(v * round(e.scale));
      if (e.offset !== null) v = round(v + round(e.offset));
      out[i] = v;
    }
  }
}

/** Decoded value of every code of a 1- or 2-byte integer type, by unsigned code. */
const TABLES = new WeakMap<CfEncoding, Floats>();

/**
 * The decode table of a 1- or 2-byte integer encoding (256 or 65536
 * entries, made by {@link decodeValues} itself, so the same bits), or null.
 */
function tableOf(e: CfEncoding): Floats | null {
  const t = TABLES.get(e);
  if (t) return t;
  const inf = DTYPES[e.stored];
  if (inf.kind === "f" || inf.bytes > 2 || DTYPES[e.dtype].kind !== "f") return null;
  const codes = 2 ** (8 * inf.bytes);
  const values = new Float64Array(codes);
  const signed = inf.kind === "i" && !e.unsigned;
  for (let c = 0; c < codes; c++) values[c] = signed && c >= codes / 2 ? c - codes : c;
  const table = e.dtype === "float32" ? new Float32Array(codes) : new Float64Array(codes);
  decodeValues(e, values, table);
  TABLES.set(e, table);
  return table;
}

/** out[i] = table[code[i]]: one load and one store an element. */
function lookup(codes: Uint8Array | Uint16Array, table: Floats, out: Floats): void {
  for (let i = 0; i < out.length; i++) out[i] = table[codes[i]];
}

/** Decodes a block of stored values into `out` (contiguous, same shape). */
function decodeBlock(e: CfEncoding, block: NDArray, out: NDArray): NDArray {
  let b = block.isContiguous ? block : block.copy();
  if (DTYPES[b.dtype].big || b.dtype === "float16") b = b.astype("float64");
  const n = b.size;
  const d = b.data as unknown as ArrayBufferView;
  const bytes = DTYPES[b.dtype].bytes;
  const at = d.byteOffset + b.offset * bytes;
  // the codes: unsigned when the encoding says so (the same bytes)
  const codes = e.unsigned && Object.hasOwn(UNSIGNED, b.dtype)
    ? new DTYPES[UNSIGNED[b.dtype]].array(d.buffer as ArrayBuffer, at, n) as ArrayLike<number>
    : (b.data as unknown as { subarray(a: number, z: number): ArrayLike<number> })
      .subarray(b.offset, b.offset + n);
  const dst = (out.data as unknown as { subarray(a: number, z: number): Floats })
    .subarray(out.offset, out.offset + n);
  if (DTYPES[e.dtype].kind !== "f") {
    // _Unsigned alone: the unsigned integers themselves
    (dst as unknown as { set(a: ArrayLike<number>): void }).set(codes);
    return out;
  }
  const table = tableOf(e);
  if (table !== null) {
    // 1- and 2-byte integers: a table lookup (about 3x the speed of the formula)
    const u = bytes === 1 ? new Uint8Array(d.buffer, at, n) : new Uint16Array(d.buffer, at, n);
    lookup(u, table, dst);
    return out;
  }
  decodeValues(e, codes, dst);
  return out;
}

/**
 * A source decoded on read by its CF encoding: same shape and chunks, the
 * decoded float dtype; each block is read raw (into a buffer reused between
 * blocks) and decoded into the caller's buffer.
 */
export class CfSource implements ArraySource {
  /** The source of the stored values. */
  readonly raw: ArraySource;
  /** The encoding applied. */
  readonly encoding: CfEncoding;
  readonly locator: string;
  readonly shape: readonly number[];
  readonly dtype: DType;
  readonly chunks: readonly number[];
  readonly cacheBytes?: number;
  readonly decodeWorkers?: DecodeWorkers;
  readonly attributes: Readonly<Record<string, unknown>>;
  readonly dimensions?: readonly (string | null)[];
  readonly #spare: NDArray[] = [];

  constructor(raw: ArraySource, encoding: CfEncoding) {
    this.raw = raw;
    this.encoding = encoding;
    this.locator = raw.locator;
    this.shape = raw.shape;
    this.dtype = encoding.dtype;
    this.chunks = raw.chunks;
    this.cacheBytes = raw.cacheBytes;
    this.decodeWorkers = raw.decodeWorkers;
    this.attributes = attributesOf(raw);
    this.dimensions = raw.dimensions;
  }

  async read(region?: RegionLike): Promise<NDArray> {
    const r = toRegion(this.shape, region);
    const block = await this.raw.read(r);
    return decodeBlock(this.encoding, block, empty(r.count, this.dtype));
  }

  async readInto(region: RegionLike, out: NDArray): Promise<NDArray> {
    const r = toRegion(this.shape, region);
    const raw = this.raw;
    if (!raw.readInto || raw.fortranOrder) {
      return decodeBlock(this.encoding, await raw.read(r), out);
    }
    // a stored-type buffer from the free list (several reads may be in flight)
    const need = r.count.reduce((a, b) => a * b, 1);
    let buf = this.#spare.pop();
    if (!buf || buf.size < need) buf = empty([Math.max(1, need)], raw.dtype);
    try {
      const view = new NDArray(raw.dtype, buf.data, r.count);
      const got = await (raw.readIntoAsync ? raw.readIntoAsync(r, view) : raw.readInto(r, view));
      return decodeBlock(this.encoding, got, out);
    } finally {
      this.#spare.push(buf);
    }
  }
}

/**
 * The source decoded by its CF encoding, or the source itself when it has
 * none (or `decode` is false).
 */
export function decodeSource(source: ArraySource, decode = true): ArraySource {
  if (!decode || source instanceof CfSource) return source;
  const e = cfEncoding(source);
  return e === null ? source : new CfSource(source, e);
}
