// netCDF-4 and h5py metadata read through libhdf5: attributes of every type
// netCDF-C and h5py write, dimension names, fill values, enum and bitfield
// datasets, and CF times, each compared with what netCDF4-python, h5py and
// cftime report on the same files (made here by ncgen and h5py).

import assert from "node:assert/strict";
import { H5File, openDataset } from "../../io/hdf5.ts";
import { decodeCfTimes } from "../../io/_cf_time.ts";
import { FormatError } from "../../core/errors.ts";
import { hasCommand, hasPython, pythonJson, runPython, tempDir } from "../_util.ts";
import { H5PY_SCRIPT, makeT2m, ncgen, TYPES_CDL } from "./_netcdf4_fixtures.ts";

// What h5py reads, in the same plain form (references as paths, compounds as objects).
const H5PY_VIEW = `
import numpy as np, h5py, sys, json
def plain(f, v):
    if isinstance(v, h5py.Reference):
        return f[v].name if v else None
    if isinstance(v, bytes):
        return v.decode()
    if isinstance(v, np.void) and v.dtype.names:
        return {n: plain(f, v[n]) for n in v.dtype.names}
    if isinstance(v, np.ndarray):
        if v.dtype.names:
            return [plain(f, x) for x in v]
        return [plain(f, x) for x in v.tolist()] if v.dtype == object else plain(f, v.tolist())
    if isinstance(v, list):
        return [plain(f, x) for x in v]
    if isinstance(v, np.generic):
        return v.item()
    return v
with h5py.File(sys.argv[1]) as f:
    d = f["data"]
    attrs = {k: plain(f, d.attrs[k]) for k in d.attrs if k not in ("opaque", "DIMENSION_LIST")}
    dims = [[f[r].name for r in refs] for refs in d.attrs["DIMENSION_LIST"]]
    print(json.dumps({"attrs": attrs, "dims": dims,
                      "enumds": f["enumds"][()].tolist(), "enumdtype": str(f["enumds"].dtype),
                      "bits": f["bits"][()].tolist(), "bitsdtype": f["bits"].dtype.str}))
`;

const nc = hasCommand("ncgen") && hasPython("netCDF4", "numpy");
const h5 = hasPython("h5py", "numpy");

Deno.test({
  name:
    "H5Dataset reads the attributes, dimensions and fill value of an ncgen file as netCDF4-python",
  ignore: !nc,
  async fn() {
    await using t = await tempDir();
    const path = await makeT2m(t.path);
    const py = await pythonJson<
      Record<string, { attrs: Record<string, unknown>; dims: string[]; fill: number | null }>
    >(
      `
import netCDF4, json, sys, numpy as np
ds = netCDF4.Dataset(sys.argv[1])
def plain(v):
    return v.tolist() if isinstance(v, (np.ndarray, np.generic)) else v
out = {}
for name, v in ds.variables.items():
    out[name] = {"attrs": {k: plain(v.getncattr(k)) for k in v.ncattrs()},
                 "dims": list(v.dimensions),
                 "fill": plain(v._FillValue) if "_FillValue" in v.ncattrs() else None}
print(json.dumps(out))
`,
      path,
    );
    for (const [name, want] of Object.entries(py)) {
      if (name === "names") {
        // a string variable: not an array Tessera reads
        await assert.rejects(openDataset(`${path}:/names`), FormatError);
        continue;
      }
      using ds = await openDataset(`${path}:/${name}`);
      assert.deepEqual(ds.attributes, want.attrs, name);
      assert.deepEqual(ds.dimensions, want.dims, name);
      if (want.fill !== null) assert.equal(ds.fillValue, want.fill, name);
    }
    using t2m = await openDataset(`${path}:/t2m`);
    assert.deepEqual(t2m.filters.map((f) => [f.name, f.values[0]]), [["shuffle", 2], ["gzip", 4]]);
    assert.equal(t2m.fillValue, -32767);
    assert.deepEqual((await t2m.read("0:1, 0:1, 0:3")).toArray(), [[[-32767, 100, 200]]]);
    // the scale without a variable and the raw attributes netCDF keeps to itself
    using f = H5File.open(path);
    using nv = f.dataset("/nv");
    assert.deepEqual(nv.dimensions, ["nv"]);
    assert.deepEqual(nv.attributes, {});
    using lat = f.dataset("/lat");
    const raw = lat.readAttributes();
    assert.deepEqual(raw.REFERENCE_LIST, [
      { dataset: "/t2m", dimension: 1 },
      { dataset: "/names", dimension: 0 },
    ]);
    assert.deepEqual(t2m.readAttributes().DIMENSION_LIST, [["/time"], ["/lat"], ["/lon"]]);
    assert.equal(typeof f.attributes("/")._NCProperties, "string");
  },
});

