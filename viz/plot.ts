/**
 * Rendering for `tessera plot`: a 2-D array as a heatmap PNG (colormap, colour
 * bar with a title, axes with global-index or coordinate ticks, a legend for
 * missing cells, robust colour limits, title), a map of which rank owns which
 * part of a 1-D or 2-D distribution (DistArray's `plot_distribution`), and
 * {@link strideFor}, the sampling step that keeps a huge array's picture small.
 *
 * Everything is drawn here, pixel by pixel, with a built-in 6x10 bitmap font,
 * and written by {@link encodePng}: no canvas, font or image library.
 *
 * How the CLI plots an array larger than memory: it asks
 * `strideFor(source.shape)` for one step per axis, reads the strided hyperslab
 * `{ start: 0, stop: n, step }` of every axis through the region IO layer
 * (so it holds only the sample, at most about 2000 x 2000 elements), and
 * passes the steps on as `xRange`/`yRange` so the ticks name global indices.
 *
 * @example
 * ```ts
 * import { heatmap } from "./plot.ts";
 * import { decodePng } from "./png.ts";
 * import { fromArray } from "../core/ndarray.ts";
 * const png = heatmap(fromArray([[0, 1], [2, 3]], "float64"), { title: "demo" });
 * const img = decodePng(png);
 * if (img.width < 100 || img.height < 100) throw new Error("too small");
 * ```
 *
 * @module
 */

import type { NDArray } from "../core/ndarray.ts";
import { encodePng } from "./png.ts";
import { GLYPH_HEIGHT, textWidth } from "./_font.ts";
import { coordinateAxis, percentile } from "./_coords.ts";
import { COLORMAP_NAMES, type ColormapName, lut } from "./colormaps.ts";
import {
  BLACK,
  Canvas,
  checkCmap,
  DEFAULT_NAN,
  drawAxes,
  FRAME,
  hsl,
  indexAxis,
  luminance,
  lutIndex,
  parseColor,
  plotLayout,
  readValues,
  type Rgb,
  sampleIndices,
  UPSCALE_TO,
  valueTicks,
  WHITE,
} from "./_canvas.ts";

export { COLORMAP_NAMES, type ColormapName };

/** An RGB colour: `"#rrggbb"`, `"#rgb"`, or three integers in [0, 255]. */
export type Color = string | readonly [number, number, number];

/**
 * Tick labels at chosen positions along an axis: position (an array index;
 * cell `j` is centred on `j`, its edges are `j - 0.5` and `j + 0.5`) to label.
 */
export type TickLabels = ReadonlyMap<number, string> | Readonly<Record<number, string>>;

/**
 * The global indices the cells of an axis stand for, as a hyperslab
 * `[start, stop, step]` (stop exclusive, as in a slice): cell `j` shows global
 * index `start + j * step`. It must select exactly as many indices as the
 * axis has cells.
 */
export type IndexRange = readonly [start: number, stop: number, step: number];

/**
 * The coordinates of the cells along an axis (a dimension's 1-D coordinate
 * variable, sampled as the array is): `values[j]` is the coordinate of cell
 * `j`. Ticks name round coordinate values when the values are monotonic, and
 * every few cells' values otherwise. With `labels` (one per cell, such as
 * the ISO dates of a CF time axis), ticks are every few cells, each shown by
 * its label (a null label shows the value).
 */
export interface AxisCoordinates {
  /** One coordinate value per cell. */
  readonly values: ArrayLike<number>;
  /** Optional: one label per cell (dates), shown instead of the values. */
  readonly labels?: readonly (string | null)[];
}

