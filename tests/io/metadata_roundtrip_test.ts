// Writes keep metadata (DESIGN.md, contract 10): attributes, fill values,
// dimension names and coordinates travel with convert / to, and xarray,
// netCDF4-python and ncdump open every output with the values xarray reads
// from the source. Inputs: examples/t2m.cdl made with ncgen, and files
// written by xarray itself.

import assert from "node:assert/strict";
import {
  hasCommand,
  hasPython,
  ncdump,
  ncgenT2m,
  pythonJson,
  ROOT,
  tempDir,
  tesseraOk,
} from "../_util.ts";
import { open } from "../../stream/lazy.ts";
import { createZarrGroup, openZarr } from "../../io/zarr.ts";
import { openDataset } from "../../io/hdf5.ts";

const MAIN = `${ROOT}/cli/main.ts`;
const ok = hasPython("numpy", "xarray", "netCDF4", "zarr") && hasCommand("ncgen") &&
  hasCommand("ncdump");

const tessera = tesseraOk;
const ncgen = ncgenT2m;

// xarray opens `out` (Zarr with open_zarr, consolidated when asked; netCDF
// with open_dataset, and netCDF4-python too) and compares it with `ref`:
// assert_identical, or on `variable` alone
const COMPARE = `
import sys, json, warnings
warnings.simplefilter("ignore")
import xarray as xr, netCDF4
ref, out, variable = sys.argv[1], sys.argv[2], sys.argv[3]
def opened(p):
    if p.endswith(".zarr"):
        return xr.open_zarr(p, consolidated=True if "consolidated" in sys.argv[4:] else None)
    netCDF4.Dataset(p).close()
    return xr.open_dataset(p)
r = opened(ref).load()
o = opened(out).load()
if variable != "-":
    # one variable written alone: its dimensions, values and attributes
    r, o = r[variable].variable, o[variable].variable
if "noglobal" in sys.argv[4:]:
    r.attrs, o.attrs = {}, {}
try:
    xr.testing.assert_identical(r, o)
    print(json.dumps({"identical": True}))
except AssertionError as e:
    print(json.dumps({"identical": False, "why": str(e)}))
`;

async function identical(ref: string, out: string, variable = "-", ...flags: string[]) {
  const r = await pythonJson<{ identical: boolean; why?: string }>(
    COMPARE,
    ref,
    out,
    variable,
    ...flags,
  );
  assert.ok(r.identical, `${out} differs from ${ref}: ${r.why}`);
}

Deno.test({
  name: "convert t2m.nc out.zarr and back: xarray reads both as it reads the source",
  ignore: !ok,
  async fn() {
    await using dir = await tempDir();
    const nc = await ncgen(dir.path);
    const z = `${dir.path}/out.zarr`;
    const back = `${dir.path}/back.nc`;
    await tessera("convert", nc, z);
    await identical(nc, z, "-", "consolidated");
    const zattrs = JSON.parse(await Deno.readTextFile(`${z}/t2m/.zattrs`));
    assert.deepEqual(zattrs._ARRAY_DIMENSIONS, ["time", "latitude", "longitude"]);
    assert.equal(zattrs.units, "K");
    // decoded floats: the encoding is gone, missing values are NaN
    assert.equal(zattrs.scale_factor, undefined);
    assert.equal(JSON.parse(await Deno.readTextFile(`${z}/t2m/.zarray`)).fill_value, "NaN");
    await tessera("convert", z, back);
    await identical(nc, back);
    const header = await ncdump(back, "-h");
    assert.ok(!header.includes("phony_dim"), header);
    assert.match(header, /float t2m\(time, latitude, longitude\)/);
    assert.match(header, /float latitude\(latitude\)/);
    assert.match(header, /:Conventions = "CF-1.6"/);
    // a second run refuses to replace the output, --overwrite replaces it
    const again = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", MAIN, "convert", nc, z, "-q"],
      stderr: "piped",
    }).output();
    assert.equal(again.code, 1);
    assert.match(new TextDecoder().decode(again.stderr), /--overwrite/);
    await tessera("convert", nc, z, "--overwrite");
    await identical(nc, z, "-", "consolidated");
  },
});

