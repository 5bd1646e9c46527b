// What metadata travels from the sources of a graph to its output
// (DESIGN.md, contract 10), as xarray's `to_zarr` / `to_netcdf` would write it:
// - dimension names follow the axes through slices (an integer index drops
//   its axis's name, a new axis is unnamed), maps (when the operand has the
//   output's shape) and reductions (the reduced axes' names go);
// - attributes travel with slices and maps (xarray's keep_attrs=True), not
//   with reductions (xarray drops them there);
// - the CF encoding attributes (scale_factor, add_offset, _FillValue,
//   missing_value, valid_*, _Unsigned) travel only where the values written
//   are still encoded: the raw stored values, sliced, in their stored type.
//   Anything else (CF-decoded values, a computation, another dtype) drops
//   them; a float output of CF-decoded values then has _FillValue NaN, as
//   xarray writes decoded floats;
// - the fill value of unwritten elements: the `_FillValue` when there is
//   one, else a Zarr source's own `fill_value` for raw values in their type.

import { type DType, DTYPES } from "../core/dtype.ts";
import type { OutputMetadata } from "../io/formats.ts";
import type { ArraySource } from "../io/region.ts";
import { attributesOf, CfSource, ENCODING_ATTRIBUTES } from "./_cf.ts";

import type { Node } from "./_graph.ts";

/** Attributes that describe the storage of the source itself, never copied. */
const STORAGE_ATTRIBUTES = [
  "_ARRAY_DIMENSIONS",
  "CLASS",
  "NAME",
  "DIMENSION_LIST",
  "REFERENCE_LIST",
];

