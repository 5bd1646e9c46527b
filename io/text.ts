/**
 * Small arrays as text, as NumPy's `savetxt` and `loadtxt` write and read
 * them: one row per line, values separated by a delimiter, `#` comments.
 * For arrays that fit in memory many times over (parameters, tables,
 * results to look at); large arrays belong in .npy, Zarr or HDF5.
 *
 * @module
 */

import { type DType, DTYPES, toDType } from "../core/dtype.ts";
import { FormatError } from "../core/errors.ts";
import { fromArray, NDArray } from "../core/ndarray.ts";
import { syncOption, writeFileAtomic } from "./output.ts";

/** Options of {@link saveTxt} (NumPy's `savetxt` keywords). */
export interface SaveTxtOptions {
  /**
   * printf-style format of every value: `%.Ne` (default `%.18e`, NumPy's),
   * `%.Nf`, `%d` (integers; floats are truncated as NumPy's `%d` does) or
   * `%s`/`%r` (the shortest text that reads back as the same number).
   */
  readonly fmt?: string;
  /** Between values of a row (default one space). */
  readonly delimiter?: string;
  /** Text written first, each line prefixed by `comments`. */
  readonly header?: string;
  /** Text written last, each line prefixed by `comments`. */
  readonly footer?: string;
  /** The comment prefix of `header` and `footer` (default `"# "`). */
  readonly comments?: string;
  /** Sync a new file before publishing it (default `TESSERA_SYNC`); a replaced one always is. */
  readonly sync?: boolean;
}

/** Options of {@link loadTxt} (NumPy's `loadtxt` keywords). */
export interface LoadTxtOptions {
  /** The dtype of the result (default float64). */
  readonly dtype?: DType | string;
  /** Between values (default: any run of whitespace). */
  readonly delimiter?: string;
  /** Text from this marker to the end of a line is ignored (default `"#"`). */
  readonly comments?: string;
  /** Lines skipped at the start, comments and blank lines included (default 0). */
  readonly skiprows?: number;
  /** The columns kept, by index (negative from the end; default all). */
  readonly usecols?: readonly number[];
  /** At least this many dimensions (0, 1 or 2; default 0: one row or column is 1-D). */
  readonly ndmin?: 0 | 1 | 2;
}

const SAVE_KEYS = new Set(["fmt", "delimiter", "header", "footer", "comments", "sync"]);
const LOAD_KEYS = new Set(["dtype", "delimiter", "comments", "skiprows", "usecols", "ndmin"]);

function checkKeys(what: string, options: object, known: Set<string>): void {
  if (typeof options !== "object" || options === null) {
    throw new TypeError(`${what}: options must be an object, got ${options}`);
  }
  for (const k of Object.keys(options)) {
    if (!known.has(k)) {
      throw new TypeError(`${what}: unknown option "${k}" (expected ${[...known].join(", ")})`);
    }
  }
}

function checkString(what: string, name: string, v: unknown, fallback: string): string {
  if (v === undefined) return fallback;
  if (typeof v !== "string") throw new TypeError(`${what}: ${name} must be a string, got ${v}`);
  return v;
}

/** NumPy's text for a number in `%.Ne` (two-digit exponent at least, `nan`, `inf`). */
function formatter(what: string, fmt: string): (x: number | bigint | boolean) => string {
  // NaN, infinities and -0 (which JavaScript's toFixed/toExponential print unsigned)
  const special = (x: number): string | null =>
    Number.isNaN(x) ? "nan" : x === Infinity ? "inf" : x === -Infinity ? "-inf" : null;
  const sign = (x: number, text: string): string => Object.is(x, -0) ? `-${text}` : text;
  let m = /^%\.(\d{1,2})e$/.exec(fmt);
  if (m) {
    const p = Number(m[1]);
    return (v) => {
      const x = Number(v);
      return special(x) ?? sign(x, x.toExponential(p).replace(/e([+-])(\d)$/, "e$10$2"));
    };
  }
  m = /^%\.(\d{1,2})f$/.exec(fmt);
  if (m) {
    const p = Number(m[1]);
    return (v) => {
      const x = Number(v);
      return special(x) ?? sign(x, x.toFixed(p));
    };
  }
  if (fmt === "%d") {
    return (v) => {
      if (typeof v === "bigint") return v.toString();
      const x = Number(v);
      if (!Number.isFinite(x)) {
        throw new RangeError(`${what}: %d cannot format ${x}`);
      }
      return Math.trunc(x).toFixed(0);
    };
  }
  if (fmt === "%s" || fmt === "%r") {
    return (v) => {
      if (typeof v === "bigint" || typeof v === "boolean") return String(v);
      return special(v) ?? String(v);
    };
  }
  throw new TypeError(
    `${what}: unsupported fmt "${fmt}" (expected %.Ne, %.Nf, %d, %s or %r)`,
  );
}

