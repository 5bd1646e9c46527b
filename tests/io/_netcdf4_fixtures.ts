// Files for the netCDF-4 tests (tests/io/netcdf4_test.ts, tests/cli/info_test.ts),
// made by the reference tools at test time: ncgen from CDL text, and h5py.

/** The CF example of issue 12: t2m packed as int16, chunked, zlib + shuffle, with coordinates. */
export const T2M_CDL = `netcdf t2m {
dimensions:
  time = UNLIMITED ;
  lat = 3 ;
  lon = 4 ;
  nv = 2 ;
variables:
  int time(time) ;
    time:units = "days since 1900-01-01 00:00:00" ;
    time:calendar = "standard" ;
    time:standard_name = "time" ;
  float lat(lat) ;
    lat:units = "degrees_north" ;
  float lon(lon) ;
    lon:units = "degrees_east" ;
  double bnds(lon, nv) ;
  short t2m(time, lat, lon) ;
    t2m:scale_factor = 0.01 ;
    t2m:add_offset = 273.15 ;
    t2m:_FillValue = -32767s ;
    t2m:missing_value = -32767s ;
    t2m:units = "K" ;
    t2m:long_name = "2 metre temperature" ;
    t2m:valid_range = -30000s, 30000s ;
    t2m:_Storage = "chunked" ;
    t2m:_ChunkSizes = 1, 3, 4 ;
    t2m:_DeflateLevel = 4 ;
    t2m:_Shuffle = "true" ;
  string names(lat) ;
    names:long_name = "station names" ;
:Conventions = "CF-1.8" ;
:title = "test t2m" ;
data:
 time = 43830, 43831, 43832, 43833 ;
 lat = 90, 0, -90 ;
 lon = 0, 90, 180, 270 ;
 bnds = 0, 1, 2, 3, 4, 5, 6, 7 ;
 t2m = -32767, 100, 200, 300, 400, 500, 600, 700, 800, 900, 1000, 1100,
   1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12,
   13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24,
   25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, -32767 ;
 names = "a", "bb", "ccc" ;
}
`;

/** Writes the t2m example with `ncgen -k nc4` into `dir`; returns its path. */
export function makeT2m(dir: string): Promise<string> {
  return ncgen(dir, "t2m", T2M_CDL);
}

/** h5py: dimension scales, every attribute type, enum and bitfield datasets. */
export const H5PY_SCRIPT = `
import numpy as np, h5py, sys
with h5py.File(sys.argv[1], "w") as f:
    x = f.create_dataset("x", data=np.arange(3, dtype="f8") * 10)
    x.make_scale("xdim")
    y = f.create_dataset("y", data=np.arange(2, dtype="i4"))
    y.make_scale()
    d = f.create_dataset("data", data=np.arange(6, dtype="f4").reshape(2, 3))
    d.dims[0].attach_scale(y)
    d.dims[1].attach_scale(x)
    f.create_dataset("noscale", data=np.zeros((2, 2)))
    d.attrs["vs"] = "vlen \\u00fc"
    d.attrs.create("vsa", ["a", "bc"], dtype=h5py.string_dtype())
    d.attrs.create("fs", np.array([b"ab", b"cde"], dtype="S3"))
    d.attrs["ref"] = x.ref
    d.attrs["rref"] = d.regionref[0:1, 1:2]
    d.attrs.create("refs", [x.ref, y.ref], dtype=h5py.ref_dtype)
    ct = np.dtype([("a", "<i4"), ("b", "<f8"), ("s", h5py.string_dtype()), ("arr", "<i2", (2,))])
    d.attrs.create("cmp", np.array([(1, 2.5, "hi", [3, 4])], dtype=ct)[0], dtype=ct)
    d.attrs.create("cmps", np.array([(1, 2.5, "hi", [3, 4]), (5, 6.5, "yo", [7, 8])], dtype=ct), dtype=ct)
    et = h5py.enum_dtype({"RED": 0, "GREEN": 1, "BLUE": 2}, basetype="i1")
    d.attrs.create("enum", 2, dtype=et)
    d.attrs.create("enums", [0, 2, 1], dtype=et)
    d.attrs["opaque"] = np.void(b"\\x01\\x02\\x03")
    d.attrs.create("vlint", np.array([np.array([1, 2, 3], "i4"), np.array([4], "i4")], dtype=object), dtype=h5py.vlen_dtype("i4"))
    d.attrs["big"] = np.int64(2**40)
    f.create_dataset("enumds", data=np.array([[0, 1], [2, 1]], dtype="i2"),
                     dtype=h5py.enum_dtype({"A": 0, "B": 1, "C": 2}, basetype="i2"))
    sp = h5py.h5s.create_simple((4,))
    b = h5py.h5d.create(f.id, b"bits", h5py.h5t.STD_B16BE, sp)
    b.write(h5py.h5s.ALL, h5py.h5s.ALL, np.array([1, 2, 0x8000, 0xffff], dtype="<u2"), mtype=h5py.h5t.NATIVE_B16)
`;

/** netCDF-4 user types and every attribute type ncgen writes. */
export const TYPES_CDL = `netcdf types {
types:
  byte enum cloud_t {Clear = 0, Cumulus = 1, Stratus = 2} ;
  compound wind_t { float u; float v; } ;
dimensions:
  x = 3 ;
variables:
  int v(x) ;
    string v:s1 = "one" ;
    string v:s2 = "one", "two" ;
    v:c = "chars" ;
    ubyte v:ub = 200 ;
    int64 v:i64 = 9007199254740993 ;
    uint64 v:u64 = 42 ;
    byte v:b = -3, 4 ;
    double v:d = 1.5, 2.5, 3.5 ;
    cloud_t v:cl = Stratus ;
    wind_t v:w = {1.5, -2} ;
  cloud_t clouds(x) ;
data:
  v = 1, 2, 3 ;
  clouds = Clear, Stratus, Cumulus ;
}
`;

/** Writes a CDL text with `ncgen -k nc4` as `dir/name.nc`; returns its path. */
export async function ncgen(dir: string, name: string, cdl: string): Promise<string> {
  await Deno.writeTextFile(`${dir}/${name}.cdl`, cdl);
  const r = await new Deno.Command("ncgen", {
    args: ["-k", "nc4", "-o", `${dir}/${name}.nc`, `${dir}/${name}.cdl`],
    stderr: "piped",
  }).output();
  if (!r.success) throw new Error(new TextDecoder().decode(r.stderr));
  return `${dir}/${name}.nc`;
}
