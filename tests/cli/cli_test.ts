// End-to-end tests of the `tessera` command line: the CLI runs as a
// subprocess on small files made by numpy, h5py and zarr-python, and its
// outputs are checked with those same tools.

import assert from "node:assert/strict";
import { decodePng } from "../../viz/png.ts";
import { hasPython, listing, pythonJson, ROOT, runCli, runPython, tempDir } from "../_util.ts";

const MAIN = `${ROOT}/cli/main.ts`;
const ok = hasPython("numpy", "h5py", "zarr");

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

function tessera(cwd: string, ...args: string[]): Promise<Result> {
  return runCli(args, cwd);
}

const FIXTURES = `
import numpy as np, h5py, zarr, sys, os
os.chdir(sys.argv[1])
a = np.arange(24, dtype="f8").reshape(4, 6)
np.save("a.npy", a)
np.save("b.npy", (np.arange(6, dtype="f4") * 2).reshape(1, 6))
np.save("n.npy", np.array([1.0, np.nan, 3.0]))
with h5py.File("f.h5", "w") as f:
    f.attrs["title"] = "test"
    d = f.create_dataset("grp/t", data=a.astype("f4"), chunks=(2, 3), compression="gzip", compression_opts=4)
    d.attrs["units"] = "K"
    f.create_dataset("v", data=np.arange(5, dtype="i4"))
g = zarr.open_group("s.zarr", mode="w")
u = g.create_dataset("u", data=a * 10, chunks=(2, 3))
u.attrs["long_name"] = "wind"
g.create_dataset("nanfill", shape=(4,), chunks=(2,), dtype="f4", fill_value=np.nan)
`;

async function fixtures(dir: string): Promise<void> {
  await runPython(FIXTURES, dir);
}

Deno.test({
  name: "tessera --help prints help and exits 0; --version prints the version",
  async fn() {
    await using t = await tempDir();
    const h = await tessera(t.path, "--help");
    assert.equal(h.code, 0);
    assert.match(h.stdout, /Usage: tessera/);
    for (const c of ["info", "convert", "reduce", "map", "plot", "completion"]) {
      assert.match(h.stdout, new RegExp(`\\b${c}\\b`));
    }
    const v = await tessera(t.path, "--version");
    assert.equal(v.code, 0);
    assert.match(v.stdout, /^\d+\.\d+\.\d+/);
    const r = await tessera(t.path, "reduce", "--help");
    assert.equal(r.code, 0);
    assert.match(r.stdout, /--keepdims/);
  },
});

