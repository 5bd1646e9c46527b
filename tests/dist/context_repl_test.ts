// The client/engine model from `deno repl` (issue 14: "works from a script,
// deno repl and deno jupyter"; the notebook is tests/examples_notebook_test.ts):
// a session typed into the REPL starts engines, computes on them, closes
// them, and leaves no engine behind.

import assert from "node:assert/strict";
import { hasCommand, IN_CI, ROOT } from "../_util.ts";

Deno.test({
  name: "a Context session typed into deno repl computes on 2 engines and ends them",
  ignore: !hasCommand("mpiexec.mpich") && !IN_CI,
  async fn() {
    const session = [
      `import { Context } from ${JSON.stringify(`file://${ROOT}/mod.ts`)};`,
      `const ctx = await Context.start({ engines: 2, launcher: "mpiexec.mpich" });`,
      `const x = await ctx.fromFunction([6, 4], ([i, j]) => 10 * i + j, { dist: "bn" });`,
      `console.log("SUM", (await x.sum()).get());`,
      `console.log("ROWS", JSON.stringify(await ctx.apply((local) => local.shape[0], [x])));`,
      `console.log("PIDS", JSON.stringify(ctx.pids ?? []));`,
      `await ctx.close();`,
      `close();`,
    ].join("\n") + "\n";
    const p = new Deno.Command(Deno.execPath(), {
      args: ["repl", "-A"],
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
      env: { NO_COLOR: "1" },
    }).spawn();
    const w = p.stdin.getWriter();
    await w.write(new TextEncoder().encode(session));
    await w.close();
    const r = await p.output();
    const out = new TextDecoder().decode(r.stdout);
    assert.match(out, /^SUM 636$/m, out + new TextDecoder().decode(r.stderr));
    assert.match(out, /^ROWS \[3,3\]$/m, out);
    // no engine left: no process runs the engine script
    const left = [...Deno.readDirSync("/proc")].filter((e) => /^\d+$/.test(e.name)).filter((e) => {
      try {
        const cmd = Deno.readTextFileSync(`/proc/${e.name}/cmdline`);
        return cmd.includes("_engine.ts") && cmd.includes("--connect");
      } catch {
        return false;
      }
    });
    assert.deepEqual(left.map((e) => e.name), []);
  },
});
