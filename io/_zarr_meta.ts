// Zarr metadata for io/zarr.ts: reading and checking a node's documents
// (v2 `.zarray`/`.zgroup`/`.zattrs`, v3 `zarr.json`) into one form, and
// writing them. Every problem is a FormatError naming the store and the key.

import {
  type Complex,
  type DType,
  DTYPE_NAMES,
  DTYPES,
  parseDescr,
  type Scalar,
} from "../core/dtype.ts";
import { FormatError } from "../core/errors.ts";
import { extentProblem } from "../core/limits.ts";
import { type CodecMeta, describeCodecs, knownCodec, v2CodecList } from "./_zarr_codecs.ts";
import { type FsStore, NONFINITE, nonFiniteReplacer } from "./_zarr_store.ts";

/** A checked array node, in one form for both formats. */
export interface ArrayMeta {
  readonly kind: "array";
  readonly zarrFormat: 2 | 3;
  /** Absolute path of the node in the store (`/` for the root). */
  readonly path: string;
  readonly shape: number[];
  readonly chunks: number[];
  readonly dtype: DType;
  /** The zarrita data type name (the table's `zarr` column). */
  readonly dataType: string;
  readonly bigEndian: boolean;
  /** Memory order of a chunk as an axis permutation (C order is the identity). */
  readonly order: number[];
  /** Codecs in v3 form (v2 translated). */
  readonly codecs: CodecMeta[];
  readonly codec: string;
  readonly fillValue: Scalar | Complex | null;
  readonly attributes: Record<string, unknown>;
  /** One name per axis (v2 `_ARRAY_DIMENSIONS`, v3 `dimension_names`), or null when absent. */
  readonly dimensions: (string | null)[] | null;
  /** Chunk key of chunk coordinates, relative to the node. */
  readonly chunkKey: (coords: readonly number[]) => string;
  readonly sharded: boolean;
}

/** A checked group node. */
export interface GroupMeta {
  readonly kind: "group";
  readonly zarrFormat: 2 | 3;
  readonly path: string;
  readonly attributes: Record<string, unknown>;
}

/** Either kind of node. */
export type NodeMeta = ArrayMeta | GroupMeta;

const DECODER = new TextDecoder();

/**
 * Parses JSON, also accepting the bare `NaN`, `Infinity` and `-Infinity`
 * that Python's json module writes (zarr-python 2 attributes).
 */
export function parseJson(text: string): unknown {
  const revive = (_k: string, v: unknown): unknown =>
    typeof v === "string" && v.startsWith(NONFINITE) ? Number(v.slice(NONFINITE.length)) : v;
  try {
    return JSON.parse(text, revive);
  } catch (first) {
    const fixed = text.replace(
      /"(?:[^"\\]|\\.)*"|(-?Infinity|NaN)/g,
      (m, bare: string | undefined) => (bare ? `"${NONFINITE}${bare}"` : m),
    );
    if (fixed === text) throw first;
    return JSON.parse(fixed, revive);
  }
}

/** Joins a node path and a key: (`/g/a`, `.zarray`) -> `g/a/.zarray`. */
export function keyOf(path: string, name: string): string {
  const p = path.replace(/^\/+|\/+$/g, "");
  return p === "" ? name : `${p}/${name}`;
}

async function readDoc(
  store: FsStore,
  storeName: string,
  key: string,
): Promise<Record<string, unknown> | null> {
  const bytes = await store.get(key);
  if (bytes === undefined) return null;
  let doc: unknown;
  try {
    doc = parseJson(DECODER.decode(bytes));
  } catch (e) {
    throw new FormatError(
      storeName,
      `metadata "${key}" is not valid JSON: ${(e as Error).message}`,
      { cause: e },
    );
  }
  if (typeof doc !== "object" || doc === null || Array.isArray(doc)) {
    throw new FormatError(storeName, `metadata "${key}" is not a JSON object`);
  }
  return doc as Record<string, unknown>;
}

/**
 * Reads the node at `path`: its v3 `zarr.json` or its v2 `.zarray`/`.zgroup`
 * (and `.zattrs`), checked. Null when the path holds no node.
 *
 * @throws {FormatError} For broken or unsupported metadata.
 */
