// The Arrow entry of the format registry (io/formats.ts): apache-arrow is
// loaded by io/arrow.ts on first use. An Arrow IPC file is written whole, so
// an output is staged: the writers fill a .npy under the output's temporary
// name (disjoint regions, any number of processes), and `finish` turns it
// into the IPC file, a record batch of about 8 MiB at a time, before the
// commit renames it into place.

import { formatCodec } from "../codec.ts";
import { openArrow } from "../arrow.ts";
import type { FormatModule } from "../formats.ts";
import { format as npy } from "./npy.ts";
import { diskSize, headBytes, memoryOf } from "./_info.ts";

const FILE_MAGIC = "ARROW1";

/** Arrow IPC files and streams: 1-D arrays (one column) and 2-D arrays (one column per column). */
export const format: FormatModule = {
  async detect(path) {
    const head = await headBytes(path, 8);
    if (new TextDecoder().decode(head.subarray(0, 6)) === FILE_MAGIC) return true;
    // an IPC stream starts with a message: continuation marker 0xFFFFFFFF and a length
    return head.length === 8 && head[0] === 0xff && head[1] === 0xff && head[2] === 0xff &&
      head[3] === 0xff;
  },
  async open(loc) {
    const src = await openArrow(loc.path, loc.object ?? undefined);
    return { source: src, splittable: false, close: () => src.close() };
  },
  create(loc, options) {
    const text = loc.object === null ? loc.path : `${loc.path}:${loc.object}`;
    if (options.shape.length > 2) {
      throw new RangeError(
        `Cannot write "${text}": an Arrow file holds a 1-D or 2-D array, the result has shape [${
          options.shape.join(",")
        }]`,
      );
    }
    if (options.chunks || (options.codec && options.codec.name !== "none")) {
      throw new TypeError(
        `Cannot write "${text}": Arrow output takes no chunks or codec${
          options.codec ? ` (got "${formatCodec(options.codec)}")` : ""
        }`,
      );
    }
    return npy.create(loc, { shape: options.shape, dtype: options.dtype });
  },
  openWriter(loc) {
    return npy.openWriter(loc);
  },
  // the staged .npy becomes the IPC file a batch of rows at a time (io/_arrow_write.ts)
  async finish(loc, target, options) {
    const { npyToArrow } = await import("../_arrow_write.ts");
    await npyToArrow(
      loc.path,
      target.object !== null ? [target.object] : undefined,
      options?.memory,
    );
  },
  async info(loc, text) {
    await using src = await openArrow(loc.path, loc.object ?? undefined);
    return {
      locator: text,
      format: "arrow",
      kind: "array",
      shape: src.shape,
      dtype: src.dtype,
      chunks: src.chunks,
      codec: "none",
      memoryBytes: memoryOf(src.shape, src.dtype),
      diskBytes: await diskSize(loc.path),
      attributes: {},
      extra: {
        columns: src.columns.map((c) => ({ name: c.name, type: c.type, dtype: c.dtype })),
        batches: src.batches,
        ipc: src.format,
      },
    };
  },
};
