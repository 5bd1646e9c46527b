// An uncaught error on one rank must end the whole MPI job: printed once
// with its rank, every rank gone within seconds, including ranks blocked in
// a collective. A normal single-process test that launches 3-rank jobs.

import assert from "node:assert/strict";
import { hasCommand, ROOT } from "../_util.ts";

const SCRIPT = `${ROOT}/tests/dist/_scripts/abort.ts`;
const LIMIT_MS = 20_000;

/** Pids of live processes whose command line contains `token`. */
function processesWith(token: string): number[] {
  const found: number[] = [];
  for (const entry of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(entry.name)) continue;
    try {
      const cmdline = Deno.readTextFileSync(`/proc/${entry.name}/cmdline`);
      if (cmdline.includes(token) && cmdline.includes("abort.ts")) found.push(Number(entry.name));
    } catch {
      // exited meanwhile
    }
  }
  return found;
}

async function runAbortJob(launcher: string[], mode: "throw" | "reject"): Promise<void> {
  const token = `tessera-abort-${crypto.randomUUID()}`;
  await new Deno.Command(Deno.execPath(), { args: ["cache", SCRIPT] }).output();
  const started = performance.now();
  const out = await new Deno.Command("timeout", {
    args: ["60", ...launcher, "-n", "3", Deno.execPath(), "run", "-A", SCRIPT, mode, token],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const elapsed = performance.now() - started;
  const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
  // give the launcher's cleanup a moment, then look for stragglers
  let left = processesWith(token);
  for (let i = 0; i < 20 && left.length > 0; i++) {
    await new Promise((r) => setTimeout(r, 100));
    left = processesWith(token);
  }
  for (const pid of left) {
    try {
      Deno.kill(pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
  assert.notEqual(out.code, 0, text);
  assert.notEqual(out.code, 124, `the job hung until the 60 s timeout:\n${text}`);
  assert.ok(elapsed < LIMIT_MS, `the job took ${Math.round(elapsed)} ms:\n${text}`);
  const message = `[rank 1/3] Error: Deliberate failure "${token}"`;
  assert.equal(text.split(message).length - 1, 1, text);
  assert.ok(!text.includes("which it must not"), text);
  assert.deepEqual(left, [], `deno processes left behind: ${left.join(", ")}`);
}

Deno.test({
  name: "init() under mpiexec.mpich aborts every rank when one throws",
  ignore: !hasCommand("mpiexec.mpich"),
  fn: () => runAbortJob(["mpiexec.mpich"], "throw"),
});

Deno.test({
  name: "init() under mpiexec.mpich aborts every rank on an unhandled rejection",
  ignore: !hasCommand("mpiexec.mpich"),
  fn: () => runAbortJob(["mpiexec.mpich"], "reject"),
});

Deno.test({
  name: "init() under mpirun.openmpi aborts every rank when one throws",
  ignore: !hasCommand("mpirun.openmpi"),
  fn: () => runAbortJob(["mpirun.openmpi", "--allow-run-as-root", "--oversubscribe"], "throw"),
});
