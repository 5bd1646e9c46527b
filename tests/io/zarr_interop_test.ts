// Interop with zarr-python 2.13 (Debian): it reads every v2 array we write,
// we read what it writes. zarr 2.13 cannot read Zarr v3 (its experimental v3
// is an older draft), so our v3 output is checked by a plain numpy decoder of
// the v3 spec (zarr.json + chunk files) instead.

import assert from "node:assert/strict";
import { arange, type NDArray } from "../../core/ndarray.ts";
import { readNpy, writeNpy } from "../../io/npy.ts";
import { createZarr, listZarr, openZarr } from "../../io/zarr.ts";
import { hasPython, pythonJson, tempDir } from "../_util.ts";

const ok = hasPython("zarr", "numpy");

function values(shape: number[], dtype: string): NDArray {
  const n = shape.reduce((a, b) => a * b, 1);
  return arange(0, n, 1, "float64").mul(1.25).sub(n / 3).reshape(shape).astype(
    dtype as "float64",
  );
}

Deno.test({
  name: "createZarr() v2 output reads in zarr-python with identical values",
  ignore: !ok,
  fn: async () => {
    await using dir = await tempDir();
    const store = `${dir.path}/ours.zarr`;
    const codecs = ["none", "gzip:1", "zlib:5", "zstd:3", "lz4", "blosc", "blosc:zstd:2"];
    const dtypes = ["float32", "float64", "int16", "uint8", "int64", "bool", ">f8", ">i4"];
    const names: string[] = [];
    for (const codec of codecs) {
      for (const dtype of dtypes) {
        const name = `${codec}_${dtype}`.replace(/[:>]/g, "_");
        const z = await createZarr(`${store}:/g/${name}`, {
          shape: [9, 5],
          dtype,
          chunks: [4, 2],
          codec,
          fillValue: 3,
          attributes: { codec, dtype },
        });
        const a = values([9, 5], z.dtype);
        // leave chunk (2, *) unwritten: zarr-python must see the fill value there
        await z.write("0:8, :", a.slice("0:8"));
        await writeNpy(`${dir.path}/${name}.npy`, a);
        names.push(name);
      }
    }
    const result = await pythonJson<Record<string, unknown>>(
      `
import json, sys, numpy as np, zarr
store, d, names = sys.argv[1], sys.argv[2], sys.argv[3].split(",")
root = zarr.open_group(store, mode="r")
out = {}
for n in names:
    z = root["g"][n]
    a = z[...]
    e = np.load(f"{d}/{n}.npy").astype(a.dtype)
    e[8:] = 3
    out[n] = [bool(np.array_equal(a, e)), a.dtype.str, z.attrs["codec"], type(z.compressor).__name__]
print(json.dumps(out))
`,
      store,
      dir.path,
      names.join(","),
    );
    for (const name of names) {
      const [equal, descr, codec, compressor] = result[name] as [boolean, string, string, string];
      assert.equal(equal, true, `${name} values differ in zarr-python`);
      assert.ok(name.includes(codec.replace(/:/g, "_")), name);
      assert.equal(descr.startsWith(">"), name.includes("__"), `${name} byte order ${descr}`);
      const want = codec === "none" ? "NoneType" : {
        gzip: "GZip",
        zlib: "Zlib",
        zstd: "Zstd",
        lz4: "LZ4",
        blosc: "Blosc",
      }[codec.split(":")[0]];
      assert.equal(compressor, want, name);
    }
  },
});

