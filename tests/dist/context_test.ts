// Context (dist/context.ts): a client in this test process drives DistArrays
// on engines it launches under mpiexec.mpich (2 engines), Open MPI's mpirun
// (one case), or alone without MPI (one engine). Results equal the SPMD
// DistArray/NDArray results and NumPy's; apply runs on every engine's local
// block; an engine killed with kill -9 or a command that throws gives an
// EngineError within 10 s; close leaves no process behind. A normal
// single-process test file (it launches the engines itself).

import assert from "node:assert/strict";
import {
  type Comm,
  Context,
  DistArray,
  DistArrayProxy,
  EngineError,
  SelfComm,
} from "../../dist/mod.ts";
import { fromArray, type NDArray } from "../../core/ndarray.ts";
import { rand } from "../../core/random.ts";
import { hasCommand, hasPython, pythonJson, ROOT } from "../_util.ts";

const MPICH = hasCommand("mpiexec.mpich");
const OPENMPI = hasCommand("mpirun.openmpi");
const LIMIT_MS = 10_000;

/** Whether a process is alive (a zombie counts as gone). */
function alive(pid: number): boolean {
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    return !/^\d+ \(.*\) Z/.test(stat);
  } catch {
    return false;
  }
}

/**
 * Asserts that the engines and the launcher of a context are gone (within 5 s):
 * `ps` lists none of them but zombies (an engine whose launcher was killed is
 * reparented to PID 1, which in a container may never reap it).
 */