Deno.test({
  name: "tessera completion bash can be sourced by bash",
  async fn() {
    const r = await new Deno.Command("bash", {
      args: [
        "-c",
        `source <("${Deno.execPath()}" run -A "${MAIN}" completion bash) && complete -p tessera`,
      ],
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(r.code, 0, new TextDecoder().decode(r.stderr));
    assert.match(new TextDecoder().decode(r.stdout), /complete .*-F _tessera tessera/);
    // the completion of "tessera red" is "reduce", of "tessera reduce na" the nan- reductions
    const words = await new Deno.Command("bash", {
      args: [
        "-c",
        `source <("${Deno.execPath()}" run -A "${MAIN}" completion bash)
COMP_WORDS=(tessera reduce nanm); COMP_CWORD=2; _tessera; echo "\${COMPREPLY[@]}"`,
      ],
      stdout: "piped",
    }).output();
    assert.equal(new TextDecoder().decode(words.stdout).trim(), "nanmean nanmin nanmax");
  },
});

Deno.test({
  name: "tessera info describes .npy, HDF5 and Zarr arrays and the trees of a file and a store",
  ignore: !ok,
  async fn() {
    await using t = await tempDir();
    await fixtures(t.path);
    const h = await tessera(t.path, "info", "f.h5:/grp/t", "--json");
    assert.equal(h.code, 0, h.stderr);
    const hi = JSON.parse(h.stdout);
    assert.deepEqual([hi.shape, hi.dtype, hi.chunks, hi.codec], [
      [4, 6],
      "float32",
      [2, 3],
      "gzip:4",
    ]);
    assert.deepEqual(hi.attributes, { units: "K" });
    assert.equal(hi.memoryBytes, 96);
    assert.equal(hi.diskBytes, (await Deno.stat(`${t.path}/f.h5`)).size);

    const tree = JSON.parse((await tessera(t.path, "info", "f.h5", "--json")).stdout);
    assert.equal(tree.kind, "tree");
    assert.deepEqual(
      tree.nodes.map((n: { path: string; kind: string }) => `${n.kind} ${n.path}`),
      ["group /", "group /grp", "array /grp/t", "array /v"],
    );
    assert.deepEqual(tree.nodes[0].attributes, { title: "test" });

    const z = JSON.parse((await tessera(t.path, "info", "s.zarr:/u", "--json")).stdout);
    assert.deepEqual([z.shape, z.dtype, z.chunks], [[4, 6], "float64", [2, 3]]);
    assert.deepEqual(z.attributes, { long_name: "wind" });
    const zt = await tessera(t.path, "info", "s.zarr");
    assert.equal(zt.code, 0);
    assert.match(zt.stdout, /\/u\s+array\s+\[4, 6\] float64\s+chunks \[2, 3\]/);
    assert.match(zt.stdout, /@long_name = "wind"/);

    // a NaN fill value is NaN, not JSON's null ("no fill value")
    const nf = await tessera(t.path, "info", "s.zarr:/nanfill");
    assert.match(nf.stdout, /fill value\s+NaN\n/);
    assert.equal(
      JSON.parse((await tessera(t.path, "info", "s.zarr:/nanfill", "--json")).stdout)
        .fillValue,
      "NaN",
    );

    const n = await tessera(t.path, "info", "a.npy");
    assert.equal(n.code, 0);
    assert.match(n.stdout, /shape\s+\[4, 6\]/);
    assert.match(n.stdout, /dtype\s+float64/);
    assert.match(n.stdout, /on disk\s+320 B/);
  },
});

Deno.test({
  name: "tessera reduce prints tables and JSON equal to NumPy's",
  ignore: !ok,
  async fn() {
    await using t = await tempDir();
    await fixtures(t.path);
    const expect = await pythonJson<Record<string, unknown>>(
      `
import numpy as np, h5py, zarr, json, sys, os
os.chdir(sys.argv[1])
a = np.load("a.npy")
t = h5py.File("f.h5")["grp/t"][:]
u = zarr.open("s.zarr")["u"][:]
print(json.dumps({
  "mean": float(a.mean()),
  "std0": t.std(axis=0, ddof=1).astype(float).tolist(),
  "sum": u.sum(axis=(0, 1), keepdims=True).tolist(),
  "argmax": np.argmax(a, axis=-1).tolist(),
  "nanmean": float(np.nanmean(np.load("n.npy"))),
}))
`,
      t.path,
    );
    const m = await tessera(t.path, "reduce", "mean", "a.npy");
    assert.equal(m.code, 0, m.stderr);
    assert.equal(Number(m.stdout.trim()), expect.mean);

    const s = await tessera(
      t.path,
      "reduce",
      "std",
      "f.h5:/grp/t",
      "--axis",
      "0",
      "--ddof",
      "1",
      "--json",
    );
    assert.equal(s.code, 0, s.stderr);
    const sj = JSON.parse(s.stdout);
    assert.deepEqual(sj.shape, [6]);
    (sj.value as number[]).forEach((v, i) => {
      assert.ok(Math.abs(v - (expect.std0 as number[])[i]) < 1e-5, `${v} vs ${expect.std0}`);
    });

    const z = await tessera(
      t.path,
      "reduce",
      "sum",
      "s.zarr:/u",
      "--axis",
      "0,1",
      "--keepdims",
      "--json",
    );
    assert.deepEqual(JSON.parse(z.stdout).value, expect.sum);

    const a = await tessera(t.path, "reduce", "argmax", "a.npy", "--axis", "-1");
    assert.equal(a.code, 0, a.stderr);
    const rows = a.stdout.trim().split("\n").slice(1).map((l) => l.trim().split(/\s+/).map(Number));
    assert.deepEqual(rows.map((r) => r[1]), expect.argmax);

    const n = await tessera(t.path, "reduce", "nanmean", "n.npy");
    assert.equal(Number(n.stdout.trim()), expect.nanmean);
  },
});

Deno.test({
  name: "tessera reduce -o writes .npy, HDF5, Zarr and Arrow results",
  ignore: !ok,
  async fn() {
    await using t = await tempDir();
    await fixtures(t.path);
    for (
      const dst of ["m.npy", "m.h5:/clim/mean", "m.zarr", "m.arrow"]
    ) {
      const r = await tessera(
        t.path,
        "reduce",
        "mean",
        "s.zarr:/u",
        "--axis",
        "0",
        "-o",
        dst,
        "-q",
      );
      assert.equal(r.code, 0, `${dst}: ${r.stderr}`);
      assert.equal(r.stdout, "");
      assert.equal(r.stderr, "");
    }
    const got = await pythonJson<Record<string, number[]>>(
      `
import numpy as np, h5py, zarr, json, sys, os
os.chdir(sys.argv[1])
print(json.dumps({
  "want": (zarr.open("s.zarr")["u"][:].mean(axis=0)).tolist(),
  "npy": np.load("m.npy").tolist(),
  "h5": h5py.File("m.h5")["clim/mean"][:].tolist(),
  "zarr": zarr.open("m.zarr")[:].tolist(),
}))
`,
      t.path,
    );
    assert.deepEqual(got.npy, got.want);
    assert.deepEqual(got.h5, got.want);
    assert.deepEqual(got.zarr, got.want);
    // the Arrow file is read back by the CLI itself (no pyarrow here)
    const back = await tessera(t.path, "reduce", "sum", "m.arrow", "--json");
    assert.equal(back.code, 0, back.stderr);
    assert.equal(JSON.parse(back.stdout).value, got.want.reduce((x, y) => x + y, 0));
  },
});

Deno.test({
  name:
    "tessera convert writes --codec blosc:zstd:5, blosc:lz4:5 and blosc:zlib that zarr-python reads",
  ignore: !ok,
  async fn() {
    await using t = await tempDir();
    await fixtures(t.path);
    const codecs = ["blosc:zstd:5", "blosc:lz4:5", "blosc:zlib"];
    for (const codec of codecs) {
      const dst = `${codec.replace(/:/g, "_")}.zarr`;
      const r = await tessera(t.path, "convert", "a.npy", dst, "--codec", codec, "--chunks", "2,3");
      assert.equal(r.code, 0, `${codec}: ${r.stderr}`);
      const info = await tessera(t.path, "info", dst, "--json");
      assert.equal(info.code, 0, info.stderr);
      assert.equal(JSON.parse(info.stdout).codec, codec === "blosc:zlib" ? "blosc:zlib:5" : codec);
      const back = await tessera(t.path, "reduce", "sum", dst, "--json");
      assert.equal(JSON.parse(back.stdout).value, 276);
    }
    const got = await pythonJson<Record<string, unknown>>(
      `
import numpy as np, zarr, json, sys, os
os.chdir(sys.argv[1])
a = np.load("a.npy")
out = {}
for name in ["blosc_zstd_5.zarr", "blosc_lz4_5.zarr", "blosc_zlib.zarr"]:
    z = zarr.open(name, mode="r")
    out[name] = [z.compressor.cname, z.compressor.clevel, bool((z[:] == a).all())]
print(json.dumps(out))
`,
      t.path,
    );
    assert.deepEqual(got, {
      "blosc_zstd_5.zarr": ["zstd", 5, true],
      "blosc_lz4_5.zarr": ["lz4", 5, true],
      "blosc_zlib.zarr": ["zlib", 5, true],
    });
  },
});

Deno.test({
  name: "tessera convert goes between formats with chunks, codec, dtype and slice",
  ignore: !ok,
  async fn() {
    await using t = await tempDir();
    await fixtures(t.path);
    const runs: string[][] = [
      ["convert", "a.npy", "c.zarr", "--chunks", "2,2", "--codec", "zlib:3"],
      ["convert", "f.h5:/grp/t", "c.npy", "--slice", "1:3,::2", "--dtype", "float64"],
      ["convert", "s.zarr:/u", "c.h5:/x/y", "--codec", "gzip:5", "--chunks", "2,3"],
      ["convert", "a.npy", "c.arrow"],
      ["convert", "c.arrow", "back.npy"],
    ];
    for (const args of runs) {
      const r = await tessera(t.path, ...args);
      assert.equal(r.code, 0, `${args.join(" ")}: ${r.stderr}`);
    }
    const got = await pythonJson<Record<string, unknown>>(
      `
import numpy as np, h5py, zarr, json, sys, os
os.chdir(sys.argv[1])
a = np.load("a.npy")
z = zarr.open("c.zarr")
t = h5py.File("f.h5")["grp/t"][:]
c = np.load("c.npy")
h = h5py.File("c.h5")["x/y"]
print(json.dumps({
  "zarr": bool((z[:] == a).all()), "zchunks": list(z.chunks), "zcodec": z.compressor.codec_id,
  "zlevel": z.compressor.level,
  "npy": bool((c == t[1:3, ::2]).all()), "npydtype": str(c.dtype),
  "h5": bool((h[:] == zarr.open("s.zarr")["u"][:]).all()), "h5chunks": list(h.chunks),
  "h5gzip": [h.compression, h.compression_opts],
  "back": bool((np.load("back.npy") == a).all()),
}))
`,
      t.path,
    );
    assert.deepEqual(got, {
      zarr: true,
      zchunks: [2, 2],
      zcodec: "zlib",
      zlevel: 3,
      npy: true,
      npydtype: "float64",
      h5: true,
      h5chunks: [2, 3],
      h5gzip: ["gzip", 5],
      back: true,
    });
  },
});

Deno.test({
  name: "tessera plot draws a strided heatmap and a distribution map",
  ignore: !ok,
  async fn() {
    await using t = await tempDir();
    await runPython(
      `import numpy as np, sys; np.save(sys.argv[1] + "/c.npy", np.random.default_rng(1).random((3, 300, 500)).astype("f4"))`,
      t.path,
    );
    const r = await tessera(
      t.path,
      "plot",
      "c.npy",
      "--slice",
      "1,:,:",
      "--max-pixels",
      "100",
      "--cmap",
      "magma",
      "-o",
      "p.png",
      "--json",
    );
    assert.equal(r.code, 0, r.stderr);
    const j = JSON.parse(r.stdout);
    assert.deepEqual(j.steps, [3, 5]);
    assert.deepEqual(j.shape, [100, 100]);
    const img = decodePng(await Deno.readFile(`${t.path}/p.png`));
    assert.ok(img.width > 100 && img.height > 100);

    const d = await tessera(
      t.path,
      "plot",
      "--distribution",
      "bc",
      "--shape",
      "16,16",
      "--ranks",
      "4",
      "-o",
      "d.png",
    );
    assert.equal(d.code, 0, d.stderr);
    assert.ok(decodePng(await Deno.readFile(`${t.path}/d.png`)).width > 16);

    const bad = await tessera(t.path, "plot", "c.npy", "-o", "q.png");
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /^error: Cannot plot "c\.npy" of shape \[3,300,500\].*needs 2/);
    assert.deepEqual(listing(t.path), ["c.npy", "d.png", "p.png"]);
  },
});

Deno.test({
  name: "tessera reports errors in one line with exit codes 1 and 2 and leaves no output",
  ignore: !ok,
  async fn() {
    await using t = await tempDir();
    await fixtures(t.path);
    const before = listing(t.path);
    const cases: [string[], number, RegExp][] = [
      [["reduce", "mean", "missing.npy", "-o", "o1.npy"], 1, /^error: .*"missing\.npy"/],
      [["convert", "f.h5:/nope", "o2.npy"], 1, /^error: .*f\.h5.*\/nope/],
      [
        ["info", "data.txt"],
        2,
        /^error: Cannot parse locator "data\.txt": unknown extension ".txt"/,
      ],
      [["convert", "a.npy", "o3.h5"], 2, /^error: .*needs an object path/],
      [
        ["reduce", "mode", "a.npy"],
        2,
        /^error: Unknown reduction "mode": expected one of sum,.*, median, quantile, percentile/,
      ],
      [
        ["reduce", "mean", "a.npy", "--axis", "2", "-o", "o4.npy"],
        2,
        /^error: Invalid --axis 2: "a\.npy" has 2 dimensions/,
      ],
      [["reduce", "mean", "a.npy", "--axis", "x"], 2, /^error: Invalid --axis "x"/],
      [
        ["convert", "a.npy", "o5.npy", "--memory", "8B"],
        1,
        /^error: Cannot write "o5\.npy": Memory budget exceeded/,
      ],
      [["convert", "a.npy", "o6.zarr", "--memory", "lots"], 2, /^error: Invalid --memory/],
      [["convert", "a.npy", "o7.zarr", "--codec", "rar"], 2, /^error: Invalid --codec "rar"/],
      [["convert", "a.npy", "o8.npy", "--slice", "0:2,9"], 2, /^error: Invalid --slice "0:2,9"/],
      [["convert", "a.npy", "o9.zarr", "--dtype", "float128"], 2, /^error: .*float128/],
      [["frobnicate"], 2, /^error: unknown command 'frobnicate'/],
      [["reduce", "mean", "a.npy", "--frob"], 2, /^error: unknown option '--frob'/],
      [["reduce", "mean"], 2, /^error: missing required argument 'src'/],
      [
        ["reduce", "mean", "a.npy", "--axis", "0", "--memory", "16B", "-o", "o10.arrow"],
        1,
        /Memory budget exceeded/,
      ],
    ];
    for (const [args, code, message] of cases) {
      const r = await tessera(t.path, ...args);
      assert.equal(r.code, code, `${args.join(" ")}: ${r.stderr}`);
      assert.match(r.stderr, message, args.join(" "));
      assert.equal(r.stderr.trim().split("\n").length, 1, `one line: ${r.stderr}`);
      assert.ok(!/\n\s+at /.test(r.stderr), "no stack without --debug");
      assert.equal(r.stdout, "");
    }
    assert.deepEqual(listing(t.path), before);
    // --debug adds the stack
    const d = await tessera(t.path, "reduce", "mean", "missing.npy", "--debug");
    assert.equal(d.code, 1);
    assert.match(d.stderr, /\n\s+at /);
    // an existing HDF5 output is not replaced without --overwrite
    await tessera(t.path, "convert", "a.npy", "k.h5:/a");
    const again = await tessera(t.path, "convert", "a.npy", "k.h5:/a");
    assert.equal(again.code, 1);
    assert.match(
      again.stderr,
      /^error: Cannot write "k\.h5:\/a": a dataset "\/a" exists in "k\.h5"; pass --overwrite/,
    );
    assert.equal((await tessera(t.path, "convert", "a.npy", "k.h5:/a", "--overwrite")).code, 0);
  },
});

Deno.test({
  name: "tessera reduce refuses to print a large result and asks for -o",
  ignore: !ok,
  async fn() {
    await using t = await tempDir();
    await runPython(
      `import numpy as np, sys; np.save(sys.argv[1] + "/w.npy", np.ones((2, 2000), "f4"))`,
      t.path,
    );
    const r = await tessera(t.path, "reduce", "sum", "w.npy", "--axis", "0");
    assert.equal(r.code, 2);
    assert.match(
      r.stderr,
      /^error: The result of sum over "w\.npy" has shape \[2000\].*write it with -o FILE/,
    );
    assert.equal(r.stdout, "");
  },
});

Deno.test({
  name: "tessera prints plain progress lines on a non-terminal stderr, none with --quiet",
  ignore: !ok,
  async fn() {
    await using t = await tempDir();
    await fixtures(t.path);
    const run = async (...extra: string[]): Promise<string> => {
      const r = await new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", MAIN, "convert", "a.npy", "o.npy", "--memory", "100B", ...extra],
        cwd: t.path,
        stdout: "piped",
        stderr: "piped",
        env: { TESSERA_PROGRESS_INTERVAL: "0.001" },
      }).output();
      assert.equal(r.code, 0, new TextDecoder().decode(r.stderr));
      return new TextDecoder().decode(r.stderr);
    };
    const lines = (await run()).trim().split("\n");
    assert.ok(lines.length >= 2, lines.join("\n"));
    assert.match(lines[0], /^convert a\.npy: +\d+% \d+\/\d+ chunks .*\/s ETA /);
    // o.npy exists now: replacing it needs --overwrite
    assert.equal(await run("--quiet", "--overwrite"), "");
  },
});

