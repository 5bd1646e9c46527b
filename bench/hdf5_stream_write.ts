// Write throughput of the stream engine's HDF5 outputs under MPI: the same
// `to()` (a convert of an .npy to `out.h5:/x`) with the ranks taking turns
// (the path of a serial libhdf5) and through parallel HDF5, interleaved, in
// one job. Times are in-process, barrier to barrier, commit (fsync, rename)
// included.
//
//   deno run -A bench/hdf5_stream_write.ts big.npy out.h5 [reps]
//   mpiexec.mpich -n 2 deno run -A bench/hdf5_stream_write.ts big.npy out.h5 5
//   OMPI_MCA_io=romio321 mpirun.openmpi -n 2 deno run -A bench/hdf5_stream_write.ts ...
//
// Options after the reps: `gzip` (codec gzip:1, chunks of 256 rows); `sin`
// (write sin(x): a compute-bound map, which the turn-based path serialises too).

import { DTYPES } from "../core/dtype.ts";
import { init } from "../dist/comm.ts";
import { open } from "../stream/mod.ts";
import { _testHooks } from "../stream/_output.ts";

const [src, out, repsText = "3", ...flags] = Deno.args;
if (src === undefined || out === undefined) {
  console.error("usage: hdf5_stream_write.ts <src.npy> <out.h5> [reps] [gzip]");
  Deno.exit(2);
}
await using world = await init();
using x = await open(src);
const gzip = flags.includes("gzip");
const options = gzip ? { codec: "gzip:1", chunks: [256, ...x.shape.slice(1)] } : {};
const expr = flags.includes("sin") ? x.sin() : x;
const bytes = x.size * DTYPES[x.dtype].bytes;
const times: Record<string, number[]> = { turns: [], parallel: [] };
for (let r = 0; r < Number(repsText); r++) {
  for (const mode of ["turns", "parallel"] as const) {
    _testHooks.turns = mode === "turns";
    world.barrier();
    const t0 = performance.now();
    await expr.to(`${out}:/x`, { comm: world, overwrite: true, ...options });
    world.barrier();
    times[mode].push((performance.now() - t0) / 1000);
    if (mode === "parallel" && world.rank === 0 && r === 0) {
      console.log(`parallel path: ${_testHooks.lastRun}`);
    }
  }
}
if (world.rank === 0) {
  const load = (await Deno.readTextFile("/proc/loadavg").catch(() => "?")).split(" ");
  for (const [mode, ts] of Object.entries(times)) {
    const s = [...ts].sort((a, b) => a - b);
    const med = s[s.length >> 1];
    console.log(
      `${world.size} rank(s) ${mode.padEnd(8)} median ${med.toFixed(2)} s = ${
        (bytes / med / 1e9).toFixed(3)
      } GB/s (min ${s[0].toFixed(2)}, max ${s[s.length - 1].toFixed(2)} s; n=${s.length}${
        gzip ? "; gzip:1" : ""
      }${flags.includes("sin") ? "; sin" : ""}; load ${load.slice(0, 3).join(" ")})`,
    );
  }
  await Deno.remove(out).catch(() => {});
}