/** Options of {@link heatmap}. */
export interface HeatmapOptions {
  /** Colormap (default `"viridis"`). */
  readonly cmap?: ColormapName;
  /** Value at the low end of the colormap (default: the smallest finite value). */
  readonly vmin?: number;
  /** Value at the high end of the colormap (default: the largest finite value). */
  readonly vmax?: number;
  /**
   * Colour limits from the 2nd and 98th percentiles of the finite values
   * (NumPy's linear interpolation) instead of the extremes, as xarray's
   * `robust=True`; an explicit `vmin` or `vmax` still wins (default false).
   */
  readonly robust?: boolean;
  /** Title above the image. */
  readonly title?: string;
  /** Label under the x axis (columns, the last axis). */
  readonly xlabel?: string;
  /** Label left of the y axis (rows, the first axis), written upwards. */
  readonly ylabel?: string;
  /** Explicit x ticks (positions are column indices); overrides the automatic ones. */
  readonly xTicks?: TickLabels;
  /** Explicit y ticks (positions are row indices); overrides the automatic ones. */
  readonly yTicks?: TickLabels;
  /** Global column indices of the cells (default `[0, columns, 1]`), for automatic x ticks. */
  readonly xRange?: IndexRange;
  /** Global row indices of the cells (default `[0, rows, 1]`), for automatic y ticks. */
  readonly yRange?: IndexRange;
  /** Coordinates of the columns: the x ticks name them instead of indices. */
  readonly xCoords?: AxisCoordinates;
  /** Coordinates of the rows: the y ticks name them instead of indices. */
  readonly yCoords?: AxisCoordinates;
  /**
   * Width of the whole image in pixels. Default: from the array's shape, with
   * square cells (each cell an integer number of pixels for arrays up to 600
   * cells a side, one pixel per cell up to 1200).
   */
  readonly width?: number;
  /** Height of the whole image in pixels (default: as for `width`). */
  readonly height?: number;
  /** Colour of NaN cells (default light grey, `#d3d3d3`). */
  readonly nanColor?: Color;
  /**
   * Legend text for NaN cells (`"missing"`): when set and some cell is NaN, a
   * swatch of `nanColor` with this text is drawn above the colour bar (or
   * right of the plot without one). Default: no legend.
   */
  readonly missingLabel?: string;
  /** Whether to draw the colour bar (default true). */
  readonly colorbar?: boolean;
  /** Title of the colour bar, written upwards on its right (`"2 metre temperature (K)"`). */
  readonly colorbarLabel?: string;
  /** Integer scale of the 6x10 font (default 2 for plots of 400 pixels or more, else 1). */
  readonly fontScale?: number;
}

/**
 * What {@link distributionMap} needs of a distribution: `Distribution` (dist/)
 * has all of it. Kept structural so `io/` does not import the layer above it.
 */
export interface PlottableDistribution {
  /** Global shape (1-D or 2-D). */
  readonly shape: readonly number[];
  /** Process grid, one size per axis. */
  readonly grid: readonly number[];
  /** The rank at each grid position, in C order. */
  readonly ranks: readonly number[];
  /** The rank that owns an element. */
  owner(globalIndex: readonly number[]): number;
  /** A rank's grid coordinates, or null for a rank outside the grid. */
  gridCoords(rank: number): number[] | null;
  /** The distribution type and block size of an axis. */
  axis(axis: number): { readonly type: string; readonly blockSize: number };
}

/** Options of {@link distributionMap}. */
export interface DistributionMapOptions {
  /** Title (default `dist bc, grid 2x2, shape 16x16`). */
  readonly title?: string;
  /** Label under the x axis (default `axis 1`, or `axis 0` for a 1-D distribution). */
  readonly xlabel?: string;
  /** Label of the y axis (default `axis 0`; none for a 1-D distribution). */
  readonly ylabel?: string;
  /** Width of the whole image in pixels (default from the shape). */
  readonly width?: number;
  /** Height of the whole image in pixels (default from the shape). */
  readonly height?: number;
  /** Integer scale of the 6x10 font (default 2 for plots of 400 pixels or more, else 1). */
  readonly fontScale?: number;
  /** Whether to draw the legend of rank colours (default true). */
  readonly legend?: boolean;
}

/** The percentile of the low colour limit with `robust` (the high one is 100 minus it), as xarray's. */
const ROBUST_PERCENTILE = 2;

