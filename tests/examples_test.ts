// Runs every example in examples/ as a subprocess on small inputs and checks
// its exit code and the lines that state its result (context.ts with one
// engine without MPI, and two under mpiexec.mpich); pi.ts, heat.ts,
// anomaly.ts and hdf5_to_zarr.ts (the stream engine, chunks split across
// ranks) also run under `mpiexec.mpich -n 2` and must print the same result as
// one process, once. The examples get a private TMPDIR that must be empty
// after each run (they clean up after themselves).
// Every launch is bounded by `timeout`, so a hung MPI job fails the test
// instead of blocking the run.
//
//   deno test -A tests/examples_test.ts

import assert from "node:assert/strict";
import { hasCommand, ROOT } from "./_util.ts";

const LIMIT_S = 90;

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `examples/<name>` with `deno run -A`, optionally under a launcher, with a time limit. */
async function example(
  name: string,
  args: string[] = [],
  opts: { launch?: string[]; env?: Record<string, string> } = {},
): Promise<Run> {
  const cmd = [
    "timeout",
    String(LIMIT_S),
    ...(opts.launch ?? []),
    Deno.execPath(),
    "run",
    "-A",
    `${ROOT}/examples/${name}`,
    ...args,
  ];
  const r = await new Deno.Command(cmd[0], {
    args: cmd.slice(1),
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1", ...opts.env },
  }).output();
  const dec = new TextDecoder();
  const run = { code: r.code, stdout: dec.decode(r.stdout), stderr: dec.decode(r.stderr) };
  assert.notEqual(run.code, 124, `${name} ${args.join(" ")} timed out after ${LIMIT_S} s`);
  assert.equal(run.code, 0, `${name} ${args.join(" ")} failed:\n${run.stdout}\n${run.stderr}`);
  return run;
}

/** The one line of `out` matching `re` (fails when there is none or several). */
function line(out: string, re: RegExp): string {
  const found = out.split("\n").filter((l) => re.test(l));
  assert.equal(found.length, 1, `expected one line matching ${re}, got:\n${out}`);
  return found[0];
}

/**
 * A private TMPDIR for the examples' temporary directories, checked to be
 * empty after each run: the examples clean up after themselves.
 */
