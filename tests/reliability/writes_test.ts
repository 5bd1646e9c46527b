// Nothing lost (issue 11): writes into existing HDF5 files and Zarr stores keep
// every sibling, replacing anything needs overwrite, one writer per output,
// signals and kill -9 never leave a complete-looking partial.
//
// Counts: 9 tests, 20 cases (12 library cases: HDF5 add nested / refuse a
// dataset / refuse a group / replace; Zarr add nested / refuse / replace with
// .zmetadata; .npy and Arrow refuse byte-identical then replace; a live lock;
// a dead writer's lock and temporaries; a stale temporary array in a store;
// 3 CLI refusals byte-identical; SIGTERM and SIGINT mid-convert; 1 pair of
// concurrent writers; a rank ending an MPI job mid-write under MPICH and
// Open MPI), and 20 kill -9 points (10 into an existing HDF5 file, 10 into an
// existing Zarr store; 64 MiB input, delays from a fixed seed over 10-95% of the time an
// uncut write took just before; at
// least 3 of each 10 must land mid-write, typically 6-8), every one checked
// with h5py / zarr-python.

import assert from "node:assert/strict";
import { arange } from "../../core/ndarray.ts";
import { OutputLock, tempPath } from "../../io/output.ts";
import { lazy } from "../../stream/lazy.ts";
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
const ok = hasPython("numpy", "h5py", "zarr");
const dec = new TextDecoder();

/** SHA-256 of every file under `path` (names and bytes), to prove "byte-identical". */
async function hashTree(path: string): Promise<string> {
  const parts: string[] = [];
  const walk = async (p: string, rel: string): Promise<void> => {
    const st = await Deno.stat(p);
    if (st.isFile) {
      const h = await crypto.subtle.digest("SHA-256", await Deno.readFile(p));
      parts.push(`${rel}:${[...new Uint8Array(h)].map((b) => b.toString(16)).join("")}`);
      return;
    }
    const names = (await Array.fromAsync(Deno.readDir(p))).map((e) => e.name).sort();
    for (const n of names) await walk(`${p}/${n}`, `${rel}/${n}`);
  };
  await walk(path, "");
  return parts.join("\n");
}

/** Hidden files of a directory that a writer leaves: temporaries and locks. */
function leftovers(dir: string): string[] {
  return [...Deno.readDirSync(dir)].map((e) => e.name)
    .filter((n) => n.includes(".tessera-tmp-") || n.endsWith(".tessera-lock")).sort();
}

function cli(cwd: string, ...args: string[]): Deno.ChildProcess {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", MAIN, ...args],
    cwd,
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).spawn();
}

async function finished(p: Deno.ChildProcess): Promise<{ code: number; stderr: string }> {
  const r = await p.output();
  return { code: r.code, stderr: withoutDownloads(r.stderr) };
}

/** Pid of a process that has ended. */
async function deadPid(): Promise<number> {
  const p = new Deno.Command(Deno.execPath(), { args: ["--version"], stdout: "null" }).spawn();
  await p.status;
  return p.pid;
}

const FIXTURES = `
import sys, numpy as np, h5py, zarr
d = sys.argv[1]
np.save(d + "/small.npy", np.arange(12, dtype="f4").reshape(3, 4))
with h5py.File(d + "/multi.h5", "w") as f:
    f.attrs["root"] = 1
    f["keep"] = np.arange(5) * 1.5
    f["keep"].attrs["u"] = "m"
    f.create_group("grp/sub").attrs["x"] = 3
    f["big"] = np.load(d + "/small.npy")
g = zarr.open_group(d + "/st.zarr", mode="w")
g.attrs["t"] = "y"
g.create_dataset("a", data=np.arange(4), chunks=(2,)).attrs["k"] = 7
g.create_group("sub").create_dataset("b", data=np.ones((2, 2)))
g.create_dataset("big", data=np.load(d + "/small.npy"))
zarr.consolidate_metadata(d + "/st.zarr")
`;

