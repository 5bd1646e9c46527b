// `tessera map` with absurd expressions: a 5000-term sum and 300 nested
// parentheses are refused with exit 2 and one "error:" line (never "Maximum
// call stack size exceeded"), leaving no output; a 1000-term sum, the most
// operators an expression may have, runs and gives NumPy's value.
//
// Counts: 3 CLI runs (a sum past the operator limit, a nest past the depth limit,
// a sum of 1001 terms: 1000 operators, the limit).
//
//   deno test -A tests/reliability/expr_cli_test.ts

import assert from "node:assert/strict";
import { arange, readNpy, writeNpy } from "../../mod.ts";
import { MAX_EXPRESSION_OPERATIONS } from "../../stream/expr.ts";
import { type CliRun, listing, runCli, tempDir } from "../_util.ts";

function tessera(cwd: string, ...args: string[]): Promise<CliRun> {
  return runCli(args, cwd);
}

Deno.test("tessera map refuses a 5000-term sum and 300 nested parentheses with exit 2 and one error line", async () => {
  await using dir = await tempDir("tessera-expr-");
  await writeNpy(`${dir.path}/a.npy`, arange(6, undefined, undefined, "float64"));
  const cases: [string, RegExp][] = [
    [Array(5000).fill("a").join("+"), /more than 1000 operators and calls/],
    ["(".repeat(300) + "a" + ")".repeat(300), /nested more than 200 levels deep/],
  ];
  for (const [expr, why] of cases) {
    const r = await tessera(dir.path, "map", "-q", expr, "a=a.npy", "-o", "out.npy");
    assert.equal(r.code, 2, r.stderr);
    const lines = r.stderr.split("\n").filter((l) => l.startsWith("error:"));
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0], why);
    assert.doesNotMatch(r.stderr, /Maximum call stack/);
    // the expression is shown as a window around the caret, not 10,000 characters
    assert.ok(r.stderr.length < 600, `${r.stderr.length} characters of stderr`);
    assert.deepEqual(listing(dir.path), ["a.npy"]);
  }
});

Deno.test("tessera map runs a sum of MAX_EXPRESSION_OPERATIONS + 1 terms", async () => {
  await using dir = await tempDir("tessera-expr-");
  await writeNpy(`${dir.path}/a.npy`, arange(6, undefined, undefined, "float64"));
  const n = MAX_EXPRESSION_OPERATIONS + 1;
  const r = await tessera(
    dir.path,
    "map",
    "-q",
    Array(n).fill("a").join("+"),
    "a=a.npy",
    "-o",
    "out.npy",
  );
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, "");
  // a + a + ... + a of small integers is exact: n * a, as NumPy gives it
  assert.deepEqual(
    (await readNpy(`${dir.path}/out.npy`)).toArray(),
    [0, 1, 2, 3, 4, 5].map((x) => x * n),
  );
});
