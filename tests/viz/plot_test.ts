// Tests of viz/plot.ts, read back through decodePng: cell colours against
// matplotlib's published colormap values, cell placement (row 0 at the top),
// NaN colour, the colour bar, rank colours of distribution maps element by
// element, titles drawn glyph for glyph, strideFor, bad input, and Pillow
// opening the images.

import assert from "node:assert/strict";
import {
  COLORMAP_NAMES,
  colormapColor,
  distributionMap,
  heatmap,
  rankColor,
  strideFor,
} from "../../viz/plot.ts";
import { decodePng, type PngImage } from "../../viz/png.ts";
import { glyph, GLYPH_HEIGHT, GLYPH_WIDTH } from "../../viz/_font.ts";
import { arange, fromArray } from "../../core/ndarray.ts";
import { Distribution } from "../../dist/distribution.ts";
import { hasPython, pythonJson, tempDir } from "../_util.ts";
import { at, type Box, boxOf, type Rgb } from "./_png_util.ts";

function hex(c: Rgb): string {
  return "#" + c.map((v) => v.toString(16).padStart(2, "0")).join("");
}

function solidBox(img: PngImage, c: Rgb): Box {
  const b = boxOf(img, c);
  assert.ok(b, `no pixel of colour ${hex(c)}`);
  assert.equal(
    b.count,
    (b.x1 - b.x0 + 1) * (b.y1 - b.y0 + 1),
    `${hex(c)} is not one solid rectangle`,
  );
  return b;
}

/** The most frequent colour in a rectangle (x0..x1, y0..y1 exclusive ends). */
function majority(img: PngImage, x0: number, y0: number, x1: number, y1: number): string {
  const n = new Map<string, number>();
  for (let y = y0; y < y1; y++) {
    for (let x = x0; x < x1; x++) {
      const k = hex(at(img, x, y));
      n.set(k, (n.get(k) ?? 0) + 1);
    }
  }
  return [...n.entries()].sort((a, b) => b[1] - a[1])[0][0];
}

/** Ink (non-background) pixels of a line of text drawn with our font, relative to their bounding box. */
function expectedInk(text: string, scale: number): Set<string> {
  const pts: [number, number][] = [];
  for (let k = 0; k < text.length; k++) {
    const g = glyph(text.charCodeAt(k));
    for (let r = 0; r < GLYPH_HEIGHT; r++) {
      for (let b = 0; b < GLYPH_WIDTH; b++) {
        if (!(g[r] & (0x80 >> b))) continue;
        for (let dy = 0; dy < scale; dy++) {
          for (let dx = 0; dx < scale; dx++) {
            pts.push([(k * GLYPH_WIDTH + b) * scale + dx, r * scale + dy]);
          }
        }
      }
    }
  }
  const x0 = Math.min(...pts.map((p) => p[0]));
  const y0 = Math.min(...pts.map((p) => p[1]));
  return new Set(pts.map(([x, y]) => `${x - x0},${y - y0}`));
}

/** Black pixels in rows [y0, y1) and columns [0, x1), relative to their bounding box. */
function inkIn(img: PngImage, y0: number, y1: number, x1 = img.width): Set<string> {
  const pts: [number, number][] = [];
  for (let y = y0; y < y1; y++) {
    for (let x = 0; x < x1; x++) {
      if (at(img, x, y).join() === "0,0,0") pts.push([x, y]);
    }
  }
  const x0 = Math.min(...pts.map((p) => p[0]));
  const ym = Math.min(...pts.map((p) => p[1]));
  return new Set(pts.map(([x, y]) => `${x - x0},${y - ym}`));
}

// ---------------------------------------------------------------------------
// colormaps

