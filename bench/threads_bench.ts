// Threads against ranks on a compute-bound pipeline: std(exp(sin(x))) over a
// float64 .npy (256 MiB by default, in the page cache after the first read),
// computed by one process on 1 thread, one process on 2 threads (compute
// workers), and 2 MPI ranks of 1 thread (`mpiexec.mpich -n 2`). Each
// configuration is a fresh process that times `repeats` in-process runs
// after one warm-up (the median is kept); the configurations are interleaved
// round by round, and the machine's load average is printed before and
// after. The results' bits are compared: they must be the same in every
// configuration. The CPU seconds of each run (every thread of every rank) are
// printed too, against one thread's (the threads' and ranks' overhead), and
// the time its threads spent runnable but waiting for a CPU: on a loaded
// machine wall times favour the MPI ranks, which the launcher starts in
// sessions of their own (Linux's autogroup shares the CPU between sessions,
// not between the threads of one process).
//
//   deno run -A bench/threads_bench.ts                 # 256 MiB, 3 rounds
//   deno run -A bench/threads_bench.ts --mib 64 --rounds 5 --repeats 5
//
// With `--child` the script measures one configuration and prints one JSON line.

import { parseArgs } from "node:util";
import { loadavg } from "node:os";
import { cpuUsage } from "node:process";
import { writeNpy } from "../io/npy.ts";
import { rand } from "../core/random.ts";
import { open } from "../stream/mod.ts";

const { values: opts } = parseArgs({
  args: Deno.args,
  options: {
    mib: { type: "string", default: "256" },
    rounds: { type: "string", default: "3" },
    repeats: { type: "string", default: "3" },
    threads: { type: "string", default: "1" },
    file: { type: "string", default: "" },
    child: { type: "boolean", default: false },
  },
});

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function hex(x: number): string {
  const b = new DataView(new ArrayBuffer(8));
  b.setFloat64(0, x);
  return b.getBigUint64(0).toString(16).padStart(16, "0");
}

/**
 * Seconds this process's threads have spent runnable but waiting for a CPU
 * (Linux schedstat; 0 elsewhere): how much the machine's other work took.
 */
function runQueueWait(): number {
  let ns = 0;
  try {
    for (const t of Deno.readDirSync("/proc/self/task")) {
      ns += Number(Deno.readTextFileSync(`/proc/self/task/${t.name}/schedstat`).split(" ")[1]);
    }
  } catch {
    return 0;
  }
  return ns / 1e9;
}

async function child(): Promise<void> {
  const { init } = await import("../dist/comm.ts");
  const comm = await init();
  using x = await open(opts.file);
  const y = x.sin().exp().std();
  const threads = Number(opts.threads);
  const times: number[] = [];
  let value = 0;
  let cpu = 0;
  let waited = 0;
  for (let i = 0; i <= Number(opts.repeats); i++) {
    const w0 = runQueueWait();
    comm.barrier();
    const t0 = performance.now();
    const c0 = cpuUsage();
    value = (await y.compute({ comm, threads })).get() as number;
    comm.barrier();
    const c1 = cpuUsage(c0);
    if (i > 0) {
      times.push((performance.now() - t0) / 1000);
      cpu += (c1.user + c1.system) / 1e6;
      waited += runQueueWait() - w0;
    }
  }
  const waitAll = comm.allgatherJson(waited / Number(opts.repeats)).reduce((a, b) => a + b, 0);
  // CPU seconds of a run, every thread of every rank: what the machine's load cannot change
  const cpuAll = comm.allgatherJson(cpu / Number(opts.repeats)).reduce((a, b) => a + b, 0);
  if (comm.rank === 0) {
    const plan = y.plan({ threads });
    console.log(JSON.stringify({
      seconds: median(times),
      min: Math.min(...times),
      max: Math.max(...times),
      bits: hex(value),
      cpu: cpuAll,
      waited: waitAll,
      blocks: plan.passes[0].chunks,
      planThreads: plan.passes[0].threads,
    }));
  }
  await comm[Symbol.asyncDispose]?.();
}

interface Config {
  readonly name: string;
  readonly cmd: string[];
}

