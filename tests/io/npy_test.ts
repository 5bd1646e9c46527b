// Tests of io/npy.ts that need no Python: round trips, headers, regions,
// every bad-input case, read-only access, and region reads of a large sparse
// file that read only the region's bytes.

import assert from "node:assert/strict";
import { createNpy, NpyFile, readNpy, writeNpy } from "../../io/npy.ts";
import { type DType, DTYPE_NAMES } from "../../core/dtype.ts";
import { FormatError, ShapeMismatchError } from "../../core/errors.ts";
import { arange, fromArray, full, type NDArray, zeros } from "../../core/ndarray.ts";
import { toRegion } from "../../io/region.ts";
import { ROOT, tempDir } from "../_util.ts";

const FIX = `${ROOT}/tests/fixtures/npy`;

/** A (2, 3, 4) array of `dtype` with negatives and extremes (and NaN/inf for floats). */
function sample(dtype: DType): NDArray {
  const a = arange(24, undefined, undefined, "float64").reshape([2, 3, 4]);
  const b = zeros([2, 3, 4], dtype);
  const d = b.data as unknown as (number | bigint)[];
  for (let i = 0; i < 24; i++) {
    const v = (a.data[i] - 7) * 3;
    d[i] = (dtype === "int64" || dtype === "uint64")
      ? (dtype === "int64" ? BigInt(v) : BigInt.asUintN(64, BigInt(v)))
      : dtype === "bool"
      ? (v % 2 === 0 ? 1 : 0)
      : v;
  }
  if (dtype.startsWith("float")) {
    d[0] = NaN;
    d[1] = Infinity;
    d[2] = -Infinity;
    d[3] = -0;
    d[4] = 0.1;
  }
  if (dtype === "int64") d[5] = -(2n ** 63n);
  if (dtype === "uint64") d[5] = 2n ** 64n - 1n;
  return b;
}

function values(a: NDArray): unknown[] {
  return [...a.flat()];
}

async function headerText(path: string): Promise<string> {
  const bytes = await Deno.readFile(path);
  const len = bytes[6] === 1
    ? bytes[8] | (bytes[9] << 8)
    : new DataView(bytes.buffer).getUint32(8, true);
  const start = bytes[6] === 1 ? 10 : 12;
  return new TextDecoder().decode(bytes.subarray(start, start + len));
}

Deno.test("writeNpy() and readNpy() round-trip every dtype in C and Fortran order", async () => {
  await using dir = await tempDir();
  for (const dtype of DTYPE_NAMES) {
    const a = sample(dtype);
    for (const fortranOrder of [false, true]) {
      const path = `${dir.path}/${dtype}_${fortranOrder}.npy`;
      await writeNpy(path, a, { fortranOrder });
      const b = await readNpy(path);
      assert.equal(b.dtype, dtype);
      assert.deepEqual(b.shape, [2, 3, 4]);
      assert.deepStrictEqual(values(b), values(a), `${dtype} fortran=${fortranOrder}`);
      assert.deepEqual(b.strides, fortranOrder ? [1, 2, 6] : [12, 4, 1]);
      const size = (await Deno.stat(path)).size;
      assert.equal(size, 128 + 24 * a.itemsize);
    }
  }
  // nothing left behind but the files themselves (no temporary names)
  const names = [...Deno.readDirSync(dir.path)].map((e) => e.name);
  assert.equal(names.length, DTYPE_NAMES.length * 2);
  assert.ok(names.every((n) => !n.startsWith(".")));
});

Deno.test("writeNpy() writes non-contiguous views, 0-d and empty arrays", async () => {
  await using dir = await tempDir();
  const a = arange(60, undefined, undefined, "int32").reshape([3, 4, 5]);
  const view = a.slice("::2", "1:4", "::-2").transpose([2, 0, 1]);
  await writeNpy(`${dir.path}/v.npy`, view);
  const v = await readNpy(`${dir.path}/v.npy`);
  assert.deepEqual(v.shape, [3, 2, 3]);
  assert.deepStrictEqual(v.toArray(), view.toArray());

  await writeNpy(`${dir.path}/s.npy`, fromArray(2.25, "float64"));
  const s = await readNpy(`${dir.path}/s.npy`);
  assert.deepEqual(s.shape, []);
  assert.equal(s.get(), 2.25);
  assert.match(await headerText(`${dir.path}/s.npy`), /'shape': \(\), \}\s+\n$/);

  await writeNpy(`${dir.path}/e.npy`, zeros([0, 3], "uint16"));
  const e = await readNpy(`${dir.path}/e.npy`);
  assert.deepEqual(e.shape, [0, 3]);
  assert.equal(e.dtype, "uint16");
  assert.equal((await Deno.stat(`${dir.path}/e.npy`)).size, 128);
});

