// Tests of plots of CF variables (heatmap's coordinate axes, robust limits,
// missing legend and colour-bar title; `tessera plot` on examples/t2m.cdl),
// read back through decodePng: cell colours against xarray's decoded values,
// the missing colour where the fill values are, tick labels found glyph for
// glyph where the coordinates put them, robust limits against
// numpy.percentile and xarray's own `robust=True` limits.

import assert from "node:assert/strict";
import { colormapColor, heatmap } from "../../viz/plot.ts";
import { decodePng, type PngImage } from "../../viz/png.ts";
import { glyph, GLYPH_HEIGHT, GLYPH_WIDTH, textWidth } from "../../viz/_font.ts";
import { coordinateAxis, percentile } from "../../viz/_coords.ts";
import { fromArray } from "../../core/ndarray.ts";
import { decodeCfTimes } from "../../io/mod.ts";
import { hasCommand, hasPython, pythonJson, ROOT, runCli, tempDir } from "../_util.ts";
import { at, boxOf } from "./_png_util.ts";

const masks = new WeakMap<PngImage, Uint8Array>();

/** 1 where the pixel is black (text), per pixel. */
function inkMask(img: PngImage): Uint8Array {
  let m = masks.get(img);
  if (!m) {
    m = new Uint8Array(img.width * img.height);
    for (let i = 0, o = 0; i < m.length; i++, o += img.channels) {
      m[i] = img.data[o] === 0 && img.data[o + 1] === 0 && img.data[o + 2] === 0 ? 1 : 0;
    }
    masks.set(img, m);
  }
  return m;
}

/** The plot area (inside its frame): the longest horizontal run of the frame colour is its top edge. */
function plotArea(img: PngImage): { px: number; py: number; pw: number; ph: number } {
  const isFrame = (x: number, y: number): boolean => at(img, x, y).join() === "40,40,40";
  let best = { len: 0, x: 0, y: 0 };
  for (let y = 0; y < img.height; y++) {
    let run = 0;
    for (let x = 0; x <= img.width; x++) {
      if (x < img.width && isFrame(x, y)) {
        run++;
      } else {
        if (run > best.len) best = { len: run, x: x - run, y };
        run = 0;
      }
    }
  }
  let bottom = best.y + 1;
  while (bottom < img.height && !isFrame(best.x + (best.len >> 1), bottom)) bottom++;
  return { px: best.x + 1, py: best.y + 1, pw: best.len - 2, ph: bottom - best.y - 1 };
}

/**
 * Whether `text` is drawn in black with its glyph cells' top-left at (x, y),
 * pixel for pixel, with no black in a glyph's width either side (so "0" is
 * not found inside "50").
 */
function textAt(img: PngImage, x: number, y: number, text: string, fs: number): boolean {
  const m = inkMask(img);
  const W = img.width;
  const w = text.length * GLYPH_WIDTH * fs;
  if (x < 0 || y < 0 || x + w > W || y + GLYPH_HEIGHT * fs > img.height) return false;
  for (let k = 0; k < text.length; k++) {
    const g = glyph(text.charCodeAt(k));
    for (let r = 0; r < GLYPH_HEIGHT; r++) {
      for (let b = 0; b < GLYPH_WIDTH; b++) {
        const ink = (g[r] & (0x80 >> b)) !== 0 ? 1 : 0;
        const px = x + (k * GLYPH_WIDTH + b) * fs;
        const py = y + r * fs;
        for (let dy = 0; dy < fs; dy++) {
          for (let dx = 0; dx < fs; dx++) {
            if (m[(py + dy) * W + px + dx] !== ink) return false;
          }
        }
      }
    }
  }
  for (let yy = y; yy < y + GLYPH_HEIGHT * fs; yy++) {
    for (let d = 1; d <= GLYPH_WIDTH * fs; d++) {
      if (x - d >= 0 && m[yy * W + x - d]) return false;
      if (x + w - 1 + d < W && m[yy * W + x + w - 1 + d]) return false;
    }
  }
  return true;
}

/** Every top-left corner where `text` is drawn (scale `fs`), searched in a rectangle. */
function findText(
  img: PngImage,
  text: string,
  fs: number,
  area = { x0: 0, y0: 0, x1: img.width, y1: img.height },
): [number, number][] {
  const out: [number, number][] = [];
  for (let y = area.y0; y < area.y1; y++) {
    for (let x = area.x0; x < area.x1; x++) {
      if (textAt(img, x, y, text, fs)) out.push([x, y]);
    }
  }
  return out;
}

