// `tessera info LOCATOR`: what an array (or a whole HDF5 file / Zarr store)
// holds, without reading its data.

import { DTYPES } from "../core/dtype.ts";
import { formatBytes } from "../core/errors.ts";
import { NDArray } from "../core/ndarray.ts";
import { checkLocator, jsonReplacer, nameLocator, type Session } from "./_session.ts";

/** What `info` reports about one array. */
interface ArrayInfo {
  readonly locator: string;
  readonly format: string;
  readonly kind: "array";
  readonly shape: readonly number[];
  readonly dtype: string;
  readonly chunks: readonly number[] | null;
  readonly codec: string;
  readonly fillValue?: unknown;
  readonly memoryBytes: number;
  readonly diskBytes: number;
  readonly attributes: Record<string, unknown>;
  readonly extra?: Record<string, unknown>;
}

/** One node of a tree. */
interface TreeNode {
  readonly path: string;
  readonly kind: "group" | "array";
  readonly shape?: readonly number[];
  readonly dtype?: string | null;
  readonly chunks?: readonly number[] | null;
  readonly codec?: string;
  readonly attributes: Record<string, unknown>;
}

/** What `info` reports about a file or store. */
interface TreeInfo {
  readonly locator: string;
  readonly format: string;
  readonly kind: "tree";
  readonly diskBytes: number;
  readonly nodes: readonly TreeNode[];
}

async function diskSize(path: string): Promise<number> {
  const st = await Deno.stat(path);
  if (!st.isDirectory) return st.size;
  let total = 0;
  for await (const e of Deno.readDir(path)) {
    total += await diskSize(`${path}/${e.name}`);
  }
  return total;
}

function plain(value: unknown): unknown {
  if (value instanceof NDArray) return value.toArray();
  return value;
}

function plainRecord(r: Readonly<Record<string, unknown>>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(r).map(([k, v]) => [k, plain(v)]));
}

function memoryOf(shape: readonly number[], dtype: string | null | undefined): number {
  const bytes = dtype && dtype in DTYPES ? DTYPES[dtype as keyof typeof DTYPES].bytes : 0;
  return shape.reduce((a, b) => a * b, 1) * bytes;
}

async function hdf5Info(locator: string, path: string, object: string | null) {
  const { H5File } = await import("../io/hdf5.ts");
  using f = H5File.open(path);
  if (object === null || f.kind(object) === "group") {
    const root = object ?? "/";
    const nodes: TreeNode[] = [{
      path: root,
      kind: "group",
      attributes: plainRecord(f.attributes(root)),
    }];
    for (const e of f.list(root, { recursive: true })) {
      if (e.kind === "group") {
        nodes.push({ path: e.path, kind: "group", attributes: plainRecord(f.attributes(e.path)) });
        continue;
      }
      let codec = "";
      try {
        using ds = f.dataset(e.path);
        codec = hdf5Codec(ds.info.filters);
      } catch {
        codec = e.unsupportedType ?? "?";
      }
      nodes.push({
        path: e.path,
        kind: "array",
        shape: e.shape,
        dtype: e.dtype ?? e.unsupportedType ?? null,
        chunks: e.chunks ?? null,
        codec,
        attributes: plainRecord(f.attributes(e.path)),
      });
    }
    return {
      locator,
      format: "hdf5",
      kind: "tree",
      diskBytes: await diskSize(path),
      nodes,
    } satisfies TreeInfo;
  }
  using ds = f.dataset(object);
  const i = ds.info;
  return {
    locator,
    format: "hdf5",
    kind: "array",
    shape: i.shape,
    dtype: i.dtype,
    chunks: i.chunks,
    codec: hdf5Codec(i.filters),
    fillValue: i.fillValue,
    memoryBytes: memoryOf(i.shape, i.dtype),
    diskBytes: await diskSize(path),
    attributes: plainRecord(ds.attributes()),
    extra: {
      layout: i.layout,
      maxshape: i.maxshape,
      byteOrder: i.byteOrder,
      filters: i.filters.map((x) => ({ id: x.id, name: x.name, values: x.values })),
    },
  } satisfies ArrayInfo;
}

function hdf5Codec(filters: readonly { name: string; values: readonly number[] }[]): string {
  if (filters.length === 0) return "none";
  return filters.map((x) => (x.name === "gzip" && x.values.length ? `gzip:${x.values[0]}` : x.name))
    .join(" + ");
}