Deno.test({
  name: "convert of stores and files written by xarray gives what xarray reads from them",
  ignore: !ok,
  async fn() {
    await using dir = await tempDir();
    const nc = await ncgen(dir.path);
    const d = dir.path;
    await pythonJson(
      `
import sys, json, warnings, numpy as np, xarray as xr
warnings.simplefilter("ignore")
d = sys.argv[1]
ds = xr.open_dataset(sys.argv[2])
ds.to_zarr(d + "/xr.zarr")
ds.to_netcdf(d + "/xr.nc")
x = xr.Dataset(
    {"v": (("y", "x"), np.arange(12.0).reshape(3, 4), {"units": "m"}),
     "w": (("x",), np.arange(4, dtype="int32"))},
    coords={"x": np.arange(4) * 0.5}, attrs={"title": "plain"})
x.to_zarr(d + "/plain.zarr")
x.to_netcdf(d + "/plain.nc")
print("{}")
`,
      d,
      nc,
    );
    // a straight copy of an xarray store, and a file
    await tessera("convert", `${d}/xr.zarr`, `${d}/copy.zarr`);
    await identical(`${d}/xr.zarr`, `${d}/copy.zarr`, "-", "consolidated");
    await tessera("convert", `${d}/xr.nc`, `${d}/copy.nc`);
    await identical(`${d}/xr.nc`, `${d}/copy.nc`);
    // across formats, a dimension without a coordinate (y) included
    await tessera("convert", `${d}/plain.zarr`, `${d}/plain2.nc`);
    await identical(`${d}/plain.zarr`, `${d}/plain2.nc`);
    await tessera("convert", `${d}/plain.nc`, `${d}/plain2.zarr`);
    await identical(`${d}/plain.nc`, `${d}/plain2.zarr`);
    const header = await ncdump(`${d}/plain2.nc`, "-h");
    assert.ok(!header.includes("phony_dim"), header);
    assert.match(header, /y = 3 ;/);
  },
});

Deno.test({
  name: "convert --raw keeps the CF encoding: int16, scale_factor, add_offset, fill_value",
  ignore: !ok,
  async fn() {
    await using dir = await tempDir();
    const nc = await ncgen(dir.path);
    const z = `${dir.path}/raw.zarr`;
    await tessera("convert", "--raw", `${nc}:/t2m`, `${z}:/t2m`);
    const zarray = JSON.parse(await Deno.readTextFile(`${z}/t2m/.zarray`));
    const zattrs = JSON.parse(await Deno.readTextFile(`${z}/t2m/.zattrs`));
    assert.equal(zarray.dtype, "<i2");
    assert.equal(zarray.fill_value, -32767);
    assert.equal(zattrs.scale_factor, 0.01);
    assert.equal(zattrs.add_offset, 273.15);
    assert.equal(zattrs.missing_value, -32767);
    assert.equal(zattrs._FillValue, undefined); // it is the fill_value
    await identical(nc, z, "t2m");
    // and to netCDF: the encoding in the variable's types, _FillValue as the HDF5 fill
    const out = `${dir.path}/raw.nc`;
    await tessera("convert", "--raw", `${nc}:/t2m`, `${out}:/t2m`);
    const header = await ncdump(out, "-h");
    assert.match(header, /short t2m\(time, latitude, longitude\)/);
    assert.match(header, /t2m:_FillValue = -32767s/);
    assert.match(header, /t2m:missing_value = -32767s/);
    assert.match(header, /t2m:scale_factor = 0.01 ;/);
    await identical(nc, out, "t2m");
  },
});

Deno.test({
  name: "a coordinate written into an .nc after its variable becomes the variable's dimension",
  ignore: !ok,
  async fn() {
    await using dir = await tempDir();
    const nc = await ncgen(dir.path);
    const out = `${dir.path}/v.nc`;
    await tessera("convert", `${nc}:/t2m`, `${out}:/t2m`);
    let header = await ncdump(out, "-h");
    assert.match(header, /float t2m\(time, latitude, longitude\)/);
    assert.ok(!/float latitude/.test(header), header); // a dimension, not a variable yet
    for (const c of ["latitude", "longitude", "time"]) {
      await tessera("convert", `${nc}:/${c}`, `${out}:/${c}`);
      header = await ncdump(out, "-h");
      assert.match(header, /float t2m\(time, latitude, longitude\)/, header);
    }
    assert.match(header, /float latitude\(latitude\)/);
    assert.match(await ncdump(out, "-v", "latitude"), /latitude = 90, 45, 0, -45, -90 ;/);
    // every variable but the global attributes, which no single write carries
    await identical(nc, out, "-", "noglobal");
    // replacing a coordinate keeps the attachments too
    await tessera("convert", `${nc}:/latitude`, `${out}:/latitude`, "--overwrite");
    await identical(nc, out, "-", "noglobal");
    assert.ok(!(await ncdump(out)).includes("phony_dim"));
  },
});