export async function readNode(
  store: FsStore,
  storeName: string,
  path: string,
): Promise<NodeMeta | null> {
  const v3Key = keyOf(path, "zarr.json");
  const v3 = await readDoc(store, storeName, v3Key);
  if (v3 !== null) return checkV3(storeName, v3Key, path, v3);
  const arrayKey = keyOf(path, ".zarray");
  const zarray = await readDoc(store, storeName, arrayKey);
  const groupKey = keyOf(path, ".zgroup");
  const zgroup = zarray === null ? await readDoc(store, storeName, groupKey) : null;
  if (zarray === null && zgroup === null) return null;
  const attrsKey = keyOf(path, ".zattrs");
  const attributes = (await readDoc(store, storeName, attrsKey)) ?? {};
  if (zgroup !== null) {
    checkFormat(storeName, groupKey, zgroup.zarr_format, 2);
    return { kind: "group", zarrFormat: 2, path, attributes };
  }
  return checkV2(storeName, arrayKey, path, zarray as Record<string, unknown>, attributes);
}

function checkFormat(storeName: string, key: string, value: unknown, expected: 2 | 3): void {
  if (value === undefined) throw missing(storeName, key, "zarr_format");
  if (value !== expected) {
    throw new FormatError(
      storeName,
      `metadata "${key}" has unsupported zarr_format ${
        JSON.stringify(value)
      }: expected ${expected}`,
    );
  }
}

function missing(storeName: string, key: string, field: string): FormatError {
  return new FormatError(storeName, `metadata "${key}" has no "${field}"`);
}

function bad(storeName: string, key: string, field: string, value: unknown, want: string) {
  return new FormatError(
    storeName,
    `metadata "${key}" has an invalid "${field}" ${JSON.stringify(value)}: expected ${want}`,
  );
}

function intList(
  storeName: string,
  key: string,
  field: string,
  value: unknown,
  min: number,
): number[] {
  if (value === undefined) throw missing(storeName, key, field);
  if (!Array.isArray(value) || !value.every((d) => Number.isSafeInteger(d) && d >= min)) {
    throw bad(storeName, key, field, value, `a list of integers >= ${min}`);
  }
  return value as number[];
}

function checkChunks(storeName: string, key: string, shape: number[], chunks: number[]): void {
  if (chunks.length !== shape.length) {
    throw new FormatError(
      storeName,
      `metadata "${key}" has chunks [${chunks.join(",")}] for shape [${shape.join(",")}]`,
    );
  }
}

/** An absurd shape or chunk (over 2^53 elements, a chunk no buffer can hold) names the store. */
function checkExtent(
  storeName: string,
  key: string,
  shape: number[],
  dtype: DType,
  chunks: number[],
): void {
  const problem = extentProblem(shape, DTYPES[dtype].bytes, chunks);
  if (problem !== null) throw new FormatError(storeName, `metadata "${key}": ${problem}`);
}

function checkCodecs(storeName: string, key: string, codecs: CodecMeta[]): void {
  for (const c of codecs) {
    if (!knownCodec(c.name)) {
      throw new FormatError(storeName, `metadata "${key}" uses unknown codec "${c.name}"`);
    }
    if (c.name === "sharding_indexed") {
      checkCodecs(storeName, key, (c.configuration?.codecs ?? []) as CodecMeta[]);
    }
  }
}

function dtypeOfZarrName(name: string): DType | null {
  for (const d of DTYPE_NAMES) if (DTYPES[d].zarr === name) return d;
  return null;
}

function checkV2(
  storeName: string,
  key: string,
  path: string,
  doc: Record<string, unknown>,
  attributes: Record<string, unknown>,
): ArrayMeta {
  checkFormat(storeName, key, doc.zarr_format, 2);
  const shape = intList(storeName, key, "shape", doc.shape, 0);
  const chunks = intList(storeName, key, "chunks", doc.chunks, 1);
  checkChunks(storeName, key, shape, chunks);
  if (doc.dtype === undefined) throw missing(storeName, key, "dtype");
  const parsed = typeof doc.dtype === "string" ? parseDescr(doc.dtype) : null;
  if (parsed === null) {
    throw new FormatError(
      storeName,
      `metadata "${key}" has unsupported dtype ${JSON.stringify(doc.dtype)}`,
    );
  }
  checkExtent(storeName, key, shape, parsed.dtype, chunks);
  const order = doc.order ?? "C";
  if (order !== "C" && order !== "F") throw bad(storeName, key, "order", order, `"C" or "F"`);
  const compressor = doc.compressor ?? null;
  if (
    compressor !== null &&
    (typeof compressor !== "object" || typeof (compressor as { id?: unknown }).id !== "string")
  ) {
    throw bad(storeName, key, "compressor", compressor, "null or an object with an id");
  }
  const filters = doc.filters ?? [];
  if (!Array.isArray(filters) || !filters.every((f) => typeof f?.id === "string")) {
    throw bad(storeName, key, "filters", filters, "null or a list of objects with an id");
  }
  if (!("fill_value" in doc)) throw missing(storeName, key, "fill_value");
  const sep = doc.dimension_separator ?? ".";
  if (sep !== "." && sep !== "/") {
    throw bad(storeName, key, "dimension_separator", sep, `"." or "/"`);
  }
  const codecs = v2CodecList(
    order,
    doc.dtype as string,
    parsed.bigEndian,
    filters as Record<string, unknown>[],
    compressor as Record<string, unknown> | null,
  );
  checkCodecs(storeName, key, codecs);
  const n = shape.length;
  return {
    kind: "array",
    zarrFormat: 2,
    path,
    shape,
    chunks,
    dtype: parsed.dtype,
    dataType: DTYPES[parsed.dtype].zarr,
    bigEndian: parsed.bigEndian,
    order: order === "C" ? range(n) : range(n).reverse(),
    codecs,
    codec: describeCodecs(codecs),
    fillValue: decodeFill(storeName, key, parsed.dtype, doc.fill_value),
    attributes,
    dimensions: namesOf(attributes._ARRAY_DIMENSIONS, n),
    chunkKey: (c) => c.join(sep) || "0",
    sharded: false,
  };
}

