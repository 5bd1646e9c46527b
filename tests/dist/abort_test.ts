// Any way one rank ends early must end the whole MPI job: every rank gone
// within 10 s (including ranks blocked in a collective), a non-zero exit, and
// the cause printed once with its rank. One case per way to end and launcher,
// mostly with 2 ranks, one 3-rank case per launcher. A normal single-process
// test that launches the jobs itself (tests/dist/_scripts/abort.ts).

import assert from "node:assert/strict";
import { hasCommand, ROOT } from "../_util.ts";

const SCRIPT = `${ROOT}/tests/dist/_scripts/abort.ts`;
const LIMIT_MS = 10_000;

const LAUNCHERS = [
  { name: "mpiexec.mpich", cmd: ["mpiexec.mpich"] },
  { name: "mpirun.openmpi", cmd: ["mpirun.openmpi", "--allow-run-as-root", "--oversubscribe"] },
] as const;

type Mode =
  | "throw"
  | "reject"
  | "using-throw"
  | "exit1"
  | "using-exit1"
  | "exit0"
  | "SIGTERM"
  | "SIGINT"
  | "SIGKILL"
  | "blocked-SIGTERM"
  | "blocked-SIGINT"
  | "clean";

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

let cached = false;

interface Job {
  code: number;
  text: string;
  elapsed: number;
  left: number[];
}

/**
 * Runs the script under `launcher`; for a signal mode, sends the signal to
 * rank 1 once it is ready (to rank 0, blocked in the allreduce, for the
 * `blocked-` modes).
 */
async function runJob(launcher: readonly string[], ranks: number, mode: Mode, token: string) {
  if (!cached) {
    await new Deno.Command(Deno.execPath(), { args: ["cache", SCRIPT] }).output();
    cached = true;
  }
  const blocked = mode.startsWith("blocked-");
  const signal = mode.includes("SIG") ? mode.replace("blocked-", "") as Deno.Signal : null;
  const scriptMode = blocked ? "blocked" : mode === "SIGKILL" ? "kill" : signal ? "signal" : mode;
  const target = blocked ? 0 : 1;
  const started = performance.now();
  const child = new Deno.Command("timeout", {
    args: [
      "60",
      ...launcher,
      "-n",
      `${ranks}`,
      Deno.execPath(),
      "run",
      "-A",
      SCRIPT,
      scriptMode,
      token,
    ],
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const decoder = new TextDecoder();
  let text = "";
  let sent = false;
  const collect = async (stream: ReadableStream<Uint8Array>): Promise<void> => {
    for await (const chunk of stream) {
      text += decoder.decode(chunk, { stream: true });
      const ready = text.match(new RegExp(`ready ${target} (\\d+) "${token}"`));
      if (signal && ready && !sent) {
        sent = true;
        // a rank that said it is ready is (within a moment) waiting for the signal
        await new Promise((r) => setTimeout(r, blocked ? 500 : 0));
        Deno.kill(Number(ready[1]), signal);
      }
    }
  };
  const [status] = await Promise.all([child.status, collect(child.stdout), collect(child.stderr)]);
  const elapsed = performance.now() - started;
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
  if (signal) assert.ok(sent, `rank ${target} never said it was ready:\n${text}`);
  return { code: status.code, text, elapsed, left } satisfies Job;
}

/** What rank 1 must print exactly once for each way to end. */
function expectedMessage(mode: Mode, ranks: number, token: string): string | RegExp {
  const at = `[rank 1/${ranks}] `;
  switch (mode) {
    case "throw":
    case "reject":
    case "using-throw":
      return `${at}Error: Deliberate failure "${token}"`;
    case "exit1":
    case "using-exit1":
      return `${at}Deno.exit(3) called: ending the job`;
    case "exit0":
      return `${at}Deno.exit(0) called while rank 0 did not reach the end`;
    case "SIGTERM":
    case "SIGINT":
      return `${at}Received ${mode}: ending the job`;
    case "SIGKILL": // no last words: the launcher reports the death
      return /signal 9\b/;
    case "blocked-SIGTERM": // killed inside libmpi, where no listener runs: the launcher reports it
      return /signal 15\b/;
    case "blocked-SIGINT":
      return /signal 2\b/;
    case "clean":
      return "";
  }
}

async function abortCase(launcher: readonly string[], ranks: number, mode: Mode): Promise<void> {
  const token = `tessera-abort-${crypto.randomUUID()}`;
  const { code, text, elapsed, left } = await runJob(launcher, ranks, mode, token);
  assert.notEqual(code, 124, `the job hung until the 60 s timeout:\n${text}`);
  assert.ok(elapsed < LIMIT_MS, `the job took ${Math.round(elapsed)} ms:\n${text}`);
  assert.deepEqual(left, [], `deno processes left behind: ${left.join(", ")}`);
  assert.ok(!text.includes("which it must not"), text);
  const message = expectedMessage(mode, ranks, token);
  if (mode === "clean") {
    assert.equal(code, 0, text);
    assert.ok(!text.includes("[rank "), text);
    assert.equal(text.split(" clean 2").length - 1, ranks, text);
    return;
  }
  assert.notEqual(code, 0, text);
  if (typeof message === "string") {
    assert.equal(text.split(message).length - 1, 1, `expected "${message}" once:\n${text}`);
    assert.equal(text.split("[rank ").length - 1, text.split("[rank 1/").length - 1, text);
  } else {
    assert.match(text, message);
  }
}

const CASES: [Mode, number, string][] = [
  ["throw", 3, "aborts every rank when one throws (3 ranks)"],
  ["using-throw", 2, "aborts every rank when one throws inside `await using`"],
  ["reject", 2, "aborts every rank on an unhandled rejection"],
  ["exit1", 2, "aborts every rank when one calls Deno.exit(3)"],
  ["using-exit1", 2, "aborts every rank when one calls Deno.exit(3) inside `await using`"],
  ["exit0", 2, "aborts every rank when one calls Deno.exit(0) while another waits"],
  ["SIGTERM", 2, "aborts every rank when one receives SIGTERM"],
  ["SIGINT", 2, "aborts every rank when one receives SIGINT"],
  ["SIGKILL", 2, "ends every rank when one is killed with SIGKILL"],
  ["blocked-SIGTERM", 2, "ends every rank when one blocked in a collective receives SIGTERM"],
  ["blocked-SIGINT", 2, "ends every rank when one blocked in a collective receives SIGINT"],
  ["clean", 2, "exits 0 when every rank disposes the world and calls Deno.exit(0)"],
];

for (const { name, cmd } of LAUNCHERS) {
  for (const [mode, ranks, what] of CASES) {
    Deno.test({
      name: `init() under ${name} ${what}`,
      ignore: !hasCommand(cmd[0]),
      fn: () => abortCase(cmd, ranks, mode),
    });
  }
}
