import assert from "node:assert/strict";
import { gunzipSync } from "node:zlib";
import { FormatError, ShapeMismatchError } from "../../core/errors.ts";
import { arange, fromArray, full, type NDArray, zeros } from "../../core/ndarray.ts";
import { readNpy } from "../../io/npy.ts";
import type { Region } from "../../io/region.ts";
import { createZarr, createZarrGroup, listZarr, openZarr } from "../../io/zarr.ts";
import { ROOT, tempDir } from "../_util.ts";

const FIX = `${ROOT}/tests/fixtures/zarr`;
const STORE = `${FIX}/py.zarr`;

function expected(name: string): Promise<NDArray> {
  return readNpy(`${FIX}/expected/${name}.npy`);
}

/** Element-wise equality that treats NaN as equal to NaN. */
function assertSame(actual: NDArray, want: NDArray, what = ""): void {
  assert.equal(actual.dtype, want.dtype, `${what} dtype`);
  assert.deepEqual(actual.shape, want.shape, `${what} shape`);
  const a = actual.copy().data as ArrayLike<number | bigint>;
  const b = want.copy().data as ArrayLike<number | bigint>;
  for (let i = 0; i < b.length; i++) {
    if (a[i] !== b[i] && !(Number.isNaN(a[i]) && Number.isNaN(b[i]))) {
      assert.fail(`${what} element ${i}: ${a[i]} !== ${b[i]}`);
    }
  }
}

async function copyDir(from: string, to: string): Promise<void> {
  await Deno.mkdir(to, { recursive: true });
  for await (const e of Deno.readDir(from)) {
    if (e.isDirectory) await copyDir(`${from}/${e.name}`, `${to}/${e.name}`);
    else await Deno.copyFile(`${from}/${e.name}`, `${to}/${e.name}`);
  }
}

Deno.test("openZarr() reads every compressor zarr-python writes", async () => {
  const codecs: Record<string, string> = {
    blosc: "blosc:lz4:5",
    zlib: "zlib:3",
    gzip: "gzip:5",
    lz4: "lz4",
    zstd: "zstd:3",
    none: "none",
    "blosc_zstd_bitshuffle": "blosc:zstd:3",
  };
  for (const [name, codec] of Object.entries(codecs)) {
    const z = await openZarr(`${STORE}:/${name}`);
    assert.equal(z.codec, codec);
    assert.equal(z.zarrFormat, 2);
    assert.deepEqual(z.chunks, [4, 3]);
    assertSame(await z.read(), await expected(name), name);
  }
});

Deno.test("openZarr() reads Fortran-ordered chunks", async () => {
  const z = await openZarr(`${STORE}:/forder`);
  assert.equal(z.order, "F");
  const want = await expected("forder");
  assertSame(await z.read(), want);
  assertSame(await z.read("2:11:3, 1:9:2"), want.slice("2:11:3", "1:9:2").copy());
});

Deno.test("openZarr() reads every dtype in both byte orders as native values", async () => {
  let n = 0;
  for await (const e of Deno.readDir(`${STORE}/dtypes`)) {
    if (!e.isDirectory) continue;
    const z = await openZarr(`${STORE}:/dtypes/${e.name}`);
    assert.equal(z.bigEndian, e.name.endsWith("be"), e.name);
    assertSame(await z.read(), await expected(`dtypes_${e.name}`), e.name);
    n++;
  }
  assert.equal(n, 21);
});

Deno.test("ZarrArray.read() returns the fill value for missing chunks", async () => {
  const nan = await openZarr(`${STORE}:/fill_nan`);
  assert.ok(Number.isNaN(nan.fillValue));
  assertSame(await nan.read(), await expected("fill_nan"));
  const int = await openZarr(`${STORE}:/fill_int`);
  assert.equal(int.fillValue, -7);
  assertSame(await int.read(), await expected("fill_int"));
  assert.deepEqual((await int.read("2:4, 1:3")).toArray(), [[-7, -7], [-7, 42]]);
});