Deno.test({
  name:
    "to() keeps dimension names and attributes through slices and maps; Zarr v3 dimension_names",
  ignore: !ok,
  async fn() {
    await using dir = await tempDir();
    const nc = await ncgen(dir.path);
    const t2m = await open(`${nc}:/t2m`);
    try {
      // a slice drops the integer-indexed axis's name; a map drops the encoding
      await t2m.slice("0, 1:4").mul(2).to(`${dir.path}/s.zarr`);
      const s = await openZarr(`${dir.path}/s.zarr`);
      assert.deepEqual(s.dimensions, ["latitude", "longitude"]);
      assert.equal(s.attributes.units, "K");
      assert.equal(s.attributes.scale_factor, undefined);
      assert.ok(Number.isNaN(s.fillValue as number));
      await s.close();
      // a reduction keeps the other axes' names, not the attributes
      await t2m.mean({ axis: 0 }).to(`${dir.path}/m.nc:/mean`);
      const m = await openDataset(`${dir.path}/m.nc:/mean`);
      try {
        assert.deepEqual(m.dimensions, ["latitude", "longitude"]);
        assert.equal(m.attributes.units, undefined);
      } finally {
        m.close();
      }
      // a v3 store: dimension_names
      await createZarrGroup(`${dir.path}/v3.zarr`, { zarrFormat: 3 });
      await t2m.to(`${dir.path}/v3.zarr:/t2m`);
      const doc = JSON.parse(await Deno.readTextFile(`${dir.path}/v3.zarr/t2m/zarr.json`));
      assert.deepEqual(doc.dimension_names, ["time", "latitude", "longitude"]);
      assert.equal(doc.attributes.long_name, "2 metre temperature");
      const v3 = await openZarr(`${dir.path}/v3.zarr:/t2m`);
      assert.deepEqual(v3.dimensions, ["time", "latitude", "longitude"]);
      await v3.close();
    } finally {
      t2m.close();
    }
  },
});

Deno.test({
  name: "convert of a netCDF-3 classic file to Zarr and netCDF-4 gives what xarray reads from it",
  ignore: !ok,
  async fn() {
    await using dir = await tempDir();
    // t2m.cdl without its netCDF-4 storage attributes
    const cdl = (await Deno.readTextFile(`${ROOT}/examples/t2m.cdl`)).split("\n")
      .filter((l) => !/_Storage|_ChunkSizes|_DeflateLevel|_Shuffle/.test(l)).join("\n");
    await Deno.writeTextFile(`${dir.path}/t3.cdl`, cdl);
    const nc3 = `${dir.path}/c.nc`;
    const r = await new Deno.Command("ncgen", {
      args: ["-k", "nc3", "-o", nc3, `${dir.path}/t3.cdl`],
    }).output();
    assert.ok(r.success, new TextDecoder().decode(r.stderr));
    await tessera("convert", nc3, `${dir.path}/c.zarr`);
    await identical(nc3, `${dir.path}/c.zarr`);
    await tessera("convert", nc3, `${dir.path}/c4.nc`);
    await identical(nc3, `${dir.path}/c4.nc`);
  },
});

Deno.test({
  name: "a plain zarr-python array keeps its fill_value and attributes; in .nc its axes are dim_N",
  ignore: !ok,
  async fn() {
    await using dir = await tempDir();
    const d = dir.path;
    await pythonJson(
      `
import sys, zarr
z = zarr.open(sys.argv[1] + "/p.zarr", mode="w", shape=(6,), chunks=(3,), dtype="i4", fill_value=-1)
z[:3] = [1, 2, 3]
z.attrs["units"] = "m"
print("{}")
`,
      d,
    );
    await tessera("convert", `${d}/p.zarr`, `${d}/q.zarr`);
    const zarray = JSON.parse(await Deno.readTextFile(`${d}/q.zarr/.zarray`));
    const zattrs = JSON.parse(await Deno.readTextFile(`${d}/q.zarr/.zattrs`));
    assert.equal(zarray.fill_value, -1);
    assert.deepEqual(zattrs, { _ARRAY_DIMENSIONS: ["dim_0"], units: "m" });
    await tessera("convert", `${d}/p.zarr`, `${d}/p.nc:/v`);
    const dump = await ncdump(`${d}/p.nc`);
    assert.ok(!dump.includes("phony_dim"), dump);
    assert.match(dump, /int v\(dim_0\)/);
    assert.match(dump, /v = 1, 2, 3, -1, -1, -1 ;/);
  },
});