Deno.test("writeNpy() pads the header like numpy and picks the lowest version", async () => {
  await using dir = await tempDir();
  await writeNpy(`${dir.path}/a.npy`, zeros([3, 4], "float32"));
  const bytes = await Deno.readFile(`${dir.path}/a.npy`);
  assert.deepEqual([...bytes.subarray(0, 8)], [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
  const text = await headerText(`${dir.path}/a.npy`);
  const dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }";
  assert.equal(text, dict + " ".repeat(128 - 10 - dict.length - 1) + "\n");
  assert.equal((10 + text.length) % 64, 0);
  await writeNpy(`${dir.path}/b.npy`, zeros([7], "bool"), { version: 2 });
  await writeNpy(`${dir.path}/c.npy`, zeros([7], "int8"), { version: 3 });
  for (const [name, version, descr] of [["b", 2, "|b1"], ["c", 3, "|i1"]] as const) {
    using f = await NpyFile.open(`${dir.path}/${name}.npy`);
    assert.equal(f.version, version);
    assert.equal(f.dataOffset % 64, 0);
    assert.ok((await headerText(`${dir.path}/${name}.npy`)).includes(`'descr': '${descr}'`));
    assert.deepEqual(values(await f.read()), new Array(7).fill(descr === "|b1" ? false : 0));
  }
});

Deno.test("writeNpy() leaves no file behind when the write fails", async () => {
  await using dir = await tempDir();
  await assert.rejects(
    () => writeNpy(`${dir.path}/a.npy`, zeros([2]), { version: 7 as 1 }),
    RangeError,
  );
  await assert.rejects(
    () => writeNpy(`${dir.path}/b.npy`, [1, 2] as unknown as NDArray),
    (e: Error) => e instanceof TypeError && e.message.includes("b.npy"),
  );
  assert.deepEqual([...Deno.readDirSync(dir.path)], []);
  await assert.rejects(() => writeNpy(`${dir.path}/no/such/dir/c.npy`, zeros([2])), {
    name: "NotFound",
    message: `Cannot open "${dir.path}/no/such/dir/c.npy": no such file`,
  });
});

Deno.test("NpyFile.open() reports the header of every fixture kind", async () => {
  const cases: [string, number[], DType, boolean, boolean, number][] = [
    ["float64_be_f", [2, 3, 4], "float64", true, true, 1],
    ["int16_le_c", [2, 3, 4], "int16", false, false, 1],
    ["v2_be_i2", [2, 3, 4], "int16", false, true, 2],
    ["v3_u8_f", [3, 4], "uint64", true, false, 3],
    ["scalar_i8_be", [], "int64", false, true, 1],
    // numpy stores an empty Fortran array as C order (it is both)
    ["empty_i2_f", [2, 0, 4], "int16", false, false, 1],
  ];
  for (const [name, shape, dtype, fortranOrder, bigEndian, version] of cases) {
    await using f = await NpyFile.open(`${FIX}/${name}.npy`);
    assert.deepEqual(
      [f.shape, f.dtype, f.fortranOrder, f.bigEndian, f.version, f.dataOffset],
      [shape, dtype, fortranOrder, bigEndian, version, version === 1 ? 128 : 128],
      name,
    );
    assert.equal(f.locator, `${FIX}/${name}.npy`);
    assert.equal(f.writable, false);
  }
});

Deno.test("NpyFile.read() of big-endian and Fortran fixtures gives the little-endian C values", async () => {
  for (const dtype of DTYPE_NAMES) {
    const ref = await readNpy(`${FIX}/${dtype}_le_c.npy`);
    for (const variant of ["le_f", "be_c", "be_f"]) {
      const a = await readNpy(`${FIX}/${dtype}_${variant}.npy`);
      assert.deepStrictEqual(a.toArray(), ref.toArray(), `${dtype}_${variant}`);
    }
  }
});

Deno.test("NpyFile.read() of regions equals slicing the whole array", async () => {
  await using dir = await tempDir();
  const a = arange(9 * 10 * 11, undefined, undefined, "float64").reshape([9, 10, 11]);
  const files: [string, boolean][] = [["c.npy", false], ["f.npy", true]];
  for (const [name, fortranOrder] of files) {
    await writeNpy(`${dir.path}/${name}`, a, { fortranOrder });
  }
  const regions = [
    "",
    "3:5",
    "3:5, :, :",
    "0:9, 2:3",
    "1:8:3, 4:9, 2:10",
    ":, :, ::4",
    "::2, ::3, ::5",
    "4, 5, 6",
    "2:2",
    "-3:, -2:, 1:",
    ":, 9:, 10:",
  ];
  for (const [name] of files) {
    await using f = await NpyFile.open(`${dir.path}/${name}`);
    for (const region of regions) {
      const got = await f.read(region);
      const r = toRegion(a.shape, region);
      const want = a.slice(
        ...r.start.map((s, i) => ({ start: s, stop: s + r.count[i] * r.step[i], step: r.step[i] })),
      );
      assert.deepEqual(got.shape, r.count, `${name} "${region}"`);
      assert.deepStrictEqual(values(got), values(want), `${name} "${region}"`);
    }
  }
});

Deno.test("NpyFile.read() accepts Region objects and slice-spec lists", async () => {
  await using f = await NpyFile.open(`${FIX}/int32_be_c.npy`);
  const all = await f.read();
  const r = await f.read({ start: [1, 0, 1], step: [1, 2, 2], count: [1, 2, 2] });
  assert.deepStrictEqual(r.toArray(), [[[all.get(1, 0, 1), all.get(1, 0, 3)], [
    all.get(1, 2, 1),
    all.get(1, 2, 3),
  ]]]);
  const s = await f.read([1, "1:3"]);
  assert.deepEqual(s.shape, [1, 2, 4]);
  assert.deepStrictEqual(values(s), values(all.slice(1, "1:3")));
});

Deno.test("NpyFile.read() rejects a region outside the shape with a RangeError", async () => {
  await using f = await NpyFile.open(`${FIX}/float32_le_c.npy`);
  await assert.rejects(() => f.read({ start: [0, 0, 2], step: [1, 1, 1], count: [2, 3, 3] }), {
    name: "RangeError",
    message:
      `Cannot read "${FIX}/float32_le_c.npy": Region [0:2,0:3,2:5] is outside shape [2,3,4] on axis 2`,
  });
  await assert.rejects(
    () => f.read("5"),
    (e: Error) =>
      e instanceof RangeError && e.message.includes("float32_le_c.npy") &&
      e.message.includes("[2,3,4]"),
  );
  await assert.rejects(() => f.read("1,2,3,4"), RangeError);
  await assert.rejects(() => f.read(7 as unknown as string), TypeError);
  await assert.rejects(() => f.read(null as unknown as string), TypeError);
});

Deno.test("readNpy() rejects every broken fixture with a FormatError naming the file", async () => {
  const cases: [string, string][] = [
    ["bad_magic", 'not a .npy file: bad magic bytes "93 4e 55 4d 50 5a"'],
    ["short", "header declares 118 bytes of header text, file has 0"],
    ["truncated", "header declares 96 bytes of data, file has 40"],
    ["extra_data", "header declares 96 bytes of data, file has 104"],
    ["version_9_9", 'unsupported .npy version "9.9": expected 1.0, 2.0 or 3.0'],
    ["bad_header", "header is not a Python literal: Unexpected token at position 58"],
    ["not_dict", "header is not a dictionary"],
    ["missing_key", 'header does not contain the keys "descr", "fortran_order" and "shape"'],
    ["bad_shape", 'header "shape" is not a tuple of non-negative integers: (3, -4)'],
    ["object", 'unsupported dtype "|O"'],
    ["structured", "unsupported dtype [('a', '<i4'), ('b', '<f8')]: structured dtypes"],
    ["complex256", 'unsupported dtype "<c32"'],
    ["unicode", 'unsupported dtype "<U3"'],
  ];
  for (const [name, detail] of cases) {
    const path = `${FIX}/bad/${name}.npy`;
    await assert.rejects(() => readNpy(path), (e: unknown) => {
      assert.ok(e instanceof FormatError, `${name}: ${e}`);
      assert.equal(e.name, "FormatError");
      assert.equal(e.file, path);
      assert.ok(e.message.startsWith(`Cannot read "${path}": ${detail}`), e.message);
      return true;
    });
  }
});

Deno.test("readNpy() rejects crafted headers: bad types, huge header lengths, bad text", async () => {
  await using dir = await tempDir();
  const make = (dict: string, version = 1, data = 0): Uint8Array => {
    const body = new TextEncoder().encode(dict);
    const pre = version === 1 ? 10 : 12;
    const total = Math.ceil((pre + body.length + 1) / 64) * 64 - pre;
    const out = new Uint8Array(pre + total + data).fill(0x20, pre);
    out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version, 0]);
    const dv = new DataView(out.buffer);
    if (version === 1) dv.setUint16(8, total, true);
    else dv.setUint32(8, total, true);
    out.set(body, pre);
    out[pre + total - 1] = 0x0a;
    out.fill(0, pre + total);
    return out;
  };
  const bad: [string, Uint8Array, string][] = [
    [
      "fortran.npy",
      make("{'descr': '<f8', 'fortran_order': 1, 'shape': (2,), }", 1, 16),
      '"fortran_order" is not a boolean',
    ],
    [
      "shape.npy",
      make("{'descr': '<f8', 'fortran_order': False, 'shape': [2], }", 1, 16),
      '"shape" is not a tuple',
    ],
    [
      "float.npy",
      make("{'descr': '<f8', 'fortran_order': False, 'shape': (2.5,), }"),
      "Unsupported number",
    ],
    [
      "unterminated.npy",
      make("{'descr': '<f8, 'fortran_order': False, 'shape': (2,), }"),
      "not a Python literal",
    ],
    [
      "descr.npy",
      make("{'descr': 8, 'fortran_order': False, 'shape': (2,), }"),
      "unsupported dtype 8",
    ],
    [
      "utf8.npy",
      make("{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }", 3).map((b, i) =>
        i === 20 ? 0xff : b
      ),
      "header is not valid UTF-8",
    ],
    [
      "huge.npy",
      make("{}", 2).map((b, i) => i === 11 ? 0x7f : b),
      "header declares 2130706484 bytes of header text",
    ],
  ];
  for (const [name, bytes, detail] of bad) {
    await Deno.writeFile(`${dir.path}/${name}`, bytes);
    await assert.rejects(() => readNpy(`${dir.path}/${name}`), (e: Error) => {
      assert.ok(e instanceof FormatError, `${name}: ${e}`);
      assert.ok(e.message.includes(`"${dir.path}/${name}"`), e.message);
      assert.ok(e.message.includes(detail), `${name}: ${e.message}`);
      return true;
    });
  }
  // what numpy accepts: double quotes, Python 2 longs, extra spaces, any key order
  await Deno.writeFile(
    `${dir.path}/ok.npy`,
    make('{"shape" : ( 2L , ) ,"fortran_order":True,  "descr":"<i2"}', 1, 4),
  );
  const ok = await readNpy(`${dir.path}/ok.npy`);
  assert.deepEqual([ok.dtype, ok.shape, values(ok)], ["int16", [2], [0, 0]]);
});

