// Hostile input files: truncated, lying or garbage .npy, HDF5, Zarr and Arrow
// files, each opened and read through the public API (`open(locator).compute()`
// and the format's own class: NpyFile, H5File/openDataset, openZarr,
// openArrow). Every case must end in a typed error whose message names the
// file (or, where the format defines an answer, the answer zarr-python
// gives), within a time limit, and leave the input byte-identical (SHA-256
// of every file before and after).
//
// Counts: 50 hostile inputs (15 .npy, 6 HDF5, 9 Zarr, 10 Arrow, 10 netCDF-3),
// each read by 2 or 3 paths (the format's class(es) and open().compute()).
//
//   deno test -A tests/reliability/hostile_files_test.ts

import assert from "node:assert/strict";
import { formatHeader } from "../../io/_npy_header.ts";
import { Nc3File } from "../../io/netcdf3.ts";
import {
  arange,
  H5File,
  NpyFile,
  open,
  openArrow,
  openDataset,
  openZarr,
  writeArrow,
} from "../../mod.ts";
import { hasPython, runPython, tempDir } from "../_util.ts";
import { isTyped } from "./_typed.ts";

const LIMIT_MS = 20_000;
const enc = new TextEncoder();

/** SHA-256 of every file under `path` (a file or a directory), by relative name. */
async function hashes(path: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const visit = async (p: string, rel: string): Promise<void> => {
    const st = await Deno.stat(p);
    if (st.isDirectory) {
      const names: string[] = [];
      for await (const e of Deno.readDir(p)) names.push(e.name);
      for (const n of names.sort()) await visit(`${p}/${n}`, `${rel}/${n}`);
    } else {
      const d = await crypto.subtle.digest("SHA-256", await Deno.readFile(p));
      out[rel] = [...new Uint8Array(d)].map((b) => b.toString(16).padStart(2, "0")).join("");
    }
  };
  await visit(path, ".");
  return out;
}

/** `f()` or a rejection after LIMIT_MS. */
async function within<T>(what: string, f: () => Promise<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      f(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`${what}: no answer in ${LIMIT_MS} ms`)),
          LIMIT_MS,
        );
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Runs each read of `path` and checks: it throws a typed error naming the
 * file (`names`, default the file's base name), in time, and the file is
 * unchanged.
 */
async function refuses(
  path: string,
  reads: Record<string, () => Promise<unknown>>,
  names = path.slice(path.lastIndexOf("/") + 1),
): Promise<void> {
  const before = await hashes(path);
  for (const [how, read] of Object.entries(reads)) {
    let error: unknown = null;
    try {
      await within(`${how} of ${names}`, read);
    } catch (e) {
      error = e;
    }
    assert.ok(error !== null, `${how} of ${names} did not fail`);
    const e = error as Error;
    assert.ok(isTyped(e) || e.name === "Hdf5Error", `${how} of ${names}: ${e.name}: ${e.message}`);
    assert.ok(
      e.message.includes(names),
      `${how}: the message does not name ${names}: ${e.message}`,
    );
  }
  assert.deepEqual(await hashes(path), before, `${path} changed`);
}

function npyReads(path: string): Record<string, () => Promise<unknown>> {
  return {
    "NpyFile.open().read()": async () => {
      await using f = await NpyFile.open(path);
      return await f.read();
    },
    "open().compute()": async () => await (await open(path)).compute(),
  };
}

// ---------------------------------------------------------------------------
// .npy

function npy(header: string, data: Uint8Array | number, version: 1 | 2 = 1): Uint8Array {
  const dict = enc.encode(header);
  const prefix = version === 1 ? 10 : 12;
  const pad = 64 - ((prefix + dict.length + 1) % 64);
  const body = new Uint8Array(dict.length + pad + 1).fill(0x20);
  body.set(dict);
  body[body.length - 1] = 0x0a;
  const bytes = typeof data === "number" ? new Uint8Array(data) : data;
  const out = new Uint8Array(prefix + body.length + bytes.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version, 0]);
  const dv = new DataView(out.buffer);
  if (version === 1) dv.setUint16(8, body.length, true);
  else dv.setUint32(8, body.length, true);
  out.set(body, prefix);
  out.set(bytes, prefix + body.length);
  return out;
}

