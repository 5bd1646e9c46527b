// The numcodecs codecs beyond the common compressors: BZ2 and LZMA (through
// Debian's libbz2 and liblzma), the FixedScaleOffset and Quantize filters,
// on arrays zarr-python 2.13 writes; values must equal zarr-python's own read.

import assert from "node:assert/strict";
import { FormatError } from "../../core/errors.ts";
import { readNpy } from "../../io/npy.ts";
import { openZarr } from "../../io/zarr.ts";
import { open } from "../../stream/mod.ts";
import { CodecError } from "../../io/_native_codecs.ts";
import { bz2Decode, bz2Encode, lzmaDecode, lzmaEncode } from "../../io/_bz2_lzma.ts";
import { hasPython, pythonJson, tempDir } from "../_util.ts";

const ok = hasPython("zarr", "numpy", "numcodecs");

const CASES: Record<string, string> = {
  "bz2_f8": `dict(dtype="f8", compressor=nc.BZ2(level=9))`,
  "bz2_i4": `dict(dtype="i4", compressor=nc.BZ2(level=1))`,
  "lzma_f4": `dict(dtype="f4", compressor=nc.LZMA())`,
  "lzma_u2_preset1": `dict(dtype="u2", compressor=nc.LZMA(preset=1))`,
  "fso_i2":
    `dict(dtype="f8", filters=[nc.FixedScaleOffset(offset=-3, scale=100, dtype="f8", astype="i2")], compressor=nc.Zlib(1))`,
  "fso_u1":
    `dict(dtype="f4", filters=[nc.FixedScaleOffset(offset=-8, scale=10, dtype="f4", astype="u1")])`,
  "fso_bz2":
    `dict(dtype="f8", filters=[nc.FixedScaleOffset(offset=0, scale=1000, dtype="f8", astype="i4")], compressor=nc.BZ2())`,
  "quantize_f4":
    `dict(dtype="f4", filters=[nc.Quantize(digits=2, dtype="f4")], compressor=nc.LZMA())`,
  "quantize_f8":
    `dict(dtype="f8", filters=[nc.Quantize(digits=4, dtype="f8")], compressor=nc.Blosc())`,
  "delta_lzma": `dict(dtype="i8", filters=[nc.Delta(dtype="i8")], compressor=nc.LZMA())`,
};

Deno.test({
  name:
    "zarr-python arrays with BZ2, LZMA, FixedScaleOffset and Quantize read as zarr-python reads them",
  ignore: !ok,
  fn: async () => {
    await using dir = await tempDir();
    const d = dir.path;
    const script = `
import json, sys, numpy as np, zarr, numcodecs as nc
d = sys.argv[1]
cases = {${Object.entries(CASES).map(([k, v]) => `"${k}": ${v}`).join(", ")}}
out = {}
for name, kw in cases.items():
    dt = np.dtype(kw["dtype"])
    x = np.linspace(-7.5, 11.25, 37 * 23).reshape(37, 23)
    if dt.kind in "iu":
        x = np.round(x * 3).astype(np.int64) % 200
    x = x.astype(dt)
    z = zarr.open(f"{d}/{name}.zarr", mode="w", shape=x.shape, chunks=(10, 7), fill_value=0, **kw)
    z[:] = x
    got = zarr.open(f"{d}/{name}.zarr", mode="r")[...]
    np.save(f"{d}/{name}.npy", got)
    out[name] = float(got.astype("f8").sum())
print(json.dumps(out))
`;
    const sums = await pythonJson<Record<string, number>>(script, d);
    for (const name of Object.keys(CASES)) {
      const want = await readNpy(`${d}/${name}.npy`);
      const z = await openZarr(`${d}/${name}.zarr`);
      assert.equal(z.dtype, want.dtype, name);
      assert.deepEqual((await z.read()).data, want.data, `${name}: openZarr().read()`);
      // a region across chunk edges, and the decode workers (forced)
      const w = await openZarr(`${d}/${name}.zarr`, { workers: 2 });
      const part = await w.read("3:31:2, 5:20");
      assert.deepEqual(part.data, want.slice("3:31:2, 5:20").copy().data, `${name}: workers`);
      await w.close();
      await z.close();
      const s = await (await open(`${d}/${name}.zarr`)).astype("float64").sum().compute();
      assert.ok(Math.abs(Number(s) - sums[name]) <= 1e-9 * Math.abs(sums[name]), name);
    }
  },
});