const CHECK_H5 = `
import sys, json, numpy as np, h5py
path, exp = sys.argv[1], json.loads(sys.argv[2])
with h5py.File(path, "r") as f:
    assert f.attrs["root"] == 1
    assert np.array_equal(f["keep"][:], np.arange(5) * 1.5) and f["keep"].attrs["u"] == "m"
    assert f["grp/sub"].attrs["x"] == 3
    out = {}
    for name, npy in exp.items():
        if name not in f:
            out[name] = "absent"
            continue
        d = f[name][...]
        ref = np.load(npy, mmap_mode="r")
        if d.shape == ref.shape and np.array_equal(d, ref):
            out[name] = "new"
        elif d.shape == (3, 4) and np.array_equal(d, np.arange(12).reshape(3, 4)):
            out[name] = "old"
        else:
            out[name] = "partial %s" % (d.shape,)
print(json.dumps(out))
`;

const CHECK_ZARR = `
import sys, json, numpy as np, zarr
path, exp = sys.argv[1], json.loads(sys.argv[2])
for g in (zarr.open_group(path, mode="r"), zarr.open_consolidated(path, mode="r")):
    assert g.attrs["t"] == "y"
    assert np.array_equal(g["a"][:], np.arange(4)) and g["a"].attrs["k"] == 7
    assert np.array_equal(g["sub/b"][:], np.ones((2, 2)))
g = zarr.open_group(path, mode="r")
out = {}
for name, npy in exp.items():
    if name not in g:
        out[name] = "absent"
        continue
    d = g[name][...]
    ref = np.load(npy, mmap_mode="r")
    if d.shape == ref.shape and np.array_equal(d, ref):
        out[name] = "new"
    elif d.shape == (3, 4) and np.array_equal(d, np.arange(12).reshape(3, 4)):
        out[name] = "old"
    else:
        out[name] = "partial %s" % (d.shape,)
print(json.dumps(out))
`;

const run = { memory: "64MiB" } as const;
const A = arange(12, undefined, undefined, "float32").reshape([3, 4]);

Deno.test({
  name: "writes into an existing HDF5 file add or replace one dataset, siblings untouched",
  ignore: !ok,
  async fn() {
    await using t = await tempDir();
    await runPython(FIXTURES, t.path);
    const h5 = `${t.path}/multi.h5`;
    const twice = lazy(A).mul(2);
    // 1. a new dataset, in a new group: no flag
    await twice.to(`${h5}:/new/deep/x`, run);
    // 2. an existing dataset without overwrite: refused, file byte-identical
    const before = await hashTree(h5);
    await assert.rejects(twice.to(`${h5}:/keep`, run), (e: unknown) => {
      assert.ok(e instanceof Deno.errors.AlreadyExists);
      assert.match(
        (e as Error).message,
        /a dataset "\/keep" exists in ".*multi\.h5"; pass overwrite/,
      );
      return true;
    });
    // 3. a group without overwrite: refused too
    await assert.rejects(twice.to(`${h5}:/grp`, run), /a group "\/grp" exists/);
    assert.equal(await hashTree(h5), before);
    // 4. replaced with overwrite
    await lazy(A).to(`${h5}:/big`, { ...run, overwrite: true });
    await lazy(A).add(1).to(`${h5}:/keep2`, run);
    const r = await pythonJson<Record<string, unknown>>(
      `
import sys, json, h5py, numpy as np
with h5py.File(sys.argv[1]) as f:
    names = []
    f.visit(names.append)
    print(json.dumps({"names": sorted(names), "x": f["new/deep/x"][...].tolist(),
      "big": f["big"][...].tolist(), "keep": f["keep"][...].tolist(),
      "u": f["keep"].attrs["u"], "sub": int(f["grp/sub"].attrs["x"]), "root": int(f.attrs["root"])}))
`,
      h5,
    );
    assert.deepEqual(r.names, [
      "big",
      "grp",
      "grp/sub",
      "keep",
      "keep2",
      "new",
      "new/deep",
      "new/deep/x",
    ]);
    assert.deepEqual(r.x, [[0, 2, 4, 6], [8, 10, 12, 14], [16, 18, 20, 22]]);
    assert.deepEqual(r.big, [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9, 10, 11]]);
    assert.deepEqual([r.keep, r.u, r.sub, r.root], [[0, 1.5, 3, 4.5, 6], "m", 3, 1]);
    assert.deepEqual(leftovers(t.path), []);
  },
});

