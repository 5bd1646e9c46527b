// The display of a DistArray on any number of ranks (collective): every rank
// gets the distribution's facts and the picture of which rank owns what; rank
// 0 also gets the values, the same as the gathered array.
//   deno test -A tests/dist/display_mpi_test.ts
//   timeout 180 mpiexec.mpich -n 3 deno test -A tests/dist/display_mpi_test.ts

import assert from "node:assert/strict";
import { decodePng, displayDistArray, DistArray, rankColor } from "../../mod.ts";
import { mpiTest as test, world } from "../_mpi.ts";

const { rank, size } = world;

function images(html: string): { alt: string; png: Uint8Array }[] {
  return [...html.matchAll(/<img alt="([^"]*)" src="data:image\/png;base64,([^"]+)">/g)]
    .map((m) => ({ alt: m[1], png: Uint8Array.from(atob(m[2]), (c) => c.charCodeAt(0)) }));
}

function colors(png: Uint8Array): Set<string> {
  const img = decodePng(png);
  const out = new Set<string>();
  for (let i = 0; i < img.data.length; i += img.channels) {
    out.add(`${img.data[i]},${img.data[i + 1]},${img.data[i + 2]}`);
  }
  return out;
}

test("displayDistArray() on every rank: facts everywhere, values on rank 0", () => {
  const a = DistArray.fromFunction(world, [9, 10], { fn: ([i, j]) => i * 10 + j, dist: "bc" });
  const whole = a.toNDArray()!;
  const b = displayDistArray(a);
  const html = b["text/html"];
  assert.match(
    b["text/plain"],
    new RegExp(`^DistArray float64 \\[9, 10\\] .* over ${size} of ${size} ranks`),
  );
  assert.match(
    html,
    new RegExp(`process grid</th><td[^>]*>${a.distribution.grid.join(" x ")} \\(ranks`),
  );
  const shapes = a.distribution.ranks.map((r) =>
    `rank ${r}: \\[${a.distribution.localShape(r).join(", ")}\\]`
  );
  assert.match(html, new RegExp(`local shapes</th><td[^>]*>${shapes.join("; ")}`));
  const map = images(html).find((i) => i.alt === "which rank owns what");
  assert.ok(map, "the owner map is drawn on every rank");
  const seen = colors(map.png);
  for (let r = 0; r < size; r++) assert.ok(seen.has(rankColor(r).join(",")), `rank ${r} is drawn`);
  if (rank === 0) {
    assert.ok(b["text/plain"].endsWith(Deno.inspect(whole)), b["text/plain"]);
    assert.equal(images(html)[0].alt, "heatmap");
  } else {
    assert.doesNotMatch(b["text/plain"], /array\(/);
  }
});

test("displayDistArray() samples a large array the same way on any number of ranks", () => {
  const a = DistArray.fromFunction(world, [700, 200], { fn: ([i, j]) => i - j, dist: "cb" });
  const b = displayDistArray(a);
  if (rank === 0) {
    assert.match(b["text/html"], /a sample, the elements at steps \[3, 1\]/);
    const expected = a.slice("::3").toNDArray(0)!;
    assert.ok(b["text/plain"].endsWith(Deno.inspect(expected)));
  } else {
    a.slice("::3").toNDArray(0);
  }
});