async function assertGone(pids: readonly number[]): Promise<void> {
  const deadline = Date.now() + 5000;
  while (pids.some(alive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  assert.deepEqual(pids.filter(alive), [], `left running: ${pids}`);
  let ps: Deno.CommandOutput;
  try {
    ps = new Deno.Command("ps", { args: ["-o", "pid=,stat=", "-p", pids.join(",")] }).outputSync();
  } catch {
    return; // no ps: /proc said enough
  }
  const running = new TextDecoder().decode(ps.stdout).split("\n")
    .filter((l) => /^\s*\d+\s+[^Z]/.test(l));
  assert.deepEqual(running, [], `left running (ps): ${pids}`);
}

function pidsOf(ctx: Context): number[] {
  return [...ctx.pids, ...(ctx.launcherPid ? [ctx.launcherPid] : [])];
}

async function numpy<T>(expr: string, data: unknown): Promise<T> {
  return await pythonJson<T>(
    `import json, sys, numpy as np\na = np.array(json.loads(sys.argv[1]))\nprint(json.dumps(${expr}))`,
    JSON.stringify(data),
  );
}

function close(a: number[], b: number[], what: string) {
  assert.equal(a.length, b.length, what);
  a.forEach((x, i) => assert.ok(Math.abs(x - b[i]) <= 1e-12 * Math.max(1, Math.abs(b[i])), what));
}

async function checkResults(ctx: Context): Promise<void> {
  const a = await ctx.random("rand", [7, 5], { seed: 5 });
  const local = rand([7, 5], { seed: 5 });
  assert.ok(a instanceof DistArrayProxy);
  assert.deepEqual(a.shape, [7, 5]);
  assert.deepEqual((await a.toNDArray()).toArray(), local.toArray());
  // element-wise ops stay remote; reductions come back
  const b = await (await a.mul(3)).add(await ctx.fromNDArray(local, { dist: "cn" }));
  assert.deepEqual((await b.toNDArray()).toArray(), local.mul(3).add(local).toArray());
  assert.deepEqual((await b.sum({ axis: 0 })).toArray(), local.mul(4).sum({ axis: 0 }).toArray());
  assert.equal((await a.std()).get(), local.std().get());
  assert.equal(await a.get([6, 4]), local.get(6, 4));
  // scans stay remote and equal the SPMD ones (NumPy's values: tests/dist/scan_mpi_test.ts)
  const cs = await a.cumsum({ axis: 0 });
  assert.ok(cs instanceof DistArrayProxy);
  const spmd = DistArray.fromNDArray(new SelfComm(), local).cumsum({ axis: 0 }).toNDArray()!;
  assert.deepEqual((await cs.toNDArray()).toArray(), spmd.toArray());
  const s = await a.slice("1:6:2, 3");
  assert.deepEqual((await s.toNDArray()).toArray(), local.slice("1:6:2, 3").toArray());
  if (hasPython("numpy")) {
    const data = local.toArray();
    close(
      (await (await a.sqrt()).mean({ axis: 1 })).toArray() as number[],
      await numpy<number[]>("np.sqrt(a).mean(axis=1).tolist()", data),
      "sqrt().mean(axis=1)",
    );
    close(
      [(await a.var({ ddof: 1 })).get() as number],
      [await numpy<number>("a.var(ddof=1)", data)],
      "var(ddof=1)",
    );
  }
  // apply: every engine's local block
  const sizes = await ctx.apply((block: NDArray) => block.size, [a]);
  assert.equal(sizes.length, ctx.engines);
  assert.equal(sizes.reduce((x, y) => x + y, 0), 35);
  const sums = await ctx.apply(
    (
      block: NDArray,
      k: number,
      e: { rank: number; comm: { allreduceNumber(x: number): number } },
    ) => [e.rank, e.comm.allreduceNumber(block.size * k)],
    [a, 2],
  );
  assert.deepEqual(sums, Array.from({ length: ctx.engines }, (_, r) => [r, 70]));
}

Deno.test({
  name: "Context.start() without MPI runs one engine whose results equal the SPMD ones",
  fn: async () => {
    const ctx = await Context.start({ engines: 1, launcher: null });
    const pids = pidsOf(ctx);
    await checkResults(ctx);
    await ctx.close();
    await assertGone(pids);
  },
});

Deno.test({
  name: "Context.start() under mpiexec.mpich: 2 engines give the SPMD and NumPy results",
  ignore: !MPICH,
  fn: async () => {
    let pids: number[];
    {
      await using ctx = await Context.start({ engines: 2, launcher: "mpiexec.mpich" });
      pids = pidsOf(ctx);
      assert.equal(ctx.engines, 2);
      assert.deepEqual((await ctx.ping()).map((p) => p.rank), [0, 1]);
      await checkResults(ctx);
    }
    await assertGone(pids);
  },
});

Deno.test({
  name: "Context results above resultLimitBytes stay on the engines as proxies",
  ignore: !MPICH,
  fn: async () => {
    await using ctx = await Context.start({
      engines: 2,
      launcher: "mpiexec.mpich",
      resultLimitBytes: 16,
      transport: "unix",
    });
    const a = await ctx.fromFunction([6, 4], ([i, j]) => i * j);
    const small = await a.sum({ axis: 1, keepdims: false }).then((r) => r as unknown);
    assert.ok(small instanceof DistArrayProxy, "6 float64 are 48 bytes > 16");
    assert.deepEqual((await small.toNDArray()).toArray(), [0, 6, 12, 18, 24, 30]);
    assert.equal((await a.max()).get(), 15); // one float64: 8 bytes come back
    small.free();
    assert.deepEqual((await ctx.ping()).map((p) => p.arrays), [1, 1]);
  },
});

Deno.test({
  name: "Context under mpirun.openmpi --allow-run-as-root --oversubscribe",
  ignore: !OPENMPI,
  fn: async () => {
    const ctx = await Context.start({
      engines: 2,
      launcher: ["mpirun.openmpi", "--allow-run-as-root", "--oversubscribe"],
    });
    const pids = pidsOf(ctx);
    await checkResults(ctx);
    await ctx.close();
    await assertGone(pids);
  },
});

Deno.test({
  name: "Context: a command that throws on every engine is an EngineError; the context still works",
  ignore: !MPICH,
  fn: async () => {
    await using ctx = await Context.start({ engines: 2, launcher: "mpiexec.mpich" });
    const a = await ctx.ones([4, 3]);
    const e = await assert.rejects(a.sum({ axis: 5 }), EngineError) as unknown;
    await assert.rejects(a.sum({ axis: 5 }), (e: EngineError) => {
      assert.equal(e.reason, "throw");
      assert.equal(e.rank, 0);
      assert.equal(e.remote?.name, "RangeError");
      return true;
    });
    void e;
    // thrown on engine 1 only, outside any collective
    await assert.rejects(
      ctx.apply((e: { rank: number }) => {
        if (e.rank === 1) throw new TypeError("boom on 1");
        return e.rank;
      }),
      (e: EngineError) => e.rank === 1 && e.remote?.message === "boom on 1",
    );
    assert.equal((await a.sum()).get(), 12);
    assert.equal(ctx.failure, null);
  },
});

Deno.test({
  name: "Context: an engine that throws while the other waits in a collective fails within 10 s",
  ignore: !MPICH,
  fn: async () => {
    const ctx = await Context.start({ engines: 2, launcher: "mpiexec.mpich", output: "null" });
    const pids = pidsOf(ctx);
    const t0 = performance.now();
    await assert.rejects(
      ctx.apply((e: { rank: number; comm: { barrier(): void } }) => {
        if (e.rank === 1) throw new RangeError("no barrier for you");
        e.comm.barrier();
      }),
      (e: EngineError) => e.reason === "throw" && e.rank === 1,
    );
    assert.ok(performance.now() - t0 < LIMIT_MS, `${performance.now() - t0} ms`);
    assert.ok(ctx.failure instanceof EngineError);
    await assert.rejects(ctx.ones([2]), EngineError);
    await ctx.close();
    await assertGone(pids);
  },
});

Deno.test({
  name: "Context: an engine killed with kill -9 fails the pending call within 10 s",
  ignore: !MPICH,
  fn: async () => {
    const ctx = await Context.start({ engines: 2, launcher: "mpiexec.mpich", output: "null" });
    const pids = pidsOf(ctx);
    const a = await ctx.ones([10]);
    const pending = ctx.apply(async () => {
      await new Promise((r) => setTimeout(r, 60_000));
    }, [a]);
    const t0 = performance.now();
    Deno.kill(ctx.pids[1], "SIGKILL");
    await assert.rejects(
      pending,
      (e: EngineError) => e instanceof EngineError && e.reason === "exit",
    );
    assert.ok(performance.now() - t0 < LIMIT_MS, `${performance.now() - t0} ms`);
    await assert.rejects(a.sum(), EngineError);
    await ctx.close();
    await assertGone(pids);
  },
});

Deno.test({
  name: "Context: a call over callTimeoutMs (both engines stuck) fails and ends the engines",
  ignore: !MPICH,
  fn: async () => {
    const ctx = await Context.start({
      engines: 2,
      launcher: "mpiexec.mpich",
      output: "null",
      callTimeoutMs: 1500,
    });
    const pids = pidsOf(ctx);
    assert.equal(await ctx.apply(() => 1).then((v) => v.length), 2);
    const t0 = performance.now();
    // a deadlock: each engine waits for a message the other never sends
    await assert.rejects(
      ctx.apply((e: { rank: number; comm: Comm }) => {
        e.comm.recv(new Float64Array(1), 1 - e.rank);
      }),
      (e: EngineError) => e.reason === "timeout",
    );
    assert.ok(performance.now() - t0 < LIMIT_MS);
    await ctx.close();
    await assertGone(pids);
  },
});

Deno.test({
  name: "Context.attach() drives engines started with --listen; close() ends them",
  ignore: !MPICH,
  fn: async () => {
    const token = crypto.randomUUID();
    const port = 20000 + Math.floor(Math.random() * 20000);
    const job = new Deno.Command("mpiexec.mpich", {
      args: [
        "-n",
        "2",
        Deno.execPath(),
        "run",
        "-A",
        `${ROOT}/dist/_engine.ts`,
        "--listen",
        `127.0.0.1:${port}`,
      ],
      env: { TESSERA_CONTEXT_TOKEN: token },
      stdout: "piped",
      stderr: "inherit",
    }).spawn();
    const reader = job.stdout.pipeThrough(new TextDecoderStream()).getReader();
    let text = "";
    while (!text.includes("listening")) text += (await reader.read()).value ?? "";
    await assert.rejects(Context.attach(`127.0.0.1:${port}`, { token: "wrong" }), EngineError);
    const ctx = await Context.attach(`127.0.0.1:${port}`, { token });
    assert.equal(ctx.engines, 2);
    assert.deepEqual((await (await ctx.fromFunction([5], ([i]) => i * i)).toNDArray()).toArray(), [
      0,
      1,
      4,
      9,
      16,
    ]);
    const pids = [...ctx.pids, job.pid];
    await ctx.close();
    await reader.cancel();
    assert.equal((await job.status).code, 0);
    await assertGone(pids);
  },
});

Deno.test("Context.start() rejects bad options with TypeError/RangeError", async () => {
  await assert.rejects(Context.start({ engines: 0 }), RangeError);
  await assert.rejects(Context.start({ engines: 2, launcher: null }), RangeError);
  await assert.rejects(Context.start({ launcher: [] as string[] }), TypeError);
  // deno-lint-ignore no-explicit-any
  await assert.rejects(Context.start({ transport: "udp" as any }), TypeError);
  await assert.rejects(
    Context.start({ engines: 1, launcher: ["/nonexistent/mpiexec"] }),
    (e: EngineError) => e.reason === "start",
  );
  await assert.rejects(Context.attach("nowhere", { token: "x" }), TypeError);
  void fromArray;
});

for (const mode of ["exit", "kill -9"] as const) {
  Deno.test({
    name: `Context: engines end when their client process ends (${mode})`,
    ignore: !MPICH,
    fn: async () => {
      const child = new Deno.Command(Deno.execPath(), {
        args: [
          "run",
          "-A",
          `${ROOT}/tests/dist/_scripts/context_client.ts`,
          mode === "exit" ? "exit" : "wait",
        ],
        stdout: "piped",
        stderr: "inherit",
      }).spawn();
      const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
      let text = "";
      while (!text.includes("\n")) {
        const { value, done } = await reader.read();
        if (done) break;
        text += value;
      }
      const pids = JSON.parse(text) as number[];
      if (mode === "kill -9") child.kill("SIGKILL");
      await child.status;
      await reader.cancel();
      const t0 = performance.now();
      await assertGone(pids);
      assert.ok(performance.now() - t0 < LIMIT_MS);
    },
  });
}
