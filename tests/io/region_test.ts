// Region handling of every format goes through the one indexer: malformed
// regions are a typed error naming the file and the field, never a
// whole-array read or header bytes returned as data (issue 11's bug list).

import assert from "node:assert/strict";
import { arange, type NDArray } from "../../core/ndarray.ts";
import { H5File } from "../../io/hdf5.ts";
import { NpyFile, writeNpy } from "../../io/npy.ts";
import type { ArraySink, ArraySource, RegionLike } from "../../io/region.ts";
import { createZarr } from "../../io/zarr.ts";
import { tempDir } from "../_util.ts";

/** Malformed regions, the error class and what the message must name. */
const BAD: [string, unknown, string, RegExp][] = [
  ["{start, stop}", { start: [0, 0], stop: [2, 2] }, "TypeError", /unknown key "stop"/],
  ["{}", {}, "TypeError", /missing "start"/],
  ["no count", { start: [0, 0] }, "TypeError", /missing "count"/],
  ["NaN step", { start: [0, 0], count: [2, 2], step: [NaN, 1] }, "RangeError", /step\[0\] NaN/],
  [
    "fractional step",
    { start: [0, 0], count: [2, 2], step: [0.5, 1] },
    "RangeError",
    /step\[0\] 0\.5/,
  ],
  ["short step", { start: [0, 0], count: [2, 2], step: [1] }, "RangeError", /step has 1 axes/],
  ["fractional start", { start: [0.5, 0], count: [2, 2] }, "RangeError", /start\[0\] 0\.5/],
  ["index list", [[0, 2]], "TypeError", /Integer index arrays are not supported by a region/],
  ["mask", [[true, false, true, false, true, false]], "TypeError", /Boolean masks/],
];

async function checkSource(src: ArraySource & Partial<ArraySink>, what: string): Promise<void> {
  const want = arange(6 * 5, undefined, undefined, "int32").reshape([6, 5]);
  // a good region still reads exactly what the slice is
  const good = await src.read({ start: [1, 0], step: [2, 3], count: [3, 2] });
  assert.deepEqual(good.toArray(), want.slice("1::2", "0::3").toArray(), what);
  for (const [name, region, error, field] of BAD) {
    await assert.rejects(
      () => src.read(region as RegionLike),
      (e: Error) => {
        assert.equal(e.name, error, `${what} ${name}: ${e.message}`);
        assert.match(e.message, field, `${what} ${name}`);
        assert.ok(e.message.includes(src.locator), `${what} ${name} names the file: ${e.message}`);
        return true;
      },
    );
    if (src.write) {
      await assert.rejects(
        () => src.write!(region as RegionLike, arange(4, undefined, undefined, "int32") as NDArray),
        (e: Error) => e.name === error && field.test(e.message),
        `${what} write ${name}`,
      );
    }
  }
}

Deno.test("NpyFile.read() and write() refuse malformed regions with a typed error", async () => {
  await using dir = await tempDir();
  const path = `${dir.path}/a.npy`;
  await writeNpy(path, arange(30, undefined, undefined, "int32").reshape([6, 5]));
  await using f = await NpyFile.open(path, { write: true });
  await checkSource(f, ".npy");
});

Deno.test("H5Dataset.read() refuses malformed regions with a typed error", async () => {
  await using dir = await tempDir();
  const file = `${dir.path}/a.h5`;
  const data = arange(30, undefined, undefined, "int32").reshape([6, 5]);
  {
    using f = H5File.open(file, { mode: "w" });
    f.createDataset("/c", { shape: [6, 5], dtype: "int32", chunks: [4, 2], data }).close();
    f.createDataset("/n", { shape: [6, 5], dtype: "int32", data }).close();
  }
  using f = H5File.open(file);
  for (const name of ["/c", "/n"]) {
    using ds = f.dataset(name);
    await checkSource(ds, `HDF5 ${name}`);
  }
});

Deno.test("ZarrArray.read() and write() refuse malformed regions with a typed error", async () => {
  await using dir = await tempDir();
  const z = await createZarr(`${dir.path}/a.zarr`, {
    shape: [6, 5],
    dtype: "int32",
    chunks: [4, 2],
  });
  await z.write(undefined, arange(30, undefined, undefined, "int32").reshape([6, 5]));
  await checkSource(z, "Zarr");
});