Deno.test("ZarrArray.read() of a region decodes only the chunks it touches", async () => {
  await using dir = await tempDir();
  const store = `${dir.path}/c.zarr`;
  await copyDir(STORE, store);
  // garbage in every chunk of rows 8..11 (chunk row 2): a read that touched one would fail
  for (const j of [0, 1, 2, 3]) await Deno.writeFile(`${store}/blosc/2.${j}`, new Uint8Array(9));
  const z = await openZarr(`${store}:/blosc`);
  const want = await expected("blosc");
  assertSame(await z.read("0:8, 2:9"), want.slice("0:8", "2:9").copy());
  assertSame(await z.read("1:13:12, ::4"), want.slice("1:13:12", "::4").copy());
  await assert.rejects(() => z.read("7:9"), FormatError);
});

Deno.test("listZarr() walks groups and arrays with their attributes", async () => {
  const nodes = await listZarr(STORE);
  const byPath = new Map(nodes.map((n) => [n.path, n]));
  assert.equal(nodes[0].path, "/");
  assert.deepEqual(nodes[0].attributes, { title: "tessera fixtures", version: 1 });
  assert.deepEqual(
    nodes.filter((n) => n.kind === "group").map((n) => n.path),
    ["/", "/dtypes", "/g", "/g/sub"],
  );
  assert.equal(nodes.length, 4 + 8 + 2 + 21 + 1 + 1);
  const blosc = byPath.get("/blosc")!;
  assert.deepEqual(
    [blosc.kind, blosc.shape, blosc.dtype, blosc.chunks, blosc.codec],
    ["array", [13, 10], "float32", [4, 3], "blosc:lz4:5"],
  );
  assert.deepEqual(blosc.attributes, { units: "K", scale: [1.5, 2] });
  assert.deepEqual(byPath.get("/g/sub")!.attributes, { note: "nested" });
  assert.ok(Number.isNaN(byPath.get("/g/sub/arr")!.attributes.nan));
});

Deno.test("openZarr() uses consolidated metadata when the node files are gone", async () => {
  await using dir = await tempDir();
  const store = `${dir.path}/c.zarr`;
  await copyDir(STORE, store);
  await Deno.remove(`${store}/g/sub/arr/.zarray`);
  await Deno.remove(`${store}/g/sub/.zgroup`);
  const z = await openZarr(`${store}:/g/sub/arr`);
  assertSame(await z.read(), await expected("g_sub_arr"));
  assert.ok((await listZarr(store)).some((n) => n.path === "/g/sub/arr"));
});

Deno.test("openZarr() reads a 0-d array", async () => {
  const z = await openZarr(`${STORE}:/scalar`);
  assert.deepEqual(z.shape, []);
  assert.equal((await z.read()).get(), 3.25);
});

Deno.test("createZarr() round-trips every codec in both formats", async () => {
  await using dir = await tempDir();
  const codecs = ["none", "gzip:1", "zlib:5", "zstd:3", "lz4", "blosc", "blosc:zstd:2"];
  const a = arange(0, 30 * 7, 1, "float64").reshape([30, 7]).mul(0.75).astype("float32");
  for (const zarrFormat of [2, 3] as const) {
    for (const codec of codecs) {
      const loc = `${dir.path}/v${zarrFormat}.zarr:/${codec.replace(/:/g, "_")}`;
      const z = await createZarr(loc, {
        shape: [30, 7],
        dtype: "float32",
        chunks: [8, 4],
        codec,
        zarrFormat,
      });
      await z.write(undefined, a);
      const back = await openZarr(loc);
      assert.equal(back.zarrFormat, zarrFormat);
      assert.equal(back.codec, codec === "blosc" ? "blosc:lz4:5" : codec);
      assertSame(await back.read(), a, `${zarrFormat} ${codec}`);
    }
  }
});

