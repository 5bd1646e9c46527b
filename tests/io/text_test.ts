// Small-array text IO against NumPy's savetxt / loadtxt (issue 14): NumPy
// reads what saveTxt writes, loadTxt reads what NumPy writes, with the same
// values and shapes; bad input is a typed error naming the file and line.

import assert from "node:assert/strict";
import { FormatError } from "../../core/errors.ts";
import { arange, fromArray } from "../../core/ndarray.ts";
import { loadTxt, saveTxt } from "../../io/text.ts";
import { hasPython, pythonJson, tempDir } from "../_util.ts";

const ok = hasPython("numpy");

Deno.test({
  name: "saveTxt writes what NumPy's savetxt writes, and loadtxt reads it back",
  ignore: !ok,
  fn: async () => {
    await using dir = await tempDir();
    const d = dir.path;
    const a = fromArray([[1.5, -2, 1e-300], [NaN, Infinity, -Infinity], [0.1, 123456789.125, -0]]);
    const cases: [string, Parameters<typeof saveTxt>[2]][] = [
      ["default", {}],
      ["f3", { fmt: "%.3f", delimiter: "," }],
      ["e5", { fmt: "%.5e", delimiter: "\t", header: "a b\nc", footer: "end", comments: "% " }],
    ];
    for (const [name, opts] of cases) await saveTxt(`${d}/${name}.txt`, a, opts);
    await saveTxt(`${d}/i.txt`, arange(5, undefined, undefined, "int32"), { fmt: "%d" });
    const out = await pythonJson<Record<string, unknown>>(
      `
import json, sys, numpy as np
d = sys.argv[1]
a = np.array([[1.5, -2, 1e-300], [np.nan, np.inf, -np.inf], [0.1, 123456789.125, -0.0]])
res = {}
for name, kw in [("default", {}), ("f3", dict(fmt="%.3f", delimiter=",")),
                 ("e5", dict(fmt="%.5e", delimiter="\\t", header="a b\\nc", footer="end", comments="% "))]:
    np.savetxt(f"{d}/np_{name}.txt", a, **kw)
    res[name] = open(f"{d}/{name}.txt").read() == open(f"{d}/np_{name}.txt").read()
np.savetxt(f"{d}/np_i.txt", np.arange(5, dtype="i4"), fmt="%d")
res["i"] = open(f"{d}/i.txt").read() == open(f"{d}/np_i.txt").read()
print(json.dumps(res))
`,
      d,
    );
    assert.deepEqual(out, { default: true, f3: true, e5: true, i: true });
  },
});

Deno.test({
  name: "loadTxt reads what NumPy's savetxt writes, with loadtxt's shapes and options",
  ignore: !ok,
  fn: async () => {
    await using dir = await tempDir();
    const d = dir.path;
    const want = await pythonJson<Record<string, { shape: number[]; values: unknown }>>(
      `
import json, sys, numpy as np
d = sys.argv[1]
rng = np.random.default_rng(3)
m = rng.standard_normal((6, 4))
np.savetxt(f"{d}/m.txt", m)
np.savetxt(f"{d}/m.csv", m, delimiter=",", header="w x y z")
np.savetxt(f"{d}/col.txt", m[:, 0])
np.savetxt(f"{d}/row.txt", m[:1])
np.savetxt(f"{d}/ints.txt", np.arange(12).reshape(3, 4), fmt="%d")
out = {}
def put(k, a): out[k] = {"shape": list(a.shape), "values": a.tolist()}
put("m", np.loadtxt(f"{d}/m.txt"))
put("csv", np.loadtxt(f"{d}/m.csv", delimiter=","))
put("cols", np.loadtxt(f"{d}/m.txt", usecols=(0, -1)))
put("skip", np.loadtxt(f"{d}/m.txt", skiprows=2))
put("col", np.loadtxt(f"{d}/col.txt"))
put("col2", np.loadtxt(f"{d}/col.txt", ndmin=2))
put("row", np.loadtxt(f"{d}/row.txt"))
put("row2", np.loadtxt(f"{d}/row.txt", ndmin=2))
put("ints", np.loadtxt(f"{d}/ints.txt", dtype="i8"))
print(json.dumps(out))
`,
      d,
    );
    const got = {
      m: await loadTxt(`${d}/m.txt`),
      csv: await loadTxt(`${d}/m.csv`, { delimiter: "," }),
      cols: await loadTxt(`${d}/m.txt`, { usecols: [0, -1] }),
      skip: await loadTxt(`${d}/m.txt`, { skiprows: 2 }),
      col: await loadTxt(`${d}/col.txt`),
      col2: await loadTxt(`${d}/col.txt`, { ndmin: 2 }),
      row: await loadTxt(`${d}/row.txt`),
      row2: await loadTxt(`${d}/row.txt`, { ndmin: 2 }),
      ints: await loadTxt(`${d}/ints.txt`, { dtype: "int64" }),
    };
    for (const [k, a] of Object.entries(got)) {
      assert.deepEqual(a.shape, want[k].shape, k);
      const values = k === "ints"
        ? JSON.parse(JSON.stringify(a.toArray(), (_, v) => typeof v === "bigint" ? Number(v) : v))
        : a.toArray();
      assert.deepEqual(values, want[k].values, k);
    }
  },
});

Deno.test("loadTxt and saveTxt refuse bad input with typed errors naming the file and line", async () => {
  await using dir = await tempDir();
  const d = dir.path;
  await Deno.writeTextFile(`${d}/ragged.txt`, "1 2 3\n4 5\n");
  await Deno.writeTextFile(`${d}/word.txt`, "1 2\n3 x\n");
  await Deno.writeTextFile(`${d}/frac.txt`, "1 2.5\n");
  await assert.rejects(
    loadTxt(`${d}/ragged.txt`),
    (e) =>
      e instanceof FormatError && /ragged\.txt/.test(e.message) &&
      /line 2 has 2 values/.test(e.message),
  );
  await assert.rejects(
    loadTxt(`${d}/word.txt`),
    (e) => e instanceof FormatError && /line 2: cannot read "x"/.test(e.message),
  );
  await assert.rejects(loadTxt(`${d}/frac.txt`, { dtype: "int32" }), FormatError);
  await assert.rejects(loadTxt(`${d}/word.txt`, { skip: 1 } as never), /unknown option "skip"/);
  await assert.rejects(loadTxt(`${d}/word.txt`, { skiprows: -1 }), RangeError);
  await assert.rejects(loadTxt(`${d}/word.txt`, { usecols: [5] }), RangeError);
  await assert.rejects(loadTxt(`${d}/none.txt`), Deno.errors.NotFound);
  const a = fromArray([1, 2]);
  await assert.rejects(saveTxt(`${d}/o.txt`, a, { fmt: "%x" }), /unsupported fmt "%x"/);
  await assert.rejects(saveTxt(`${d}/o.txt`, [1, 2] as never), TypeError);
  await assert.rejects(saveTxt(`${d}/o.txt`, a.reshape([1, 1, 2])), RangeError);
  assert.deepEqual([...Deno.readDirSync(d)].map((e) => e.name).sort(), [
    "frac.txt",
    "ragged.txt",
    "word.txt",
  ]);
});
