import assert from "node:assert/strict";
import { type DType, DTYPES } from "../../core/dtype.ts";
import { FormatError, ShapeMismatchError } from "../../core/errors.ts";
import { arange, fromArray, type NDArray } from "../../core/ndarray.ts";
import { Hdf5Error } from "../../core/errors.ts";
import { H5File, openDataset } from "../../io/hdf5.ts";
import { hdf5Candidates } from "../../ffi/hdf5.ts";
import { ROOT, tempDir } from "../_util.ts";

const FIX = `${ROOT}/tests/fixtures/hdf5`;
const expected = JSON.parse(await Deno.readTextFile(`${FIX}/expected.json`));

// The JSON form make_hdf5.py uses: 64-bit integers as strings, infinities as strings.
function jsonValues(a: NDArray): unknown[] {
  return [...a.flat()].map((v) =>
    typeof v === "bigint"
      ? v.toString()
      : v === Infinity
      ? "inf"
      : v === -Infinity
      ? "-inf"
      : Number.isNaN(v)
      ? null
      : v
  );
}

Deno.test("H5Dataset.read() reads every dtype in both byte orders as native values", () => {
  using f = H5File.open(`${FIX}/dtypes.h5`);
  const names = Object.keys(expected.dtypes);
  assert.equal(names.length, 12);
  for (const d of names) {
    for (const order of ["le", "be"]) {
      using ds = f.dataset(`/${order}/${d}`);
      assert.equal(ds.dtype, d);
      assert.deepEqual(ds.shape, [3, 4]);
      assert.equal(
        ds.info.byteOrder,
        DTYPES[d as DType].bytes === 1 ? "none" : order === "le" ? "little" : "big",
      );
      const a = ds.readSync();
      assert.deepEqual(jsonValues(a), expected.dtypes[d], `${order}/${d}`);
    }
  }
  using s = f.dataset("/scalar");
  assert.deepEqual(s.shape, []);
  assert.equal(s.readSync().get(), 2.5);
});

Deno.test("H5Dataset.info reports chunks, filters, fill value and maxshape like h5py", () => {
  using f = H5File.open(`${FIX}/chunked.h5`);
  for (const [name, e] of Object.entries(expected.chunked) as [string, Record<string, unknown>][]) {
    using ds = f.dataset(name);
    const info = ds.info;
    assert.deepEqual(info.shape, e.shape, name);
    assert.deepEqual(info.maxshape, e.maxshape, name);
    assert.deepEqual(info.chunks, e.chunks, name);
    assert.equal(info.compression, e.compression, name);
    assert.equal(info.compressionLevel, name === "gzip_shuffle" ? 6 : null, name);
    assert.equal(info.shuffle, e.shuffle, name);
    assert.equal(Number(info.fillValue), e.fillvalue, name);
    assert.deepEqual(jsonValues(ds.readSync()), e.values, name);
  }
  using c = f.dataset("/contiguous");
  assert.equal(c.info.layout, "contiguous");
  assert.deepEqual(c.chunks, [3, 4]);
  using g = f.dataset("/gzip_shuffle");
  assert.deepEqual(g.info.filters.map((x) => [x.name, x.id]), [["shuffle", 2], ["gzip", 1]]);
  assert.deepEqual(g.chunks, [4, 3]);
  using fl = f.dataset("/fletcher");
  assert.deepEqual(fl.info.filters.map((x) => x.name), ["fletcher32"]);
});

