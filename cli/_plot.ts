// `tessera plot`: a 2-D slice as a heatmap PNG, read strided so a huge array
// plots with bounded memory; or a map of which rank owns which block. A CF
// variable is coloured by its decoded values (missing ones apart), its axes
// named by its dimensions' coordinate variables (times as dates) and its
// colour bar by its long_name and units.

import { indexSelection, type SliceSpec } from "../core/indexer.ts";
import { decodeCfTimes } from "../io/cf_time.ts";
import { formatOf } from "../io/formats.ts";
import { formatLocator, parseLocator } from "../io/locator.ts";
import { exists, writeFileAtomic } from "../io/output.ts";
import type { AxisCoordinates } from "../viz/plot.ts";
import {
  asUsage,
  checkLocator,
  nameLocator,
  parseInts,
  type Session,
  UsageError,
} from "./_session.ts";

/** Options of `tessera plot`. */
export interface PlotOptions {
  readonly output: string;
  readonly slice?: string;
  readonly cmap: string;
  readonly maxPixels: string;
  readonly title?: string;
  readonly vmin?: string;
  readonly vmax?: string;
  readonly robust?: boolean;
  readonly missingColor?: string;
  readonly distribution?: string;
  readonly shape?: string;
  readonly ranks?: string;
  readonly grid?: string;
  readonly overwrite?: boolean;
  readonly raw?: boolean;
}

/** One axis of the selection: a fixed index (dropped) or a positive-step range. */
type AxisSel = { index: number } | { start: number; step: number; count: number };

/** Resolves a selection text against a shape into one entry per axis. */
function resolve(shape: readonly number[], text: string | undefined, src: string): AxisSel[] {
  const sel = asUsage(
    () =>
      indexSelection(shape, text ?? [], {
        caller: "a plot",
        newAxes: false,
        negativeSteps: false,
      }),
    `Invalid --slice "${text}" for "${src}": `,
  );
  return sel.axes.map((a) => {
    if (a.kind === "index") return { index: a.index };
    if (a.kind === "range") return { start: a.start, step: a.step, count: a.count };
    throw new UsageError(`Invalid --slice "${text}": a plot takes integers and ranges`);
  });
}

function parseNumber(text: string | undefined, what: string): number | undefined {
  if (text === undefined) return undefined;
  const v = Number(text);
  if (text.trim() === "" || !Number.isFinite(v)) {
    throw new UsageError(`Invalid ${what} "${text}": expected a finite number`);
  }
  return v;
}

/** What a plot needs of an array's metadata. */
interface Metadata {
  readonly shape: readonly number[];
  readonly attributes: Readonly<Record<string, unknown>>;
  readonly dimensions: readonly (string | null)[] | null;
}

/**
 * The shape, attributes and dimension names of the array at a locator, or
 * null when there are none to read (a glob of files, a locator that does not
 * open): the plot then falls back to index axes.
 */
