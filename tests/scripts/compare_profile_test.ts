// bench/compare.ts --profile (bench/_compare_profile.ts): the profiled command
// line, and the summary of a real `deno run --cpu-prof` run.

import assert from "node:assert/strict";
import { profile, profiledArgv, profileText } from "../../bench/_compare_profile.ts";

const deno = Deno.execPath();

Deno.test("profiledArgv puts --cpu-prof after `deno run`, under mpiexec too, and spells out `deno task demo`", () => {
  assert.deepEqual(profiledArgv([deno, "run", "-A", "x.ts", "--op", "sum0"], "/p"), [
    deno,
    "run",
    "--cpu-prof",
    "--cpu-prof-dir=/p",
    "-A",
    "x.ts",
    "--op",
    "sum0",
  ]);
  const mpi = profiledArgv(["mpiexec.mpich", "-n", "2", deno, "run", "-A", "x.ts"], "/p");
  assert.deepEqual(mpi?.slice(0, 6), ["mpiexec.mpich", "-n", "2", deno, "run", "--cpu-prof"]);
  const demo = profiledArgv([deno, "task", "demo", "--rows", "64"], "/p")!;
  assert.deepEqual(demo.slice(0, 4), [deno, "run", "--cpu-prof", "--cpu-prof-dir=/p"]);
  assert(demo.includes("examples/demo.ts"), demo.join(" "));
  assert.deepEqual(demo.slice(-2), ["--rows", "64"]);
  assert.deepEqual(profiledArgv(["/usr/bin/python3", "peer.py"], "/p"), null);
});

Deno.test("profile sums the self time of the main thread and a worker by kind and function", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const worker = `${dir}/w.ts`;
    await Deno.writeTextFile(
      worker,
      `function spinInWorker(ms: number) { const t = performance.now(); let x = 0;
         while (performance.now() - t < ms) for (let i = 0; i < 1e6; i++) x += Math.sqrt(i); return x; }
       spinInWorker(300); self.postMessage("done"); self.close();`,
    );
    const main = `${dir}/main.ts`;
    await Deno.writeTextFile(
      main,
      `function spinOnMain(ms: number) { const t = performance.now(); let x = 0;
         while (performance.now() - t < ms) for (let i = 0; i < 1e6; i++) x += Math.sqrt(i); return x; }
       const w = new Worker(new URL("./w.ts", import.meta.url), { type: "module" });
       const done = new Promise((r) => w.onmessage = r);
       spinOnMain(300); await done; w.terminate();`,
    );
    const p = (await profile({ tool: "t", argv: [deno, "run", "-A", main], out: `${dir}/none` }))!;
    assert(p !== null && p.error === undefined, JSON.stringify(p));
    assert(p.threads >= 1, `threads ${p.threads}`);
    assert(p.user !== null && p.user > 0.2 && p.sys !== null, `user ${p.user}, sys ${p.sys}`);
    const names = p.top.map((t) => t.what).join("; ");
    assert(names.includes("spinOnMain (main.ts)"), names);
    assert(p.busy.some((b) => b.what === "main" && b.s > 0.2), JSON.stringify(p.busy));
    assert(
      p.kinds.some((k) => k.what === "Tessera TypeScript" && k.s > 0.2),
      JSON.stringify(p.kinds),
    );
    const text = profileText("case, tool", p);
    assert(text.startsWith("- **case, tool**: profiled run"), text);
    assert(text.includes("Top functions (self time): "), text);
    assert(/CPU [\d.]+ s user \+ [\d.]+ s kernel/.test(text), text);
    // perf's view too, where `perf record` works on this machine
    const perf = await new Deno.Command("perf", {
      args: ["record", "-q", "-o", "/dev/null", "--", "true"],
      stdout: "null",
      stderr: "null",
    }).output().then((o) => o.success, () => false);
    if (perf) {
      assert(p.perf !== undefined && p.perf.dsos.length > 0, JSON.stringify(p.perf));
      assert(text.includes("perf (every thread, user and kernel): "), text);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