async function zarrInfo(locator: string, path: string, object: string | null) {
  const { listZarr, openZarr } = await import("../io/zarr.ts");
  if (object === null) {
    const nodes = await listZarr(path);
    if (!(nodes.length === 1 && nodes[0].kind === "array")) {
      return {
        locator,
        format: "zarr",
        kind: "tree",
        diskBytes: await diskSize(path),
        nodes: nodes.map((n) => ({
          path: n.path,
          kind: n.kind,
          shape: n.shape,
          dtype: n.dtype,
          chunks: n.chunks,
          codec: n.codec,
          attributes: plainRecord(n.attributes),
          zarrFormat: n.zarrFormat,
        })),
      } satisfies TreeInfo;
    }
  }
  const a = await openZarr(locator);
  return {
    locator,
    format: "zarr",
    kind: "array",
    shape: a.shape,
    dtype: a.dtype,
    chunks: a.chunks,
    codec: a.codec,
    fillValue: a.fillValue,
    memoryBytes: memoryOf(a.shape, a.dtype),
    diskBytes: await diskSize(object === null ? path : `${path}${object}`),
    attributes: plainRecord(a.attributes),
    extra: { zarrFormat: a.zarrFormat, order: a.order, chunkGrid: a.chunkGrid },
  } satisfies ArrayInfo;
}

async function npyInfo(locator: string, path: string) {
  const { NpyFile } = await import("../io/npy.ts");
  using f = await NpyFile.open(path);
  return {
    locator,
    format: "npy",
    kind: "array",
    shape: f.shape,
    dtype: f.dtype,
    chunks: null,
    codec: "none",
    memoryBytes: memoryOf(f.shape, f.dtype),
    diskBytes: await diskSize(path),
    attributes: {},
    extra: {
      version: f.version,
      fortranOrder: f.fortranOrder,
      bigEndian: f.bigEndian,
      dataOffset: f.dataOffset,
    },
  } satisfies ArrayInfo;
}

async function arrowInfo(locator: string, path: string, object: string | null) {
  const { openArrow } = await import("../io/arrow.ts");
  await using src = await openArrow(path, object ?? undefined);
  return {
    locator,
    format: "arrow",
    kind: "array",
    shape: src.shape,
    dtype: src.dtype,
    chunks: src.chunks,
    codec: "none",
    memoryBytes: memoryOf(src.shape, src.dtype),
    diskBytes: await diskSize(path),
    attributes: {},
    extra: {
      columns: src.columns.map((c) => ({ name: c.name, type: c.type, dtype: c.dtype })),
      batches: src.batches,
      ipc: src.format,
    },
  } satisfies ArrayInfo;
}

/** Gathers what `info` reports. */
async function gather(locator: string): Promise<ArrayInfo | TreeInfo> {
  const loc = checkLocator(locator, { requireObject: false });
  try {
    switch (loc.format) {
      case "hdf5":
        return await hdf5Info(locator, loc.path, loc.object);
      case "zarr":
        return await zarrInfo(locator, loc.path, loc.object);
      case "npy":
        return await npyInfo(locator, loc.path);
      case "arrow":
        return await arrowInfo(locator, loc.path, loc.object);
    }
  } catch (e) {
    throw nameLocator(e, locator, loc.path);
  }
}

function list(v: readonly unknown[] | null | undefined): string {
  return v ? `[${v.join(", ")}]` : "-";
}

function attrText(v: unknown): string {
  return JSON.stringify(v, jsonReplacer) ?? String(v);
}

function render(info: ArrayInfo | TreeInfo): string {
  const lines: string[] = [];
  if (info.kind === "tree") {
    lines.push(`${info.locator} (${info.format}, ${formatBytes(info.diskBytes)} on disk)`);
    const width = Math.max(...info.nodes.map((n) => n.path.length));
    for (const n of info.nodes) {
      if (n.kind === "group") lines.push(`  ${n.path.padEnd(width)}  group`);
      else {
        lines.push(
          `  ${n.path.padEnd(width)}  array  ${list(n.shape)} ${n.dtype ?? "?"}  chunks ${
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
      info.format === "hdf5" ? ", whole file" : ""
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
  if (session.options.json) session.outJson(info);
  else session.out(render(info));
}
