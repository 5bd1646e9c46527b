// The project's test command (`deno task test`):
//   1. installs the system packages the tests need (scripts/deps.ts), or says
//      in one line what to run;
//   2. static checks: deno fmt --check, deno lint, deno check, deno doc --lint, the layers
//      (scripts/check_layers.ts), the doc examples (scripts/check_docs.ts), and no
//      source file over 800 lines;
//   3. every test file (and the doc examples) in one `deno test`;
//   4. every tests/**/*_mpi_test.ts again under each MPI launcher and rank
//      count (one test file per launch, bounded by a timeout);
//   5. prints a final plain line "N passed, N failed".
// With CI=true a missing package or launcher is a failure, never a skip.
//
//   deno task test                 # everything
//   deno task test --static-only   # step 2 only (deno task check)
//   deno task test tests/io        # only test files under a path (plus their MPI runs)

import { ensurePackages } from "./deps.ts";
import { LAZY_NPM_PACKAGES } from "../io/_npm.ts";

const ROOT = new URL("..", import.meta.url).pathname;
const DENO = Deno.execPath();
const IN_CI = Deno.env.get("CI") === "true";
const args = Deno.args.filter((a) => !a.startsWith("--"));
const staticOnly = Deno.args.includes("--static-only");
const skipStatic = Deno.args.includes("--no-static");
/** Folders of library and CLI source, whose files stay within MAX_LINES lines. */
const SOURCE_FOLDERS = ["core", "io", "ffi", "dist", "stream", "cli", "viz"];
const MAX_LINES = 800;

let passed = 0;
let failed = 0;
const failures: string[] = [];

function record(ok: boolean, what: string): void {
  if (ok) passed++;
  else {
    failed++;
    failures.push(what);
  }
}

async function run(
  cmd: string,
  argv: string[],
  opts: { env?: Record<string, string>; timeoutS?: number; quiet?: boolean } = {},
): Promise<{ code: number; out: string; timedOut: boolean }> {
  const child = new Deno.Command(cmd, {
    args: argv,
    cwd: ROOT,
    env: opts.env,
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let timedOut = false;
  const timer = opts.timeoutS
    ? setTimeout(() => {
      timedOut = true;
      try {
        child.kill("SIGKILL");
      } catch { /* gone */ }
    }, opts.timeoutS * 1000)
    : undefined;
  const r = await child.output();
  if (timer) clearTimeout(timer);
  const out = new TextDecoder().decode(r.stdout) + new TextDecoder().decode(r.stderr);
  if (!opts.quiet || !r.success) await Deno.stdout.write(new TextEncoder().encode(out));
  return { code: timedOut ? 124 : r.code, out, timedOut };
}

async function walk(dir: string, pred: (p: string) => boolean): Promise<string[]> {
  const out: string[] = [];
  for await (const e of Deno.readDir(dir)) {
    const p = `${dir}/${e.name}`;
    if (e.isDirectory && e.name !== "fixtures" && e.name !== "node_modules") {
      out.push(...await walk(p, pred));
    } else if (e.isFile && pred(p)) out.push(p);
  }
  return out.sort();
}

function have(cmd: string): boolean {
  return new Deno.Command("sh", { args: ["-c", `command -v ${cmd}`], stdout: "null" }).outputSync()
    .success;
}

// Counts <testcase> elements of a JUnit report and how many have <failure>.
async function junitCounts(
  path: string,
): Promise<{ passed: number; failed: number; names: string[] } | null> {
  let xml: string;
  try {
    xml = await Deno.readTextFile(path);
  } catch {
    return null;
  }
  const cases = xml.split("<testcase").slice(1);
  const names: string[] = [];
  const unescape = (t: string) =>
    t.replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&lt;/g, "<")
      .replace(/&gt;/g, ">").replace(/&amp;/g, "&");
  for (const c of cases) {
    const end = c.indexOf("</testcase>");
    const body = end >= 0 ? c.slice(0, end) : c;
    const at = body.indexOf("<failure");
    if (at < 0) continue;
    // name each failure with its file and the first lines of its message, so
    // that the tail of a CI log says what failed
    const name = unescape(/ name="([^"]*)"/.exec(body)?.[1] ?? "?");
    const cls = unescape(/ classname="([^"]*)"/.exec(body)?.[1] ?? "");
    const msg = unescape(body.slice(at).replace(/<[^>]*>/g, "")).trim().split("\n")
      .slice(0, 6).map((l) => `    ${l.slice(0, 200)}`).join("\n");
    names.push(`${cls ? cls + ": " : ""}${name}\n${msg}`);
  }
  return { passed: cases.length - names.length, failed: names.length, names };
}

