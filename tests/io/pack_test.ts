// Packing on write and HDF5 output filters (issue 12): `--pack` / `pack:
// true` writes CF-decoded values back in the source's stored type with its
// scale_factor/add_offset/_FillValue, as xarray's encoding does, and HDF5
// output takes shuffle + gzip and, by default, the chunking and compression
// of a netCDF-4/HDF5 source. Checked with h5py, xarray, zarr-python and ncdump
// on examples/t2m.cdl made with ncgen.

import assert from "node:assert/strict";
import {
  hasCommand,
  hasPython,
  ncdump,
  ncgenT2m,
  pythonJson,
  runCli,
  tempDir,
  tesseraOk,
} from "../_util.ts";
import { open } from "../../stream/lazy.ts";

const ok = hasPython("numpy", "h5py", "xarray", "netCDF4", "zarr") && hasCommand("ncgen") &&
  hasCommand("ncdump");

const tessera = tesseraOk;
const ncgen = ncgenT2m;

interface Stored {
  dtype: string;
  rawEqual: boolean;
  decodedEqual: boolean;
  attrs: Record<string, number | "NaN">;
  chunks: number[] | null;
  compression: string | null;
  level: number | null;
  shuffle: boolean;
}

// the stored (raw) values and attributes of `variable` in `out` (h5py or
// zarr-python) against `ref`'s, and xarray's decoded values of both
const STORED = `
import sys, json, warnings
warnings.simplefilter("ignore")
import numpy as np, h5py, xarray as xr, zarr
ref, out, variable = sys.argv[1:4]
def raw(p):
    if ".zarr" in p:
        return zarr.open(p, mode="r")[variable]
    return h5py.File(p, "r")[variable]
r, o = raw(ref), raw(out)
opened = lambda p: xr.open_zarr(p) if ".zarr" in p else xr.open_dataset(p)
a, b = opened(ref)[variable].values, opened(out)[variable].values
h5 = ".zarr" not in out
num = lambda v: "NaN" if np.isnan(v) else v
attrs = {k: num(float(np.asarray(o.attrs[k]).ravel()[0])) for k in
         ("scale_factor", "add_offset", "_FillValue", "missing_value") if k in o.attrs}
if not h5:
    attrs["fill_value"] = float(o.fill_value)
print(json.dumps({
    "dtype": str(o.dtype),
    "rawEqual": bool(o.dtype == r.dtype and np.array_equal(o[...], r[...])),
    "decodedEqual": bool(a.dtype == b.dtype and np.array_equal(a, b, equal_nan=True)),
    "attrs": attrs,
    "chunks": list(o.chunks) if o.chunks else None,
    "compression": o.compression if h5 else None,
    "level": o.compression_opts if h5 else None,
    "shuffle": bool(o.shuffle) if h5 else False,
}))
`;

function stored(ref: string, out: string, variable = "t2m"): Promise<Stored> {
  return pythonJson<Stored>(STORED, ref, out, variable);
}

const T2M_ATTRS = {
  "scale_factor": 0.01,
  "add_offset": 273.15,
  _FillValue: -32767,
  "missing_value": -32767,
};

Deno.test({
  name: "convert --pack writes t2m back as int16 with its encoding: raw values as the source's",
  ignore: !ok,
  async fn() {
    await using dir = await tempDir();
    const nc = await ncgen(dir.path);
    const one = `${dir.path}/one.nc`;
    const whole = `${dir.path}/whole.nc`;
    await tessera("convert", `${nc}:/t2m`, `${one}:/t2m`, "--pack");
    await tessera("convert", nc, whole, "--pack");
    for (const out of [one, whole]) {
      const s = await stored(nc, out);
      assert.equal(s.dtype, "int16");
      assert.ok(s.rawEqual, `${out}: raw values differ from the source's`);
      assert.ok(s.decodedEqual, `${out}: xarray decodes other values`);
      assert.deepEqual(s.attrs, T2M_ATTRS);
      // the source's chunks and compression carried (xarray's encoding)
      assert.deepEqual([s.chunks, s.compression, s.level, s.shuffle], [[1, 5, 8], "gzip", 1, true]);
    }
    const header = await ncdump(whole, "-s", "-h");
    assert.match(header, /short t2m\(time, latitude, longitude\)/);
    assert.match(header, /t2m:_Shuffle = "true"/);
    assert.match(header, /t2m:_DeflateLevel = 1/);
    assert.match(header, /t2m:_ChunkSizes = 1, 5, 8/);
    // coordinates have no encoding: written as they are
    assert.match(header, /float latitude\(latitude\)/);
    // without --pack: decoded floats, no encoding attributes
    await tessera("convert", `${nc}:/t2m`, `${dir.path}/float.nc:/t2m`);
    const f = await stored(nc, `${dir.path}/float.nc`);
    assert.equal(f.dtype, "float32");
    assert.ok(f.decodedEqual);
    assert.deepEqual(f.attrs, { _FillValue: "NaN" });
  },
});

