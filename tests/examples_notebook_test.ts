// Executes examples/tessera.ipynb headless with Deno's Jupyter kernel and
// Debian's nbconvert, then checks the executed notebook's outputs: no error,
// display outputs with their PNGs and the expected text, the Context's
// engines gone afterwards, the notebook's temporary folder removed.
//
// The kernelspec is installed by `deno jupyter --install` into a private data
// folder (XDG_DATA_HOME of a temporary directory, found through JUPYTER_PATH)
// under a name of its own, then its argv is pointed at Deno.execPath(): the
// kernel runs this very deno even when none is on PATH (deno from npx). The
// user's own kernelspecs are not touched, so the test is idempotent.
//
// Cells run through tests/_deno_nbexec.py, nbconvert's ExecutePreprocessor
// with one change: Deno's kernel may publish a cell's outputs just after its
// `idle` status, which stock nbclient would drop.
//
//   deno test -A tests/examples_notebook_test.ts

import assert from "node:assert/strict";
import { hasCommand, hasPython, ROOT, tempDir } from "./_util.ts";

const LIMIT_S = 300;
const KERNEL = "tessera-test-deno";

interface Output {
  readonly "output_type": string;
  readonly name?: string;
  readonly text?: string | string[];
  readonly data?: Record<string, string | string[]>;
  readonly ename?: string;
  readonly evalue?: string;
}

interface Cell {
  readonly "cell_type": string;
  readonly source: string | string[];
  readonly "execution_count"?: number | null;
  readonly outputs?: Output[];
}

const join = (x: string | string[] | undefined): string => Array.isArray(x) ? x.join("") : x ?? "";