async function runConfig(c: Config): Promise<Record<string, number | string>> {
  const out = await new Deno.Command(c.cmd[0], {
    args: c.cmd.slice(1),
    stdout: "piped",
    stderr: "inherit",
  }).output();
  const line = new TextDecoder().decode(out.stdout).trim().split("\n").findLast((l) =>
    l.startsWith("{")
  );
  if (!out.success || !line) throw new Error(`${c.name} failed (exit ${out.code})`);
  return JSON.parse(line);
}

async function main(): Promise<void> {
  const mib = Number(opts.mib);
  const file = await Deno.makeTempFile({ prefix: "tessera-threads-", suffix: ".npy" });
  try {
    const cols = 4096;
    const rows = Math.round((mib * 1024 * 1024) / 8 / cols);
    await writeNpy(file, rand([rows, cols], { seed: 1 }));
    const bytes = rows * cols * 8;
    const self = new URL(import.meta.url).pathname;
    const args = ["run", "-A", self, "--child", "--file", file, "--repeats", opts.repeats];
    const deno = Deno.execPath();
    const configs: Config[] = [
      { name: "1 rank x 1 thread", cmd: [deno, ...args, "--threads", "1"] },
      { name: "1 rank x 2 threads", cmd: [deno, ...args, "--threads", "2"] },
      {
        name: "2 ranks x 1 thread",
        cmd: ["mpiexec.mpich", "-n", "2", deno, ...args, "--threads", "1"],
      },
    ];
    const load0 = loadavg();
    console.log(
      `std(exp(sin(x))) over ${(bytes / 2 ** 20).toFixed(0)} MiB float64 [${rows},${cols}], ` +
        `${opts.rounds} interleaved rounds, median of ${opts.repeats} runs each; ` +
        `load average before ${
          load0.map((l) => l.toFixed(2)).join(" ")
        }, ${navigator.hardwareConcurrency} cores`,
    );
    const seconds = new Map<string, number[]>();
    const cpus = new Map<string, number[]>();
    const bits = new Set<string>();
    for (let r = 0; r < Number(opts.rounds); r++) {
      for (const c of configs) {
        const row = await runConfig(c);
        bits.add(String(row.bits));
        const list = seconds.get(c.name) ?? [];
        list.push(Number(row.seconds));
        seconds.set(c.name, list);
        const list2 = cpus.get(c.name) ?? [];
        list2.push(Number(row.cpu));
        cpus.set(c.name, list2);
        console.log(
          `  round ${r + 1} ${c.name}: ${Number(row.seconds).toFixed(3)} s, ${
            Number(row.cpu).toFixed(3)
          } CPU s, ${Number(row.waited).toFixed(3)} s waiting for a CPU (${row.blocks} blocks, ` +
            `${row.planThreads} planned threads, load ${loadavg()[0].toFixed(2)})`,
        );
      }
    }
    const base = median(seconds.get(configs[0].name)!);
    // the CPU a configuration spends beyond one thread's on the same work (its overhead)
    const baseCpu = median(cpus.get(configs[0].name)!);
    console.log(
      "configuration          median s  GB/s   speed-up  (min-max s)      CPU s  CPU / 1 thread's",
    );
    for (const c of configs) {
      const s = seconds.get(c.name)!;
      const m = median(s);
      const cpu = median(cpus.get(c.name)!);
      console.log(
        `${c.name.padEnd(22)} ${m.toFixed(3).padStart(8)}  ${
          (bytes / m / 1e9).toFixed(2).padStart(5)
        }  ${(base / m).toFixed(2).padStart(7)}x  (${Math.min(...s).toFixed(3)}-${
          Math.max(...s).toFixed(3)
        })  ${cpu.toFixed(3)}  ${(cpu / baseCpu).toFixed(2)}`,
      );
    }
    const load1 = loadavg();
    console.log(
      `load average after ${load1.map((l) => l.toFixed(2)).join(" ")}; results ${
        bits.size === 1 ? "identical bits in every configuration" : `DIFFER: ${[...bits].join(" ")}`
      }`,
    );
  } finally {
    await Deno.remove(file).catch(() => {});
  }
}

if (opts.child) await child();
else await main();
