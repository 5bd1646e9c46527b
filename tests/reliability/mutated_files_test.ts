// Fuzzing whole files through the public readers: valid .npy and Arrow IPC
// files with random byte edits, cuts and insertions, and Zarr .zarray
// metadata with random field values. Each is opened and read; the answer is
// either data of the declared shape or a typed error that names the file,
// and the file is byte-identical afterwards. (HDF5 is not fuzzed in-process:
// libhdf5 on a corrupt file can crash the process; the hand-made hostile
// HDF5 files are in hostile_files_test.ts.)
//
// Counts (fuzz inputs, fixed seeds): 400 mutated .npy files, 400 mutated
// Arrow IPC files (file and stream form), 400 Zarr metadata mutations: 1,200.
//
//   deno test -A tests/reliability/mutated_files_test.ts

import assert from "node:assert/strict";
import fc from "npm:fast-check@4.10.2";
import { arange, NpyFile, openArrow, openZarr, writeArrow, writeNpy } from "../../mod.ts";
import { tempDir } from "../_util.ts";
import { isTyped } from "./_typed.ts";

const SEED = 20261202;

type Edit = [number, number, "set" | "cut" | "insert" | "zero"];

const edits = fc.array(
  fc.tuple(fc.nat(), fc.nat({ max: 255 }), fc.constantFrom("set", "cut", "insert", "zero")),
  { minLength: 1, maxLength: 5 },
) as fc.Arbitrary<Edit[]>;

function mutate(src: Uint8Array, list: Edit[]): Uint8Array {
  let b = src;
  for (const [at, v, kind] of list) {
    const i = at % Math.max(1, b.length);
    if (kind === "set") {
      b = b.slice();
      b[i] = v;
    } else if (kind === "zero") {
      b = b.slice();
      b.fill(0, i, i + 1 + (v % 16));
    } else if (kind === "cut") b = b.slice(0, i);
    else {
      const out = new Uint8Array(b.length + 1 + (v % 8));
      out.set(b.subarray(0, i));
      out.fill(v, i, i + 1 + (v % 8));
      out.set(b.subarray(i), i + 1 + (v % 8));
      b = out;
    }
  }
  return b;
}

async function sha(path: string): Promise<string> {
  const d = await crypto.subtle.digest("SHA-256", await Deno.readFile(path));
  return [...new Uint8Array(d)].map((x) => x.toString(16).padStart(2, "0")).join("");
}

/** Checks an error: typed, and naming `name`. */
function checkError(e: unknown, name: string, what: string): void {
  const err = e as Error;
  assert.ok(isTyped(e), `${what}: untyped ${err?.name}: ${err?.message}\n${err?.stack}`);
  assert.ok(
    err.message.includes(name),
    `${what}: the message does not name ${name}: ${err.message}`,
  );
}

Deno.test("NpyFile: 400 mutated .npy files read as declared or give a typed error naming the file", async () => {
  await using dir = await tempDir("tessera-mutate-npy-");
  const originals: Uint8Array[] = [];
  for (const [i, dtype] of (["float64", "int16", "uint8", "bool"] as const).entries()) {
    await writeNpy(
      `${dir.path}/o${i}.npy`,
      arange(24, undefined, undefined, dtype).reshape([4, 6]),
    );
    originals.push(await Deno.readFile(`${dir.path}/o${i}.npy`));
  }
  let k = 0;
  let read = 0;
  await fc.assert(
    fc.asyncProperty(fc.nat({ max: originals.length - 1 }), edits, async (which, list) => {
      const name = `m${k++}.npy`;
      const path = `${dir.path}/${name}`;
      await Deno.writeFile(path, mutate(originals[which], list));
      const before = await sha(path);
      try {
        await using f = await NpyFile.open(path);
        const a = await f.read();
        assert.deepEqual(a.shape, f.shape);
        read++;
      } catch (e) {
        checkError(e, name, name);
      }
      assert.equal(await sha(path), before);
      await Deno.remove(path);
    }),
    { numRuns: 400, seed: SEED },
  );
  assert.ok(read > 0, "no mutated file stayed readable: the success path is not exercised");
});