// Qualitative palette: matplotlib's tab10, then the light half of tab20.
const PALETTE: readonly Rgb[] = [
  "1f77b4",
  "ff7f0e",
  "2ca02c",
  "d62728",
  "9467bd",
  "8c564b",
  "e377c2",
  "7f7f7f",
  "bcbd22",
  "17becf",
  "aec7e8",
  "ffbb78",
  "98df8a",
  "ff9896",
  "c5b0d5",
  "c49c94",
  "f7b6d2",
  "c7c7c7",
  "dbdb8d",
  "9edae5",
].map((h) => [parseInt(h.slice(0, 2), 16), parseInt(h.slice(2, 4), 16), parseInt(h.slice(4), 16)]);

// ---------------------------------------------------------------------------
// Public helpers

/**
 * The colour a colormap gives a normalised value, as matplotlib maps it: `t`
 * in [0, 1] picks entry `floor(t * 256)` of the 256-entry table (1 picks the
 * last); values outside are clipped.
 *
 * @param name A colormap name (see {@link COLORMAP_NAMES}).
 * @param t The normalised value.
 * @returns `[r, g, b]`, each in [0, 255].
 * @throws {TypeError} For an unknown colormap name.
 * @throws {RangeError} When `t` is NaN.
 *
 * @example
 * ```ts
 * import { colormapColor } from "./plot.ts";
 * if (colormapColor("viridis", 0).join() !== "68,1,84") throw new Error("not #440154");
 * if (colormapColor("viridis", 1).join() !== "253,231,37") throw new Error("not #fde725");
 * ```
 */
export function colormapColor(name: ColormapName, t: number): [number, number, number] {
  const table = lut(checkCmap(name));
  if (Number.isNaN(t)) throw new RangeError(`Invalid colormap position NaN: expected [0, 1]`);
  const i = 3 * lutIndex(t);
  return [table[i], table[i + 1], table[i + 2]];
}

/**
 * The colour {@link distributionMap} gives a rank: matplotlib's `tab10`, then
 * the light half of `tab20`, then hues spaced by the golden angle.
 *
 * @param rank A rank (non-negative integer).
 * @returns `[r, g, b]`, each in [0, 255].
 * @throws {RangeError} For a negative or fractional rank.
 *
 * @example
 * ```ts
 * import { rankColor } from "./plot.ts";
 * if (rankColor(0).join() !== "31,119,180") throw new Error("not tab:blue");
 * ```
 */
export function rankColor(rank: number): [number, number, number] {
  if (!Number.isSafeInteger(rank) || rank < 0) {
    throw new RangeError(`Invalid rank ${rank}: must be a non-negative integer`);
  }
  if (rank < PALETTE.length) return [...PALETTE[rank]] as [number, number, number];
  const h = (rank * 137.508) % 360;
  const l = rank % 2 === 0 ? 0.5 : 0.68;
  return hsl(h, 0.6, l);
}

/**
 * The step per axis that samples an array of `shape` down to at most
 * `maxCells` cells per axis: `ceil(shape[i] / maxCells)` (at least 1).
 *
 * The contract with the IO layer: reading the hyperslab
 * `{ start: 0, stop: shape[i], step: steps[i] }` of every axis gives an array
 * of `ceil(shape[i] / steps[i]) <= maxCells` cells per axis, so a plot holds at
 * most `maxCells ** ndim` elements however big the source (a 100000 x 100000
 * array is read with steps `[50, 50]` as 2000 x 2000 elements, 32 MB as
 * float64). The read touches every chunk that holds a sampled element, not the
 * whole file, and its memory is the sample plus the chunks in flight. Pass
 * `[0, shape[i], steps[i]]` to {@link heatmap} as `yRange`/`xRange` so its
 * ticks show global indices.
 *
 * @param shape The full array's shape.
 * @param maxCells The most cells per axis, one number for every axis or one
 *   per axis (default 2000).
 * @returns One step per axis.
 * @throws {RangeError} For a bad shape, or a limit that is not a positive integer.
 *
 * @example
 * ```ts
 * import { strideFor } from "./plot.ts";
 * if (strideFor([100000, 100000]).join() !== "50,50") throw new Error("bad");
 * if (strideFor([300, 5000], 1000).join() !== "1,5") throw new Error("bad");
 * ```
 */
