// The .npy entry of the format registry (io/formats.ts).

import type { FormatModule } from "../formats.ts";
import { openNpyHeader } from "../_npy_open.ts";
import { diskSize, headBytes, memoryOf, startsWith } from "./_info.ts";

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

/** The .npy format: positioned region IO, any number of concurrent writers of disjoint regions. */
export const format: FormatModule = {
  async detect(path) {
    return startsWith(await headBytes(path, MAGIC.length), MAGIC);
  },
  async open(loc) {
    const { NpyFile } = await import("../npy.ts");
    const f = await NpyFile.open(loc.path);
    return { source: f, splittable: true, close: () => f.close() };
  },
  async create(loc, options) {
    const { createNpy } = await import("../npy.ts");
    const f = await createNpy(loc.path, { shape: [...options.shape], dtype: options.dtype });
    f.close();
    return { gridChunks: null };
  },
  async openWriter(loc) {
    const { NpyFile } = await import("../npy.ts");
    const f = await NpyFile.open(loc.path, { write: true });
    return { write: (r, b) => f.write(r, b), close: () => f.close() };
  },
  // the header only: `tessera info` of a .npy loads no array code
  async info(loc, text) {
    const { file, header: f } = await openNpyHeader(loc.path, false);
    file.close();
    return {
      locator: text,
      format: "npy",
      kind: "array",
      shape: f.shape,
      dtype: f.dtype,
      chunks: null,
      codec: "none",
      memoryBytes: memoryOf(f.shape, f.dtype),
      diskBytes: await diskSize(loc.path),
      attributes: {},
      extra: {
        version: f.version,
        fortranOrder: f.fortranOrder,
        bigEndian: f.bigEndian,
        dataOffset: f.dataOffset,
      },
    };
  },
};