const NPY_CASES: Record<string, Uint8Array> = {
  // the header promises 100 doubles, the file has 10
  "short_data.npy": npy("{'descr': '<f8', 'fortran_order': False, 'shape': (100,), }", 80),
  // more data than the header says
  "long_data.npy": npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", 64),
  "huge_shape.npy": npy(
    "{'descr': '<f8', 'fortran_order': False, 'shape': (1099511627776, 1099511627776), }",
    16,
  ),
  "huge_1d.npy": npy("{'descr': '<f8', 'fortran_order': False, 'shape': (4503599627370496,), }", 8),
  "negative_dim.npy": npy("{'descr': '<f8', 'fortran_order': False, 'shape': (-1, 3), }", 24),
  "object_descr.npy": npy("{'descr': '|O', 'fortran_order': False, 'shape': (3,), }", 24),
  "structured.npy": npy("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (3,), }", 12),
  "fortran_not_bool.npy": npy("{'descr': '<f8', 'fortran_order': 0, 'shape': (3,), }", 24),
  "not_a_dict.npy": npy("[1, 2, 3]", 0),
  // the length field claims 60000 bytes of header in a 200-byte file
  "header_length_lies.npy": (() => {
    const b = npy("{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }", 16);
    new DataView(b.buffer).setUint16(8, 60000, true);
    return b;
  })(),
  "v2_length_4g.npy": (() => {
    const b = npy("{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }", 16, 2);
    new DataView(b.buffer).setUint32(8, 0xffffffff, true);
    return b;
  })(),
  "truncated_prefix.npy": formatHeader("float64", [4], false).subarray(0, 7),
  "empty.npy": new Uint8Array(0),
  "garbage.npy": Uint8Array.from({ length: 4096 }, (_, i) => (i * 7919 + 13) & 0xff),
};

Deno.test("hostile .npy files: 14 cases each give a typed error naming the file, unchanged", async () => {
  await using dir = await tempDir("tessera-hostile-npy-");
  for (const [name, bytes] of Object.entries(NPY_CASES)) {
    const path = `${dir.path}/${name}`;
    await Deno.writeFile(path, bytes);
    await refuses(path, npyReads(path));
  }
});

Deno.test("hostile .npy: a directory named x.npy is refused by name", async () => {
  await using dir = await tempDir("tessera-hostile-npy-");
  const path = `${dir.path}/dir.npy`;
  await Deno.mkdir(path);
  await Deno.writeFile(`${path}/inside`, new Uint8Array([1, 2, 3]));
  await refuses(path, npyReads(path));
});

// ---------------------------------------------------------------------------
// HDF5

const HDF5_SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];

function h5Reads(path: string, object = "/x"): Record<string, () => Promise<unknown>> {
  return {
    "H5File.open().dataset().read()": async () => {
      using f = H5File.open(path);
      using ds = f.dataset(object);
      return await ds.read();
    },
    "openDataset().read()": async () => {
      using ds = await openDataset(`${path}:${object}`);
      return await ds.read();
    },
    "open().compute()": async () => await (await open(`${path}:${object}`)).compute(),
  };
}

Deno.test({
  name: "hostile HDF5 files: signature + garbage, truncated mid-dataset, empty, text",
  ignore: !hasPython("numpy", "h5py"),
  async fn() {
    await using dir = await tempDir("tessera-hostile-h5-");
    const d = dir.path;
    // a valid file with a 4 MiB contiguous dataset and a chunked one, made by h5py,
    // then copies truncated in the middle of each dataset's data
    await runPython(
      `
import numpy as np, h5py, sys, os
with h5py.File(sys.argv[1] + "/full.h5", "w") as f:
    f.create_dataset("x", data=np.arange(512 * 1024, dtype="f8"))
    f.create_dataset("c", data=np.arange(512 * 1024, dtype="f8"), chunks=(65536,), compression="gzip")
with h5py.File(sys.argv[1] + "/full.h5", "r") as f:
    print(f["x"].id.get_offset(), f["c"].id.get_chunk_info(3).byte_offset)
`,
      d,
    ).then(async (out) => {
      const [xOff, cOff] = out.trim().split(" ").map(Number);
      const full = await Deno.readFile(`${d}/full.h5`);
      await Deno.writeFile(`${d}/cut_contiguous.h5`, full.subarray(0, xOff + 1024 * 1024));
      await Deno.writeFile(`${d}/cut_chunked.h5`, full.subarray(0, cOff + 100));
    });
    const random = Uint8Array.from({ length: 8192 }, (_, i) => (i * 2654435761) >>> 24);
    random.set(HDF5_SIGNATURE);
    await Deno.writeFile(`${d}/signature_garbage.h5`, random);
    // the signature, then a superblock of zeros
    const zeros = new Uint8Array(4096);
    zeros.set(HDF5_SIGNATURE);
    await Deno.writeFile(`${d}/signature_zeros.h5`, zeros);
    await Deno.writeFile(`${d}/empty.h5`, new Uint8Array(0));
    await Deno.writeTextFile(`${d}/text.h5`, "this is not an HDF5 file\n".repeat(100));

    for (const name of ["signature_garbage.h5", "signature_zeros.h5", "empty.h5", "text.h5"]) {
      await refuses(`${d}/${name}`, h5Reads(`${d}/${name}`));
    }
    await refuses(`${d}/cut_contiguous.h5`, h5Reads(`${d}/cut_contiguous.h5`, "/x"));
    await refuses(`${d}/cut_chunked.h5`, h5Reads(`${d}/cut_chunked.h5`, "/c"));
    assert.equal(H5File.openObjectCount(), 0);
  },
});

