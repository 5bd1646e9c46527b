// `tessera plot`: a 2-D slice as a heatmap PNG, read strided so a huge array
// plots with bounded memory; or a map of which rank owns which block.

import { indexSelection, type SliceSpec } from "../core/indexer.ts";
import { exists, writeFileAtomic } from "../io/output.ts";
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
  readonly distribution?: string;
  readonly shape?: string;
  readonly ranks?: string;
  readonly grid?: string;
  readonly overwrite?: boolean;
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
  await checkOutput(o.output, o.overwrite);
  const a = await session.open(locator);
  const sel = resolve(a.shape, o.slice, locator);
  const kept = sel.filter((s): s is { start: number; step: number; count: number } => "count" in s);
  if (kept.length !== 2) {
    throw new UsageError(
      `Cannot plot "${locator}" of shape [${a.shape.join(",")}]${
        o.slice ? ` with --slice "${o.slice}"` : ""
      }: the selection has ${kept.length} dimension${
        kept.length === 1 ? "" : "s"
      }, a heatmap needs 2 (fix the other axes, e.g. --slice ${
        a.shape.map((_, i) => (i < a.ndim - 2 ? "0" : ":")).join(",")
      })`,
    );
  }
  if (kept.some((k) => k.count === 0)) {
    throw new UsageError(`Cannot plot "${locator}": the selection is empty`);
  }
  const steps = strideFor(kept.map((k) => k.count), maxPixels[0]);
  const ranges: [number, number, number][] = [];
  let axis = 0;
  const specs: SliceSpec[] = sel.map((s) => {
    if ("index" in s) return s.index;
    const step = s.step * steps[axis++];
    const count = Math.ceil(s.count / (step / s.step));
    const stop = s.start + count * step;
    ranges.push([s.start, stop, step]);
    return { start: s.start, stop: Math.min(stop, s.start + (count - 1) * step + 1), step };
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
  const names = sel.map((s, i) => ("count" in s ? `axis ${i}` : null)).filter((x) => x !== null);
  const png = asUsage(() =>
    heatmap(data, {
      cmap: o.cmap as (typeof COLORMAP_NAMES)[number],
      vmin,
      vmax,
      title,
      ylabel: names[0] as string,
      xlabel: names[1] as string,
      yRange: ranges[0],
      xRange: ranges[1],
    })
  );
  if (session.printer) await writeFileAtomic(o.output, png);
  if (session.options.json) {
    session.outJson({ output: o.output, source: locator, shape: data.shape, steps });
  }
}
