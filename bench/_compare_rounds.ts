// Runs a case of bench/compare.ts: interleaved rounds (Tessera, peer, peer...,
// each a fresh process), then the checks of that round's results; and turns
// the rounds into the table rows (medians and spreads of accepted rounds only).

import type { Case, Check, Cmd } from "./_compare_cases.ts";
import { load1, median, type Proc, py, rm, spawn, warm } from "./_compare_proc.ts";

/** One comparison of two results. */
export interface CheckRecord {
  what: string;
  ok: boolean;
  maxrel?: number | null;
  maxabs?: number | null;
  bad?: number | null;
  why?: string;
}

/** One process of one round, as kept in latest.json. */
export interface RunRecord {
  round: number;
  tool: string;
  argv: string[];
  env?: Record<string, string>;
  wall: number | null;
  compute: number | null;
  hwm: number | null;
  gbps: number | null;
  rssAfter?: number[];
  error?: string;
  unavailable?: string;
  checks: CheckRecord[];
  /** No error, and every check of this result passed. */
  accepted: boolean;
}

export interface CaseResult {
  c: Case;
  /** rounds[r][0] is Tessera, rounds[r][1 + k] peer k. */
  rounds: RunRecord[][];
  loadStart: number;
  loadEnd: number;
}

async function compare(a: string, b: string, tol: { rtol: number; atol: number }, what: string) {
  try {
    const r = await py(["check", a, b, String(tol.rtol), String(tol.atol)]);
    return {
      what,
      ok: r.ok === true,
      maxrel: r.maxrel as number | null,
      maxabs: r.maxabs as number | null,
      bad: r.bad as number | null,
      ...(r.why ? { why: String(r.why) } : {}),
    };
  } catch (e) {
    return { what, ok: false, why: (e as Error).message.slice(0, 300) };
  }
}

function record(round: number, cmd: Cmd, p: Proc | null): RunRecord {
  const env = cmd.env?.TESSERA_THREADS ? { TESSERA_THREADS: cmd.env.TESSERA_THREADS } : undefined;
  if (p === null) {
    return {
      round,
      tool: cmd.tool,
      argv: cmd.argv,
      env,
      wall: null,
      compute: null,
      hwm: null,
      gbps: null,
      unavailable: cmd.unavailable,
      checks: [],
      accepted: false,
    };
  }
  const error = p.error ?? cmd.verify?.(p) ?? undefined;
  const rssAfter = p.json.find((j) => Array.isArray(j.rss_after))?.rss_after as number[];
  return {
    round,
    tool: cmd.tool,
    argv: p.argv,
    env,
    wall: p.wall,
    compute: cmd.compute ? cmd.compute(p) : p.compute,
    hwm: p.hwm,
    gbps: error ? null : cmd.gbps?.(p) ?? null,
    ...(rssAfter ? { rssAfter } : {}),
    ...(error ? { error } : {}),
    checks: [],
    accepted: !error,
  };
}

/** The checks of one round: outputs against the fixed reference, Tessera against each peer. */
async function checkRound(c: Case, recs: RunRecord[], cmds: Cmd[]): Promise<void> {
  const ck: Check = c.check;
  const [t, ...peers] = recs;
  if (ck.ref) {
    for (let i = 0; i < recs.length; i++) {
      if (!recs[i].accepted || cmds[i].context) continue;
      const what = `${cmds[i].tool} vs reference`;
      const r = await compare(cmds[i].result ?? cmds[i].out, ck.ref, ck, what);
      recs[i].checks.push(r);
      recs[i].accepted &&= r.ok;
    }
  }
  if (ck.pair === false) return;
  for (let k = 0; k < peers.length; k++) {
    if (!t.accepted || !peers[k].accepted) continue;
    const tol = ck.pairTol ?? ck;
    const [a, b] = [cmds[0], cmds[1 + k]].map((x) => x.result ?? x.out);
    const r = await compare(a, b, tol, `Tessera vs ${peers[k].tool}`);
    peers[k].checks.push(r);
    peers[k].accepted &&= r.ok;
  }
}

