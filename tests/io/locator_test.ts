import assert from "node:assert/strict";
import { formatLocator, parseLocator } from "../../io/locator.ts";

Deno.test("parseLocator() splits an HDF5 locator into path, format and object", () => {
  assert.deepEqual(parseLocator("data/era5.h5:/t2m"), {
    path: "data/era5.h5",
    format: "hdf5",
    object: "/t2m",
  });
  assert.deepEqual(parseLocator("/abs/x.hdf5:/g/d"), {
    path: "/abs/x.hdf5",
    format: "hdf5",
    object: "/g/d",
  });
  assert.equal(parseLocator("a.he5:/x").format, "hdf5");
  assert.equal(parseLocator("a.nc:/x").format, "hdf5");
  assert.equal(parseLocator("A.H5:/x").format, "hdf5");
});

Deno.test("parseLocator() normalises object paths", () => {
  assert.equal(parseLocator("x.h5:g//d/").object, "/g/d");
  assert.equal(parseLocator("x.h5:/./g").object, "/g");
  assert.equal(parseLocator("s.zarr:/").object, "/");
});

Deno.test("parseLocator() takes zarr stores with or without an object", () => {
  assert.deepEqual(parseLocator("store.zarr"), {
    path: "store.zarr",
    format: "zarr",
    object: null,
  });
  assert.deepEqual(parseLocator("store.zarr/"), {
    path: "store.zarr",
    format: "zarr",
    object: null,
  });
  assert.deepEqual(parseLocator("out/store.zarr:/a/b"), {
    path: "out/store.zarr",
    format: "zarr",
    object: "/a/b",
  });
});

Deno.test("parseLocator() recognises npy and arrow files", () => {
  assert.deepEqual(parseLocator("x.npy"), { path: "x.npy", format: "npy", object: null });
  assert.deepEqual(parseLocator("t.arrow"), { path: "t.arrow", format: "arrow", object: null });
  assert.deepEqual(parseLocator("t.feather:speed"), {
    path: "t.feather",
    format: "arrow",
    object: "speed",
  });
});

Deno.test("parseLocator() ends the path at the first extension followed by a colon", () => {
  assert.deepEqual(parseLocator("runs.h5.d/x.npy"), {
    path: "runs.h5.d/x.npy",
    format: "npy",
    object: null,
  });
  assert.deepEqual(parseLocator("a.zarr/b.h5:/c"), {
    path: "a.zarr/b.h5",
    format: "hdf5",
    object: "/c",
  });
});

Deno.test("parseLocator() rejects an unknown extension", () => {
  assert.throws(() => parseLocator("data.txt"), {
    name: "SyntaxError",
    message: /^Cannot parse locator "data.txt": unknown extension ".txt", expected one of \.h5/,
  });
  assert.throws(() => parseLocator("noext"), { name: "SyntaxError", message: /no file extension/ });
  assert.throws(() => parseLocator(""), { name: "SyntaxError", message: /it is empty/ });
});

Deno.test("parseLocator() rejects an HDF5 file without an object path where one is required", () => {
  assert.throws(() => parseLocator("era5.h5"), {
    name: "SyntaxError",
    message:
      'Cannot parse locator "era5.h5": an HDF5 locator needs an object path, as in "era5.h5:/group/dataset"',
  });
  assert.throws(() => parseLocator("era5.h5:"), { name: "SyntaxError" });
  assert.deepEqual(parseLocator("era5.h5", { requireObject: false }), {
    path: "era5.h5",
    format: "hdf5",
    object: null,
  });
});

Deno.test("parseLocator() rejects an object path on a .npy file", () => {
  assert.throws(() => parseLocator("x.npy:/a"), {
    name: "SyntaxError",
    message: /a \.npy file holds one array, it has no object "\/a"/,
  });
});

Deno.test("parseLocator() takes the format from the option when the extension is unknown", () => {
  assert.deepEqual(parseLocator("data.bin:/x", { format: "hdf5" }), {
    path: "data.bin",
    format: "hdf5",
    object: "/x",
  });
});

Deno.test("formatLocator() inverts parseLocator()", () => {
  for (const s of ["x.h5:/a/b", "s.zarr", "s.zarr:/g", "x.npy"]) {
    assert.equal(formatLocator(parseLocator(s)), s);
  }
});
