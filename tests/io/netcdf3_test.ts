// netCDF-3 read (io/netcdf3.ts, the "netcdf3" registry entry): files made by
// ncgen (-k classic, 64-bit-offset, cdf5) from CDL and by netCDF4-python,
// every variable and many regions compared with netCDF4-python's reads
// (set_auto_maskandscale(False): raw values), the CLI's info / reduce /
// convert compared with NumPy, and malformed headers refused with one
// FormatError naming the file.
//
//   deno test -A tests/io/netcdf3_test.ts

import assert from "node:assert/strict";
import { FormatError } from "../../core/errors.ts";
import { detectFormat, formatOf, FORMATS } from "../../io/formats.ts";
import { Nc3File } from "../../io/netcdf3.ts";
import { readNpy } from "../../io/npy.ts";
import { open } from "../../stream/lazy.ts";
import { hasCommand, hasPython, pythonJson, runCli, runPython, tempDir } from "../_util.ts";

const ok = hasPython("numpy", "netCDF4") && hasCommand("ncgen");

// every numeric type, fixed and record variables, attributes of every type,
// an unlimited time dimension with 4 records and several record variables
const CDL = `netcdf full {
dimensions:
  time = UNLIMITED ;
  lat = 3 ;
  lon = 5 ;
  n1 = 1 ;
variables:
  double time(time) ;
    time:units = "days since 2000-01-01" ;
  short t2m(time, lat, lon) ;
    t2m:scale_factor = 0.01 ;
    t2m:add_offset = 273.15 ;
    t2m:_FillValue = -32767s ;
    t2m:long_name = "2 m temperature" ;
  byte b(lat, lon) ;
    b:valid_range = -10b, 100b ;
  short s(lat) ;
    s:shorts = -3s, 4s ;
  int i(lon) ;
    i:ints = 1, -2, 2147483647 ;
  float f(lat, lon) ;
    f:_FillValue = -999.f ;
  double d(lon) ;
  char c(lat, lon) ;
  int sc ;
  byte rb(time, n1) ;
  float rf(time, lat) ;
  :title = "test file" ;
  :version = 3 ;
  :dvals = 1.5, -2.25 ;
data:
  time = 0, 1, 2, 3 ;
  t2m = 1,2,3,4,5,6,7,8,9,10,11,12,13,14,15, -32767,17,18,19,20,21,22,23,24,25,26,27,28,29,30,
        31,32,33,34,35,36,37,38,39,40,41,42,43,44,45, 46,47,48,49,50,51,52,53,54,55,56,57,58,59,60 ;
  b = -128, -1, 0, 1, 127, 5,6,7,8,9,10,11,12,13,14 ;
  s = -32768, 0, 32767 ;
  i = -2147483648, -1, 0, 1, 2147483647 ;
  f = 1.5, -2.5, 3e30, -1e-30, NaN, 1,2,3,4,5,6,7,8,9,10 ;
  d = 1e300, -1e-300, 0.1, 3.14159, -7 ;
  c = "abcde", "fghij", "klmno" ;
  sc = 42 ;
  rb = 1, -2, 3, -4 ;
  rf = 1,2,3,4,5,6,7,8,9,10,11,12 ;
}
`;

// one record variable only, of an odd byte size: records are not padded
const ONE_RECORD = `netcdf one {
dimensions: time = UNLIMITED ; x = 3 ;
variables: byte v(time, x) ; short w(x) ;
data: v = 1,2,3, 4,5,6, 7,8,9, -1,-2,-3, 127,-128,0 ; w = 7, 8, 9 ;
}
`;

async function ncgen(dir: string, name: string, cdl: string, kind: string): Promise<string> {
  await Deno.writeTextFile(`${dir}/${name}.cdl`, cdl);
  const out = `${dir}/${name}.nc`;
  const r = await new Deno.Command("ncgen", {
    args: ["-k", kind, "-o", out, `${dir}/${name}.cdl`],
    stderr: "piped",
  }).output();
  if (!r.success) throw new Error(`ncgen failed: ${new TextDecoder().decode(r.stderr)}`);
  return out;
}