Deno.test({
  name: "tessera map evaluates expressions with broadcasting equal to NumPy's",
  ignore: !ok,
  async fn() {
    await using t = await tempDir();
    await fixtures(t.path);
    const runs: string[][] = [
      ["map", "sqrt(u*u + v*v)", "u=s.zarr:/u", "v=a.npy", "-o", "speed.h5:/speed"],
      ["map", "where(t > 10, t - 10, 0) * b", "t=f.h5:/grp/t", "b=b.npy", "-o", "w.zarr"],
      ["map", "a // 4 % 3 ** 2", "a=a.npy", "-o", "i.npy", "--dtype", "int32"],
    ];
    for (const args of runs) {
      const r = await tessera(t.path, ...args);
      assert.equal(r.code, 0, `${args.join(" ")}: ${r.stderr}`);
    }
    const got = await pythonJson<Record<string, boolean | string>>(
      `
import numpy as np, h5py, zarr, json, sys, os
os.chdir(sys.argv[1])
a = np.load("a.npy"); b = np.load("b.npy"); u = zarr.open("s.zarr")["u"][:]
t = h5py.File("f.h5")["grp/t"][:]
speed = h5py.File("speed.h5")["speed"][:]
w = zarr.open("w.zarr")[:]
i = np.load("i.npy")
print(json.dumps({
  "speed": bool(np.allclose(speed, np.sqrt(u*u + a*a), rtol=0, atol=1e-12)),
  "w": bool(np.array_equal(w, np.where(t > 10, t - 10, 0) * b)), "wdtype": str(w.dtype),
  "i": bool(np.array_equal(i, (a // 4 % 3 ** 2).astype("i4"))), "idtype": str(i.dtype),
}))
`,
      t.path,
    );
    assert.deepEqual(got, { speed: true, w: true, wdtype: "float32", i: true, idtype: "int32" });
  },
});

