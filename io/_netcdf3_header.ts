// The header of a netCDF-3 file (classic CDF-1, 64-bit offset CDF-2, 64-bit
// data CDF-5), parsed from its bytes: dimensions, attributes, variables and
// where each variable's data lies. Written from Unidata's "NetCDF Classic and
// 64-bit Offset Format" grammar. Every count and size the header claims is
// checked against the file's size before anything is allocated, so a
// malformed header is a FormatError naming the file and the field.

import type { DType } from "../core/dtype.ts";
import { FormatError } from "../core/errors.ts";
import { extentProblem } from "../core/limits.ts";

/** The largest header read (a real one is kilobytes; this bounds a hostile file). */
export const MAX_HEADER_BYTES = 256 << 20;

/** numrecs of a file being written by a streaming writer: count the records from the file size. */
const STREAMING = 0xffffffff;

const NC_DIMENSION = 0x0a;
const NC_VARIABLE = 0x0b;
const NC_ATTRIBUTE = 0x0c;

/** One netCDF external type: its name, element bytes, and the dtype it reads as (null: char). */
interface NcType {
  readonly name: string;
  readonly bytes: number;
  readonly dtype: DType | null;
  readonly cdf5Only: boolean;
}

const TYPES: Readonly<Record<number, NcType>> = {
  1: { name: "byte", bytes: 1, dtype: "int8", cdf5Only: false },
  2: { name: "char", bytes: 1, dtype: null, cdf5Only: false },
  3: { name: "short", bytes: 2, dtype: "int16", cdf5Only: false },
  4: { name: "int", bytes: 4, dtype: "int32", cdf5Only: false },
  5: { name: "float", bytes: 4, dtype: "float32", cdf5Only: false },
  6: { name: "double", bytes: 8, dtype: "float64", cdf5Only: false },
  7: { name: "ubyte", bytes: 1, dtype: "uint8", cdf5Only: true },
  8: { name: "ushort", bytes: 2, dtype: "uint16", cdf5Only: true },
  9: { name: "uint", bytes: 4, dtype: "uint32", cdf5Only: true },
  10: { name: "int64", bytes: 8, dtype: "int64", cdf5Only: true },
  11: { name: "uint64", bytes: 8, dtype: "uint64", cdf5Only: true },
};

/** The netCDF-3 variant: 1 classic, 2 64-bit offset, 5 64-bit data. */
export type NcVersion = 1 | 2 | 5;

/** An attribute value as plain JSON: a string (char), a number, or a list of numbers. */
export type NcAttribute = string | number | bigint | (number | bigint)[];

/** One dimension. */
export interface NcDimension {
  readonly name: string;
  /** Its length (numrecs for the record dimension). */
  readonly length: number;
  /** Whether it is the record (unlimited) dimension. */
  readonly unlimited: boolean;
}

/** One variable and where its data lies. */
export interface NcVariable {
  readonly name: string;
  /** Dimension names, outermost first. */
  readonly dimensions: readonly string[];
  /** Axis lengths (numrecs along the record dimension). */
  readonly shape: readonly number[];
  readonly attributes: Readonly<Record<string, NcAttribute>>;
  /** netCDF type name (`short`, `char`, ...). */
  readonly type: string;
  /** The dtype it reads as, or null for char (text) variables. */
  readonly dtype: DType | null;
  /** Bytes per element. */
  readonly itemsize: number;
  /** Offset of its data (of its first record, for a record variable). */
  readonly begin: number;
  /** Whether its outermost axis is the record dimension. */
  readonly record: boolean;
  /** Bytes of its data (of one record, for a record variable), unpadded. */
  readonly bytes: number;
}

/** A parsed header. */
export interface NcHeader {
  readonly version: NcVersion;
  /** Number of records (counted from the file size when the header says "streaming"). */
  readonly numrecs: number;
  /** Whether numrecs was the streaming marker. */
  readonly streaming: boolean;
  readonly dimensions: readonly NcDimension[];
  readonly attributes: Readonly<Record<string, NcAttribute>>;
  readonly variables: readonly NcVariable[];
  /** Bytes from one record to the next (all record variables of one record). */
  readonly recsize: number;
  /** Bytes of the header. */
  readonly headerBytes: number;
}

