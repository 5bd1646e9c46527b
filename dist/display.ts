/**
 * What a notebook shows (`deno jupyter`) for a {@link DistArray}, a
 * {@link DistArrayProxy} and a {@link Context}: the MIME bundle of
 * `viz/display.ts` ({@link displayBundle}) with the distribution of each axis,
 * the process grid, each rank's local shape, the values (all of them, or a
 * strided sample of a large array), a PNG heatmap of a 2-D array and a PNG of
 * which rank owns what (1-D and 2-D).
 *
 * Loading this module installs the `Symbol.for("Jupyter.display")` hooks on
 * the three classes (`dist/mod.ts` and the root `mod.ts` load it), as
 * `viz/display.ts` does for `NDArray`. A DistArray's display is collective
 * (it gathers a sample), which in a notebook's single process is immediate. A
 * proxy's display asks its engines for a small summary (one `apply`) and never
 * hangs: when the engines do not answer within `timeoutMs` (default 10 s), or
 * the context has failed or is closed, it shows what the client knows and why
 * the rest is missing.
 *
 * @example
 * ```ts
 * import { DistArray, init } from "./mod.ts";
 * import "./display.ts";
 * await using comm = await init();
 * const a = DistArray.fromFunction(comm, [6, 4], { fn: ([i, j]) => i * j }) as unknown as
 *   Record<symbol, () => Record<string, string>>;
 * const bundle = a[Symbol.for("Jupyter.display")]();
 * if (!bundle["text/html"].includes("process grid")) throw new Error("no grid");
 * ```
 *
 * @module
 */

import type { NDArray } from "../core/ndarray.ts";
import { displayBundle } from "../viz/display.ts";
import { DistArray } from "./dist_array.ts";
import { DistArrayProxy } from "./dist_array_proxy.ts";
import { type AxisSpec, Distribution } from "./distribution.ts";
import { Context } from "./context.ts";

/** Options of {@link displayProxy}. */
export interface DisplayProxyOptions {
  /** Longest wait for the engines' summary, in ms (default 10 000). */
  readonly timeoutMs?: number;
}

/** One axis of a distribution as it travels from the engines (plain arrays). */
interface AxisSummary {
  readonly type: "b" | "c" | "u" | "n";
  readonly size: number;
  readonly gridSize: number;
  readonly blockSize: number;
  readonly bounds: number[] | null;
  readonly padding: [number, number][] | null;
  readonly periodic: boolean;
  readonly indices: number[][] | null;
}

/** What {@link summarize} finds out about an array (its values on rank 0 only). */
interface Summary {
  readonly grid: number[];
  readonly ranks: number[];
  readonly commSize: number;
  readonly axes: AxisSummary[];
  readonly localShapes: number[][];
  /** Sampling step per axis (all 1: the whole array). */
  readonly steps: number[];
  readonly values: NDArray | null;
}

/**
 * The summary of `info.arrays[0]`, collective over its ranks (null on ranks
 * other than 0 when `rootOnly`). It runs on the engines of a Context as the
 * source text of `Context.apply`, so it uses nothing outside its body.
 */
function summarize(
  _local: unknown,
  rootOnly: boolean,
  info: { readonly rank: number; readonly arrays: readonly DistArray[] },
): Summary | null {
  const LIMIT = 65536; // values gathered at most
  const MAX_INDICES = 1 << 20; // index lists of `u` axes sent at most
  const a = info.arrays[0];
  const d = a.distribution;
  let steps = a.shape.map(() => 1);
  if (a.size > LIMIT) {
    const per = Math.max(1, Math.floor(Math.pow(LIMIT, 1 / a.ndim)));
    steps = a.shape.map((n) => Math.max(1, Math.ceil(n / per)));
  }
  let values: NDArray | null = null;
  if (a.size > 0) {
    const sel = steps.every((s) => s === 1) ? a : a.slice(steps.map((s) => `::${s}`).join(","));
    values = sel.toNDArray(0);
  }
  if (rootOnly && info.rank !== 0) return null;
  let indices = 0;
  const axes = a.shape.map((_, i) => {
    const x = d.axis(i);
    const lists = x.indices ? x.indices.map((l) => Array.from(l)) : null;
    indices += lists ? x.size : 0;
    return {
      type: x.type,
      size: x.size,
      gridSize: x.gridSize,
      blockSize: x.blockSize,
      bounds: x.bounds ? Array.from(x.bounds) : null,
      padding: x.padding ? x.padding.map((p) => [p[0], p[1]] as [number, number]) : null,
      periodic: x.periodic,
      indices: lists,
    };
  });
  if (indices > MAX_INDICES) { for (const x of axes) x.indices = null; }
  return {
    grid: [...d.grid],
    ranks: [...d.ranks],
    commSize: d.commSize,
    axes,
    localShapes: d.ranks.slice(0, 16).map((r) => d.localShape(r)),
    steps,
    values,
  };
}