/** Whether `text` is drawn upwards (a quarter turn anticlockwise) anywhere in the image. */
function findTextUp(img: PngImage, text: string, fs: number): boolean {
  // rotate the image a quarter turn clockwise: upward text reads left to right
  const w = img.height;
  const h = img.width;
  const data = new Uint8Array(w * h * 3);
  for (let y = 0; y < img.height; y++) {
    for (let x = 0; x < img.width; x++) {
      const o = (x * w + (img.height - 1 - y)) * 3;
      data.set(at(img, x, y), o);
    }
  }
  return findText({ width: w, height: h, channels: 3, data }, text, fs).length > 0;
}

// ---------------------------------------------------------------------------
// percentile and robust limits

Deno.test({
  name: "percentile() gives numpy.percentile of the finite values",
  ignore: !hasPython("numpy"),
  async fn() {
    const cases: number[][] = [
      [3],
      [1, 2],
      [5, 1, 4, 2, 3],
      Array.from({ length: 97 }, (_, i) => Math.sin(i * 1.3) * 1e3 + i / 7),
      Array.from({ length: 1000 }, (_, i) => (i * 7919) % 1009 - 500.25),
      [0.1, 0.2, 0.30000000000000004, 1e-300, -1e300, 7],
    ];
    const qs = [0, 2, 25, 50, 98, 100, 33.3];
    const want = await pythonJson<number[][]>(
      `import json, sys
import numpy as np
cases = json.loads(sys.argv[1]); qs = json.loads(sys.argv[2])
print(json.dumps([[float(np.percentile(np.array(c, dtype="f8"), q)) for q in qs] for c in cases]))`,
      JSON.stringify(cases),
      JSON.stringify(qs),
    );
    cases.forEach((c, i) => {
      assert.deepEqual(qs.map((q) => percentile(c, q)), want[i], `case ${i}`);
    });
    // NaN and infinities are left out (xarray takes np.isfinite values)
    assert.equal(percentile([NaN, 1, Infinity, 3, -Infinity], 50), 2);
    assert.ok(Number.isNaN(percentile([NaN, NaN], 50)));
    assert.throws(() => percentile([1], 101), RangeError);
  },
});

Deno.test({
  name: "heatmap({ robust: true }) colours between numpy's 2nd and 98th percentiles",
  ignore: !hasPython("numpy"),
  async fn() {
    const rows = 12;
    const cols = 10;
    const flat = Array.from({ length: rows * cols }, (_, i) => ((i * 37) % 101) ** 1.5 / 10);
    flat[5] = 1e6; // outliers that would flatten the plain min-max colours
    flat[77] = -1e6;
    flat[40] = NaN;
    const [lo, hi] = await pythonJson<[number, number]>(
      `import json, sys
import numpy as np
a = np.array(json.loads(sys.argv[1]), dtype="f8")
a = a[np.isfinite(a)]
print(json.dumps([float(np.percentile(a, 2)), float(np.percentile(a, 98))]))`,
      JSON.stringify(flat.map((v) => (Number.isNaN(v) ? "nan" : v))).replace(/"nan"/g, "NaN"),
    );
    const nested = Array.from({ length: rows }, (_, i) => flat.slice(i * cols, (i + 1) * cols));
    const img = decodePng(
      heatmap(fromArray(nested, "float64"), {
        robust: true,
        colorbar: false,
        nanColor: "#ff00ff",
      }),
    );
    // the NaN cell gives the cell size and the plot's corner (cell 40 is row 4, column 0)
    const nan = boxOf(img, [255, 0, 255])!;
    const cw = nan.x1 - nan.x0 + 1;
    const chh = nan.y1 - nan.y0 + 1;
    const px = nan.x0;
    const py = nan.y0 - 4 * chh;
    for (let i = 0; i < rows; i++) {
      for (let j = 0; j < cols; j++) {
        const v = flat[i * cols + j];
        if (Number.isNaN(v)) continue;
        const want = colormapColor("viridis", (v - lo) / (hi - lo));
        const got = at(img, px + j * cw + (cw >> 1), py + i * chh + (chh >> 1));
        assert.deepEqual(got, want, `cell ${i},${j} = ${v}`);
      }
    }
    // an explicit limit wins over the percentile
    const capped = decodePng(
      heatmap(fromArray(nested, "float64"), { robust: true, vmax: 1e6, colorbar: false }),
    );
    const top = boxOf(capped, colormapColor("viridis", 1))!;
    assert.equal(top.count, cw * chh, "only the 1e6 cell is at the top");
    assert.throws(
      () => heatmap(fromArray([[1]], "float64"), { robust: "yes" as unknown as boolean }),
      TypeError,
    );
  },
});