// netCDF4-python's raw reads: every variable whole, and the given regions,
// saved as .npy files; the variables' metadata as JSON
const PEER = `
import json, sys, numpy as np, netCDF4
path, out, regions = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
ds = netCDF4.Dataset(path)
ds.set_auto_maskandscale(False)
def plain(v):
    if isinstance(v, str): return v
    a = np.asarray(v)
    return a.item() if a.size == 1 else a.tolist()
meta = {"format": ds.data_model, "attributes": {k: plain(ds.getncattr(k)) for k in ds.ncattrs()},
        "dimensions": {k: len(d) for k, d in ds.dimensions.items()}, "variables": {}}
for name, v in ds.variables.items():
    meta["variables"][name] = {"shape": list(v.shape), "dtype": str(v.dtype),
        "dimensions": list(v.dimensions),
        "attributes": {k: plain(v.getncattr(k)) for k in v.ncattrs()}}
    if v.dtype.kind == "S": continue
    np.save(f"{out}/{name}.npy", np.asarray(v[...]))
for i, (name, sel) in enumerate(regions):
    key = tuple(slice(a, b, c) for a, b, c in sel)
    np.save(f"{out}/region{i}.npy", np.asarray(ds.variables[name][key]))
print(json.dumps(meta))
`;

interface PeerMeta {
  format: string;
  attributes: Record<string, unknown>;
  dimensions: Record<string, number>;
  variables: Record<
    string,
    { shape: number[]; dtype: string; dimensions: string[]; attributes: Record<string, unknown> }
  >;
}

type Sel = [number, number, number][];

/** Same elements, bit for bit (NaN equal to NaN). */
function sameValues(actual: unknown, expected: unknown, what: string): void {
  const flat = (v: unknown): unknown[] => (Array.isArray(v) ? v.flatMap(flat) : [v]);
  const a = flat(actual);
  const e = flat(expected);
  assert.equal(a.length, e.length, what);
  for (let i = 0; i < a.length; i++) {
    assert.ok(Object.is(a[i], e[i]) || a[i] === e[i], `${what}[${i}]: ${a[i]} != ${e[i]}`);
  }
}

function sliceText(sel: Sel): string {
  return sel.map(([a, b, c]) => `${a}:${b}:${c}`).join(",");
}

async function compareWithPeer(path: string, regions: [string, Sel][]): Promise<PeerMeta> {
  await using out = await tempDir();
  const meta = await pythonJson<PeerMeta>(PEER, path, out.path, JSON.stringify(regions));
  using f = await Nc3File.open(path);
  assert.deepEqual(
    Object.fromEntries(f.header.dimensions.map((d) => [d.name, d.length])),
    meta.dimensions,
  );
  assert.deepEqual(f.header.attributes, meta.attributes);
  assert.deepEqual(f.header.variables.map((v) => v.name), Object.keys(meta.variables));
  for (const v of f.header.variables) {
    const m = meta.variables[v.name];
    assert.deepEqual(v.shape, m.shape, v.name);
    assert.deepEqual(v.dimensions, m.dimensions, v.name);
    assert.deepEqual(v.attributes, m.attributes, v.name);
    if (m.dtype.startsWith("|S") || m.dtype === "S1") {
      assert.equal(v.dtype, null);
      assert.throws(
        () => f.variable(v.name),
        (e) => e instanceof FormatError && /text/.test(e.message),
      );
      continue;
    }
    const src = f.variable(v.name);
    assert.equal(src.dtype, m.dtype, v.name);
    const expected = await readNpy(`${out.path}/${v.name}.npy`);
    sameValues((await src.read()).toArray(), expected.toArray(), v.name);
    assert.deepEqual(src.dimensions, m.dimensions);
    assert.deepEqual(src.attributes, m.attributes);
  }
  for (const [i, [name, sel]] of regions.entries()) {
    const expected = await readNpy(`${out.path}/region${i}.npy`);
    const got = await f.variable(name).read(sliceText(sel));
    assert.deepEqual(got.shape, expected.shape, `${name}[${sliceText(sel)}]`);
    sameValues(got.toArray(), expected.toArray(), `${name}[${sliceText(sel)}]`);
  }
  return meta;
}