// ---------------------------------------------------------------------------
// Zarr

function zarrReads(store: string, object = "/a"): Record<string, () => Promise<unknown>> {
  return {
    "openZarr().read()": async () => {
      const z = await openZarr(`${store}:${object}`);
      try {
        return await z.read();
      } finally {
        await z.close();
      }
    },
    "open().compute()": async () => await (await open(`${store}:${object}`)).compute(),
  };
}

const ZARRAY = {
  "zarr_format": 2,
  shape: [4, 6],
  chunks: [2, 3],
  dtype: "<f8",
  compressor: { id: "zlib", level: 1 },
  "fill_value": 0,
  order: "C",
  filters: null,
};

async function zarrStore(
  store: string,
  zarray: unknown,
  chunks: Record<string, Uint8Array> = {},
): Promise<void> {
  await Deno.mkdir(`${store}/a`, { recursive: true });
  await Deno.writeTextFile(`${store}/.zgroup`, JSON.stringify({ zarr_format: 2 }));
  await Deno.writeTextFile(
    `${store}/a/.zarray`,
    typeof zarray === "string" ? zarray : JSON.stringify(zarray),
  );
  for (const [k, v] of Object.entries(chunks)) await Deno.writeFile(`${store}/a/${k}`, v);
}

Deno.test("hostile Zarr stores: broken .zarray JSON, bad dtype, negative shape, corrupt chunks", async () => {
  await using dir = await tempDir("tessera-hostile-zarr-");
  const d = dir.path;
  const cases: Record<string, [unknown, Record<string, Uint8Array>]> = {
    "broken_json.zarr": ['{"zarr_format": 2, "shape": [4, 6], "chunks": [2,', {}],
    "not_an_object.zarr": ["[1, 2, 3]", {}],
    "object_dtype.zarr": [{ ...ZARRAY, dtype: "|O" }, {}],
    "negative_shape.zarr": [{ ...ZARRAY, shape: [-4, 6] }, {}],
    // a zlib chunk of garbage, and one cut short
    "corrupt_chunk.zarr": [ZARRAY, { "0.0": Uint8Array.from({ length: 48 }, (_, i) => i * 37) }],
  };
  for (const [name, [zarray, chunks]] of Object.entries(cases)) {
    await zarrStore(`${d}/${name}`, zarray, chunks);
    await refuses(`${d}/${name}`, zarrReads(`${d}/${name}`), name);
  }
});

Deno.test({
  name: "hostile Zarr: missing chunks read as fill_value, as zarr-python reads them",
  ignore: !hasPython("numpy", "zarr"),
  async fn() {
    await using dir = await tempDir("tessera-hostile-zarr-");
    const d = dir.path;
    await runPython(
      `
import numpy as np, zarr, sys
g = zarr.open_group(sys.argv[1] + "/missing.zarr", mode="w")
a = g.create_dataset("a", shape=(4, 6), chunks=(2, 3), dtype="f8", fill_value=-1.0)
a[0:2, 0:3] = 7.0
`,
      d,
    );
    // missing chunks are not an error in Zarr: they read as the fill value
    const before = await hashes(`${d}/missing.zarr`);
    const want = [
      [7, 7, 7, -1, -1, -1],
      [7, 7, 7, -1, -1, -1],
      Array(6).fill(-1),
      Array(6).fill(-1),
    ];
    const z = await openZarr(`${d}/missing.zarr:/a`);
    try {
      assert.deepEqual((await z.read()).toArray(), want);
    } finally {
      await z.close();
    }
    assert.deepEqual((await (await open(`${d}/missing.zarr:/a`)).compute()).toArray(), want);
    assert.deepEqual(await hashes(`${d}/missing.zarr`), before);
  },
});