Deno.test("colormapColor() gives matplotlib's published colours", () => {
  // matplotlib 3.6: colors.to_hex(colormaps[name](t)) for t = 0, 0.25, 0.5, 1
  const expected: Record<string, string[]> = {
    viridis: ["#440154", "#3b528b", "#21918c", "#fde725"],
    magma: ["#000004", "#51127c", "#b73779", "#fcfdbf"],
    inferno: ["#000004", "#57106e", "#bc3754", "#fcffa4"],
    plasma: ["#0d0887", "#7e03a8", "#cc4778", "#f0f921"],
    cividis: ["#00224e", "#434e6c", "#7d7c78", "#fee838"],
    coolwarm: ["#3b4cc0", "#8db0fe", "#dddcdc", "#b40426"],
    gray: ["#000000", "#404040", "#808080", "#ffffff"],
  };
  assert.deepEqual([...COLORMAP_NAMES].sort(), Object.keys(expected).sort());
  for (const [name, hexes] of Object.entries(expected)) {
    const got = [0, 0.25, 0.5, 1].map((t) => hex(colormapColor(name as "viridis", t)));
    assert.deepEqual(got, hexes, name);
  }
  // clipped outside [0, 1]
  assert.deepEqual(colormapColor("viridis", -3), colormapColor("viridis", 0));
  assert.deepEqual(colormapColor("viridis", 7), colormapColor("viridis", 1));
});

Deno.test("colormapColor() rejects an unknown colormap, naming the allowed ones", () => {
  assert.throws(
    () => colormapColor("jet" as "viridis", 0.5),
    (e) =>
      e instanceof TypeError && /Unknown colormap "jet"/.test(e.message) &&
      e.message.includes("viridis, magma, inferno, plasma, cividis, gray, coolwarm"),
  );
});

// ---------------------------------------------------------------------------
// heatmap

Deno.test("heatmap() draws each cell in its colormap colour, row 0 at the top, NaN in grey", () => {
  const a = fromArray([[0, 1], [2, NaN]], "float64");
  const img = decodePng(heatmap(a, { colorbar: false }));
  // limits default to the finite min and max: 0 -> t 0, 1 -> t 0.5, 2 -> t 1
  const c00 = solidBox(img, colormapColor("viridis", 0));
  const c01 = solidBox(img, colormapColor("viridis", 0.5));
  const c10 = solidBox(img, colormapColor("viridis", 1));
  const c11 = solidBox(img, [211, 211, 211]);
  // equal square cells (nearest neighbour), in imshow's order, touching
  const w = c00.x1 - c00.x0 + 1;
  for (const b of [c00, c01, c10, c11]) {
    assert.equal(b.x1 - b.x0 + 1, w);
    assert.equal(b.y1 - b.y0 + 1, w);
  }
  assert.ok(w >= 100, `cells of ${w} pixels`);
  assert.deepEqual([c01.x0, c01.y0], [c00.x1 + 1, c00.y0]);
  assert.deepEqual([c10.x0, c10.y0], [c00.x0, c00.y1 + 1]);
  assert.deepEqual([c11.x0, c11.y0], [c01.x0, c10.y0]);
});

Deno.test("heatmap() maps values linearly between vmin and vmax, clipping outside", () => {
  const a = fromArray([[-5, 1, 2], [3, 4, 100]], "float64");
  const img = decodePng(heatmap(a, { cmap: "plasma", vmin: 0, vmax: 4, colorbar: false }));
  // -5 clips to the bottom, 100 to the top; t = 0.25, 0.5, 0.75 are entries 64, 128, 192
  for (const t of [0.25, 0.5, 0.75]) solidBox(img, colormapColor("plasma", t));
  const low = solidBox(img, colormapColor("plasma", 0));
  const high = solidBox(img, colormapColor("plasma", 1));
  assert.ok(low.x0 < high.x0 && low.y0 < high.y0);
});

Deno.test("heatmap() draws NaN in nanColor and reads int64, bool and strided views", () => {
  const f = fromArray([[1, NaN], [NaN, 2]], "float32");
  const img = decodePng(heatmap(f, { nanColor: "#ff00ff", colorbar: false }));
  const nan = boxOf(img, [255, 0, 255])!;
  const one = solidBox(img, colormapColor("viridis", 0));
  assert.equal(nan.count, 2 * one.count);

  const big = fromArray([[0n, 10n], [20n, 30n]], "int64");
  const gi = decodePng(heatmap(big, { cmap: "gray", colorbar: false }));
  // 10 of 0..30 is t = 1/3: entry floor(256 / 3) = 85
  solidBox(gi, [85, 85, 85]);

  const b = fromArray([[true, false]], "bool");
  const bi = decodePng(heatmap(b, { cmap: "cividis", colorbar: false }));
  assert.ok(
    solidBox(bi, colormapColor("cividis", 1)).x1 < solidBox(bi, colormapColor("cividis", 0)).x0,
  );

  // a strided, reversed view: columns 5, 3, 1 of arange(6)
  const v = arange(6, undefined, undefined, "int32").reshape([1, 6]).slice(":", "5::-2");
  const vi = decodePng(heatmap(v, { colorbar: false, xRange: [5, 0, -2] }));
  const hi = solidBox(vi, colormapColor("viridis", 1)); // 5 is on the left
  const lo = solidBox(vi, colormapColor("viridis", 0));
  assert.ok(hi.x1 < lo.x0);
});