Deno.test("H5Dataset.read() reads hyperslabs with starts, steps and counts", async () => {
  await using dir = await tempDir();
  const file = `${dir.path}/slab.h5`;
  const full = arange(4 * 7 * 5, undefined, undefined, "int32").reshape([4, 7, 5]);
  {
    using f = H5File.open(file, { mode: "w" });
    f.createDataset("/c", { shape: [4, 7, 5], dtype: "int32", chunks: [2, 3, 2], data: full })
      .close();
    f.createDataset("/n", { shape: [4, 7, 5], dtype: "int32", data: full }).close();
  }
  using f = H5File.open(file);
  for (const name of ["/c", "/n"]) {
    using ds = f.dataset(name);
    for (const sel of ["1:3, ::2, 4", "::3, 2:7:2, 1:", "0, 0, 0", ":, :, :", "3:, 6:, ::4"]) {
      const got = await ds.read(sel);
      const specs = sel.split(",").map((s) => s.trim());
      const want = full.slice(...specs.map((s) => (/^\d+$/.test(s) ? `${s}:${Number(s) + 1}` : s)));
      assert.deepEqual(got.shape, want.shape, sel);
      assert.deepEqual(got.toArray(), want.toArray(), `${name} ${sel}`);
    }
    const r = await ds.read({ start: [1, 2, 3], step: [2, 3, 1], count: [2, 2, 2] });
    assert.deepEqual(r.toArray(), full.slice("1:4:2", "2:6:3", "3:5").toArray());
    const empty = await ds.read("2:2");
    assert.deepEqual(empty.shape, [0, 7, 5]);
  }
});

Deno.test("H5Dataset.write() writes hyperslabs, converts dtypes and copies strided arrays", async () => {
  await using dir = await tempDir();
  using f = H5File.open(`${dir.path}/w.h5`, { mode: "w" });
  using ds = f.createDataset("/x", { shape: [4, 6], dtype: "float32", chunks: [3, 4] });
  await ds.write("1:3, 0:6:2", fromArray([[1, 2, 3], [4, 5, 6]], "int16"));
  // a transposed (non-contiguous) view
  const t = arange(6, undefined, undefined, "float64").reshape([2, 3]).transpose();
  await ds.write("0:3, 5:6", t.slice(":", "0:1"));
  await ds.write("3, :", arange(6, undefined, undefined, "int64"));
  assert.deepEqual((await ds.read()).toArray(), [
    [0, 0, 0, 0, 0, 0],
    [1, 0, 2, 0, 3, 1],
    [4, 0, 5, 0, 6, 2],
    [0, 1, 2, 3, 4, 5],
  ]);
  using b = f.createDataset("/flags", { shape: [3], dtype: "bool" });
  await b.write(undefined, fromArray([0, 2, 0], "int32"));
  assert.deepEqual((await b.read()).toArray(), [false, true, false]);
  using i = f.createDataset("/ints", { shape: [3], dtype: "int8" });
  await i.write(undefined, fromArray([true, false, true]));
  assert.deepEqual((await i.read()).toArray(), [1, 0, 1]);
});

Deno.test("H5File.createDataset() makes resizable chunked datasets with fill values", async () => {
  await using dir = await tempDir();
  using f = H5File.open(`${dir.path}/r.h5`, { mode: "w" });
  using ds = f.createDataset("/grow/t", {
    shape: [2, 3],
    maxshape: [null, 3],
    dtype: "int64",
    fillValue: -5n,
    compression: "gzip",
    compressionLevel: 1,
    shuffle: true,
  });
  assert.deepEqual(ds.info.maxshape, [null, 3]);
  assert.equal(ds.info.layout, "chunked");
  assert.equal(ds.info.compressionLevel, 1);
  assert.equal(ds.info.shuffle, true);
  assert.equal(ds.info.fillValue, -5n);
  await ds.write("0:2", fromArray([[1, 2, 3], [4, 5, 6]], "int64"));
  ds.resize([4, 3]);
  assert.deepEqual(ds.shape, [4, 3]);
  await ds.write("3", fromArray([[7, 8, 9]]));
  assert.deepEqual((await ds.read()).toArray(), [
    [1n, 2n, 3n],
    [4n, 5n, 6n],
    [-5n, -5n, -5n],
    [7n, 8n, 9n],
  ]);
  assert.throws(() => ds.resize([4, 4]), {
    name: "RangeError",
    message: /Cannot resize ".*r\.h5:\/grow\/t" to \[4,4\]: maxshape is \[None,3\]/,
  });
  assert.equal(f.kind("/grow"), "group");
  assert.throws(() => f.createDataset("/grow/t", { shape: [1] }), Deno.errors.AlreadyExists);
});