// ---------------------------------------------------------------------------
// coordinate axes

Deno.test("coordinateAxis() puts round coordinate values between the cells", () => {
  // latitude 90 .. -90 every 45 degrees (decreasing), as ERA5 stores it
  const lat = coordinateAxis("y", 5, { values: [90, 45, 0, -45, -90] });
  const ticks = lat.ticks(600, 1);
  assert.deepEqual(
    ticks.map((t) => t.label),
    ["-80", "-60", "-40", "-20", "0", "20", "40", "60", "80"],
  );
  for (const t of ticks) {
    // cell j is at 90 - 45 j: value g is at (90 - g) / 45
    assert.ok(Math.abs(t.pos - (90 - Number(t.label)) / 45) < 1e-12, t.label);
  }
  // fewer pixels, fewer (rounder) ticks
  assert.deepEqual(lat.ticks(150, 1).map((t) => t.label), ["-50", "0", "50"]);
  assert.equal(lat.labelWidth, textWidth("-80"));
  // increasing, fractional
  const x = coordinateAxis("x", 4, { values: [0.1, 0.2, 0.3, 0.4] });
  const xt = x.ticks(1000, 1);
  assert.ok(xt.some((t) => t.label === "0.25" && Math.abs(t.pos - 1.5) < 1e-9));
});

Deno.test("coordinateAxis() labels every few cells with dates or unordered values", () => {
  const hours = Array.from({ length: 31 }, (_, i) => 1060464 + 24 * i);
  const dates = decodeCfTimes(hours, "hours since 1900-01-01 00:00:00.0", "gregorian")!;
  assert.equal(dates[0], "2020-12-23");
  assert.equal(dates[30], "2021-01-22");
  const t = coordinateAxis("x", 31, { values: hours, labels: dates });
  const ticks = t.ticks(800, 1);
  assert.ok(ticks.length >= 2 && ticks.length <= 10);
  const step = ticks[1].pos - ticks[0].pos;
  assert.ok([1, 2, 5, 10, 20].includes(step), `step ${step}`);
  for (const k of ticks) assert.equal(k.label, dates[k.pos]);
  const odd = coordinateAxis("y", 3, { values: [3, 1, 2] });
  assert.deepEqual(odd.ticks(600, 1), [
    { pos: 0, label: "3" },
    { pos: 1, label: "1" },
    { pos: 2, label: "2" },
  ]);
  assert.throws(() => coordinateAxis("x", 3, { values: [1, 2] }), /2 values for 3 cells/);
  assert.throws(() => coordinateAxis("x", 2, { values: [1, 2], labels: ["a"] }), RangeError);
  assert.throws(
    () => heatmap(fromArray([[1, 2]], "float64"), { xCoords: { values: [1] } }),
    RangeError,
  );
});

