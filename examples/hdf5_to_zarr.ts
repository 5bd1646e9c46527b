// Converts an HDF5 dataset to a Zarr array, streamed block by block under a
// memory budget: `open(src).to(out.zarr, { chunks, codec: "zlib:1" })`. The
// planner's blocks are whole Zarr chunks, so under a launcher every rank
// writes its own chunks and no two ranks touch the same file; the store is
// written under a temporary name and renamed when every rank is done. Then
// both are read back region by region (one time block of Zarr chunks at a
// time, the blocks split across ranks) and compared element by element; the
// exit code is 1 on any difference. Without --input a sample dataset (a
// smooth 3-D field stored to 1/16, 96 x 256 x 512 float32, 48 MiB,
// chunked, uncompressed) is written to a
// temporary directory.
//
//   deno run -A examples/hdf5_to_zarr.ts
//   deno run -A examples/hdf5_to_zarr.ts --input era5.h5:/t2m --out t2m.zarr --chunks 24,721,1440
//   mpiexec -n 2 deno run -A examples/hdf5_to_zarr.ts   # ranks split the chunks; rank 0 prints
//
// Permissions: --allow-read/--allow-write for the files, --allow-ffi for
// libhdf5 (and libmpi under a launcher), --allow-env for TESSERA_* and the
// launcher's variables, --allow-sys for the default memory budget.

import { parseArgs } from "node:util";
import { empty } from "../core/ndarray.ts";
import { init } from "../dist/mod.ts";
import { H5File, openDataset } from "../io/hdf5.ts";
import { openZarr } from "../io/zarr.ts";
import { open, parseBytes } from "../stream/mod.ts";

const { values: opts } = parseArgs({
  args: Deno.args,
  options: {
    input: { type: "string" },
    out: { type: "string" },
    chunks: { type: "string" },
    codec: { type: "string", default: "zlib:1" },
    memory: { type: "string", default: "32MiB" },
    shape: { type: "string", default: "96,256,512" },
    overwrite: { type: "boolean", default: false },
  },
});
const MiB = 2 ** 20;
const mib = (b: number): string => `${(b / MiB).toFixed(1)} MiB`;

/** Bytes of a file, or of every file under a directory. */
function diskBytes(path: string): number {
  const st = Deno.statSync(path);
  if (!st.isDirectory) return st.size;
  let n = 0;
  for (const e of Deno.readDirSync(path)) n += diskBytes(`${path}/${e.name}`);
  return n;
}

await using comm = await init();
const say = (s: string): void => {
  if (comm.rank === 0) console.log(s);
};
const tmp = opts.input === undefined || opts.out === undefined
  ? comm.bcastJson(comm.rank === 0 ? await Deno.makeTempDir({ prefix: "tessera-h5zarr-" }) : "")
  : null;
let ok = false;
try {
  // ---- 1. the input: given, or a sample written by rank 0 ----
  const input = opts.input ?? `${tmp}/sample.h5:/field`;
  const output = opts.out ?? `${tmp}/field.zarr`;
  if (opts.input === undefined) {
    const shape = opts.shape.split(",").map(Number);
    if (shape.length !== 3 || shape.some((n) => !Number.isSafeInteger(n) || n < 1)) {
      throw new RangeError(`Invalid --shape "${opts.shape}": expected three positive integers`);
    }
    const [nt, ny, nx] = shape;
    if (comm.rank === 0) {
      using f = H5File.open(`${tmp}/sample.h5`, { mode: "w" });
      const ct = Math.min(8, nt);
      using ds = f.createDataset("/field", { shape, dtype: "float32", chunks: [ct, ny, nx] });
      const block = empty([ct, ny, nx], "float32");
      const v = block.data;
      for (let t0 = 0; t0 < nt; t0 += ct) {
        const n = Math.min(ct, nt - t0);
        for (let t = 0, k = 0; t < n; t++) {
          const phase = 0.05 * (t0 + t);
          for (let i = 0; i < ny; i++) {
            const a = Math.sin(0.02 * i + phase);
            for (let j = 0; j < nx; j++, k++) {
              v[k] = Math.round(16 * (280 + 10 * a * Math.cos(0.015 * j))) / 16;
            }
          }
        }
        await ds.write(`${t0}:${t0 + n}`, n === ct ? block : block.slice(`0:${n}`));
      }
    }
    comm.barrier();
  }

  // ---- 2. convert, streamed ----
  using src = await open(input);
  const chunks = opts.chunks === undefined
    ? [Math.min(src.chunks?.[0] ?? 8, src.shape[0]), ...src.shape.slice(1)]
    : opts.chunks.split(",").map(Number);
  const memory = parseBytes(opts.memory);
  const inBytes = comm.rank === 0 ? diskBytes(input.slice(0, input.lastIndexOf(":"))) : 0;
  const t0 = performance.now();
  await src.to(output, { chunks, codec: opts.codec, memory, comm, overwrite: opts.overwrite });
  const secs = (performance.now() - t0) / 1000;
  const outBytes = comm.rank === 0 ? diskBytes(output) : 0;
  say(
    `converted ${input} [${src.shape}] ${src.dtype} (${mib(src.nbytes)}; ${
      mib(inBytes)
    } on disk, chunks [${src.chunks}]) to ${output}`,
  );
  say(
    `  chunks [${chunks}], codec ${opts.codec}: ${mib(outBytes)} on disk (${
      (src.nbytes / Math.max(outBytes, 1)).toFixed(2)
    }x), ${secs.toFixed(2)} s, ${
      (src.nbytes / MiB / secs).toFixed(0)
    } MiB/s on ${comm.size} rank(s)`,
  );

  // ---- 3. verify: both read back region by region, the regions split across ranks ----
  using h5 = await openDataset(input);
  const z = await openZarr(output);
  const n0 = src.shape[0];
  const step = chunks[0];
  const regions = Math.ceil(n0 / step);
  let differ = 0;
  const t1 = performance.now();
  for (let r = comm.rank; r < regions; r += comm.size) {
    const sel = `${r * step}:${Math.min(n0, (r + 1) * step)}`;
    const [a, b] = await Promise.all([h5.read(sel), z.read(sel)]);
    const x = a.toTypedArray();
    const y = b.toTypedArray();
    for (let k = 0; k < x.length; k++) {
      if (!Object.is(x[k], y[k])) differ++;
    }
  }
  differ = comm.allreduceNumber(differ, "sum");
  say(
    `verified ${regions} regions of [${step},${chunks.slice(1)}] in ${
      ((performance.now() - t1) / 1000).toFixed(2)
    } s: ${differ} element(s) differ`,
  );
  ok = differ === 0 && z.dtype === src.dtype && z.shape.join() === src.shape.join();
  say(ok ? "hdf5_to_zarr ok" : "hdf5_to_zarr FAILED");
} finally {
  comm.barrier();
  if (tmp !== null && comm.rank === 0) await Deno.remove(tmp, { recursive: true });
}
if (!ok) Deno.exit(1);