Deno.test("createZarr() round-trips every dtype, big-endian ones included", async () => {
  await using dir = await tempDir();
  const dtypes = [
    "bool",
    "int8",
    "uint8",
    "int16",
    "uint16",
    "int32",
    "uint32",
    "int64",
    "uint64",
    "float16",
    "float32",
    "float64",
    ">f8",
    ">i4",
    ">u8",
  ];
  for (const zarrFormat of [2, 3] as const) {
    for (const dtype of dtypes) {
      const loc = `${dir.path}/d${zarrFormat}.zarr:/${dtype.replace(">", "be_")}`;
      const z = await createZarr(loc, { shape: [5, 3], dtype, chunks: [2, 2], zarrFormat });
      const a = arange(-7, 8, 1, "float64").reshape([5, 3]).mul(3).astype(z.dtype);
      await z.write(undefined, a);
      const back = await openZarr(loc);
      assert.equal(back.bigEndian, dtype.startsWith(">"));
      assertSame(await back.read(), a, `${zarrFormat} ${dtype}`);
    }
  }
});

Deno.test("ZarrArray.write() updates partial chunks and keeps the rest", async () => {
  await using dir = await tempDir();
  const z = await createZarr(`${dir.path}/p.zarr`, {
    shape: [7, 5],
    dtype: "int32",
    chunks: [3, 2],
    fillValue: -1,
  });
  await z.write("1:6, 1:4", full([5, 3], 9, "int32"));
  await z.write("0:7:3, 4", fromArray([[1], [2], [3]], "int32"));
  await z.writeChunk([2, 2], fromArray([[5]], "int32"));
  assert.deepEqual((await z.read()).toArray(), [
    [-1, -1, -1, -1, 1],
    [-1, 9, 9, 9, -1],
    [-1, 9, 9, 9, -1],
    [-1, 9, 9, 9, 2],
    [-1, 9, 9, 9, -1],
    [-1, 9, 9, 9, -1],
    [-1, -1, -1, -1, 5],
  ]);
  assert.deepEqual((await z.readChunk([1, 0])).toArray(), [[-1, 9], [-1, 9], [-1, 9]]);
  // only the chunks that were written exist
  const files: string[] = [];
  for await (const e of Deno.readDir(`${dir.path}/p.zarr`)) files.push(e.name);
  assert.deepEqual(files.filter((f) => !f.startsWith(".")).sort(), [
    "0.0",
    "0.1",
    "0.2",
    "1.0",
    "1.1",
    "1.2",
    "2.2",
  ]);
});

Deno.test("ZarrArray.writeChunk() writes independent chunks with no temporary files left", async () => {
  await using dir = await tempDir();
  const loc = `${dir.path}/w.zarr:/x`;
  const z = await createZarr(loc, {
    shape: [10, 10],
    dtype: "float64",
    chunks: [4, 4],
    zarrFormat: 3,
  });
  // two "ranks", each with its own handle, write disjoint chunks at once
  const other = await openZarr(loc, { write: true });
  const jobs: Promise<void>[] = [];
  for (let i = 0; i < 3; i++) {
    for (let j = 0; j < 3; j++) {
      const h = (i + j) % 2 ? z : other;
      const r = z.chunkRegion([i, j]);
      jobs.push(h.writeChunk([i, j], full(r.count, i * 10 + j, "float64")));
    }
  }
  await Promise.all(jobs);
  const a = await z.read();
  assert.equal(a.get(9, 9), 22);
  assert.equal(a.get(5, 1), 10);
  assert.equal(a.get(0, 8), 2);
  const names: string[] = [];
  for await (const e of Deno.readDir(`${dir.path}/w.zarr/x/c/2`)) names.push(e.name);
  assert.deepEqual(names.sort(), ["0", "1", "2"]);
});