function section(title: string): void {
  console.log(`\n=== ${title} ===`);
}

// ---- 1. system packages ----
if (!staticOnly) {
  section("system packages");
  const ok = await ensurePackages((s) => console.log(s));
  if (!ok && IN_CI) {
    console.log("CI=true: the packages above are required");
    record(false, "system packages");
  } else if (!ok) {
    console.log("tests that need MPI, HDF5 or the Python peers will be skipped");
  } else console.log("all present");
}

// ---- 2. static checks ----
if (!skipStatic) {
  section("static checks");
  const tsFiles = (await walk(`${ROOT}.`, (p) => p.endsWith(".ts"))).map((p) =>
    p.slice(ROOT.length + 2)
  );
  const checks: [string, string[]][] = [
    ["deno fmt --check", ["fmt", "--check"]],
    ["deno lint", ["lint"]],
    // --doc: the JSDoc examples type-check too (deno test --doc would fail on them otherwise)
    ["deno check --doc", ["check", "--doc", ...tsFiles]],
    ["doc examples (scripts/check_docs.ts)", ["run", "-A", "scripts/check_docs.ts"]],
    ["deno doc --lint", ["doc", "--lint", "mod.ts"]],
    ["layers (scripts/check_layers.ts)", ["run", "-A", "scripts/check_layers.ts"]],
  ];
  for (const [name, argv] of checks) {
    const r = await run(DENO, argv, { quiet: true });
    console.log(`${r.code === 0 ? "ok  " : "FAIL"} ${name}`);
    record(r.code === 0, name);
  }
  // no source file over 800 lines (STYLE.md); counted as `wc -l` does
  const long: string[] = [];
  for (const dir of SOURCE_FOLDERS) {
    for (const p of await walk(`${ROOT}${dir}`, (f) => f.endsWith(".ts"))) {
      const lines = (await Deno.readTextFile(p)).split("\n").length - 1;
      if (lines > MAX_LINES) long.push(`${p.slice(ROOT.length)}: ${lines} lines`);
    }
  }
  console.log(`${long.length ? "FAIL" : "ok  "} source files of at most ${MAX_LINES} lines`);
  for (const l of long) console.log(`  ${l}`);
  record(long.length === 0, `source files of at most ${MAX_LINES} lines`);
}

