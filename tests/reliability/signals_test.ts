// Ctrl-C and SIGTERM at several points of every CLI writer (issue 11): `map`
// to a new .npy and into an existing HDF5 file, `reduce -o` to Zarr, and
// `plot`. Whatever the moment, the run either ends with the signal's code
// (130 for SIGINT, 143 for SIGTERM) and leaves nothing behind: no temporary,
// no lock, no output, the existing file byte-identical; or it had already
// finished (exit 0) and its output is complete.
//
// Counts: 4 writers x 5 moments, SIGTERM and SIGINT alternating: 20 runs.
// The moments are fractions (10% to 90%) of the time an uninterrupted run of
// the same writer took just before (4 more runs), so that they land mid-run
// on a quiet machine and a loaded one alike; the earliest ones catch the
// process before it has taken its lock, the later ones while it writes.

import assert from "node:assert/strict";
import { arange } from "../../core/ndarray.ts";
import { lazy } from "../../stream/lazy.ts";
import { leftovers, ROOT, tempDir, withoutDownloads } from "../_util.ts";

const MAIN = `${ROOT}/cli/main.ts`;
const MOMENTS = [0.1, 0.3, 0.5, 0.7, 0.9];

async function sha(path: string): Promise<string> {
  const h = await crypto.subtle.digest("SHA-256", await Deno.readFile(path));
  return [...new Uint8Array(h)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** Names in `dir` that a writer must never leave: temporaries and locks. */

interface Writer {
  name: string;
  args: string[];
  /** The output's name in the directory. */
  output: string;
  /** True when the output is the existing keep.h5 (recreated after a finished run). */
  existing: boolean;
  /** Checks a finished run's output. */
  complete(dir: string): Promise<void>;
}

async function readShape(path: string): Promise<number[]> {
  const { open } = await import("../../stream/lazy.ts");
  const a = await open(path);
  return [...a.shape];
}

const WRITERS: Writer[] = [
  {
    name: "map to a new .npy",
    args: ["map", "sqrt(a*a+1)", "a=big.npy", "-o", "out.npy", "-q", "--memory", "16MiB"],
    output: "out.npy",
    existing: false,
    async complete(dir) {
      assert.deepEqual(await readShape(`${dir}/out.npy`), [4096, 4096]);
    },
  },
  {
    name: "map into an existing HDF5 file",
    args: ["map", "a*2", "a=big.npy", "-o", "keep.h5:/y", "-q", "--memory", "16MiB"],
    output: "keep.h5",
    existing: true,
    async complete(dir) {
      assert.deepEqual(await readShape(`${dir}/keep.h5:/y`), [4096, 4096]);
      assert.deepEqual(await readShape(`${dir}/keep.h5:/a`), [1, 4096]);
    },
  },
  {
    name: "reduce -o to Zarr",
    args: ["reduce", "std", "big.npy", "--axis", "0", "-o", "r.zarr", "-q", "--memory", "16MiB"],
    output: "r.zarr",
    existing: false,
    async complete(dir) {
      assert.deepEqual(await readShape(`${dir}/r.zarr`), [4096]);
    },
  },
  {
    name: "plot",
    args: ["plot", "big.npy", "-o", "p.png", "-q"],
    output: "p.png",
    existing: false,
    async complete(dir) {
      const png = await Deno.readFile(`${dir}/p.png`);
      assert.deepEqual([...png.subarray(1, 4)], [0x50, 0x4e, 0x47]);
      // the last chunk of a complete PNG is IEND
      assert.equal(new TextDecoder().decode(png.subarray(png.length - 8, png.length - 4)), "IEND");
    },
  },
];

/** Puts the directory back as it was before the writer ran. */
async function reset(w: Writer, dir: string): Promise<void> {
  if (!w.existing) {
    await Deno.remove(`${dir}/${w.output}`, { recursive: true }).catch(() => {});
    return;
  }
  await Deno.remove(`${dir}/keep.h5`);
  const fresh = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", MAIN, "convert", "-q", "small.npy", "keep.h5:/a"],
    cwd: dir,
  }).output();
  assert.equal(fresh.code, 0);
}

Deno.test("SIGTERM and SIGINT at 5 moments of map, reduce -o and plot leave nothing behind", async () => {
  await using t = await tempDir("tessera-signals-");
  const dir = t.path;
  // a 64 MiB float32 input (about a second of work per writer) and an
  // existing HDF5 file holding the user's other data
  await lazy(arange(4096 * 4096, undefined, undefined, "float32").reshape([4096, 4096]))
    .to(`${dir}/big.npy`);
  await lazy(arange(4096, undefined, undefined, "float32").reshape([1, 4096])).to(
    `${dir}/small.npy`,
  );
  const made = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", MAIN, "convert", "-q", "small.npy", "keep.h5:/a"],
    cwd: dir,
  }).output();
  assert.equal(made.code, 0, withoutDownloads(made.stderr));
  const base = ["big.npy", "keep.h5", "small.npy"];
  const seen: Record<string, string[]> = {};
  let i = 0;
  for (const w of WRITERS) {
    seen[w.name] = [];
    // an uninterrupted run: its output is complete, and its time sets the moments
    const t0 = performance.now();
    const whole = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", MAIN, ...w.args],
      cwd: dir,
      stdout: "null",
      stderr: "piped",
    }).output();
    const took = performance.now() - t0;
    assert.equal(whole.code, 0, `${w.name}: ${withoutDownloads(whole.stderr)}`);
    await w.complete(dir);
    await reset(w, dir);
    for (const ms of MOMENTS.map((f) => Math.round(f * took))) {
      const signal = i++ % 2 === 0 ? "SIGTERM" : "SIGINT";
      const before = await sha(`${dir}/keep.h5`);
      const p = new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", MAIN, ...w.args],
        cwd: dir,
        stdout: "piped",
        stderr: "piped",
        env: { NO_COLOR: "1" },
      }).spawn();
      await new Promise((r) => setTimeout(r, ms));
      try {
        p.kill(signal);
      } catch { /* already gone */ }
      const r = await p.output();
      const what = `${w.name}, ${signal} at ${ms} ms`;
      const stderr = withoutDownloads(r.stderr);
      assert.deepEqual(leftovers(dir), [], `${what}: nothing left behind`);
      if (r.code === 0) {
        seen[w.name].push("finished");
        await w.complete(dir);
      } else {
        seen[w.name].push(String(r.code));
        assert.equal(r.code, signal === "SIGTERM" ? 143 : 130, `${what}: ${stderr}`);
        assert.equal(await sha(`${dir}/keep.h5`), before, `${what}: keep.h5 byte-identical`);
        const names = [...Deno.readDirSync(dir)].map((e) => e.name).sort();
        assert.deepEqual(names, base, `${what}: no output`);
      }
      // the next moment starts from the same files
      if (!w.existing || r.code === 0) await reset(w, dir);
    }
  }
  // the moments must have caught every writer mid-run at least once
  for (const [name, codes] of Object.entries(seen)) {
    assert.ok(codes.some((c) => c !== "finished"), `${name}: never interrupted: ${codes}`);
  }
});
