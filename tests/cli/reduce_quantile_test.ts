// `tessera reduce median|quantile|percentile` end to end: the CLI as a
// subprocess on a .npy made by NumPy, its output checked against NumPy.

import assert from "node:assert/strict";
import { hasPython, pythonJson, ROOT, tempDir, withoutDownloads } from "../_util.ts";

const MAIN = `${ROOT}/cli/main.ts`;

async function tessera(cwd: string, ...args: string[]) {
  const r = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", MAIN, ...args],
    cwd,
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  const dec = new TextDecoder();
  return { code: r.code, stdout: dec.decode(r.stdout), stderr: withoutDownloads(r.stderr) };
}

Deno.test({
  name: "tessera reduce median/percentile/quantile print NumPy's values; bad --q is a usage error",
  ignore: !hasPython("numpy"),
  async fn() {
    await using dir = await tempDir();
    const want = await pythonJson<Record<string, number | number[]>>(
      `
import json, sys, numpy as np
a = np.random.default_rng(5).standard_normal((300, 70))
a[7, 9] = np.nan
np.save(sys.argv[1] + "/x.npy", a)
print(json.dumps({"median": np.nanmedian(a), "p90": np.nanpercentile(a, 90),
  "q": np.nanquantile(a, [0.1, 0.5]).tolist(), "median_i": float(np.median(np.arange(11)))}))
`,
      dir.path,
    );
    const med = await tessera(
      dir.path,
      "reduce",
      "median",
      "--skipna",
      "x.npy",
      "--memory",
      "64KiB",
    );
    assert.equal(med.code, 0, med.stderr);
    assert.equal(Number(med.stdout.trim()), want.median);
    const nan = await tessera(dir.path, "reduce", "median", "x.npy");
    assert.equal(nan.stdout.trim(), "nan");
    const p = await tessera(dir.path, "reduce", "percentile", "--q", "90", "--skipna", "x.npy");
    assert.equal(p.code, 0, p.stderr);
    assert.equal(Number(p.stdout.trim()), want.p90);
    const q = await tessera(dir.path, "reduce", "quantile", "--q", "0.1,0.5", "--skipna", "x.npy");
    assert.equal(q.code, 0, q.stderr);
    const rows = q.stdout.trim().split("\n").slice(1).map((l) => Number(l.trim().split(/\s+/)[1]));
    assert.deepEqual(rows, want.q);
    const missing = await tessera(dir.path, "reduce", "percentile", "x.npy");
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /Missing --q for "percentile"/);
    const bad = await tessera(dir.path, "reduce", "percentile", "--q", "120", "x.npy");
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /Invalid q 120/);
    const notq = await tessera(dir.path, "reduce", "mean", "--q", "5", "x.npy");
    assert.equal(notq.code, 2);
    assert.match(notq.stderr, /only quantile and percentile take it/);
    const help = await tessera(dir.path, "reduce", "--help");
    assert.match(help.stdout.replace(/\s+/g, " "), /median, quantile, percentile/);
  },
});