Deno.test({
  name: "H5Dataset reads netCDF-4 strings, 64-bit integers, enums and compounds in ncdump's order",
  ignore: !nc,
  async fn() {
    await using t = await tempDir();
    const path = await ncgen(t.path, "types", TYPES_CDL);
    const py = await pythonJson<
      { names: string[]; attrs: Record<string, unknown>; clouds: number[] }
    >(
      `
import netCDF4, json, sys, numpy as np
ds = netCDF4.Dataset(sys.argv[1])
v = ds["v"]
def plain(x):
    if isinstance(x, np.ndarray) and x.dtype.names:
        return {n: plain(x[n]) for n in x.dtype.names}
    if isinstance(x, np.void):
        return {n: plain(x[n]) for n in x.dtype.names}
    return x.tolist() if isinstance(x, (np.ndarray, np.generic)) else x
attrs = {k: plain(v.getncattr(k)) for k in v.ncattrs() if k != "i64"}
print(json.dumps({"names": v.ncattrs(), "attrs": attrs, "clouds": ds["clouds"][:].tolist()}))
`,
      path,
    );
    using f = H5File.open(path);
    using v = f.dataset("/v");
    assert.deepEqual(Object.keys(v.attributes), py.names); // creation order, as ncdump
    const { i64, ...rest } = v.attributes;
    assert.equal(i64, 9007199254740993n); // not a safe number: kept exact
    assert.deepEqual(rest, py.attrs);
    using clouds = f.dataset("/clouds");
    assert.equal(clouds.dtype, "int8");
    assert.deepEqual(clouds.readSync().toArray(), py.clouds);
  },
});

Deno.test({
  name: "H5Dataset reads every attribute type h5py writes, enum and bitfield datasets as h5py",
  ignore: !h5,
  async fn() {
    await using t = await tempDir();
    const path = `${t.path}/h.h5`;
    await runPython(H5PY_SCRIPT, path);
    const py = await pythonJson<{
      attrs: Record<string, unknown>;
      dims: string[][];
      enumds: number[][];
      enumdtype: string;
      bits: number[];
      bitsdtype: string;
    }>(H5PY_VIEW, path);
    using f = H5File.open(path);
    using d = f.dataset("/data");
    const want = { ...py.attrs };
    // one-element arrays show as their element; h5py reads this region reference's object
    assert.equal(want.rref, "/data");
    assert.deepEqual(d.attributes, want);
    assert.deepEqual(d.dimensions, ["y", "xdim"]);
    assert.deepEqual(d.getAttribute("DIMENSION_LIST"), py.dims);
    assert.throws(() => d.readAttributes(), FormatError);
    // getAttribute of an opaque attribute names its type; attributes leaves it out
    assert.throws(() => d.getAttribute("opaque"), (e: unknown) => {
      assert.ok(e instanceof FormatError);
      assert.match(e.message, /"opaque" of "\/data" has an unsupported datatype H5T_OPAQUE/);
      return true;
    });
    assert.ok(!("opaque" in d.attributes));
    using noscale = f.dataset("/noscale");
    assert.deepEqual(noscale.dimensions, [null, null]);
    using x = f.dataset("/x");
    assert.deepEqual(x.dimensions, ["xdim"]);
    using e = f.dataset("/enumds");
    assert.equal(e.dtype, py.enumdtype);
    assert.deepEqual((await e.read()).toArray(), py.enumds);
    using b = f.dataset("/bits");
    assert.equal(py.bitsdtype, ">u2");
    assert.equal(b.dtype, "uint16");
    assert.equal(b.info.byteOrder, "big");
    assert.deepEqual((await b.read()).toArray(), py.bits);
    assert.deepEqual((await b.read("1:3")).toArray(), py.bits.slice(1, 3));
    assert.deepEqual(
      f.list().filter((x) => x.kind === "dataset").map((x) => [x.path, x.dtype]),
      [
        ["/bits", "uint16"],
        ["/data", "float32"],
        ["/enumds", "int16"],
        ["/noscale", "float64"],
        ["/x", "float64"],
        ["/y", "int32"],
      ],
    );
  },
});