Deno.test("readNpy() names the path of a missing file", async () => {
  await assert.rejects(() => readNpy("/nonexistent/dir/x.npy"), {
    name: "NotFound",
    message: 'Cannot open "/nonexistent/dir/x.npy": no such file',
  });
  await assert.rejects(() => readNpy(FIX), (e: Error) => e.message.includes(FIX));
});

Deno.test("NpyFile never modifies the file it reads", async () => {
  const paths = [...Deno.readDirSync(FIX)].filter((e) => e.isFile).map((e) => `${FIX}/${e.name}`);
  paths.push(...[...Deno.readDirSync(`${FIX}/bad`)].map((e) => `${FIX}/bad/${e.name}`));
  const before = await Promise.all(
    paths.map(async (p) => [await Deno.readFile(p), (await Deno.stat(p)).mtime?.getTime()]),
  );
  for (const p of paths) {
    try {
      await using f = await NpyFile.open(p);
      await f.read();
      await f.read(f.shape.map(() => "0:1").join(","));
      await assert.rejects(() => f.write(undefined, zeros(f.shape, f.dtype)), TypeError);
    } catch (e) {
      if (!(e instanceof FormatError)) throw e;
    }
  }
  for (let i = 0; i < paths.length; i++) {
    assert.deepEqual(await Deno.readFile(paths[i]), before[i][0], paths[i]);
    assert.equal((await Deno.stat(paths[i])).mtime?.getTime(), before[i][1], paths[i]);
  }
});