Deno.test("H5Dataset.chunks gives blocks of about 32 MiB for contiguous datasets", async () => {
  await using dir = await tempDir();
  using f = H5File.open(`${dir.path}/big.h5`, { mode: "w" });
  // contiguous storage is allocated late: nothing is written
  using ds = f.createDataset("/big", { shape: [100000, 1000], dtype: "float64" });
  assert.equal(ds.info.chunks, null);
  assert.deepEqual(ds.chunks, [Math.floor((32 * 2 ** 20) / 8000), 1000]);
  using c = f.createDataset("/c", { shape: [10, 10], chunks: [5, 2] });
  assert.deepEqual(c.chunks, [5, 2]);
});

Deno.test("H5File.list() lists groups and datasets in name order", () => {
  using f = H5File.open(`${FIX}/groups.h5`);
  const entries = f.list();
  // h5py's visit plus the soft link (resolved); the dangling link is skipped
  const want = [...expected.visit, "/a/soft"].sort();
  assert.deepEqual(entries.map((e) => e.path), want);
  const x = entries.find((e) => e.path === "/a/x");
  assert.deepEqual(x, {
    path: "/a/x",
    kind: "dataset",
    shape: [2, 3],
    dtype: "float32",
    chunks: [1, 3],
  });
  assert.deepEqual(f.list("/a", { recursive: false }).map((e) => e.path), [
    "/a/b",
    "/a/soft",
    "/a/x",
  ]);
  assert.deepEqual(entries.find((e) => e.path === "/z")?.shape, []);
});

Deno.test("H5File.list() names unsupported datatypes by their HDF5 class", () => {
  using f = H5File.open(`${FIX}/unsupported.h5`);
  assert.deepEqual(
    f.list().map((e) => [e.path, e.dtype, e.unsupportedType]),
    [
      ["/compound", null, "H5T_COMPOUND"],
      ["/enum", "uint8", undefined], // as h5py: an enum reads as its base integer type
      ["/refs", null, "H5T_REFERENCE"],
      ["/strings", null, "H5T_STRING"],
      ["/vlen", null, "H5T_VLEN"],
    ],
  );
});

Deno.test("H5File.dataset() rejects unsupported datatypes with a FormatError naming the class", () => {
  using f = H5File.open(`${FIX}/unsupported.h5`);
  for (
    const [name, cls] of [
      ["compound", "H5T_COMPOUND"],
      ["vlen", "H5T_VLEN"],
      ["refs", "H5T_REFERENCE"],
      ["strings", "H5T_STRING"],
    ]
  ) {
    assert.throws(() => f.dataset(`/${name}`), (e: unknown) => {
      assert.ok(e instanceof FormatError);
      assert.equal(e.file, `${FIX}/unsupported.h5`);
      assert.equal(e.detail, `dataset "/${name}" has an unsupported datatype ${cls}`);
      return true;
    });
  }
  using e = f.dataset("/enum");
  assert.deepEqual(e.readSync().toArray(), [0, 1, 2]);
  e.close();
  assert.equal(H5File.openObjectCount(), 1);
});

Deno.test("H5File.getAttribute() reads numbers, arrays and fixed and variable strings", () => {
  using f = H5File.open(`${FIX}/attrs.h5`);
  assert.equal(f.getAttribute("/", "int"), -7);
  assert.equal(f.getAttribute("/", "int64"), 2n ** 40n);
  assert.equal(f.getAttribute("/", "float"), 2.5);
  assert.equal(f.getAttribute("/", "bool"), true);
  assert.equal(f.getAttribute("/", "vlen_str"), "h\u00e9llo");
  assert.equal(f.getAttribute("/", "fixed_str"), "fixed");
  assert.deepEqual(f.getAttribute("/", "str_list"), ["a", "bc", "d\u00e9f"]);
  assert.deepEqual(f.getAttribute("/", "fixed_list"), ["x", "yz"]);
  const arr = f.getAttribute("/", "f32_array") as NDArray;
  assert.equal(arr.dtype, "float32");
  assert.deepEqual(arr.toArray(), [[1, 2], [3, 4]]);
  assert.deepEqual(f.attributes("/d"), { units: "K" });
  assert.deepEqual(f.getAttribute("/", "compound"), { a: 1, b: 2 }); // a compound as an object
  assert.throws(() => f.getAttribute("/d", "nope"), {
    name: "FormatError",
    message: /object "\/d" has no attribute "nope"/,
  });
});