Deno.test({
  name: "a corrupt or truncated BZ2 / LZMA chunk is a FormatError naming the store and chunk",
  ignore: !ok,
  fn: async () => {
    await using dir = await tempDir();
    const d = dir.path;
    await pythonJson(
      `
import json, sys, numpy as np, zarr, numcodecs as nc
d = sys.argv[1]
for name, c in [("b", nc.BZ2()), ("l", nc.LZMA())]:
    z = zarr.open(f"{d}/{name}.zarr", mode="w", shape=(64,), chunks=(32,), dtype="f8", compressor=c)
    z[:] = np.arange(64.0)
print(json.dumps(0))
`,
      d,
    );
    for (const name of ["b", "l"]) {
      const chunk = `${d}/${name}.zarr/1`;
      const bytes = await Deno.readFile(chunk);
      for (
        const bad of [
          bytes.slice(0, bytes.length >> 1),
          bytes.map((b, i) => i > 20 ? b ^ 0x5a : b),
        ]
      ) {
        await Deno.writeFile(chunk, bad);
        const z = await openZarr(`${d}/${name}.zarr`);
        const e = await z.read().then(() => null, (x) => x);
        assert.ok(e instanceof FormatError, `${name}: ${e}`);
        assert.match(e.message, new RegExp(`${name}\\.zarr`));
        assert.match(e.message, /chunk/);
        // the first chunk is intact
        assert.deepEqual([...(await z.read("0:32")).data].slice(0, 3), [0, 1, 2]);
        await z.close();
      }
    }
  },
});

Deno.test("bz2 and lzma encode and decode round-trip; bad data is a CodecError; bad levels a RangeError", () => {
  const src = new Uint8Array(100_000).map((_, i) => (i * 7919) % 251 & (i % 3 ? 0xff : 0x0f));
  for (const level of [1, 9]) {
    const enc = bz2Encode(src, level);
    assert.deepEqual(bz2Decode(enc, src.length), src);
    assert.deepEqual(bz2Decode(enc), src); // unknown size: the output grows
  }
  for (const preset of [0, 6]) {
    const enc = lzmaEncode(src, preset);
    assert.deepEqual(lzmaDecode(enc, src.length), src);
    assert.deepEqual(lzmaDecode(enc), src);
  }
  const b = bz2Encode(src, 5);
  const l = lzmaEncode(src, 1);
  assert.throws(() => bz2Decode(b.slice(0, b.length - 9), src.length), CodecError);
  assert.throws(() => bz2Decode(b, src.length - 1), CodecError);
  assert.throws(() => bz2Decode(new Uint8Array([1, 2, 3, 4])), CodecError);
  assert.throws(() => lzmaDecode(l.slice(0, l.length - 9), src.length), CodecError);
  assert.throws(() => lzmaDecode(l, src.length - 1), CodecError);
  assert.throws(() => lzmaDecode(new Uint8Array([1, 2, 3, 4])), /not \.xz data/);
  assert.throws(() => bz2Encode(src, 0), RangeError);
  assert.throws(() => bz2Encode(src, 2.5), RangeError);
  assert.throws(() => lzmaEncode(src, 10), RangeError);
});

Deno.test({
  name: "Zarr output with --codec bz2:N reads in zarr-python with the same values",
  ignore: !ok,
  fn: async () => {
    await using dir = await tempDir();
    const d = dir.path;
    const { random } = await import("../../stream/mod.ts");
    await random([300, 70], { seed: 4 }).to(`${d}/x.npy`);
    await (await open(`${d}/x.npy`)).to(`${d}/b.zarr`, { codec: "bz2:3", chunks: [64, 70] });
    const r = await pythonJson<[string, boolean]>(
      `
import json, sys, numpy as np, zarr
z = zarr.open(sys.argv[1] + "/b.zarr", mode="r")
print(json.dumps([repr(z.compressor), bool(np.array_equal(z[...], np.load(sys.argv[1] + "/x.npy")))]))
`,
      d,
    );
    assert.deepEqual(r, ["BZ2(level=3)", true]);
    const { parseCodec } = await import("../../io/codec.ts");
    assert.deepEqual(parseCodec("bz2"), { name: "bz2", level: null });
    assert.deepEqual(parseCodec("BZ2:9"), { name: "bz2", level: 9 });
    assert.throws(() => parseCodec("bz2:0"), RangeError);
    assert.throws(() => parseCodec("shuffle+bz2"), TypeError);
  },
});