Deno.test({
  name: "writes into an existing Zarr store add or swap one array, siblings and .zmetadata kept",
  ignore: !ok,
  async fn() {
    await using t = await tempDir();
    await runPython(FIXTURES, t.path);
    const st = `${t.path}/st.zarr`;
    // 5. a new array (and its new parent group): no flag
    await lazy(A).to(`${st}:/n/c`, run);
    // 6. an existing array without overwrite: refused, store byte-identical
    const before = await hashTree(st);
    await assert.rejects(
      lazy(A).to(`${st}:/a`, run),
      /an array "\/a" exists in ".*st\.zarr"; pass overwrite/,
    );
    assert.equal(await hashTree(st), before);
    // 7. replaced with overwrite (a new shape: the consolidated metadata must follow)
    await lazy(A).add(1).to(`${st}:/big`, { ...run, overwrite: true, chunks: [2, 2] });
    const r = await pythonJson<Record<string, unknown>>(
      `
import sys, json, zarr
out = {}
for how, g in (("plain", zarr.open_group(sys.argv[1], mode="r")),
               ("consolidated", zarr.open_consolidated(sys.argv[1], mode="r"))):
    out[how] = {"members": sorted(g.group_keys()) + sorted(g.array_keys()),
      "c": g["n/c"][...].tolist(), "big": g["big"][...].tolist(), "chunks": list(g["big"].chunks),
      "a": g["a"][...].tolist(), "k": g["a"].attrs["k"], "t": g.attrs["t"]}
print(json.dumps(out))
`,
      st,
    );
    for (const how of ["plain", "consolidated"]) {
      const v = r[how] as Record<string, unknown>;
      assert.deepEqual(v.members, ["n", "sub", "a", "big"], how);
      assert.deepEqual(v.c, [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9, 10, 11]], how);
      assert.deepEqual(v.big, [[1, 2, 3, 4], [5, 6, 7, 8], [9, 10, 11, 12]], how);
      assert.deepEqual([v.chunks, v.a, v.k, v.t], [[2, 2], [0, 1, 2, 3], 7, "y"], how);
    }
    assert.deepEqual(leftovers(t.path), []);
    assert.deepEqual(leftovers(st), []);
    assert.deepEqual(leftovers(`${st}/n`), []);
  },
});

