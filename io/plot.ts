/**
 * Rendering for `tessera plot`: a 2-D array as a heatmap PNG (colormap, colour
 * bar, axes with global-index ticks, title), a map of which rank owns which
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
import { DTYPES } from "../core/dtype.ts";
import { encodePng } from "./png.ts";
import { glyph, GLYPH_HEIGHT, GLYPH_WIDTH, textWidth } from "./_font.ts";
import { COLORMAP_NAMES, type ColormapName, lut } from "./_colormaps.ts";

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

/** Options of {@link heatmap}. */
export interface HeatmapOptions {
  /** Colormap (default `"viridis"`). */
  readonly cmap?: ColormapName;
  /** Value at the low end of the colormap (default: the smallest finite value). */
  readonly vmin?: number;
  /** Value at the high end of the colormap (default: the largest finite value). */
  readonly vmax?: number;
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
  /** Whether to draw the colour bar (default true). */
  readonly colorbar?: boolean;
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

type Rgb = readonly [number, number, number];

const WHITE: Rgb = [255, 255, 255];
const BLACK: Rgb = [0, 0, 0];
const FRAME: Rgb = [40, 40, 40];
const DEFAULT_NAN: Rgb = [211, 211, 211];
/** Plots up to this many cells a side get an integer number of pixels per cell. */
const UPSCALE_TO = 600;

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
 * between `vmin` and `vmax` (clipped outside). Axis ticks show global indices
 * (see `xRange`/`yRange`), the colour bar its min, max and a few round values
 * between.
 *
 * @param array A 2-D array of any dtype (int64 values are converted to numbers).
 * @param options Colormap, limits, labels, ticks, size, NaN colour.
 * @returns The PNG file's bytes (8-bit RGB).
 * @throws {RangeError} For an array that is not 2-D or is empty, `vmin > vmax`,
 *   a range that does not match the array, or a size too small for the margins.
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
  const xAxis = indexAxis("x", cols, options.xRange, options.xTicks);
  const yAxis = indexAxis("y", rows, options.yRange, options.yTicks);
  const bar = options.colorbar ?? true;
  const barTicks = bar ? valueTicks(vmin, vmax) : [];
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
    right: (fs) =>
      bar
        ? 6 * fs + (8 + 8 * fs) + 2 + 3 * fs + 2 * fs +
          Math.max(...barTicks.map((t) => textWidth(t.label, fs)))
        : 0,
    rightHeight: () => 0,
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