const REGIONS: [string, Sel][] = [
  ["t2m", [[1, 3, 1], [0, 3, 1], [0, 5, 1]]],
  ["t2m", [[0, 4, 2], [1, 3, 1], [1, 4, 2]]],
  ["t2m", [[3, 4, 1], [2, 3, 1], [4, 5, 1]]],
  ["t2m", [[0, 4, 3], [0, 3, 2], [0, 5, 4]]],
  ["rf", [[1, 4, 1], [1, 2, 1]]],
  ["rb", [[0, 4, 3], [0, 1, 1]]],
  ["time", [[1, 3, 1]]],
  ["b", [[1, 3, 1], [0, 5, 2]]],
  ["f", [[0, 3, 2], [2, 5, 1]]],
  ["d", [[4, 5, 1]]],
  ["i", [[0, 5, 4]]],
];

for (const kind of ["classic", "64-bit-offset", "cdf5"]) {
  Deno.test({
    name:
      `Nc3File reads every variable and region of an ncgen -k ${kind} file as netCDF4-python does`,
    ignore: !ok,
    async fn() {
      await using dir = await tempDir();
      const path = await ncgen(dir.path, "full", CDL, kind);
      const meta = await compareWithPeer(path, REGIONS);
      assert.equal(
        meta.format,
        {
          classic: "NETCDF3_CLASSIC",
          "64-bit-offset": "NETCDF3_64BIT_OFFSET",
          cdf5: "NETCDF3_64BIT_DATA",
        }[
          kind
        ],
      );
      using f = await Nc3File.open(path);
      assert.equal(f.header.version, kind === "classic" ? 1 : kind === "cdf5" ? 5 : 2);
      assert.equal(f.header.numrecs, 4);
      // 8 (time) + 30 padded to 32 (t2m) + 1 padded to 4 (rb) + 12 (rf)
      assert.equal(f.header.recsize, 56);
      const t2m = f.variable("/t2m");
      assert.equal(t2m.fillValue, -32767);
      assert.equal(t2m.record, true);
      assert.equal(f.variable("f").fillValue, -999);
      assert.equal(f.variable("d").fillValue, null);
    },
  });
}

Deno.test({
  name: "Nc3File: one record variable alone is not padded between records",
  ignore: !ok,
  async fn() {
    await using dir = await tempDir();
    for (const kind of ["classic", "64-bit-offset"]) {
      const path = await ncgen(dir.path, `one-${kind}`, ONE_RECORD, kind);
      await compareWithPeer(path, [["v", [[1, 5, 2], [0, 3, 2]]], ["v", [[4, 5, 1], [0, 3, 1]]]]);
      using f = await Nc3File.open(path);
      assert.equal(f.header.recsize, 3);
    }
  },
});

Deno.test({
  name: "Nc3File: streaming numrecs (0xFFFFFFFF) counts the records from the file size",
  ignore: !ok,
  async fn() {
    await using dir = await tempDir();
    const path = await ncgen(dir.path, "one", ONE_RECORD, "classic");
    const bytes = await Deno.readFile(path);
    bytes.set([0xff, 0xff, 0xff, 0xff], 4);
    await Deno.writeFile(`${dir.path}/stream.nc`, bytes);
    using f = await Nc3File.open(`${dir.path}/stream.nc`);
    assert.equal(f.header.streaming, true);
    assert.equal(f.header.numrecs, 5);
    assert.deepEqual((await f.variable("v").read("3:")).toArray(), [[-1, -2, -3], [127, -128, 0]]);
  },
});

