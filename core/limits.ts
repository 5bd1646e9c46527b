/**
 * Limits of what one process can hold: the largest array buffer and the
 * largest exact element count. Readers check the shapes and chunks their
 * metadata claims against them (an absurd header is a `FormatError` naming
 * the file, never "Invalid array length" later), and writers check the
 * chunks a user asks for.
 *
 * @module
 */

import { formatBytes, FormatError } from "./errors.ts";

/**
 * The largest buffer Tessera allocates for one chunk or block: 16 GiB (V8
 * refuses an `ArrayBuffer` of 32 GiB on 64-bit hosts; 16 GiB is the largest
 * power of two it grants).
 */
export const MAX_BUFFER_BYTES = 2 ** 34;

/** The largest element count of an array: integers above 2^53 are not exact. */
export const MAX_ELEMENTS = Number.MAX_SAFE_INTEGER;

function product(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/**
 * What is absurd about a shape and its chunks, or null when they are fine:
 * a length that is not a non-negative safe integer, an element count over
 * 2^53, a chunk length below 1, or one chunk of more than
 * {@link MAX_BUFFER_BYTES}.
 *
 * @param shape Axis lengths.
 * @param itemsize Bytes per element.
 * @param chunks Storage chunks, or null.
 * @returns A description of the problem, or null.
 *
 * @example
 * ```ts
 * import { extentProblem } from "./limits.ts";
 * if (extentProblem([10, 20], 4, [5, 5]) !== null) throw new Error("fine shape refused");
 * const p = extentProblem([1e15, 1e15], 8, null);
 * if (p === null || !p.includes("2^53")) throw new Error(String(p));
 * ```
 */
export function extentProblem(
  shape: readonly number[],
  itemsize: number,
  chunks: readonly number[] | null,
): string | null {
  const bad = shape.findIndex((n) => !Number.isSafeInteger(n) || n < 0);
  if (bad >= 0) {
    return `axis ${bad} of shape [${shape.join(",")}] has length ${
      shape[bad]
    }: expected a non-negative integer below 2^53`;
  }
  const n = product(shape);
  if (n > MAX_ELEMENTS) {
    return `shape [${shape.join(",")}] has ${n} elements, more than 2^53`;
  }
  if (chunks === null) return null;
  const badChunk = chunks.findIndex((c) => !Number.isSafeInteger(c) || c < 1);
  if (badChunk >= 0) {
    return `axis ${badChunk} of chunks [${chunks.join(",")}] has length ${
      chunks[badChunk]
    }: expected a positive integer`;
  }
  const bytes = product(chunks) * itemsize;
  if (bytes > MAX_BUFFER_BYTES) {
    const size = formatBytes(bytes);
    const max = formatBytes(MAX_BUFFER_BYTES);
    return `one chunk [${chunks.join(",")}] would be ${size}, more than a buffer can hold (${max})`;
  }
  return null;
}

/**
 * Raises a `FormatError` naming `file` when the shape or chunks its metadata
 * claims are absurd (see {@link extentProblem}).
 *
 * @param file The file or store whose metadata claims them.
 * @param shape Axis lengths.
 * @param itemsize Bytes per element.
 * @param chunks Storage chunks, or null.
 * @throws {FormatError} When they are absurd.
 *
 * @example
 * ```ts
 * import { checkExtent } from "./limits.ts";
 * checkExtent("ok.zarr", [4, 4], 8, [2, 2]);
 * let message = "";
 * try {
 *   checkExtent("big.zarr", [1e15, 1e15], 8, [1000, 1000]);
 * } catch (e) {
 *   message = (e as Error).message;
 * }
 * if (!message.startsWith('Cannot read "big.zarr"')) throw new Error(message);
 * ```
 */
export function checkExtent(
  file: string,
  shape: readonly number[],
  itemsize: number,
  chunks: readonly number[] | null,
): void {
  const problem = extentProblem(shape, itemsize, chunks);
  if (problem !== null) throw new FormatError(file, problem);
}
