// MPI_Allreduce through Deno FFI against the same loop in C, side by side in
// one run: 8-byte latency and 1-64 MiB bandwidth (sum of float64, 2 ranks).
//
//   deno run -A bench/mpi_allreduce.ts            # orchestrates both, prints a table
//   deno run -A bench/mpi_allreduce.ts --openmpi  # the same with Open MPI
//
// Without a launcher the script compiles bench/_c/allreduce.c with mpicc and
// launches both programs; under a launcher (`--worker`) it measures.

import { init } from "../dist/comm.ts";

const SIZES = [8, 1 << 20, 4 << 20, 16 << 20, 64 << 20];

function iterations(bytes: number): number {
  return bytes <= 4096 ? 20000 : bytes <= 1 << 20 ? 200 : 10;
}

async function worker(): Promise<void> {
  await using world = await init();
  for (const bytes of SIZES) {
    const n = bytes / 8;
    const send = Float64Array.from({ length: n }, (_, i) => world.rank + i);
    const recv = new Float64Array(n);
    const iters = iterations(bytes);
    world.allreduce(send, recv, "sum");
    world.barrier();
    const t0 = performance.now();
    for (let i = 0; i < iters; i++) world.allreduce(send, recv, "sum");
    const seconds = (performance.now() - t0) / 1000 / iters;
    if (world.rank === 0) console.log(JSON.stringify({ bytes, seconds }));
  }
}

async function run(cmd: string, args: string[]): Promise<Map<number, number>> {
  const out = await new Deno.Command("timeout", { args: ["300", cmd, ...args], stderr: "inherit" })
    .output();
  if (!out.success) throw new Error(`Benchmark run failed: ${cmd} ${args.join(" ")}`);
  const rows = new TextDecoder().decode(out.stdout).trim().split("\n").filter((l) =>
    l.startsWith("{")
  ).map((l) => JSON.parse(l) as { bytes: number; seconds: number });
  return new Map(rows.map((r) => [r.bytes, r.seconds]));
}

async function orchestrate(openmpi: boolean): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "tessera-bench-" });
  try {
    const exe = `${dir}/allreduce`;
    const src = new URL("./_c/allreduce.c", import.meta.url).pathname;
    const cc = openmpi ? "mpicc.openmpi" : "mpicc.mpich";
    const built = await new Deno.Command(cc, { args: ["-O2", "-o", exe, src] }).output();
    if (!built.success) throw new Error(`Cannot compile "${src}" with ${cc}`);
    const launcher = openmpi
      ? ["mpirun.openmpi", "--allow-run-as-root", "--oversubscribe", "-n", "2"]
      : ["mpiexec.mpich", "-n", "2"];
    const self = new URL(import.meta.url).pathname;
    await new Deno.Command(Deno.execPath(), { args: ["cache", self] }).output();
    const c = await run(launcher[0], [...launcher.slice(1), exe, ...SIZES.map(String)]);
    const d = await run(launcher[0], [
      ...launcher.slice(1),
      Deno.execPath(),
      "run",
      "-A",
      self,
      "--worker",
    ]);
    console.log(`MPI_Allreduce, sum of float64, 2 ranks, ${openmpi ? "Open MPI" : "MPICH"}`);
    console.log("size        C                  Deno FFI           Deno/C");
    for (const bytes of SIZES) {
      const fmt = (s: number) =>
        bytes === 8
          ? `${(s * 1e6).toFixed(2)} us`.padEnd(19)
          : `${(bytes / s / 2 ** 30).toFixed(2)} GiB/s`.padEnd(19);
      const label = bytes === 8 ? "8 B" : `${bytes >> 20} MiB`;
      const cs = c.get(bytes)!;
      const ds = d.get(bytes)!;
      console.log(`${label.padEnd(12)}${fmt(cs)}${fmt(ds)}${(ds / cs).toFixed(2)}`);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

if (Deno.args.includes("--worker")) await worker();
else await orchestrate(Deno.args.includes("--openmpi"));