export function strideFor(
  shape: readonly number[],
  maxCells: number | readonly number[] = 2000,
): number[] {
  if (!Array.isArray(shape)) {
    throw new TypeError(`Invalid shape ${String(shape)}: expected an array`);
  }
  const limits = typeof maxCells === "number" ? shape.map(() => maxCells) : [...maxCells];
  if (limits.length !== shape.length) {
    throw new RangeError(
      `Invalid cell limits [${limits.join(",")}]: ${limits.length} values for shape [${
        shape.join(",")
      }]`,
    );
  }
  return shape.map((n, i) => {
    if (!Number.isSafeInteger(n) || n < 0) {
      throw new RangeError(
        `Invalid shape [${shape.join(",")}]: ${n} is not a non-negative integer`,
      );
    }
    const m = limits[i];
    if (!Number.isSafeInteger(m) || m < 1) {
      throw new RangeError(`Invalid cell limit ${m} on axis ${i}: must be a positive integer`);
    }
    return Math.max(1, Math.ceil(n / m));
  });
}

// ---------------------------------------------------------------------------
// heatmap

/**
 * Renders a 2-D array as a heatmap PNG, laid out like matplotlib's `imshow`
 * with a colour bar: row 0 at the top, each cell a block of pixels
 * (nearest-neighbour scaling), NaN cells in `nanColor`, +/-Infinity at the
 * ends of the colormap. Values map to the 256-entry colormap linearly
 * between `vmin` and `vmax` (clipped outside), by default the finite
 * extremes or, with `robust`, the 2nd and 98th percentiles (xarray's
 * `robust=True`). Axis ticks show global indices (see `xRange`/`yRange`) or,
 * with `xCoords`/`yCoords`, coordinate values (round values placed between
 * the cells, or every few cells' labels such as dates); the colour bar its
 * min, max and a few round values between, and its title (`colorbarLabel`)
 * upwards on its right. With `missingLabel`, NaN cells get a legend entry
 * above the bar.
 *
 * @param array A 2-D array of any dtype (int64 values are converted to numbers).
 * @param options Colormap, limits (or `robust`), labels, ticks or coordinates,
 *   size, NaN colour and legend, colour-bar title.
 * @returns The PNG file's bytes (8-bit RGB).
 * @throws {RangeError} For an array that is not 2-D or is empty, `vmin > vmax`,
 *   a range or coordinates that do not match the array, or a size too small
 *   for the margins.
 * @throws {TypeError} For an unknown colormap (the message lists the allowed
 *   ones) or a colour that does not parse.
 *
 * @example
 * ```ts
 * import { colormapColor, heatmap } from "./plot.ts";
 * import { decodePng } from "./png.ts";
 * import { fromArray } from "../core/ndarray.ts";
 * const png = heatmap(fromArray([[1, 2], [3, 4]], "int32"), { cmap: "magma", width: 300, height: 200 });
 * const img = decodePng(png);
 * if (img.width !== 300 || img.height !== 200) throw new Error("bad size");
 * // somewhere in the image is the colour of the largest value
 * const top = colormapColor("magma", 1);
 * let found = false;
 * for (let i = 0; i < img.data.length; i += 3) {
 *   if (img.data[i] === top[0] && img.data[i + 1] === top[1] && img.data[i + 2] === top[2]) found = true;
 * }
 * if (!found) throw new Error("no top colour");
 * ```
 *
 * @example A CF variable: coordinates on the axes, robust limits, missing cells
 * ```ts
 * import { heatmap } from "./plot.ts";
 * import { decodePng } from "./png.ts";
 * import { fromArray } from "../core/ndarray.ts";
 * const t2m = fromArray([[268.2, NaN, 270.1], [290.5, 291.0, 350.0]], "float64");
 * const img = decodePng(heatmap(t2m, {
 *   robust: true,
 *   yCoords: { values: [45, -45] },
 *   xCoords: { values: [0, 120, 240] },
 *   ylabel: "latitude (degrees_north)",
 *   xlabel: "longitude (degrees_east)",
 *   colorbarLabel: "2 metre temperature (K)",
 *   nanColor: "#ff00ff",
 *   missingLabel: "missing",
 * }));
 * let magenta = 0;
 * for (let i = 0; i < img.data.length; i += 3) {
 *   if (img.data[i] === 255 && img.data[i + 1] === 0 && img.data[i + 2] === 255) magenta++;
 * }
 * // the missing cell and its legend swatch
 * if (magenta < 2) throw new Error("no missing colour");
 * ```
 */