function list(xs: readonly number[], max = 9): string {
  return xs.length <= max
    ? xs.join(" ")
    : `${xs.slice(0, max - 1).join(" ")} ... ${xs[xs.length - 1]} (${xs.length})`;
}

function axisText(x: AxisSummary): string {
  const grid = `grid ${x.gridSize}`;
  switch (x.type) {
    case "b": {
      let s = `b: block, ${grid}` + (x.bounds ? `, bounds ${list(x.bounds)}` : "");
      if (x.padding && x.padding.some((p) => p[0] || p[1])) {
        s += `, padding ${x.padding.map((p) => `[${p}]`).slice(0, 8).join(" ")}`;
      }
      return x.periodic ? `${s}, periodic` : s;
    }
    case "c":
      return x.blockSize > 1
        ? `c: block-cyclic, block ${x.blockSize}, ${grid}`
        : `c: cyclic, ${grid}`;
    case "u":
      return `u: unstructured (index lists), ${grid}`;
    default:
      return `n: not distributed`;
  }
}

/** The distribution rebuilt from a summary (for the picture), or null when it cannot be. */
function rebuild(shape: readonly number[], s: Summary): Distribution | null {
  try {
    const dist: AxisSpec[] = s.axes.map((x) => {
      if (x.type === "b") {
        return x.padding
          ? { type: "b", bounds: x.bounds ?? undefined, padding: x.padding, periodic: x.periodic }
          : { type: "b", bounds: x.bounds ?? undefined };
      }
      if (x.type === "c") return { type: "c", blockSize: x.blockSize };
      if (x.type === "u") {
        if (!x.indices) throw new RangeError("index lists left out");
        return { type: "u", indices: x.indices };
      }
      return "n";
    });
    return Distribution.create(shape, { dist, grid: s.grid, commSize: s.commSize, ranks: s.ranks });
  } catch {
    return null;
  }
}

function bundleOf(
  kind: string,
  a: { shape: readonly number[]; dtype: string; distribution: string },
  s: Summary | null,
  extra: [string, string][],
  distribution: Distribution | null,
): Record<string, string> {
  const facts: [string, string][] = [...extra, ["distribution", a.distribution]];
  if (s) {
    s.axes.forEach((x, i) => facts.push([`axis ${i}`, axisText(x)]));
    facts.push([
      "process grid",
      `${s.grid.join(" x ")} (ranks ${list(s.ranks, 16)} of ${s.commSize})`,
    ]);
    const shown = s.localShapes.map((l, k) => `rank ${s.ranks[k]}: [${l.join(", ")}]`);
    if (s.ranks.length > shown.length) shown.push(`... (${s.ranks.length} ranks)`);
    facts.push(["local shapes", shown.join("; ")]);
  }
  const sampled = s !== null && s.steps.some((k) => k > 1);
  const bundle = displayBundle({
    kind,
    shape: a.shape,
    dtype: a.dtype,
    facts,
    values: s?.values ?? null,
    valuesNote: sampled ? `a sample, the elements at steps [${s.steps.join(", ")}]` : undefined,
    distribution: distribution && a.shape.length <= 2 && a.shape.every((n) => n > 0)
      ? distribution
      : undefined,
  });
  // the plain text says what the array is before its values
  const head = `${kind} ${a.dtype} [${a.shape.join(", ")}] ${a.distribution}`;
  const plain = bundle["text/plain"];
  const nl = plain.indexOf("\n");
  bundle["text/plain"] = !plain.startsWith(`${kind} `)
    ? `${head}\n${plain}`
    : nl < 0
    ? head
    : head + plain.slice(nl);
  if (!s) bundle["text/plain"] += `\n(no summary: ${extra.at(-1)?.[1]})`;
  return bundle;
}

/**
 * The notebook display of a DistArray: its distribution per axis, process
 * grid, local shapes, values (a strided sample above 65 536 elements), a
 * heatmap (2-D) and which rank owns what (1-D and 2-D). Collective: every
 * rank calls it; rank 0's bundle has the values, the others' the facts.
 *
 * @param array The array.
 * @returns `text/plain` and `text/html`.
 *
 * @example
 * ```ts
 * import { DistArray, init } from "./mod.ts";
 * import { displayDistArray } from "./display.ts";
 * await using comm = await init();
 * const b = displayDistArray(DistArray.zeros(comm, [300, 300], { dist: "bc" }));
 * if (!b["text/html"].includes("c: cyclic")) throw new Error(b["text/html"]);
 * if (!b["text/html"].includes("a sample, the elements at steps [2, 2]")) throw new Error("not sampled");
 * ```
 */
