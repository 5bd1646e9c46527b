// The README's TypeScript blocks run as written, the way a newcomer runs
// them: each block is saved alone as a script in an empty directory that
// holds only the files the block names (made by numpy, h5py and zarr-python),
// with the URL of mod.ts pointed at this checkout; it must exit 0. Run again
// over its own outputs it must work or refuse with the one line that says
// how to replace them (`overwrite: true`). Blocks that say they run
// under `mpiexec` also run under `mpiexec.mpich -n 2` and `mpirun.openmpi -n 2`.

import assert from "node:assert/strict";
import {
  hasCommand,
  hasPython,
  IN_CI,
  ROOT,
  runPython,
  tempDir,
  withoutDownloads,
} from "./_util.ts";

const ok = hasPython("numpy", "h5py", "zarr");

/** The ```ts blocks of README.md, with the line each starts on. */
function tsBlocks(): { line: number; code: string }[] {
  const lines = Deno.readTextFileSync(`${ROOT}/README.md`).split("\n");
  const out: { line: number; code: string }[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (lines[i].trim() !== "```ts") continue;
    const start = i + 1;
    let j = start;
    while (j < lines.length && lines[j].trim() !== "```") j++;
    out.push({ line: start + 1, code: lines.slice(start, j).join("\n") });
    i = j;
  }
  return out;
}

// the files the blocks name, small but with the shapes the code expects
const INPUTS = `
import sys, os, numpy as np, h5py, zarr
os.chdir(sys.argv[1])
rng = np.random.default_rng(0)
with h5py.File("era5.h5", "w") as f:
    f.create_dataset("t2m", data=(270 + 10 * rng.random((48, 9, 16))).astype("f4"), chunks=(24, 9, 16))
with h5py.File("data.h5", "w") as f:
    f.create_dataset("group/t2m", data=rng.random((30, 4, 5)).astype("f4"), chunks=(10, 4, 5), compression="gzip")
np.save("big.npy", rng.random((3000, 8)))
g = zarr.open_group("store.zarr", mode="w")
g.create_group("group").create_dataset("array", data=np.arange(20.0).reshape(4, 5), chunks=(2, 5))
import subprocess
subprocess.run(["ncgen", "-4", "-o", "t2m.nc", sys.argv[2] + "/examples/t2m.cdl"], check=True)
`;

/** The block as a script of its own: mod.ts by file URL instead of `<host>` or `./`. */
function script(code: string): string {
  const mod = new URL(`file://${ROOT}/mod.ts`).href;
  return code.replace(/"https:\/\/<host>\/tessera\/mod\.ts"/g, `"${mod}"`)
    .replace(/"\.\/mod\.ts"/g, `"${mod}"`);
}

async function run(
  cwd: string,
  launch: string[],
): Promise<{ code: number; stderr: string; stdout: string }> {
  const cmd = ["timeout", "600", ...launch, Deno.execPath(), "run", "-A", "main.ts"];
  const r = await new Deno.Command(cmd[0], {
    args: cmd.slice(1),
    cwd,
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  return {
    code: r.code,
    stdout: new TextDecoder().decode(r.stdout),
    stderr: withoutDownloads(r.stderr),
  };
}

/** Removes what a block wrote (its HDF5 and Zarr outputs), keeping the inputs. */
async function clean(dir: string): Promise<void> {
  for (const f of [...Deno.readDirSync(dir)]) {
    if (/\.(zarr|h5|npy)$/.test(f.name) && !KEEP.includes(f.name)) {
      await Deno.remove(`${dir}/${f.name}`, { recursive: true });
    }
  }
}

const KEEP = ["era5.h5", "data.h5", "store.zarr", "big.npy", "t2m.nc"];

const LAUNCHERS = [
  { cmd: "mpiexec.mpich", args: ["-n", "2"] },
  { cmd: "mpirun.openmpi", args: ["--allow-run-as-root", "--oversubscribe", "-n", "2"] },
];

for (const { line, code } of tsBlocks()) {
  // SPMD blocks run under the launchers too; a Context block is a client that launches its own
  const mpi = /mpiexec|init\(\)/.test(code) && !/Context\.(start|attach)/.test(code);
  Deno.test({
    name: `README.md block at line ${line} runs as written${mpi ? ", and under MPI" : ""}`,
    ignore: !ok && !IN_CI,
    async fn() {
      await using dir = await tempDir("tessera-readme-");
      await runPython(INPUTS, dir.path, ROOT);
      await Deno.writeTextFile(`${dir.path}/main.ts`, script(code));
      const first = await run(dir.path, []);
      assert.equal(first.code, 0, `README line ${line}:\n${first.stderr}`);
      // run again, the outputs of the first run are there: it works, or it
      // refuses with the one clear line that says how to replace them
      const again = await run(dir.path, []);
      if (again.code !== 0) {
        assert.match(again.stderr, /exists.*pass overwrite: true/, `README line ${line} again`);
      }
      await clean(dir.path);
      if (!mpi) return;
      for (const l of LAUNCHERS) {
        if (!hasCommand(l.cmd)) {
          assert.ok(!IN_CI, `CI=true: ${l.cmd} is required`);
          continue;
        }
        const r = await run(dir.path, [l.cmd, ...l.args]);
        await clean(dir.path);
        assert.equal(r.code, 0, `README line ${line} under ${l.cmd}:\n${r.stderr}`);
      }
    },
  });
}
