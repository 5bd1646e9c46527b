/**
 * Axis and shape arithmetic: axis normalisation and NumPy's broadcasting
 * rule (re-exported by core/ndarray.ts).
 *
 * @module
 */

import { ShapeMismatchError } from "./errors.ts";

/** {@link normalizeAxis} (the internal name). */
export function normAxis(axis: number, ndim: number): number {
  if (!Number.isInteger(axis) || axis < -ndim || axis >= ndim) {
    throw new RangeError(`Axis ${axis} is out of bounds for an array of dimension ${ndim}`);
  }
  return axis < 0 ? axis + ndim : axis;
}

/**
 * Normalises an axis argument against `ndim`: negative axes count from the
 * end.
 *
 * @param axis The axis (may be negative).
 * @param ndim Number of dimensions.
 * @returns The axis in `[0, ndim)`.
 * @throws {RangeError} When the axis is out of bounds.
 *
 * @example
 * ```ts
 * import { normalizeAxis } from "./ndarray.ts";
 * if (normalizeAxis(-1, 3) !== 2) throw new Error("bad");
 * ```
 */
export function normalizeAxis(axis: number, ndim: number): number {
  return normAxis(axis, ndim);
}

/**
 * The shape two or more shapes broadcast to, by NumPy's rules.
 *
 * @param shapes The shapes.
 * @returns The broadcast shape.
 * @throws {ShapeMismatchError} When the shapes do not broadcast.
 *
 * @example
 * ```ts
 * import { broadcastShapes } from "./ndarray.ts";
 * if (broadcastShapes([2, 1], [3]).join() !== "2,3") throw new Error("bad");
 * ```
 */
export function broadcastShapes(...shapes: (readonly number[])[]): number[] {
  const nd = Math.max(0, ...shapes.map((s) => s.length));
  const out = new Array<number>(nd).fill(1);
  for (const s of shapes) {
    for (let i = 0; i < s.length; i++) {
      const ax = nd - s.length + i;
      const d = s[i];
      if (d === out[ax] || d === 1) continue;
      if (out[ax] === 1) {
        out[ax] = d;
        continue;
      }
      throw new ShapeMismatchError(
        `Cannot broadcast shapes ${shapes.map((x) => `[${x.join(",")}]`).join(" and ")}: axis ${
          ax - (nd - s.length)
        } has ${out[ax]} and ${d}`,
      );
    }
  }
  return out;
}

/**
 * Whether `axis` names every axis of an `ndim`-dimensional array
 * (`null`/`undefined` does): the whole-array reductions' test.
 *
 * @param axis One axis, a list, or null/undefined for all.
 * @param ndim The number of dimensions.
 * @returns True when no axis is left out.
 * @throws {RangeError} For an axis out of bounds or not an integer.
 *
 * @example
 * ```ts
 * import { namesEveryAxis } from "./shapes.ts";
 * if (!namesEveryAxis([1, -2], 2) || namesEveryAxis(0, 2)) throw new Error("bad");
 * ```
 */
export function namesEveryAxis(
  axis: number | readonly number[] | null | undefined,
  ndim: number,
): boolean {
  if (axis === undefined || axis === null) return true;
  const list = (typeof axis === "number" ? [axis] : [...axis]).map((a) => {
    if (!Number.isInteger(a) || a < -ndim || a >= ndim) {
      throw new RangeError(`Axis ${a} is out of bounds for an array of dimension ${ndim}`);
    }
    return a < 0 ? a + ndim : a;
  });
  return new Set(list).size === ndim;
}