/** Thrown by the parser when the buffer ends before the file does: read more and parse again. */
export class NeedMoreBytes extends Error {
  /** Creates the signal. */
  constructor() {
    super("netCDF-3 header continues past the bytes read");
    this.name = "NeedMoreBytes";
  }
}

const utf8 = new TextDecoder("utf-8");

class Cursor {
  readonly #bytes: Uint8Array;
  readonly #view: DataView;
  readonly #file: string;
  readonly #fileSize: number;
  readonly wide: boolean; // CDF-5: 64-bit counts and sizes
  pos = 0;

  constructor(bytes: Uint8Array, file: string, fileSize: number, wide: boolean) {
    this.#bytes = bytes;
    this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.#file = file;
    this.#fileSize = fileSize;
    this.wide = wide;
  }

  fail(detail: string): FormatError {
    return new FormatError(this.#file, detail);
  }

  /** Bytes of the file after the cursor. */
  get left(): number {
    return this.#fileSize - this.pos;
  }

  #need(n: number, field: string): void {
    if (this.pos + n <= this.#bytes.length) return;
    if (this.pos + n > this.#fileSize) {
      throw this.fail(
        `header is truncated: ${field} at byte ${this.pos} runs past the end of the file (${this.#fileSize} bytes)`,
      );
    }
    if (this.#bytes.length >= MAX_HEADER_BYTES) {
      throw this.fail(`header is larger than ${MAX_HEADER_BYTES} bytes (at ${field})`);
    }
    throw new NeedMoreBytes();
  }

  u32(field: string): number {
    this.#need(4, field);
    const v = this.#view.getUint32(this.pos);
    this.pos += 4;
    return v;
  }

  u64(field: string): number {
    this.#need(8, field);
    const v = this.#view.getBigUint64(this.pos);
    this.pos += 8;
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) {
      throw this.fail(`${field} is ${v}, more than 2^53`);
    }
    return Number(v);
  }

  /** NON_NEG: 32 bits (64 in CDF-5). */
  count(field: string): number {
    return this.wide ? this.u64(field) : this.u32(field);
  }

  /** A count of items each at least `min` header bytes, checked against the file. */
  items(field: string, min: number): number {
    const n = this.count(field);
    if (n * min > this.left) {
      throw this.fail(
        `${field} is ${n}, more than the ${this.left} bytes left in the file can hold`,
      );
    }
    return n;
  }