Deno.test("heatmap() draws coordinate ticks, the missing legend and the colour-bar title", () => {
  const a = fromArray([[1, NaN, 3], [4, 5, 6]], "float64");
  const bytes = heatmap(a, {
    xCoords: { values: [10, 20, 30] },
    yCoords: { values: [0, 1], labels: ["2020-01-01", "2020-01-02"] },
    missingLabel: "missing",
    nanColor: "#ff00ff",
    colorbarLabel: "2 metre temperature (K)",
    fontScale: 1,
  });
  const img = decodePng(bytes);
  const { px, py, pw, ph } = plotArea(img);
  const cw = pw / 3;
  assert.equal(ph, 2 * cw);
  assert.deepEqual(at(img, px + cw + 5, py + 5), [255, 0, 255]);
  // x ticks 10, 20, 30 under the centre of each column
  for (const [j, label] of ["10", "20", "30"].entries()) {
    const found = findText(img, label, 1, { x0: 0, y0: py + ph, x1: img.width, y1: img.height });
    assert.equal(found.length, 1, label);
    const centre = found[0][0] + (textWidth(label) >> 1);
    assert.ok(Math.abs(centre - (px + j * cw + (cw >> 1))) <= 1, `${label} at ${centre}`);
  }
  // dates left of the rows, level with their centres
  for (const [i, label] of ["2020-01-01", "2020-01-02"].entries()) {
    const found = findText(img, label, 1, { x0: 0, y0: 0, x1: px, y1: img.height });
    assert.equal(found.length, 1, label);
    assert.equal(found[0][1] + 4, py + i * cw + (cw >> 1));
  }
  // the legend: a swatch of the missing colour right of the plot, then its text
  const swatch = boxOf(img, [255, 0, 255], (x) => x > px + 3 * cw)!;
  assert.ok(swatch, "no missing swatch");
  assert.equal(
    findText(img, "missing", 1, { x0: swatch.x1, y0: 0, x1: img.width, y1: img.height }).length,
    1,
  );
  assert.ok(findTextUp(img, "2 metre temperature (K)", 1), "no colour-bar title");
  // no NaN, no legend
  const full = decodePng(
    heatmap(fromArray([[1, 2]], "float64"), { missingLabel: "missing", fontScale: 1 }),
  );
  assert.equal(findText(full, "missing", 1).length, 0);
});

// ---------------------------------------------------------------------------
// tessera plot on a CF file

async function tessera(...args: string[]): Promise<{ code: number; err: string }> {
  const r = await runCli(args);
  return { code: r.code, err: r.stderr };
}

interface XrPlot {
  /** Decoded values, null where missing. */
  values: (number | null)[][];
  vmin: number;
  vmax: number;
  robust: [number, number];
  y: number[];
  x: number[];
  times: string[];
}

/** xarray's decoded slice of t2m, its plain and robust limits, and coordinates. */
function xarrayPlot(path: string, sel: string): Promise<XrPlot> {
  return pythonJson<XrPlot>(
    `import json, sys
import numpy as np, xarray as xr
from xarray.plot.utils import _determine_cmap_params
ds = xr.open_dataset(sys.argv[1])
d = eval("ds.t2m" + sys.argv[2])
v = d.values.astype("f8")
p = _determine_cmap_params(d.values, robust=True)
print(json.dumps({
  "values": [[None if np.isnan(x) else float(x) for x in r] for r in v],
  "vmin": float(np.nanmin(v)), "vmax": float(np.nanmax(v)),
  "robust": [float(p["vmin"]), float(p["vmax"])],
  "y": [float(x) for x in d[d.dims[0]].values] if d.dims[0] != "time" else [],
  "x": [float(x) for x in d[d.dims[1]].values],
  "times": [str(t)[:10] for t in ds.time.values],
}))`,
    path,
    sel,
  );
}

/** The cells of a plot of `rows` x `cols` cells. */
function cellGrid(img: PngImage, rows: number, cols: number) {
  const { px, py, pw, ph } = plotArea(img);
  assert.equal(pw % cols, 0);
  assert.equal(ph % rows, 0);
  return { cw: pw / cols, ch: ph / rows, px, py };
}