async function withTmp(fn: (env: Record<string, string>) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "tessera-examples-test-" });
  try {
    await fn({ TMPDIR: dir });
    const left = [...Deno.readDirSync(dir)].map((e) => e.name);
    assert.deepEqual(left, [], `left behind in TMPDIR: ${left.join(", ")}`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("examples/demo.ts streams a small file and matches its checks", () =>
  withTmp(async (env) => {
    const r = await example("demo.ts", ["--rows", "2048", "--cols", "1024"], { env });
    assert.match(line(r.stdout, /^check +generator statistics/), /: ok$/);
    line(r.stdout, /^demo ok$/);
  }));

Deno.test("examples/pi.ts estimates pi", async () => {
  const r = await example("pi.ts", ["--n", "200000"]);
  const m = line(r.stdout, /^pi ~ /).match(/^pi ~ ([\d.]+) \((\d+) of 200000 points/);
  assert.ok(m, r.stdout);
  assert.ok(Math.abs(Number(m[1]) - Math.PI) < 0.02, m[0]);
});

Deno.test("examples/context.ts drives engines through a Context: the same pi count as pi.ts", async () => {
  const pi = line((await example("pi.ts", ["--n", "200000"])).stdout, /^pi ~ /);
  const count = pi.match(/\((\d+) of 200000/)![1];
  const launchers = [
    ["1", "none"],
    ...(hasCommand("mpiexec.mpich") ? [["2", "mpiexec.mpich"]] : []),
  ];
  for (const [engines, launcher] of launchers) {
    const r = await example("context.ts", [
      "--n",
      "200000",
      "--engines",
      engines,
      "--launcher",
      launcher,
    ]);
    assert.match(line(r.stdout, /^pi ~ /), new RegExp(`\\(${count} of 200000 points inside\\)`));
    assert.equal(line(r.stdout, /^column sums: /), "column sums: 150, 156, 162, 168");
    const blocks = r.stdout.split("\n").filter((l) => l.startsWith("engine "));
    assert.equal(blocks.length, Number(engines));
    const total = blocks.reduce((s, l) => s + Number(l.match(/sum (\d+)$/)![1]), 0);
    assert.equal(total, 636);
    assert.match(
      line(r.stdout, /^lazy: .* std of the anomaly/),
      /LazyArrayProxy<float32>\[48,20,30\] .* \[48\], same bits as in process: true$/,
    );
    line(r.stdout, /^lazy: wrote anomaly\.npy \[48,20,30\] float32$/);
  }
});

Deno.test("examples/heat.ts matches the one-process stencil", async () => {
  const r = await example("heat.ts");
  assert.match(line(r.stdout, /^heat /), /max \|distributed - one process\| = 0 /);
});

Deno.test("examples/climatology.ts streams an HDF5 climatology that matches NDArray math", () =>
  withTmp(async (env) => {
    const r = await example("climatology.ts", [], { env });
    line(r.stdout, /^generated .*t\.h5:\/t2m: \[730,90,180\] float32/);
    line(r.stdout, /^wrote .*clim\.npy: \[365,90,180\] float32/);
    line(r.stdout, /^time mean over 730 steps: \[90,180\]/);
    assert.match(line(r.stdout, /^check: /), / ok$/);
  }));

Deno.test("examples/hdf5_to_zarr.ts converts and verifies every region", () =>
  withTmp(async (env) => {
    const r = await example("hdf5_to_zarr.ts", ["--shape", "48,128,256"], { env });
    assert.match(line(r.stdout, /^ +chunks \[/), /codec zlib:1: .* MiB on disk/);
    assert.match(line(r.stdout, /^verified /), /: 0 element\(s\) differ$/);
    line(r.stdout, /^hdf5_to_zarr ok$/);
  }));

const ANOMALY = ["--rows", "2048", "--cols", "1024", "--memory", "2MiB"];

Deno.test("examples/anomaly.ts writes anomalies in two passes under a small budget", () =>
  withTmp(async (env) => {
    const r = await example("anomaly.ts", ANOMALY, { env });
    assert.match(line(r.stdout, /^ +pass 1: /), /reduce \(mean\)/);
    assert.match(line(r.stdout, /^ +pass 2: /), /element-wise \+ write/);
    line(r.stdout, /^ +done pass 2\/2: /);
    line(r.stdout, /^anomaly ok$/);
  }));

Deno.test("examples/plot.ts draws a strided heatmap and a distribution map", () =>
  withTmp(async (env) => {
    const out = await Deno.makeTempDir({ prefix: "tessera-examples-plot-" });
    try {
      const r = await example("plot.ts", ["--out", out], { env });
      assert.match(line(r.stdout, /^heatmap /), /sampled every \[4,8\] from \[2400,4800\]/);
      line(r.stdout, /^distribution map .*owners of \[0,0\] \[0,1\] \[0,2\] \[8,0\]: 0 1 0 2$/);
      line(r.stdout, /^plot ok /);
      for (const f of ["heatmap.png", "distribution_bc.png"]) {
        const png = await Deno.readFile(`${out}/${f}`);
        assert.deepEqual([...png.subarray(1, 4)], [0x50, 0x4e, 0x47], f); // "PNG"
      }
    } finally {
      await Deno.remove(out, { recursive: true });
    }
  }));

const MPI = ["mpiexec.mpich", "-n", "2"];

Deno.test({
  name: "examples/pi.ts under mpiexec.mpich -n 2 prints the one-process estimate once",
  ignore: !hasCommand("mpiexec.mpich"),
  async fn() {
    const args = ["--n", "200000"];
    const result = (s: string): string => line(s, /^pi ~ /).replace(/ on \d+ rank\(s\).*/, "");
    const one = await example("pi.ts", args);
    const two = await example("pi.ts", args, { launch: MPI });
    assert.match(line(two.stdout, /^pi ~ /), / on 2 rank\(s\) /);
    assert.equal(result(two.stdout), result(one.stdout));
  },
});

Deno.test({
  name: "examples/heat.ts under mpiexec.mpich -n 2 prints the one-process total once",
  ignore: !hasCommand("mpiexec.mpich"),
  async fn() {
    const total = (s: string): string => line(s, /^heat /).match(/total \S+/)![0];
    const one = await example("heat.ts");
    const two = await example("heat.ts", [], { launch: MPI });
    assert.match(line(two.stdout, /^heat /), /on 2 rank\(s\).*one process\| = 0 /);
    assert.equal(total(two.stdout), total(one.stdout));
  },
});

Deno.test({
  name: "examples/anomaly.ts under mpiexec.mpich -n 2 prints the one-process plan and check once",
  ignore: !hasCommand("mpiexec.mpich"),
  fn: () =>
    withTmp(async (env) => {
      const same = (s: string): string[] =>
        s.split("\n").filter((l) => /^( +pass \d|check: |anomaly ok)/.test(l));
      const one = await example("anomaly.ts", ANOMALY, { env });
      const two = await example("anomaly.ts", ANOMALY, { env, launch: MPI });
      assert.match(line(two.stdout, /^anomaly of /), /, 2 rank\(s\); plan:$/);
      assert.match(line(two.stdout, /^ +done pass 1\/2: /), /by rank 0$/);
      assert.equal(same(one.stdout).length, 4, one.stdout);
      assert.deepEqual(same(two.stdout), same(one.stdout));
    }),
});

Deno.test({
  name: "examples/hdf5_to_zarr.ts under mpiexec.mpich -n 2 writes the same store as one process",
  ignore: !hasCommand("mpiexec.mpich"),
  fn: () =>
    withTmp(async (env) => {
      const args = ["--shape", "48,128,256"];
      // the output's size on disk and the verification, without the timings
      const result = (s: string): string[] => [
        line(s, /^ +chunks \[/).replace(/\), [\d.]+ s, .*/, ")"),
        line(s, /^verified /).replace(/ in [\d.]+ s/, ""),
      ];
      const one = await example("hdf5_to_zarr.ts", args, { env });
      const two = await example("hdf5_to_zarr.ts", args, { env, launch: MPI });
      assert.match(line(two.stdout, /^ +chunks \[/), / on 2 rank\(s\)$/);
      line(two.stdout, /^hdf5_to_zarr ok$/);
      assert.deepEqual(result(two.stdout), result(one.stdout));
    }),
});