  if (bar) {
    const bx = px + pw + 1 + 6 * fs;
    const bw = 8 + 8 * fs;
    for (let y = 0; y < ph; y++) {
      const t = span > 0 ? 1 - (y + 0.5) / ph : 0;
      const k = 3 * lutIndex(t);
      cv.fill(bx, py + y, bw, 1, [table[k], table[k + 1], table[k + 2]]);
    }
    cv.frame(bx - 1, py - 1, bw + 2, ph + 2, FRAME);
    const labelX = bx + bw + 1 + 3 * fs + 2 * fs;
    const drawn: number[] = [];
    // the ends first, then the round values that do not collide with them
    const order = [...barTicks].sort((a, b) => Number(b.end) - Number(a.end));
    for (const t of order) {
      const y = span > 0
        ? Math.round(py + (1 - (t.value - vmin) / span) * (ph - 1))
        : py + (ph >> 1);
      if (drawn.some((d) => Math.abs(d - y) < GLYPH_HEIGHT * fs + 2)) continue;
      drawn.push(y);
      cv.fill(bx + bw + 1, y, 3 * fs, Math.max(1, fs >> 1), FRAME);
      cv.text(labelX, y - 4 * fs, t.label, BLACK, fs);
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

// ---------------------------------------------------------------------------
// Layout and drawing

interface Tick {
  /** Position in cells (cell j is centred on j). */
  readonly pos: number;
  readonly label: string;
}

interface Layout {
  readonly width: number;
  readonly height: number;
  readonly fs: number;
  /** The plot area (the frame is drawn just outside it). */
  readonly px: number;
  readonly py: number;
  readonly pw: number;
  readonly ph: number;
}

interface LayoutRequest {
  readonly rows: number;
  readonly cols: number;
  readonly width?: number;
  readonly height?: number;
  readonly fontScale?: number;
  /** Largest default plot side for arrays bigger than {@link UPSCALE_TO}. */
  readonly cap: number;
  /** A single row (a 1-D distribution): its height follows the cell width. */
  readonly oneRow?: boolean;
  readonly title?: string;
  readonly xlabel?: string;
  readonly ylabel?: string;
  readonly yTickWidth: number;
  /** Width right of the plot frame (colour bar or legend), for a font scale. */
  readonly right: (fs: number) => number;
  /** Height the right-hand content needs from the top of the plot. */
  readonly rightHeight: (fs: number) => number;
}

function checkSize(name: string, v: number | undefined): void {
  if (v !== undefined && (!Number.isInteger(v) || v < 1 || v > 32768)) {
    throw new RangeError(`Invalid ${name} ${v}: must be an integer in [1, 32768]`);
  }
}

/** Default plot size: square cells, integer upscaling up to 600 cells a side, else capped. */
function defaultPlot(rows: number, cols: number, cap: number, oneRow: boolean): [number, number] {
  const m = Math.max(rows, cols);
  const s = m <= UPSCALE_TO ? Math.floor(UPSCALE_TO / m) : Math.min(1, cap / m);
  const w = Math.max(1, Math.round(cols * s));
  let h = Math.max(1, Math.round(rows * s));
  if (oneRow) h = Math.min(96, Math.max(32, Math.round(s)));
  // keep a very thin strip visible
  return [Math.max(w, 16), Math.max(h, 16)];
}

function plotLayout(q: LayoutRequest): Layout {
  checkSize("width", q.width);
  checkSize("height", q.height);
  if (
    q.fontScale !== undefined &&
    (!Number.isInteger(q.fontScale) || q.fontScale < 1 || q.fontScale > 8)
  ) {
    throw new RangeError(`Invalid font scale ${q.fontScale}: must be an integer in [1, 8]`);
  }
  const auto = q.width === undefined && q.height === undefined
    ? defaultPlot(q.rows, q.cols, q.cap, q.oneRow ?? false)
    : null;
  const fs = q.fontScale ??
    (auto
      ? (Math.max(...auto) >= 400 ? 2 : 1)
      : Math.min(q.width ?? Infinity, q.height ?? Infinity) >= 500
      ? 2
      : 1);
  const ch = GLYPH_HEIGHT * fs;
  const pad = 5 * fs;
  const tick = 3 * fs;
  const top = pad + (q.title ? ch + pad : 0) + 1;
  const bottom = 1 + tick + 2 * fs + ch + (q.xlabel ? pad + ch : 0) + pad;
  const left = pad + (q.ylabel ? ch + pad : 0) + q.yTickWidth * fs + 2 * fs + tick + 1;
  const right = 1 + q.right(fs) + pad;
  let pw: number;
  let ph: number;
  if (auto) {
    [pw, ph] = auto;
  } else {
    const aspect = q.rows / q.cols;
    pw = q.width !== undefined ? q.width - left - right : 0;
    ph = q.height !== undefined ? q.height - top - bottom : 0;
    if (q.width === undefined) pw = Math.max(1, Math.round(ph / aspect));
    if (q.height === undefined) {
      ph = q.oneRow
        ? Math.min(96, Math.max(32, Math.round(pw / q.cols)))
        : Math.max(1, Math.round(pw * aspect));
    }
    if (pw < 1 || ph < 1) {
      throw new RangeError(
        `Invalid size ${q.width ?? "auto"}x${q.height ?? "auto"}: the margins alone need ${
          left + right
        }x${top + bottom} pixels`,
      );
    }
  }
  let width = q.width ?? left + pw + right;
  const height = q.height ?? top + Math.max(ph + bottom, q.rightHeight(fs) + pad);
  if (q.width === undefined && q.title) {
    width = Math.max(width, textWidth(q.title, fs) + 2 * pad);
  }
  return { width, height, fs, px: left, py: top, pw, ph };
}

function drawAxes(
  cv: Canvas,
  l: Layout,
  xTicks: readonly Tick[],
  yTicks: readonly Tick[],
  cols: number,
  rows: number,
  text: { readonly title?: string; readonly xlabel?: string; readonly ylabel?: string },
): void {
  const { fs, px, py, pw, ph } = l;
  const ch = GLYPH_HEIGHT * fs;
  const pad = 5 * fs;
  const tick = 3 * fs;
  const lw = Math.max(1, fs >> 1);
  cv.frame(px - 1, py - 1, pw + 2, ph + 2, FRAME);
  let lastRight = -Infinity;
  for (const t of [...xTicks].sort((a, b) => a.pos - b.pos)) {
    if (t.pos < -0.5 || t.pos > cols - 0.5) continue;
    const x = px + Math.min(pw - 1, Math.floor(((t.pos + 0.5) / cols) * pw));
    const w = textWidth(t.label, fs);
    const lx = Math.max(0, Math.min(cv.width - w, x - (w >> 1)));
    if (lx < lastRight + 2 * fs) continue; // would overlap the previous label
    lastRight = lx + w;
    cv.fill(x, py + ph + 1, lw, tick, FRAME);
    cv.text(lx, py + ph + 1 + tick + 2 * fs, t.label, BLACK, fs);
  }
  let lastTop = Infinity;
  for (const t of [...yTicks].sort((a, b) => b.pos - a.pos)) {
    if (t.pos < -0.5 || t.pos > rows - 0.5) continue;
    const y = py + Math.min(ph - 1, Math.floor(((t.pos + 0.5) / rows) * ph));
    if (y + ch > lastTop) continue;
    lastTop = y;
    const w = textWidth(t.label, fs);
    cv.fill(px - 1 - tick, y, tick, lw, FRAME);
    cv.text(px - 1 - tick - 2 * fs - w, y - 4 * fs, t.label, BLACK, fs);
  }
  if (text.title) {
    const w = textWidth(text.title, fs);
    cv.text(
      Math.max(pad, Math.min(cv.width - w, px + ((pw - w) >> 1))),
      pad,
      text.title,
      BLACK,
      fs,
    );
  }
  if (text.xlabel) {
    const w = textWidth(text.xlabel, fs);
    const y = py + ph + 1 + tick + 2 * fs + ch + pad;
    cv.text(Math.max(0, px + ((pw - w) >> 1)), y, text.xlabel, BLACK, fs);
  }
  if (text.ylabel) {
    const w = textWidth(text.ylabel, fs);
    cv.textUp(pad, Math.max(0, py + ((ph - w) >> 1)), text.ylabel, BLACK, fs);
  }
}

/** An RGB raster with clipping, and bitmap-font text. */
class Canvas {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array;

  constructor(width: number, height: number) {
    this.width = width;
    this.height = height;
    this.data = new Uint8Array(width * height * 3).fill(255);
  }

  set(x: number, y: number, c: Rgb): void {
    if (x < 0 || y < 0 || x >= this.width || y >= this.height) return;
    const o = (y * this.width + x) * 3;
    this.data[o] = c[0];
    this.data[o + 1] = c[1];
    this.data[o + 2] = c[2];
  }

  fill(x: number, y: number, w: number, h: number, c: Rgb): void {
    const x0 = Math.max(0, x);
    const x1 = Math.min(this.width, x + w);
    for (let yy = Math.max(0, y); yy < Math.min(this.height, y + h); yy++) {
      for (let xx = x0; xx < x1; xx++) this.set(xx, yy, c);
    }
  }

  /** A one-pixel rectangle outline. */
  frame(x: number, y: number, w: number, h: number, c: Rgb): void {
    this.fill(x, y, w, 1, c);
    this.fill(x, y + h - 1, w, 1, c);
    this.fill(x, y, 1, h, c);
    this.fill(x + w - 1, y, 1, h, c);
  }

  /** Text with its cell's top-left corner at (x, y). */
  text(x: number, y: number, s: string, c: Rgb, scale: number): void {
    for (let k = 0; k < s.length; k++) {
      const g = glyph(s.charCodeAt(k));
      const gx = x + k * GLYPH_WIDTH * scale;
      for (let r = 0; r < GLYPH_HEIGHT; r++) {
        for (let b = 0; b < GLYPH_WIDTH; b++) {
          if (g[r] & (0x80 >> b)) this.fill(gx + b * scale, y + r * scale, scale, scale, c);
        }
      }
    }
  }

  /** Text rotated a quarter turn anticlockwise (read bottom to top), in the box at (x, y). */
  textUp(x: number, y: number, s: string, c: Rgb, scale: number): void {
    const len = textWidth(s, scale);
    for (let k = 0; k < s.length; k++) {
      const g = glyph(s.charCodeAt(k));
      for (let r = 0; r < GLYPH_HEIGHT; r++) {
        for (let b = 0; b < GLYPH_WIDTH; b++) {
          if (!(g[r] & (0x80 >> b))) continue;
          const u = (k * GLYPH_WIDTH + b) * scale; // along the text
          this.fill(x + r * scale, y + len - u - scale, scale, scale, c);
        }
      }
    }
  }
}

// ---------------------------------------------------------------------------
// Values, ticks, colours

function checkCmap(name: unknown): ColormapName {
  if (!(COLORMAP_NAMES as readonly unknown[]).includes(name)) {
    throw new TypeError(
      `Unknown colormap "${String(name)}": expected one of ${COLORMAP_NAMES.join(", ")}`,
    );
  }
  return name as ColormapName;
}

function lutIndex(t: number): number {
  if (!(t > 0)) return 0; // also -Infinity
  return t >= 1 ? 255 : Math.min(255, Math.floor(t * 256));
}

/** The elements of a 2-D array as float64, C order. */
function readValues(a: NDArray): Float64Array {
  if (!(a.dtype in DTYPES)) throw new TypeError(`Unknown dtype "${String(a.dtype)}"`);
  const [rows, cols] = a.shape;
  const [s0, s1] = a.strides;
  const src = a.data as ArrayLike<number | bigint>;
  const out = new Float64Array(rows * cols);
  let k = 0;
  for (let i = 0; i < rows; i++) {
    let o = a.offset + i * s0;
    for (let j = 0; j < cols; j++, o += s1) out[k++] = Number(src[o]);
  }
  return out;
}

/** Pixel -> cell index, nearest neighbour: the cell under each pixel's centre. */
function sampleIndices(n: number, pixels: number): Int32Array {
  const out = new Int32Array(pixels);
  for (let p = 0; p < pixels; p++) out[p] = Math.min(n - 1, Math.floor(((p + 0.5) * n) / pixels));
  return out;
}

function niceStep(span: number, count: number, integer = false): number {
  const raw = span / Math.max(1, count);
  const mag = 10 ** Math.floor(Math.log10(raw));
  for (const m of integer ? [1, 2, 5, 10] : [1, 2, 2.5, 5, 10]) {
    if (m * mag >= raw * (1 - 1e-9)) return m * mag;
  }
  return 10 * mag;
}

interface IndexAxis {
  /** Width of the widest tick label at font scale 1. */
  readonly labelWidth: number;
  /** The ticks for an axis of `pixels` pixels at font scale `fs`. */
  ticks(pixels: number, fs: number): Tick[];
}

function indexAxis(
  name: "x" | "y",
  n: number,
  range: IndexRange | undefined,
  custom: TickLabels | undefined,
): IndexAxis {
  if (custom !== undefined) {
    if (custom === null || typeof custom !== "object") {
      throw new TypeError(`Invalid ${name}Ticks: expected a Map or an object of position -> label`);
    }
    const entries = custom instanceof Map ? [...custom.entries()] : Object.entries(custom);
    const fixed = entries.map(([p, label]) => {
      const pos = Number(p);
      if (!Number.isFinite(pos)) throw new RangeError(`Invalid ${name} tick position "${p}"`);
      return { pos, label: String(label) };
    });
    return {
      labelWidth: Math.max(0, ...fixed.map((t) => textWidth(t.label, 1))),
      ticks: () => fixed,
    };
  }
  let start = 0;
  let step = 1;
  if (range !== undefined) {
    if (!Array.isArray(range) || range.length !== 3 || !range.every(Number.isSafeInteger)) {
      throw new RangeError(
        `Invalid ${name}Range ${JSON.stringify(range)}: expected [start, stop, step] integers`,
      );
    }
    const [a, b, s] = range;
    if (s === 0) throw new RangeError(`Invalid ${name}Range [${range.join(",")}]: step is 0`);
    const count = Math.max(0, Math.ceil((b - a) / s));
    if (count !== n) {
      throw new RangeError(
        `Invalid ${name}Range [${
          range.join(",")
        }]: it selects ${count} indices, the array has ${n} along ${
          name === "x" ? "axis 1" : "axis 0"
        }`,
      );
    }
    start = a;
    step = s;
  }
  const g1 = start + (n - 1) * step;
  const lo = Math.min(start, g1);
  const hi = Math.max(start, g1);
  const labelWidth = Math.max(textWidth(String(lo)), textWidth(String(hi)));
  return {
    labelWidth,
    ticks(pixels: number, fs: number): Tick[] {
      const room = name === "x" ? labelWidth * fs + 4 * GLYPH_WIDTH * fs : 3 * GLYPH_HEIGHT * fs;
      const count = Math.max(1, Math.min(10, Math.floor(pixels / room)));
      const gstep = Math.max(1, niceStep(Math.max(1, hi - lo), count, true));
      const out: Tick[] = [];
      for (let g = Math.ceil(lo / gstep) * gstep; g <= hi; g += gstep) {
        out.push({ pos: (g - start) / step, label: String(g) });
      }
      if (out.length === 0) out.push({ pos: 0, label: String(start) });
      return out;
    },
  };
}

/** Colour-bar ticks: vmin and vmax (`end`), and round values between them. */
function valueTicks(vmin: number, vmax: number): (Tick & { value: number; end: boolean })[] {
  if (!(vmax > vmin)) return [{ pos: 0, value: vmin, label: formatValue(vmin), end: true }];
  const out = [
    { pos: 0, value: vmin, label: formatValue(vmin), end: true },
    { pos: 0, value: vmax, label: formatValue(vmax), end: true },
  ];
  const step = niceStep(vmax - vmin, 5);
  for (let k = Math.ceil(vmin / step); k * step <= vmax; k++) {
    const v = k * step;
    if (Math.abs(v - vmin) < step * 1e-6 || Math.abs(v - vmax) < step * 1e-6) continue;
    out.push({ pos: 0, value: v, label: formatValue(v, step), end: false });
  }
  return out;
}

/** A short label for a value; with `step`, enough digits to tell ticks `step` apart. */
function formatValue(v: number, step?: number): string {
  if (v === 0 || Object.is(v, -0)) return "0";
  const a = Math.abs(v);
  if (a >= 1e6 || a < 1e-3) {
    const digits = step === undefined
      ? 3
      : Math.max(0, Math.min(6, Math.floor(Math.log10(a)) - Math.floor(Math.log10(step) + 1e-9)));
    const [m, e] = v.toExponential(digits).split("e");
    return `${m.includes(".") ? m.replace(/\.?0+$/, "") : m}e${Number(e)}`;
  }
  if (step !== undefined) {
    const dec = Math.max(0, Math.min(10, -Math.floor(Math.log10(step) + 1e-9)));
    const s = v.toFixed(dec);
    return dec > 0 ? s.replace(/\.?0+$/, "") : s;
  }
  if (Number.isInteger(v) || a >= 1e4) return v.toFixed(0);
  return v.toPrecision(4).replace(/(\.\d*?)0+$/, "$1").replace(/\.$/, "");
}

function parseColor(c: Color): Rgb {
  if (typeof c === "string") {
    const m = /^#([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(c.trim());
    if (!m) throw new TypeError(`Invalid colour "${c}": expected "#rrggbb" or "#rgb"`);
    const h = m[1].length === 3 ? [...m[1]].map((x) => x + x).join("") : m[1];
    return [parseInt(h.slice(0, 2), 16), parseInt(h.slice(2, 4), 16), parseInt(h.slice(4), 16)];
  }
  if (
    Array.isArray(c) && c.length === 3 &&
    c.every((x) => Number.isInteger(x) && x >= 0 && x <= 255)
  ) {
    return [c[0], c[1], c[2]];
  }
  throw new TypeError(
    `Invalid colour ${JSON.stringify(c)}: expected "#rrggbb" or [r, g, b] in [0, 255]`,
  );
}

function hsl(h: number, s: number, l: number): [number, number, number] {
  const f = (n: number): number => {
    const k = (n + h / 30) % 12;
    const a = s * Math.min(l, 1 - l);
    return Math.round(255 * (l - a * Math.max(-1, Math.min(k - 3, 9 - k, 1))));
  };
  return [f(0), f(8), f(4)];
}

/** Relative luminance (sRGB, WCAG) in [0, 1]. */
function luminance(c: Rgb): number {
  const lin = (v: number): number => {
    const x = v / 255;
    return x <= 0.03928 ? x / 12.92 : ((x + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * lin(c[0]) + 0.7152 * lin(c[1]) + 0.0722 * lin(c[2]);
}
