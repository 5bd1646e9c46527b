// Axes labelled with coordinate values (the 1-D coordinate variable of a
// dimension, one value per drawn cell, or one date per cell for CF time
// axes), and the percentiles behind `robust` colour limits.

import { GLYPH_HEIGHT, GLYPH_WIDTH, textWidth } from "./_font.ts";
import { formatValue, type IndexAxis, niceStep, type Tick } from "./_canvas.ts";
import type { AxisCoordinates } from "./plot.ts";

/**
 * The `q`-th percentile (0 to 100) of the finite values, interpolated
 * linearly between the closest ranks as `numpy.percentile` does by default;
 * NaN when no value is finite.
 */
export function percentile(values: ArrayLike<number>, q: number): number {
  if (!(q >= 0 && q <= 100)) throw new RangeError(`Invalid percentile ${q}: must be in [0, 100]`);
  const finite: number[] = [];
  for (let i = 0; i < values.length; i++) {
    if (Number.isFinite(values[i])) finite.push(values[i]);
  }
  if (finite.length === 0) return NaN;
  const sorted = Float64Array.from(finite).sort();
  const at = (q / 100) * (sorted.length - 1);
  const lo = Math.floor(at);
  const hi = Math.min(sorted.length - 1, lo + 1);
  const f = at - lo;
  // numpy's _lerp: a + (b - a) * t, turned around for t >= 0.5 to stay exact at the ends
  const a = sorted[lo];
  const b = sorted[hi];
  const d = b - a;
  return f >= 0.5 ? b - d * (1 - f) : a + d * f;
}

/** The monotonic direction of finite values: 1 increasing, -1 decreasing, 0 neither. */
function monotonic(v: ArrayLike<number>): number {
  if (v.length < 2) return 0;
  const dir = Math.sign(v[1] - v[0]);
  if (dir === 0 || !Number.isFinite(v[0])) return 0;
  for (let i = 1; i < v.length; i++) {
    if (!Number.isFinite(v[i]) || Math.sign(v[i] - v[i - 1]) !== dir) return 0;
  }
  return dir;
}

/** The fractional cell position of `g` in monotonic values `v` (cell j at v[j]). */
function positionOf(v: ArrayLike<number>, g: number, dir: number): number {
  let lo = 0;
  let hi = v.length - 1;
  // binary search for the cell pair [lo, lo + 1] that brackets g
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if ((v[mid] - g) * dir <= 0) lo = mid;
    else hi = mid;
  }
  const span = v[hi] - v[lo];
  return span === 0 ? lo : lo + (g - v[lo]) / span;
}

/** How many ticks fit along `pixels` for labels `labelWidth` wide (font scale 1). */
function tickCount(name: "x" | "y", labelWidth: number, pixels: number, fs: number): number {
  const room = name === "x" ? labelWidth * fs + 4 * GLYPH_WIDTH * fs : 3 * GLYPH_HEIGHT * fs;
  return Math.max(1, Math.min(10, Math.floor(pixels / room)));
}

/**
 * An axis whose ticks name coordinate values: round values positioned between
 * the cells for monotonic numeric coordinates; for labelled coordinates
 * (dates) or values that are not monotonic, every k-th cell with its own
 * label or value.
 */
export function coordinateAxis(
  name: "x" | "y",
  n: number,
  coords: AxisCoordinates,
): IndexAxis {
  if (coords === null || typeof coords !== "object" || coords.values?.length === undefined) {
    throw new TypeError(
      `Invalid ${name}Coords: expected { values, labels? } with one value per cell`,
    );
  }
  const v = coords.values;
  if (v.length !== n) {
    throw new RangeError(
      `Invalid ${name}Coords: ${v.length} values for ${n} cells along ${
        name === "x" ? "axis 1" : "axis 0"
      }`,
    );
  }
  const labels = coords.labels;
  if (labels !== undefined && (!Array.isArray(labels) || labels.length !== n)) {
    throw new RangeError(
      `Invalid ${name}Coords: ${
        Array.isArray(labels) ? labels.length : "no"
      } labels for ${n} cells along ${name === "x" ? "axis 1" : "axis 0"}`,
    );
  }
  const cellLabel = (j: number): string => {
    const l = labels?.[j];
    return l !== undefined && l !== null ? String(l) : formatValue(Number(v[j]));
  };
  const dir = labels === undefined ? monotonic(v) : 0;
  const ticksFor = (count: number): Tick[] => {
    if (dir !== 0) {
      const lo = Math.min(v[0], v[n - 1]);
      const hi = Math.max(v[0], v[n - 1]);
      const step = niceStep(hi - lo, count);
      const out: Tick[] = [];
      for (let k = Math.ceil(lo / step - 1e-9); k * step <= hi + step * 1e-9; k++) {
        const g = k * step;
        out.push({ pos: positionOf(v, g, dir), label: formatValue(g, step) });
      }
      if (out.length > 0) return out;
    }
    // every k-th cell, k a round number
    const step = n > 1 ? Math.max(1, niceStep(n - 1, count, true)) : 1;
    const out: Tick[] = [];
    for (let j = 0; j < n; j += step) out.push({ pos: j, label: cellLabel(j) });
    return out;
  };
  let labelWidth = 0;
  for (let count = 1; count <= 10; count++) {
    for (const t of ticksFor(count)) labelWidth = Math.max(labelWidth, textWidth(t.label, 1));
  }
  return {
    labelWidth,
    ticks: (pixels: number, fs: number): Tick[] =>
      ticksFor(tickCount(name, labelWidth, pixels, fs)),
  };
}
