// Arrow IPC: there is no pyarrow on this machine (Debian 12 does not package
// it), so files are checked with apache-arrow's own reader and writer, and by
// their schema's field types.

import assert from "node:assert/strict";
import * as arrow from "npm:apache-arrow@21.2.0";
import { DTYPE_NAMES, isComplex } from "../../core/dtype.ts";
import { FormatError, ShapeMismatchError } from "../../core/errors.ts";
import { arange, fromArray, NDArray } from "../../core/ndarray.ts";
import { ArrowSource, openArrow, readArrow, writeArrow } from "../../io/arrow.ts";
import { tempDir } from "../_util.ts";

/** The dtypes Arrow has a type for (complex: a TypeError, tested below). */
const REAL_DTYPES = DTYPE_NAMES.filter((d) => !isComplex(d));

const SAMPLE: Record<string, (number | bigint | boolean)[]> = {
  bool: [true, false, false, true, true],
  int8: [-128, -1, 0, 1, 127],
  int16: [-32768, -2, 0, 3, 32767],
  int32: [-(2 ** 31), -5, 0, 7, 2 ** 31 - 1],
  int64: [-(2n ** 63n), -9n, 0n, 11n, 2n ** 63n - 1n],
  uint8: [0, 1, 2, 254, 255],
  uint16: [0, 1, 2, 65534, 65535],
  uint32: [0, 1, 2, 2 ** 32 - 2, 2 ** 32 - 1],
  uint64: [0n, 1n, 2n, 2n ** 64n - 2n, 2n ** 64n - 1n],
  float16: [-65504, -0.5, 0, 1.5, 65504],
  float32: [-(2 ** 100), -0.25, 0, 3.5, 2 ** 100],
  float64: [-1e300, -Math.PI, 0, Math.E, Number.MAX_VALUE],
};

/** The Arrow type each dtype must be written as. */
const ARROW_OF: Record<string, string> = {
  bool: "Bool",
  int8: "Int8",
  int16: "Int16",
  int32: "Int32",
  int64: "Int64",
  uint8: "Uint8",
  uint16: "Uint16",
  uint32: "Uint32",
  uint64: "Uint64",
  float16: "Float16",
  float32: "Float32",
  float64: "Float64",
};

async function arrowTable(path: string): Promise<arrow.Table> {
  return arrow.tableFromIPC(await Deno.readFile(path));
}

Deno.test("writeArrow() writes every dtype as the matching Arrow type", async () => {
  await using dir = await tempDir();
  for (const dtype of REAL_DTYPES) {
    const path = `${dir.path}/${dtype}.arrow`;
    await writeArrow(path, fromArray(SAMPLE[dtype], dtype), { names: [dtype] });
    const t = await arrowTable(path);
    assert.equal(t.schema.fields.length, 1);
    const f = t.schema.fields[0];
    assert.equal(f.name, dtype);
    assert.equal(String(f.type), ARROW_OF[dtype], dtype);
    assert.equal(f.nullable, false);
    const got = [...t.getChild(dtype)!];
    assert.deepEqual(got, SAMPLE[dtype], dtype);
  }
});

Deno.test("readArrow() reads every dtype back with its values", async () => {
  await using dir = await tempDir();
  for (const dtype of REAL_DTYPES) {
    const path = `${dir.path}/${dtype}.arrow`;
    await writeArrow(path, fromArray(SAMPLE[dtype], dtype));
    const a = await readArrow(path);
    assert.equal(a.dtype, dtype);
    assert.deepEqual(a.shape, [5]);
    assert.deepEqual(a.toArray(), SAMPLE[dtype], dtype);
    const b = await readArrow(path, "values");
    assert.deepEqual(b.toArray(), SAMPLE[dtype]);
  }
});

Deno.test("writeArrow() writes the IPC file format, with footer, via a temporary name", async () => {
  await using dir = await tempDir();
  const path = `${dir.path}/x.arrow`;
  await writeArrow(path, arange(100, undefined, undefined, "float64"), { batchRows: 30 });
  const bytes = await Deno.readFile(path);
  const text = new TextDecoder();
  assert.equal(text.decode(bytes.subarray(0, 6)), "ARROW1");
  assert.equal(text.decode(bytes.subarray(bytes.length - 6)), "ARROW1");
  const reader = arrow.RecordBatchReader.from(bytes);
  assert.equal(reader.isFile(), true);
  assert.equal(reader.open().numRecordBatches, 4);
  const names = [];
  for await (const e of Deno.readDir(dir.path)) names.push(e.name);
  assert.deepEqual(names, ["x.arrow"]);
});