export function displayDistArray(array: DistArray): Record<string, string> {
  if (!(array instanceof DistArray)) {
    throw new TypeError(`Invalid array: expected a DistArray, got ${String(array)}`);
  }
  const s = summarize(null, false, { rank: array.comm.rank, arrays: [array] });
  return bundleOf(
    "DistArray",
    { shape: array.shape, dtype: array.dtype, distribution: String(array.distribution) },
    s,
    [],
    array.distribution,
  );
}

/**
 * The notebook display of a proxy: what the client knows (shape, dtype,
 * distribution text) plus a summary fetched from the engines (one `apply`:
 * the axes, grid, local shapes and up to 65 536 sampled values). Never throws
 * and never waits longer than `timeoutMs`: without a summary it says why.
 *
 * @param proxy The proxy.
 * @param options `timeoutMs` (default 10 000).
 * @returns `text/plain` and `text/html`.
 *
 * @example
 * ```ts
 * import { Context } from "./context.ts";
 * import { displayProxy } from "./display.ts";
 * await using ctx = await Context.start({ engines: 1, launcher: null });
 * const a = await ctx.fromFunction([4, 4], ([i, j]) => i + j);
 * const b = await displayProxy(a);
 * if (!b["text/plain"].includes("\narray([[0., 1., 2., 3.],")) throw new Error(b["text/plain"]);
 * await ctx.close();
 * const c = await displayProxy(a); // the engines are gone: the client's facts only
 * if (!c["text/html"].includes("no summary")) throw new Error(c["text/html"]);
 * ```
 */
export async function displayProxy(
  proxy: DistArrayProxy,
  options: DisplayProxyOptions = {},
): Promise<Record<string, string>> {
  if (!(proxy instanceof DistArrayProxy)) {
    throw new TypeError(`Invalid proxy: expected a DistArrayProxy, got ${String(proxy)}`);
  }
  const ms = options.timeoutMs ?? 10_000;
  if (typeof ms !== "number" || !(ms > 0)) {
    throw new RangeError(`Invalid option "timeoutMs": expected a positive number, got ${ms}`);
  }
  const ctx = proxy.context;
  const engines: [string, string] = ["engines", `${ctx.engines} (pids ${list([...ctx.pids])})`];
  let s: Summary | null = null;
  let why = "";
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`the engines did not answer within ${ms} ms`)),
        ms,
      );
    });
    s = (await Promise.race([ctx.apply(summarize, [proxy, true]), late]))[0];
  } catch (e) {
    why = e instanceof Error ? e.message : String(e);
  } finally {
    clearTimeout(timer);
  }
  const extra: [string, string][] = [engines];
  if (!s) extra.push(["no summary", why || "the engines sent none"]);
  return bundleOf("DistArrayProxy", proxy, s, extra, s ? rebuild(proxy.shape, s) : null);
}

/**
 * The notebook display of a Context: its engines (pids, launcher) and its
 * state; it asks the engines nothing.
 *
 * @param ctx The context.
 * @returns `text/plain` and `text/html`.
 *
 * @example
 * ```ts
 * import { Context } from "./context.ts";
 * import { displayContext } from "./display.ts";
 * await using ctx = await Context.start({ engines: 1, launcher: null });
 * if (!displayContext(ctx)["text/plain"].startsWith("Context: 1 engine, working")) throw new Error();
 * ```
 */
export function displayContext(ctx: Context): Record<string, string> {
  if (!(ctx instanceof Context)) {
    throw new TypeError(`Invalid context: expected a Context, got ${String(ctx)}`);
  }
  const state = ctx.failure ? `failed: ${ctx.failure.message}` : "working";
  const n = ctx.engines;
  const text = `Context: ${n} engine${n === 1 ? "" : "s"}, ${state}\n` +
    `engine pids ${list([...ctx.pids], 16)}` +
    (ctx.launcherPid === null ? ", attached" : `, launcher pid ${ctx.launcherPid}`);
  const esc = (x: string) => x.replace(/&/g, "&amp;").replace(/</g, "&lt;");
  return { "text/plain": text, "text/html": `<pre>${esc(text)}</pre>` };
}

// Gives DistArray, DistArrayProxy and Context their Jupyter display (idempotent;
// done when this module loads).
function install(proto: object, fn: (this: never) => unknown): void {
  const key = Symbol.for("Jupyter.display");
  const p = proto as Record<symbol, unknown>;
  if (p[key]) return;
  Object.defineProperty(p, key, { value: fn, configurable: true });
}

install(DistArray.prototype, function (this: DistArray) {
  return displayDistArray(this);
});
install(DistArrayProxy.prototype, function (this: DistArrayProxy) {
  return displayProxy(this);
});
install(Context.prototype, function (this: Context) {
  return displayContext(this);
});