Deno.test("H5File.setAttribute() writes values that read back unchanged", async () => {
  await using dir = await tempDir();
  const file = `${dir.path}/a.h5`;
  {
    using f = H5File.open(file, { mode: "w" });
    f.createGroup("/g/h");
    f.setAttribute("/g", "n", 3);
    f.setAttribute("/g", "x", 0.25);
    f.setAttribute("/g", "big", -(2n ** 62n));
    f.setAttribute("/g", "yes", false);
    f.setAttribute("/g", "s", "vlen \u00fc");
    f.setAttribute("/g", "fs", "fixed \u00fc", { fixedLength: true });
    f.setAttribute("/g", "list", ["p", "qr"]);
    f.setAttribute("/g", "flist", ["p", "qr"], { fixedLength: true });
    f.setAttribute("/g", "arr", arange(6, undefined, undefined, "uint16").reshape([2, 3]));
    f.setAttribute("/g", "n", 4, { dtype: "int8" }); // replaces
    using ds = f.createDataset("/g/h/d", { shape: [2] });
    ds.setAttribute("units", "K");
  }
  using f = H5File.open(file);
  const a = f.attributes("/g");
  assert.deepEqual(Object.keys(a), ["arr", "big", "flist", "fs", "list", "n", "s", "x", "yes"]);
  assert.equal(a.n, 4);
  assert.equal(a.x, 0.25);
  assert.equal(a.big, -(2n ** 62n));
  assert.equal(a.yes, false);
  assert.equal(a.s, "vlen \u00fc");
  assert.equal(a.fs, "fixed \u00fc");
  assert.deepEqual(a.list, ["p", "qr"]);
  assert.deepEqual(a.flist, ["p", "qr"]);
  assert.equal((a.arr as NDArray).dtype, "uint16");
  assert.deepEqual((a.arr as NDArray).toArray(), [[0, 1, 2], [3, 4, 5]]);
  using ds = f.dataset("/g/h/d");
  assert.deepEqual(ds.readAttributes(), { units: "K" });
  assert.deepEqual(ds.attributes, { units: "K" });
});

Deno.test("H5File.open() rejects a file that is not HDF5", () => {
  assert.throws(() => H5File.open(`${FIX}/not_hdf5.h5`), (e: unknown) => {
    assert.ok(e instanceof FormatError);
    assert.equal(
      e.message,
      `Cannot read "${FIX}/not_hdf5.h5": not an HDF5 file (no HDF5 signature)`,
    );
    assert.ok(e.cause instanceof Hdf5Error);
    assert.match(e.cause.message, /file signature not found/);
    assert.equal(e.cause.symbol, "H5Fopen");
    return true;
  });
});

Deno.test("H5File.open() rejects a truncated file", () => {
  assert.throws(() => H5File.open(`${FIX}/truncated.h5`), {
    name: "FormatError",
    message: /truncated\.h5": truncated file: eof = 8252, .*stored_eof = 16504/,
  });
});

Deno.test("H5File.open() rejects a missing file with NotFound", () => {
  assert.throws(() => H5File.open(`${FIX}/missing.h5`), {
    name: "NotFound",
    message: `Cannot open "${FIX}/missing.h5": no such file`,
  });
});

Deno.test("H5File.dataset() rejects a missing group or dataset naming file and object", () => {
  using f = H5File.open(`${FIX}/groups.h5`);
  assert.throws(() => f.dataset("/a/nope"), {
    name: "FormatError",
    message:
      `Cannot read "${FIX}/groups.h5": no dataset "/a/nope": group "/a" has no member "nope"`,
  });
  assert.throws(() => f.dataset("/q/r"), {
    name: "FormatError",
    message: /no dataset "\/q\/r": group "\/" has no member "q"/,
  });
  assert.throws(() => f.dataset("/a/x/y"), {
    name: "FormatError",
    message: /no dataset "\/a\/x\/y": "\/a\/x" is not a group/,
  });
  assert.throws(() => f.dataset("/a/b"), {
    name: "FormatError",
    message: /"\/a\/b" is a group, not a dataset/,
  });
  assert.throws(() => f.list("/a/x"), {
    name: "FormatError",
    message: /is a dataset, not a group/,
  });
  assert.equal(f.kind("/nope"), null);
});