Deno.test("NpyFile.close() is idempotent and later reads fail clearly", async () => {
  const f = await NpyFile.open(`${FIX}/uint8_le_c.npy`);
  assert.equal(f.closed, false);
  f.close();
  f.close();
  f[Symbol.dispose]();
  await f[Symbol.asyncDispose]();
  assert.equal(f.closed, true);
  await assert.rejects(() => f.read(), (e: Error) => e.message.includes("the file is closed"));
});

Deno.test("createNpy() sizes the file so disjoint regions can be written from several handles", async () => {
  await using dir = await tempDir();
  const path = `${dir.path}/p.npy`;
  const want = arange(6 * 5 * 4, undefined, undefined, "float32").reshape([6, 5, 4]);
  for (const fortranOrder of [false, true]) {
    {
      await using f = await createNpy(path, { shape: [6, 5, 4], dtype: "<f4", fortranOrder });
      assert.equal((await Deno.stat(path)).size, 128 + 6 * 5 * 4 * 4);
      assert.equal(f.writable, true);
      assert.deepStrictEqual(values(await f.read("0:1")), new Array(20).fill(0));
    }
    // two "ranks" write disjoint blocks, the first by rows, the second with steps
    await using r0 = await NpyFile.open(path, { write: true });
    await using r1 = await NpyFile.open(path, { write: true });
    await r0.write("0:3", want.slice("0:3"));
    await r1.write("3:6, 0:5:2", want.slice("3:6", "0:5:2"));
    await r1.write("3:6, 1:5:2, :", want.slice("3:6", "1:5:2").astype("int64"));
    const got = await readNpy(path);
    assert.deepStrictEqual(got.toArray(), want.toArray(), `fortran=${fortranOrder}`);
    assert.equal(r0.bytesWritten, 3 * 20 * 4);
    assert.equal(r1.bytesWritten, 3 * 20 * 4);
  }
});

