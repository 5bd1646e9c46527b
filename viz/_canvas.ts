// The drawing behind viz/plot.ts: plot layout (margins, default size), axes
// and ticks, an RGB canvas with bitmap-font text, and value and colour helpers.

import type { NDArray } from "../core/ndarray.ts";
import { DTYPES } from "../core/dtype.ts";
import { glyph, GLYPH_HEIGHT, GLYPH_WIDTH, textWidth } from "./_font.ts";
import { COLORMAP_NAMES, type ColormapName } from "./colormaps.ts";
import type { Color, IndexRange, TickLabels } from "./plot.ts";

export type Rgb = readonly [number, number, number];

export const WHITE: Rgb = [255, 255, 255];
export const BLACK: Rgb = [0, 0, 0];
export const FRAME: Rgb = [40, 40, 40];
export const DEFAULT_NAN: Rgb = [211, 211, 211];
/** Plots up to this many cells a side get an integer number of pixels per cell. */
export const UPSCALE_TO = 600;

// ---------------------------------------------------------------------------
// Layout and drawing

export interface Tick {
  /** Position in cells (cell j is centred on j). */
  readonly pos: number;
  readonly label: string;
}

export interface Layout {
  readonly width: number;
  readonly height: number;
  readonly fs: number;
  /** The plot area (the frame is drawn just outside it). */
  readonly px: number;
  readonly py: number;
  readonly pw: number;
  readonly ph: number;
}

export interface LayoutRequest {
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

export function checkSize(name: string, v: number | undefined): void {
  if (v !== undefined && (!Number.isInteger(v) || v < 1 || v > 32768)) {
    throw new RangeError(`Invalid ${name} ${v}: must be an integer in [1, 32768]`);
  }
}

/** Default plot size: square cells, integer upscaling up to 600 cells a side, else capped. */
export function defaultPlot(
  rows: number,
  cols: number,
  cap: number,
  oneRow: boolean,
): [number, number] {
  const m = Math.max(rows, cols);
  const s = m <= UPSCALE_TO ? Math.floor(UPSCALE_TO / m) : Math.min(1, cap / m);
  const w = Math.max(1, Math.round(cols * s));
  let h = Math.max(1, Math.round(rows * s));
  if (oneRow) h = Math.min(96, Math.max(32, Math.round(s)));
  // keep a very thin strip visible
  return [Math.max(w, 16), Math.max(h, 16)];
}

export function plotLayout(q: LayoutRequest): Layout {
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

export function drawAxes(
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
export class Canvas {
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

export function checkCmap(name: unknown): ColormapName {
  if (!(COLORMAP_NAMES as readonly unknown[]).includes(name)) {
    throw new TypeError(
      `Unknown colormap "${String(name)}": expected one of ${COLORMAP_NAMES.join(", ")}`,
    );
  }
  return name as ColormapName;
}

export function lutIndex(t: number): number {
  if (!(t > 0)) return 0; // also -Infinity
  return t >= 1 ? 255 : Math.min(255, Math.floor(t * 256));
}

/** The elements of a 2-D array as float64, C order. */
export function readValues(a: NDArray): Float64Array {
  if (!(a.dtype in DTYPES)) throw new TypeError(`Unknown dtype "${String(a.dtype)}"`);
  if (DTYPES[a.dtype].kind === "c") {
    throw new TypeError(`${a.dtype} is not supported by plots: plot its abs(), real or imag`);
  }
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
export function sampleIndices(n: number, pixels: number): Int32Array {
  const out = new Int32Array(pixels);
  for (let p = 0; p < pixels; p++) out[p] = Math.min(n - 1, Math.floor(((p + 0.5) * n) / pixels));
  return out;
}

export function niceStep(span: number, count: number, integer = false): number {
  const raw = span / Math.max(1, count);
  const mag = 10 ** Math.floor(Math.log10(raw));
  for (const m of integer ? [1, 2, 5, 10] : [1, 2, 2.5, 5, 10]) {
    if (m * mag >= raw * (1 - 1e-9)) return m * mag;
  }
  return 10 * mag;
}

export interface IndexAxis {
  /** Width of the widest tick label at font scale 1. */
  readonly labelWidth: number;
  /** The ticks for an axis of `pixels` pixels at font scale `fs`. */
  ticks(pixels: number, fs: number): Tick[];
}

export function indexAxis(
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
export function valueTicks(vmin: number, vmax: number): (Tick & { value: number; end: boolean })[] {
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
export function formatValue(v: number, step?: number): string {
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

export function parseColor(c: Color): Rgb {
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

export function hsl(h: number, s: number, l: number): [number, number, number] {
  const f = (n: number): number => {
    const k = (n + h / 30) % 12;
    const a = s * Math.min(l, 1 - l);
    return Math.round(255 * (l - a * Math.max(-1, Math.min(k - 3, 9 - k, 1))));
  };
  return [f(0), f(8), f(4)];
}

/** Relative luminance (sRGB, WCAG) in [0, 1]. */
export function luminance(c: Rgb): number {
  const lin = (v: number): number => {
    const x = v / 255;
    return x <= 0.03928 ? x / 12.92 : ((x + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * lin(c[0]) + 0.7152 * lin(c[1]) + 0.0722 * lin(c[2]);
}