Deno.test("createZarr() v3 writes metadata and chunk bytes as the spec says", async () => {
  await using dir = await tempDir();
  const z = await createZarr(`${dir.path}/s.zarr:/grp/arr`, {
    shape: [3, 5],
    dtype: "int16",
    chunks: [2, 4],
    codec: "gzip:6",
    zarrFormat: 3,
    fillValue: 7,
    attributes: { a: [1, 2] },
  });
  await z.write(undefined, arange(15, undefined, undefined, "int16").reshape([3, 5]));
  const meta = JSON.parse(await Deno.readTextFile(`${dir.path}/s.zarr/grp/arr/zarr.json`));
  assert.deepEqual(meta, {
    "zarr_format": 3,
    "node_type": "array",
    shape: [3, 5],
    "data_type": "int16",
    "chunk_grid": { name: "regular", configuration: { "chunk_shape": [2, 4] } },
    "chunk_key_encoding": { name: "default", configuration: { separator: "/" } },
    "fill_value": 7,
    codecs: [
      { name: "bytes", configuration: { endian: "little" } },
      { name: "gzip", configuration: { level: 6 } },
    ],
    attributes: { a: [1, 2] },
  });
  const group = JSON.parse(await Deno.readTextFile(`${dir.path}/s.zarr/grp/zarr.json`));
  assert.deepEqual(group, { "zarr_format": 3, "node_type": "group", attributes: {} });
  // chunk (1, 1): row 2, columns 4..7, padded to the full 2x4 chunk with the fill value
  const raw = gunzipSync(await Deno.readFile(`${dir.path}/s.zarr/grp/arr/c/1/1`));
  const dv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const vals = Array.from({ length: 8 }, (_, i) => dv.getInt16(2 * i, true));
  assert.deepEqual(vals, [14, 7, 7, 7, 7, 7, 7, 7]);
  assert.equal(z.chunkKey([1, 1]), "grp/arr/c/1/1");
});

Deno.test("createZarr() writes v2 metadata zarr-python's way and refuses an existing node", async () => {
  await using dir = await tempDir();
  const loc = `${dir.path}/m.zarr:/a`;
  await createZarr(loc, {
    shape: [4],
    dtype: "float32",
    chunks: [2],
    fillValue: NaN,
    codec: "blosc",
  });
  const zarray = JSON.parse(await Deno.readTextFile(`${dir.path}/m.zarr/a/.zarray`));
  assert.deepEqual(zarray, {
    chunks: [2],
    compressor: { id: "blosc", cname: "lz4", clevel: 5, shuffle: 1, blocksize: 0 },
    "dimension_separator": ".",
    dtype: "<f4",
    "fill_value": "NaN",
    filters: null,
    order: "C",
    shape: [4],
    "zarr_format": 2,
  });
  assert.deepEqual(JSON.parse(await Deno.readTextFile(`${dir.path}/m.zarr/.zgroup`)), {
    "zarr_format": 2,
  });
  await assert.rejects(
    () => createZarr(loc, { shape: [4], dtype: "int8" }),
    Deno.errors.AlreadyExists,
  );
  const z = await createZarr(loc, { shape: [3], dtype: "int8", overwrite: true });
  assert.equal(z.dtype, "int8");
  await assert.rejects(
    () => createZarr(`${dir.path}/m.zarr:/b`, { shape: [1], dtype: "int8", zarrFormat: 3 }),
    TypeError,
  );
});

Deno.test("createZarrGroup() and createZarr() keep consolidated metadata up to date", async () => {
  await using dir = await tempDir();
  const store = `${dir.path}/c.zarr`;
  await copyDir(STORE, store);
  await createZarrGroup(`${store}:/new`, { attributes: { k: "v" } });
  await createZarr(`${store}:/new/x`, { shape: [2], dtype: "uint8", chunks: [2] });
  // bare NaN, as Python's json module writes it (the fixture has a NaN attribute)
  const text = await Deno.readTextFile(`${store}/.zmetadata`);
  assert.match(text, /"nan": NaN/);
  const zmeta = JSON.parse(text.replace(/\bNaN\b/g, "null"));
  assert.deepEqual(zmeta.metadata["new/.zattrs"], { k: "v" });
  assert.equal(zmeta.metadata["new/x/.zarray"].dtype, "|u1");
  const nodes = await listZarr(store);
  assert.ok(nodes.some((n) => n.path === "/new/x" && n.kind === "array"));
});

