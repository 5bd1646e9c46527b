// CF-encoded files for the CF decoding tests, made by the reference tools:
// netCDF4-python writes real netCDF-4 (scale/offset/fill attributes, zlib +
// shuffle, coordinate variables), xarray writes a CF-encoded Zarr store.

import { runPython } from "../_util.ts";

/** Python modules the fixture needs. */
export const CF_MODULES = ["numpy", "netCDF4", "xarray", "zarr"];

/**
 * Writes into `dir`:
 * - `cf.nc`: `t2m` (int16, scale 0.01, offset 273.15, _FillValue -32767,
 *   missing_value -32766; a (lat 1, lon 1) column missing at every time) and
 *   variables covering xarray's decoded-dtype rules: `scale_only` (int16,
 *   scale) `offset_only` (int16, offset), `i32_fill` (int32, fill),
 *   `f32_scale` (float32, scale and fill), `u8_packed` (uint8, scale, offset,
 *   fill), `mv_list` (int16, missing_value [-1, -2]), `valid` (int16,
 *   valid_range [0, 1000]), `plain` (float64, no encoding), `u8_unsigned`
 *   (int8, _Unsigned "true", scale, fill -1 = 255), `u16_only` (int16,
 *   _Unsigned "true" alone: read as uint16);
 * - `same.nc`: `t2m` with _FillValue = missing_value = -32767 (what CDO reads
 *   as one missing value);
 * - `t2m.zarr`: the decoded `t2m` written by xarray's `to_zarr` with the same
 *   int16 encoding.
 */
export async function makeCfFiles(dir: string): Promise<void> {
  await runPython(
    `
import sys, os, warnings
import numpy as np, netCDF4, xarray as xr
warnings.simplefilter("ignore")
os.chdir(sys.argv[1])
T, Y, X = 6, 4, 5
rng = np.random.default_rng(0)
t = rng.integers(-3000, 3000, (T, Y, X)).astype("i2")
t[:, 1, 1] = -32767
t[0, 0, 0] = -32767
t[2, 0, 0] = -32766
t[3, 2, 4] = -32767

def coords(f):
    f.createDimension("time", None); f.createDimension("lat", Y); f.createDimension("lon", X)
    tv = f.createVariable("time", "f8", ("time",)); tv.units = "days since 2000-01-01"
    tv.calendar = "standard"; tv[:] = np.arange(T)
    la = f.createVariable("lat", "f4", ("lat",)); la.units = "degrees_north"; la[:] = np.linspace(-30, 30, Y)
    lo = f.createVariable("lon", "f4", ("lon",)); lo.units = "degrees_east"; lo[:] = np.linspace(0, 40, X)

def var(f, name, dtype, data, fill=None, **attrs):
    v = f.createVariable(name, dtype, ("time", "lat", "lon"), zlib=True, shuffle=True,
                         chunksizes=(1, Y, X), fill_value=fill)
    v.set_auto_maskandscale(False)
    for k, a in attrs.items():
        v.setncattr(k, a)
    v[:] = data

with netCDF4.Dataset("cf.nc", "w") as f:
    coords(f)
    var(f, "t2m", "i2", t, -32767, scale_factor=0.01, add_offset=273.15,
        missing_value=np.int16(-32766), units="K")
    var(f, "scale_only", "i2", t, scale_factor=np.float32(0.5))
    var(f, "offset_only", "i2", t, add_offset=100.0)
    var(f, "i32_fill", "i4", t.astype("i4") * 1000, -32767000)
    f32 = (t * 0.25).astype("f4"); f32[t == -32767] = 1e20
    var(f, "f32_scale", "f4", f32, np.float32(1e20), scale_factor=np.float32(2))
    u8 = (np.abs(t) % 256).astype("u1")
    var(f, "u8_packed", "u1", u8, np.uint8(255), scale_factor=np.float32(0.1),
        add_offset=np.float32(-5))
    mv = (t % 7 - 3).astype("i2")
    var(f, "mv_list", "i2", mv, missing_value=np.array([-1, -2], dtype="i2"))
    var(f, "valid", "i2", t, valid_range=np.array([0, 1000], dtype="i2"))
    var(f, "plain", "f8", t * 0.5)
    var(f, "u8_unsigned", "i1", (t % 256).astype("i1"), np.int8(-1), _Unsigned="true",
        scale_factor=np.float32(0.5))
    var(f, "u16_only", "i2", t, _Unsigned="true")

with netCDF4.Dataset("same.nc", "w") as f:
    coords(f)
    var(f, "t2m", "i2", t, -32767, scale_factor=0.01, add_offset=273.15,
        missing_value=np.int16(-32767), units="K")

ds = xr.open_dataset("cf.nc")[["t2m"]]
ds.to_zarr("t2m.zarr", mode="w", encoding={"t2m": {"dtype": "int16", "scale_factor": 0.01,
    "add_offset": 273.15, "_FillValue": -32767, "chunks": (2, Y, X)}})
`,
    dir,
  );
}

/** Values as JSON with NaN as null (Python side), back to numbers. */
export function nanOf(values: unknown): unknown {
  if (Array.isArray(values)) return values.map(nanOf);
  return values === null ? NaN : values;
}