Deno.test({
  name: "plain files need overwrite; stale locks and temporaries of dead writers are taken over",
  ignore: !ok,
  async fn() {
    await using t = await tempDir();
    const npy = `${t.path}/x.npy`;
    const arrow = `${t.path}/x.arrow`;
    await lazy(A).to(npy, run);
    await lazy(A).to(arrow, run);
    // 8-9. existing .npy / .arrow: refused byte-identical, replaced with overwrite
    for (const f of [npy, arrow]) {
      const before = await hashTree(f);
      await assert.rejects(lazy(A).add(1).to(f, run), Deno.errors.AlreadyExists);
      assert.equal(await hashTree(f), before);
      await lazy(A).add(1).to(f, { ...run, overwrite: true });
      assert.notEqual(await hashTree(f), before);
    }
    // 10. a live writer's lock (this process): refused, naming the pid
    const held = OutputLock.acquire(`${t.path}/y.npy`);
    await assert.rejects(lazy(A).to(`${t.path}/y.npy`, run), (e: unknown) => {
      assert.ok(e instanceof Deno.errors.Busy);
      assert.match((e as Error).message, new RegExp(`being written by process ${Deno.pid}\\b`));
      return true;
    });
    const host = Deno.readTextFileSync(held.path).trim().split(" ")[1] ?? "";
    held.release();
    // 11. a dead writer's lock and temporaries: taken over and removed; a live one's kept
    const dead = await deadPid();
    Deno.writeTextFileSync(OutputLock.pathOf(`${t.path}/y.npy`), `${dead} ${host}\n`);
    const staleTemp = tempPath(`${t.path}/y.npy`, `${dead}-0000abcd`);
    const liveTemp = tempPath(`${t.path}/y.npy`, `${Deno.pid}-0000beef`);
    Deno.writeTextFileSync(staleTemp, "left by kill -9");
    Deno.writeTextFileSync(liveTemp, "another writer of this process");
    await lazy(A).to(`${t.path}/y.npy`, run);
    assert.deepEqual(leftovers(t.path), [liveTemp.slice(t.path.length + 1)]);
    Deno.removeSync(liveTemp);
    // 12. a stale temporary array inside a Zarr store goes with the next write of that array
    await lazy(A).to(`${t.path}/s.zarr:/g/v`, run);
    const zTemp = tempPath(`${t.path}/s.zarr/g/w`, `${dead}-0000abcd`);
    Deno.mkdirSync(zTemp);
    await lazy(A).to(`${t.path}/s.zarr:/g/w`, run);
    assert.deepEqual(leftovers(`${t.path}/s.zarr/g`), []);
    assert.deepEqual(leftovers(t.path), []);
  },
});

Deno.test({
  name: "tessera refuses to replace without --overwrite: exit 1, one error line, byte-identical",
  ignore: !ok,
  async fn() {
    await using t = await tempDir();
    await runPython(FIXTURES, t.path);
    const cases: [string, RegExp][] = [
      ["multi.h5:/keep", /a dataset "\/keep" exists in "multi\.h5"; pass --overwrite/],
      ["st.zarr:/sub/b", /an array "\/sub\/b" exists in "st\.zarr"; pass --overwrite/],
      ["small.npy", /"small\.npy" exists; pass --overwrite/],
    ];
    for (const [dst, message] of cases) {
      const before = await hashTree(t.path);
      const r = await finished(cli(t.path, "convert", "small.npy", dst));
      assert.equal(r.code, 1, r.stderr);
      assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
      assert.match(r.stderr, new RegExp(`^error: Cannot write "${dst}": ${message.source}`));
      assert.equal(await hashTree(t.path), before, dst);
    }
  },
});

const BIG = `
import sys, numpy as np
np.save(sys.argv[1], (np.arange(4096 * 4096, dtype="f4") % 1013).reshape(4096, 4096))
`;

async function waitFor(test: () => boolean, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!test()) {
    if (Date.now() > end) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 10));
  }
}

Deno.test({
  name: "SIGTERM and SIGINT mid-convert exit 143 and 130 and leave no temporary or lock",
  ignore: !ok,
  async fn() {
    await using t = await tempDir();
    await runPython(BIG, `${t.path}/big.npy`);
    for (const [signal, code] of [["SIGTERM", 143], ["SIGINT", 130]] as const) {
      const p = cli(t.path, "convert", "big.npy", "out.h5:/x", "-q", "--memory", "16MiB");
      await waitFor(() => leftovers(t.path).some((n) => n.includes(".tessera-tmp-")));
      try {
        p.kill(signal);
      } catch { /* already finished */ }
      const r = await finished(p);
      assert.deepEqual(leftovers(t.path), [], signal);
      if (r.code === 0) {
        // the write (faster with native codecs) ended before the signal
        // landed: then its output is there and complete
        assert.ok([...Deno.readDirSync(t.path)].some((e) => e.name === "out.h5"), signal);
        await Deno.remove(`${t.path}/out.h5`);
        continue;
      }
      assert.equal(r.code, code, `${signal}: ${r.stderr}`);
      assert.deepEqual([...Deno.readDirSync(t.path)].map((e) => e.name), ["big.npy"], signal);
    }
  },
});