export function heatmap(array: NDArray, options: HeatmapOptions = {}): Uint8Array {
  if (array === null || typeof array !== "object" || !Array.isArray(array.shape)) {
    throw new TypeError(`Invalid array ${String(array)}: expected an NDArray`);
  }
  if (array.shape.length !== 2) {
    throw new RangeError(
      `Cannot draw a heatmap of shape [${array.shape.join(",")}]: the array must be 2-D`,
    );
  }
  const [rows, cols] = array.shape;
  if (rows === 0 || cols === 0) {
    throw new RangeError(`Cannot draw a heatmap of shape [${rows},${cols}]: the array is empty`);
  }
  const table = lut(checkCmap(options.cmap ?? "viridis"));
  const nan = options.nanColor === undefined ? DEFAULT_NAN : parseColor(options.nanColor);
  const values = readValues(array);
  let { vmin, vmax } = options;
  for (const [k, v] of [["vmin", vmin], ["vmax", vmax]] as const) {
    if (v !== undefined && (typeof v !== "number" || !Number.isFinite(v))) {
      throw new RangeError(`Invalid ${k} ${v}: must be a finite number`);
    }
  }
  if (options.robust !== undefined && typeof options.robust !== "boolean") {
    throw new TypeError(`Invalid robust ${String(options.robust)}: expected a boolean`);
  }
  if (options.robust && (vmin === undefined || vmax === undefined)) {
    const lo = percentile(values, ROBUST_PERCENTILE);
    const hi = percentile(values, 100 - ROBUST_PERCENTILE);
    if (!Number.isNaN(lo)) {
      vmin ??= Math.min(lo, vmax ?? lo);
      vmax ??= Math.max(hi, vmin);
    }
  }
  if (vmin === undefined || vmax === undefined) {
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (v < lo && v !== -Infinity) lo = v;
      if (v > hi && v !== Infinity) hi = v;
    }
    if (lo > hi) [lo, hi] = [0, 1]; // nothing finite
    vmin ??= Math.min(lo, vmax ?? lo);
    vmax ??= Math.max(hi, vmin);
  }
  if (vmin > vmax) {
    throw new RangeError(`Invalid limits: vmin ${vmin} is greater than vmax ${vmax}`);
  }
  for (
    const [k, v] of [["missingLabel", options.missingLabel], [
      "colorbarLabel",
      options.colorbarLabel,
    ]]
  ) {
    if (v !== undefined && typeof v !== "string") {
      throw new TypeError(`Invalid ${k} ${String(v)}: expected a string`);
    }
  }
  const xAxis = options.xCoords !== undefined && options.xTicks === undefined
    ? coordinateAxis("x", cols, options.xCoords)
    : indexAxis("x", cols, options.xRange, options.xTicks);
  const yAxis = options.yCoords !== undefined && options.yTicks === undefined
    ? coordinateAxis("y", rows, options.yCoords)
    : indexAxis("y", rows, options.yRange, options.yTicks);
  const bar = options.colorbar ?? true;
  const barTicks = bar ? valueTicks(vmin, vmax) : [];
  const barLabel = bar && options.colorbarLabel ? options.colorbarLabel : "";
  const missing = options.missingLabel && values.some(Number.isNaN) ? options.missingLabel : "";
  // right of the frame: gap, bar, tick, labels, gap, bar title; the legend above the bar
  const barWidth = (fs: number): number =>
    6 * fs + (8 + 8 * fs) + 2 + 3 * fs + 2 * fs +
    Math.max(...barTicks.map((t) => textWidth(t.label, fs))) +
    (barLabel ? 4 * fs + GLYPH_HEIGHT * fs : 0);
  const legendWidth = (fs: number): number =>
    missing ? 6 * fs + GLYPH_HEIGHT * fs + 4 * fs + textWidth(missing, fs) : 0;
  const legendHeight = (fs: number): number => missing ? GLYPH_HEIGHT * fs + 6 * fs : 0;
  const layout = plotLayout({
    rows,
    cols,
    width: options.width,
    height: options.height,
    fontScale: options.fontScale,
    cap: 1200,
    title: options.title,
    xlabel: options.xlabel,
    ylabel: options.ylabel,
    yTickWidth: yAxis.labelWidth,
    right: (fs) => Math.max(bar ? barWidth(fs) : 0, legendWidth(fs)),
    rightHeight: (fs) => barLabel ? legendHeight(fs) + textWidth(barLabel, fs) : legendHeight(fs),
  });
  const { fs, px, py, pw, ph } = layout;
  const cv = new Canvas(layout.width, layout.height);

  // Cells: colormap index per cell, 256 for NaN.
  const idx = new Uint16Array(rows * cols);
  const span = vmax - vmin;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    idx[i] = Number.isNaN(v) ? 256 : span > 0 ? lutIndex((v - vmin) / span) : v > vmax ? 255 : 0;
  }
  const colOf = sampleIndices(cols, pw);
  const rowOf = sampleIndices(rows, ph);
  const out = cv.data;
  for (let y = 0; y < ph; y++) {
    const base = rowOf[y] * cols;
    let o = ((py + y) * cv.width + px) * 3;
    for (let x = 0; x < pw; x++, o += 3) {
      const k = idx[base + colOf[x]];
      if (k === 256) {
        out[o] = nan[0];
        out[o + 1] = nan[1];
        out[o + 2] = nan[2];
      } else {
        out[o] = table[3 * k];
        out[o + 1] = table[3 * k + 1];
        out[o + 2] = table[3 * k + 2];
      }
    }
  }
  drawAxes(cv, layout, xAxis.ticks(pw, fs), yAxis.ticks(ph, fs), cols, rows, options);

  if (missing) {
    // legend: a swatch of the NaN colour and its text, level with the plot's top
    const sw = GLYPH_HEIGHT * fs;
    const lx = px + pw + 1 + 6 * fs;
    cv.fill(lx, py, sw, sw, nan);
    cv.frame(lx, py, sw, sw, FRAME);
    cv.text(lx + sw + 4 * fs, py, missing, BLACK, fs);
  }
  if (bar) {
    // the bar starts under the legend (if any) and ends level with the plot's bottom
    const by = py + legendHeight(fs);
    const bh = Math.max(1, py + ph - by);
    const bx = px + pw + 1 + 6 * fs;
    const bw = 8 + 8 * fs;
    for (let y = 0; y < bh; y++) {
      const t = span > 0 ? 1 - (y + 0.5) / bh : 0;
      const k = 3 * lutIndex(t);
      cv.fill(bx, by + y, bw, 1, [table[k], table[k + 1], table[k + 2]]);
    }
    cv.frame(bx - 1, by - 1, bw + 2, bh + 2, FRAME);
    const labelX = bx + bw + 1 + 3 * fs + 2 * fs;
    const drawn: number[] = [];
    // the ends first, then the round values that do not collide with them
    const order = [...barTicks].sort((a, b) => Number(b.end) - Number(a.end));
    for (const t of order) {
      const y = span > 0
        ? Math.round(by + (1 - (t.value - vmin) / span) * (bh - 1))
        : by + (bh >> 1);
      if (drawn.some((d) => Math.abs(d - y) < GLYPH_HEIGHT * fs + 2)) continue;
      drawn.push(y);
      cv.fill(bx + bw + 1, y, 3 * fs, Math.max(1, fs >> 1), FRAME);
      cv.text(labelX, y - 4 * fs, t.label, BLACK, fs);
    }
    if (barLabel) {
      const w = textWidth(barLabel, fs);
      const tx = labelX + Math.max(...barTicks.map((t) => textWidth(t.label, fs))) + 4 * fs;
      cv.textUp(tx, Math.max(by, by + ((bh - w) >> 1)), barLabel, BLACK, fs);
    }
  }
  return encodePng({ width: cv.width, height: cv.height, channels: 3, data: cv.data });
}