interface Found {
  /** The source read (CF-decoding or not). */
  readonly source: ArraySource;
  /** One name per axis of the node, or null. */
  readonly dims: (string | null)[] | null;
  /** Whether the node's values are the source's stored values. */
  readonly encoded: boolean;
  /** Whether the source's attributes apply to the node. */
  readonly attrs: boolean;
  /** Whether the source is CF-decoded on read. */
  readonly decoded: boolean;
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

function find(node: Node): Found | null {
  switch (node.kind) {
    case "source": {
      const s = node.source;
      const decoded = s instanceof CfSource;
      const dims = s.dimensions ? [...s.dimensions] : null;
      return { source: s, dims, encoded: !decoded, attrs: true, decoded };
    }
    case "slice": {
      const f = find(node.arg);
      if (f === null) return null;
      const dims = f.dims === null
        ? null
        : node.axes.map((a) => a.input === null ? null : (f.dims as (string | null)[])[a.input]);
      return { ...f, dims };
    }
    case "map": {
      for (const arg of node.args) {
        if (arg === null || typeof arg !== "object") continue;
        const f = find(arg);
        if (f === null) continue;
        const same = sameShape(arg.shape, node.shape);
        return {
          ...f,
          dims: same ? f.dims : null,
          encoded: f.encoded && node.op === "astype" && node.dtype === arg.dtype,
        };
      }
      return null;
    }
    case "reduce": {
      const f = find(node.arg);
      if (f === null) return null;
      const ndim = node.arg.shape.length;
      const axis = node.options.axis ?? null;
      const list = axis === null
        ? [...Array(ndim).keys()]
        : typeof axis === "number"
        ? [axis]
        : axis;
      const axes = new Set(list.map((a) => a < 0 ? a + ndim : a));
      const keep = node.options.keepdims === true;
      const dims = f.dims === null
        ? null
        : f.dims.flatMap((d, i) => axes.has(i) ? (keep ? [null] : []) : [d]);
      return { ...f, dims, encoded: false, attrs: false };
    }
  }
}

/** Element types of a source's numeric attributes (HDF5: as stored), where it tells them. */
function attributeTypes(source: ArraySource, names: readonly string[]): Record<string, DType> {
  const get = (source as { getAttribute?: unknown }).getAttribute;
  const out: Record<string, DType> = {};
  if (typeof get !== "function") return out;
  for (const name of names) {
    try {
      const v = (get as (n: string) => unknown).call(source, name);
      const d = (v as { dtype?: unknown })?.dtype;
      if (typeof d === "string" && Object.hasOwn(DTYPES, d)) out[name] = d as DType;
    } catch {
      // unreadable here: its type is guessed from the value
    }
  }
  return out;
}

function firstNumber(v: unknown): number | bigint | boolean | null {
  if (Array.isArray(v)) return v.length > 0 ? firstNumber(v[0]) : null;
  return typeof v === "number" || typeof v === "bigint" || typeof v === "boolean" ? v : null;
}

/**
 * The CF-decoding source whose encoding an output of `root` can be packed
 * back to (`pack: true`): found through slices and maps, not reductions
 * (xarray drops the encoding there); null when there is none.
 */
export function packableSource(root: Node): CfSource | null {
  const f = find(root);
  return f !== null && f.attrs && f.source instanceof CfSource ? f.source : null;
}

/** Storage of an output carried from its source (xarray's `encoding`). */
export interface SourceStorage {
  /** The source's chunk shape, when the output has the source's shape. */
  readonly chunks: readonly number[] | null;
  /** The source's compression as a codec string (`shuffle+gzip:1`), or null. */
  readonly codec: string | null;
}

/**
 * The chunking and compression (gzip, with shuffle) of the chunked
 * HDF5/netCDF-4 source of `root`, as xarray's `to_netcdf` carries them from the
 * variable's `encoding`: the chunks only while the shape is the source's
 * and no chunk is longer than its axis (xarray drops `chunksizes` then), the deflate level and
 * shuffle through slices and maps; nothing through reductions, nor from
 * another format. Null when there is nothing to carry.
 */
export function sourceStorage(root: Node): SourceStorage | null {
  const f = find(root);
  if (f === null || !f.attrs) return null;
  const raw = f.source instanceof CfSource ? f.source.raw : f.source;
  const info = (raw as {
    info?: {
      shape?: readonly number[];
      layout?: string;
      chunks?: readonly number[] | null;
      compression?: string | null;
      compressionLevel?: number | null;
      shuffle?: boolean;
    };
  }).info;
  if (info === undefined || info.layout !== "chunked" || !info.chunks) return null;
  const codec = info.compression === "gzip"
    ? `${info.shuffle ? "shuffle+" : ""}gzip:${info.compressionLevel ?? 4}`
    : null;
  // netCDF-C chunks an unlimited axis beyond its length (1024): such chunks
  // would need an unlimited output axis, and are dropped as xarray does
  const chunks = info.shape !== undefined && sameShape(info.shape, root.shape) &&
      info.chunks.every((c, i) => c <= Math.max(1, root.shape[i]))
    ? info.chunks
    : null;
  return chunks === null && codec === null ? null : { chunks, codec };
}

/**
 * The metadata written with the output of `root` in element type `dtype`,
 * or null when the graph has no source with metadata (an in-memory array).
 *
 * @param root The node written.
 * @param dtype The output's element type.
 * @param packed Whether the values are packed back to the source's encoding
 *   (`pack: true`): the encoding attributes then travel.
 * @returns What the output carries.
 */
export function outputMetadata(root: Node, dtype: DType, packed = false): OutputMetadata | null {
  const f = find(root);
  if (f === null) return null;
  const raw = f.source instanceof CfSource ? f.source.raw : f.source;
  let stored: Record<string, unknown> = {};
  try {
    stored = { ...attributesOf(raw) };
  } catch {
    // attributes that cannot be read are not written
  }
  const encoded = packed
    ? f.attrs && f.decoded && dtype === raw.dtype
    : f.encoded && dtype === raw.dtype && root.dtype === raw.dtype;
  const attributes: Record<string, unknown> = {};
  if (f.attrs) {
    for (const [k, v] of Object.entries(stored)) {
      if (STORAGE_ATTRIBUTES.includes(k) || v === null || v === undefined) continue;
      if (!encoded && ENCODING_ATTRIBUTES.includes(k)) continue;
      attributes[k] = v;
    }
  }
  let fillValue: number | bigint | boolean | null = null;
  const isZarr = "zarrFormat" in raw;
  if (encoded) {
    const fill = firstNumber(stored._FillValue);
    const ownRaw = raw.fillValue ?? null;
    // a complex fill value does not travel (the output writes its default)
    const own = typeof ownRaw === "object" ? null : ownRaw;
    fillValue = fill ?? (isZarr ? own : null);
    // an xarray-written Zarr array: its fill_value is its _FillValue
    if (fill === null && isZarr && own !== null && "_ARRAY_DIMENSIONS" in stored) {
      attributes._FillValue = own;
    }
  } else if (DTYPES[dtype].kind === "f" && (f.decoded || "_FillValue" in stored)) {
    fillValue = NaN;
    attributes._FillValue = NaN;
  }
  const types = encoded ? attributeTypes(raw, Object.keys(attributes)) : {};
  if (encoded) {
    // netCDF wants the fill-like attributes in the variable's type
    for (const k of ["_FillValue", "missing_value", "valid_min", "valid_max", "valid_range"]) {
      if (k in attributes) types[k] = dtype;
    }
  } else if ("_FillValue" in attributes) types._FillValue = dtype;
  for (const k of Object.keys(types)) if (!(k in attributes)) delete types[k];
  const dims = f.dims !== null && f.dims.length === root.shape.length ? f.dims : null;
  return { attributes, attributeTypes: types, dimensions: dims, fillValue };
}