Deno.test({
  name: "tessera plot colours a CF variable by decoded values with coordinate axes",
  ignore: !hasCommand("ncgen") || !hasPython("numpy", "xarray", "netCDF4"),
  async fn() {
    await using dir = await tempDir();
    const nc = `${dir.path}/t2m.nc`;
    const gen = await new Deno.Command("ncgen", {
      args: ["-4", "-o", nc, `${ROOT}/examples/t2m.cdl`],
    }).output();
    assert.ok(gen.success, new TextDecoder().decode(gen.stderr));

    // time x latitude at longitude 3: one missing value, at time 1, latitude 0
    const png = `${dir.path}/tl.png`;
    const r = await tessera(
      "plot",
      `${nc}:/t2m`,
      "--slice",
      ":,:,3",
      "-o",
      png,
      "--missing-color",
      "#f0f",
    );
    assert.equal(r.code, 0, r.err);
    const img = decodePng(await Deno.readFile(png));
    const want = await xarrayPlot(nc, "[:, :, 3]");
    assert.equal(want.values[1][0], null);
    const g = cellGrid(img, 4, 5);
    const fs = 2; // default size: more than 400 pixels
    for (let i = 0; i < 4; i++) {
      for (let j = 0; j < 5; j++) {
        const v = want.values[i][j];
        const got = at(img, g.px + j * g.cw + (g.cw >> 1), g.py + i * g.ch + (g.ch >> 1));
        const c = v === null
          ? [255, 0, 255]
          : colormapColor("viridis", (v - want.vmin) / (want.vmax - want.vmin));
        assert.deepEqual(got, c, `cell ${i},${j} = ${v}`);
      }
    }
    // the rows are the dates of the time axis, as xarray decodes them
    assert.deepEqual(want.times, ["2020-12-23", "2020-12-24", "2020-12-25", "2020-12-26"]);
    for (const [i, d] of want.times.entries()) {
      const found = findText(img, d, fs, { x0: 0, y0: 0, x1: g.px, y1: img.height });
      assert.equal(found.length, 1, d);
      assert.equal(found[0][1] + 4 * fs, g.py + i * g.ch + (g.ch >> 1), d);
    }
    // latitude 90 .. -90 along x: 0 under the middle column; the axis titles and legend
    const below = { x0: 0, y0: g.py + 4 * g.ch, x1: img.width, y1: img.height };
    const zero = findText(img, "0", fs, below);
    assert.equal(zero.length, 1);
    assert.ok(Math.abs(zero[0][0] + 3 * fs - (g.px + 2 * g.cw + (g.cw >> 1))) <= fs);
    assert.equal(findText(img, "latitude (degrees_north)", fs, below).length, 1);
    assert.ok(findTextUp(img, "time", fs));
    assert.ok(findTextUp(img, "2 metre temperature (K)", fs));
    assert.equal(findText(img, "missing", fs).length, 1);
    // the colour bar ends at the decoded extremes
    assert.equal(findText(img, want.vmin.toFixed(1), fs).length, 1);
    assert.equal(findText(img, want.vmax.toFixed(1), fs).length, 1);

    // --robust: xarray's robust=True limits
    const rp = `${dir.path}/robust.png`;
    const rr = await tessera("plot", `${nc}:/t2m`, "--slice", ":,:,3", "-o", rp, "--robust");
    assert.equal(rr.code, 0, rr.err);
    const ri = decodePng(await Deno.readFile(rp));
    const rg = cellGrid(ri, 4, 5);
    const [lo, hi] = want.robust;
    let clipped = 0;
    for (let i = 0; i < 4; i++) {
      for (let j = 0; j < 5; j++) {
        const v = want.values[i][j];
        if (v === null) continue;
        const t = (v - lo) / (hi - lo);
        if (t <= 0 || t >= 1) clipped++;
        const got = at(ri, rg.px + j * rg.cw + (rg.cw >> 1), rg.py + i * rg.ch + (rg.ch >> 1));
        assert.deepEqual(got, colormapColor("viridis", t), `robust cell ${i},${j} = ${v}`);
      }
    }
    assert.ok(clipped >= 2, "the extremes are clipped");

    // a latitude x longitude map: longitude ticks 0, 50, ..., 300 under their places
    const mp = `${dir.path}/map.png`;
    const mr = await tessera("plot", `${nc}:/t2m`, "--slice", "3,:,:", "-o", mp, "--vmin", "260");
    assert.equal(mr.code, 0, mr.err);
    const mi = decodePng(await Deno.readFile(mp));
    const mw = await xarrayPlot(nc, "[3]");
    assert.deepEqual(mw.x, [0, 45, 90, 135, 180, 225, 270, 315]);
    const { cw, px, py } = cellGrid(mi, 5, 8);
    for (let i = 0; i < 5; i++) {
      for (let j = 0; j < 8; j++) {
        const v = mw.values[i][j] as number;
        const got = at(mi, px + j * cw + (cw >> 1), py + i * cw + (cw >> 1));
        assert.deepEqual(got, colormapColor("viridis", (v - 260) / (mw.vmax - 260)), `${i},${j}`);
      }
    }
    for (const lon of [0, 100, 200, 300]) {
      const found = findText(mi, String(lon), fs, {
        x0: 0,
        y0: py + 5 * cw,
        x1: mi.width,
        y1: mi.height,
      });
      assert.equal(found.length, 1, String(lon));
      const centre = found[0][0] + (textWidth(String(lon), fs) >> 1);
      // value g sits at cell g / 45, whose centre is px + (g / 45 + 0.5) * cw
      assert.ok(Math.abs(centre - (px + Math.floor((lon / 45 + 0.5) * cw))) <= fs, `${lon}`);
    }
    assert.equal(findText(mi, "missing", fs).length, 0);
    assert.equal(findText(mi, "260", fs).length, 1);
  },
});

