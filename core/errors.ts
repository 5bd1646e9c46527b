/**
 * The error classes a caller may want to catch, all in this one module:
 * `ShapeMismatchError`, `FormatError`, `MemoryBudgetError`, and `NativeError`
 * for a failed native call with its subclasses `MpiError` (libmpi) and
 * `Hdf5Error` (libhdf5). Everything else is a plain `TypeError` (wrong kind
 * of argument), `RangeError` (value out of range) or a `SyntaxError` subclass
 * for text that does not parse.
 *
 * @module
 */

/**
 * Two shapes that had to agree (broadcasting, `out`, a region written to a
 * file) do not.
 *
 * @example
 * ```ts
 * import { ShapeMismatchError } from "./errors.ts";
 * const e = new ShapeMismatchError("Cannot broadcast shapes [2,3] and [4]");
 * if (e.name !== "ShapeMismatchError") throw new Error("bad name");
 * ```
 */
export class ShapeMismatchError extends RangeError {
  /**
   * Creates the error.
   *
   * @param message What did not agree, with both shapes.
   * @param options The underlying cause, if any.
   */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "ShapeMismatchError";
  }
}

/**
 * A file (or one object inside it) is not what its format promises: bad magic,
 * an unparseable header, a data section of the wrong length, an unsupported
 * dtype. `file` names the file; `detail` says what is wrong.
 *
 * @example
 * ```ts
 * import { FormatError } from "./errors.ts";
 * const e = new FormatError("x.npy", "bad magic");
 * if (e.message !== 'Cannot read "x.npy": bad magic') throw new Error(e.message);
 * ```
 */
export class FormatError extends Error {
  /** The file (or locator) concerned. */
  readonly file: string;
  /** What is wrong with it. */
  readonly detail: string;
  /**
   * Creates the error; the message is `Cannot read "<file>": <detail>`.
   *
   * @param file The file (or locator) concerned.
   * @param detail What is wrong with it.
   * @param options The underlying cause, if any.
   */
  constructor(file: string, detail: string, options?: ErrorOptions) {
    super(`Cannot read "${file}": ${detail}`, options);
    this.name = "FormatError";
    this.file = file;
    this.detail = detail;
  }
}

/**
 * A run would need more memory than it is allowed. Raised by the planner
 * before anything is read.
 *
 * @example
 * ```ts
 * import { MemoryBudgetError } from "./errors.ts";
 * const e = new MemoryBudgetError(2 ** 31, 2 ** 29);
 * if (e.projected !== 2 ** 31) throw new Error("bad projected");
 * ```
 */
export class MemoryBudgetError extends RangeError {
  /** Projected peak bytes of the run. */
  readonly projected: number;
  /** Allowed bytes. */
  readonly budget: number;
  /**
   * Creates the error.
   *
   * @param projected Projected peak bytes.
   * @param budget Allowed bytes.
   * @param detail What the projection consists of.
   */
  constructor(projected: number, budget: number, detail = "") {
    super(
      `Memory budget exceeded: the run needs ${formatBytes(projected)}, the budget is ${
        formatBytes(budget)
      }${detail ? `: ${detail}` : ""}`,
    );
    this.name = "MemoryBudgetError";
    this.projected = projected;
    this.budget = budget;
  }
}

/**
 * A call into a native library (libmpi, libhdf5) failed. Subclassed by
 * `MpiError` and `Hdf5Error`.
 *
 * @example
 * ```ts
 * import { NativeError } from "./errors.ts";
 * const e = new NativeError("libmpi", "MPI_Bcast", 5, "invalid count");
 * if (e.code !== 5) throw new Error("bad code");
 * ```
 */
export class NativeError extends Error {
  /** Library name (e.g. `libmpi`). */
  readonly library: string;
  /** The C symbol that failed. */
  readonly symbol: string;
  /** The return code. */
  readonly code: number;
  /**
   * Creates the error; the message names the symbol, library and code.
   *
   * @param library Library name.
   * @param symbol The C symbol that failed.
   * @param code The return code.
   * @param text The library's own description of the failure.
   * @param options The underlying cause, if any.
   */
  constructor(
    library: string,
    symbol: string,
    code: number,
    text: string,
    options?: ErrorOptions,
  ) {
    super(`${symbol} failed (${library}, code ${code}): ${text}`, options);
    this.name = "NativeError";
    this.library = library;
    this.symbol = symbol;
    this.code = code;
  }
}

/**
 * A failed MPI call: the function, its return code and `MPI_Error_string`'s text.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { MpiError } from "./errors.ts";
 * const e = new MpiError("MPI_Bcast", 8, "Invalid root");
 * assert.equal(e.message, "MPI_Bcast failed (libmpi, code 8): Invalid root");
 * assert.equal(e.name, "MpiError");
 * ```
 */
export class MpiError extends NativeError {
  /**
   * Creates the error.
   *
   * @param symbol The MPI function that failed.
   * @param code Its return code.
   * @param text The library's description of the code.
   * @param options The underlying cause, if any.
   */
  constructor(symbol: string, code: number, text: string, options?: ErrorOptions) {
    super("libmpi", symbol, code, text, options);
    this.name = "MpiError";
  }
}

/**
 * A libhdf5 call failed. The message carries HDF5's own error stack (from
 * the outermost call to the innermost cause) and names the file and object.
 *
 * @example
 * ```ts
 * import { Hdf5Error, NativeError } from "./errors.ts";
 * const e = new Hdf5Error("H5Dread", -1, "can't read data", { file: "a.h5", object: "/x" });
 * if (e.message !== 'H5Dread failed (libhdf5, code -1): "a.h5:/x": can\'t read data') {
 *   throw new Error(e.message);
 * }
 * if (!(e instanceof NativeError) || e.library !== "libhdf5") throw new Error("bad base");
 * ```
 */
export class Hdf5Error extends NativeError {
  /** The file concerned, if known. */
  readonly file: string | undefined;
  /** The object path inside the file, if known. */
  readonly object: string | undefined;
  /** HDF5's error stack, outermost first. */
  readonly hdf5Stack: readonly string[];
  /**
   * Creates the error from a failed call and HDF5's error stack.
   *
   * @param symbol The C function that failed.
   * @param code Its return value.
   * @param text What HDF5 said.
   * @param context The file and object concerned.
   * @param stack The error stack records, outermost first.
   * @param options The underlying cause, if any.
   */
  constructor(
    symbol: string,
    code: number,
    text: string,
    context: { readonly file?: string; readonly object?: string } = {},
    stack: readonly string[] = [],
    options?: ErrorOptions,
  ) {
    const where = context.file === undefined
      ? ""
      : `"${context.file}${context.object ? `:${context.object}` : ""}": `;
    super("libhdf5", symbol, code, `${where}${text}`, options);
    this.name = "Hdf5Error";
    this.file = context.file;
    this.object = context.object;
    this.hdf5Stack = stack;
  }
}

/**
 * Formats a byte count with binary units (`512 MiB`).
 *
 * @param bytes A byte count.
 * @returns A short human-readable string.
 *
 * @example
 * ```ts
 * import { formatBytes } from "./errors.ts";
 * if (formatBytes(512 * 2 ** 20) !== "512 MiB") throw new Error("bad");
 * ```
 */
export function formatBytes(bytes: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let v = bytes;
  let u = 0;
  while (Math.abs(v) >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${Number.isInteger(v) ? v : v.toFixed(1)} ${units[u]}`;
}