Deno.test("writeArrow() writes a 2-D array as one column per array column", async () => {
  await using dir = await tempDir();
  const m = arange(12, undefined, undefined, "int32").reshape([4, 3]);
  const path = `${dir.path}/m.arrow`;
  await writeArrow(path, m);
  const t = await arrowTable(path);
  assert.deepEqual(t.schema.fields.map((f) => f.name), ["0", "1", "2"]);
  assert.deepEqual([...t.getChild("1")!], [1, 4, 7, 10]);
  const back = await readArrow(path);
  assert.deepEqual(back.shape, [4, 3]);
  assert.deepEqual(back.toArray(), m.toArray());
  // a transposed (Fortran-ordered) view and given names
  await writeArrow(path, m.T, { names: ["a", "b", "c", "d"] });
  const t2 = await arrowTable(path);
  assert.deepEqual(t2.schema.fields.map((f) => f.name), ["a", "b", "c", "d"]);
  assert.deepEqual([...t2.getChild("d")!], [9, 10, 11]);
  assert.deepEqual((await readArrow(path)).toArray(), m.T.toArray());
  assert.deepEqual((await readArrow(path, ["d", "a"])).toArray(), [[9, 0], [10, 1], [11, 2]]);
});

Deno.test("writeArrow() writes a record of named columns as a table", async () => {
  await using dir = await tempDir();
  const path = `${dir.path}/r.arrow`;
  const step = arange(0, 10, 2, "float64");
  await writeArrow(path, {
    month: arange(5, undefined, undefined, "int64"),
    mean: step.slice("::-1"),
    valid: fromArray([true, false, true, false, false, true, true, false, false, false]).slice(
      "::2",
    ),
  });
  const t = await arrowTable(path);
  assert.deepEqual(t.schema.fields.map((f) => `${f.name}:${f.type}`), [
    "month:Int64",
    "mean:Float64",
    "valid:Bool",
  ]);
  assert.deepEqual(t.toArray().map((r) => r.toJSON()), [
    { month: 0n, mean: 8, valid: true },
    { month: 1n, mean: 6, valid: true },
    { month: 2n, mean: 4, valid: false },
    { month: 3n, mean: 2, valid: true },
    { month: 4n, mean: 0, valid: false },
  ]);
  assert.deepEqual((await readArrow(path, "mean")).toArray(), [8, 6, 4, 2, 0]);
  assert.deepEqual((await readArrow(path, "month")).toArray(), [0n, 1n, 2n, 3n, 4n]);
  await assert.rejects(
    readArrow(path),
    (e: unknown) =>
      e instanceof FormatError && e.file === path &&
      e.detail.startsWith('columns differ in type ("month": Int64, "mean": Float64'),
  );
});

Deno.test("writeArrow() writes a contiguous view with an offset", async () => {
  // a contiguous 1-D column is handed to Arrow as a view of its buffer: the
  // view must start at its own offset
  await using dir = await tempDir();
  const base = arange(10, undefined, undefined, "float32");
  const view = base.slice("3:8");
  assert.equal(view.offset, 3);
  await writeArrow(`${dir.path}/v.arrow`, view);
  assert.deepEqual((await readArrow(`${dir.path}/v.arrow`)).toArray(), [3, 4, 5, 6, 7]);
});

Deno.test("writeArrow() refuses bad arguments", async () => {
  await using dir = await tempDir();
  const p = `${dir.path}/bad.arrow`;
  await assert.rejects(writeArrow(p, arange(8).reshape([2, 2, 2])), {
    name: "RangeError",
    message: `Cannot write "${p}": expected a 1-D or 2-D array, got shape [2,2,2]`,
  });
  await assert.rejects(writeArrow(p, { a: arange(3), b: arange(4) }), (e: unknown) => {
    assert.ok(e instanceof ShapeMismatchError);
    assert.equal(e.message, `Cannot write "${p}": column "b" has 4 rows, column "a" has 3`);
    return true;
  });
  await assert.rejects(writeArrow(p, arange(6).reshape([3, 2]), { names: ["x"] }), {
    name: "RangeError",
    message: `Cannot write "${p}": 1 names given for 2 columns`,
  });
  await assert.rejects(writeArrow(p, { a: [1, 2] as unknown as NDArray }), {
    name: "TypeError",
    message: `Cannot write "${p}": column "a" is not an NDArray, got Array`,
  });
  await assert.rejects(writeArrow(p, arange(3), { batchRows: 0 }), { name: "RangeError" });
  await assert.rejects(writeArrow(p, arange(4).reshape([2, 2]), { names: ["x", "x"] }), {
    name: "RangeError",
    message: `Cannot write "${p}": column name "x" is repeated`,
  });
  const left = [];
  for await (const e of Deno.readDir(dir.path)) left.push(e.name);
  assert.deepEqual(left, []);
});