Deno.test({
  name: "two writers of one new output: one is refused naming the other, the other completes",
  ignore: !ok,
  async fn() {
    await using t = await tempDir();
    await runPython(BIG, `${t.path}/big.npy`);
    const args = ["convert", "big.npy", "c.h5:/x", "-q", "--memory", "16MiB"];
    const first = cli(t.path, ...args);
    await waitFor(() => leftovers(t.path).includes(".c.h5.tessera-lock"));
    const second = await finished(cli(t.path, ...args));
    const one = await finished(first);
    assert.equal(one.code, 0, one.stderr);
    assert.equal(second.code, 1, second.stderr);
    assert.match(
      second.stderr,
      // or, when the first (no fsync since the durability rule) finished before the second
      // looked: refused as an existing object
      new RegExp(
        `^error: Cannot write "c\\.h5:/x": (it is being written by process ${first.pid}|` +
          `a dataset "/x" exists in "c\\.h5")`,
      ),
    );
    const same = await runPython(
      `import sys, h5py, numpy as np
with h5py.File(sys.argv[1] + "/c.h5") as f:
    print(np.array_equal(f["x"][...], np.load(sys.argv[1] + "/big.npy")))`,
      t.path,
    );
    assert.equal(same.trim(), "True");
    assert.deepEqual(leftovers(t.path), []);
  },
});

/** Delays in [lo, hi) seconds from a fixed seed (mulberry32). */
function delays(n: number, seed: number, lo: number, hi: number): number[] {
  let a = seed;
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    a = (a + 0x6d2b79f5) | 0;
    let x = Math.imul(a ^ (a >>> 15), 1 | a);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    out.push(lo + (((x ^ (x >>> 14)) >>> 0) / 4294967296) * (hi - lo));
  }
  return out;
}

async function killPoints(
  dir: string,
  container: string,
  check: string,
  extra: string[],
): Promise<Record<string, number>> {
  const seen: Record<string, number> = {};
  const expect: Record<string, string> = {};
  // the points are spread over the time an uncut write of /big takes here and now, so that
  // they land mid-write on a quiet machine and a loaded one alike
  const t0 = performance.now();
  const uncut = await finished(
    cli(dir, "convert", "big.npy", `${container}:/big`, "-q", "--overwrite", ...extra),
  );
  assert.equal(uncut.code, 0, uncut.stderr);
  const took = (performance.now() - t0) / 1000;
  const points = delays(10, container.length, 0.1 * took, 0.95 * took);
  for (let i = 0; i < points.length; i++) {
    // even points replace /big (old or new), odd points add /k<i> (absent or new)
    const object = i % 2 === 0 ? "/big" : `/k${i}`;
    const name = object.slice(1);
    expect[name] = `${dir}/big.npy`;
    const p = cli(
      dir,
      "convert",
      "big.npy",
      `${container}:${object}`,
      "-q",
      ...extra,
      ...(
        i % 2 === 0 ? ["--overwrite"] : []
      ),
    );
    await new Promise((r) => setTimeout(r, points[i] * 1000));
    // killed mid-write when its temporary exists (beside the file, or inside the store)
    const mine = `.tessera-tmp-${p.pid}-`;
    const mid = [dir, `${dir}/${container}`].some((d) =>
      Deno.statSync(d).isDirectory && [...Deno.readDirSync(d)].some((e) => e.name.includes(mine))
    );
    try {
      p.kill("SIGKILL");
    } catch {
      // already finished
    }
    await p.output();
    const states = JSON.parse(
      await runPython(check, `${dir}/${container}`, JSON.stringify(expect)),
    );
    for (const [n, s] of Object.entries(states)) {
      assert.ok(
        !String(s).startsWith("partial"),
        `kill ${i} at ${points[i].toFixed(3)} s: ${n} is ${s}`,
      );
      if (n !== "big") assert.notEqual(s, "old");
      if (n === "big") assert.notEqual(s, "absent", `kill ${i}: /big lost`);
    }
    seen[states[name]] = (seen[states[name]] ?? 0) + 1;
    if (mid) seen.midWrite = (seen.midWrite ?? 0) + 1;
    // a finished object stays finished
    for (const [n, s] of Object.entries(states)) if (s === "absent") delete expect[n];
  }
  // the next write (uncut) removes what the killed ones left
  const last = await finished(
    cli(dir, "convert", "big.npy", `${container}:/big`, "-q", "--overwrite", ...extra),
  );
  assert.equal(last.code, 0, last.stderr);
  return seen;
}