Deno.test({
  name: "decodeCfTimes() gives the dates cftime gives in the CF calendars",
  ignore: !hasPython("cftime"),
  async fn() {
    const cases: [number[], string, string][] = [
      [[0, 43830, 43833, -1], "days since 1900-01-01 00:00:00", "standard"],
      [[0, 1.5, 36, 8760], "hours since 1970-01-01", "gregorian"],
      [[0, 59.25, 10950.5], "days since 2000-01-01", "noleap"],
      [[0, 59, 365, 1000], "days since 2000-1-1", "365_day"],
      [[0, 59, 366, 1000], "days since 2000-01-01", "all_leap"],
      [[0, 29, 30, 359, 360, 1000], "days since 2000-01-01", "360_day"],
      [[0, 600, 86400 * 400], "seconds since 1600-03-01 12:00:00", "proleptic_gregorian"],
      [[0, 90, 1e6], "minutes since 2020-02-28T00:00:00Z", "proleptic_gregorian"],
    ];
    const want = await pythonJson<string[][]>(
      `
import cftime, json, sys
cases = json.loads(sys.argv[1])
print(json.dumps([[d.isoformat() for d in cftime.num2date(v, u.replace("Z", ""), calendar=c,
    only_use_cftime_datetimes=True)] for v, u, c in cases]))
`,
      JSON.stringify(cases),
    );
    cases.forEach(([values, units, cal], i) => {
      const got = decodeCfTimes(values, units, cal);
      assert.ok(got !== null, units);
      assert.deepEqual(got.map((s) => (s!.includes("T") ? s : `${s}T00:00:00`)), want[i], units);
    });
    assert.deepEqual(decodeCfTimes([0, 1], "days since 2000-01-01"), ["2000-01-01", "2000-01-02"]);
    assert.deepEqual(decodeCfTimes([NaN], "days since 2000-01-01"), [null]);
    assert.deepEqual(decodeCfTimes([0, 6], "hours since 2000-01-01 06:00 +06:00"), [
      "2000-01-01T00:00:00",
      "2000-01-01T06:00:00",
    ]);
    // not decoded: other units, calendars, the Julian part of the standard calendar
    assert.equal(decodeCfTimes([1], "K"), null);
    assert.equal(decodeCfTimes([1], "months since 2000-01-01"), null);
    assert.equal(decodeCfTimes([1], "days since 2000-01-01", "julian"), null);
    assert.equal(decodeCfTimes([1], "days since 1500-01-01", "standard"), null);
  },
});

Deno.test({
  name: "reading netCDF-4 and h5py metadata leaves no HDF5 object open",
  ignore: !nc || !h5,
  async fn() {
    await using t = await tempDir();
    const files = [await makeT2m(t.path), await ncgen(t.path, "types", TYPES_CDL)];
    await runPython(H5PY_SCRIPT, `${t.path}/h.h5`);
    files.push(`${t.path}/h.h5`);
    const before = H5File.openObjectCount();
    for (const path of files) {
      using f = H5File.open(path);
      for (const e of f.list()) {
        if (e.kind !== "dataset" || e.dtype === null) continue;
        using ds = f.dataset(e.path);
        assert.equal(ds.dimensions.length, ds.ndim);
        assert.equal(typeof ds.attributes, "object");
        for (const name of Object.keys(ds.attributes)) ds.getAttribute(name);
        await ds.read();
      }
    }
    assert.equal(H5File.openObjectCount(), before);
  },
});