Deno.test("NpyFile.write() checks shape, region and writability", async () => {
  await using dir = await tempDir();
  await using f = await createNpy(`${dir.path}/w.npy`, { shape: [4, 4], dtype: "int8" });
  await assert.rejects(() => f.write("0:2", zeros([3, 4], "int8")), {
    name: "ShapeMismatchError",
    message:
      `Cannot write an array of shape [3,4] to region [0:2,0:4] of "${dir.path}/w.npy": the region has shape [2,4]`,
  });
  await assert.rejects(() => f.write("0:2", zeros([2, 4]).slice(0)), ShapeMismatchError);
  await assert.rejects(() => f.write("9", zeros([1, 4])), RangeError);
  await assert.rejects(() => f.write("0", [1, 2] as unknown as NDArray), TypeError);
  await assert.rejects(
    () => createNpy(`${dir.path}/x.npy`, { shape: [2], dtype: "complex" }),
    TypeError,
  );
  await assert.rejects(
    () => createNpy(`${dir.path}/x.npy`, { shape: [-2], dtype: "int8" }),
    RangeError,
  );
});

Deno.test("NpyFile.write() to a big-endian file stores big-endian bytes", async () => {
  await using dir = await tempDir();
  const path = `${dir.path}/be.npy`;
  await Deno.copyFile(`${FIX}/v2_be_i2.npy`, path);
  {
    await using f = await NpyFile.open(path, { write: true });
    await f.write("1, 2, 1:3", fromArray([[[0x0102, -2]]], "int16"));
  }
  const bytes = await Deno.readFile(path);
  const at = 128 + (1 * 12 + 2 * 4 + 1) * 2;
  assert.deepEqual([...bytes.subarray(at, at + 4)], [0x01, 0x02, 0xff, 0xfe]);
  const a = await readNpy(path);
  assert.deepEqual([a.get(1, 2, 0), a.get(1, 2, 1), a.get(1, 2, 2)], [
    (await readNpy(`${FIX}/v2_be_i2.npy`)).get(1, 2, 0),
    0x0102,
    -2,
  ]);
});

