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

// NaN and the infinities as Zarr's JSON writes them ("NaN", "Infinity"),
// never as JSON's null: a NaN fill value is not "no fill value"
function nonFinite(_key: string, value: unknown): unknown {
  if (typeof value === "number" && !Number.isFinite(value)) return String(value);
  return jsonReplacer(_key, value);
}

function attrText(v: unknown): string {
  if (typeof v === "number") return String(v);
  return JSON.stringify(v, nonFinite) ?? String(v);
}

function render(info: ArrayInfo | TreeInfo): string {
  const lines: string[] = [];
  if (info.kind === "tree") {
    lines.push(`${info.locator} (${info.format}, ${formatBytes(info.diskBytes)} on disk)`);
    const width = Math.max(...info.nodes.map((n) => n.path.length));
    for (const n of info.nodes) {
      // netCDF: the group's dimensions (name: length) and each array's dimension names
      const dims = n.dimensions;
      if (n.kind === "group") {
        const named = dims && typeof dims === "object" && !Array.isArray(dims)
          ? `  dimensions ${Object.entries(dims).map(([k, v]) => `${k} = ${v}`).join(", ")}`
          : "";
        lines.push(`  ${n.path.padEnd(width)}  group${named}`);
      } else {
        const named = Array.isArray(dims) ? ` (${dims.join(", ")})` : "";
        lines.push(
          `  ${n.path.padEnd(width)}  array  ${list(n.shape)} ${n.dtype ?? "?"}${named}  chunks ${
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
  const row = (k: string, v: string): void => {
    lines.push(`  ${k.padEnd(12)} ${v}`);
  };
  lines.push(info.locator);
  row("format", info.format);
  row("shape", list(info.shape));
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
  for (const [k, v] of Object.entries(info.extra ?? {})) row(k, attrText(v));
  const attrs = Object.entries(info.attributes);
  if (attrs.length > 0) {
    lines.push("  attributes");
    for (const [k, v] of attrs) lines.push(`    ${k} = ${attrText(v)}`);
  }
  return lines.join("\n");
}

/** Runs `tessera info`. */
export async function infoCommand(session: Session, locator: string): Promise<void> {
  const info = await gather(locator);
  if (session.options.json) session.out(JSON.stringify(info, nonFinite, 2));
  else session.out(render(info));
}