Deno.test({
  name: "Nc3File: a region read reads only its bytes (fixed and record variables)",
  ignore: !ok,
  async fn() {
    await using dir = await tempDir();
    const path = `${dir.path}/big.nc`;
    await runPython(
      `
import sys, numpy as np, netCDF4
ds = netCDF4.Dataset(sys.argv[1], "w", format="NETCDF3_64BIT_OFFSET")
ds.createDimension("time", None); ds.createDimension("y", 200); ds.createDimension("x", 300)
a = ds.createVariable("a", "f8", ("y", "x")); a[:] = np.arange(60000.0).reshape(200, 300)
u = ds.createVariable("u", "f4", ("time", "y", "x")); v = ds.createVariable("v", "i2", ("time", "y", "x"))
u[0:20] = np.arange(20 * 60000, dtype="f4").reshape(20, 200, 300)
v[0:20] = (np.arange(20 * 60000) % 30000).astype("i2").reshape(20, 200, 300)
ds.close()
`,
      path,
    );
    using f = await Nc3File.open(path);
    const a = f.variable("a");
    let before = f.bytesRead;
    const rows = await a.read("10:20");
    assert.equal(f.bytesRead - before, 10 * 300 * 8);
    assert.equal(rows.get(9, 299), 19 * 300 + 299);
    // records of u are 240000 bytes apart (u and v interleave): one run per record
    const u = f.variable("u");
    before = f.bytesRead;
    const recs = await u.read("5:8, 100:102");
    assert.equal(f.bytesRead - before, 3 * 2 * 300 * 4);
    assert.equal(recs.get(2, 1, 7), 7 * 60000 + 101 * 300 + 7);
    const vv = await f.variable("v").read("19, 199, 299");
    assert.equal(vv.get(0, 0, 0), (20 * 60000 - 1) % 30000);
  },
});

Deno.test({
  name: "open() of a netCDF-3 variable streams through the planner: sum over axis 0 as NumPy",
  ignore: !ok,
  async fn() {
    await using dir = await tempDir();
    const path = await ncgen(dir.path, "full", CDL, "classic");
    const expected = await pythonJson<number[][]>(
      `import sys, json, netCDF4
ds = netCDF4.Dataset(sys.argv[1]); ds.set_auto_maskandscale(False)
print(json.dumps(ds["t2m"][:].astype("i8").sum(axis=0).tolist()))`,
      path,
    );
    const t = await open(`${path}:/t2m`, { decode: false }); // the stored int16 (CF: cf_test)
    const sum = await t.sum({ axis: 0 }).compute();
    assert.equal(sum.dtype, "int64"); // as NumPy's sum of int16
    assert.deepEqual(sum.toArray(), expected.map((row) => row.map(BigInt)));
    const byName = await open(`${path}:rf`);
    assert.deepEqual((await byName.compute()).shape, [4, 3]);
  },
});

Deno.test({
  name:
    "the registry: .nc is netCDF-3 by its CDF signature, HDF5 otherwise; netCDF-3 output is refused",
  ignore: !ok,
  async fn() {
    await using dir = await tempDir();
    const classic = await ncgen(dir.path, "c", ONE_RECORD, "classic");
    const nc4 = await ncgen(dir.path, "h", ONE_RECORD, "nc4");
    assert.equal(await detectFormat(classic), "netcdf3");
    assert.equal(await detectFormat(nc4), "hdf5");
    assert.equal(await FORMATS.netcdf3.detect(nc4), false);
    assert.equal(await FORMATS.hdf5.detect(classic), false);
    // by extension, .nc is HDF5 (writes are netCDF-4); reads go by contents
    assert.equal(formatOf(`${classic}:/v`).name, "hdf5");
    const o = await formatOf(`${classic}:/w`).open(`${classic}:/w`);
    try {
      assert.deepEqual((await o.source.read()).toArray(), [7, 8, 9]);
      assert.deepEqual(o.source.dimensions, ["x"]);
    } finally {
      await o.close();
    }
    const h = await formatOf(`${nc4}:/w`).open(`${nc4}:/w`);
    try {
      assert.deepEqual((await h.source.read()).toArray(), [7, 8, 9]);
    } finally {
      await h.close();
    }
    const info = await formatOf(classic).info(classic);
    assert.equal(info.format, "netcdf3");
    await assert.rejects(
      () =>
        FORMATS.netcdf3.create({ path: classic, format: "netcdf3", object: "/x" }, {
          shape: [2],
          dtype: "float32",
        }),
      (e) => e instanceof TypeError && /netCDF-3 output is not supported/.test(e.message),
    );
  },
});