Deno.test("openArrow: 400 mutated Arrow IPC files read as declared or give a typed error naming the file", async () => {
  await using dir = await tempDir("tessera-mutate-arrow-");
  const originals: Uint8Array[] = [];
  await writeArrow(`${dir.path}/o0.arrow`, arange(300, undefined, undefined, "float64"), {
    batchRows: 100,
  });
  await writeArrow(
    `${dir.path}/o1.arrow`,
    arange(40, undefined, undefined, "int32").reshape([20, 2]),
    {
      names: ["x", "y"],
    },
  );
  for (const i of [0, 1]) originals.push(await Deno.readFile(`${dir.path}/o${i}.arrow`));
  let k = 0;
  await fc.assert(
    fc.asyncProperty(fc.nat({ max: originals.length - 1 }), edits, async (which, list) => {
      const name = `m${k++}.arrow`;
      const path = `${dir.path}/${name}`;
      await Deno.writeFile(path, mutate(originals[which], list));
      const before = await sha(path);
      try {
        await using src = await openArrow(path);
        const a = await src.read();
        assert.deepEqual(a.shape, src.shape);
      } catch (e) {
        checkError(e, name, name);
      }
      assert.equal(await sha(path), before);
      await Deno.remove(path);
    }),
    { numRuns: 400, seed: SEED },
  );
});

const FIELD_VALUES: Record<string, unknown[]> = {
  "zarr_format": [2, 3, 1, "2", null],
  "shape": [[4, 6], [], [0, 6], [4], [4, 6, 1], [-4, 6], [4.5, 6], [1e15, 1e15], ["4", 6], null, 7],
  // no chunk sizes between 1e4 and 1e15: a chunk that big could really be allocated
  "chunks": [[2, 3], [4, 6], [0, 3], [-2, 3], [2], [1e15, 1e15], [2.5, 3], null, "2,3"],
  "dtype": ["<f8", ">i2", "|b1", "|u1", "<c16", "|O", "<U4", "|V8", "f8", 8, null, [["a", "<f4"]]],
  "fill_value": [0, null, "NaN", "Infinity", "abc", 1e308, -1, [1], true],
  "order": ["C", "F", "X", null, 1],
  "compressor": [
    null,
    { "id": "zlib", "level": 1 },
    { "id": "nope" },
    { "id": "blosc", "cname": "zz", "clevel": 5, "shuffle": 1 },
    "zlib",
    7,
  ],
  "filters": [null, [], [{ "id": "delta", "dtype": "<f8" }], [{ "id": "nope" }], "x"],
};

Deno.test("openZarr: 400 mutated .zarray documents read as declared or give a typed error naming the store", async () => {
  await using dir = await tempDir("tessera-mutate-zarr-");
  const base: Record<string, unknown> = {
    "zarr_format": 2,
    "shape": [4, 6],
    "chunks": [2, 3],
    "dtype": "<f8",
    "fill_value": 0,
    "order": "C",
    "compressor": null,
    "filters": null,
  };
  const chunk = new Uint8Array(new Float64Array([1, 2, 3, 4, 5, 6]).buffer);
  const mutation = fc.array(
    fc.constantFrom(...Object.keys(FIELD_VALUES)).chain((key) =>
      fc.tuple(fc.constant(key), fc.constantFrom(...FIELD_VALUES[key]), fc.boolean())
    ),
    { minLength: 1, maxLength: 3 },
  );
  let k = 0;
  let read = 0;
  await fc.assert(
    fc.asyncProperty(mutation, async (list) => {
      const meta: Record<string, unknown> = { ...base };
      for (const [key, value, drop] of list) {
        if (drop && list.length === 1) delete meta[key];
        else meta[key] = value;
      }
      const name = `m${k++}.zarr`;
      const store = `${dir.path}/${name}`;
      await Deno.mkdir(`${store}/a`, { recursive: true });
      await Deno.writeTextFile(`${store}/.zgroup`, '{"zarr_format": 2}');
      await Deno.writeTextFile(`${store}/a/.zarray`, JSON.stringify(meta));
      await Deno.writeFile(`${store}/a/0.0`, chunk);
      const before = [await sha(`${store}/a/.zarray`), await sha(`${store}/a/0.0`)];
      try {
        const z = await openZarr(`${store}:/a`);
        try {
          // a whole read of an absurd shape runs out of memory today (see the ignored
          // case in hostile_files_test.ts): read a small corner of large arrays
          const size = z.shape.reduce((x, y) => x * y, 1);
          const a = await z.read(size <= 1e6 ? undefined : z.shape.map(() => "0:1").join(","));
          if (size <= 1e6) assert.deepEqual(a.shape, z.shape);
          read++;
        } finally {
          await z.close();
        }
      } catch (e) {
        checkError(e, name, `${name} ${JSON.stringify(meta)}`);
      }
      assert.deepEqual([await sha(`${store}/a/.zarray`), await sha(`${store}/a/0.0`)], before);
      await Deno.remove(store, { recursive: true });
    }),
    { numRuns: 400, seed: SEED },
  );
  assert.ok(read > 0);
});
