// io/codec.ts: every documented codec form parses to its spec and prints
// back; malformed forms are typed errors that quote the text.

import assert from "node:assert/strict";
import { type CodecSpec, formatCodec, parseCodec } from "../../io/codec.ts";
import { openZarr } from "../../io/zarr.ts";
import { H5File } from "../../io/hdf5.ts";
import { arange } from "../../core/ndarray.ts";
import { lazy } from "../../stream/mod.ts";
import { hasPython, pythonJson, tempDir } from "../_util.ts";

const FORMS: [string, CodecSpec, string][] = [
  ["none", { name: "none" }, "none"],
  ["raw", { name: "none" }, "none"],
  [" NONE ", { name: "none" }, "none"],
  ["gzip", { name: "gzip", level: null }, "gzip"],
  ["gzip:0", { name: "gzip", level: 0 }, "gzip:0"],
  ["gzip:9", { name: "gzip", level: 9 }, "gzip:9"],
  ["zlib", { name: "zlib", level: null }, "zlib"],
  ["zlib:3", { name: "zlib", level: 3 }, "zlib:3"],
  ["zstd", { name: "zstd", level: null }, "zstd"],
  ["zstd:22", { name: "zstd", level: 22 }, "zstd:22"],
  ["zstd:-5", { name: "zstd", level: -5 }, "zstd:-5"],
  ["lz4", { name: "lz4" }, "lz4"],
  ["blosc", { name: "blosc", cname: "lz4", clevel: 5, shuffle: "shuffle" }, "blosc:lz4:5"],
  ["blosc:zstd", { name: "blosc", cname: "zstd", clevel: 5, shuffle: "shuffle" }, "blosc:zstd:5"],
  ["blosc:zlib", { name: "blosc", cname: "zlib", clevel: 5, shuffle: "shuffle" }, "blosc:zlib:5"],
  ["blosc:zstd:5", {
    name: "blosc",
    cname: "zstd",
    clevel: 5,
    shuffle: "shuffle",
  }, "blosc:zstd:5"],
  ["blosc:lz4:5", { name: "blosc", cname: "lz4", clevel: 5, shuffle: "shuffle" }, "blosc:lz4:5"],
  ["blosc:lz4hc:9:noshuffle", {
    name: "blosc",
    cname: "lz4hc",
    clevel: 9,
    shuffle: "noshuffle",
  }, "blosc:lz4hc:9:noshuffle"],
  ["blosc:blosclz:1:2", {
    name: "blosc",
    cname: "blosclz",
    clevel: 1,
    shuffle: "bitshuffle",
  }, "blosc:blosclz:1:bitshuffle"],
  ["blosc:snappy:0:shuffle", {
    name: "blosc",
    cname: "snappy",
    clevel: 0,
    shuffle: "shuffle",
  }, "blosc:snappy:0"],
  ["Blosc:ZSTD:5", {
    name: "blosc",
    cname: "zstd",
    clevel: 5,
    shuffle: "shuffle",
  }, "blosc:zstd:5"],
  ["shuffle+gzip:4", { name: "gzip", level: 4, shuffle: true }, "shuffle+gzip:4"],
  [" Shuffle+GZIP ", { name: "gzip", level: null, shuffle: true }, "shuffle+gzip"],
  ["shuffle+zlib:1", { name: "zlib", level: 1, shuffle: true }, "shuffle+zlib:1"],
];

Deno.test("parseCodec() parses every documented form and formatCodec() prints it back", () => {
  for (const [text, spec, canonical] of FORMS) {
    assert.deepEqual(parseCodec(text), spec, text);
    assert.equal(formatCodec(spec), canonical, text);
    assert.deepEqual(parseCodec(formatCodec(spec)), spec, canonical);
  }
});