Deno.test("heatmap() draws a colour bar from vmin at the bottom to vmax at the top", () => {
  const a = fromArray([[0, 1], [2, 3]], "float64");
  const lutColours = new Set(
    Array.from({ length: 256 }, (_, i) => hex(colormapColor("viridis", (i + 0.5) / 256))),
  );
  const count = (img: PngImage): number => {
    const seen = new Set<string>();
    for (let y = 0; y < img.height; y++) {
      for (let x = 0; x < img.width; x++) {
        const h = hex(at(img, x, y));
        if (lutColours.has(h)) seen.add(h);
      }
    }
    return seen.size;
  };
  const img = decodePng(heatmap(a));
  assert.ok(count(img) >= 250, `${count(img)} colormap entries`);
  assert.equal(count(decodePng(heatmap(a, { colorbar: false }))), 4);
  // entries that no cell has appear only in the bar: high ones above low ones, in one column run
  const e200 = solidBox(img, colormapColor("viridis", 200 / 256));
  const e50 = solidBox(img, colormapColor("viridis", 50 / 256));
  assert.ok(e200.y1 < e50.y0);
  assert.deepEqual([e200.x0, e200.x1], [e50.x0, e50.x1]);
  // the ends of the bar are the ends of the colormap, level with the plot's top and bottom
  const top = boxOf(img, colormapColor("viridis", 1), (x) => x >= e200.x0)!;
  const bottom = boxOf(img, colormapColor("viridis", 0), (x) => x >= e200.x0)!;
  const plot = boxOf(img, colormapColor("viridis", 0), (x) => x < e200.x0)!;
  assert.ok(e200.x0 > plot.x1, "the bar is right of the plot");
  assert.equal(top.y0, plot.y0);
  assert.equal(bottom.y1, boxOf(img, colormapColor("viridis", 1), (x) => x < e200.x0)!.y1);
});

Deno.test("heatmap() honours width and height exactly and draws the title glyph for glyph", () => {
  const a = arange(12, undefined, undefined, "float64").reshape([3, 4]);
  const bytes = heatmap(a, { width: 640, height: 480, title: "T2m mean, K", fontScale: 2 });
  const img = decodePng(bytes);
  assert.deepEqual([img.width, img.height], [640, 480]);
  // entry 128 is in no cell (values are k / 11), only in the colour bar, whose labels
  // start level with the plot's top: look left of the bar only
  const bar = solidBox(img, colormapColor("viridis", 0.5));
  const plot = boxOf(img, colormapColor("viridis", 0), (x) => x < bar.x0)!;
  assert.deepEqual(inkIn(img, 0, plot.y0 - 2, bar.x0), expectedInk("T2m mean, K", 2));
});

Deno.test("heatmap() labels axes with global indices from xRange and yRange", () => {
  // a 1000 x 1000 sample of a 100000 x 2000 array; only ticks that fit are drawn
  const a = arange(1000 * 50, undefined, undefined, "float32").reshape([1000, 50]);
  const img = decodePng(heatmap(a, { xRange: [0, 2000, 40], yRange: [0, 100000, 100] }));
  assert.ok(img.width > 50 && img.height >= 1000);
  assert.throws(
    () => heatmap(a, { xRange: [0, 2000, 20] }),
    /xRange \[0,2000,20\]: it selects 100 indices, the array has 50 along axis 1/,
  );
  assert.throws(() => heatmap(a, { yRange: [0, 10, 0] }), RangeError);
});