Deno.test("openZarr() throws FormatError for a missing store or node", async () => {
  await assert.rejects(() => openZarr("/nonexistent/x.zarr"), (e: unknown) => {
    assert.ok(e instanceof FormatError);
    assert.equal(e.message, 'Cannot read "/nonexistent/x.zarr": the store does not exist');
    return true;
  });
  await assert.rejects(() => openZarr(`${STORE}:/nope`), /no array at "\/nope"/);
  await assert.rejects(() => openZarr(`${STORE}:/g`), /"\/g" is a group, not an array/);
});

Deno.test("openZarr() throws FormatError naming the key for broken metadata", async () => {
  await using dir = await tempDir();
  const s = `${dir.path}/b.zarr`;
  const base = {
    chunks: [2],
    compressor: null,
    dtype: "<f8",
    "fill_value": 0,
    filters: null,
    order: "C",
    shape: [4],
    "zarr_format": 2,
  };
  const cases: [string, string, RegExp][] = [
    ["json", "{ not json", /metadata "json\/\.zarray" is not valid JSON/],
    [
      "nochunks",
      JSON.stringify({ ...base, chunks: undefined }),
      /"nochunks\/\.zarray" has no "chunks"/,
    ],
    [
      "format",
      JSON.stringify({ ...base, "zarr_format": 7 }),
      /unsupported zarr_format 7: expected 2/,
    ],
    [
      "codec",
      JSON.stringify({ ...base, compressor: { id: "bogus" } }),
      /unknown codec "numcodecs\.bogus"/,
    ],
    ["dtype", JSON.stringify({ ...base, dtype: "<U4" }), /unsupported dtype "<U4"/],
  ];
  for (const [name, text] of cases) {
    await Deno.mkdir(`${s}/${name}`, { recursive: true });
    await Deno.writeTextFile(`${s}/${name}/.zarray`, text);
  }
  await Deno.mkdir(`${s}/v4`);
  await Deno.writeTextFile(
    `${s}/v4/zarr.json`,
    JSON.stringify({ "zarr_format": 4, "node_type": "array" }),
  );
  cases.push(["v4", "", /"v4\/zarr\.json" has unsupported zarr_format 4/]);
  for (const [name, , re] of cases) {
    await assert.rejects(() => openZarr(`${s}:/${name}`), (e: unknown) => {
      assert.ok(e instanceof FormatError, `${name}: ${e}`);
      assert.equal(e.file, s);
      assert.match(e.message, re);
      return true;
    });
  }
});

Deno.test("ZarrArray.read() throws FormatError naming the chunk for bad chunk bytes", async () => {
  await using dir = await tempDir();
  const loc = `${dir.path}/k.zarr:/a`;
  const z = await createZarr(loc, {
    shape: [4, 4],
    dtype: "float64",
    chunks: [2, 2],
    codec: "zlib:1",
  });
  await z.write(undefined, zeros([4, 4], "float64"));
  const raw = await createZarr(`${dir.path}/k.zarr:/r`, {
    shape: [4],
    dtype: "int32",
    chunks: [2],
    codec: "none",
  });
  await raw.write(undefined, zeros([4], "int32"));
  await Deno.writeFile(`${dir.path}/k.zarr/a/1.0`, new Uint8Array([1, 2, 3, 4, 5]));
  await Deno.writeFile(`${dir.path}/k.zarr/r/1`, new Uint8Array(12));
  const a = await openZarr(loc);
  await assert.rejects(() => a.read(), (e: unknown) => {
    assert.ok(e instanceof FormatError);
    assert.equal(e.file, `${dir.path}/k.zarr`);
    assert.match(e.message, /chunk "a\/1\.0" cannot be decoded/);
    return true;
  });
  assert.deepEqual((await a.read("0:2")).shape, [2, 4]);
  const r = await openZarr(`${dir.path}/k.zarr:/r`);
  await assert.rejects(() => r.read(), /chunk "r\/1" holds 3 elements after decoding, expected 2/);
});