Deno.test({
  name: "tessera plot rejects a bad --missing-color",
  ignore: !hasCommand("ncgen"),
  async fn() {
    await using dir = await tempDir();
    const nc = `${dir.path}/t2m.nc`;
    await new Deno.Command("ncgen", { args: ["-4", "-o", nc, `${ROOT}/examples/t2m.cdl`] })
      .output();
    const r = await tessera(
      "plot",
      `${nc}:/t2m`,
      "--slice",
      "0",
      "-o",
      `${dir.path}/x.png`,
      "--missing-color",
      "red",
    );
    assert.notEqual(r.code, 0);
    assert.match(r.err, /Invalid --missing-color "red"/);
  },
});

Deno.test({
  name: "tessera plot samples coordinates as it samples the array (xarray's Zarr, strided)",
  ignore: !hasCommand("ncgen") || !hasPython("numpy", "xarray", "netCDF4", "zarr"),
  async fn() {
    await using dir = await tempDir();
    const nc = `${dir.path}/t2m.nc`;
    const gen = await new Deno.Command("ncgen", {
      args: ["-4", "-o", nc, `${ROOT}/examples/t2m.cdl`],
    }).output();
    assert.ok(gen.success, new TextDecoder().decode(gen.stderr));
    const store = `${dir.path}/t2m.zarr`;
    // xarray writes the dimension names as _ARRAY_DIMENSIONS and the coordinates beside t2m
    const want = await pythonJson<{ values: number[][]; lat: number[]; lon: number[] }>(
      `import json, sys
import xarray as xr
ds = xr.open_dataset(sys.argv[1])
ds.to_zarr(sys.argv[2], mode="w")
z = xr.open_zarr(sys.argv[2]).t2m[1, ::2, ::2]
print(json.dumps({"values": z.values.astype("f8").tolist(),
  "lat": z.latitude.values.tolist(), "lon": z.longitude.values.tolist()}))`,
      nc,
      store,
    );
    assert.deepEqual(want.lat, [90, 0, -90]);
    assert.deepEqual(want.lon, [0, 90, 180, 270]);
    const png = `${dir.path}/z.png`;
    const r = await tessera(
      "plot",
      `${store}:/t2m`,
      "--slice",
      "1,:,:",
      "--max-pixels",
      "4",
      "-o",
      png,
    );
    assert.equal(r.code, 0, r.err);
    const img = decodePng(await Deno.readFile(png));
    const { cw, ch, px, py } = cellGrid(img, 3, 4);
    const flat = want.values.flat();
    const lo = Math.min(...flat);
    const hi = Math.max(...flat);
    for (let i = 0; i < 3; i++) {
      for (let j = 0; j < 4; j++) {
        const got = at(img, px + j * cw + (cw >> 1), py + i * ch + (ch >> 1));
        const c = colormapColor("viridis", (want.values[i][j] - lo) / (hi - lo));
        assert.deepEqual(got, c, `cell ${i},${j}`);
      }
    }
    const fs = 2;
    const below = { x0: 0, y0: py + 3 * ch, x1: img.width, y1: img.height };
    for (const lon of [0, 100, 200]) {
      const found = findText(img, String(lon), fs, below);
      assert.equal(found.length, 1, String(lon));
      const centre = found[0][0] + (textWidth(String(lon), fs) >> 1);
      // sampled cells are 90 degrees apart: value g sits at cell g / 90
      assert.ok(Math.abs(centre - (px + Math.floor((lon / 90 + 0.5) * cw))) <= fs, `${lon}`);
    }
    assert.equal(findText(img, "longitude (degrees_east)", fs, below).length, 1);
    assert.ok(findTextUp(img, "latitude (degrees_north)", fs));
  },
});
