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