async function cli(
  cwd: string,
  ...args: string[]
): Promise<{ code: number; out: string; err: string }> {
  const r = await runCli(args, cwd);
  return { code: r.code, out: r.stdout, err: r.stderr };
}

Deno.test({
  name: "tessera info / reduce / convert on a classic file, compared with NumPy",
  ignore: !ok,
  async fn() {
    await using dir = await tempDir();
    await ncgen(dir.path, "x", CDL, "classic");
    const tree = await cli(dir.path, "info", "x.nc");
    assert.equal(tree.code, 0, tree.err);
    assert.match(tree.out, /^x\.nc \(netCDF-3 classic, netcdf3, /);
    assert.match(
      tree.out,
      /dimensions\n {4}time = 4 \(unlimited\)\n {4}lat {2}= 3\n {4}lon {2}= 5\n {4}n1 {3}= 1\n/,
    );
    assert.match(tree.out, /\/t2m {3}array {2}\[4, 3, 5\] int16 {2}\(time, lat, lon\)/);
    assert.match(tree.out, /@long_name = "2 m temperature"/);
    assert.match(tree.out, /\/c {5}array {2}\[3, 5\] char {2}\(lat, lon\)/);
    const one = await cli(dir.path, "info", "x.nc:/t2m", "--json");
    assert.equal(one.code, 0, one.err);
    const j = JSON.parse(one.out);
    assert.deepEqual([j.format, j.shape, j.dtype, j.fillValue], [
      "netcdf3",
      [4, 3, 5],
      "int16",
      -32767,
    ]);
    assert.deepEqual(j.extra.dimensions, ["time", "lat", "lon"]);

    const red = await cli(
      dir.path,
      "reduce",
      "sum",
      "x.nc:/t2m",
      "--axis",
      "0",
      "-o",
      "s.npy",
      "--raw", // the stored int16 (CF decoding: tests/cli/cf_cli_test.ts)
    );
    assert.equal(red.code, 0, red.err);
    const conv = await cli(dir.path, "convert", "x.nc:/rf", "rf.npy");
    assert.equal(conv.code, 0, conv.err);
    const check = await pythonJson<boolean[]>(
      `import sys, os, json, numpy as np, netCDF4
os.chdir(sys.argv[1])
ds = netCDF4.Dataset("x.nc"); ds.set_auto_maskandscale(False)
s, rf = np.load("s.npy"), np.load("rf.npy")
print(json.dumps([bool((s == ds["t2m"][:].sum(axis=0)).all()), rf.dtype == np.float32,
                  bool((rf == ds["rf"][:]).all())]))`,
      dir.path,
    );
    assert.deepEqual(check, [true, true, true]);
    // writing into the netCDF-3 file is refused in one line, the file unchanged
    const before = await Deno.readFile(`${dir.path}/x.nc`);
    const into = await cli(dir.path, "convert", "x.nc:/rf", "x.nc:/rf2");
    assert.equal(into.code, 1);
    assert.match(into.err, /netCDF-3 output is not supported/);
    assert.equal(into.err.trim().split("\n").length, 1, into.err);
    assert.deepEqual(await Deno.readFile(`${dir.path}/x.nc`), before);
  },
});

/** The bytes of a classic header, for mutation. */
function be(n: number): number[] {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255];
}