Deno.test("heatmap() rejects arrays that are not 2-D, bad limits and bad colours", () => {
  assert.throws(
    () => heatmap(arange(4)),
    (e) => e instanceof RangeError && /must be 2-D/.test(e.message),
  );
  assert.throws(() => heatmap(arange(8).reshape([2, 2, 2])), RangeError);
  assert.throws(() => heatmap(arange(0).reshape([0, 3])), /empty/);
  const a = fromArray([[1, 2]], "float64");
  assert.throws(() => heatmap(a, { cmap: "hot" as "gray" }), /expected one of viridis, magma/);
  assert.throws(() => heatmap(a, { vmin: 3, vmax: 1 }), RangeError);
  assert.throws(() => heatmap(a, { nanColor: "red" }), TypeError);
  assert.throws(() => heatmap(a, { width: 30, height: 30 }), /margins alone need/);
});

Deno.test("heatmap() draws an all-NaN or constant array", () => {
  const nan = decodePng(heatmap(fromArray([[NaN, NaN]], "float64"), { colorbar: false }));
  assert.ok(boxOf(nan, [211, 211, 211]));
  const flat = decodePng(heatmap(fromArray([[7, 7], [7, 7]], "float64"), { colorbar: false }));
  assert.ok(solidBox(flat, colormapColor("viridis", 0)).count > 0);
});

// ---------------------------------------------------------------------------
// distributionMap

/** Checks that every element's pixels are mostly its owner's colour. */
function checkOwners(d: Distribution, img: PngImage): void {
  const ranks = [...new Set(d.ranks)];
  const boxes = ranks.map((r) => boxOf(img, rankColor(r))!);
  const x0 = Math.min(...boxes.map((b) => b.x0));
  const y0 = Math.min(...boxes.map((b) => b.y0));
  const w = Math.max(...boxes.map((b) => b.x1)) + 1 - x0;
  const h = Math.max(...boxes.map((b) => b.y1)) + 1 - y0;
  const rows = d.ndim === 2 ? d.shape[0] : 1;
  const cols = d.shape[d.ndim - 1];
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      const owner = d.owner(d.ndim === 2 ? [i, j] : [j]);
      const got = majority(
        img,
        x0 + Math.ceil((j * w) / cols),
        y0 + Math.ceil((i * h) / rows),
        x0 + Math.floor(((j + 1) * w) / cols),
        y0 + Math.floor(((i + 1) * h) / rows),
      );
      assert.equal(got, hex(rankColor(owner)), `element ${i},${j} of ${d}`);
    }
  }
}

Deno.test("distributionMap() colours each block of a 2-D block distribution by its rank", () => {
  const d = Distribution.create([8, 8], { dist: "bb", grid: [2, 2], commSize: 4 });
  const img = decodePng(distributionMap(d, { legend: false }));
  const b = [0, 1, 2, 3].map((r) => boxOf(img, rankColor(r))!);
  // C-ordered grid: 0 1 over 2 3, equal blocks
  assert.ok(b[0].x1 < b[1].x0 && b[0].y0 === b[1].y0);
  assert.ok(b[0].y1 < b[2].y0 && b[0].x0 === b[2].x0);
  assert.ok(b[3].x0 === b[1].x0 && b[3].y0 === b[2].y0);
  checkOwners(d, img);
});

Deno.test("distributionMap() follows cyclic, block-cyclic and 1-D distributions element by element", () => {
  for (
    const d of [
      Distribution.create([16, 16], { dist: "bc", grid: [2, 2], commSize: 4 }),
      Distribution.create([6, 10], { dist: [{ type: "c", blockSize: 2 }, "c"], commSize: 6 }),
      Distribution.create([7], { dist: [{ type: "c", blockSize: 2 }], commSize: 2 }),
      Distribution.create([10], { dist: "b", commSize: 3 }),
    ]
  ) {
    checkOwners(d, decodePng(distributionMap(d, { legend: false })));
  }
});