// ---------------------------------------------------------------------------
// distributionMap

/**
 * Draws which rank owns which element of a 1-D or 2-D distribution: one
 * colour per rank ({@link rankColor}), the rank's number written in every
 * owned block big enough to hold it, a legend of the ranks, axis ticks in
 * global indices, and a title such as `dist bc, grid 2x2, shape 16x16`. A 1-D
 * distribution is drawn as one row. Distributions larger than the picture are
 * sampled (each pixel shows the owner of the element at its centre).
 *
 * @param distribution A `Distribution` (or anything with its shape, grid,
 *   ranks, `owner`, `gridCoords` and `axis`).
 * @param options Title, labels, size.
 * @returns The PNG file's bytes (8-bit RGB).
 * @throws {RangeError} For a distribution that is not 1-D or 2-D, or is empty.
 *
 * @example
 * ```ts
 * import { distributionMap, rankColor } from "./plot.ts";
 * import { decodePng } from "./png.ts";
 * import { Distribution } from "../dist/distribution.ts";
 * const d = Distribution.create([8, 8], { dist: "bb", commSize: 4 });
 * const img = decodePng(distributionMap(d));
 * const c = rankColor(3);
 * let found = false;
 * for (let i = 0; i < img.data.length; i += 3) {
 *   if (img.data[i] === c[0] && img.data[i + 1] === c[1] && img.data[i + 2] === c[2]) found = true;
 * }
 * if (!found) throw new Error("rank 3 is not drawn");
 * ```
 */
