// Direct chunk reads of gzip / shuffle HDF5 (io/_hdf5_direct.ts): datasets
// written by h5py (many shapes, chunkings, dtypes, edge chunks, shuffle on
// and off, gzip levels, partly written with fill values) read by Tessera in
// this thread and on the decode workers give h5py's values bit for bit; other
// pipelines (fletcher32, big-endian storage) keep the H5Dread path.

import assert from "node:assert/strict";
import { DTYPES } from "../../core/dtype.ts";
import { empty, type NDArray } from "../../core/ndarray.ts";
import { H5File } from "../../io/hdf5.ts";
import { chunkParts } from "../../io/_hdf5_direct.ts";
import { hasPython, runCli, runPython, tempDir } from "../_util.ts";

const H5PY = hasPython("h5py", "numpy");

// Each case: a dataset in data.h5 and, for each selection, h5py's result in
// expect.h5 (uncompressed, contiguous) under `<name>/<i>`.
const SCRIPT = String.raw`
import sys, json, h5py, numpy as np
d = sys.argv[1]
rng = np.random.default_rng(7)
cases = []
def add(name, shape, chunks, dtype, shuffle, level, fill=None, write=None, sels=None, **kw):
    cases.append(dict(name=name, shape=shape, chunks=chunks, dtype=dtype, shuffle=shuffle,
                      level=level, fill=fill, write=write, sels=sels or [], kw=kw))
for dt in ["f4", "f8", "i1", "i2", "u2", "i4", "u4", "i8", "u8"]:
    add("all_" + dt, (37, 45), (8, 10), dt, True, 4,
        sels=["::", "3:30:4,1::7", "36,44", "0:8,0:10", "5:6,:", ":,44"])
    add("noshuf_" + dt, (37, 45), (8, 10), dt, False, 1, sels=["::", "1::3,2:40:5"])
add("one_d", (1000,), (64,), "f4", True, 9, sels=["::", "63:65", "999", "::97"])
add("three_d", (5, 6, 7), (2, 4, 3), "f8", True, 6, sels=["::", "1:5:2,::5,2:7", "4,5,6"])
add("whole_chunk", (100,), (100,), "i4", True, 1, sels=["::", "10:20"])
add("tiny_chunks", (9, 7), (1, 1), "u2", True, 5, sels=["::", "::2,::3"])
add("big_chunk", (3, 4), (3, 4), "f4", True, 1, sels=["::", "1:3,1:2"], maxshape=(None, None))
add("level0", (30, 30), (7, 9), "f4", True, 0, sels=["::"])
add("partial", (37, 45), (8, 10), "f4", True, 4, fill=-7.5, write="partial",
    sels=["::", "20:37,30:45", "3:30:4,1::7"])
add("partial_int", (50,), (8,), "i8", False, 3, fill=-3, write="partial", sels=["::", "40:50"])
add("empty_default_fill", (20, 20), (8, 8), "f8", True, 4, write="none", sels=["::"])
add("partial_nofill", (20, 20), (8, 8), "i2", True, 4, write="partial", sels=["::"])
add("fletcher", (37, 45), (8, 10), "f4", True, 4, sels=["::", "3:30:4,1::7"], fletcher32=True)
add("bigendian", (37, 45), (8, 10), ">f4", True, 4, sels=["::", "3:30:4,1::7"])
def values(shape, dtype):
    dt = np.dtype(dtype)
    if dt.kind == "f":
        v = rng.standard_normal(shape) * 1e3
        v.flat[::13] = np.nan if v.size > 13 else v.flat[::13]
        return v.astype(dt)
    info = np.iinfo(dt)
    return rng.integers(info.min, info.max, size=shape, dtype=dt, endpoint=True)
def parse(s, ndim):
    out = []
    for p in s.split(","):
        if ":" in p:
            out.append(slice(*[int(x) if x else None for x in p.split(":")]))
        else:
            out.append(int(p))
    return tuple(out)
with h5py.File(d + "/data.h5", "w") as f, h5py.File(d + "/expect.h5", "w") as e:
    for c in cases:
        ds = f.create_dataset(c["name"], shape=c["shape"], chunks=c["chunks"], dtype=c["dtype"],
                              compression="gzip", compression_opts=c["level"],
                              shuffle=c["shuffle"], fillvalue=c["fill"], **c["kw"])
        v = values(c["shape"], c["dtype"])
        if c["write"] is None:
            ds[...] = v
        elif c["write"] == "partial":
            sl = tuple(slice(0, max(1, n // 2)) for n in c["shape"])
            ds[sl] = v[sl]
    f.flush()
    for c in cases:
        ds = f[c["name"]]
        for i, s in enumerate(c["sels"]):
            a = np.asarray(ds[parse(s, ds.ndim)] if s != "::" else ds[...])
            e.create_dataset(c["name"] + "/" + str(i), data=a.astype(a.dtype.newbyteorder("=")))
print(json.dumps([[c["name"], c["sels"]] for c in cases]))
`;

function bytes(a: NDArray): Uint8Array {
  const t = a.toTypedArray();
  return new Uint8Array(t.buffer, t.byteOffset, t.byteLength);
}