async function readMetadata(locator: string): Promise<Metadata | null> {
  let opened;
  try {
    const loc = parseLocator(locator);
    if (/[*?[]/.test(loc.path)) return null;
    opened = await formatOf(loc).open(loc);
  } catch {
    return null;
  }
  try {
    const s = opened.source;
    let attributes: Readonly<Record<string, unknown>> = {};
    try {
      attributes = s.attributes ?? {};
    } catch {
      // attributes of a type the reader refuses: plot without them
    }
    // Zarr v2 as xarray writes it: the names are an attribute
    const listed = attributes["_ARRAY_DIMENSIONS"];
    const dimensions = s.dimensions ??
      (Array.isArray(listed) && listed.length === s.shape.length &&
          listed.every((d) => typeof d === "string")
        ? listed as string[]
        : null);
    return { shape: [...s.shape], attributes, dimensions };
  } finally {
    await opened.close();
  }
}

/** A text attribute (a string, or a list holding one), or undefined. */
function textAttribute(attrs: Readonly<Record<string, unknown>>, name: string): string | undefined {
  const v = attrs[name];
  const s = Array.isArray(v) && v.length === 1 ? v[0] : v;
  return typeof s === "string" && s.trim() !== "" ? s.trim() : undefined;
}

/** One plotted axis: its title and, when a coordinate variable names it, its coordinates. */
interface PlotAxis {
  readonly title: string;
  readonly coords?: AxisCoordinates;
}

/**
 * The title and coordinates of axis `axis` of the array at `locator`: the
 * 1-D variable named by the axis's dimension (beside the array in its group,
 * else at the root) with as many values as the axis, sampled at the plotted
 * cells (`spec`), decoded as the array is; CF times become dates.
 */
async function plotAxis(
  session: Session,
  locator: string,
  meta: Metadata | null,
  axis: number,
  spec: { start: number; stop: number; step: number },
): Promise<PlotAxis> {
  const dim = meta?.dimensions?.[axis];
  if (!meta || typeof dim !== "string" || dim === "") return { title: `axis ${axis}` };
  const loc = parseLocator(locator);
  if (loc.object === null || !loc.object.startsWith("/")) return { title: dim };
  const group = loc.object.slice(0, loc.object.lastIndexOf("/"));
  const candidates = [...new Set([`${group}/${dim}`, `/${dim}`])].filter((o) => o !== loc.object);
  for (const object of candidates) {
    const coordLocator = formatLocator({ ...loc, object });
    const cm = await readMetadata(coordLocator);
    if (!cm || cm.shape.length !== 1 || cm.shape[0] !== meta.shape[axis]) continue;
    const c = await session.open(coordLocator);
    const sample = await c.slice(spec).compute();
    const values = Float64Array.from(
      sample.toArray() as unknown as ArrayLike<number | bigint>,
      (v) => Number(v),
    );
    const units = textAttribute(cm.attributes, "units");
    const dates = units === undefined
      ? null
      : decodeCfTimes(values, units, textAttribute(cm.attributes, "calendar"));
    if (dates !== null) return { title: dim, coords: { values, labels: dates } };
    return { title: units ? `${dim} (${units})` : dim, coords: { values } };
  }
  return { title: dim };
}

/** The colour-bar title: long_name (or standard_name) and units. */
function valueTitle(meta: Metadata | null, raw: boolean): string | undefined {
  if (!meta) return undefined;
  const name = textAttribute(meta.attributes, "long_name") ??
    textAttribute(meta.attributes, "standard_name");
  const units = raw ? "stored values" : textAttribute(meta.attributes, "units");
  if (name === undefined && units === undefined) return undefined;
  if (name === undefined) return units;
  return units === undefined ? name : `${name} (${units})`;
}

async function checkOutput(path: string, overwrite: boolean | undefined): Promise<void> {
  if (!path.toLowerCase().endsWith(".png")) {
    throw new UsageError(`Invalid -o "${path}": the output of plot is a .png file`);
  }
  if (!overwrite && await exists(path)) {
    throw new Deno.errors.AlreadyExists(
      `Cannot write "${path}": it exists; pass --overwrite to replace it`,
    );
  }
}

async function plotDistribution(session: Session, o: PlotOptions): Promise<void> {
  if (o.shape === undefined || o.ranks === undefined) {
    throw new UsageError(
      `plot --distribution needs --shape and --ranks, e.g. --shape 16,16 --ranks 4`,
    );
  }
  const shape = parseInts(o.shape, "--shape", 1);
  const ranks = parseInts(o.ranks, "--ranks", 1);
  if (ranks.length !== 1) {
    throw new UsageError(`Invalid --ranks "${o.ranks}": expected one integer`);
  }
  const grid = o.grid === undefined ? undefined : parseInts(o.grid, "--grid", 1);
  const { Distribution } = await import("../dist/distribution.ts");
  const { distributionMap } = await import("../viz/plot.ts");
  const dist = o.distribution as string;
  const d = asUsage(
    () => Distribution.create(shape, { dist, grid, commSize: ranks[0] }),
    `Invalid distribution "${dist}": `,
  );
  const png = asUsage(() => distributionMap(d, o.title ? { title: o.title } : {}));
  await checkOutput(o.output, o.overwrite);
  if (session.printer) await writeFileAtomic(o.output, png);
  if (session.options.json) {
    session.outJson({ output: o.output, shape, ranks: ranks[0], grid: d.grid, dist });
  }
}

/** Runs `tessera plot`. */
export async function plotCommand(
  session: Session,
  locator: string | undefined,
  o: PlotOptions,
): Promise<void> {
  if (o.distribution !== undefined) {
    if (locator !== undefined) {
      throw new UsageError(`plot takes either a locator or --distribution, not both`);
    }
    return await plotDistribution(session, o);
  }
  if (locator === undefined) {
    throw new UsageError(`plot needs a locator (or --distribution with --shape and --ranks)`);
  }
  checkLocator(locator);
  const { COLORMAP_NAMES, heatmap, strideFor } = await import("../viz/plot.ts");
  if (!(COLORMAP_NAMES as readonly string[]).includes(o.cmap)) {
    throw new UsageError(
      `Unknown colormap "${o.cmap}": expected one of ${COLORMAP_NAMES.join(", ")}`,
    );
  }
  const maxPixels = parseInts(o.maxPixels, "--max-pixels", 1);
  if (maxPixels.length !== 1) throw new UsageError(`Invalid --max-pixels "${o.maxPixels}"`);
  const vmin = parseNumber(o.vmin, "--vmin");
  const vmax = parseNumber(o.vmax, "--vmax");
  if (o.missingColor !== undefined && !/^#([0-9a-f]{3}|[0-9a-f]{6})$/i.test(o.missingColor)) {
    throw new UsageError(`Invalid --missing-color "${o.missingColor}": expected #rrggbb or #rgb`);
  }
  await checkOutput(o.output, o.overwrite);
  const a = await session.open(locator);
  const sel = resolve(a.shape, o.slice, locator);
  const ranged = sel.filter((s): s is { start: number; step: number; count: number } =>
    "count" in s
  );
  if (ranged.length !== 2) {
    throw new UsageError(
      `Cannot plot "${locator}" of shape [${a.shape.join(",")}]${
        o.slice ? ` with --slice "${o.slice}"` : ""
      }: the selection has ${ranged.length} dimension${
        ranged.length === 1 ? "" : "s"
      }, a heatmap needs 2 (fix the other axes, e.g. --slice ${
        a.shape.map((_, i) => (i < a.ndim - 2 ? "0" : ":")).join(",")
      })`,
    );
  }
  if (ranged.some((k) => k.count === 0)) {
    throw new UsageError(`Cannot plot "${locator}": the selection is empty`);
  }
  const steps = strideFor(ranged.map((k) => k.count), maxPixels[0]);
  const ranges: [number, number, number][] = [];
  const kept: { axis: number; spec: { start: number; stop: number; step: number } }[] = [];
  const specs: SliceSpec[] = sel.map((s, i) => {
    if ("index" in s) return s.index;
    const step = s.step * steps[kept.length];
    const count = Math.ceil(s.count / (step / s.step));
    const stop = s.start + count * step;
    ranges.push([s.start, stop, step]);
    const spec = { start: s.start, stop: Math.min(stop, s.start + (count - 1) * step + 1), step };
    kept.push({ axis: i, spec });
    return spec;
  });
  const view = a.slice(...specs);
  let data;
  try {
    data = await view.compute(session.run(`plot ${locator}`));
  } catch (e) {
    throw nameLocator(e, locator, locator, "Cannot plot");
  } finally {
    session.endProgress();
  }
  const title = o.title ??
    `${locator}${o.slice ? `[${o.slice}]` : ""}${
      steps.some((s) => s > 1) ? ` (every ${steps.join("x")})` : ""
    }`;
  const meta = await readMetadata(locator);
  const [yAxis, xAxis] = [
    await plotAxis(session, locator, meta, kept[0].axis, kept[0].spec),
    await plotAxis(session, locator, meta, kept[1].axis, kept[1].spec),
  ];
  const png = asUsage(() =>
    heatmap(data, {
      cmap: o.cmap as (typeof COLORMAP_NAMES)[number],
      vmin,
      vmax,
      robust: o.robust === true,
      nanColor: o.missingColor,
      missingLabel: "missing",
      colorbarLabel: valueTitle(meta, o.raw === true),
      title,
      ylabel: yAxis.title,
      xlabel: xAxis.title,
      yRange: ranges[0],
      xRange: ranges[1],
      yCoords: yAxis.coords,
      xCoords: xAxis.coords,
    })
  );
  if (session.printer) await writeFileAtomic(o.output, png);
  if (session.options.json) {
    session.outJson({ output: o.output, source: locator, shape: data.shape, steps });
  }
}
