// `tessera info LOCATOR`: what an array (or a whole HDF5 file / Zarr store)
// holds, without reading its data.

import { formatBytes } from "../core/errors.ts";
import { type ArrayInfo, formatOf, type TreeInfo } from "../io/formats.ts";
import { checkLocator, jsonReplacer, nameLocator, type Session } from "./_session.ts";

/** Gathers what `info` reports, from the format's registry entry. */
async function gather(locator: string): Promise<ArrayInfo | TreeInfo> {
  const loc = checkLocator(locator, { requireObject: false });
  try {
    return await formatOf(loc).info(locator);
  } catch (e) {
    throw nameLocator(e, locator, loc.path);
  }
}

function list(v: readonly unknown[] | null | undefined): string {
  return v ? `[${v.join(", ")}]` : "-";
}

// A value as JSON text, except NaN and infinities, shown as NaN, Infinity and -Infinity.
function attrText(v: unknown): string {
  const marks: string[] = [];
  const text = JSON.stringify(v, (k, x) => {
    if (typeof x !== "number" || Number.isFinite(x)) return jsonReplacer(k, x);
    marks.push(String(x));
    return `\u0000${marks.length - 1}\u0000`;
  }) ?? String(v);
  return text.replace(/"\\u0000(\d+)\\u0000"/g, (_, i) => marks[Number(i)]);
}

interface Coordinate {
  readonly path: string;
  readonly size: number;
  readonly first: unknown;
  readonly last: unknown;
  readonly units?: string;
  readonly calendar?: string;
  readonly dates?: readonly (string | null)[];
}

// "2020-01-01 .. 2020-01-04  (days since 1900-01-01, standard)", or the raw
// numbers with their units (and the calendar when it was not decoded).
function coordinateText(c: Coordinate): string {
  if (c.dates) {
    const note = [c.units, c.calendar].filter((x) => x !== undefined).join(", ");
    return `${c.dates[0] ?? "NaT"} .. ${c.dates[1] ?? "NaT"}  (${note})`;
  }
  const values = `${attrText(c.first)} .. ${attrText(c.last)}`;
  const notes: string[] = [];
  if (c.units !== undefined) notes.push(c.units);
  if (c.calendar !== undefined && /\bsince\b/.test(c.units ?? "")) {
    notes.push(`calendar ${c.calendar}: not decoded`);
  }
  return notes.length > 0 ? `${values}  (${notes.join(", ")})` : values;
}

function coordinateLines(coords: unknown, indent: string): string[] {
  const entries = Object.entries((coords ?? {}) as Record<string, Coordinate>);
  if (entries.length === 0) return [];
  const width = Math.max(...entries.map(([k]) => k.length));
  return [
    `${indent}coordinates`,
    ...entries.map(([k, c]) => `${indent}  ${k.padEnd(width)}  ${coordinateText(c)}`),
  ];
}

function skippedLines(skipped: unknown, indent: string): string[] {
  const list = (skipped ?? []) as string[];
  return list.length > 0 ? [`${indent}skipped`, ...list.map((s) => `${indent}  ${s}`)] : [];
}

// "netCDF-4 (hdf5)" for an HDF5 file that is netCDF-4, else the format.
function formatText(
  format: string,
  extra: Record<string, unknown> | undefined,
  sep = " (",
): string {
  if (typeof extra?.netcdf !== "string") return format;
  return sep === " (" ? `${extra.netcdf} (${format})` : `${extra.netcdf}${sep}${format}`;
}

function renderTree(info: TreeInfo): string {
  const lines: string[] = [];
  const extra = info.extra ?? {};
  lines.push(
    `${info.locator} (${formatText(info.format, extra, ", ")}, ${
      formatBytes(info.diskBytes)
    } on disk)`,
  );
  const dims = (extra.dimensions ?? []) as { name: string; size: number; unlimited: boolean }[];
  if (dims.length > 0) {
    lines.push("  dimensions");
    const w = Math.max(...dims.map((d) => d.name.length));
    for (const d of dims) {
      lines.push(`    ${d.name.padEnd(w)} = ${d.size}${d.unlimited ? " (unlimited)" : ""}`);
    }
  }
  lines.push(...coordinateLines(extra.coordinates, "  "));
  lines.push(...skippedLines(extra.skipped, "  "));
  const width = Math.max(...info.nodes.map((n) => n.path.length));
  for (const n of info.nodes) {
    if (n.kind === "group") lines.push(`  ${n.path.padEnd(width)}  group`);
    else if (n.dimensionOnly === true) {
      lines.push(`  ${n.path.padEnd(width)}  dimension ${list(n.shape)} (not a variable)`);
      continue;
    } else {
      const names = n.dimensions as (string | null)[] | undefined;
      const dimText = names ? `  (${names.map((d) => d ?? "-").join(", ")})` : "";
      lines.push(
        `  ${n.path.padEnd(width)}  array  ${list(n.shape)} ${n.dtype ?? "?"}${dimText}  chunks ${
          list(n.chunks)
        }  ${n.codec ?? ""}`.trimEnd(),
      );
    }
    for (const [k, v] of Object.entries(n.attributes)) {
      lines.push(`  ${"".padEnd(width)}    @${k} = ${attrText(v)}`);
    }
  }
  return lines.join("\n");
}

function render(info: ArrayInfo | TreeInfo): string {
  if (info.kind === "tree") return renderTree(info);
  const lines: string[] = [];
  const row = (k: string, v: string): void => {
    lines.push(`  ${k.padEnd(12)} ${v}`);
  };
  const { netcdf: _, dimensions, coordinates, skipped, ...extra } = info.extra ?? {};
  lines.push(info.locator);
  row("format", formatText(info.format, info.extra));
  row("shape", list(info.shape));
  if (Array.isArray(dimensions)) {
    row("dimensions", dimensions.map((d, i) => `${d ?? "-"} = ${info.shape[i]}`).join(", "));
  }
  row("dtype", info.dtype);
  row("chunks", list(info.chunks));
  row("codec", info.codec);
  if (info.fillValue !== undefined) row("fill value", attrText(info.fillValue));
  row("in memory", `${formatBytes(info.memoryBytes)} (${info.memoryBytes} bytes)`);
  row(
    "on disk",
    `${formatBytes(info.diskBytes)} (${info.diskBytes} bytes${
      info.diskScope ? `, ${info.diskScope}` : ""
    })`,
  );
  for (const [k, v] of Object.entries(extra)) row(k, attrText(v));
  lines.push(...coordinateLines(coordinates, "  "));
  const attrs = Object.entries(info.attributes);
  if (attrs.length > 0) {
    lines.push("  attributes");
    for (const [k, v] of attrs) lines.push(`    ${k} = ${attrText(v)}`);
  }
  lines.push(...skippedLines(skipped, "  "));
  return lines.join("\n");
}

/** Runs `tessera info`. */
export async function infoCommand(session: Session, locator: string): Promise<void> {
  const info = await gather(locator);
  // NaN and the infinities as Zarr's JSON writes them ("NaN", "Infinity"),
  // not as JSON's null: a NaN fill value is not "no fill value"
  const nonFinite = (k: string, v: unknown): unknown =>
    typeof v === "number" && !Number.isFinite(v) ? String(v) : jsonReplacer(k, v);
  if (session.options.json) session.out(JSON.stringify(info, nonFinite, 2));
  else session.out(render(info));
}