Deno.test({
  name: "openZarr() reads what zarr-python writes with identical values",
  ignore: !ok,
  fn: async () => {
    await using dir = await tempDir();
    const store = `${dir.path}/py.zarr`;
    const made = await pythonJson<string[]>(
      `
import json, sys, numpy as np, zarr, numcodecs
store, d = sys.argv[1], sys.argv[2]
root = zarr.open_group(store, mode="w")
root.attrs["who"] = "zarr-python"
rng = np.random.default_rng(5)
specs = {
  "default": dict(dtype="<f4"),
  "zlib": dict(dtype="<i4", compressor=numcodecs.Zlib(2)),
  "gzip": dict(dtype="<f8", compressor=numcodecs.GZip(1)),
  "lz4": dict(dtype="<u2", compressor=numcodecs.LZ4()),
  "zstd": dict(dtype="<i8", compressor=numcodecs.Zstd(1)),
  "forder_be": dict(dtype=">f8", order="F", compressor=numcodecs.Blosc("zstd", 1, 2)),
  "be_u4": dict(dtype=">u4"),
  "bool": dict(dtype="|b1"),
}
names = []
for name, kw in specs.items():
    a = (rng.standard_normal((17, 11)) * 1000).astype(kw["dtype"])
    z = root.require_group("sub").create_dataset(name, shape=a.shape, chunks=(5, 4), fill_value=2, **kw)
    z[:15] = a[:15]
    a[15:] = 2
    np.save(f"{d}/{name}.npy", a.astype(a.dtype.newbyteorder("=")))
    names.append(name)
zarr.consolidate_metadata(store)
print(json.dumps(names))
`,
      store,
      dir.path,
    );
    assert.equal(made.length, 8);
    for (const name of made) {
      const z = await openZarr(`${store}:/sub/${name}`);
      const want = await readNpy(`${dir.path}/${name}.npy`);
      const got = await z.read();
      assert.equal(got.dtype, want.dtype, name);
      assert.deepEqual(got.toArray(), want.toArray(), name);
      // a stepped region matches numpy's slicing
      assert.deepEqual(
        (await z.read("1:16:4, 0:11:3")).toArray(),
        want.slice("1:16:4", "0:11:3").toArray(),
        name,
      );
    }
    const nodes = await listZarr(store);
    assert.deepEqual(nodes[0].attributes, { who: "zarr-python" });
    assert.equal(nodes.filter((n) => n.kind === "array").length, 8);
    assert.equal((await openZarr(`${store}:/sub/forder_be`)).order, "F");
  },
});

Deno.test({
  name: "createZarr() v3 output matches the v3 spec as decoded by numpy",
  ignore: !ok,
  fn: async () => {
    await using dir = await tempDir();
    const store = `${dir.path}/v3.zarr`;
    const cases = [
      ["none", "float32"],
      ["gzip:4", "int16"],
      ["zstd:1", "float64"],
      ["none", ">i8"],
    ] as const;
    const names: string[] = [];
    for (const [codec, dtype] of cases) {
      const name = `${codec}_${dtype}`.replace(/[:>]/g, "_");
      const z = await createZarr(`${store}:/${name}`, {
        shape: [7, 6],
        dtype,
        chunks: [3, 4],
        codec,
        zarrFormat: 3,
        fillValue: -1,
      });
      const a = values([7, 6], z.dtype);
      await z.write("0:6, :", a.slice("0:6"));
      await writeNpy(`${dir.path}/${name}.npy`, a);
      names.push(name);
    }
    // an independent reader of the v3 spec: regular grid, default key encoding,
    // bytes codec with its endianness, then gzip / zstd, edge chunks padded
    const result = await pythonJson<Record<string, boolean>>(
      `
import json, os, sys, gzip, numpy as np
store, d, names = sys.argv[1], sys.argv[2], sys.argv[3].split(",")
out = {}
for n in names:
    meta = json.load(open(f"{store}/{n}/zarr.json"))
    assert meta["zarr_format"] == 3 and meta["node_type"] == "array"
    shape, chunks = meta["shape"], meta["chunk_grid"]["configuration"]["chunk_shape"]
    sep = meta["chunk_key_encoding"]["configuration"]["separator"]
    codecs = meta["codecs"]
    assert codecs[0]["name"] == "bytes"
    dt = np.dtype(meta["data_type"]).newbyteorder("<" if codecs[0]["configuration"]["endian"] == "little" else ">")
    a = np.full(shape, meta["fill_value"], dtype=dt)
    for i in range(-(-shape[0] // chunks[0])):
        for j in range(-(-shape[1] // chunks[1])):
            p = f"{store}/{n}/" + sep.join(["c", str(i), str(j)])
            if not os.path.exists(p):
                continue
            b = open(p, "rb").read()
            for c in codecs[1:]:
                if c["name"] == "gzip":
                    b = gzip.decompress(b)
                elif c["name"] == "zstd":
                    import numcodecs
                    b = numcodecs.Zstd().decode(b)
            ch = np.frombuffer(b, dtype=dt).reshape(chunks)
            r0, c0 = i * chunks[0], j * chunks[1]
            blk = a[r0:r0 + chunks[0], c0:c0 + chunks[1]]
            blk[...] = ch[:blk.shape[0], :blk.shape[1]]
    e = np.load(f"{d}/{n}.npy")
    e[6:] = -1
    out[n] = bool(np.array_equal(a.astype(e.dtype), e)) and not os.path.exists(f"{store}/{n}/c/2/0")
print(json.dumps(out))
`,
      store,
      dir.path,
      names.join(","),
    );
    assert.deepEqual(result, Object.fromEntries(names.map((n) => [n, true])));
  },
});