Deno.test("ZarrArray rejects bad regions, shapes and writes to a read-only array", async () => {
  await using dir = await tempDir();
  const z = await createZarr(`${dir.path}/e.zarr`, {
    shape: [4, 4],
    dtype: "uint8",
    chunks: [2, 2],
  });
  await assert.rejects(() => z.read({ start: [0, 0], step: [1, 1], count: [5, 1] }), RangeError);
  await assert.rejects(() => z.write("0:2, 0:2", zeros([3, 2], "uint8")), ShapeMismatchError);
  assert.throws(() => z.chunkRegion([2, 0]), RangeError);
  const ro = await openZarr(`${dir.path}/e.zarr`);
  await assert.rejects(() => ro.write(undefined, zeros([4, 4], "uint8")), TypeError);
  await assert.rejects(
    () => createZarr(`${dir.path}/e2.zarr`, { shape: [4], dtype: "uint8", codec: "snappy" }),
    TypeError,
  );
  await assert.rejects(
    () => createZarr(`${dir.path}/e3.zarr`, { shape: [4], dtype: "uint8", chunks: [0] }),
    RangeError,
  );
});

// ---------------------------------------------------------------------------
// decode workers

/** The raw bytes of an array (C order). */
function bytesOf(a: NDArray): Uint8Array {
  const c = a.copy();
  return new Uint8Array(c.data.buffer, c.data.byteOffset, c.data.byteLength).slice();
}

/** A C-contiguous array of `shape` over a SharedArrayBuffer (as the stream engine's arena). */
function sharedArray(like: NDArray, shape: readonly number[]): NDArray {
  const n = shape.reduce((a, b) => a * b, 1);
  const Ctor = like.data.constructor as new (b: ArrayBufferLike, o: number, n: number) => never;
  const sab = new SharedArrayBuffer(n * like.data.BYTES_PER_ELEMENT + 64);
  return new (like.constructor as typeof NDArray)(like.dtype, new Ctor(sab, 64, n), shape);
}

/** Every array of the zarr-python fixture store. */
async function fixtureArrays(): Promise<string[]> {
  const out: string[] = [];
  for (const n of await listZarr(STORE)) if (n.kind === "array") out.push(n.path);
  return out;
}

Deno.test("ZarrArray decode workers give byte-identical arrays to the in-thread path", async () => {
  const paths = await fixtureArrays();
  // every codec, F order, big-endian dtypes, fill values for missing chunks
  for (const must of ["/blosc", "/zstd", "/lz4", "/zlib", "/gzip", "/none", "/forder"]) {
    assert.ok(paths.includes(must), must);
  }
  assert.ok(paths.includes("/dtypes/f8be") && paths.includes("/fill_nan"));
  for (const path of paths) {
    const inThread = await openZarr(`${STORE}:${path}`, { workers: 0 });
    const pooled = await openZarr(`${STORE}:${path}`, { workers: 2 });
    try {
      const regions: (string | Region | undefined)[] = [
        undefined,
        ...(inThread.shape.length === 2 ? ["1:11:3, ::2"] : []),
        // one whole chunk (an uncompressed one is read straight into the destination)
        ...(inThread.shape.length > 0 ? [inThread.chunkRegion(inThread.chunks.map(() => 0))] : []),
      ];
      for (const region of regions) {
        const want = await inThread.read(region);
        const what = `${path} ${JSON.stringify(region)}`;
        assert.deepEqual(bytesOf(await pooled.read(region)), bytesOf(want), what);
        // into shared memory: the workers write the chunks straight into it
        const out = sharedArray(want, want.shape);
        const got = await pooled.readInto(region ?? "", out);
        assert.equal(got, out);
        assert.deepEqual(bytesOf(got), bytesOf(want), `${what} (shared)`);
      }
    } finally {
      await pooled.close();
    }
  }
});

