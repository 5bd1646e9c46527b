// The engine side of LazyArrayProxy (stream/lazy_proxy.ts): a plugin of the
// Context engines (dist/engine_plugin.ts) that the client has every engine
// import (`Context.loadPlugin`). The engines hold LazyArrays under the ids the
// client gives; each command runs on every engine, and the runs (`compute`,
// `to`, ...) are collective on the engines' communicator, each rank reading
// its own chunks as under mpiexec.

import { NDArray } from "../core/ndarray.ts";
import { DistArray } from "../dist/dist_array.ts";
import type { LayoutOptions } from "../dist/layout.ts";
import { type EngineHost, registerEngineCommand } from "../dist/engine_plugin.ts";
import { LazyArray, open } from "./lazy.ts";

/** What the client learns of a LazyArray the engines keep. */
export interface LazyInit {
  readonly id: number;
  readonly shape: readonly number[];
  readonly dtype: string;
  readonly chunks: readonly number[] | null;
}

/** The LazyArray methods a proxy forwards that build a new graph. */
export const LAZY_GRAPH_METHODS: ReadonlySet<string> = new Set([
  "astype",
  "clip",
  "cumprod",
  "cumsum",
  "reduce",
  "slice",
  "ufunc",
]);

/** The LazyArray runs a proxy forwards whose result comes back (or stays as a DistArray). */
export const LAZY_RUN_METHODS: ReadonlySet<string> = new Set([
  "compute",
  "median",
  "percentile",
  "quantile",
]);

function keep(host: EngineHost, a: LazyArray): { $lazy: LazyInit } {
  const id = host.keep(a);
  return { $lazy: { id, shape: a.shape, dtype: a.dtype, chunks: a.chunks } };
}

function lazyOf(host: EngineHost, id: unknown): LazyArray {
  const a = host.get(id as number);
  if (!(a instanceof LazyArray)) throw new TypeError(`Array id ${id} is not a LazyArray`);
  return a;
}

/** A lazy operand: a DistArray is refused (the graph runs on sources, not on held blocks). */
function operand(x: unknown): unknown {
  if (x instanceof DistArray) {
    throw new TypeError(`A DistArrayProxy cannot be an operand of a LazyArrayProxy`);
  }
  return x;
}

/** The run options of a command, on the engines' communicator. */
function runOptions(host: EngineHost, json: unknown): Record<string, unknown> {
  const o = (host.decode(json) ?? {}) as Record<string, unknown>;
  return { ...o, comm: host.comm };
}

registerEngineCommand("lazy.open", async (host, h) => {
  const options = (host.decode(h.options) ?? {}) as Record<string, unknown>;
  const a = await open(host.decode(h.locator) as string, options);
  return keep(host, a);
});

registerEngineCommand("lazy.call", (host, h) => {
  const method = h.method as string;
  if (!LAZY_GRAPH_METHODS.has(method)) throw new TypeError(`Unknown LazyArray method "${method}"`);
  const target = lazyOf(host, h.target);
  const args = (host.decode(h.args) as unknown[]).map(operand);
  const f = (target as unknown as Record<string, (...a: unknown[]) => unknown>)[method];
  return keep(host, f.apply(target, args) as LazyArray);
});

registerEngineCommand("lazy.run", async (host, h) => {
  const method = h.method as string;
  if (!LAZY_RUN_METHODS.has(method)) throw new TypeError(`Unknown LazyArray run "${method}"`);
  const target = lazyOf(host, h.target);
  const options = runOptions(host, h.options);
  const value = method === "compute"
    ? await target.compute(options)
    : method === "median"
    ? await target.median(options)
    : await target[method as "quantile" | "percentile"](
      host.decode(h.q) as number | number[],
      options,
    );
  return host.result(value);
});

registerEngineCommand("lazy.to", async (host, h) => {
  const target = lazyOf(host, h.target);
  await target.to(host.decode(h.locator) as string, runOptions(host, h.options));
  return null;
});

registerEngineCommand("lazy.toDistArray", async (host, h) => {
  const target = lazyOf(host, h.target);
  const { dist, grid, ...run } = runOptions(host, h.options);
  const whole: NDArray = await target.compute(run);
  const comm = host.comm;
  const layout = {
    ...(dist !== undefined ? { dist } : {}),
    ...(grid !== undefined ? { grid } : {}),
  } as LayoutOptions;
  return host.result(DistArray.fromNDArray(comm, comm.rank === 0 ? whole : null, layout));
});