/**
 * Writes a 0-, 1- or 2-D array as text, as NumPy's `savetxt`: a 1-D array
 * one value per line, a 2-D array one row per line. The file is written
 * under a temporary name and renamed into place (an existing file is
 * replaced, as NumPy does).
 *
 * @param path The file to write.
 * @param array The array (at most 2-D).
 * @param options `fmt`, `delimiter`, `header`, `footer`, `comments`, `sync`.
 * @returns When the file is in place.
 * @throws {TypeError} For an array that is not an NDArray, an unknown option or format.
 * @throws {RangeError} For an array of more than 2 dimensions.
 *
 * @example
 * ```ts
 * import { loadTxt, saveTxt } from "./text.ts";
 * import { fromArray } from "../core/ndarray.ts";
 * import assert from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * await saveTxt(`${dir}/a.txt`, fromArray([[1, 2.5], [3, -4]]), { fmt: "%.2f", delimiter: "," });
 * assert.equal(await Deno.readTextFile(`${dir}/a.txt`), "1.00,2.50\n3.00,-4.00\n");
 * assert.deepEqual((await loadTxt(`${dir}/a.txt`, { delimiter: "," })).toArray(), [[1, 2.5], [3, -4]]);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function saveTxt(
  path: string,
  array: NDArray,
  options: SaveTxtOptions = {},
): Promise<void> {
  const what = `Cannot write "${path}"`;
  if (!(array instanceof NDArray)) throw new TypeError(`${what}: expected an NDArray`);
  checkKeys(what, options, SAVE_KEYS);
  const sync = syncOption(options.sync, path);
  if (array.ndim > 2) {
    throw new RangeError(`${what}: text holds a 1-D or 2-D array, got shape [${array.shape}]`);
  }
  const format = formatter(what, checkString(what, "fmt", options.fmt, "%.18e"));
  const delimiter = checkString(what, "delimiter", options.delimiter, " ");
  const comments = checkString(what, "comments", options.comments, "# ");
  const lines: string[] = [];
  const commented = (text: string | undefined, name: string): void => {
    if (checkString(what, name, text, "") === "") return;
    for (const l of text!.split("\n")) lines.push(comments + l);
  };
  commented(options.header, "header");
  const rows = array.ndim === 0
    ? [[array.toArray()]]
    : array.ndim === 1
    ? (array.toArray() as unknown[]).map((v) => [v])
    : array.toArray() as unknown[][];
  for (const row of rows) {
    lines.push(row.map((v) => format(v as number)).join(delimiter));
  }
  commented(options.footer, "footer");
  await writeFileAtomic(path, new TextEncoder().encode(lines.map((l) => l + "\n").join("")), {
    sync,
  });
}

/** A number in text, with NumPy's spellings of the special values; null when it is none. */
function parseValue(text: string): number | null {
  const t = text.trim().toLowerCase();
  if (t === "nan" || t === "+nan" || t === "-nan") return NaN;
  if (t === "inf" || t === "+inf" || t === "infinity" || t === "+infinity") return Infinity;
  if (t === "-inf" || t === "-infinity") return -Infinity;
  if (!/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/.test(t)) return null;
  return Number(t);
}

