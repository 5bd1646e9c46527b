// Parsing of a Distribution's per-axis specs into axis maps, and small
// helpers shared by dist/distribution.ts and dist/redistribution_plan.ts.

import { type AxisMap, BlockMap, CyclicMap, UnstructuredMap } from "./_grid.ts";
import type { AxisSpec, DistributionOptions } from "./distribution.ts";

export function shapeText(shape: readonly number[]): string {
  return `[${shape.join(",")}]`;
}

export function parseSpecs(ndim: number, dist: DistributionOptions["dist"]): AxisSpec[] {
  if (dist === undefined) return Array.from({ length: ndim }, (_, i) => (i === 0 ? "b" : "n"));
  const list: AxisSpec[] = typeof dist === "string" ? [...dist] as AxisSpec[] : [...dist];
  if (!Array.isArray(list) && typeof dist !== "string") {
    throw new TypeError(`Invalid dist ${String(dist)}: expected a string or an array`);
  }
  if (list.length !== ndim) {
    throw new RangeError(
      `Invalid dist "${
        typeof dist === "string"
          ? dist
          : list.map((s) => (typeof s === "string" ? s : s.type)).join("")
      }": ${list.length} axis specs for a ${ndim}-dimensional shape`,
    );
  }
  for (let i = 0; i < ndim; i++) {
    const s = list[i];
    const t = typeof s === "string" ? s : s?.type;
    if (t !== "b" && t !== "c" && t !== "u" && t !== "n") {
      throw new TypeError(
        `Invalid dist type "${String(t)}" on axis ${i}: expected "b", "c", "u" or "n"`,
      );
    }
  }
  return list;
}

/** The grid size an axis spec fixes by itself, or null when it is free. */
export function fixedGridSize(spec: AxisSpec): number | null {
  if (typeof spec === "string") return spec === "n" ? 1 : null;
  if (spec.type === "n") return 1;
  if (spec.type === "u") return spec.indices.length;
  if (spec.type === "b" && spec.bounds) return spec.bounds.length - 1;
  if (spec.type === "b" && spec.padding && Array.isArray(spec.padding[0])) {
    return spec.padding.length;
  }
  return null;
}

export function buildAxis(axis: number, size: number, gridSize: number, spec: AxisSpec): AxisMap {
  const s = typeof spec === "string" ? { type: spec } as AxisSpec & object : spec;
  switch (s.type) {
    case "n":
      return new BlockMap(axis, size, 1, { type: "n" });
    case "b": {
      let padding: (readonly [number, number])[] | null = null;
      if (s.padding !== undefined) {
        const p = s.padding;
        if (!Array.isArray(p) || p.length === 0) {
          throw new TypeError(
            `Invalid padding on axis ${axis}: expected [before, after] or one pair per grid position`,
          );
        }
        padding = Array.isArray(p[0])
          ? (p as readonly (readonly [number, number])[]).map((x) => [x[0], x[1]] as const)
          : Array.from({ length: gridSize }, () => [p[0] as number, p[1] as number] as const);
      }
      return new BlockMap(axis, size, gridSize, {
        bounds: s.bounds,
        padding,
        periodic: s.periodic ?? false,
      });
    }
    case "c":
      return new CyclicMap(axis, size, gridSize, s.blockSize ?? 1);
    case "u":
      return new UnstructuredMap(axis, size, s.indices);
  }
}

export function sameInts(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

// Maximal arithmetic runs (positive step) of a list of indices.
export function runsOf(
  list: Int32Array,
): { start: number; step: number; count: number; at: number }[] {
  const out: { start: number; step: number; count: number; at: number }[] = [];
  let i = 0;
  while (i < list.length) {
    let step = 1;
    let count = 1;
    if (i + 1 < list.length && list[i + 1] > list[i]) {
      step = list[i + 1] - list[i];
      count = 2;
      while (i + count < list.length && list[i + count] - list[i + count - 1] === step) count++;
    }
    out.push({ start: list[i], step, count, at: i });
    i += count;
  }
  return out;
}
