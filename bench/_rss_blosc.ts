// RSS of repeated computes on a Blosc-LZ4 Zarr store in one process (issue
// 13: it grew by ~180 MiB a run). Creates a 512 MiB float32 store
// (8192 x 16384, 1024 x 1024 chunks, blosc lz4 clevel 5, byte shuffle) with
// zarr-python on first use, then runs `sum({ axis: 0 })` five times with a
// 64 MiB budget, printing the resident set size after each run.
//
//   deno run -A bench/_rss_blosc.ts [store] [runs]
//   TESSERA_NATIVE_CODECS=0 deno run -A bench/_rss_blosc.ts   # the fallback decoders

import { open } from "../mod.ts";

const store = Deno.args[0] ?? "/tmp/tessera_rss_blosc.zarr";
const runs = Number(Deno.args[1] ?? 5);

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}

if (!(await exists(`${store}/.zarray`))) {
  const script = `
import numpy as np, zarr, numcodecs, sys
z = zarr.open(sys.argv[1], mode="w", shape=(8192, 16384), chunks=(1024, 1024), dtype="<f4",
              compressor=numcodecs.Blosc(cname="lz4", clevel=5, shuffle=numcodecs.Blosc.SHUFFLE))
rng = np.random.default_rng(0)
for i in range(0, 8192, 1024):
    z[i:i + 1024] = rng.standard_normal((1024, 16384), dtype=np.float32).round(2)
`;
  const out = await new Deno.Command("/usr/bin/python3", { args: ["-c", script, store] }).output();
  if (!out.success) throw new Error(new TextDecoder().decode(out.stderr));
}

const mib = (n: number): string => (n / 2 ** 20).toFixed(0);
console.log(`start: rss ${mib(Deno.memoryUsage().rss)} MiB`);
for (let i = 0; i < runs; i++) {
  const t0 = performance.now();
  const r = await (await open(store)).sum({ axis: 0 }).compute({ memory: "64MiB" });
  const t = (performance.now() - t0) / 1000;
  console.log(
    `run ${i + 1}: ${t.toFixed(2)} s, rss ${mib(Deno.memoryUsage().rss)} MiB (r[0] = ${
      (r.data as Float32Array)[0]
    })`,
  );
}