export function distributionMap(
  distribution: PlottableDistribution,
  options: DistributionMapOptions = {},
): Uint8Array {
  const d = distribution;
  if (d === null || typeof d !== "object" || typeof d.owner !== "function") {
    throw new TypeError(`Invalid distribution ${String(d)}: expected a Distribution`);
  }
  const nd = d.shape.length;
  if (nd !== 1 && nd !== 2) {
    throw new RangeError(
      `Cannot draw a distribution of shape [${d.shape.join(",")}]: it must be 1-D or 2-D`,
    );
  }
  if (d.shape.some((n) => n === 0)) {
    throw new RangeError(`Cannot draw a distribution of shape [${d.shape.join(",")}]: it is empty`);
  }
  const rows = nd === 2 ? d.shape[0] : 1;
  const cols = d.shape[nd - 1];
  const types = d.shape.map((_, i) => {
    const a = d.axis(i);
    return a.type === "c" && a.blockSize > 1 ? `c${a.blockSize}` : a.type;
  }).join("");
  const title = options.title ??
    `dist ${types}, grid ${d.grid.join("x")}, shape ${d.shape.join("x")}`;
  const ranks = [...new Set(d.ranks)].sort((a, b) => a - b);
  const shown = ranks.length > 48 ? ranks.slice(0, 47) : ranks;
  const legend = (options.legend ?? true) ? shown.map((r) => `rank ${r}`) : [];
  if (legend.length > 0 && shown.length < ranks.length) {
    legend.push(`+${ranks.length - shown.length} more`);
  }
  const perColumn = legend.length === 0
    ? 0
    : legend.length <= 16
    ? legend.length
    : Math.ceil(legend.length / Math.ceil(legend.length / 16));
  const legendCols = legend.length === 0 ? 0 : Math.ceil(legend.length / perColumn);
  const xAxis = indexAxis("x", cols, undefined, undefined);
  const yAxis = nd === 2 ? indexAxis("y", rows, undefined, undefined) : null;
  const layout = plotLayout({
    rows,
    cols,
    width: options.width,
    height: options.height,
    fontScale: options.fontScale,
    cap: UPSCALE_TO,
    oneRow: nd === 1,
    title,
    xlabel: options.xlabel ?? (nd === 2 ? "axis 1" : "axis 0"),
    ylabel: nd === 2 ? options.ylabel ?? "axis 0" : undefined,
    yTickWidth: yAxis ? yAxis.labelWidth : 0,
    right: (fs) =>
      legendCols === 0 ? 0 : 10 * fs +
        legendCols *
          (GLYPH_HEIGHT * fs + 4 * fs + Math.max(...legend.map((s) => textWidth(s, fs)))) +
        (legendCols - 1) * 8 * fs,
    rightHeight: (fs) => perColumn * (GLYPH_HEIGHT * fs + 4 * fs),
  });
  const { fs, px, py, pw, ph } = layout;
  const cv = new Canvas(layout.width, layout.height);

  // Grid coordinate of the owner along each axis, per sampled pixel column / row.
  const coordAlong = (axis: number, n: number, pixels: number): Int32Array => {
    const at = sampleIndices(n, pixels);
    const out = new Int32Array(pixels);
    const cache = new Map<number, number>();
    for (let p = 0; p < pixels; p++) {
      const g = at[p];
      let c = cache.get(g);
      if (c === undefined) {
        const index = d.shape.map((_, i) => (i === axis ? g : 0));
        const coords = d.gridCoords(d.owner(index));
        if (coords === null) {
          throw new RangeError(`Invalid distribution: an owner is outside the grid`);
        }
        c = coords[axis];
        cache.set(g, c);
      }
      out[p] = c;
    }
    return out;
  };
  const cx = coordAlong(nd - 1, cols, pw);
  const cy = nd === 2 ? coordAlong(0, rows, ph) : new Int32Array(ph);
  const gcols = d.grid[nd - 1];
  const rankOf = (y: number, x: number): number => d.ranks[cy[y] * gcols + cx[x]];
  const colours = new Map<number, Rgb>();
  for (let y = 0; y < ph; y++) {
    let o = ((py + y) * cv.width + px) * 3;
    for (let x = 0; x < pw; x++, o += 3) {
      const r = rankOf(y, x);
      let c = colours.get(r);
      if (!c) colours.set(r, c = rankColor(r));
      cv.data[o] = c[0];
      cv.data[o + 1] = c[1];
      cv.data[o + 2] = c[2];
    }
  }
  // Rank numbers in every run x run rectangle that can hold them.
  const runs = (c: Int32Array): [number, number][] => {
    const out: [number, number][] = [];
    let s = 0;
    for (let i = 1; i <= c.length; i++) {
      if (i === c.length || c[i] !== c[s]) {
        out.push([s, i]);
        s = i;
      }
    }
    return out;
  };
  const xr = runs(cx);
  const yr = runs(cy);
  if (xr.length * yr.length <= 100_000) {
    for (const [y0, y1] of yr) {
      for (const [x0, x1] of xr) {
        const r = rankOf(y0, x0);
        const label = String(r);
        const color = luminance(rankColor(r)) > 0.179 ? BLACK : WHITE;
        for (const s of fs > 1 ? [fs, 1] : [1]) {
          const tw = textWidth(label, s) - s;
          const th = 7 * s; // digits occupy rows 1 to 7 of the cell
          if (x1 - x0 >= tw + 4 && y1 - y0 >= th + 4) {
            const tx = px + x0 + ((x1 - x0 - tw) >> 1);
            const ty = py + y0 + ((y1 - y0 - th) >> 1) - s;
            cv.text(tx, ty, label, color, s);
            break;
          }
        }
      }
    }
  }
  drawAxes(cv, layout, xAxis.ticks(pw, fs), yAxis ? yAxis.ticks(ph, fs) : [], cols, rows, {
    xlabel: options.xlabel ?? (nd === 2 ? "axis 1" : "axis 0"),
    ylabel: nd === 2 ? options.ylabel ?? "axis 0" : undefined,
    title,
  });
  // Legend
  const rowH = GLYPH_HEIGHT * fs + 4 * fs;
  const sw = GLYPH_HEIGHT * fs;
  const colW = sw + 4 * fs + Math.max(0, ...legend.map((s) => textWidth(s, fs))) + 8 * fs;
  legend.forEach((text, k) => {
    const lx = px + pw + 1 + 10 * fs + Math.floor(k / perColumn) * colW;
    const ly = py + (k % perColumn) * rowH;
    if (k < shown.length) {
      cv.fill(lx, ly, sw, sw, rankColor(shown[k]));
      cv.frame(lx, ly, sw, sw, FRAME);
    }
    cv.text(lx + sw + 4 * fs, ly, text, BLACK, fs);
  });
  return encodePng({ width: cv.width, height: cv.height, channels: 3, data: cv.data });
}