Deno.test("parseCodec() refuses malformed forms with typed errors that quote the text", () => {
  const bad: [unknown, ErrorConstructor, RegExp][] = [
    ["", TypeError, /Unknown codec ""/],
    ["rar", TypeError, /Unknown codec "rar": expected none, gzip\[:level\]/],
    ["snappy", TypeError, /Unknown codec "snappy"/],
    ["gzip:", SyntaxError, /Cannot parse codec "gzip:": parameter 1 is empty/],
    ["gzip:x", SyntaxError, /Cannot parse codec "gzip:x": level "x" is not an integer/],
    ["gzip:1.5", SyntaxError, /level "1\.5" is not an integer/],
    ["gzip:1:2", SyntaxError, /gzip takes at most 1 parameter, got 2/],
    ["gzip:10", RangeError, /Invalid codec "gzip:10": level 10 is out of range, expected 0\.\.9/],
    ["zlib:-1", RangeError, /Invalid codec "zlib:-1": level -1 is out of range/],
    ["zstd:23", RangeError, /Invalid codec "zstd:23"/],
    ["lz4:1", SyntaxError, /lz4 takes at most 0 parameters, got 1/],
    ["none:1", SyntaxError, /none takes at most 0 parameters/],
    ["blosc:rar", TypeError, /Invalid codec "blosc:rar": unknown blosc compressor "rar"/],
    ["blosc:zstd:x", SyntaxError, /clevel "x" is not an integer/],
    ["blosc:zstd:10", RangeError, /clevel 10 is out of range, expected 0\.\.9/],
    ["blosc::5", SyntaxError, /parameter 1 is empty/],
    ["blosc:lz4:5:sideways", TypeError, /unknown blosc shuffle "sideways"/],
    ["blosc:lz4:5:3", TypeError, /unknown blosc shuffle "3"/],
    ["blosc:lz4:5:1:1", SyntaxError, /blosc takes at most 3 parameters, got 4/],
    ["shuffle+zstd:3", TypeError, /"shuffle\+zstd:3": shuffle goes before gzip or zlib only/],
    ["shuffle+shuffle+gzip", TypeError, /shuffle goes before gzip or zlib only/],
    ["shuffle+", TypeError, /Unknown codec ""/],
    ["shuffle+gzip:10", RangeError, /level 10 is out of range/],
    [5, TypeError, /Invalid codec 5: expected a string/],
    [null, TypeError, /Invalid codec null/],
  ];
  for (const [text, kind, message] of bad) {
    assert.throws(() => parseCodec(text as string), (e: unknown) => {
      assert.ok(e instanceof kind, `${String(text)}: ${(e as Error)?.name}`);
      assert.match((e as Error).message, message);
      return true;
    });
  }
});

Deno.test("LazyArray.to() writes shuffle+gzip to HDF5 only; Zarr refuses it by name", async () => {
  await using dir = await tempDir();
  const a = arange(600, undefined, undefined, "int32").reshape([20, 30]);
  await lazy(a).to(`${dir.path}/x.h5:/x`, { codec: "shuffle+gzip:3", chunks: [10, 10] });
  using f = H5File.open(`${dir.path}/x.h5`);
  using ds = f.dataset("/x");
  assert.deepEqual([ds.info.shuffle, ds.info.compression, ds.info.compressionLevel], [
    true,
    "gzip",
    3,
  ]);
  assert.deepEqual(ds.info.filters.map((x) => x.name), ["shuffle", "gzip"]);
  assert.deepEqual((await ds.read()).toArray(), a.toArray());
  await assert.rejects(
    () => lazy(a).to(`${dir.path}/x.zarr`, { codec: "shuffle+gzip:3" }),
    (e: Error) =>
      e instanceof TypeError &&
      /zarr output takes no shuffle filter "shuffle\+gzip:3"/.test(e.message),
  );
  await assert.rejects(
    () => lazy(a).to(`${dir.path}/x.npy`, { codec: "shuffle+gzip:3" }),
    TypeError,
  );
});

const BLOSC = ["blosc:zstd:5", "blosc:lz4:5", "blosc:zlib", "blosc:lz4hc:3:bitshuffle"];

Deno.test("LazyArray.to() writes blosc codecs that zarr-python and openZarr() read back", async () => {
  await using dir = await tempDir();
  const a = arange(2000, undefined, undefined, "float32").reshape([40, 50]);
  for (const codec of BLOSC) {
    const path = `${dir.path}/${codec.replace(/:/g, "_")}.zarr`;
    await lazy(a).to(path, { codec, chunks: [16, 20] });
    const z = await openZarr(path);
    assert.equal(z.codec, formatCodec(parseCodec(codec)).split(":").slice(0, 3).join(":"));
    assert.deepEqual((await z.read()).toArray(), a.toArray(), codec);
    await z.close();
  }
  if (!hasPython("numpy", "zarr")) return;
  const got = await pythonJson<Record<string, [string, number, number, boolean]>>(
    `
import json, os, sys, numpy as np, zarr
want = np.arange(2000, dtype="<f4").reshape(40, 50)
out = {}
for name in sorted(os.listdir(sys.argv[1])):
    z = zarr.open(os.path.join(sys.argv[1], name), mode="r")
    c = z.compressor
    out[name] = [c.cname, c.clevel, c.shuffle, bool((z[:] == want).all())]
print(json.dumps(out))
`,
    dir.path,
  );
  assert.deepEqual(got, {
    "blosc_lz4_5.zarr": ["lz4", 5, 1, true],
    "blosc_lz4hc_3_bitshuffle.zarr": ["lz4hc", 3, 2, true],
    "blosc_zlib.zarr": ["zlib", 5, 1, true],
    "blosc_zstd_5.zarr": ["zstd", 5, 1, true],
  });
});
