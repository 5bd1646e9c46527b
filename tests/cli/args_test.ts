// cli/_args.ts: the command-line grammar of tessera (no CLI library).

import assert from "node:assert/strict";
import { parseArgv } from "../../cli/_args.ts";
import { UsageError } from "../../cli/_session.ts";
import { PROGRAM } from "../../cli/main.ts";

function run(...argv: string[]) {
  const p = parseArgv(PROGRAM, argv);
  if (p.kind !== "run") throw new Error(`expected a command, got ${p.kind}`);
  return p;
}

Deno.test("parseArgv() reads arguments, values in every form, flags and defaults", () => {
  const r = run("reduce", "mean", "a.npy", "--axis", "-1", "--keepdims", "-o", "x.npy", "-q");
  assert.deepEqual(r.args, ["mean", "a.npy"]);
  assert.deepEqual(r.options, { axis: "-1", keepdims: true, output: "x.npy", quiet: true });
  assert.deepEqual(run("reduce", "sum", "--axis=0,1", "-ox.h5:/a", "a.npy").options, {
    axis: "0,1",
    output: "x.h5:/a",
  });
  const m = run("map", "u + v", "u=a.npy", "v=b.npy", "-o", "c.npy", "--", "--w=x.npy");
  assert.deepEqual(m.args, ["u + v", ["u=a.npy", "v=b.npy", "--w=x.npy"]]);
  const p = run("plot", "-o", "p.png");
  assert.deepEqual(p.args, [undefined]);
  assert.deepEqual(p.options, { cmap: "viridis", maxPixels: "1000", output: "p.png" });
});

Deno.test("parseArgv() answers help and version, and refuses bad command lines", () => {
  assert.equal(parseArgv(PROGRAM, ["--version"]).kind, "version");
  const help = parseArgv(PROGRAM, ["convert", "--help"]);
  assert.ok(help.kind === "help" && !help.error && /--codec <codec>/.test(help.text));
  const none = parseArgv(PROGRAM, []);
  assert.ok(none.kind === "help" && none.error && /Usage: tessera/.test(none.text));
  const bad: [string[], RegExp][] = [
    [["frob"], /^unknown command 'frob'$/],
    [["reduc"], /^unknown command 'reduc'\n\(Did you mean reduce\?\)$/],
    [["--frob"], /^unknown option '--frob'$/],
    [["reduce", "mean", "a.npy", "--frob=1"], /^unknown option '--frob'$/],
    [["reduce", "mean"], /^missing required argument 'src'$/],
    [["reduce", "mean", "a.npy", "b.npy"], /^too many arguments for 'reduce'/],
    [["reduce", "mean", "a.npy", "--axis"], /^option '--axis <a,b>' argument missing$/],
    [["reduce", "mean", "a.npy", "--keepdims=yes"], /^option '--keepdims' takes no argument$/],
    [["map", "u"], /^missing required argument 'bindings'$/],
    [["map", "u", "u=a.npy"], /^required option '-o, --output <dst>' not specified$/],
  ];
  for (const [argv, message] of bad) {
    assert.throws(() => parseArgv(PROGRAM, argv), (e: unknown) => {
      assert.ok(e instanceof UsageError, argv.join(" "));
      assert.match((e as Error).message, message);
      return true;
    });
  }
});
