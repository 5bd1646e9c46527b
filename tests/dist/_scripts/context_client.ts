// A client for tests/dist/context_test.ts: starts 2 engines under
// mpiexec.mpich, prints their pids and the launcher's as one JSON line, then
// either exits without closing the context ("exit") or waits to be killed
// with kill -9 ("wait").

import { Context } from "../../../dist/context.ts";

const ctx = await Context.start({ engines: 2, launcher: "mpiexec.mpich", output: "null" });
await ctx.ones([4]);
console.log(JSON.stringify([...ctx.pids, ctx.launcherPid]));
if (Deno.args[0] === "exit") Deno.exit(0);
await new Promise((r) => setTimeout(r, 60_000));
