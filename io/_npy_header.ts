// The .npy header: magic, version, the Python dict literal that describes the
// array, and numpy's exact padding. Private to io/npy.ts.
//
// The dict is parsed by a small recursive-descent parser of the literal
// subset numpy writes (dict, tuple, list, str, int, True/False/None), never
// evaluated.

import { type DType, type DTypeInfo, DTYPES, parseDescr } from "../core/dtype.ts";
import { FormatError } from "../core/errors.ts";
import { extentProblem } from "../core/limits.ts";
import type { NpyVersion } from "./npy.ts";

/** The six magic bytes every .npy file starts with. */
export const MAGIC: Uint8Array = new Uint8Array([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]);

/** numpy's `ARRAY_ALIGN`: total header length is a multiple of this. */
const ARRAY_ALIGN = 64;

/** numpy's `GROWTH_AXIS_MAX_DIGITS`: spare spaces after the dict. */
const GROWTH_AXIS_MAX_DIGITS = 21;

/** Headers larger than this are refused before they are read. */
export const MAX_HEADER_BYTES = 1 << 24;

/** What the header of a .npy file says. */
export interface NpyHeader {
  /** Major version (1, 2 or 3; the minor version is always 0). */
  version: NpyVersion;
  /** Element type. */
  dtype: DType;
  /** Whether the data is big-endian. */
  bigEndian: boolean;
  /** Whether the data is in Fortran (column-major) order. */
  fortranOrder: boolean;
  /** Axis lengths. */
  shape: number[];
  /** Byte offset of the data section (magic + length field + header text). */
  dataOffset: number;
}

/** A Python value of the literal subset the header may contain. */
export type PyValue =
  | string
  | number
  | boolean
  | null
  | PyValue[]
  | { readonly tuple: PyValue[] }
  | Map<PyValue, PyValue>;

/** Raised for header text that is not a Python literal of the supported subset. */
export class NpyHeaderSyntaxError extends SyntaxError {
  /**
   * @param message What did not parse, and where.
   * @param options The underlying cause, if any.
   */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "NpyHeaderSyntaxError";
  }
}

/**
 * Parses the Python literal subset used by .npy headers: dicts, tuples,
 * lists, strings (single or double quoted, with escapes), integers (an `L`
 * suffix of Python 2 is accepted), `True`, `False` and `None`.
 */
export function parsePyLiteral(text: string): PyValue {
  let pos = 0;
  const fail = (what: string): never => {
    const near = JSON.stringify(text.slice(pos, pos + 12));
    throw new NpyHeaderSyntaxError(`${what} at position ${pos} (near ${near})`);
  };
  const ws = (): void => {
    while (pos < text.length && /\s/.test(text[pos])) pos++;
  };
  const str = (): string => {
    const q = text[pos++];
    let out = "";
    for (;;) {
      if (pos >= text.length) fail("Unterminated string");
      const c = text[pos++];
      if (c === q) return out;
      if (c === "\n") fail("Unterminated string");
      if (c !== "\\") {
        out += c;
        continue;
      }
      const e = text[pos++];
      const simple: Record<string, string> = {
        "\\": "\\",
        "'": "'",
        '"': '"',
        n: "\n",
        t: "\t",
        r: "\r",
        "0": "\0",
      };
      if (e in simple) out += simple[e];
      else if (e === "x" || e === "u" || e === "U") {
        const len = e === "x" ? 2 : e === "u" ? 4 : 8;
        const hex = text.slice(pos, pos + len);
        if (!/^[0-9a-fA-F]+$/.test(hex) || hex.length !== len) fail("Bad escape in string");
        out += String.fromCodePoint(parseInt(hex, 16));
        pos += len;
      } else fail("Unsupported escape in string");
    }
  };
  const value = (depth: number): PyValue => {
    if (depth > 32) fail("Literal nested too deeply");
    ws();
    const c = text[pos];
    if (c === undefined) return fail("Unexpected end of header");
    if (c === "'" || c === '"') return str();
    if (c === "{") {
      pos++;
      const m = new Map<PyValue, PyValue>();
      for (;;) {
        ws();
        if (text[pos] === "}") {
          pos++;
          return m;
        }
        const k = value(depth + 1);
        if (typeof k !== "string" && typeof k !== "number") fail("Unsupported dict key");
        ws();
        if (text[pos] !== ":") fail("Expected ':'");
        pos++;
        m.set(k, value(depth + 1));
        ws();
        if (text[pos] === ",") pos++;
        else if (text[pos] !== "}") fail("Expected ',' or '}'");
      }
    }
    if (c === "(" || c === "[") {
      const close = c === "(" ? ")" : "]";
      pos++;
      const items: PyValue[] = [];
      let comma = false;
      for (;;) {
        ws();
        if (text[pos] === close) {
          pos++;
          break;
        }
        items.push(value(depth + 1));
        ws();
        if (text[pos] === ",") {
          pos++;
          comma = true;
        } else if (text[pos] !== close) fail(`Expected ',' or '${close}'`);
      }
      if (c === "[") return items;
      // `(x)` is x itself; `(x,)` and `()` are tuples
      return items.length === 1 && !comma ? items[0] : { tuple: items };
    }
    const m = /^[+-]?\d+L?/.exec(text.slice(pos, pos + 40));
    if (m) {
      if (/^[+-]?\d+L?[.eEjJ]/.test(text.slice(pos, pos + m[0].length + 1))) {
        fail("Unsupported number");
      }
      pos += m[0].length;
      return Number(m[0].replace("L", ""));
    }
    for (const [word, v] of [["True", true], ["False", false], ["None", null]] as const) {
      if (text.startsWith(word, pos) && !/\w/.test(text[pos + word.length] ?? "")) {
        pos += word.length;
        return v;
      }
    }
    return fail("Unexpected token");
  };
  const v = value(0);
  ws();
  if (pos !== text.length) fail("Unexpected text after the literal");
  return v;
}