Deno.test("NpyFile.chunks are leading-axis rows of about 32 MiB", async () => {
  await using dir = await tempDir();
  const cases: [number[], DType, boolean, number[]][] = [
    [[3, 4], "float64", false, [3, 4]],
    [[40000, 8192], "float32", false, [1024, 8192]],
    [[8192, 40000], "float32", true, [8192, 1024]],
    [[3, 100000, 100], "float64", false, [1, 41943, 100]],
    [[0, 5], "int8", false, [1, 5]],
    [[], "int8", false, []],
  ];
  for (const [shape, dtype, fortranOrder, chunks] of cases) {
    await using f = await createNpy(`${dir.path}/c.npy`, { shape, dtype, fortranOrder });
    assert.deepEqual(f.chunks, chunks, `[${shape}]`);
  }
});

Deno.test("NpyFile.read() of a region of a sparse 1.2 GiB file reads only the region's bytes", async () => {
  await using dir = await tempDir();
  const path = `${dir.path}/big.npy`;
  const shape = [40000, 8192];
  {
    await using f = await createNpy(path, { shape, dtype: "float32" });
    await f.write("1000:1010, 100:200", full([10, 100], 1.5, "float32"));
    await f.write("20000:20002", full([2, 8192], -2, "float32"));
  }
  const stat = await Deno.stat(path);
  assert.equal(stat.size, 128 + 40000 * 8192 * 4);
  assert.ok((stat.blocks ?? 0) * 512 < 64 << 20, "the file is sparse");
  await using f = await NpyFile.open(path);
  const cases: [string, number, number][] = [
    // region, exact bytes read, expected sum
    ["1000:1010, 100:200", 10 * 100 * 4, 1500],
    ["999:1011, 99:201", 12 * 102 * 4, 1500],
    ["20000:20002", 2 * 8192 * 4, -2 * 2 * 8192],
    ["20001, ::2", ((4096 - 1) * 2 + 1) * 4, -2 * 4096], // covering span, picked
    ["1005, 100:200:50", 51 * 4, 3], // covering span of 51 elements
    ["20000:20002, 0:8192:5000", 4 * 4, -8], // gap > 16 KiB: element reads
  ];
  for (const [region, bytes, sum] of cases) {
    const before = f.bytesRead;
    const a = await f.read(region);
    assert.equal(f.bytesRead - before, bytes, region);
    assert.equal(values(a).reduce((s: number, v) => s + (v as number), 0), sum, region);
  }
});

Deno.test("NpyFile.readInto() fills a reused array and checks dtype, shape and layout", async () => {
  await using dir = await tempDir();
  const a = arange(5 * 6, undefined, undefined, "uint16").reshape([5, 6]);
  await writeNpy(`${dir.path}/c.npy`, a);
  await writeNpy(`${dir.path}/f.npy`, a, { fortranOrder: true });
  await using c = await NpyFile.open(`${dir.path}/c.npy`);
  const slab = zeros([2, 6], "uint16");
  for (const r of [0, 2]) {
    assert.equal(await c.readInto(`${r}:${r + 2}`, slab), slab);
    assert.deepStrictEqual(slab.toArray(), a.slice(`${r}:${r + 2}`).toArray());
  }
  await using f = await NpyFile.open(`${dir.path}/f.npy`);
  const fslab = zeros([6, 3], "uint16").transpose(); // Fortran-contiguous [3, 6]
  await f.readInto("1:4", fslab);
  assert.deepStrictEqual(fslab.toArray(), a.slice("1:4").toArray());
  await assert.rejects(() => f.readInto("1:4", zeros([3, 6], "uint16")), TypeError);
  await assert.rejects(() => c.readInto("0:2", zeros([2, 6], "int16")), TypeError);
  await assert.rejects(() => c.readInto("0:3", slab), ShapeMismatchError);
});