Deno.test("ArrowSource chunks follow the record batches and reads cross them", async () => {
  await using dir = await tempDir();
  const path = `${dir.path}/b.arrow`;
  const m = arange(40, undefined, undefined, "float64").reshape([20, 2]);
  await writeArrow(path, m, { names: ["x", "y"], batchRows: 6 });
  await using src = await openArrow(path);
  assert.equal(src.format, "file");
  assert.deepEqual(src.shape, [20, 2]);
  assert.equal(src.dtype, "float64");
  assert.deepEqual(src.chunks, [6, 2]);
  assert.deepEqual(src.batches, [6, 6, 6, 2]);
  assert.deepEqual(src.names, ["x", "y"]);
  assert.deepEqual(src.columns, [
    { name: "x", type: "Float64", dtype: "float64" },
    { name: "y", type: "Float64", dtype: "float64" },
  ]);
  assert.deepEqual((await src.read("4:19:5, 1")).toArray(), [[9], [19], [29]]);
  assert.deepEqual((await src.read("5:8")).toArray(), [[10, 11], [12, 13], [14, 15]]);
  assert.deepEqual((await src.read("18:20, 0:2")).toArray(), [
    [36, 37],
    [38, 39],
  ]);
  assert.deepEqual((await src.read("3:3")).shape, [0, 2]);
  // concurrent reads of different batches share one file reader
  const parts = await Promise.all([0, 6, 12, 18].map((r) => src.read(`${r}:${r + 2}, 0`)));
  assert.deepEqual(parts.map((p) => p.toArray()), [[[0], [2]], [[12], [14]], [[24], [26]], [
    [36],
    [38],
  ]]);
  assert.deepEqual((await src.read()).toArray(), m.toArray());
  await assert.rejects(src.read("25"), RangeError);

  await using one = await ArrowSource.open(path, "y");
  assert.equal(one.locator, `${path}:y`);
  assert.deepEqual(one.shape, [20]);
  assert.deepEqual(one.chunks, [6]);
  assert.deepEqual((await one.read("::7")).toArray(), [1, 15, 29]);
});

Deno.test("ArrowSource.read() reads only the record batches its region covers", async () => {
  await using dir = await tempDir();
  const path = `${dir.path}/t.arrow`;
  await writeArrow(path, arange(3000, undefined, undefined, "int32"), { batchRows: 1000 });
  await using src = await openArrow(path);
  // cut the file after the first batch: the footer has been read already
  const blocks = arrow.RecordBatchReader.from(await Deno.readFile(path)).open().footer!;
  const cut = blocks.getRecordBatch(1)!.offset;
  await Deno.truncate(path, cut);
  assert.deepEqual((await src.read("997:1000")).toArray(), [997, 998, 999]);
  await assert.rejects(
    src.read("999:1001"),
    (e: unknown) => e instanceof FormatError && e.file === path && /record batch 1/.test(e.detail),
  );
});

Deno.test("openArrow() reads an Arrow IPC stream", async () => {
  await using dir = await tempDir();
  const path = `${dir.path}/s.arrows`;
  const t = new arrow.Table({
    a: arrow.makeVector(new Uint16Array([1, 2, 3])),
    b: arrow.makeVector(new Uint16Array([4, 5, 6])),
  });
  const t2 = t.concat(t);
  await Deno.writeFile(path, arrow.tableToIPC(t2, "stream"));
  await using src = await openArrow(path);
  assert.equal(src.format, "stream");
  assert.deepEqual(src.batches, [3, 3]);
  assert.equal(src.dtype, "uint16");
  assert.deepEqual((await src.read("2:5")).toArray(), [[3, 6], [1, 4], [2, 5]]);
  assert.deepEqual((await readArrow(path, "b")).toArray(), [4, 5, 6, 4, 5, 6]);
});

