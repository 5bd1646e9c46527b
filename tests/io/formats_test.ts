// io/formats.ts: the registry's detect, open, create/openWriter/finish and
// info for every format, and detection by contents.

import assert from "node:assert/strict";
import { arange } from "../../core/ndarray.ts";
import { parseCodec } from "../../io/codec.ts";
import { detectFormat, formatOf, FORMATS } from "../../io/formats.ts";
import type { Format } from "../../io/locator.ts";
import { writeArrow } from "../../io/arrow.ts";
import { H5File } from "../../io/hdf5.ts";
import { writeNpy } from "../../io/npy.ts";
import { createZarr } from "../../io/zarr.ts";
import { tempDir } from "../_util.ts";

const A = arange(12, undefined, undefined, "int32").reshape([3, 4]);

/** One file per format, holding A (Arrow: its 2-D form, one column per column). */
async function samples(dir: string): Promise<Record<Format, { file: string; locator: string }>> {
  await writeNpy(`${dir}/a.npy`, A);
  using f = H5File.open(`${dir}/a.h5`, { mode: "w" });
  f.createDataset("/g/a", { shape: [3, 4], dtype: "int32", data: A }).close();
  const z = await createZarr(`${dir}/a.zarr:/g/a`, {
    shape: [3, 4],
    dtype: "int32",
    chunks: [2, 2],
  });
  await z.write(undefined, A);
  await z.close();
  await writeArrow(`${dir}/a.arrow`, A);
  await Deno.writeFile(`${dir}/a.nc`, classicNetcdf());
  return {
    npy: { file: `${dir}/a.npy`, locator: `${dir}/a.npy` },
    hdf5: { file: `${dir}/a.h5`, locator: `${dir}/a.h5:/g/a` },
    zarr: { file: `${dir}/a.zarr`, locator: `${dir}/a.zarr:/g/a` },
    arrow: { file: `${dir}/a.arrow`, locator: `${dir}/a.arrow` },
    netcdf3: { file: `${dir}/a.nc`, locator: `${dir}/a.nc:/a` },
  };
}

/** A netCDF-3 classic file holding A as `int a(y, x)`, byte by byte. */
function classicNetcdf(): Uint8Array {
  const be = (n: number): number[] => [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255];
  const name = (c: string): number[] => [...be(1), c.charCodeAt(0), 0, 0, 0];
  return new Uint8Array([
    ...[0x43, 0x44, 0x46, 1],
    ...be(0), // magic, numrecs
    ...be(10),
    ...be(2),
    ...name("y"),
    ...be(3),
    ...name("x"),
    ...be(4), // dimensions
    ...be(0),
    ...be(0), // no global attributes
    ...be(11),
    ...be(1),
    ...name("a"),
    ...be(2),
    ...be(0),
    ...be(1), // variable a(y, x)
    ...be(0),
    ...be(0),
    ...be(4),
    ...be(48),
    ...be(96), // no attributes, int, vsize, begin
    ...(A.toArray() as number[][]).flat().flatMap(be),
  ]);
}

Deno.test("FORMATS lists every format with its extensions and codecs", () => {
  assert.deepEqual(Object.keys(FORMATS).sort(), ["arrow", "hdf5", "netcdf3", "npy", "zarr"]);
  assert.deepEqual(FORMATS.netcdf3.codecs, []); // read-only
  assert.deepEqual(FORMATS.hdf5.codecs, ["none", "gzip", "lz4", "bz2"]);
  assert.deepEqual(FORMATS.zarr.codecs, ["none", "gzip", "zlib", "zstd", "lz4", "blosc", "bz2"]);
  assert.equal(FORMATS.hdf5.serialWrites, true);
  assert.equal(FORMATS.arrow.staged, true);
  assert.equal(formatOf("x.feather").name, "arrow");
  assert.equal(formatOf("x.nc:/t").name, "hdf5");
  assert.equal(formatOf({ path: "s", format: "zarr", object: null }).name, "zarr");
  assert.throws(() => formatOf("x.txt"), SyntaxError);
});

