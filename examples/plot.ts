// Plots with viz/plot.ts: (1) a 2-D slice of an array on disk as a heatmap PNG
// with a colour bar, read strided (`strideFor`) so a big array is sampled down
// to at most --max-cells cells a side and never read whole; the axis ticks
// show global indices (`xRange`/`yRange`). (2) A distribution map PNG: which
// of 4 ranks owns which element of a 16 x 16 array distributed "bc" (block
// rows, cyclic columns, on a 2 x 2 process grid). Without --input a
// 2400 x 4800 float32 .npy (44 MiB, a smooth interference pattern) is written
// to a temporary directory. The PNGs are decoded again as a check (size, the
// colormap's end colours, every rank's colour); the exit code is 1 when one
// is wrong. The PNGs go to --out (a directory, default a temporary one that
// is kept so they can be looked at).
//
//   deno run -A examples/plot.ts --keep      # and look at the printed PNG paths
//   deno run -A examples/plot.ts --input era5.h5:/t2m --slice "0,:,:" --cmap magma --out plots
//
// One process: plotting reads a small strided sample, there is nothing to split.
// Permissions: --allow-read/--allow-write for the files, --allow-env and
// --allow-sys for the memory budget, --allow-ffi to plot HDF5 datasets.

import { parseArgs } from "node:util";
import { empty, parseSelection } from "../core/ndarray.ts";
import { SelfComm } from "../dist/comm.ts";
import { Distribution } from "../dist/distribution.ts";
import { createNpy } from "../io/npy.ts";
import {
  COLORMAP_NAMES,
  colormapColor,
  type ColormapName,
  distributionMap,
  heatmap,
  rankColor,
  strideFor,
} from "../viz/plot.ts";
import { decodePng } from "../viz/png.ts";
import { open } from "../stream/mod.ts";

const { values: opts } = parseArgs({
  args: Deno.args,
  options: {
    input: { type: "string" },
    slice: { type: "string" },
    out: { type: "string" },
    cmap: { type: "string", default: "viridis" },
    "max-cells": { type: "string", default: "600" },
    memory: { type: "string", default: "64MiB" },
    keep: { type: "boolean", default: false },
  },
});
if (!(COLORMAP_NAMES as readonly string[]).includes(opts.cmap)) {
  throw new TypeError(`Unknown --cmap "${opts.cmap}": expected one of ${COLORMAP_NAMES}`);
}
const cmap = opts.cmap as ColormapName;
const maxCells = Number(opts["max-cells"]);
const MiB = 2 ** 20;

const outDir = opts.out ?? await Deno.makeTempDir({ prefix: "tessera-plot-" });
await Deno.mkdir(outDir, { recursive: true });
const work = opts.input === undefined
  ? await Deno.makeTempDir({ prefix: "tessera-plot-in-" })
  : null;
const failures: string[] = [];

/** Whether a decoded RGB image contains a colour. */
function hasColor(img: { data: Uint8Array }, c: readonly number[]): boolean {
  for (let i = 0; i < img.data.length; i += 3) {
    if (img.data[i] === c[0] && img.data[i + 1] === c[1] && img.data[i + 2] === c[2]) return true;
  }
  return false;
}

try {
  // ---- 1. the input: given, or a 2-D .npy written slab by slab ----
  let input = opts.input;
  if (input === undefined) {
    const [rows, cols] = [2400, 4800];
    input = `${work}/waves.npy`;
    await using f = await createNpy(input, { shape: [rows, cols], dtype: "float32" });
    const slab = 200;
    const block = empty([slab, cols], "float32");
    for (let r0 = 0; r0 < rows; r0 += slab) {
      const v = block.data;
      for (let i = 0, k = 0; i < slab; i++) {
        const y = (r0 + i) / rows - 0.4;
        for (let j = 0; j < cols; j++, k++) {
          const x = j / cols - 0.3;
          const x2 = j / cols - 0.7;
          v[k] = Math.sin(60 * Math.hypot(x, y)) + Math.sin(45 * Math.hypot(x2, y + 0.1));
        }
      }
      await f.write(`${r0}:${r0 + slab}`, block);
    }
  }

  // ---- 2. heatmap of a strided 2-D selection ----
  using a = await open(input);
  const sel = opts.slice === undefined ? a : a.slice(...parseSelection(opts.slice));
  if (sel.ndim !== 2) {
    throw new RangeError(
      `Cannot plot "${input}" of shape [${a.shape}]: the selection is ${sel.ndim}-D; ` +
        `pass --slice to pick a 2-D one (e.g. --slice "0,:,:")`,
    );
  }
  const [rows, cols] = sel.shape;
  const steps = strideFor(sel.shape, maxCells);
  const t0 = performance.now();
  const sample = await sel.slice(`::${steps[0]}, ::${steps[1]}`).compute({
    memory: opts.memory,
    comm: new SelfComm(),
  });
  const readSecs = (performance.now() - t0) / 1000;
  const png = heatmap(sample, {
    cmap,
    title: `${input.split("/").pop()}${opts.slice ? `[${opts.slice}]` : ""}` +
      (steps.some((s) => s > 1) ? ` (every ${steps.join("x")})` : ""),
    yRange: [0, rows, steps[0]],
    xRange: [0, cols, steps[1]],
  });
  const heatPath = `${outDir}/heatmap.png`;
  await Deno.writeFile(heatPath, png);
  const img = decodePng(png);
  console.log(
    `heatmap ${heatPath}: ${img.width}x${img.height} px, [${sample.shape}] cells sampled every ` +
      `[${steps}] from [${rows},${cols}] ${sel.dtype} (${(sel.nbytes / MiB).toFixed(1)} MiB; ${
        (sample.nbytes / MiB).toFixed(2)
      } MiB read in ${readSecs.toFixed(2)} s)`,
  );
  if (img.width < sample.shape[1] || img.height < sample.shape[0]) {
    failures.push(`heatmap is smaller than its ${sample.shape} cells`);
  }
  for (const t of [0, 1]) {
    if (!hasColor(img, colormapColor(cmap, t))) failures.push(`heatmap lacks ${cmap}(${t})`);
  }

  // ---- 3. a distribution map: "bc" on 4 ranks ----
  const d = Distribution.create([16, 16], { dist: "bc", commSize: 4 });
  const map = distributionMap(d);
  const mapPath = `${outDir}/distribution_bc.png`;
  await Deno.writeFile(mapPath, map);
  const mimg = decodePng(map);
  const probe = [[0, 0], [0, 1], [0, 2], [8, 0]];
  const owners = probe.map((g) => d.owner(g));
  console.log(
    `distribution map ${mapPath}: ${mimg.width}x${mimg.height} px, dist bc on 4 ranks, grid ${
      d.grid.join("x")
    }; owners of ${probe.map((g) => `[${g}]`).join(" ")}: ${owners.join(" ")}`,
  );
  for (let r = 0; r < 4; r++) {
    if (!hasColor(mimg, rankColor(r))) failures.push(`distribution map lacks rank ${r}'s colour`);
  }
  if (owners.join() !== "0,1,0,2") {
    failures.push(`unexpected owners of a bc distribution`);
  }
} finally {
  if (work !== null) await Deno.remove(work, { recursive: true });
  if (opts.out === undefined && !opts.keep) await Deno.remove(outDir, { recursive: true });
}
const where = opts.out !== undefined || opts.keep
  ? `PNGs in ${outDir}`
  : "PNGs removed; pass --keep or --out DIR to keep them";
console.log(failures.length === 0 ? `plot ok (${where})` : `plot FAILED: ${failures.join("; ")}`);
if (failures.length > 0) Deno.exit(1);