Deno.test("ZarrArray decode workers name the store and chunk key for a bad chunk", async () => {
  await using dir = await tempDir();
  for (const [name, codec] of [["a", "zlib:1"], ["b", "blosc"]]) {
    const z = await createZarr(`${dir.path}/k.zarr:/${name}`, {
      shape: [4, 4],
      dtype: "float64",
      chunks: [2, 2],
      codec,
    });
    await z.write(undefined, zeros([4, 4], "float64"));
    await Deno.writeFile(`${dir.path}/k.zarr/${name}/1.0`, new Uint8Array([1, 2, 3, 4, 5]));
  }
  const raw = await createZarr(`${dir.path}/k.zarr:/r`, {
    shape: [4],
    dtype: "int32",
    chunks: [2],
    codec: "none",
  });
  await raw.write(undefined, zeros([4], "int32"));
  await Deno.writeFile(`${dir.path}/k.zarr/r/1`, new Uint8Array(12));
  const messages = async (path: string, workers: number): Promise<string[]> => {
    const a = await openZarr(`${dir.path}/k.zarr:/${path}`, { workers });
    const out: string[] = [];
    try {
      const shared = sharedArray(zeros([1], a.dtype), a.shape);
      for (const read of [() => a.read(), () => a.readInto("", shared)]) {
        await assert.rejects(read, (e: unknown) => {
          assert.ok(e instanceof FormatError);
          assert.equal(e.file, `${dir.path}/k.zarr`);
          out.push(e.message);
          return true;
        });
      }
    } finally {
      await a.close();
    }
    return out;
  };
  const a = await messages("a", 2);
  assert.match(a[0], /chunk "a\/1\.0" cannot be decoded: /);
  assert.deepEqual(a, await messages("a", 0));
  const b = await messages("b", 2);
  assert.match(b[0], /chunk "b\/1\.0" /);
  assert.deepEqual(b, await messages("b", 0));
  const r = await messages("r", 2);
  assert.match(r[0], /chunk "r\/1" holds 3 elements after decoding, expected 2/);
  assert.deepEqual(r, await messages("r", 0));
  const ok = await openZarr(`${dir.path}/k.zarr:/a`, { workers: 2 });
  assert.deepEqual(bytesOf(await ok.read("0:2")), bytesOf(zeros([2, 4], "float64")));
  await ok.close();
});

Deno.test("ZarrArray reads in its own thread when decode workers cannot start", async () => {
  await using dir = await tempDir();
  // read permission for the store only: the worker module cannot be loaded
  const script = `${dir.path}/restricted.ts`;
  await Deno.writeTextFile(
    script,
    `import { openZarr } from ${JSON.stringify(new URL("../../io/zarr.ts", import.meta.url).href)};
const a = await openZarr(${JSON.stringify(`${STORE}:/blosc`)}, { workers: 2 });
const b = await openZarr(${JSON.stringify(`${STORE}:/blosc`)}, { workers: 0 });
const x = await a.read("1:11:2, 0:7");
const y = await b.read("1:11:2, 0:7");
await a.close();
console.log(JSON.stringify({ same: JSON.stringify(x.toArray()) === JSON.stringify(y.toArray()),
  shape: x.shape }));
`,
  );
  const res = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--no-lock", `--allow-read=${STORE}`, script],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const err = new TextDecoder().decode(res.stderr);
  assert.ok(res.success, err);
  assert.doesNotMatch(err, /NotCapable|error/i);
  assert.deepEqual(JSON.parse(new TextDecoder().decode(res.stdout)), {
    same: true,
    shape: [5, 7],
  });
});

Deno.test("ZarrArray.readInto() checks the destination", async () => {
  const z = await openZarr(`${STORE}:/none`, { workers: 0 });
  await assert.rejects(() => z.readInto("0:2, 0:2", zeros([2, 3], z.dtype)), TypeError);
  await assert.rejects(() => z.readInto("0:2, 0:2", zeros([2, 2], "int8")), TypeError);
  await z.close();
});