function checkV3(
  storeName: string,
  key: string,
  path: string,
  doc: Record<string, unknown>,
): NodeMeta {
  checkFormat(storeName, key, doc.zarr_format, 3);
  const attributes = (doc.attributes ?? {}) as Record<string, unknown>;
  if (typeof attributes !== "object" || Array.isArray(attributes)) {
    throw bad(storeName, key, "attributes", attributes, "an object");
  }
  if (doc.node_type === "group") return { kind: "group", zarrFormat: 3, path, attributes };
  if (doc.node_type !== "array") {
    throw doc.node_type === undefined
      ? missing(storeName, key, "node_type")
      : bad(storeName, key, "node_type", doc.node_type, `"array" or "group"`);
  }
  const shape = intList(storeName, key, "shape", doc.shape, 0);
  if (doc.data_type === undefined) throw missing(storeName, key, "data_type");
  const dtype = typeof doc.data_type === "string" ? dtypeOfZarrName(doc.data_type) : null;
  if (dtype === null) {
    throw new FormatError(
      storeName,
      `metadata "${key}" has unsupported data_type ${JSON.stringify(doc.data_type)}`,
    );
  }
  const grid = doc.chunk_grid as { name?: unknown; configuration?: { chunk_shape?: unknown } };
  if (grid === undefined) throw missing(storeName, key, "chunk_grid");
  if (grid?.name !== "regular") {
    throw bad(storeName, key, "chunk_grid", grid, `a "regular" grid`);
  }
  const chunks = intList(
    storeName,
    key,
    "chunk_grid.configuration.chunk_shape",
    grid.configuration?.chunk_shape,
    1,
  );
  checkChunks(storeName, key, shape, chunks);
  const kenc = (doc.chunk_key_encoding ?? { name: "default" }) as {
    name?: unknown;
    configuration?: { separator?: unknown };
  };
  if (kenc.name !== "default" && kenc.name !== "v2") {
    throw bad(storeName, key, "chunk_key_encoding", kenc, `"default" or "v2"`);
  }
  const sep = kenc.configuration?.separator ?? (kenc.name === "default" ? "/" : ".");
  if (sep !== "." && sep !== "/") {
    throw bad(storeName, key, "chunk_key_encoding", kenc, `separator "." or "/"`);
  }
  if (doc.codecs === undefined) throw missing(storeName, key, "codecs");
  if (!Array.isArray(doc.codecs) || !doc.codecs.every((c) => typeof c?.name === "string")) {
    throw bad(storeName, key, "codecs", doc.codecs, "a list of objects with a name");
  }
  const codecs = doc.codecs as CodecMeta[];
  checkCodecs(storeName, key, codecs);
  if (!("fill_value" in doc)) throw missing(storeName, key, "fill_value");
  const sharding = codecs.find((c) => c.name === "sharding_indexed");
  const inner = sharding ? (sharding.configuration?.codecs ?? []) as CodecMeta[] : codecs;
  const n = shape.length;
  const transpose = inner.find((c) => c.name === "transpose")?.configuration?.order;
  const order = transpose === "F"
    ? range(n).reverse()
    : Array.isArray(transpose)
    ? transpose as number[]
    : range(n);
  const bytes = inner.find((c) => c.name === "bytes");
  const innerChunks = sharding
    ? intList(storeName, key, "sharding chunk_shape", sharding.configuration?.chunk_shape, 1)
    : chunks;
  checkExtent(storeName, key, shape, dtype, innerChunks);
  return {
    kind: "array",
    zarrFormat: 3,
    path,
    shape,
    chunks: innerChunks,
    dtype,
    dataType: doc.data_type as string,
    bigEndian: bytes?.configuration?.endian === "big",
    order,
    codecs,
    codec: describeCodecs(codecs),
    fillValue: decodeFill(storeName, key, dtype, doc.fill_value),
    attributes,
    dimensions: namesOf(doc.dimension_names, n),
    chunkKey: kenc.name === "v2" ? (c) => c.join(sep) || "0" : (c) => ["c", ...c].join(sep),
    sharded: sharding !== undefined,
  };
}