Deno.test({
  name: "kill -9 at 10 points of writes into an existing HDF5 file: siblings intact, no partial",
  ignore: !ok,
  async fn() {
    await using t = await tempDir();
    await runPython(FIXTURES, t.path);
    await runPython(BIG, `${t.path}/big.npy`);
    const seen = await killPoints(t.path, "multi.h5", CHECK_H5, []);
    assert.ok((seen.midWrite ?? 0) >= 3, JSON.stringify(seen));
    assert.deepEqual(leftovers(t.path), []);
    const final = JSON.parse(
      await runPython(CHECK_H5, `${t.path}/multi.h5`, JSON.stringify({ big: `${t.path}/big.npy` })),
    );
    assert.deepEqual(final, { big: "new" });
  },
});

Deno.test({
  name: "kill -9 at 10 points of writes into an existing Zarr store: siblings intact, no partial",
  ignore: !ok,
  async fn() {
    await using t = await tempDir();
    await runPython(FIXTURES, t.path);
    await runPython(BIG, `${t.path}/big.npy`);
    const seen = await killPoints(t.path, "st.zarr", CHECK_ZARR, [
      "--codec",
      "none",
      "--chunks",
      "512,4096",
    ]);
    assert.ok((seen.midWrite ?? 0) >= 3, JSON.stringify(seen));
    assert.deepEqual(leftovers(t.path), []);
    // the killed writers' temporary arrays inside the store went with the last write of /big;
    // those of the /k<i> arrays stay until their next write (they are hidden from listings)
    assert.deepEqual(leftovers(`${t.path}/st.zarr`).filter((n) => n.startsWith(".big.")), []);
    const final = JSON.parse(
      await runPython(
        CHECK_ZARR,
        `${t.path}/st.zarr`,
        JSON.stringify({ big: `${t.path}/big.npy` }),
      ),
    );
    assert.deepEqual(final, { big: "new" });
  },
});

const LAUNCHERS: [string, string[]][] = [
  ["mpiexec.mpich", ["-n", "2"]],
  ["mpirun.openmpi", ["--allow-run-as-root", "--oversubscribe", "-n", "2"]],
];

Deno.test({
  name:
    "a rank that ends an MPI job mid-write removes rank 0's temporary and lock (both launchers)",
  ignore: !LAUNCHERS.some(([cmd]) => hasCommand(cmd)),
  async fn() {
    await using t = await tempDir();
    const code = `
      import { init } from "${ROOT}/dist/mod.ts";
      import { lazy } from "${ROOT}/stream/lazy.ts";
      import { zeros } from "${ROOT}/core/ndarray.ts";
      const world = await init();
      let n = 0;
      await lazy(zeros([2048, 2048]), { chunks: [128, 2048] }).add(1).to("${t.path}/out.npy", {
        comm: world,
        onProgress: () => { if (world.rank === 1 && ++n === 3) Deno.exit(3); },
      });`;
    for (const [cmd, args] of LAUNCHERS.filter(([c]) => hasCommand(c))) {
      const r = await new Deno.Command(cmd, {
        args: [...args, Deno.execPath(), "eval", code],
        stdout: "piped",
        stderr: "piped",
      }).output();
      assert.notEqual(r.code, 0, cmd);
      assert.match(dec.decode(r.stderr), /\[rank 1\/2\] Deno\.exit\(3\) called/, cmd);
      assert.deepEqual([...Deno.readDirSync(t.path)], [], cmd);
    }
  },
});