Deno.test("H5Dataset.read() rejects a region outside the dataspace with a RangeError", async () => {
  using f = H5File.open(`${FIX}/chunked.h5`);
  using ds = f.dataset("/gzip_shuffle");
  await assert.rejects(() => ds.read({ start: [5, 0], step: [1, 1], count: [2, 10] }), {
    name: "RangeError",
    message: new RegExp(`^Cannot read "${FIX}/chunked.h5:/gzip_shuffle": Region \\[5:7,0:10\\]`),
  });
  await assert.rejects(() => ds.read("0, 10"), {
    name: "RangeError",
    message: /chunked\.h5:\/gzip_shuffle": Index 10 is outside axis 1/,
  });
  await assert.rejects(() => ds.read("0,0,0"), { name: "RangeError", message: /has 3 axes/ });
});

Deno.test("H5Dataset.write() rejects a shape mismatch with a ShapeMismatchError", async () => {
  await using dir = await tempDir();
  using f = H5File.open(`${dir.path}/m.h5`, { mode: "w" });
  using ds = f.createDataset("/x", { shape: [4, 6], dtype: "int32" });
  await assert.rejects(() => ds.write("0:2, 0:3", arange(6).reshape([3, 2])), (e: unknown) => {
    assert.ok(e instanceof ShapeMismatchError);
    assert.match(e.message, /m\.h5:\/x": array shape \[3,2\] does not match region \[0:2,0:3\]/);
    return true;
  });
  await assert.rejects(
    () => ds.write({ start: [2, 0], step: [1, 1], count: [4, 6] }, arange(24).reshape([4, 6])),
    { name: "RangeError", message: /^Cannot write ".*m\.h5:\/x": Region \[2:6,0:6\] is outside/ },
  );
  assert.deepEqual([...(await ds.read()).flat()], new Array(24).fill(0));
});

Deno.test("H5Dataset.write() on a read-only file fails with an Hdf5Error and leaves the file unchanged", async () => {
  await using dir = await tempDir();
  const file = `${dir.path}/ro.h5`;
  await Deno.copyFile(`${FIX}/chunked.h5`, file);
  const before = await Deno.readFile(file);
  const mtime = (await Deno.stat(file)).mtime?.getTime();
  await new Promise((r) => setTimeout(r, 20));
  {
    using f = H5File.open(file);
    f.list();
    f.attributes("/");
    using ds = f.dataset("/fill");
    await ds.read();
    await assert.rejects(() => ds.write("0, 0", fromArray([[1]], "float32")), (e: unknown) => {
      assert.ok(e instanceof Hdf5Error);
      assert.equal(e.symbol, "H5Dwrite");
      assert.equal(e.file, file);
      assert.equal(e.object, "/fill");
      assert.match(e.message, /no write intent on file/);
      return true;
    });
    assert.throws(() => f.setAttribute("/", "x", 1), Hdf5Error);
  }
  assert.deepEqual(await Deno.readFile(file), before);
  assert.equal((await Deno.stat(file)).mtime?.getTime(), mtime);
});

Deno.test("openDataset() opens a locator and closing the dataset closes the file", async () => {
  {
    using ds = await openDataset(`${FIX}/chunked.h5:/unlimited`);
    assert.equal(ds.locator, `${FIX}/chunked.h5:/unlimited`);
    assert.deepEqual((await ds.read("2:5")).toArray(), [2, 3, 4]);
  }
  assert.equal(H5File.openObjectCount(), 0);
  await assert.rejects(() => openDataset(`${FIX}/chunked.h5`), SyntaxError);
  await assert.rejects(() => openDataset(`${FIX}/chunked.h5:/nope`), FormatError);
  assert.equal(H5File.openObjectCount(), 0);
});

Deno.test("H5File leaves no HDF5 ids open after a workload", async () => {
  await using dir = await tempDir();
  {
    using f = H5File.open(`${dir.path}/leak.h5`, { mode: "w" });
    using ds = f.createDataset("/a/b", { shape: [10], dtype: "bool", chunks: [5] });
    await ds.write("0:5", fromArray([true, false, true, false, true]));
    ds.setAttribute("s", ["x", "y"]);
    f.setAttribute("/a", "f16", fromArray([1.5], "float16"));
    f.list();
    f.attributes("/a");
    void ds.attributes;
    ds.readAttributes();
    assert.throws(() => f.dataset("/a/zz"), FormatError);
    assert.throws(() => f.createDataset("/a/b", { shape: [1] }), Deno.errors.AlreadyExists);
    assert.ok(H5File.openObjectCount() > 0);
  }
  {
    using f = H5File.open(`${FIX}/attrs.h5`);
    f.attributes("/d");
    assert.deepEqual(f.attributes("/").compound, { a: 1, b: 2 }); // the compound attribute
  }
  for (const n of ["truncated.h5", "not_hdf5.h5"]) {
    assert.throws(() => H5File.open(`${FIX}/${n}`), FormatError);
  }
  assert.equal(H5File.openObjectCount(), 0);
});

Deno.test("H5File.close() and H5Dataset.close() are idempotent and closed handles refuse work", async () => {
  const f = H5File.open(`${FIX}/chunked.h5`);
  const ds = f.dataset("/fill");
  f.close();
  f.close();
  assert.equal(f.isOpen, false);
  // the dataset keeps the file alive
  assert.deepEqual((await ds.read("0, 0:2")).toArray(), [[1, 1]]);
  ds.close();
  ds.close();
  await assert.rejects(() => ds.read(), { name: "TypeError", message: /the dataset is closed/ });
  assert.throws(() => f.list(), { name: "TypeError", message: /the file is closed/ });
  assert.equal(H5File.openObjectCount(), 0);
});

Deno.test("io/hdf5.ts loads libhdf5 lazily and names every path tried when it cannot", async () => {
  const script = `
    const m = await import("${ROOT}/io/hdf5.ts");
    console.log("imported");
    try { m.H5File.open("x.h5"); } catch (e) { console.log(e.name + ": " + e.message); }
  `;
  const r = await new Deno.Command(Deno.execPath(), {
    args: ["eval", script],
    env: { TESSERA_HDF5_LIB: "/nonexistent/libhdf5.so" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const out = new TextDecoder().decode(r.stdout);
  assert.ok(r.success, new TextDecoder().decode(r.stderr));
  assert.match(out, /^imported\n/);
  assert.match(
    out,
    /LibraryNotFoundError: dlopen failed \(libhdf5, code -1\): cannot load libhdf5/,
  );
  assert.match(out, /\/nonexistent\/libhdf5\.so: /);
  assert.match(out, /Set TESSERA_HDF5_LIB to the library's path/);
});

Deno.test("hdf5Candidates() puts the parallel build first under an MPI launcher", () => {
  const saved = ["PMI_RANK", "PMI_SIZE", "OMPI_COMM_WORLD_SIZE"].map((k) => [k, Deno.env.get(k)]);
  try {
    for (const [k] of saved) Deno.env.delete(k as string);
    assert.equal(hdf5Candidates()[0], "libhdf5_serial.so.103");
    assert.deepEqual(hdf5Candidates().slice(0, 4), [
      "libhdf5_serial.so.103",
      "libhdf5.so.310",
      "libhdf5.so.200",
      "libhdf5.so.103",
    ]);
    Deno.env.set("PMI_RANK", "0");
    assert.equal(hdf5Candidates()[0], "libhdf5_mpich.so.103");
    Deno.env.delete("PMI_RANK");
    Deno.env.set("OMPI_COMM_WORLD_SIZE", "2");
    assert.equal(hdf5Candidates()[0], "libhdf5_openmpi.so.103");
  } finally {
    for (const [k, v] of saved) {
      if (v === undefined) Deno.env.delete(k as string);
      else Deno.env.set(k as string, v);
    }
  }
});
