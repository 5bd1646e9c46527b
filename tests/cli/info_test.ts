// `tessera info` of netCDF-4 files (ncgen) and of HDF5 files with dimension
// scales and attributes of every type (h5py): it exits 0, shows dimensions,
// coordinates with first and last values, CF times as ISO dates, and names
// what it skipped instead of failing.

import assert from "node:assert/strict";
import { hasCommand, hasPython, runCli, runPython, tempDir } from "../_util.ts";
import { H5PY_SCRIPT, makeT2m } from "../io/_netcdf4_fixtures.ts";

async function tessera(cwd: string, ...args: string[]): Promise<{ code: number; out: string }> {
  const r = await runCli(args, cwd);
  return { code: r.code, out: r.code === 0 ? r.stdout : `${r.stdout}${r.stderr}` };
}

Deno.test({
  name: "tessera info of an ncgen netCDF-4 file shows dimensions, coordinates and ISO times",
  ignore: !hasCommand("ncgen"),
  async fn() {
    await using t = await tempDir();
    await makeT2m(t.path);
    const tree = await tessera(t.path, "info", "t2m.nc");
    assert.equal(tree.code, 0, tree.out);
    const lines = tree.out.split("\n");
    assert.match(lines[0], /^t2m\.nc \(netCDF-4, hdf5, /);
    for (
      const re of [
        /^ {4}time = 4 \(unlimited\)$/m,
        /^ {4}lat {2}= 3$/m,
        /^ {4}lon {2}= 4$/m,
        /^ {4}nv {3}= 2$/m,
        /^ {4}time {2}2020-01-02 \.\. 2020-01-05 {2}\(days since 1900-01-01 00:00:00, standard\)$/m,
        /^ {4}lat {3}90 \.\. -90 {2}\(degrees_north\)$/m,
        /^ {4}lon {3}0 \.\. 270 {2}\(degrees_east\)$/m,
        /\/t2m +array {2}\[4, 3, 4\] int16 {2}\(time, lat, lon\) {2}chunks \[1, 3, 4\] {2}shuffle\+gzip:4/,
        /@scale_factor = 0\.01$/m,
        /@_FillValue = -32767$/m,
        /\/nv +dimension \[2\] \(not a variable\)/,
      ]
    ) assert.match(tree.out, re);
    assert.doesNotMatch(tree.out, /DIMENSION_LIST|REFERENCE_LIST|_Netcdf4|_NCProperties/);

    const v = await tessera(t.path, "info", "t2m.nc:/t2m");
    assert.equal(v.code, 0, v.out);
    for (
      const re of [
        /^ {2}format {7}netCDF-4 \(hdf5\)$/m,
        /^ {2}dimensions {3}time = 4, lat = 3, lon = 4$/m,
        /^ {2}chunks {7}\[1, 3, 4\]$/m,
        /^ {2}codec {8}shuffle\+gzip:4$/m,
        /^ {2}fill value {3}-32767$/m,
        /^ {4}time {2}2020-01-02 \.\. 2020-01-05/m,
        /^ {4}add_offset = 273\.15$/m,
        /^ {4}long_name = "2 metre temperature"$/m,
      ]
    ) assert.match(v.out, re);

    const j = await tessera(t.path, "info", "t2m.nc:/t2m", "--json");
    assert.equal(j.code, 0, j.out);
    const info = JSON.parse(j.out);
    assert.deepEqual(info.extra.dimensions, ["time", "lat", "lon"]);
    assert.deepEqual(info.extra.coordinates.time.dates, ["2020-01-02", "2020-01-05"]);
    assert.deepEqual([info.extra.coordinates.lat.first, info.extra.coordinates.lat.last], [
      90,
      -90,
    ]);
    assert.equal(info.attributes.scale_factor, 0.01);
    assert.equal(info.fillValue, -32767);
    const tj = JSON.parse((await tessera(t.path, "info", "t2m.nc", "--json")).out);
    assert.deepEqual(
      tj.extra.dimensions.map((d: { name: string; size: number }) => [d.name, d.size]),
      [["time", 4], ["lat", 3], ["lon", 4], ["nv", 2]],
    );
  },
});

Deno.test({
  name: "tessera info of an h5py file with scales names the skipped opaque attribute and exits 0",
  ignore: !hasPython("h5py", "numpy"),
  async fn() {
    await using t = await tempDir();
    await runPython(H5PY_SCRIPT, `${t.path}/h.h5`);
    for (const loc of ["h.h5", "h.h5:/data"]) {
      const r = await tessera(t.path, "info", loc);
      assert.equal(r.code, 0, r.out);
      assert.match(
        r.out,
        /attribute "opaque" of "\/data": skipped \(unsupported type H5T_OPAQUE\)/,
      );
      assert.match(r.out, /cmp = \{"a":1,"b":2\.5,"s":"hi","arr":\[3,4\]\}/);
      assert.match(r.out, /ref = "\/x"/);
      assert.doesNotMatch(r.out, /netCDF/);
    }
    const d = await tessera(t.path, "info", "h.h5:/data");
    assert.match(d.out, /dimensions {3}y = 2, xdim = 3/);
    assert.match(d.out, /^ {4}xdim {2}0 \.\. 20$/m);
  },
});

Deno.test({
  name: "tessera info of xarray's netCDF-4 output shows its decoded times and a NaN fill as xarray",
  ignore: !hasPython("xarray", "netCDF4", "pandas"),
  async fn() {
    await using t = await tempDir();
    const times = (await runPython(
      `
import xarray as xr, numpy as np, pandas as pd, sys, os
os.chdir(sys.argv[1])
t = pd.date_range("2021-03-01 06:00", periods=5, freq="6H")
ds = xr.Dataset({"tp": (("time", "y", "x"), np.ones((5, 2, 3), "f4"), {"units": "m"})},
                coords={"time": t, "y": [10.0, 20.0], "x": [1, 2, 3]})
ds["tp"].encoding.update(zlib=True, chunksizes=(1, 2, 3))
ds.to_netcdf("xr.nc", engine="netcdf4")
back = xr.open_dataset("xr.nc")
print(str(back.time.values[0])[:19], str(back.time.values[-1])[:19])
`,
      t.path,
    )).trim().split(" ");
    const r = await tessera(t.path, "info", "xr.nc:/tp");
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, new RegExp(`^ {4}time {2}${times[0]} \\.\\. ${times[1]} `, "m"));
    assert.match(r.out, /^ {2}fill value {3}NaN$/m);
    assert.match(r.out, /^ {4}_FillValue = NaN$/m);
    assert.match(r.out, /^ {2}dimensions {3}time = 5, y = 2, x = 3$/m);
  },
});