  bytes(n: number, field: string): Uint8Array {
    this.#need(n, field);
    const out = this.#bytes.subarray(this.pos, this.pos + n);
    this.pos += n + ((4 - (n % 4)) % 4);
    if (this.pos > this.#bytes.length) this.#need(0, `padding of ${field}`);
    return out;
  }

  name(field: string): string {
    const n = this.count(`length of ${field}`);
    if (n > this.left) {
      throw this.fail(`length of ${field} is ${n}, past the end of the file`);
    }
    return utf8.decode(this.bytes(n, field));
  }

  get view(): DataView {
    return this.#view;
  }
}

function typeOf(c: Cursor, code: number, version: NcVersion, field: string): NcType {
  const t = TYPES[code];
  if (t === undefined || (t.cdf5Only && version !== 5)) {
    throw c.fail(`${field} has unknown netCDF type code ${code}`);
  }
  return t;
}

// reads `n` values of type `t` (big-endian) as plain numbers (bigints past 2^53)
function values(c: Cursor, t: NcType, n: number, field: string): NcAttribute {
  if (n * t.bytes > c.left) {
    throw c.fail(
      `${field} declares ${n} values of ${t.bytes} bytes at byte ${c.pos}, past the end of the file`,
    );
  }
  const raw = c.bytes(n * t.bytes, field);
  if (t.dtype === null) return utf8.decode(raw).replace(/\0+$/, "");
  const v = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const out: (number | bigint)[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const at = i * t.bytes;
    switch (t.dtype) {
      case "int8":
        out[i] = v.getInt8(at);
        break;
      case "uint8":
        out[i] = v.getUint8(at);
        break;
      case "int16":
        out[i] = v.getInt16(at);
        break;
      case "uint16":
        out[i] = v.getUint16(at);
        break;
      case "int32":
        out[i] = v.getInt32(at);
        break;
      case "uint32":
        out[i] = v.getUint32(at);
        break;
      case "float32":
        out[i] = v.getFloat32(at);
        break;
      case "float64":
        out[i] = v.getFloat64(at);
        break;
      default: {
        const b = t.dtype === "int64" ? v.getBigInt64(at) : v.getBigUint64(at);
        const num = Number(b);
        out[i] = Number.isSafeInteger(num) ? num : b;
      }
    }
  }
  return n === 1 ? out[0] : out;
}

function listTag(c: Cursor, want: number, what: string): number {
  const tag = c.u32(`${what} list tag`);
  const n = c.count(`${what} count`);
  if (tag === 0 && n === 0) return 0; // ABSENT
  if (tag !== want) {
    throw c.fail(
      `${what} list tag is ${tag} at byte ${c.pos - (c.wide ? 12 : 8)}, expected ${want} or absent`,
    );
  }
  c.pos -= c.wide ? 8 : 4; // re-read the count with its bound check
  return -1;
}

function attributes(
  c: Cursor,
  version: NcVersion,
  where: string,
): Record<string, NcAttribute> {
  const out: Record<string, NcAttribute> = {};
  if (listTag(c, NC_ATTRIBUTE, `${where} attribute`) === 0) return out;
  const n = c.items(`${where} attribute count`, c.wide ? 24 : 12);
  for (let i = 0; i < n; i++) {
    const name = c.name(`name of ${where} attribute ${i}`);
    const field = `${where} attribute "${name}"`;
    const t = typeOf(c, c.u32(`type of ${field}`), version, field);
    const count = c.count(`value count of ${field}`);
    out[name] = values(c, t, count, field);
  }
  return out;
}

/**
 * Parses the header in `bytes` (the file's first bytes). Throws
 * {@link NeedMoreBytes} when `bytes` ends inside the header but the file is
 * longer; a `FormatError` naming `file` and the field for anything malformed.
 */
export function parseHeader(bytes: Uint8Array, file: string, fileSize: number): NcHeader {
  if (fileSize < 4 || bytes.length < 4) {
    throw new FormatError(file, `file of ${fileSize} bytes is too short for a netCDF header`);
  }
  if (bytes[0] !== 0x43 || bytes[1] !== 0x44 || bytes[2] !== 0x46) {
    throw new FormatError(file, "not a netCDF-3 file (no CDF signature)");
  }
  const version = bytes[3];
  if (version !== 1 && version !== 2 && version !== 5) {
    throw new FormatError(
      file,
      `unknown netCDF-3 version byte ${version} (expected 1 classic, 2 64-bit offset or 5 64-bit data)`,
    );
  }
  const c = new Cursor(bytes, file, fileSize, version === 5);
  c.pos = 4;
  // numrecs, or the streaming marker (all bits set): count the records from the file size
  let numrecs = 0;
  let streaming: boolean;
  if (c.wide) {
    const hi = c.u32("numrecs");
    const lo = c.u32("numrecs");
    streaming = hi === STREAMING && lo === STREAMING;
    numrecs = hi * 2 ** 32 + lo;
    if (!streaming && !Number.isSafeInteger(numrecs)) {
      throw c.fail(`numrecs is ${numrecs}, more than 2^53`);
    }
  } else {
    numrecs = c.u32("numrecs");
    streaming = numrecs === STREAMING;
  }

  const dims: { name: string; length: number }[] = [];
  let recordDim = -1;
  if (listTag(c, NC_DIMENSION, "dimension") !== 0) {
    const n = c.items("dimension count", c.wide ? 16 : 8);
    for (let i = 0; i < n; i++) {
      const name = c.name(`name of dimension ${i}`);
      const length = c.count(`length of dimension "${name}"`);
      if (length === 0) {
        if (recordDim >= 0) {
          throw c.fail(
            `dimensions "${
              dims[recordDim].name
            }" and "${name}" are both unlimited (at most one may be)`,
          );
        }
        recordDim = i;
      }
      dims.push({ name, length });
    }
  }
  const gatts = attributes(c, version, "global");

  interface Raw {
    name: string;
    dimids: number[];
    attributes: Record<string, NcAttribute>;
    t: NcType;
    begin: number;
  }
  const raws: Raw[] = [];
  if (listTag(c, NC_VARIABLE, "variable") !== 0) {
    const n = c.items("variable count", c.wide ? 48 : 28);
    for (let i = 0; i < n; i++) {
      const name = c.name(`name of variable ${i}`);
      const field = `variable "${name}"`;
      const rank = c.items(`dimension count of ${field}`, c.wide ? 8 : 4);
      const dimids: number[] = [];
      for (let k = 0; k < rank; k++) {
        const id = c.count(`dimension id ${k} of ${field}`);
        if (id >= dims.length) {
          throw c.fail(
            `dimension id ${k} of ${field} is ${id}, the file has ${dims.length} dimensions`,
          );
        }
        if (id === recordDim && k !== 0) {
          throw c.fail(
            `${field} has the unlimited dimension "${
              dims[id].name
            }" at axis ${k}, only axis 0 may be unlimited`,
          );
        }
        dimids.push(id);
      }
      const attrs = attributes(c, version, field);
      const t = typeOf(c, c.u32(`type of ${field}`), version, field);
      c.count(`vsize of ${field}`); // recomputed below: it overflows for large variables
      const begin = version === 1 ? c.u32(`begin of ${field}`) : c.u64(`begin of ${field}`);
      raws.push({ name, dimids, attributes: attrs, t, begin });
    }
  }
  const headerBytes = c.pos;

  // record size: every record variable's bytes, padded to 4, except that one
  // record variable alone is not padded (netCDF-C's rule)
  const inner = (r: Raw): number[] =>
    r.dimids.filter((id) => id !== recordDim).map((id) => dims[id].length);
  const bytesOf = (r: Raw): number => inner(r).reduce((a, b) => a * b, 1) * r.t.bytes;
  const recVars = raws.filter((r) => r.dimids[0] === recordDim && recordDim >= 0);
  const pad4 = (n: number): number => n + ((4 - (n % 4)) % 4);
  let recsize = recVars.reduce((a, r) => a + pad4(bytesOf(r)), 0);
  if (recVars.length > 0 && recsize === pad4(bytesOf(recVars[0]))) recsize = bytesOf(recVars[0]);
  if (!Number.isSafeInteger(recsize)) {
    throw new FormatError(file, `record size ${recsize} is absurd`);
  }
  if (streaming) {
    numrecs = recVars.length > 0 && recsize > 0
      ? Math.max(0, Math.floor((fileSize - recVars[0].begin) / recsize))
      : 0;
  }

  const variables: NcVariable[] = raws.map((r) => {
    const record = recordDim >= 0 && r.dimids[0] === recordDim;
    const shape = r.dimids.map((id) => (id === recordDim ? numrecs : dims[id].length));
    const field = `variable "${r.name}"`;
    const problem = extentProblem(shape, r.t.bytes, null);
    if (problem !== null) throw new FormatError(file, `${field}: ${problem}`);
    const bytes = bytesOf(r);
    const rows = record ? numrecs : 1;
    const end = rows === 0 || bytes === 0 ? r.begin : r.begin + (rows - 1) * recsize + bytes;
    if (r.begin < headerBytes && end > r.begin) {
      throw new FormatError(
        file,
        `${field} begins at byte ${r.begin}, inside the header (${headerBytes} bytes)`,
      );
    }
    if (end > fileSize) {
      throw new FormatError(
        file,
        `${field} needs bytes ${r.begin} to ${end}, past the end of the file (${fileSize} bytes)`,
      );
    }
    return {
      name: r.name,
      dimensions: r.dimids.map((id) => dims[id].name),
      shape,
      attributes: r.attributes,
      type: r.t.name,
      dtype: r.t.dtype,
      itemsize: r.t.bytes,
      begin: r.begin,
      record,
      bytes,
    };
  });
  return {
    version: version as NcVersion,
    numrecs,
    streaming,
    dimensions: dims.map((d, i) => ({
      name: d.name,
      length: i === recordDim ? numrecs : d.length,
      unlimited: i === recordDim,
    })),
    attributes: gatts,
    variables,
    recsize,
    headerBytes,
  };
}
