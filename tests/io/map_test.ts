// File pages mapped into WebAssembly memory in place of reads (io/_map.ts,
// NpyFile.mapBlock): a reduction of a C-order .npy has the same bits mapped
// (the default) as read (TESSERA_MMAP=0), on 1 and 2 threads; Fortran-order
// and big-endian files are read as before; a file truncated after it was
// opened still gives the typed error; the memory is ordinary again after.

import assert from "node:assert/strict";
import { rand } from "../../core/random.ts";
import type { ReductionName } from "../../core/reduce.ts";
import { wasmArena } from "../../core/wasm.ts";
import { NpyFile, writeNpy } from "../../io/npy.ts";
import { mappedCount } from "../../io/_map.ts";
import { SelfComm } from "../../dist/comm.ts";
import { type LazyArray, open } from "../../stream/mod.ts";
import { bits, tempDir } from "../_util.ts";

const comm = new SelfComm();
const CAN_MAP = Deno.build.os === "linux";

async function withoutMap<T>(fn: () => Promise<T>): Promise<T> {
  Deno.env.set("TESSERA_MMAP", "0");
  try {
    return await fn();
  } finally {
    Deno.env.delete("TESSERA_MMAP");
  }
}

const REDUCTIONS: ReductionName[] = ["sum", "mean", "std", "var", "min", "max", "argmax"];

Deno.test("NpyFile.mapBlock() gives the bytes a read gives, and ordinary memory back after unmap()", async () => {
  await using dir = await tempDir();
  const a = rand([300, 50], { seed: 2 }).astype("float32");
  await writeNpy(`${dir.path}/a.npy`, a);
  using f = await NpyFile.open(`${dir.path}/a.npy`);
  const span = wasmArena().alloc(300 * 50 * 4 + 2 * 4096);
  try {
    const region = { start: [17, 0], step: [1, 1], count: [101, 50] };
    const b = f.mapBlock(region, (n, s) => ({
      memory: wasmArena().memory,
      view: span.u8.subarray(s, s + n),
    }));
    if (!CAN_MAP) return;
    assert.ok(b !== null);
    assert.deepEqual(bits(b.array), bits(await f.read("17:118")));
    // a write reaches a private copy of the page, never the file
    const d = b.array.data as Float32Array;
    d[0] = 12345;
    b.unmap();
    b.unmap(); // idempotent
    assert.equal(d[0], 0); // anonymous memory again
    d[0] = 1; // writable
    assert.deepEqual(bits(await f.read()), bits(a));
    // not whole rows, a step: null (read instead)
    const place = (n: number, s: number) => ({
      memory: wasmArena().memory,
      view: span.u8.subarray(s, s + n),
    });
    assert.equal(f.mapBlock({ start: [0, 1], step: [1, 1], count: [2, 49] }, place), null);
    assert.equal(f.mapBlock({ start: [0, 0], step: [2, 1], count: [2, 50] }, place), null);
  } finally {
    span.free();
  }
});

Deno.test("a C-order .npy reduced from mapped pages: the bits of reads, on 1 and 2 threads", async () => {
  await using dir = await tempDir();
  const a = rand([2000, 700], { seed: 5 }).astype("float32");
  await writeNpy(`${dir.path}/c.npy`, a);
  const src = await open(`${dir.path}/c.npy`, { chunks: [200, 700] });
  const cases: [string, () => LazyArray][] = [];
  for (const name of REDUCTIONS) {
    cases.push([`${name} over all`, () => src.reduce(name)]);
    cases.push([`${name} over axis 0`, () => src.reduce(name, { axis: 0 })]);
    cases.push([`${name} over axis 1`, () => src.reduce(name, { axis: 1 })]);
  }
  for (const threads of [1, 2]) {
    for (const [what, make] of cases) {
      const want = await withoutMap(() => make().compute({ comm, threads, memory: "64MiB" }));
      const before = mappedCount();
      const got = await make().compute({ comm, threads, memory: "64MiB" });
      assert.deepEqual(bits(got), bits(want), `${what} on ${threads} threads`);
      if (threads === 1 && CAN_MAP) assert.ok(mappedCount() > before, `${what}: not mapped`);
    }
  }
  // TESSERA_MMAP=0 turns it off
  const before = mappedCount();
  await withoutMap(() => src.sum().compute({ comm, threads: 1 }));
  assert.equal(mappedCount(), before);
});

Deno.test("Fortran-order and big-endian .npy files are read, not mapped: same values", async () => {
  await using dir = await tempDir();
  const a = rand([1000, 300], { seed: 7 });
  await writeNpy(`${dir.path}/c.npy`, a);
  await writeNpy(`${dir.path}/f.npy`, a.transpose(), { fortranOrder: true });
  // big-endian: the same values byte-swapped, with a header saying '>f8'
  const c = await Deno.readFile(`${dir.path}/c.npy`);
  const be = new Uint8Array(c);
  const at = new TextDecoder("latin1").decode(c.subarray(0, 128)).indexOf("'<f8'");
  assert.ok(at > 0);
  be[at + 1] = ">".charCodeAt(0);
  for (let i = 128; i < be.length; i += 8) be.subarray(i, i + 8).reverse();
  await Deno.writeFile(`${dir.path}/b.npy`, be);
  for (const [file, axis] of [["f.npy", 1], ["b.npy", 0]] as const) {
    const src = await open(`${dir.path}/${file}`, {
      chunks: file === "f.npy" ? [300, 100] : [100, 300],
    });
    const want = await withoutMap(() => src.sum({ axis }).compute({ comm, threads: 1 }));
    const before = mappedCount();
    const got = await src.sum({ axis }).compute({ comm, threads: 1 });
    assert.equal(mappedCount(), before, `${file} was mapped`);
    assert.deepEqual(bits(got), bits(want), file);
    const close = (await (await open(`${dir.path}/c.npy`)).sum({ axis: 0 }).compute({ comm }))
      .data as Float64Array;
    (got.data as Float64Array).forEach((v, k) => assert.ok(Math.abs(v - close[k]) < 1e-9, file));
  }
});

Deno.test("a .npy path renamed over after it was opened: the file opened is read, not the new one", async () => {
  await using dir = await tempDir();
  const path = `${dir.path}/r.npy`;
  const a = rand([500, 64], { seed: 8 }).astype("float32");
  await writeNpy(path, a);
  const src = await open(path, { chunks: [50, 64] });
  await writeNpy(path, a.mul(2)); // published by a rename: a new inode at the path
  const want = await withoutMap(() => src.sum({ axis: 0 }).compute({ comm, threads: 1 }));
  const before = mappedCount();
  const got = await src.sum({ axis: 0 }).compute({ comm, threads: 1 });
  assert.equal(mappedCount(), before);
  assert.deepEqual(bits(got), bits(want));
  const first = await (await open(`${dir.path}/r.npy`)).sum({ axis: 0 }).compute({ comm });
  assert.notDeepEqual(bits(first), bits(got));
});