/**
 * Reads a text table as NumPy's `loadtxt`: one row per line, values split by
 * whitespace or `delimiter`, comments and blank lines skipped. A single row
 * or column comes back 1-D (unless `ndmin`), as NumPy's.
 *
 * @param path The file.
 * @param options `dtype`, `delimiter`, `comments`, `skiprows`, `usecols`, `ndmin`.
 * @returns The array.
 * @throws {FormatError} When a value does not parse or the rows differ in length (line named).
 * @throws {TypeError} For an unknown option.
 * @throws {RangeError} For a bad `skiprows`, `usecols` or `ndmin`.
 *
 * @example
 * ```ts
 * import { loadTxt } from "./text.ts";
 * import assert from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/t.txt`, "# x y\n1 2\n3 4  # last\n");
 * const a = await loadTxt(`${dir}/t.txt`, { dtype: "int32" });
 * assert.deepEqual([a.dtype, a.toArray()], ["int32", [[1, 2], [3, 4]]]);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function loadTxt(path: string, options: LoadTxtOptions = {}): Promise<NDArray> {
  const what = `Cannot read "${path}"`;
  checkKeys(what, options, LOAD_KEYS);
  const dtype = toDType(options.dtype ?? "float64");
  const delimiter = options.delimiter === undefined
    ? null
    : checkString(what, "delimiter", options.delimiter, " ");
  const comments = checkString(what, "comments", options.comments, "#");
  const skiprows = options.skiprows ?? 0;
  if (!Number.isInteger(skiprows) || skiprows < 0) {
    throw new RangeError(`${what}: skiprows must be a non-negative integer, got ${skiprows}`);
  }
  const ndmin = options.ndmin ?? 0;
  if (ndmin !== 0 && ndmin !== 1 && ndmin !== 2) {
    throw new RangeError(`${what}: ndmin must be 0, 1 or 2, got ${ndmin}`);
  }
  const text = await Deno.readTextFile(path);
  const rows: number[][] = [];
  const lines = text.split(/\r?\n/);
  let width = -1;
  for (let i = skiprows; i < lines.length; i++) {
    let line = lines[i];
    if (comments !== "") {
      const c = line.indexOf(comments);
      if (c >= 0) line = line.slice(0, c);
    }
    if (line.trim() === "") continue;
    let fields = delimiter === null ? line.trim().split(/\s+/) : line.split(delimiter);
    if (options.usecols !== undefined) {
      const n = fields.length;
      fields = options.usecols.map((c) => {
        const j = c < 0 ? c + n : c;
        if (!Number.isInteger(c) || j < 0 || j >= n) {
          throw new RangeError(
            `${what}: usecols ${c} is out of range for line ${i + 1} (${n} columns)`,
          );
        }
        return fields[j];
      });
    }
    if (width >= 0 && fields.length !== width) {
      throw new FormatError(
        path,
        `line ${i + 1} has ${fields.length} values, the rows before it ${width}`,
      );
    }
    width = fields.length;
    rows.push(fields.map((f) => {
      const v = parseValue(f);
      if (v === null) {
        throw new FormatError(path, `line ${i + 1}: cannot read "${f.trim()}" as a number`);
      }
      if (DTYPES[dtype].kind !== "f" && !Number.isInteger(v) && dtype !== "bool") {
        throw new FormatError(path, `line ${i + 1}: "${f.trim()}" is not an integer (${dtype})`);
      }
      return v;
    }));
  }
  let a = rows.length === 0 ? fromArray([], dtype).reshape([0]) : fromArray(rows, dtype);
  // NumPy's squeeze: one row or one column is 1-D, then ndmin adds axes in front
  if (a.ndim === 2 && (a.shape[0] === 1 || a.shape[1] === 1)) {
    a = a.reshape([a.shape[0] * a.shape[1]]);
  }
  if (ndmin === 2 && a.ndim === 1) {
    a = rows.length > 0 && width === 1 && rows.length > 1
      ? a.reshape([a.shape[0], 1])
      : a.reshape([1, a.shape[0]]);
  }
  return a;
}