/** Runs the case's rounds, interleaved, each process fresh; outputs are removed after each round. */
export async function runCase(c: Case, rounds: number): Promise<CaseResult> {
  await warm(c.warm);
  const loadStart = load1();
  const cmds = [c.tessera, ...c.peers];
  const all: RunRecord[][] = [];
  for (let r = 0; r < rounds; r++) {
    const recs: RunRecord[] = [];
    for (const cmd of cmds) {
      if (cmd.unavailable) {
        recs.push(record(r, cmd, null));
        continue;
      }
      await rm(cmd.out);
      // no dirty pages of the previous process left to write back during this one
      await new Deno.Command("sync").output().catch(() => {});
      const p = await spawn(cmd.argv, { env: cmd.env });
      recs.push(record(r, cmd, p));
      const x = recs.at(-1)!;
      console.error(
        `[run] ${c.id} round ${r + 1} ${cmd.tool}: compute ${x.compute?.toFixed(3) ?? "-"} s, ` +
          `whole ${x.wall?.toFixed(3)} s, RSS ${x.hwm?.toFixed(0) ?? "-"} MiB${
            x.error ? ` FAILED ${x.error}` : ""
          }`,
      );
    }
    await checkRound(c, recs, cmds);
    for (const x of recs) {
      for (const k of x.checks.filter((k) => !k.ok)) {
        console.error(`[check] ${c.id} round ${r + 1} FAILED ${k.what}: ${JSON.stringify(k)}`);
      }
    }
    for (const cmd of cmds) await rm(cmd.out);
    all.push(recs);
  }
  return { c, rounds: all, loadStart, loadEnd: load1() };
}

// ---------------------------------------------------------------------------
// rows

/** A row of a group's table. */
export interface Row {
  name: string;
  pair: string;
  tessera: string;
  peer: string;
  ratio: string;
  target: string;
  met: string;
  rss: string;
  load: string;
}

const f = (x: number | null | undefined, d = 2): string =>
  x === null || x === undefined || !Number.isFinite(x) ? "-" : x.toFixed(d);

function spread(xs: number[], d = 2): string {
  if (xs.length === 0) return "-";
  return `${f(median(xs), d)} [${f(Math.min(...xs), d)}-${f(Math.max(...xs), d)}]`;
}

const secs = (rs: RunRecord[]): string => {
  const c = rs.map((r) => r.compute).filter((x): x is number => x !== null);
  const w = rs.map((r) => r.wall).filter((x): x is number => x !== null);
  return `${c.length ? f(median(c), 3) : "-"} / ${w.length ? f(median(w), 3) : "-"}`;
};

const maxRss = (rs: RunRecord[]): number | null => {
  const h = rs.map((r) => r.hwm).filter((x): x is number => x !== null);
  return h.length ? Math.max(...h) : null;
};

/** Why a row's rounds were not all accepted (the first failure), or null. */
function failure(rs: RunRecord[]): string | null {
  for (const r of rs) {
    if (r.error) return `${r.tool}: ${r.error}`;
    const k = r.checks.find((k) => !k.ok);
    if (k) {
      return `${k.what}: ${k.why ?? `${k.bad} of the elements off, max rel ${f(k.maxrel, 8)}`}`;
    }
  }
  return null;
}