Deno.test("openArrow() reads a legacy (pre-0.15) IPC file", async () => {
  await using dir = await tempDir();
  const path = `${dir.path}/old.arrow`;
  const t = new arrow.Table({ v: arrow.makeVector(new Int8Array([-1, 2, -3])) });
  const w = new arrow.RecordBatchFileWriter({ writeLegacyIpcFormat: true });
  await Deno.writeFile(path, await w.writeAll(t).finish().toUint8Array());
  await using src = await openArrow(path);
  assert.deepEqual(src.batches, [3]);
  assert.deepEqual((await src.read()).toArray(), [-1, 2, -3]);
});

Deno.test("ArrowSource.read() turns nulls into NaN in float columns only", async () => {
  await using dir = await tempDir();
  const path = `${dir.path}/n.arrow`;
  const t = new arrow.Table({
    f: arrow.vectorFromArray([1.5, null, 3.5], new arrow.Float32()),
    i: arrow.vectorFromArray([1, null, 3], new arrow.Int32()),
  });
  await Deno.writeFile(path, arrow.tableToIPC(t, "file"));
  const f = await readArrow(path, "f");
  assert.equal(f.dtype, "float32");
  assert.deepEqual(f.toArray(), [1.5, NaN, 3.5]);
  await assert.rejects(readArrow(path, "i"), {
    name: "FormatError",
    message:
      `Cannot read "${path}": column "i" has 1 nulls in record batch 0: only float columns may hold nulls (read as NaN)`,
  });
});

Deno.test("openArrow() names the file, the column and the type of an unsupported column", async () => {
  await using dir = await tempDir();
  const path = `${dir.path}/u.arrow`;
  const t = new arrow.Table({
    x: arrow.makeVector(new Float64Array([1, 2])),
    s: arrow.vectorFromArray(["a", "b"], new arrow.Utf8()),
    l: arrow.vectorFromArray(
      [[1], [2, 3]],
      new arrow.List(new arrow.Field("item", new arrow.Int32())),
    ),
  });
  await Deno.writeFile(path, arrow.tableToIPC(t, "file"));
  await using src = await openArrow(path, "x");
  assert.deepEqual(src.columns.map((c) => [c.name, c.type, c.dtype]), [
    ["x", "Float64", "float64"],
    ["s", "Utf8", null],
    ["l", "List<Int32>", null],
  ]);
  await assert.rejects(openArrow(path, "s"), {
    name: "FormatError",
    message:
      `Cannot read "${path}": column "s" has unsupported type "Utf8": expected Bool, Int or Float`,
  });
  await assert.rejects(openArrow(path, "l"), {
    name: "FormatError",
    message:
      `Cannot read "${path}": column "l" has unsupported type "List<Int32>": expected Bool, Int or Float`,
  });
  await assert.rejects(openArrow(path), /column "s" has unsupported type "Utf8"/);
});

Deno.test("openArrow() names the columns there are when one is missing", async () => {
  await using dir = await tempDir();
  const path = `${dir.path}/m.arrow`;
  await writeArrow(path, { a: arange(2), b: arange(2) });
  await assert.rejects(openArrow(path, "c"), {
    name: "FormatError",
    message: `Cannot read "${path}": no column "c": the file has "a", "b"`,
  });
  await assert.rejects(openArrow(path, []), {
    name: "FormatError",
    message: `Cannot read "${path}": no columns to read`,
  });
});

