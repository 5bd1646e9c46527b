// The Zarr entry of the format registry (io/formats.ts): zarrita is loaded by
// io/zarr.ts on first use.

import { FormatError } from "../../core/errors.ts";
import { formatCodec } from "../codec.ts";
import { readNode } from "../_zarr_meta.ts";
import { registerCodecs } from "../_zarr_codecs.ts";
import { QUEUED_WRITE } from "../_encode_pool.ts";
import { FsStore } from "../_zarr_store.ts";
import { refreshConsolidated } from "../_zarr_tree.ts";
import { exists } from "../output.ts";
import type { Locator } from "../locator.ts";
import { createZarr, listZarr, openZarr } from "../zarr.ts";
import type { ArrayInfo, FormatModule, TreeInfo } from "../formats.ts";
import { diskSize, memoryOf, plainRecord } from "./_info.ts";

const METADATA = ["zarr.json", ".zgroup", ".zarray", ".zmetadata"];

function text(loc: Locator): string {
  return loc.object === null ? loc.path : `${loc.path}:${loc.object}`;
}

/** Zarr v2 and v3 through zarrita: writers of disjoint whole chunks run at once. */
export const format: FormatModule = {
  async detect(path) {
    const st = await Deno.stat(path).catch(() => null);
    if (!st?.isDirectory) return false;
    for (const name of METADATA) {
      if (await exists(`${path}/${name}`)) return true;
    }
    return false;
  },
  async open(loc) {
    const a = await openZarr(text(loc));
    return { source: a, splittable: false, close: () => a.close() };
  },
  async create(loc, options) {
    const meta = options.metadata ?? null;
    // xarray's layout: the CF _FillValue is the array's fill_value, every axis is named
    const { _FillValue: fill, ...attributes } = meta?.attributes ?? {};
    const fillValue = fill !== undefined ? fill as number : meta?.fillValue;
    const dims = meta?.dimensions ?? options.shape.map(() => null);
    const a = await createZarr(text(loc), {
      shape: [...options.shape],
      dtype: options.dtype,
      chunks: options.chunks ? [...options.chunks] : undefined,
      codec: options.codec ? formatCodec(options.codec) : undefined,
      attributes,
      dimensions: dims.map((d, i) => d ?? `dim_${i}`),
      ...(fillValue === undefined ? {} : { fillValue }),
    });
    const gridChunks = [...a.chunks];
    await a.close();
    return { gridChunks };
  },
  async probe(loc) {
    if (!(await this.detect(loc.path))) throw new FormatError(loc.path, "not a Zarr store");
    const object = loc.object ?? "/";
    await registerCodecs(); // an array's metadata names its codecs
    const node = await readNode(new FsStore(loc.path), loc.path, object);
    if (node !== null) return node.kind;
    // a directory that is no node (a half-written array, files of another tool)
    return (await exists(`${loc.path}/${object.replace(/^\/+/, "")}`)) ? "directory" : null;
  },
  async published(loc, temp) {
    await refreshConsolidated(loc.path, loc.object ?? "/", temp.object ?? "/");
  },
  async openWriter(loc) {
    const a = await openZarr(text(loc), { write: true });
    // queued: the next block is computed while chunks are encoded; close stores them
    return { write: (r, b) => a[QUEUED_WRITE](r, b), close: () => a.close() };
  },
  async info(loc, locator) {
    if (loc.object === null) {
      const nodes = await listZarr(loc.path);
      if (!(nodes.length === 1 && nodes[0].kind === "array")) {
        return {
          locator,
          format: "zarr",
          kind: "tree",
          diskBytes: await diskSize(loc.path),
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
    const a = await openZarr(text(loc));
    try {
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
        diskBytes: await diskSize(loc.object === null ? loc.path : `${loc.path}${loc.object}`),
        attributes: plainRecord(a.attributes),
        extra: { zarrFormat: a.zarrFormat, order: a.order, chunkGrid: a.chunkGrid },
      } satisfies ArrayInfo;
    } finally {
      await a.close();
    }
  },
};