/** A list of one name (or null) per axis, or null when `v` is not one. */
export function namesOf(v: unknown, ndim: number): (string | null)[] | null {
  if (!Array.isArray(v) || v.length !== ndim) return null;
  return v.every((x) => x === null || typeof x === "string") ? [...v] : null;
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

function decodeFill(
  storeName: string,
  key: string,
  dtype: DType,
  v: unknown,
): Scalar | Complex | null {
  const inf = DTYPES[dtype];
  if (v === null) return null;
  if (inf.kind === "c") {
    // zarr-python 2 writes [re, im]; Zarr v3 the same pair
    const part = dtype === "complex64" ? "float32" : "float64";
    if (Array.isArray(v) && v.length === 2) {
      const [re, im] = v.map((x) => decodeFill(storeName, key, part, x) as number);
      return { re, im };
    }
    if (typeof v === "number") return { re: v, im: 0 };
  } else if (inf.kind === "b") {
    if (typeof v === "boolean") return v;
    if (typeof v === "number") return v !== 0;
  } else if (inf.kind === "f") {
    if (typeof v === "number") return v;
    if (v === "NaN") return NaN;
    if (v === "Infinity") return Infinity;
    if (v === "-Infinity") return -Infinity;
    if (typeof v === "string" && /^0x[0-9a-f]+$/i.test(v)) {
      const view = new DataView(new ArrayBuffer(8));
      const bits = BigInt(v);
      if (inf.bytes === 8) {
        view.setBigUint64(0, bits);
        return view.getFloat64(0);
      }
      if (inf.bytes === 4) {
        view.setUint32(0, Number(bits));
        return view.getFloat32(0);
      }
    }
  } else if (typeof v === "number" && Number.isInteger(v)) {
    return inf.big ? BigInt(v) : v;
  }
  throw bad(storeName, key, "fill_value", v, `a value of dtype ${dtype}`);
}

/** The JSON text of a fill value (NaN and infinities as strings, big integers exact). */
export function fillJson(dtype: DType, v: Scalar | Complex | null): string {
  if (v === null) return "null";
  const inf = DTYPES[dtype];
  if (inf.kind === "c") {
    const part = dtype === "complex64" ? "float32" : "float64";
    const c = typeof v === "object" ? v : { re: Number(v), im: 0 };
    return `[${fillJson(part, c.re)}, ${fillJson(part, c.im)}]`;
  }
  if (typeof v === "object") {
    throw new TypeError(`Invalid fill value for dtype "${dtype}": a complex number`);
  }
  if (inf.kind === "b") return String(typeof v === "boolean" ? v : Number(v) !== 0);
  if (inf.kind === "f") {
    const n = Number(v);
    return Number.isNaN(n)
      ? '"NaN"'
      : n === Infinity
      ? '"Infinity"'
      : n === -Infinity
      ? '"-Infinity"'
      : JSON.stringify(n);
  }
  return typeof v === "bigint" ? v.toString() : String(Math.trunc(Number(v)));
}

/**
 * JSON text of a document with sorted keys, four-space indents (as
 * zarr-python writes) and `fill_value` written verbatim from `fill`.
 */
export function docJson(doc: Record<string, unknown>, fill?: string): string {
  const sorted = Object.fromEntries(Object.keys(doc).sort().map((k) => [k, doc[k]]));
  const marker = `${NONFINITE}fill`;
  const text = JSON.stringify(
    fill === undefined ? sorted : { ...sorted, "fill_value": marker },
    nonFiniteReplacer,
    4,
  ).replace(/"@@tessera-nonfinite@@(NaN|-?Infinity)"/g, "$1");
  return fill === undefined ? text : text.replace(JSON.stringify(marker), fill);
}

export { describeCodecs };