/** The rows of one case (one per peer; one for throughput and repeat cases). */
export function rowsOf(res: CaseResult, budgetMiB: number): Row[] {
  const { c, rounds } = res;
  const load = `${f(res.loadStart)} -> ${f(res.loadEnd)}`;
  const col = (k: number) => rounds.map((r) => r[k]);
  const ts = col(0);
  const rows: Row[] = [];
  const base = { name: c.name, load };
  if (c.kind === "throughput") {
    for (let k = 0; k <= c.peers.length; k++) {
      const rs = col(k);
      const why = failure(rs);
      const g = rs.map((r) => r.gbps).filter((x): x is number => x !== null);
      const target = k === 0 ? c.target ?? null : null;
      rows.push({
        ...base,
        pair: rs[0].tool,
        tessera: why ? "-" : secs(rs),
        peer: "",
        ratio: why ? "-" : `${spread(g)} GB/s`,
        target: target === null ? "(context)" : `>= ${target} GB/s`,
        met: why ? `FAILED: ${why}` : target === null ? "" : median(g) >= target ? "yes" : "no",
        rss: f(maxRss(rs), 0),
      });
    }
    return rows;
  }
  if (c.kind === "repeat") {
    const why = failure(ts);
    const after = ts.map((r) => r.rssAfter ?? []);
    const peak = Math.max(...after.flat(), maxRss(ts) ?? 0);
    const limit = budgetMiB + 150;
    rows.push({
      ...base,
      pair: `${ts[0].tool}; RSS MiB after each run: ${
        after.map((a) => a.map((x) => x.toFixed(0)).join(", ")).join(" | ")
      }`,
      tessera: secs(ts),
      peer: "",
      ratio: "",
      target: `peak <= ${limit} MiB`,
      met: why ? `FAILED: ${why}` : peak <= limit ? "yes" : "no",
      rss: f(peak, 0),
    });
    return rows;
  }
  c.peers.forEach((p, k) => {
    const ps = col(k + 1);
    const pairName = `Tessera vs ${p.tool}`;
    if (p.unavailable) {
      rows.push({
        ...base,
        pair: c.kind === "scaling" ? `${p.tool} vs ${c.tessera.tool}` : pairName,
        tessera: secs(ts),
        peer: "-",
        ratio: "-",
        target: "",
        met: p.unavailable,
        rss: "-",
      });
      return;
    }
    const why = failure(ts) ?? failure(ps);
    const ok = rounds.filter((r) => r[0].accepted && r[k + 1].accepted);
    const ratios = (get: (r: RunRecord) => number | null) =>
      ok.map((r) => {
        const a = get(r[0]), b = get(r[k + 1]);
        // ratio: Tessera / peer; scaling: 1 x 1 time / this configuration's (the speed-up)
        return a === null || b === null ? NaN : a / b;
      }).filter(Number.isFinite);
    const rc = ratios((r) => r.compute);
    const rw = ratios((r) => r.wall);
    const target = p.target;
    const scaling = c.kind === "scaling";
    const met = why
      ? `FAILED: ${why}`
      : target === null || rc.length === 0
      ? "-"
      : (scaling ? median(rc) >= target : median(rc) <= target)
      ? "yes"
      : "no";
    rows.push({
      ...base,
      pair: scaling ? `${p.tool} vs ${c.tessera.tool}` : pairName,
      tessera: why ? "-" : secs(ts),
      peer: why ? "-" : secs(ps),
      ratio: why ? "-" : `${spread(rc)}; whole ${spread(rw)}`,
      target: target === null ? "" : `${scaling ? ">=" : "<="} ${target}x`,
      met,
      rss: `${f(maxRss(ts), 0)} / ${f(maxRss(ps), 0)}`,
    });
  });
  return rows;
}

/** Group h's derived rows: every Tessera process's peak RSS against budget + 150 MiB. */
export function rssRows(results: CaseResult[], budgetMiB: number, budget: string): Row[] {
  const limit = budgetMiB + 150;
  const rows: Row[] = [];
  for (const res of results) {
    const { c } = res;
    if (c.group === "g" || c.kind === "repeat") continue; // the demo has no --memory
    const tools = c.kind === "scaling" ? [0, ...c.peers.map((_, k) => k + 1)] : [0];
    for (const k of tools) {
      const rs = res.rounds.map((r) => r[k]).filter((r) => !r.unavailable);
      if (rs.length === 0) continue;
      const peak = maxRss(rs);
      const failed = rs.some((r) => r.error);
      rows.push({
        name: c.name,
        pair: `${rs[0].tool}, --memory ${budget}`,
        tessera: secs(rs),
        peer: "",
        ratio: "",
        target: `<= ${limit} MiB`,
        met: failed ? "FAILED (a run failed)" : peak !== null && peak <= limit ? "yes" : "no",
        rss: f(peak, 0),
        load: `${f(res.loadStart)} -> ${f(res.loadEnd)}`,
      });
    }
  }
  return rows;
}