async function run(cmd: string[], env: Record<string, string>, cwd = ROOT): Promise<string> {
  const r = await new Deno.Command("timeout", {
    args: [String(LIMIT_S), ...cmd],
    cwd,
    env,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  const out = dec.decode(r.stdout) + dec.decode(r.stderr);
  assert.notEqual(r.code, 124, `${cmd.join(" ")} timed out after ${LIMIT_S} s:\n${out}`);
  assert.equal(r.code, 0, `${cmd.join(" ")} failed:\n${out}`);
  return dec.decode(r.stdout);
}

/** The data of a cell's display outputs (execute_result, display_data), by MIME type. */
function displays(cell: Cell): Record<string, string>[] {
  return (cell.outputs ?? [])
    .filter((o) => o.output_type === "execute_result" || o.output_type === "display_data")
    .map((o) => Object.fromEntries(Object.entries(o.data ?? {}).map(([k, v]) => [k, join(v)])));
}

function stdout(cell: Cell): string {
  return (cell.outputs ?? []).filter((o) => o.output_type === "stream").map((o) => join(o.text))
    .join("");
}

function pngCount(html: string): number {
  return (html.match(/src="data:image\/png;base64,iVBORw0KGgo/g) ?? []).length;
}

const ready = () =>
  hasCommand("jupyter-nbconvert") && hasCommand("ncgen") && hasCommand("mpiexec.mpich") &&
  hasPython("nbclient", "nbconvert", "jupyter_client");

Deno.test({
  name: "examples/tessera.ipynb runs headless in Deno's kernel and shows its arrays",
  ignore: !ready(),
  async fn() {
    await using tmp = await tempDir("tessera-notebook-test-");
    const data = `${tmp.path}/xdg`;
    const env = {
      XDG_DATA_HOME: data,
      JUPYTER_PATH: `${data}/jupyter`,
      JUPYTER_RUNTIME_DIR: `${tmp.path}/runtime`,
      PYTHONPATH: `${ROOT}/tests`,
      NO_COLOR: "1",
    };
    await run([Deno.execPath(), "jupyter", "--install", "--force", "--name", KERNEL], env);
    const specPath = `${data}/jupyter/kernels/${KERNEL}/kernel.json`;
    const spec = JSON.parse(await Deno.readTextFile(specPath));
    assert.deepEqual(spec.argv.slice(1), ["jupyter", "--kernel", "--conn", "{connection_file}"]);
    spec.argv[0] = Deno.execPath();
    await Deno.writeTextFile(specPath, JSON.stringify(spec, null, 1));
    const specs = JSON.parse(await run(["jupyter", "kernelspec", "list", "--json"], env));
    assert.equal(specs.kernelspecs[KERNEL]?.resource_dir, `${data}/jupyter/kernels/${KERNEL}`);

    await run([
      "jupyter",
      "nbconvert",
      "--to",
      "notebook",
      "--Exporter.preprocessors",
      "_deno_nbexec.DenoExecutePreprocessor",
      "--DenoExecutePreprocessor.enabled=True",
      `--DenoExecutePreprocessor.kernel_name=${KERNEL}`,
      "--DenoExecutePreprocessor.timeout=240",
      "--output-dir",
      tmp.path,
      `${ROOT}/examples/tessera.ipynb`,
    ], env);
    const nb = JSON.parse(await Deno.readTextFile(`${tmp.path}/tessera.ipynb`));
    const code: Cell[] = nb.cells.filter((c: Cell) => c.cell_type === "code");
    code.forEach((c, i) => {
      assert.equal(c.execution_count, i + 1, `cell ${i + 1} did not run`);
      const err = (c.outputs ?? []).find((o) => o.output_type === "error");
      assert.equal(err, undefined, `cell ${i + 1}: ${err?.ename}: ${err?.evalue}`);
    });
    const cell = (marker: string): Cell => {
      const found = code.filter((c) => join(c.source).includes(marker));
      assert.equal(found.length, 1, `one cell with ${marker}`);
      return found[0];
    };
    const one = (marker: string): Record<string, string> => {
      const d = displays(cell(marker));
      assert.equal(d.length, 1, `one display in the cell with ${marker}: ${JSON.stringify(d)}`);
      return d[0];
    };

    // NDArray: NumPy's repr and a heatmap
    const nd = one("a.sqrt()");
    assert.match(nd["text/plain"], /^array\(\[\[0\.\s+, 1\.\s+, 1\.41421356/);
    assert.equal(pngCount(nd["text/html"]), 1);

    // LazyArrays of a .npy and a netCDF variable, and the reduction
    const ramp = one("ramp.npy");
    assert.match(
      ramp["text/html"],
      /<b>LazyArray<\/b> <code>float64<\/code> shape <code>\[6, 10\]/,
    );
    const folder = /source<\/th><td[^>]*>([^<]*)\/ramp\.npy/.exec(ramp["text/html"])?.[1];
    assert.ok(folder, "the .npy's folder is shown");
    const t2m = one(":/t2m`)");
    assert.match(t2m["text/html"], /LazyArray<\/b> <code>float32<\/code> shape <code>\[4, 5, 8\]/);
    assert.match(t2m["text/html"], /chunks<\/th><td[^>]*>\[1,5,8\]/);
    const clim = one("t2m.mean(");
    // the mean over time as xarray gives it (README: `tessera reduce mean t2m.nc:/t2m --axis 0`)
    assert.match(clim["text/plain"], /^array\(\[\[268\.9\s*, 270\.31\s*, 270\.9\s*, 270\.39334/);
    assert.equal(pngCount(clim["text/html"]), 1);

    // the plot, as an image/png output
    const plot = one("Deno.jupyter.image(");
    const png = Uint8Array.from(atob(plot["image/png"]), (c) => c.charCodeAt(0));
    assert.deepEqual([...png.subarray(1, 4)], [0x50, 0x4e, 0x47]); // "PNG"
    assert.ok(png.length > 2000);

    // a DistArray in the kernel's process
    const local = one("DistArray.fromFunction(comm");
    assert.match(local["text/plain"], /^DistArray float64 \[8, 12\] Distribution\[8,12\]\(bc\)/);
    assert.match(local["text/html"], /axis 1<\/th><td[^>]*>c: cyclic, grid 1/);
    assert.match(local["text/html"], /alt="which rank owns what"/);
    assert.equal(pngCount(local["text/html"]), 2);

    // the Context and a proxy of an array on its 2 engines
    const ctx = one("Context.start(");
    const pids = /engine pids (\d+) (\d+), launcher pid (\d+)/.exec(ctx["text/plain"]);
    assert.ok(pids, ctx["text/plain"]);
    assert.match(ctx["text/plain"], /^Context: 2 engines, working/);
    const proxy = one("ctx.fromFunction(");
    assert.match(
      proxy["text/plain"],
      /^DistArrayProxy float64 \[32, 48\] Distribution\[32,48\]\(c4n\) grid \[2,1\] over 2 of 2 ranks\narray\(\[\[ 0\./,
    );
    const html = proxy["text/html"];
    assert.match(html, /axis 0<\/th><td[^>]*>c: block-cyclic, block 4, grid 2/);
    assert.match(html, /local shapes<\/th><td[^>]*>rank 0: \[16, 48\]; rank 1: \[16, 48\]/);
    assert.equal(pngCount(html), 2); // heatmap and which rank owns what
    assert.doesNotMatch(html, /no summary/);

    let sum = 0;
    for (let i = 0; i < 32; i++) {
      for (let j = 0; j < 48; j++) sum += (Math.sin(i / 5) * Math.cos(j / 7)) ** 2;
    }
    const reduce = stdout(cell("ctx.apply("));
    assert.match(reduce, new RegExp(`sum of squares ${sum.toFixed(6)}\n`));
    assert.match(reduce, /engine 0: local block \[16,48\]\nengine 1: local block \[16,48\]/);

    // closing: no engine left, the temporary folder removed
    assert.match(stdout(cell("ctx.close()")), /engines still running after close\(\): 0/);
    for (const pid of pids.slice(1)) {
      const alive = await Deno.stat(`/proc/${pid}`).then(() => true, () => false);
      const cmd = alive ? await Deno.readTextFile(`/proc/${pid}/cmdline`).catch(() => "") : "";
      assert.ok(!/_engine\.ts|mpiexec/.test(cmd), `process ${pid} still runs: ${cmd}`);
    }
    assert.equal(await Deno.stat(folder).then(() => true, () => false), false);
  },
});
