// The memory budget on every path (issue 11): runs whose single chunk cannot
// fit are refused with MemoryBudgetError before anything is read (output
// chunks held whole by libhdf5, whole storage chunks decoded to extract a
// slice), absurd shapes from metadata are a FormatError naming the file,
// absurd --chunks are a usage error naming the option, and runs that fit
// stay under the budget plus the runtime's own baseline (peak RSS of a
// subprocess, read from /proc/self/status).

import assert from "node:assert/strict";
import { FormatError, MemoryBudgetError } from "../../core/errors.ts";
import type { NDArray } from "../../core/ndarray.ts";
import { fromSource, open, random } from "../../stream/mod.ts";
import type { RegionLike } from "../../io/region.ts";
import { hasPython, ROOT, runPython, tempDir, withoutDownloads } from "../_util.ts";

const MAIN = `${ROOT}/cli/main.ts`;
const MiB = 2 ** 20;

interface Run {
  code: number;
  stderr: string;
  /** Peak RSS (VmHWM) of the process, in bytes. */
  peak: number;
  seconds: number;
}

/** Runs the CLI in a subprocess that reports its own peak RSS when done. */
async function tessera(dir: string, ...args: string[]): Promise<Run> {
  const script = `${dir}/run_cli.ts`;
  await Deno.writeTextFile(
    script,
    `import { main } from ${JSON.stringify(`file://${MAIN}`)};
const code = await main(Deno.args);
const hwm = /VmHWM:\\s+(\\d+) kB/.exec(Deno.readTextFileSync("/proc/self/status"))![1];
console.log(JSON.stringify({ code, hwm: Number(hwm) * 1024 }));
Deno.exit(0);
`,
  );
  const t0 = performance.now();
  const r = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", script, ...args],
    cwd: dir,
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  const seconds = (performance.now() - t0) / 1000;
  const out = new TextDecoder().decode(r.stdout).trim().split("\n").pop()!;
  const stderr = withoutDownloads(r.stderr);
  let parsed: { code: number; hwm: number };
  try {
    parsed = JSON.parse(out);
  } catch {
    throw new Error(`the CLI did not report: ${out}\n${stderr}`);
  }
  return { code: parsed.code, stderr, peak: parsed.hwm, seconds };
}

/** A source that counts its reads (to prove a refusal happens before any). */
class CountingSource {
  readonly locator = "counting.zarr";
  readonly shape = [2048, 4096];
  readonly dtype = "float32" as const;
  readonly chunks = [1024, 2048];
  reads = 0;
  read(_region?: RegionLike): Promise<NDArray> {
    this.reads++;
    return Promise.reject(new Error("read"));
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch {
    return false;
  }
}

async function fails(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error("expected a rejection");
}

Deno.test("a 10-row slice of a chunk too large for the budget is refused before any read", async () => {
  const src = new CountingSource();
  const a = fromSource(src, { splittable: false });
  const t0 = performance.now();
  const e = await fails(a.slice("0:10").sum({ axis: 0 }).compute({ memory: "4MiB" }));
  assert.ok(e instanceof MemoryBudgetError, String(e));
  assert.match(
    e.message,
    /one storage chunk \[1024,2048\] float32 of "counting\.zarr" is 8 MiB, read and decoded whole/,
  );
  assert.equal(e.budget, 4 * MiB);
  assert.ok(e.projected > 16 * MiB, `projected ${e.projected}`);
  assert.equal(src.reads, 0);
  assert.ok(performance.now() - t0 < 1000);
  // with room for the chunk it is planned (and reads)
  const plan = a.slice("0:10").sum({ axis: 0 }).plan({ memory: "64MiB" });
  assert.ok(plan.projectedBytes > 32 * MiB && plan.projectedBytes <= 64 * MiB);
});

Deno.test("an HDF5 output chunk larger than the budget is refused before the output is created", async () => {
  await using dir = await tempDir();
  const a = random([1024, 2048], { seed: 1, dtype: "float32" });
  const t0 = performance.now();
  const e = await fails(a.to(`${dir.path}/o.h5:/d`, { chunks: [1024, 2048], memory: "4MiB" }));
  assert.ok(e instanceof MemoryBudgetError, String(e));
  assert.match(
    e.message,
    /one output chunk of \[1024,2048\] float32 is 8 MiB, held whole by libhdf5/,
  );
  assert.equal(e.budget, 4 * MiB);
  assert.ok(performance.now() - t0 < 1000);
  assert.deepEqual([...Deno.readDirSync(dir.path)], []);
  // compressed, the chunk is held twice
  const z = await fails(
    a.to(`${dir.path}/o.h5:/d`, { chunks: [1024, 2048], codec: "gzip:1", memory: "12MiB" }),
  );
  assert.ok(z instanceof MemoryBudgetError);
  assert.match(z.message, /held twice/);
});

Deno.test("libhdf5's chunk cache of an input dataset is counted", async () => {
  await using dir = await tempDir();
  await random([64, 64], { seed: 2 }).to(`${dir.path}/c.h5:/d`, { chunks: [16, 64] });
  using a = await open(`${dir.path}/c.h5:/d`);
  const e = await fails(a.sum().compute({ memory: "512KiB" }));
  assert.ok(e instanceof MemoryBudgetError, String(e));
  assert.match(
    e.message,
    /the reader of ".*c\.h5:\/d" holds 1 MiB \(chunk cache, decode buffers and threads\), more than the budget/,
  );
  assert.ok(a.sum().plan({ memory: "4MiB" }).projectedBytes > 2 ** 20);
});

Deno.test("absurd chunks are a RangeError (library) and exit 2 naming --chunks (CLI)", async () => {
  await using dir = await tempDir();
  const a = random([100, 10], { seed: 1, dtype: "float32" });
  for (const loc of ["o.zarr", "o.h5:/d"]) {
    const e = await fails(a.to(`${dir.path}/${loc}`, { chunks: [99999999999, 1] }));
    assert.ok(e instanceof RangeError, String(e));
    assert.match(e.message, /^Invalid chunks \[99999999999,1\].*more than a buffer can hold/);
  }
  await a.to(`${dir.path}/s.npy`);
  for (const cmd of [["convert", "s.npy", "o.zarr"], ["map", "x*2", "x=s.npy", "-o", "o.zarr"]]) {
    const r = await tessera(dir.path, ...cmd, "--chunks", "99999999999,1", "--memory", "64MiB");
    assert.equal(r.code, 2, r.stderr);
    assert.match(
      r.stderr,
      /^error: Invalid --chunks "99999999999,1": one chunk \[99999999999,1\] would be 93\.1 GiB/,
    );
    assert.ok(r.seconds < 10, `${r.seconds} s`);
  }
  assert.deepEqual([...Deno.readDirSync(dir.path)].map((e) => e.name).sort(), [
    "run_cli.ts",
    "s.npy",
  ]);
});

function npyWithHeader(dict: string): Uint8Array {
  let header = dict;
  const total = 10 + header.length + 1;
  header += " ".repeat((64 - (total % 64)) % 64) + "\n";
  const bytes = new Uint8Array(10 + header.length + 16);
  bytes.set([0x93, ...new TextEncoder().encode("NUMPY"), 1, 0]);
  new DataView(bytes.buffer).setUint16(8, header.length, true);
  bytes.set(new TextEncoder().encode(header), 10);
  return bytes;
}

Deno.test("absurd shapes and chunks in metadata are a FormatError naming the file", async () => {
  await using dir = await tempDir();
  const p = dir.path;
  await Deno.mkdir(`${p}/v2.zarr`);
  await Deno.writeTextFile(
    `${p}/v2.zarr/.zarray`,
    JSON.stringify({
      zarr_format: 2,
      shape: [1e15, 1e15],
      chunks: [1000, 1000],
      dtype: "<f8",
      compressor: null,
      fill_value: 0,
      order: "C",
      filters: null,
    }),
  );
  await Deno.mkdir(`${p}/chunk.zarr`);
  await Deno.writeTextFile(
    `${p}/chunk.zarr/.zarray`,
    JSON.stringify({
      zarr_format: 2,
      shape: [1e6, 1e6],
      chunks: [1e6, 1e6],
      dtype: "<f8",
      compressor: null,
      fill_value: 0,
      order: "C",
      filters: null,
    }),
  );
  await Deno.mkdir(`${p}/v3.zarr`);
  await Deno.writeTextFile(
    `${p}/v3.zarr/zarr.json`,
    JSON.stringify({
      zarr_format: 3,
      node_type: "array",
      shape: [1e15, 1e15],
      data_type: "float64",
      chunk_grid: { name: "regular", configuration: { chunk_shape: [10, 10] } },
      chunk_key_encoding: { name: "default" },
      codecs: [{ name: "bytes", configuration: { endian: "little" } }],
      fill_value: 0,
    }),
  );
  await Deno.writeFile(
    `${p}/big.npy`,
    npyWithHeader(
      "{'descr': '<f8', 'fortran_order': False, 'shape': (1000000000000000, 1000000000000000), }",
    ),
  );
  const cases: [string, RegExp][] = [
    [
      "v2.zarr",
      /metadata "\.zarray": shape \[1000000000000000,1000000000000000\] has 1e\+30 elements, more than 2\^53/,
    ],
    [
      "chunk.zarr",
      /one chunk \[1000000,1000000\] would be 7\.3 TiB, more than a buffer can hold/,
    ],
    ["v3.zarr", /metadata "zarr\.json": shape .* more than 2\^53/],
    ["big.npy", /header shape .* more than 2\^53/],
  ];
  if (hasPython("h5py")) {
    await runPython(
      `import h5py, sys
with h5py.File(sys.argv[1], "w") as f:
    f.create_dataset("d", shape=(2**40, 2**40), chunks=(1, 16), dtype="f8")`,
      `${p}/big.h5`,
    );
    cases.push([
      "big.h5:/d",
      /dataset "\/d": shape \[1099511627776,1099511627776\] has .* more than 2\^53/,
    ]);
  }
  for (const [loc, re] of cases) {
    const file = loc.replace(/:.*/, "");
    const e = await fails(open(`${p}/${loc}`));
    assert.ok(e instanceof FormatError, `${loc}: ${e}`);
    assert.equal(e.file.replace(/\/$/, ""), `${p}/${file}`);
    assert.match(e.message, re);
    const r = await tessera(p, "reduce", "mean", loc);
    assert.equal(r.code, 1, r.stderr);
    assert.ok(r.stderr.startsWith(`error: Cannot read "${file}`), r.stderr);
    assert.doesNotMatch(r.stderr, /Invalid array length|allocation failed/);
  }
});