Deno.test("distributionMap() writes the title and draws a legend swatch per rank", () => {
  const d = Distribution.create([16, 16], { dist: "bc", grid: [2, 2], commSize: 4 });
  const withLegend = decodePng(distributionMap(d, { fontScale: 1 }));
  const plain = decodePng(distributionMap(d, { fontScale: 1, legend: false }));
  assert.ok(withLegend.width > plain.width);
  for (let r = 0; r < 4; r++) {
    const all = boxOf(withLegend, rankColor(r))!;
    const plot = boxOf(plain, rankColor(r))!;
    assert.ok(all.x1 > plot.x1, `legend swatch of rank ${r}`);
  }
  const top = Math.min(...[0, 1].map((r) => boxOf(plain, rankColor(r))!.y0));
  assert.deepEqual(inkIn(plain, 0, top - 2), expectedInk("dist bc, grid 2x2, shape 16x16", 1));
});

Deno.test("distributionMap() samples a large distribution and shows every rank", () => {
  const d = Distribution.create([100000, 700], { dist: "bb", commSize: 24 });
  const img = decodePng(distributionMap(d, { legend: false }));
  assert.ok(img.width <= 1000 && img.height <= 1000);
  for (let r = 0; r < 24; r++) assert.ok(boxOf(img, rankColor(r)), `rank ${r}`);
});

Deno.test("distributionMap() rejects 3-D distributions", () => {
  const d = Distribution.create([2, 2, 2], { dist: "bnn", commSize: 2 });
  assert.throws(
    () => distributionMap(d),
    (e) => e instanceof RangeError && /1-D or 2-D/.test(e.message),
  );
});

Deno.test("rankColor() is distinct for the first 64 ranks", () => {
  const seen = new Set(Array.from({ length: 64 }, (_, r) => hex(rankColor(r))));
  assert.equal(seen.size, 64);
  assert.equal(hex(rankColor(1)), "#ff7f0e"); // tab:orange
  assert.throws(() => rankColor(-1), RangeError);
});

// ---------------------------------------------------------------------------
// strideFor

Deno.test("strideFor() samples to at most maxCells per axis with the smallest step", () => {
  assert.deepEqual(strideFor([100000, 100000]), [50, 50]);
  assert.deepEqual(strideFor([100001, 10]), [51, 1]);
  assert.deepEqual(strideFor([0, 5]), [1, 1]);
  assert.deepEqual(strideFor([5000, 5000, 5000], [1000, 10, 5000]), [5, 500, 1]);
  for (let k = 0; k < 200; k++) {
    const n = Math.floor(Math.abs(Math.sin(k + 1)) * 10 ** (1 + (k % 7)));
    const m = 1 + (k * 37) % 3000;
    const [s] = strideFor([n], m);
    assert.ok(Math.ceil(n / s) <= m, `n=${n} m=${m} s=${s}`);
    if (s > 1) {
      assert.ok(Math.ceil(n / (s - 1)) > m, `step ${s} is not the smallest for n=${n} m=${m}`);
    }
  }
  assert.throws(() => strideFor([10], 0), RangeError);
  assert.throws(() => strideFor([10, 10], [5]), RangeError);
  assert.throws(() => strideFor([-1]), RangeError);
});

// ---------------------------------------------------------------------------
// interop

Deno.test({
  name: "heatmap() and distributionMap() output opens in Pillow",
  ignore: !hasPython("PIL"),
  async fn() {
    await using dir = await tempDir();
    const h = heatmap(fromArray([[0, 1], [2, NaN]], "float64"), { width: 300, height: 200 });
    const m = distributionMap(Distribution.create([4, 4], { dist: "cc", commSize: 4 }));
    await Deno.writeFile(`${dir.path}/h.png`, h);
    await Deno.writeFile(`${dir.path}/m.png`, m);
    const got = await pythonJson<[string, number[], number[]][]>(
      `import json, sys
from PIL import Image
out = []
for p in sys.argv[1:]:
    im = Image.open(p); im.verify()
    im = Image.open(p); im.load()
    out.append([im.mode, list(im.size), list(im.getpixel((0, 0)))])
print(json.dumps(out))`,
      `${dir.path}/h.png`,
      `${dir.path}/m.png`,
    );
    assert.deepEqual(got[0], ["RGB", [300, 200], [255, 255, 255]]);
    const mi = decodePng(m);
    assert.deepEqual(got[1], ["RGB", [mi.width, mi.height], [255, 255, 255]]);
  },
});
