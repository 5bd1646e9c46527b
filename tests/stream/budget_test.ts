import assert from "node:assert/strict";
import { memoryBudget, parseBytes } from "../../stream/mod.ts";

Deno.test("parseBytes() reads binary and decimal units and refuses bad text", () => {
  assert.equal(parseBytes("512MiB"), 512 * 2 ** 20);
  assert.equal(parseBytes("2 GiB"), 2 ** 31);
  assert.equal(parseBytes("1.5G"), 1.5e9);
  assert.equal(parseBytes("100kb"), 100_000);
  assert.equal(parseBytes("42"), 42);
  assert.throws(() => parseBytes("12 parsecs"), SyntaxError);
  assert.throws(() => parseBytes(-1), RangeError);
});

Deno.test("memoryBudget() takes the option, then TESSERA_MEMORY, then a quarter of RAM", () => {
  const old = Deno.env.get("TESSERA_MEMORY");
  try {
    Deno.env.set("TESSERA_MEMORY", "3MiB");
    assert.equal(memoryBudget(), 3 * 2 ** 20);
    assert.equal(memoryBudget("1KiB"), 1024);
    Deno.env.delete("TESSERA_MEMORY");
    assert.equal(memoryBudget(), Math.floor(Deno.systemMemoryInfo().total / 4));
  } finally {
    if (old === undefined) Deno.env.delete("TESSERA_MEMORY");
    else Deno.env.set("TESSERA_MEMORY", old);
  }
});

Deno.test("planner: an output's chunk encodes (workers, chunks in flight) count against the budget", async () => {
  const { makePlan } = await import("../../stream/_plan.ts");
  const { MemorySource } = await import("../../stream/_sources.ts");
  const { encodeCost } = await import("../../stream/_output.ts");
  const { zeros: z } = await import("../../core/ndarray.ts");
  const src = new MemorySource(z([4096, 1024], "float32"), [256, 1024]);
  const node = {
    kind: "source" as const,
    source: src,
    splittable: true,
    shape: src.shape,
    dtype: src.dtype,
    chunks: [256, 1024],
  };
  const plain = { kind: "write" as const, chunks: [256, 1024], itemsize: 4 };
  const cost = encodeCost("o.zarr", "blosc:lz4:5");
  assert.ok(cost !== undefined);
  assert.equal(encodeCost("o.zarr", "none"), undefined);
  assert.equal(encodeCost("o.npy", undefined), undefined);
  assert.equal(encodeCost("o.h5:/x", undefined), undefined);
  assert.ok(encodeCost("o.h5:/x", "shuffle+gzip:1") !== undefined);
  const budget = { budget: 2 ** 30, prefetch: 1 };
  const a = makePlan(node, plain, budget).passes[0];
  const b = makePlan(node, { ...plain, encode: cost }, budget).passes[0];
  assert.equal(b.projected - a.projected, cost!(256 * 1024 * 4));
  assert.match(b.detail, /chunk encodes \(workers and chunks in flight\)/);
  // a budget that the writer alone fits, the encodes not
  assert.throws(
    () => makePlan(node, { ...plain, encode: cost }, { budget: a.projected + 1, prefetch: 1 }),
    /chunk encodes/,
  );
});