Deno.test("FormatEntry detect(), open() and info() work for every format", async () => {
  await using dir = await tempDir();
  const s = await samples(dir.path);
  for (const name of Object.keys(FORMATS) as Format[]) {
    const entry = FORMATS[name];
    // detect: its own file only
    for (const other of Object.keys(FORMATS) as Format[]) {
      assert.equal(await entry.detect(s[other].file), other === name, `${name} on ${other}`);
    }
    assert.equal(await entry.detect(`${dir.path}/missing`), false);
    assert.equal(await detectFormat(s[name].file), name);
    // open
    const o = await entry.open(s[name].locator);
    try {
      assert.deepEqual(o.source.shape, [3, 4], name);
      assert.deepEqual((await o.source.read("1:3, ::2")).toArray(), [[4, 6], [8, 10]], name);
      assert.equal(typeof o.splittable, "boolean");
    } finally {
      await o.close();
    }
    // info
    const info = await entry.info(s[name].locator);
    assert.equal(info.kind, "array", name);
    if (info.kind === "array") {
      assert.deepEqual([info.format, info.shape, info.dtype], [name, [3, 4], "int32"]);
      assert.equal(info.memoryBytes, 48);
      assert.ok(info.diskBytes > 0);
    }
  }
  assert.equal(await detectFormat(`${dir.path}`), null);
  // a whole file or store is a tree
  const tree = await FORMATS.hdf5.info(s.hdf5.file);
  assert.equal(tree.kind, "tree");
  if (tree.kind === "tree") assert.deepEqual(tree.nodes.map((n) => n.path), ["/", "/g", "/g/a"]);
  const ztree = await FORMATS.zarr.info(s.zarr.file);
  if (ztree.kind !== "tree") throw new Error("expected a tree");
  assert.deepEqual(ztree.nodes.map((n) => [n.path, n.kind]), [
    ["/", "group"],
    ["/g", "group"],
    ["/g/a", "array"],
  ]);
});

Deno.test("FormatEntry create(), openWriter() and finish() write every format", async () => {
  await using dir = await tempDir();
  for (const name of Object.keys(FORMATS) as Format[]) {
    if (name === "netcdf3") continue; // read-only: refused below
    const entry = FORMATS[name];
    const ext = entry.extensions[0];
    const object = name === "hdf5" || name === "zarr" ? "/x" : name === "arrow" ? "v" : null;
    const loc = { path: `${dir.path}/w${ext}`, format: name, object };
    const codec = parseCodec(
      name === "zarr" ? "blosc:zstd:3" : name === "hdf5" ? "gzip:2" : "none",
    );
    const created = await entry.create(loc, { shape: [6], dtype: "float32", codec });
    assert.deepEqual(created.gridChunks, name === "zarr" ? [6] : null, name);
    const w = await entry.openWriter(loc);
    await w.write(
      { start: [0], step: [1], count: [6] },
      arange(6, undefined, undefined, "float32"),
    );
    await w.close();
    await entry.finish(loc, loc);
    const back = await entry.open(loc);
    try {
      assert.deepEqual((await back.source.read()).toArray(), [0, 1, 2, 3, 4, 5], name);
    } finally {
      await back.close();
    }
    const info = await entry.info(loc);
    if (info.kind !== "array") throw new Error("expected an array");
    const codecs: Record<Format, string> = {
      npy: "none",
      hdf5: "gzip:2",
      zarr: "blosc:zstd:3",
      arrow: "none",
      netcdf3: "none",
    };
    assert.equal(info.codec, codecs[name], name);
  }
  // what a format does not write is refused before anything is created
  await assert.rejects(
    () =>
      FORMATS.hdf5.create({ path: `${dir.path}/bad.h5`, format: "hdf5", object: "/x" }, {
        shape: [2],
        dtype: "int8",
        codec: parseCodec("zstd"),
      }),
    TypeError,
  );
  await assert.rejects(
    () =>
      FORMATS.arrow.create({ path: `${dir.path}/bad.arrow`, format: "arrow", object: null }, {
        shape: [2, 2, 2],
        dtype: "int8",
      }),
    RangeError,
  );
  await assert.rejects(
    () =>
      FORMATS.netcdf3.create({ path: `${dir.path}/bad.nc`, format: "netcdf3", object: "/x" }, {
        shape: [2],
        dtype: "int8",
      }),
    /netCDF-3 output is not supported/,
  );
  assert.deepEqual(
    [...Deno.readDirSync(dir.path)].map((e) => e.name).filter((n) => n.startsWith("bad")),
    [],
  );
});