Deno.test({
  name:
    "LazyArray.to() with pack: true writes Zarr int16 with fill_value and scale as xarray reads",
  ignore: !ok,
  async fn() {
    await using dir = await tempDir();
    const nc = await ncgen(dir.path);
    const z = `${dir.path}/out.zarr`;
    using a = await open(`${nc}:/t2m`);
    assert.equal(a.dtype, "float32");
    await a.to(`${z}:/t2m`, { pack: true });
    const s = await stored(nc, z);
    assert.equal(s.dtype, "int16");
    assert.ok(s.rawEqual);
    assert.ok(s.decodedEqual);
    assert.equal(s.attrs.fill_value, -32767);
    assert.equal(s.attrs.scale_factor, 0.01);
    assert.equal(s.attrs.add_offset, 273.15);
    // a slice packs too; a bad option is a TypeError naming the output
    await a.slice("1:3").to(`${dir.path}/s.nc:/t2m`, { pack: true });
    const part = await pythonJson<number[]>(
      `import sys, json, h5py, numpy as np
a = h5py.File(sys.argv[1])["t2m"][1:3]; b = h5py.File(sys.argv[2])["t2m"][...]
print(json.dumps([str(b.dtype), bool(np.array_equal(a, b))]))`,
      nc,
      `${dir.path}/s.nc`,
    );
    assert.deepEqual(part, ["int16", true]);
    await assert.rejects(
      () => a.to(`${dir.path}/x.nc:/t2m`, { pack: "yes" as unknown as boolean }),
      (e: Error) => e instanceof TypeError && /Invalid pack "yes" for ".*x\.nc/.test(e.message),
    );
    await assert.rejects(
      () => a.to(`${dir.path}/x.nc:/t2m`, { pack: true, dtype: "float64" }),
      (e: Error) => e instanceof TypeError && /pack and dtype "float64".*int16/.test(e.message),
    );
  },
});

Deno.test({
  name: "map --pack rounds half to even and writes NaN as _FillValue, as xarray's encoding",
  ignore: !ok,
  async fn() {
    await using dir = await tempDir();
    const d = dir.path;
    // a source packed with scale 0.5; x + 0.25 falls on every half step
    await pythonJson(
      `import sys, json, numpy as np, xarray as xr
raw = np.array([-7, -6, -5, -3, -2, -1, 0, 1, 2, 3, 4, 5, -999], dtype="int16")
v = xr.Variable(("n",), raw, {"scale_factor": 0.5, "add_offset": 10.0, "_FillValue": np.int16(-999)})
xr.Dataset({"x": v}).to_netcdf(sys.argv[1] + "/src.nc", engine="netcdf4")
ds = xr.open_dataset(sys.argv[1] + "/src.nc")
y = ds.x + 0.25
y.encoding = {k: ds.x.encoding[k] for k in ("dtype", "scale_factor", "add_offset", "_FillValue")}
y.to_dataset(name="x").to_netcdf(sys.argv[1] + "/xr.nc", engine="netcdf4")
print(json.dumps(True))`,
      d,
    );
    await tessera("map", "x + 0.25", `x=${d}/src.nc:/x`, "-o", `${d}/t.nc:/x`, "--pack");
    const r = await pythonJson<{ ours: number[]; xr: number[]; dtype: string }>(
      `import sys, json, h5py
a = h5py.File(sys.argv[1] + "/t.nc")["x"]; b = h5py.File(sys.argv[1] + "/xr.nc")["x"]
print(json.dumps({"ours": a[...].tolist(), "xr": b[...].tolist(), "dtype": str(a.dtype)}))`,
      d,
    );
    assert.equal(r.dtype, "int16");
    assert.deepEqual(r.ours, r.xr);
    assert.deepEqual(r.ours, [-6, -6, -4, -2, -2, 0, 0, 2, 2, 4, 4, 6, -999]);
    // a value outside int16: refused (xarray's cast would wrap it), naming the output
    const big = await runCli([
      "map",
      "x * 100000",
      `x=${d}/src.nc:/x`,
      "-o",
      `${d}/big.nc:/x`,
      "--pack",
    ]);
    assert.equal(big.code, 1, big.stderr);
    assert.match(
      big.stderr,
      /Cannot pack ".*big\.nc:\/x" as int16: value .* outside -32768\.\.32767/,
    );
    const left = [...Deno.readDirSync(d)].map((e) => e.name).sort();
    assert.deepEqual(left, ["src.nc", "t.nc", "xr.nc"]);
  },
});