Deno.test({
  name: "hostile Zarr: a blosc chunk of zarr-python's store cut short is refused",
  // io/_blosc.ts refuses the truncated frame; numcodecs.js would return uninitialised
  // bytes with no error (zarr-python returns garbage here too)
  async fn() {
    await using dir = await tempDir("tessera-hostile-zarr-");
    const d = dir.path;
    await runPython(
      `
import numpy as np, zarr, sys
g = zarr.open_group(sys.argv[1] + "/cut.zarr", mode="w")
g.create_dataset("a", data=np.random.default_rng(1).random((4, 6)), chunks=(2, 3))
`,
      d,
    );
    const chunk = await Deno.readFile(`${d}/cut.zarr/a/1.1`);
    await Deno.writeFile(`${d}/cut.zarr/a/1.1`, chunk.subarray(0, chunk.length >> 1));
    await refuses(`${d}/cut.zarr`, zarrReads(`${d}/cut.zarr`), "cut.zarr");
  },
});

Deno.test({
  name: "hostile Zarr: metadata claiming 1e15 x 1e15 is a FormatError naming the store",
  // refused at open (core/limits.ts): the element count is not a safe integer
  async fn() {
    await using dir = await tempDir("tessera-hostile-zarr-");
    for (
      const [name, chunks] of [["absurd.zarr", [1e15, 1e15]], ["absurd_small_chunks.zarr", [2, 3]]]
    ) {
      const store = `${dir.path}/${name}`;
      await zarrStore(store, { ...ZARRAY, shape: [1e15, 1e15], chunks });
      await refuses(store, zarrReads(store), name as string);
    }
  },
});

// ---------------------------------------------------------------------------
// Arrow

Deno.test("hostile Arrow IPC files: truncated at 6 points, and garbage, give a typed error naming the file", async () => {
  await using dir = await tempDir("tessera-hostile-arrow-");
  const d = dir.path;
  await writeArrow(`${d}/full.arrow`, arange(4096, undefined, undefined, "float64"), {
    batchRows: 1024,
  });
  const full = await Deno.readFile(`${d}/full.arrow`);
  const reads = (p: string): Record<string, () => Promise<unknown>> => ({
    "openArrow().read()": async () => {
      await using src = await openArrow(p);
      return await src.read();
    },
    "open().compute()": async () => await (await open(p)).compute(),
  });
  for (const cut of [0, 4, 12, 100, full.length >> 1, full.length - 10]) {
    const p = `${d}/cut_${cut}.arrow`;
    await Deno.writeFile(p, full.subarray(0, cut));
    await refuses(p, reads(p));
  }
  const garbage = Uint8Array.from({ length: 2000 }, (_, i) => (i * 131 + 7) & 0xff);
  garbage.set(enc.encode("ARROW1\0\0"));
  await Deno.writeFile(`${d}/garbage.arrow`, garbage);
  await refuses(`${d}/garbage.arrow`, reads(`${d}/garbage.arrow`));
});

/** Where the footer lists each record batch: the offsets of its Block structs in the file. */
function footerBlocks(file: Uint8Array): number[] {
  const dv = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const footerLength = dv.getInt32(file.length - 10, true);
  const found: number[] = [];
  // a Block is {offset: int64, metaDataLength: int32, pad, bodyLength: int64}; the first
  // batch starts at byte 8, each next one where the last ended
  let want = 8;
  for (let i = file.length - 10 - footerLength; i + 24 <= file.length - 10; i += 8) {
    if (dv.getBigInt64(i, true) !== BigInt(want)) continue;
    const meta = dv.getInt32(i + 8, true);
    const body = Number(dv.getBigInt64(i + 16, true));
    if (meta <= 0 || body < 0) continue;
    found.push(i);
    want += meta + body;
  }
  return found;
}