Deno.test({
  name: "Nc3File: truncated and mutated headers are one FormatError naming the file and the field",
  ignore: !ok,
  async fn() {
    await using dir = await tempDir();
    const path = await ncgen(dir.path, "full", CDL, "classic");
    const good = await Deno.readFile(path);
    using probe = await Nc3File.open(path);
    const headerBytes = probe.header.headerBytes;
    const refused = async (bytes: Uint8Array, pattern: RegExp, label: string): Promise<void> => {
      const p = `${dir.path}/bad.nc`;
      await Deno.writeFile(p, bytes);
      await assert.rejects(() => Nc3File.open(p), (e) => {
        assert.ok(e instanceof FormatError, `${label}: ${e}`);
        assert.ok(e.message.startsWith(`Cannot read "${p}"`), `${label}: ${e.message}`);
        assert.match(e.message, pattern, label);
        assert.ok(!e.message.includes("\n"), label);
        return true;
      });
    };
    // truncated everywhere inside the header, and inside the data
    for (let n = 0; n < headerBytes; n += 7) {
      await refused(
        good.slice(0, n),
        /truncated|too short|past the end|bytes left in the file/,
        `cut at ${n}`,
      );
    }
    await refused(good.slice(0, good.length - 3), /past the end of the file/, "cut in the data");
    const mutate = (at: number, bytes: number[]): Uint8Array => {
      const b = good.slice();
      b.set(bytes, at);
      return b;
    };
    await refused(mutate(3, [3]), /version byte 3/, "version");
    await refused(mutate(8, be(99)), /dimension list tag is 99/, "dimension tag");
    await refused(mutate(12, be(0x7fffffff)), /dimension count is 2147483647/, "dimension count");
    // the first dimension "time" (record); the length of the second, "lat" = 3, at byte 36
    await refused(mutate(36, be(0)), /both unlimited/, "two record dimensions");
    await refused(
      mutate(36, be(0xfffffff0)),
      /variable "time" needs bytes .* past the end of the file/,
      "huge dim",
    );
    await refused(mutate(16, be(0x40000000)), /length of name of dimension 0/, "name length");
    // a count of 2^29 attributes in a 1 KiB file
    const gatt = good.indexOf(0x0c, 40);
    await refused(mutate(gatt + 1, be(1 << 29)), /global attribute count/, "attribute count");
    // CDF-5 counts above 2^53
    const cdf5 = await ncgen(dir.path, "five", ONE_RECORD, "cdf5");
    const five = await Deno.readFile(cdf5);
    five.set([0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff], 4);
    await refused(five, /numrecs is .* more than 2\^53/, "cdf5 numrecs");
    // a wrong type code and a dimension id out of range, in a header built by hand
    const header = (type: number, dimid: number): Uint8Array =>
      new Uint8Array([
        ...[0x43, 0x44, 0x46, 1],
        ...be(0),
        ...be(10),
        ...be(1),
        ...be(1),
        0x78,
        0,
        0,
        0,
        ...be(2),
        ...be(0),
        ...be(0),
        ...be(11),
        ...be(1),
        ...be(1),
        0x76,
        0,
        0,
        0,
        ...be(1),
        ...be(dimid),
        ...be(0),
        ...be(0),
        ...be(type),
        ...be(8),
        ...be(80),
        ...be(1),
        ...be(2),
      ]);
    await refused(header(99, 0), /variable "v" has unknown netCDF type code 99/, "type");
    await refused(header(10, 0), /unknown netCDF type code 10/, "int64 in classic");
    await refused(header(4, 7), /dimension id 0 of variable "v" is 7/, "dimid");
    using fine = await (async () => {
      await Deno.writeFile(`${dir.path}/fine.nc`, header(4, 0));
      return await Nc3File.open(`${dir.path}/fine.nc`);
    })();
    assert.deepEqual((await fine.variable("v").read()).toArray(), [1, 2]);
    // the CLI prints the one line
    const r = await cli(dir.path, "info", "bad.nc");
    assert.equal(r.code, 1);
    assert.equal(r.err.trim().split("\n").length, 1, r.err);
    assert.match(r.err, /Cannot read "bad\.nc"/);
  },
});