Deno.test("runs that fit stay under the budget plus the runtime's baseline", async () => {
  await using dir = await tempDir();
  const p = dir.path;
  // 32 MiB of float32: a .npy and a Zarr store of 4 MiB chunks, and tiny ones for the baseline
  const a = random([2048, 4096], { seed: 3, dtype: "float32" });
  await a.to(`${p}/a.npy`);
  // gzip: decoded by libdeflate into reused buffers (the TypeScript fallback left garbage)
  await a.to(`${p}/a.zarr`, { chunks: [256, 4096], codec: "gzip:1" });
  const tiny = random([4, 4], { seed: 3, dtype: "float32" });
  await tiny.to(`${p}/t.npy`);
  await tiny.to(`${p}/t.zarr`);
  await tiny.to(`${p}/t.h5:/d`);
  // the baseline: the runtime with the same modules loaded, on a tiny array
  let baseline = 0;
  for (const cmd of [["reduce", "mean", "t.zarr"], ["convert", "t.npy", "u.h5:/d"]]) {
    const r = await tessera(p, ...cmd, "-q");
    assert.equal(r.code, 0, r.stderr);
    baseline = Math.max(baseline, r.peak);
  }
  const runs: [string[], number][] = [
    [["convert", "a.npy", "o.h5:/d", "--chunks", "256,4096"], 24],
    // the gzip Zarr's reader holds 64 MiB: two decode workers with their buffers
    [["convert", "a.zarr", "s.npy", "--slice", "0:10"], 80],
    [["reduce", "std", "a.npy", "--axis", "1", "-o", "r.npy"], 16],
    [["map", "x*2+1", "x=a.zarr", "-o", "m.zarr", "--codec", "none", "--chunks", "256,4096"], 96],
  ];
  // output chunks across the input's: every block decodes four input chunks whole (it
  // peaked 130 MiB over the baseline under 32 MiB before they were counted); refused under
  // the budget that the aligned map below fits in
  const across = await tessera(p, "map", "x*2+1", "x=a.zarr", "-o", "x.zarr", "--memory", "88MiB");
  assert.equal(across.code, 1, across.stderr);
  assert.match(
    across.stderr,
    /^error: Cannot write "x\.zarr": Memory budget exceeded: .*: one storage chunk \[256,4096\] float32 of "a\.zarr" is 4 MiB, read and decoded whole \(2x, 4 at once/,
  );
  assert.ok(!(await exists(`${p}/x.zarr`)));
  for (const [cmd, mib] of runs) {
    const r = await tessera(p, ...cmd, "--memory", `${mib}MiB`, "-q");
    assert.equal(r.code, 0, `${cmd.join(" ")}: ${r.stderr}`);
    const over = (r.peak - baseline) / MiB;
    console.log(`${cmd.join(" ")}: ${over.toFixed(1)} MiB over the baseline, budget ${mib} MiB`);
    assert.ok(
      r.peak <= baseline + (mib + 16) * MiB,
      `${cmd.join(" ")} under ${mib} MiB peaked ${over.toFixed(1)} MiB over the baseline`,
    );
  }
});