function pyRepr(v: PyValue): string {
  if (typeof v === "string") return `'${v}'`;
  if (v === null) return "None";
  if (typeof v === "boolean") return v ? "True" : "False";
  if (typeof v === "number") return String(v);
  if (Array.isArray(v)) return `[${v.map(pyRepr).join(", ")}]`;
  if (v instanceof Map) return "{...}";
  return `(${v.tuple.map(pyRepr).join(", ")}${v.tuple.length === 1 ? "," : ""})`;
}

/**
 * Parses the bytes at the start of a file. `bytes` must hold at least the
 * prefix (magic, version, length field); returns the header text length
 * and data offset so the caller can read the rest.
 */
export function parsePrefix(
  file: string,
  bytes: Uint8Array,
): { version: NpyVersion; headerStart: number; headerLength: number } {
  if (bytes.length < 10) {
    throw new FormatError(file, `not a .npy file: ${bytes.length} bytes is too short for a header`);
  }
  for (let i = 0; i < MAGIC.length; i++) {
    if (bytes[i] !== MAGIC[i]) {
      const got = [...bytes.subarray(0, 6)].map((b) => b.toString(16).padStart(2, "0")).join(" ");
      throw new FormatError(
        file,
        `not a .npy file: bad magic bytes "${got}", expected "93 4e 55 4d 50 59"`,
      );
    }
  }
  const major = bytes[6];
  const minor = bytes[7];
  if ((major !== 1 && major !== 2 && major !== 3) || minor !== 0) {
    throw new FormatError(
      file,
      `unsupported .npy version "${major}.${minor}": expected 1.0, 2.0 or 3.0`,
    );
  }
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (major === 1) return { version: 1, headerStart: 10, headerLength: dv.getUint16(8, true) };
  if (bytes.length < 12) {
    throw new FormatError(file, `not a .npy file: ${bytes.length} bytes is too short for a header`);
  }
  return { version: major, headerStart: 12, headerLength: dv.getUint32(8, true) };
}

