// LazyArray.cumsum / cumprod out of core: the same bits as NDArray's (which
// tests/core/ufunc_methods_test.ts checks against NumPy) for any chunking,
// any axis, any read order, through a file on disk and under a small budget.

import assert from "node:assert/strict";
import { arange, fromArray, NDArray } from "../../core/ndarray.ts";
import { rand } from "../../core/random.ts";
import { readNpy, writeNpy } from "../../io/npy.ts";
import { lazy, LazyArray, open } from "../../stream/lazy.ts";
import * as u from "../../core/ufunc.ts";
import { ScanSource } from "../../stream/_scan.ts";
import { tempDir } from "../_util.ts";

function bytes(a: NDArray): string {
  const d = a.copy().data;
  return [...new Uint8Array(d.buffer, d.byteOffset, d.byteLength)].join(",");
}

Deno.test("LazyArray.cumsum() equals NDArray.cumsum() bit for bit over chunkings and axes", async () => {
  const a = rand([30, 17, 5], { seed: 3 });
  for (const chunks of [[30, 17, 5], [7, 4, 2], [1, 17, 5], [30, 1, 1]]) {
    const l = lazy(a, { chunks });
    for (const axis of [0, 1, 2, -1]) {
      const got = await l.cumsum({ axis }).compute();
      assert.equal(bytes(got), bytes(a.cumsum({ axis })), `chunks ${chunks} axis ${axis}`);
      const p = await l.cumprod({ axis }).compute();
      assert.equal(bytes(p), bytes(a.cumprod({ axis })), `cumprod chunks ${chunks} axis ${axis}`);
    }
  }
});

Deno.test("LazyArray.cumsum() promotes like numpy and composes with other operations", async () => {
  const a = arange(40, undefined, undefined, "int32").reshape([8, 5]);
  const l = lazy(a, { chunks: [3, 2] });
  const c = l.cumsum({ axis: 0 });
  assert.equal(c.dtype, "int64");
  const got = await c.mul(2).sum({ axis: 1 }).compute();
  assert.deepEqual(got.toArray(), a.cumsum({ axis: 0 }).mul(2).sum({ axis: 1 }).toArray());
  const b = lazy(fromArray([true, false, true, true]), { chunks: [3] });
  assert.deepEqual((await b.cumsum().compute()).toArray(), [1n, 1n, 2n, 3n]);
  assert.equal((await l.cumsum({ axis: 1, dtype: "float32" }).compute()).dtype, "float32");
});

Deno.test("ScanSource gives the same bits when regions are read out of order", async () => {
  const a = rand([50, 3], { seed: 9 });
  const src = new ScanSource(lazy(a, { chunks: [7, 3] }), "add", 0, "float64");
  const want = a.cumsum({ axis: 0 });
  const parts = await Promise.all([
    src.read("40:50, :"),
    src.read("0:10, :"),
    src.read("10:40:3, 1:"),
  ]);
  assert.equal(bytes(parts[0]), bytes(want.slice("40:50, :")));
  assert.equal(bytes(parts[1]), bytes(want.slice("0:10, :")));
  assert.equal(bytes(parts[2]), bytes(want.slice("10:40:3, 1:")));
});

Deno.test("LazyArray.cumsum() of a .npy file streams under a small memory budget", async () => {
  await using dir = await tempDir();
  const a = rand([4000, 64], { seed: 5 }); // 2 MB
  const path = `${dir.path}/a.npy`;
  await writeNpy(path, a);
  using l = await open(path);
  const c = l.cumsum({ axis: 0 });
  const want = a.cumsum({ axis: 0 });
  const rows = await c.sum({ axis: 1 }).compute({ memory: "1MiB" });
  assert.equal(bytes(rows), bytes(want.sum({ axis: 1 })));
  await c.to(`${dir.path}/c.npy`, { memory: "1MiB" });
  assert.equal(bytes(await readNpy(`${dir.path}/c.npy`)), bytes(want));
});

Deno.test("LazyArray.cumsum() rejects bad axes and options with typed errors", () => {
  const l = lazy(rand([4, 3], { seed: 1 }));
  assert.throws(
    () => l.cumsum({ axis: 2 }),
    (e: unknown) => e instanceof RangeError && /axis 2/.test((e as Error).message),
  );
  assert.throws(() => l.cumsum(), TypeError); // flattening an N-d LazyArray is not lazy
  assert.throws(() => l.cumprod({ axes: 0 } as never), TypeError);
  assert.throws(() => l.cumsum({ axis: 0.5 }), TypeError);
});

Deno.test("ufunc accumulate and reduce run lazily on a LazyArray", async () => {
  const a = rand([12, 5], { seed: 2 });
  const l = lazy(a, { chunks: [5, 2] });
  const m = u.maximum.accumulate(l, { axis: 1 });
  assert.ok(m instanceof LazyArray);
  assert.equal(bytes(await m.compute()), bytes(u.maximum.accumulate(a, { axis: 1 })));
  const s = u.subtract.accumulate(l); // any ufunc: each element is op(previous result, element)
  assert.equal(bytes(await (s as LazyArray).compute()), bytes(u.subtract.accumulate(a)));
  const r = u.add.reduce(lazy(arange(6, undefined, undefined, "int32").reshape([2, 3])));
  assert.deepEqual((await (r as LazyArray).compute()).toArray(), [3n, 5n, 7n]);
  assert.throws(() => u.subtract.reduce(l), TypeError);
  assert.throws(() => u.add.outer(l, l), TypeError);
});