Deno.test({
  name: "hdf5 direct: gzip/shuffle datasets read as h5py reads them, bit for bit",
  ignore: !H5PY,
  async fn() {
    await using dir = await tempDir();
    const cases = JSON.parse(await runPython(SCRIPT, dir.path)) as [string, string[]][];
    using f = H5File.open(`${dir.path}/data.h5`);
    using e = H5File.open(`${dir.path}/expect.h5`);
    for (const [name, sels] of cases) {
      using ds = f.dataset(`/${name}`);
      // the direct path is planned (its decoders counted) except where it must not be
      const direct = ds.cacheBytes > 2 ** 20;
      const expectDirect = name !== "fletcher" && name !== "bigendian";
      assert.equal(direct, expectDirect, `${name}: direct path ${direct}`);
      for (let i = 0; i < sels.length; i++) {
        const sel = sels[i] === "::" ? undefined : sels[i];
        using want = e.dataset(`/${name}/${i}`);
        const w = want.readSync();
        const a = ds.readSync(sel);
        const b = await ds.read(sel);
        const c = await ds.readIntoAsync(sel ?? ":", empty(a.shape, ds.dtype));
        for (const [how, got] of [["sync", a], ["async", b], ["into", c]] as const) {
          assert.equal(got.dtype, w.dtype.replace(/^>/, "") as typeof w.dtype, `${name}`);
          // integer indices keep their axis here (h5py drops it)
          assert.deepEqual(
            got.shape.filter((n, k) =>
              n !== 1 || w.shape.length === got.shape.length && w.shape[k] === 1
            ),
            w.shape.filter((n) => n !== 1 || w.shape.length === got.shape.length),
            `${name}[${sels[i]}] ${how}: shape`,
          );
          assert.deepEqual(bytes(got), bytes(w), `${name}[${sels[i]}] ${how}: values`);
        }
      }
    }
  },
});

Deno.test({
  name: "hdf5 direct: the same values with TESSERA_HDF5_DIRECT=0 (the H5Dread path)",
  ignore: !H5PY,
  async fn() {
    await using dir = await tempDir();
    await runPython(SCRIPT, dir.path);
    const reads = (): Uint8Array[] => {
      using f = H5File.open(`${dir.path}/data.h5`);
      return ["all_f4", "partial", "three_d", "partial_int"].map((n) => {
        using ds = f.dataset(`/${n}`);
        return bytes(ds.readSync(ds.ndim === 1 ? "1::3" : "1:, ::2"));
      });
    };
    const direct = reads();
    Deno.env.set("TESSERA_HDF5_DIRECT", "0");
    try {
      assert.deepEqual(reads(), direct);
    } finally {
      Deno.env.delete("TESSERA_HDF5_DIRECT");
    }
  },
});

Deno.test("hdf5 direct: chunkParts covers a strided region once, chunk by chunk", () => {
  const r = { start: [3, 1], step: [4, 7], count: [7, 7] };
  const parts = chunkParts(r, [8, 10]);
  const seen = new Set<string>();
  for (const p of parts) {
    for (let i = 0; i < p.counts[0]; i++) {
      for (let j = 0; j < p.counts[1]; j++) {
        const gi = p.origin[0] + p.local[0] + i * 4, gj = p.origin[1] + p.local[1] + j * 7;
        assert.ok(p.local[0] + i * 4 < 8 && p.local[1] + j * 7 < 10);
        assert.equal(gi, 3 + (p.at[0] + i) * 4);
        assert.equal(gj, 1 + (p.at[1] + j) * 7);
        seen.add(`${p.at[0] + i},${p.at[1] + j}`);
      }
    }
  }
  assert.equal(seen.size, 49);
  assert.equal(parts.reduce((a, p) => a + p.counts[0] * p.counts[1], 0), 49);
  assert.equal(DTYPES.float32.bytes, 4);
});

Deno.test({
  name:
    "hdf5 direct: `tessera reduce` over gzip+shuffle HDF5 gives the H5Dread path's bits and NumPy's sums",
  ignore: !H5PY,
  async fn() {
    await using dir = await tempDir();
    const want = JSON.parse(
      await runPython(
        String.raw`
import sys, json, h5py, numpy as np
a = (np.random.default_rng(3).standard_normal((300, 170)) * 10).astype("f4")
with h5py.File(sys.argv[1] + "/r.h5", "w") as f:
    f.create_dataset("d", data=a, chunks=(32, 50), compression="gzip", shuffle=True)
print(json.dumps(a.astype("f8").sum(axis=0).tolist()))
`,
        dir.path,
      ),
    ) as number[];
    const args = ["reduce", "sum", `${dir.path}/r.h5:/d`, "--axis", "0", "--json", "-q"];
    const direct = await runCli(args);
    assert.equal(direct.code, 0, direct.stderr);
    Deno.env.set("TESSERA_HDF5_DIRECT", "0");
    let plain;
    try {
      plain = await runCli(args);
    } finally {
      Deno.env.delete("TESSERA_HDF5_DIRECT");
    }
    const got = JSON.parse(direct.stdout).value as number[];
    assert.deepEqual(got, JSON.parse(plain.stdout).value);
    got.forEach((v, i) => assert.ok(Math.abs(v - want[i]) <= 1e-3 * (1 + Math.abs(want[i]))));
  },
});
