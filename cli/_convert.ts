// `tessera convert SRC DST`: any format to any format, streamed chunk by chunk.

import { parseCodec } from "../io/codec.ts";
import { formatOf, type TreeInfo } from "../io/formats.ts";
import {
  asUsage,
  checkLocator,
  parseChunks,
  parseDType,
  type Session,
  UsageError,
} from "./_session.ts";

/** Options of `tessera convert`. */
export interface ConvertOptions {
  readonly chunks?: string;
  readonly codec?: string;
  readonly dtype?: string;
  readonly slice?: string;
  readonly pack?: boolean;
  readonly overwrite?: boolean;
  readonly sync?: boolean;
}

/**
 * Checks a `--codec` value (io/codec.ts: `gzip:N`, `zlib:N`, `zstd:N`, `lz4`,
 * `blosc[:cname[:clevel[:shuffle]]]`, `shuffle+gzip:N`, `none`) against what the output's format writes.
 */
export function checkCodec(codec: string | undefined, dst: string): void {
  if (codec === undefined) return;
  const spec = asUsage(() => parseCodec(codec), `Invalid --codec "${codec}": `);
  const entry = formatOf(checkLocator(dst, { requireObject: false }));
  if (!entry.codecs.includes(spec.name)) {
    throw new UsageError(
      `Invalid --codec "${codec}" for "${dst}": ${
        entry.codecs.length === 1
          ? `${entry.name} files are not compressed`
          : `${entry.name} output takes ${entry.codecs.join(", ")}`
      }`,
    );
  }
  if ("shuffle" in spec && spec.shuffle === true && !entry.shuffle) {
    throw new UsageError(
      `Invalid --codec "${codec}" for "${dst}": ${entry.name} output takes no shuffle filter${
        entry.name === "zarr" ? ` (use blosc's shuffle, as in "blosc:zlib:5:shuffle")` : ""
      }`,
    );
  }
}

/**
 * The tree of `src` when it names a whole file, store or group of a
 * container (HDF5/netCDF, Zarr, netCDF-3), else null.
 */
async function treeOf(src: string): Promise<TreeInfo | null> {
  const { treeOf } = await import("./_convert_tree.ts");
  return await treeOf(src);
}

/** Runs `tessera convert`. */
export async function convertCommand(
  session: Session,
  src: string,
  dst: string,
  options: ConvertOptions,
): Promise<void> {
  checkLocator(dst, { requireObject: false });
  checkCodec(options.codec, dst);
  const dtype = options.dtype === undefined ? undefined : parseDType(options.dtype);
  const chunks = options.chunks === undefined ? undefined : parseChunks(options.chunks);
  const tree = await treeOf(src).catch(() => null);
  if (tree !== null) {
    if (options.slice !== undefined || chunks !== undefined) {
      throw new UsageError(
        `Invalid ${options.slice !== undefined ? "--slice" : "--chunks"} for "${src}": ` +
          `it is a whole file or group (name one array, as in "${src}:/name")`,
      );
    }
    const { convertTree } = await import("./_convert_tree.ts");
    const arrays = await convertTree(session, src, dst, tree, {
      codec: options.codec,
      dtype,
      pack: options.pack,
      overwrite: options.overwrite,
      sync: options.sync,
    });
    if (session.options.json) session.outJson({ source: src, output: dst, arrays });
    return;
  }
  checkLocator(dst);
  let a = await session.open(src);
  if (options.slice !== undefined) {
    const text = options.slice;
    a = asUsage(() => a.slice(text), `Invalid --slice "${text}" for "${src}": `);
  }
  if (chunks !== undefined && chunks.length !== a.ndim) {
    throw new UsageError(
      `Invalid --chunks "${options.chunks}": ${chunks.length} values for ${a.ndim} dimensions of shape [${
        a.shape.join(",")
      }]`,
    );
  }
  await session.write(a, dst, {
    chunks,
    codec: options.codec,
    dtype,
    pack: options.pack,
    overwrite: options.overwrite,
    sync: options.sync,
    label: `convert ${src}`,
  });
  if (session.options.json) {
    session.outJson({ source: src, output: dst, shape: a.shape, dtype: dtype ?? a.dtype });
  }
}
