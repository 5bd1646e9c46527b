// The command line under MPI: one process launches `mpiexec -n 2 tessera ...`
// and compares with the single-process run (same bits, only rank 0 prints).
// (Named *_launch_test.ts, not *_mpi_test.ts: it starts the launcher itself.)

import assert from "node:assert/strict";
import {
  hasCommand,
  hasPython,
  pythonJson,
  ROOT,
  runPython,
  tempDir,
  withoutDownloads,
} from "../_util.ts";

const MAIN = `${ROOT}/cli/main.ts`;

const LAUNCHERS: { name: string; cmd: string; pre: string[] }[] = [
  { name: "MPICH", cmd: "mpiexec.mpich", pre: [] },
  { name: "Open MPI", cmd: "mpirun.openmpi", pre: ["--allow-run-as-root", "--oversubscribe"] },
];

async function run(
  cwd: string,
  launch: string[],
  args: string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
  const cmd = ["timeout", "120", ...launch, Deno.execPath(), "run", "-A", MAIN, ...args];
  const r = await new Deno.Command(cmd[0], {
    args: cmd.slice(1),
    cwd,
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  const dec = new TextDecoder();
  return { code: r.code, stdout: dec.decode(r.stdout), stderr: withoutDownloads(r.stderr) };
}

for (const l of LAUNCHERS) {
  Deno.test({
    name: `tessera reduce and convert under ${l.name} -n 2 match one process`,
    ignore: !hasPython("numpy", "zarr") || !hasCommand(l.cmd),
    async fn() {
      await using t = await tempDir();
      await runPython(
        `
import numpy as np, zarr, sys
z = zarr.open(sys.argv[1] + "/x.zarr", mode="w", shape=(64, 50), chunks=(8, 50), dtype="f8")
z[:] = np.random.default_rng(7).normal(size=(64, 50))
`,
        t.path,
      );
      const launch = [l.cmd, ...l.pre, "-n", "2"];
      const args = ["reduce", "std", "x.zarr", "--axis", "0", "--json"];
      const one = await run(t.path, [], args);
      assert.equal(one.code, 0, one.stderr);
      const two = await run(t.path, launch, args);
      assert.equal(two.code, 0, two.stderr);
      assert.equal(two.stdout, one.stdout, "same bits, printed once");

      const s1 = await run(t.path, [], ["reduce", "mean", "x.zarr"]);
      const s2 = await run(t.path, launch, ["reduce", "mean", "x.zarr"]);
      assert.equal(s2.stdout, s1.stdout);
      assert.equal(s2.stdout.trim().split("\n").length, 1);

      const c = await run(t.path, launch, [
        "convert",
        "x.zarr",
        "y.zarr",
        "--chunks",
        "8,50",
        "-q",
      ]);
      assert.equal(c.code, 0, c.stderr);
      const same = await pythonJson<boolean>(
        `
import numpy as np, zarr, sys, json
print(json.dumps(bool((zarr.open(sys.argv[1] + "/x.zarr")[:] == zarr.open(sys.argv[1] + "/y.zarr")[:]).all())))
`,
        t.path,
      );
      assert.equal(same, true);

      // a usage error is printed once, with exit code 2
      const bad = await run(t.path, launch, ["reduce", "mode", "x.zarr"]);
      assert.equal(bad.code, 2);
      assert.equal(bad.stderr.match(/error: Unknown reduction "mode"/g)?.length, 1, bad.stderr);
    },
  });
}
