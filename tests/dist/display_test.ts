// The Jupyter displays of dist/display.ts: DistArray (one process here; the
// notebook test runs a proxy over 2 MPI engines), DistArrayProxy through a
// Context of one engine, and a proxy whose engines hang or are gone: the
// display returns within its deadline and says why it has no summary.
//
//   deno test -A tests/dist/display_test.ts

import assert from "node:assert/strict";
import { Context, decodePng, displayProxy, DistArray, init, rankColor } from "../../mod.ts";

type Displayable = Record<symbol, () => Record<string, string> | Promise<Record<string, string>>>;
const KEY = Symbol.for("Jupyter.display");

function images(html: string): { alt: string; png: Uint8Array }[] {
  return [...html.matchAll(/<img alt="([^"]*)" src="data:image\/png;base64,([^"]+)">/g)].map((
    m,
  ) => ({ alt: m[1], png: Uint8Array.from(atob(m[2]), (c) => c.charCodeAt(0)) }));
}

function hasColor(png: Uint8Array, rgb: readonly number[]): boolean {
  const img = decodePng(png);
  for (let i = 0; i < img.data.length; i += img.channels) {
    if (img.data[i] === rgb[0] && img.data[i + 1] === rgb[1] && img.data[i + 2] === rgb[2]) {
      return true;
    }
  }
  return false;
}

Deno.test("DistArray's display: axes, grid, local shapes, values, heatmap and owner map", async () => {
  await using comm = await init();
  const a = DistArray.fromFunction(comm, [5, 7], { fn: ([i, j]) => 10 * i + j, dist: "cb" });
  const b = await (a as unknown as Displayable)[KEY]();
  assert.match(b["text/plain"], /^DistArray float64 \[5, 7\] Distribution\[5,7\]\(cb\) grid/);
  assert.match(b["text/plain"], /\narray\(\[\[ 0\., {2}1\., {2}2\./);
  assert.match(b["text/html"], /axis 0<\/th><td[^>]*>c: cyclic, grid 1/);
  assert.match(b["text/html"], /axis 1<\/th><td[^>]*>b: block, grid 1, bounds 0 7/);
  assert.match(b["text/html"], /local shapes<\/th><td[^>]*>rank 0: \[5, 7\]/);
  const imgs = images(b["text/html"]);
  assert.deepEqual(imgs.map((i) => i.alt), ["heatmap", "which rank owns what"]);
  assert.ok(hasColor(imgs[1].png, rankColor(0)));
});

Deno.test("DistArray's display samples a large array and draws no map beyond 2-D", async () => {
  await using comm = await init();
  const big = DistArray.zeros(comm, [1000, 300], { dtype: "int32" });
  const b = await (big as unknown as Displayable)[KEY]();
  assert.match(b["text/html"], /a sample, the elements at steps \[4, 2\]/);
  assert.equal(images(b["text/html"]).length, 2);
  const cube = DistArray.ones(comm, [3, 4, 5]);
  const c = await (cube as unknown as Displayable)[KEY]();
  assert.deepEqual(images(c["text/html"]).map((i) => i.alt), ["heatmap"]); // the first plane
  const empty = DistArray.zeros(comm, [0, 3]);
  const e = await (empty as unknown as Displayable)[KEY]();
  assert.equal(e["text/plain"], "DistArray float64 [0, 3] " + String(empty.distribution));
  assert.equal(images(e["text/html"]).length, 0);
});

Deno.test("DistArrayProxy's display fetches a summary from the engines", async () => {
  await using ctx = await Context.start({ engines: 1, launcher: null });
  const a = await ctx.fromFunction([3, 4], ([i, j]) => i * j, {
    dist: [{ type: "c", blockSize: 2 }, "n"],
  });
  const b = await (a as unknown as Displayable)[KEY]();
  assert.match(b["text/plain"], /^DistArrayProxy float64 \[3, 4\] Distribution\[3,4\]\(c2n\)/);
  assert.match(b["text/plain"], /\narray\(\[\[0\., 0\., 0\., 0\.\],\n {7}\[0\., 1\., 2\., 3\.\]/);
  assert.match(b["text/html"], /axis 0<\/th><td[^>]*>c: block-cyclic, block 2, grid 1/);
  assert.match(b["text/html"], new RegExp(`engines</th><td[^>]*>1 \\(pids ${ctx.pids[0]}\\)`));
  assert.deepEqual(images(b["text/html"]).map((i) => i.alt), ["heatmap", "which rank owns what"]);
  const c = await (ctx as unknown as Displayable)[KEY]();
  assert.match(c["text/plain"], /^Context: 1 engine, working\nengine pids \d+, launcher pid \d+$/);
  await assert.rejects(displayProxy(a, { timeoutMs: 0 }), RangeError);
  await assert.rejects(displayProxy({} as never), TypeError);
});

Deno.test("DistArrayProxy's display never hangs: busy engines, then failed ones", async () => {
  const ctx = await Context.start({ engines: 1, launcher: null, callTimeoutMs: 3000 });
  try {
    const a = await ctx.ones([4]);
    // the engine answers in a minute (the call timeout ends it first)
    const stuck = ctx.apply(() => new Promise((r) => setTimeout(r, 60_000))).then(
      () => new Error("answered"),
      (e: Error) => e,
    );
    const t0 = performance.now();
    const busy = await displayProxy(a, { timeoutMs: 300 });
    assert.ok(performance.now() - t0 < 2000);
    assert.match(
      busy["text/html"],
      /no summary<\/th><td[^>]*>the engines did not answer within 300 ms/,
    );
    assert.match(busy["text/plain"], /^DistArrayProxy float64 \[4\] .*\n\(no summary: /);
    assert.equal(images(busy["text/html"]).length, 0);
    assert.match((await stuck).message, /within 3000 ms/); // the call timeout ends the engines
    const gone = await (a as unknown as Displayable)[KEY]();
    assert.match(gone["text/html"], /no summary<\/th><td[^>]*>"apply" got no answer/);
    const c = await (ctx as unknown as Displayable)[KEY]();
    assert.match(c["text/plain"], /^Context: 1 engine, failed: /);
  } finally {
    await ctx.close();
  }
});