/** Decodes and validates the header dict (the bytes after the length field). */
export function parseHeaderText(
  file: string,
  version: NpyVersion,
  text: Uint8Array,
  dataOffset: number,
): NpyHeader {
  let src = "";
  if (version === 3) {
    try {
      src = new TextDecoder("utf-8", { fatal: true }).decode(text);
    } catch (e) {
      throw new FormatError(file, "header is not valid UTF-8", { cause: e });
    }
  } else {
    // latin-1 is the first 256 code points (TextDecoder's "latin1" is windows-1252)
    for (let i = 0; i < text.length; i += 8192) {
      src += String.fromCharCode(...text.subarray(i, i + 8192));
    }
  }
  let dict: PyValue;
  try {
    dict = parsePyLiteral(src);
  } catch (e) {
    throw new FormatError(
      file,
      `header is not a Python literal: ${(e as Error).message}`,
      { cause: e },
    );
  }
  if (!(dict instanceof Map)) {
    throw new FormatError(file, `header is not a dictionary: ${JSON.stringify(src.trim())}`);
  }
  const keys = [...dict.keys()].map(String).sort();
  if (keys.join() !== "descr,fortran_order,shape") {
    throw new FormatError(
      file,
      `header does not contain the keys "descr", "fortran_order" and "shape": got ${
        keys.map((k) => `"${k}"`).join(", ")
      }`,
    );
  }
  const descr = dict.get("descr")!;
  if (typeof descr !== "string") {
    const kind = Array.isArray(descr) ? "structured dtypes (a list descr)" : "this descr";
    throw new FormatError(
      file,
      `unsupported dtype ${pyRepr(descr).slice(0, 80)}: ${kind} are not supported`,
    );
  }
  const parsed = parseDescr(descr);
  if (!parsed) {
    throw new FormatError(
      file,
      `unsupported dtype "${descr}": expected bool, an integer, a float or a complex (such as "<f8")`,
    );
  }
  const fortran = dict.get("fortran_order");
  if (typeof fortran !== "boolean") {
    throw new FormatError(
      file,
      `header "fortran_order" is not a boolean: ${pyRepr(fortran ?? null)}`,
    );
  }
  const shapeV = dict.get("shape")!;
  const tuple = shapeV !== null && typeof shapeV === "object" && "tuple" in shapeV
    ? shapeV.tuple
    : null;
  if (
    !tuple || !tuple.every((d) => typeof d === "number" && Number.isSafeInteger(d) && d >= 0)
  ) {
    throw new FormatError(
      file,
      `header "shape" is not a tuple of non-negative integers: ${pyRepr(shapeV)}`,
    );
  }
  const absurd = extentProblem(tuple as number[], 1, null);
  if (absurd !== null) throw new FormatError(file, `header ${absurd}`);
  return {
    version,
    dtype: parsed.dtype,
    bigEndian: parsed.bigEndian,
    fortranOrder: fortran,
    shape: tuple as number[],
    dataOffset,
  };
}

/**
 * The complete header bytes numpy writes for an array (magic, version,
 * length, dict, growth spaces, padding to 64 bytes, newline). With no
 * version, the lowest one the header fits is chosen, as numpy does.
 */
export function formatHeader(
  dtype: DType,
  shape: readonly number[],
  fortranOrder: boolean,
  version?: NpyVersion,
): Uint8Array {
  if (version !== undefined && version !== 1 && version !== 2 && version !== 3) {
    throw new RangeError(`Unsupported .npy version ${version}: expected 1, 2 or 3`);
  }
  const inf: DTypeInfo = DTYPES[dtype];
  const shapeRepr = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(", ")})`;
  let dict = `{'descr': '${inf.descr}', 'fortran_order': ${
    fortranOrder ? "True" : "False"
  }, 'shape': ${shapeRepr}, }`;
  if (shape.length > 0) {
    const grow = String(shape[fortranOrder ? shape.length - 1 : 0]).length;
    dict += " ".repeat(Math.max(0, GROWTH_AXIS_MAX_DIGITS - grow));
  }
  const latin1 = ![...dict].some((c) => c.charCodeAt(0) > 0xff);
  const candidates: NpyVersion[] = version ? [version] : latin1 ? [1, 2] : [3];
  for (const v of candidates) {
    const body = v === 3
      ? new TextEncoder().encode(dict)
      : Uint8Array.from(dict, (c) => c.charCodeAt(0));
    if (v !== 3 && !latin1) {
      throw new RangeError(`Cannot write a .npy ${v}.0 header: it is not latin-1`);
    }
    const prefix = v === 1 ? 10 : 12;
    const hlen = body.length + 1;
    const padlen = ARRAY_ALIGN - ((prefix + hlen) % ARRAY_ALIGN);
    const total = hlen + padlen;
    if (v === 1 && total > 0xffff) {
      if (version) throw new RangeError(`Header of ${total} bytes is too big for .npy version 1.0`);
      continue;
    }
    const out = new Uint8Array(prefix + total);
    out.set(MAGIC, 0);
    out[6] = v;
    out[7] = 0;
    const dv = new DataView(out.buffer);
    if (v === 1) dv.setUint16(8, total, true);
    else dv.setUint32(8, total, true);
    out.set(body, prefix);
    out.fill(0x20, prefix + body.length, out.length - 1);
    out[out.length - 1] = 0x0a;
    return out;
  }
  // unreachable: version 2 always fits a header of our dtypes
  throw new RangeError(`Cannot format a .npy header for shape [${shape.join(",")}]`);
}