// ---- 3. all tests in one process ----
const under = args.length ? args : ["tests"];
const testFiles: string[] = [];
for (const u of under) {
  const abs = `${ROOT}${u}`;
  const st = await Deno.stat(abs);
  if (st.isFile) testFiles.push(u);
  else {
    testFiles.push(
      ...(await walk(abs, (p) => p.endsWith("_test.ts"))).map((p) => p.slice(ROOT.length)),
    );
  }
}
if (!staticOnly) {
  // warm the Deno cache with every module of the repository (the CLI, examples,
  // tests/dist/_scripts, workers, lazily imported formats): a test's subprocess
  // must not download, or its "Download ..." lines reach the asserted stderr;
  // the npm packages the formats import on first use are named explicitly
  const all = (await walk(`${ROOT}.`, (p) => p.endsWith(".ts"))).map((p) =>
    p.slice(ROOT.length + 2)
  );
  const warm = await run(DENO, ["cache", ...all, ...LAZY_NPM_PACKAGES], { quiet: true });
  if (warm.code !== 0) record(false, "deno cache (warm-up)");
  section("deno test");
  const junit = await Deno.makeTempFile({ suffix: ".xml" });
  const docTargets = args.length
    ? []
    : ["mod.ts", "core", "io", "viz", "dist", "stream"].filter((p) => {
      try {
        Deno.statSync(`${ROOT}${p}`);
        return true;
      } catch {
        return false;
      }
    });
  const r = await run(DENO, [
    "test",
    "-A",
    "--reporter=pretty",
    `--junit-path=${junit}`,
    ...(docTargets.length ? ["--doc"] : []),
    ...testFiles,
    ...docTargets,
  ], { timeoutS: 1800 });
  const counts = await junitCounts(junit);
  if (!counts) record(false, "deno test produced no report");
  else {
    passed += counts.passed;
    failed += counts.failed;
    if (counts.failed) {
      failures.push(`${counts.failed} test(s) in deno test:`);
      for (const n of counts.names) failures.push(`  ${n}`);
    }
    if (r.code !== 0 && counts.failed === 0) record(false, `deno test exited ${r.code}`);
  }
  await Deno.remove(junit).catch(() => {});
}

// ---- 4. MPI test files under each launcher and rank count ----
const mpiFiles = testFiles.filter((f) => f.endsWith("_mpi_test.ts"));
if (!staticOnly && mpiFiles.length) {
  section("MPI launches");
  const launchers: { name: string; cmd: string; pre: string[]; ranks: number[] }[] = [
    { name: "MPICH", cmd: "mpiexec.mpich", pre: [], ranks: [2, 3, 4] },
    {
      name: "Open MPI",
      cmd: "mpirun.openmpi",
      pre: ["--allow-run-as-root", "--oversubscribe"],
      ranks: [2, 3, 4],
    },
  ];
  // warm the cache so no download lines appear under the launcher
  await run(DENO, ["cache", ...mpiFiles], { quiet: true });
  for (const l of launchers) {
    if (!have(l.cmd)) {
      console.log(`${IN_CI ? "FAIL" : "skip"} ${l.cmd} is not installed`);
      if (IN_CI) record(false, `${l.cmd} missing`);
      continue;
    }
    for (const file of mpiFiles) {
      for (const n of l.ranks) {
        const dir = await Deno.makeTempDir({ prefix: "tessera-mpi-" });
        const script = `exec "${DENO}" test -A --reporter=dot ` +
          `--junit-path="${dir}/rank\${PMI_RANK:-\${OMPI_COMM_WORLD_RANK:-0}}.xml" "${file}"`;
        const t0 = performance.now();
        const r = await run(l.cmd, [...l.pre, "-n", String(n), "sh", "-c", script], {
          timeoutS: 300,
          quiet: true,
        });
        const secs = ((performance.now() - t0) / 1000).toFixed(1);
        // every rank must report and pass; count rank 0's tests once
        let launchOk = r.code === 0;
        let c0: { passed: number; failed: number } | null = null;
        for (let k = 0; k < n; k++) {
          const c = await junitCounts(`${dir}/rank${k}.xml`);
          if (k === 0) c0 = c;
          if (!c || c.failed) launchOk = false;
        }
        const what = `${file} under ${l.cmd} -n ${n}`;
        if (c0) {
          passed += launchOk ? c0.passed : 0;
          failed += launchOk ? 0 : Math.max(1, c0.failed);
        } else failed++;
        if (!launchOk) failures.push(what + (r.timedOut ? " (timed out)" : ""));
        console.log(
          `${launchOk ? "ok  " : "FAIL"} ${what}: ${c0?.passed ?? 0} tests on each rank (${secs}s)`,
        );
        await Deno.remove(dir, { recursive: true }).catch(() => {});
      }
    }
  }
}

if (failures.length) {
  section("failures");
  for (const f of failures) console.log(`- ${f}`);
}
console.log(`\n${passed} passed, ${failed} failed`);
Deno.exit(failed ? 1 : 0);