Deno.test("hostile Arrow IPC files: lengths that lie in a batch's metadata or the footer are FormatErrors, not out of memory", async () => {
  await using dir = await tempDir("tessera-hostile-arrow-");
  const d = dir.path;
  await writeArrow(`${d}/full.arrow`, arange(300, undefined, undefined, "float64"), {
    batchRows: 100,
  });
  const full = await Deno.readFile(`${d}/full.arrow`);
  const blocks = footerBlocks(full);
  assert.equal(blocks.length, 3);
  const dv = new DataView(full.buffer);
  const second = Number(dv.getBigInt64(blocks[1], true));
  const reads = (p: string): Record<string, () => Promise<unknown>> => ({
    "openArrow().read()": async () => {
      await using src = await openArrow(p);
      return await src.read();
    },
    "open().compute()": async () => await (await open(p)).compute(),
  });
  // 8 bytes of 0x27 inside the second batch's metadata: a vector of ~650 million
  // buffers, which apache-arrow's decoder allocated until the engine died
  const inserted = new Uint8Array(full.length + 8);
  inserted.set(full.subarray(0, second + 82));
  inserted.fill(0x27, second + 82, second + 90);
  inserted.set(full.subarray(second + 82), second + 90);
  await Deno.writeFile(`${d}/vector_lies.arrow`, inserted);
  await refuses(`${d}/vector_lies.arrow`, reads(`${d}/vector_lies.arrow`));
  // the first batch's offset in the footer beyond 2^53: a raw TypeError from apache-arrow before
  const offset = full.slice();
  offset[blocks[0] + 6] = 0x20;
  await Deno.writeFile(`${d}/offset_lies.arrow`, offset);
  await refuses(`${d}/offset_lies.arrow`, reads(`${d}/offset_lies.arrow`));
  // a row count of 2^40 in the first batch's metadata ("Array buffer allocation failed" before)
  const rows = full.slice();
  const meta = rows.subarray(8, 8 + dv.getInt32(blocks[0] + 8, true));
  const at = meta.findIndex((_, i) =>
    i % 8 === 0 && i + 8 <= meta.length &&
    new DataView(meta.buffer, meta.byteOffset + i, 8).getBigInt64(0, true) === 100n
  );
  assert.ok(at > 0, "the row count 100 is in the first batch's metadata");
  new DataView(meta.buffer, meta.byteOffset + at, 8).setBigInt64(0, 2n ** 40n, true);
  await Deno.writeFile(`${d}/rows_lie.arrow`, rows);
  await refuses(`${d}/rows_lie.arrow`, reads(`${d}/rows_lie.arrow`));
});

// ---------------------------------------------------------------------------
// netCDF-3

function be32(n: number): number[] {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255];
}

/**
 * A classic file: dimensions time (record) and x = `x`, variable `int v(time, x)`
 * with `numrecs` records at `begin`, then `data` bytes.
 */
function nc3(
  o: { numrecs?: number; x?: number; dimCount?: number; begin?: number; data?: number },
) {
  const name = (c: string): number[] => [...be32(1), c.charCodeAt(0), 0, 0, 0];
  return new Uint8Array([
    ...[0x43, 0x44, 0x46, 1],
    ...be32(o.numrecs ?? 2),
    ...be32(10),
    ...be32(o.dimCount ?? 2),
    ...name("t"),
    ...be32(0),
    ...name("x"),
    ...be32(o.x ?? 3),
    ...be32(0),
    ...be32(0),
    ...be32(11),
    ...be32(1),
    ...name("v"),
    ...be32(2),
    ...be32(0),
    ...be32(1),
    ...be32(0),
    ...be32(0),
    ...be32(4),
    ...be32(12),
    ...be32(o.begin ?? 96),
    ...new Array(o.data ?? 24).fill(7),
  ]);
}

const NC3_CASES: Record<string, Uint8Array> = {
  "truncated_header.nc": nc3({}).subarray(0, 50),
  "magic_only.nc": new Uint8Array([0x43, 0x44, 0x46, 2]),
  "dim_count_2g.nc": nc3({ dimCount: 0x7fffffff }),
  "dim_length_4g.nc": nc3({ x: 0xfffffff0 }),
  "numrecs_2g.nc": nc3({ numrecs: 0x7fffffff }),
  "data_truncated.nc": nc3({ data: 20 }),
  "begin_past_end.nc": nc3({ begin: 0x7ffffff0 }),
  "begin_in_header.nc": nc3({ begin: 8 }),
  "version_9.nc": (() => {
    const b = nc3({});
    b[3] = 9;
    return b;
  })(),
  // the second dimension id of v is 5 (there are 2)
  "bad_dimid.nc": (() => {
    const b = nc3({});
    b.set(be32(5), 72);
    return b;
  })(),
};

Deno.test("hostile netCDF-3 files: truncated, absurd counts and sizes, offsets that lie", async () => {
  await using dir = await tempDir("tessera-hostile-nc3-");
  // the builder makes a good file
  await Deno.writeFile(`${dir.path}/good.nc`, nc3({}));
  {
    using f = await Nc3File.open(`${dir.path}/good.nc`);
    assert.deepEqual((await f.variable("v").read()).shape, [2, 3]);
  }
  for (const [name, bytes] of Object.entries(NC3_CASES)) {
    const path = `${dir.path}/${name}`;
    await Deno.writeFile(path, bytes);
    await refuses(path, {
      "Nc3File.open().variable().read()": async () => {
        using f = await Nc3File.open(path);
        return await f.variable("v").read();
      },
      "open().compute()": async () => await (await open(`${path}:/v`)).compute(),
    });
  }
});