Deno.test("openArrow() rejects files that are not Arrow IPC", async () => {
  await using dir = await tempDir();
  const good = `${dir.path}/good.arrow`;
  await writeArrow(good, arange(100, undefined, undefined, "float64"));
  const bytes = await Deno.readFile(good);
  const stream = arrow.tableToIPC(await arrowTable(good), "stream");
  const cases: Record<string, Uint8Array> = {
    "text.arrow": new TextEncoder().encode("month,mean\n1,2.5\n2,3.5\n"),
    "empty.arrow": new Uint8Array(0),
    "truncated.arrow": bytes.subarray(0, bytes.length - 20),
    "truncated_stream.arrow": stream.subarray(0, stream.length - 100),
    "npy.arrow": new Uint8Array([0x93, ...new TextEncoder().encode("NUMPY"), 1, 0, 0, 0]),
  };
  for (const [name, data] of Object.entries(cases)) {
    const path = `${dir.path}/${name}`;
    await Deno.writeFile(path, data);
    await assert.rejects(openArrow(path), (e: unknown) => {
      assert.ok(e instanceof FormatError, `${name}: ${e}`);
      assert.equal(e.file, path);
      assert.match(e.message, new RegExp(`^Cannot read "${path}": `));
      return true;
    });
  }
  await assert.rejects(openArrow(`${dir.path}/missing.arrow`), (e: unknown) => {
    assert.ok(e instanceof Deno.errors.NotFound);
    assert.equal(e.message, `Cannot open "${dir.path}/missing.arrow": no such file`);
    return true;
  });
});

Deno.test("writeArrow() and readArrow() handle a table with no rows", async () => {
  await using dir = await tempDir();
  const path = `${dir.path}/z.arrow`;
  await writeArrow(path, { a: arange(0, undefined, undefined, "float32") });
  const t = await arrowTable(path);
  assert.equal(t.numRows, 0);
  assert.equal(String(t.schema.fields[0].type), "Float32");
  await using src = await openArrow(path);
  assert.deepEqual(src.shape, [0]);
  assert.deepEqual(src.batches, []);
  assert.deepEqual((await src.read()).shape, [0]);
});

Deno.test("Arrow output of the CLI is written a record batch at a time, in bounded memory", async () => {
  await using dir = await tempDir();
  const d = dir.path;
  // 128 MiB of float64, 4 columns
  const rows = 4_000_000;
  const src = arange(rows * 4, undefined, undefined, "float64").reshape([rows, 4]);
  const { writeNpy } = await import("../../io/npy.ts");
  await writeNpy(`${d}/big.npy`, src);
  const script = `${d}/run.ts`;
  await Deno.writeTextFile(
    script,
    `import { main } from ${JSON.stringify(new URL("../../cli/main.ts", import.meta.url).href)};
const code = await main(Deno.args);
const hwm = /VmHWM:\\s+(\\d+) kB/.exec(Deno.readTextFileSync("/proc/self/status"))![1];
console.log(JSON.stringify({ code, hwm: Number(hwm) * 1024 }));
Deno.exit(0);
`,
  );
  const run = async (...args: string[]) => {
    const r = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", script, ...args],
      cwd: d,
      stdout: "piped",
      stderr: "piped",
    }).output();
    return JSON.parse(new TextDecoder().decode(r.stdout).trim().split("\n").pop()!);
  };
  // the baseline: the runtime with apache-arrow loaded, on a tiny Arrow output
  const base = await run("convert", "big.npy", "small.arrow", "--slice", "0:4", "-q");
  const r = await run("convert", "big.npy", "big.arrow", "--memory", "32MiB", "-q");
  assert.equal(r.code, 0);
  const over = (r.hwm - base.hwm) / 2 ** 20;
  // the whole file is 128 MiB: one 4 MiB batch (an eighth of the budget), its column copies and
  // its bytes at a time
  // (before: the staged .npy read whole and apache-arrow's queue, 270 MiB over)
  console.log(`peak ${over.toFixed(1)} MiB over the baseline`);
  // the budget plus the same 16 MiB slack as tests/reliability/budget_test.ts
  assert.ok(over < 32 + 16, `peak ${over.toFixed(1)} MiB over the baseline`);
  await using a = await openArrow(`${d}/big.arrow`);
  assert.deepEqual(a.shape, [rows, 4]);
  assert.ok(a.batches.length > 1, `${a.batches.length} batches`);
  const back = await a.read("3999990:4000000, :");
  assert.deepEqual(back.toArray(), src.slice("3999990:4000000, :").toArray());
  const mid = await a.read("1234567:1234570, 2");
  assert.deepEqual(mid.toArray(), src.slice("1234567:1234570, 2:3").toArray());
});

Deno.test("writeArrow() refuses complex arrays with a TypeError", async () => {
  await using dir = await tempDir();
  await assert.rejects(
    () => writeArrow(`${dir.path}/c.arrow`, fromArray([{ re: 1, im: 2 }])),
    (e) => e instanceof TypeError && /complex128 is not supported by writeArrow/.test(String(e)),
  );
});