Deno.test({
  name: "HDF5 output: --codec shuffle+gzip:N and --chunks override the source's, h5py reads them",
  ignore: !ok,
  async fn() {
    await using dir = await tempDir();
    const nc = await ncgen(dir.path);
    const cases: [string[], [number[] | null, string | null, number | null, boolean]][] = [
      [["--codec", "shuffle+gzip:4", "--chunks", "2,5,8"], [[2, 5, 8], "gzip", 4, true]],
      [["--codec", "gzip:6"], [[1, 5, 8], "gzip", 6, false]],
      [["--codec", "none"], [[1, 5, 8], null, null, false]],
    ];
    for (const [i, [flags, want]] of cases.entries()) {
      const out = `${dir.path}/c${i}.nc`;
      await tessera("convert", `${nc}:/t2m`, `${out}:/t2m`, ...flags);
      const s = await stored(nc, out);
      assert.ok(s.decodedEqual);
      assert.deepEqual([s.chunks, s.compression, s.level, s.shuffle], want, flags.join(" "));
    }
    assert.match(
      await ncdump(`${dir.path}/c0.nc`, "-s", "-h"),
      /_Shuffle = "true"[^]*_DeflateLevel = 4/,
    );
    // a slice changes the shape: the chunks go, the compression stays (as xarray)
    await tessera("convert", `${nc}:/t2m`, `${dir.path}/s.nc:/t2m`, "--slice", "0:2");
    const st = await pythonJson<[string | null, number | null, boolean]>(
      `import sys, json, h5py
d = h5py.File(sys.argv[1])["t2m"]
print(json.dumps([d.compression, d.compression_opts, bool(d.shuffle)]))`,
      `${dir.path}/s.nc`,
    );
    assert.deepEqual(st, ["gzip", 1, true]);
    // Zarr takes no shuffle+: a usage error that points at blosc
    const z = await runCli([
      "convert",
      `${nc}:/t2m`,
      `${dir.path}/z.zarr`,
      "--codec",
      "shuffle+gzip:4",
    ]);
    assert.equal(z.code, 2);
    assert.match(z.stderr, /zarr output takes no shuffle filter.*blosc/);
  },
});

Deno.test({
  name: "convert --pack keeps _Unsigned bytes, float fill values and scale-only shorts as stored",
  ignore: !ok,
  async fn() {
    await using dir = await tempDir();
    const d = dir.path;
    const r = await pythonJson<boolean>(
      `import sys, json, numpy as np, netCDF4, h5py
d = netCDF4.Dataset(sys.argv[1] + "/u.nc", "w")
d.createDimension("n", 5)
u = d.createVariable("u", "i1", ("n",), fill_value=np.int8(-1)); u._Unsigned = "true"
f = d.createVariable("f", "f4", ("n",), fill_value=np.float32(-9999))
s = d.createVariable("s", "i2", ("n",)); s.scale_factor = 0.1
for v in (u, f, s): v.set_auto_maskandscale(False)
u[:] = np.array([0, 100, -56, -2, -1], dtype="i1")
f[:] = np.array([1.5, -9999, 3, 4, 5], dtype="f4")
s[:] = np.array([1, -2, 3, 32767, -32768], dtype="i2")
d.close()
print(json.dumps(True))`,
      d,
    );
    assert.equal(r, true);
    await tessera("convert", `${d}/u.nc`, `${d}/o.nc`, "--pack");
    const got = await pythonJson<Record<string, [string, boolean]>>(
      `import sys, json, h5py, numpy as np
a, b = h5py.File(sys.argv[1] + "/u.nc"), h5py.File(sys.argv[1] + "/o.nc")
print(json.dumps({k: [str(b[k].dtype), bool(np.array_equal(a[k][...], b[k][...]))] for k in ("u", "f", "s")}))`,
      d,
    );
    assert.deepEqual(got, { u: ["int8", true], f: ["float32", true], s: ["int16", true] });
  },
});
