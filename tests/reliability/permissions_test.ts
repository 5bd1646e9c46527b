// The README's permission table is exact (issue 11): the CLI and the
// library run with exactly the flags it lists, with `--no-prompt` so that a
// permission asked for and not granted would fail instead of prompting.
// Optional permissions (env for TESSERA_* settings, sys for the RAM size, ffi
// for aligned buffers) are asked with Deno.permissions.querySync and their
// absence degrades quietly. Zarr's npm packages load from the Deno cache
// without any read permission for it.

import assert from "node:assert/strict";
import { random } from "../../stream/mod.ts";
import { hasCommand, IN_CI, ROOT, tempDir } from "../_util.ts";

const MAIN = `${ROOT}/cli/main.ts`;

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

async function deno(cwd: string, flags: string[], script: string, args: string[]): Promise<Result> {
  const r = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--no-prompt", ...flags, script, ...args],
    cwd,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  const dec = new TextDecoder();
  return { code: r.code, stdout: dec.decode(r.stdout), stderr: dec.decode(r.stderr) };
}

function succeeded(what: string, r: Result): void {
  assert.equal(r.code, 0, `${what}: exit ${r.code}\n${r.stderr}`);
  assert.doesNotMatch(r.stderr, /NotCapable|Requires .* access|--allow-/, `${what}: ${r.stderr}`);
}

Deno.test("the CLI runs with exactly the README's permissions", async () => {
  await using dir = await tempDir();
  const input = `${dir.path}/in`;
  const output = `${dir.path}/out`;
  await Deno.mkdir(input);
  await Deno.mkdir(output);
  const x = random([40, 30], { seed: 7, dtype: "float32" });
  await x.to(`${input}/x.npy`);
  await x.to(`${input}/x.zarr`, { chunks: [10, 30] });
  // reading inputs: --allow-read=<inputs>
  const read = [`--allow-read=${input}`];
  // writing outputs: --allow-read=<output dir> --allow-write=<output dir>
  const write = [`--allow-read=${input},${output}`, `--allow-write=${output}`];
  const cases: [string[], string[]][] = [
    [read, ["info", "x.npy"]],
    [read, ["reduce", "mean", "x.npy"]],
    [write, ["convert", "x.npy", `${output}/b.npy`]],
    [write, ["map", "x*2+1", "x=x.npy", "-o", `${output}/m.npy`]],
    [write, ["reduce", "sum", "x.npy", "--axis", "0", "-o", `${output}/r.npy`]],
    [read, ["info", "x.zarr"]],
    [read, ["reduce", "mean", "x.zarr"]],
    [write, ["convert", "x.zarr", `${output}/b.zarr`]],
    [write, ["map", "x*2+1", "x=x.zarr", "-o", `${output}/m.zarr`]],
    // compressed Zarr through the native codec libraries: --allow-ffi
    [[...read, "--allow-ffi"], ["reduce", "mean", "x.zarr"]],
    // HDF5: --allow-ffi (a .nc output also loads libhdf5_hl for its dimension scales)
    [[...write, "--allow-ffi"], ["convert", "x.npy", `${output}/b.h5:/x`]],
    [[...write, "--allow-ffi"], ["convert", "x.zarr", `${output}/b.nc:/x`]],
    [[`--allow-read=${output}`, "--allow-ffi"], ["reduce", "mean", `${output}/b.h5:/x`]],
  ];
  const means: string[] = [];
  for (const [flags, args] of cases) {
    // without -q: progress settings are optional env reads
    const r = await deno(input, flags, MAIN, args);
    succeeded(`${flags.join(" ")} tessera ${args.join(" ")}`, r);
    if (args[0] === "reduce" && args[1] === "mean") means.push(r.stdout.trim());
  }
  assert.equal(new Set(means).size, 1, means.join(" / "));
  // the memory budget default with its optional sys permission, and TESSERA_MEMORY with env
  const sys = await deno(input, [...read, "--allow-sys=systemMemoryInfo"], MAIN, [
    "reduce",
    "mean",
    "x.npy",
  ]);
  succeeded("--allow-sys=systemMemoryInfo", sys);
  const env = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--no-prompt",
      ...read,
      "--allow-env=TESSERA_MEMORY",
      MAIN,
      "reduce",
      "mean",
      "x.npy",
    ],
    cwd: input,
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1", TESSERA_MEMORY: "12 parsecs" },
  }).output();
  // the variable is read when permitted (and refused here, as it does not parse)
  assert.equal(env.code, 2);
  assert.match(new TextDecoder().decode(env.stderr), /Cannot parse byte size "12 parsecs"/);
});

Deno.test("a library script runs with read access to its inputs only", async () => {
  await using dir = await tempDir();
  const x = random([40, 30], { seed: 7, dtype: "float32" });
  await x.to(`${dir.path}/x.npy`);
  await x.to(`${dir.path}/x.zarr`, { chunks: [10, 30] });
  const script = `${dir.path}/lib.ts`;
  await Deno.writeTextFile(
    script,
    `import { open } from ${JSON.stringify(`file://${ROOT}/mod.ts`)};
for (const loc of Deno.args) {
  using a = await open(loc);
  console.log((await a.mean().compute()).get());
}
`,
  );
  const r = await deno(dir.path, [`--allow-read=${dir.path}`], script, ["x.npy", "x.zarr"]);
  succeeded("library open().mean().compute()", r);
  const [npy, zarr] = r.stdout.trim().split("\n").map(Number);
  assert.ok(Number.isFinite(npy) && Math.abs(npy - zarr) < 1e-6, r.stdout);
});

Deno.test({
  name: "a Context client runs with --allow-run=<launcher> --allow-net=127.0.0.1 only",
  ignore: !hasCommand("mpiexec.mpich") && !IN_CI,
  async fn() {
    await using dir = await tempDir();
    const script = `${dir.path}/client.ts`;
    await Deno.writeTextFile(
      script,
      `import { Context } from ${JSON.stringify(`file://${ROOT}/mod.ts`)};
await using ctx = await Context.start({ engines: 2, launcher: "mpiexec.mpich" });
const x = await ctx.fromFunction([6], ([i]) => i + 1);
console.log((await x.sum()).get());
`,
    );
    const r = await deno(
      dir.path,
      ["--allow-run=mpiexec.mpich", "--allow-net=127.0.0.1"],
      script,
      [],
    );
    succeeded("Context client", r);
    assert.equal(r.stdout.trim(), "21");
  },
});