Deno.test({
  name: "tessera map points at the column of a bad expression and exits 2 with no output",
  ignore: !ok,
  async fn() {
    await using t = await tempDir();
    await fixtures(t.path);
    const before = listing(t.path);
    const cases: [string, string[], number, RegExp][] = [
      ["sqrt(u*u + )", ["u=a.npy"], 12, /expected an expression/],
      ["u + w", ["u=a.npy"], 5, /unknown name "w": bind it as w=LOCATOR/],
      ["frob(u)", ["u=a.npy"], 1, /frob/],
      ["u + n", ["u=a.npy", "n=n.npy"], 3, /Cannot broadcast/],
    ];
    for (const [expr, binds, column, detail] of cases) {
      const r = await tessera(t.path, "map", expr, ...binds, "-o", "out.npy");
      assert.equal(r.code, 2, `${expr}: ${r.stderr}`);
      const lines = r.stderr.split("\n");
      assert.match(
        lines[0],
        new RegExp(`^error: Cannot (parse|evaluate) expression at column ${column}: `),
      );
      assert.match(lines[0], detail);
      assert.equal(lines[1], `  ${expr}`);
      assert.equal(lines[2], `${" ".repeat(column + 1)}^`);
      assert.equal(r.stdout, "");
    }
    const unused = await tessera(t.path, "map", "u + 1", "u=a.npy", "v=b.npy", "-o", "out.npy");
    assert.equal(unused.code, 2);
    assert.match(unused.stderr, /^error: Unused binding "v=b\.npy"/);
    const missing = await tessera(t.path, "map", "u + 1", "u=a.npy");
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /required option '-o, --output <dst>' not specified/);
    assert.deepEqual(listing(t.path), before);
  },
});
