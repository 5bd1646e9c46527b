/**
 * `Context`: DistArray's client/engine model. One interactive process (a
 * script, `deno repl`, a notebook) drives DistArrays that live on engine
 * processes of an MPI job. {@link Context.start} launches the engines
 * (`mpiexec -n N deno run -A dist/_engine.ts`); they connect back over a
 * local socket and authenticate with a random token. {@link Context.attach}
 * connects to engines started by hand. Arrays are {@link DistArrayProxy}
 * objects: each call is sent to every engine and runs collectively there;
 * scalars and small arrays come back, larger results stay on the engines as
 * new proxies, and `toNDArray()` gathers explicitly.
 *
 * An engine that dies, or a command that throws on some engines while the
 * others wait in a collective, fails the pending calls with an
 * {@link EngineError} within seconds, and the context ends its engines;
 * `close()` (or `await using`) ends them cleanly, and they end themselves
 * when the client's process exits.
 *
 * @module
 */

import type { Scalar } from "../core/dtype.ts";
import type { NDArray } from "../core/ndarray.ts";
import type { Comm } from "./comm.ts";
import type { DistArray } from "./dist_array.ts";
import type { LayoutOptions } from "./layout.ts";
import { EngineError } from "./engine_error.ts";
import { REMOTE_REF, type RemoteRef } from "./engine_plugin.ts";
import {
  type CreateProxyOptions,
  DistArrayProxy,
  type ProxyInit,
  type ProxyOperand,
} from "./dist_array_proxy.ts";
import {
  decodeValue,
  encodeValue,
  parseAddress,
  TailWriter,
  type WireError,
} from "./_context_wire.ts";
import {
  attachLinks,
  closeLinks,
  type Job,
  launch,
  type Link,
  withDeadline,
} from "./_context_launch.ts";

/**
 * A launcher: a command name (`"mpiexec"`, `"mpiexec.mpich"`, `"mpirun.openmpi"`, ...), or
 * the argv that precedes `-n N <command>`; null runs one engine without MPI.
 */
export type Launcher = string | readonly string[] | null;

/** Options shared by {@link Context.start} and {@link Context.attach}. */
export interface ContextOptions {
  /** Arrays above this many bytes stay on the engines as proxies (default 1 MiB). */
  readonly resultLimitBytes?: number;
  /** How long to wait for the engines to connect (default 60 000 ms). */
  readonly startTimeoutMs?: number;
  /**
   * After an engine reports an error, how long to wait for the others before the
   * context is declared broken (they may be blocked in a collective; default 3000 ms).
   */
  readonly errorGraceMs?: number;
  /**
   * Longest a call may take (default 0: no limit). A call still unanswered then
   * fails with an EngineError (`reason: "timeout"`) and the engines are ended,
   * since they may be stuck in a collective.
   */
  readonly callTimeoutMs?: number;
}

/** Options of {@link Context.start}. */
export interface ContextStartOptions extends ContextOptions {
  /** Number of engines (MPI ranks; default 2). */
  readonly engines?: number;
  /**
   * The MPI launcher (default `"mpiexec"`). A launcher given by name runs with Open
   * MPI's oversubscribe and (as root) run-as-root variables set; an argv (with its
   * own flags) is used as given.
   */
  readonly launcher?: Launcher;
  /** Where the engines' stdout and stderr go (default `"inherit"`). */
  readonly output?: "inherit" | "null";
  /** Socket between client and engines (default `"tcp"` on 127.0.0.1). */
  readonly transport?: "tcp" | "unix";
  /** Arguments of `deno run` before the engine script (default `["-A"]`). */
  readonly denoArgs?: readonly string[];
}

/** Options of {@link Context.attach}. */
export interface ContextAttachOptions extends ContextOptions {
  /** The engines' token (default: `TESSERA_CONTEXT_TOKEN`). */
  readonly token?: string;
}

/** What a function run by {@link Context.apply} gets after its arguments, on each engine. */
export interface EngineInfo {
  /** The engine's rank. */
  readonly rank: number;
  /** The number of engines. */
  readonly size: number;
  /** The engines' communicator (for collectives inside the function). */
  readonly comm: Comm;
  /** The DistArrays of the proxy arguments, in order (the arguments are their local blocks). */
  readonly arrays: readonly DistArray[];
}

interface Pending {
  readonly replies: ({ ok: true; value: unknown } | { ok: false; error: WireError } | undefined)[];
  count: number;
  grace?: ReturnType<typeof setTimeout>;
  deadline?: ReturnType<typeof setTimeout>;
  resolve(values: unknown[]): void;
  reject(e: unknown): void;
}

const registry = new FinalizationRegistry<{ ctx: WeakRef<Context>; id: number }>((held) => {
  held.ctx.deref()?._forget(held.id);
});

function launcherArgv(launcher: Launcher | undefined): readonly string[] | null {
  if (launcher === null) return null;
  if (launcher === undefined) return ["mpiexec"];
  if (typeof launcher === "string") {
    if (!launcher) throw new TypeError(`Invalid option "launcher": empty name`);
    return [launcher];
  }
  if (!Array.isArray(launcher) || !launcher.length || launcher.some((x) => typeof x !== "string")) {
    throw new TypeError(`Invalid option "launcher": expected a name, an argv or null`);
  }
  return launcher;
}

/**
 * Environment for a launcher given by name: Open MPI (which `mpiexec` may be)
 * would refuse to run as root or to put more ranks than cores on the machine;
 * MPICH ignores these variables.
 */
function launcherEnv(launcher: Launcher | undefined): Record<string, string> {
  if (launcher === null || (launcher !== undefined && typeof launcher !== "string")) return {};
  // set for every user (they change nothing when not root): asking for the uid would need
  // --allow-sys
  return {
    OMPI_MCA_rmaps_base_oversubscribe: "1",
    OMPI_ALLOW_RUN_AS_ROOT: "1",
    OMPI_ALLOW_RUN_AS_ROOT_CONFIRM: "1",
  };
}

function positive(name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !(value >= 0) || !Number.isFinite(value)) {
    throw new RangeError(`Invalid option "${name}": expected a non-negative number, got ${value}`);
  }
  return value;
}

/**
 * A client of engine processes that hold DistArrays. Create one with
 * {@link Context.start} or {@link Context.attach}; end it with `close()` or
 * `await using`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Context } from "./context.ts";
 * await using ctx = await Context.start({ engines: 1, launcher: null }); // one engine, no MPI
 * const a = await ctx.fromFunction([4, 3], ([i, j]) => 10 * i + j);
 * const b = await a.mul(2);
 * assert.equal((await b.sum()).get(), 384);
 * const counts = await ctx.apply((local: NDArray) => local.size, [a]);
 * assert.deepEqual(counts, [12]);
 * import type { NDArray } from "../core/ndarray.ts";
 * ```
 */
export class Context implements AsyncDisposable {
  readonly #links: Link[];
  readonly #job: Job | null;
  readonly #pending = new Map<number, Pending>();
  readonly #limit: number;
  readonly #grace: number;
  readonly #callTimeout: number;
  readonly #readers: Promise<void>[];
  readonly #freed: number[] = [];
  readonly #unload: () => void;
  readonly #plugins = new Map<string, Promise<unknown>>();
  #requests = 0;
  #arrays = 0;
  #failure: EngineError | null = null;
  #closing: Promise<void> | null = null;
  #ending = false;

  private constructor(links: Link[], job: Job | null, options: ContextOptions) {
    this.#links = links;
    this.#job = job;
    this.#limit = positive("resultLimitBytes", options.resultLimitBytes, 1 << 20);
    this.#grace = positive("errorGraceMs", options.errorGraceMs, 3000);
    this.#callTimeout = positive("callTimeoutMs", options.callTimeoutMs, 0);
    this.#readers = links.map((l) => this.#read(l));
    this.#unload = () => this.#kill("SIGTERM");
    globalThis.addEventListener("unload", this.#unload);
    job?.child.status.then((s) => {
      if (this.#ending) return;
      this.#fail(
        new EngineError(
          `The engines' launcher exited (code ${s.code})` +
            (job.stderrTail() ? `: ${job.stderrTail().trim().slice(-1000)}` : ""),
          { reason: "exit" },
        ),
      );
    });
  }

  /**
   * Launches `engines` engine processes under an MPI launcher and waits for each
   * to connect back (over 127.0.0.1 or a Unix socket, with a random token).
   *
   * @param options `engines` (2), `launcher`, `output`, `transport`, limits and timeouts.
   * @returns The context.
   * @throws {EngineError} When the engines do not all connect (`reason: "start"`).
   * @throws {RangeError} For a bad number of engines.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Context } from "./context.ts";
   * await using ctx = await Context.start({ engines: 1, launcher: null });
   * assert.equal(ctx.engines, 1);
   * ```
   */
  static async start(options: ContextStartOptions = {}): Promise<Context> {
    const engines = options.engines ?? 2;
    if (!Number.isInteger(engines) || engines < 1) {
      throw new RangeError(`Invalid option "engines": expected a positive integer, got ${engines}`);
    }
    const launcher = launcherArgv(options.launcher);
    if (!launcher && engines !== 1) {
      throw new RangeError(`Invalid option "engines": ${engines} engines need a launcher`);
    }
    const transport = options.transport ?? "tcp";
    if (transport !== "tcp" && transport !== "unix") {
      throw new TypeError(`Invalid option "transport": expected "tcp" or "unix", got ${transport}`);
    }
    const output = options.output ?? "inherit";
    if (output !== "inherit" && output !== "null") {
      throw new TypeError(`Invalid option "output": expected "inherit" or "null", got ${output}`);
    }
    const { links, job } = await launch({
      engines,
      launcher,
      transport,
      output,
      denoArgs: options.denoArgs ?? ["-A"],
      env: launcherEnv(options.launcher),
      startTimeoutMs: positive("startTimeoutMs", options.startTimeoutMs, 60_000),
    });
    return new Context(links, job, options);
  }

  /**
   * Attaches to engines started by hand, rank 0 listening at `address`:
   * `TESSERA_CONTEXT_TOKEN=... mpiexec -n 2 deno run -A dist/_engine.ts --listen 127.0.0.1:7000`.
   * Closing the context ends those engines too.
   *
   * @param address `host:port` or `unix:/path` of rank 0.
   * @param options `token` (default `TESSERA_CONTEXT_TOKEN`), limits and timeouts.
   * @returns The context.
   * @throws {EngineError} When the engines cannot be reached or refuse the token.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Context, EngineError } from "./mod.ts";
   * await assert.rejects(Context.attach("127.0.0.1:1", { token: "x", startTimeoutMs: 2000 }), EngineError);
   * ```
   */
  static async attach(address: string, options: ContextAttachOptions = {}): Promise<Context> {
    const token = options.token ?? Deno.env.get("TESSERA_CONTEXT_TOKEN");
    if (typeof token !== "string" || !token) {
      throw new TypeError(`Invalid option "token": give it or set TESSERA_CONTEXT_TOKEN`);
    }
    parseAddress(address);
    const timeout = positive("startTimeoutMs", options.startTimeoutMs, 60_000);
    return new Context(await attachLinks(address, token, timeout), null, options);
  }

  /** The number of engines. */
  get engines(): number {
    return this.#links.length;
  }

  /** The engines' process ids, by rank. */
  get pids(): readonly number[] {
    return this.#links.map((l) => l.pid);
  }

  /** The launcher's process id (null for an attached context). */
  get launcherPid(): number | null {
    return this.#job?.child.pid ?? null;
  }

  /** Why the context failed, or null while it works. */
  get failure(): EngineError | null {
    return this.#failure;
  }

  async #read(link: Link): Promise<void> {
    try {
      for await (const { header, tail } of link.frames) this.#reply(link.rank, header, tail);
    } catch {
      // a broken connection is handled below
    }
    if (this.#ending) return;
    this.#fail(
      new EngineError(`Engine ${link.rank} (pid ${link.pid}) exited or closed its connection`, {
        reason: "exit",
        rank: link.rank,
      }),
    );
  }

  #reply(rank: number, h: Record<string, unknown>, tail: Uint8Array): void {
    const p = this.#pending.get(h.id as number);
    if (!p || p.replies[rank]) return;
    p.replies[rank] = h.ok
      ? { ok: true, value: decodeValue(h.value, tail, () => null) }
      : { ok: false, error: h.error as WireError };
    p.count++;
    const failed = p.replies.findIndex((r) => r && !r.ok);
    if (p.count === this.#links.length) {
      clearTimeout(p.grace);
      clearTimeout(p.deadline);
      this.#pending.delete(h.id as number);
      if (failed < 0) p.resolve(p.replies.map((r) => (r as { value: unknown }).value));
      else p.reject(this.#thrown(failed, (p.replies[failed] as { error: WireError }).error));
    } else if (failed >= 0 && p.grace === undefined) {
      const error = (p.replies[failed] as { error: WireError }).error;
      p.grace = setTimeout(() => {
        const e = this.#thrown(failed, error);
        const waiting = p.replies.flatMap((r, i) => (r ? [] : [i]));
        this.#fail(
          new EngineError(
            `${e.message} (engines ${waiting.join(", ")} did not answer within ` +
              `${this.#grace} ms: the context is closed)`,
            { reason: "throw", rank: failed, remote: error },
          ),
        );
      }, this.#grace);
    }
  }

  #thrown(rank: number, error: WireError): EngineError {
    return new EngineError(`Engine ${rank} threw ${error.name}: ${error.message}`, {
      reason: "throw",
      rank,
      remote: error,
    });
  }

  #kill(signal: Deno.Signal): void {
    try {
      this.#job?.child.kill(signal);
    } catch {
      // already gone
    }
  }

  /** Fails every pending call and ends the engines (first failure wins). */
  #fail(error: EngineError): void {
    if (this.#failure) return;
    this.#failure = error;
    for (const [id, p] of this.#pending) {
      clearTimeout(p.grace);
      clearTimeout(p.deadline);
      this.#pending.delete(id);
      p.reject(error);
    }
    if (!this.#closing) this.#closing = this.#end(false);
  }

  /** Ends the engines: a shutdown first when they are healthy, then signals. */
  async #end(graceful: boolean): Promise<void> {
    const job = this.#job;
    if (graceful) {
      await withDeadline(this.#send({ op: "shutdown" }), 5000, () => new Error("no answer"))
        .catch(() => {});
    }
    for (const l of this.#links) await l.out.close();
    if (job) {
      const ended = await withDeadline(
        job.child.status,
        graceful ? 5000 : 2000,
        () => new Error("still running"),
      ).then(() => true, () => false);
      if (!ended) {
        this.#kill("SIGTERM");
        const stopped = await withDeadline(job.child.status, 3000, () => new Error("still running"))
          .then(() => true, () => false);
        if (!stopped) this.#kill("SIGKILL");
      }
      await job.child.status;
      await job.pumped;
    }
    closeLinks(this.#links);
    await Promise.all(this.#readers);
    globalThis.removeEventListener("unload", this.#unload);
  }

  /** Sends one command to every engine (`only0` fields go to rank 0 alone) and collects the replies. */
  #send(
    header: Record<string, unknown>,
    tail?: Uint8Array,
    only0?: { header: Record<string, unknown>; tail: Uint8Array },
  ): Promise<unknown[]> {
    if (this.#failure) return Promise.reject(this.#failure);
    if (this.#closing || (this.#ending && header.op !== "shutdown")) {
      return Promise.reject(new EngineError(`The context is closed`, { reason: "closed" }));
    }
    if (this.#freed.length && header.op !== "free" && header.op !== "shutdown") {
      this.#send({ op: "free", ids: this.#freed.splice(0) }).catch(() => {});
    }
    const id = ++this.#requests;
    return new Promise<unknown[]>((resolve, reject) => {
      const pending: Pending = {
        replies: this.#links.map(() => undefined),
        count: 0,
        resolve,
        reject,
      };
      this.#pending.set(id, pending);
      if (this.#callTimeout > 0 && header.op !== "shutdown") {
        pending.deadline = setTimeout(() => {
          const waiting = pending.replies.flatMap((r, i) => (r ? [] : [i]));
          this.#fail(
            new EngineError(
              `"${header.op}" got no answer from engines ${waiting.join(", ")} within ` +
                `${this.#callTimeout} ms: the context is closed`,
              { reason: "timeout", rank: waiting[0] ?? null },
            ),
          );
        }, this.#callTimeout);
      }
      for (const l of this.#links) {
        const mine = l.rank === 0 && only0;
        const h = { ...header, ...(mine ? only0.header : {}), id, limit: this.#limit };
        l.out.write(h, mine ? only0.tail : tail).catch((e) => {
          this.#fail(
            new EngineError(`Cannot reach engine ${l.rank}: ${e}`, {
              reason: "exit",
              rank: l.rank,
              cause: e,
            }),
          );
        });
      }
    });
  }

  #encode(fields: Record<string, unknown>): { header: Record<string, unknown>; tail: Uint8Array } {
    const tail = new TailWriter();
    const header: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(fields)) {
      header[k] = encodeValue(v, tail, (x) => this.#refOf(x));
    }
    return { header, tail: tail.bytes() };
  }

  /** @internal Runs a command on every engine; returns rank 0's value (a proxy when it stayed remote). */
  async _command(
    op: string,
    fields: Record<string, unknown>,
    only0?: Record<string, unknown>,
  ): Promise<unknown> {
    const { header, tail } = this.#encode(fields);
    const values = await this.#send(
      { ...header, op, out: ++this.#arrays },
      tail,
      only0 && this.#encode({ ...fields, ...only0 }),
    );
    return this.#revive(values[0]);
  }

  #refOf(x: object): number | null {
    const ref = x instanceof DistArrayProxy ? x : (x as { [REMOTE_REF]?: RemoteRef })[REMOTE_REF];
    if (!ref) return null;
    if (ref.context !== this) throw new TypeError(`Cannot use a proxy of another Context`);
    return ref.id;
  }

  #revive(value: unknown): unknown {
    if (value !== null && typeof value === "object" && "$proxy" in value) {
      const p = (value as { $proxy: ProxyInit }).$proxy;
      const proxy = new DistArrayProxy(this, p);
      registry.register(proxy, { ctx: new WeakRef(this), id: p.id }, proxy);
      return proxy;
    }
    return value;
  }

  /** @internal Queues a proxy's array to be freed on the engines (at the next command). */
  _forget(id: number, proxy?: DistArrayProxy): void {
    if (proxy) registry.unregister(proxy);
    this.#freed.push(id);
  }

  #create(kind: string, shape: readonly number[], options: object): Promise<DistArrayProxy> {
    if (!Array.isArray(shape) || shape.some((n) => !Number.isInteger(n) || n < 0)) {
      return Promise.reject(
        new TypeError(
          `Invalid shape: expected non-negative integers, got ${JSON.stringify(shape)}`,
        ),
      );
    }
    if (options === null || typeof options !== "object") {
      return Promise.reject(new TypeError(`Invalid options: expected an object`));
    }
    return this._command("create", { kind, shape, options }) as Promise<DistArrayProxy>;
  }

  /**
   * A distributed array of zeros on the engines.
   *
   * @param shape The global shape.
   * @param options `dtype`, `dist`, `grid`.
   * @returns Its proxy.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Context } from "./context.ts";
   * await using ctx = await Context.start({ engines: 1, launcher: null });
   * const a = await ctx.zeros([3, 2], { dtype: "int32" });
   * assert.deepEqual([a.shape, a.dtype], [[3, 2], "int32"]);
   * ```
   */
  zeros(shape: readonly number[], options: CreateProxyOptions = {}): Promise<DistArrayProxy> {
    return this.#create("zeros", shape, options);
  }

  /**
   * A distributed array of ones on the engines.
   *
   * @param shape The global shape.
   * @param options `dtype`, `dist`, `grid`.
   * @returns Its proxy.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Context } from "./context.ts";
   * await using ctx = await Context.start({ engines: 1, launcher: null });
   * assert.equal((await (await ctx.ones([5])).sum()).get(), 5);
   * ```
   */
  ones(shape: readonly number[], options: CreateProxyOptions = {}): Promise<DistArrayProxy> {
    return this.#create("ones", shape, options);
  }

  /**
   * A distributed array filled with one value (dtype inferred as `DistArray.full`).
   *
   * @param shape The global shape.
   * @param value The value.
   * @param options `dtype`, `dist`, `grid`.
   * @returns Its proxy.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Context } from "./context.ts";
   * await using ctx = await Context.start({ engines: 1, launcher: null });
   * assert.equal((await ctx.full([2], 7)).dtype, "int64");
   * ```
   */
  full(
    shape: readonly number[],
    value: Scalar,
    options: CreateProxyOptions = {},
  ): Promise<DistArrayProxy> {
    return this.#create("full", shape, { ...options, value });
  }

  /**
   * Random numbers on the engines, the same for any number of engines (counter-based):
   * `kind` is `"rand"` (uniform [0, 1)), `"randn"`, `"normal"` (`mean`, `std`),
   * `"uniform"` (`low`, `high`) or `"randint"` (`low`, `high`, `dtype`).
   *
   * @param kind The generator.
   * @param shape The global shape.
   * @param options `seed`, `stream`, the generator's parameters, `dist`, `grid`.
   * @returns Its proxy.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Context } from "./context.ts";
   * import { rand } from "../core/random.ts";
   * await using ctx = await Context.start({ engines: 1, launcher: null });
   * const a = await ctx.random("rand", [3, 2], { seed: 7 });
   * assert.deepEqual((await a.toNDArray()).toArray(), rand([3, 2], { seed: 7 }).toArray());
   * ```
   */
  random(
    kind: "rand" | "randn" | "normal" | "uniform" | "randint",
    shape: readonly number[],
    options: Record<string, unknown> = {},
  ): Promise<DistArrayProxy> {
    if (!["rand", "randn", "normal", "uniform", "randint"].includes(kind)) {
      return Promise.reject(new TypeError(`Unknown random generator "${kind}"`));
    }
    return this.#create(kind, shape, options);
  }

  /**
   * A distributed array whose element at each global index is `fn(index)`, computed
   * on the engines: `fn` travels as source text, so it must not use outer variables.
   *
   * @param shape The global shape.
   * @param fn An arrow function or function expression of the global index.
   * @param options `dtype` (float64), `dist`, `grid`.
   * @returns Its proxy.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Context } from "./context.ts";
   * await using ctx = await Context.start({ engines: 1, launcher: null });
   * const a = await ctx.fromFunction([2, 2], ([i, j]) => i - j);
   * assert.deepEqual((await a.toNDArray()).toArray(), [[0, -1], [1, 0]]);
   * ```
   */
  fromFunction(
    shape: readonly number[],
    fn: (globalIndex: number[]) => Scalar,
    options: CreateProxyOptions = {},
  ): Promise<DistArrayProxy> {
    if (typeof fn !== "function") {
      return Promise.reject(new TypeError(`Invalid fn: expected a function`));
    }
    return this.#create("fromFunction", shape, { ...options, fn: fn.toString() });
  }

  /**
   * Sends an NDArray to the engines as a distributed array (to engine 0, which scatters it).
   *
   * @param array The whole array.
   * @param options `dist`, `grid`.
   * @returns Its proxy.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Context } from "./context.ts";
   * import { arange } from "../core/ndarray.ts";
   * await using ctx = await Context.start({ engines: 1, launcher: null });
   * const a = await ctx.fromNDArray(arange(6).reshape([2, 3]));
   * assert.equal((await a.sum()).get(), 15n);
   * ```
   */
  fromNDArray(array: NDArray, options: LayoutOptions = {}): Promise<DistArrayProxy> {
    if (typeof array?.toTypedArray !== "function" || !Array.isArray(array.shape)) {
      return Promise.reject(new TypeError(`Invalid array: expected an NDArray`));
    }
    return this._command("scatter", { options }, { array }) as Promise<DistArrayProxy>;
  }

  /**
   * Applies a ufunc by its NumPy name on the engines (`DistArray.ufunc`).
   *
   * @param name The ufunc's NumPy name (`"add"`, `"hypot"`, `"where"`, ...).
   * @param operands Proxies, NDArrays or scalars; at least one a proxy.
   * @returns The result's proxy.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Context } from "./context.ts";
   * await using ctx = await Context.start({ engines: 1, launcher: null });
   * const a = await ctx.full([2], 3);
   * const h = await ctx.ufunc("hypot", [a, 4]);
   * assert.deepEqual((await h.toNDArray()).toArray(), [5, 5]);
   * ```
   */
  ufunc(name: string, operands: readonly (ProxyOperand | null)[]): Promise<DistArrayProxy> {
    return this._command("ufunc", { name, operands }) as Promise<DistArrayProxy>;
  }

  /**
   * Runs `fn` on every engine and returns each engine's value, in rank order.
   * The function travels as source text (no closure); proxy arguments arrive as
   * that engine's local block (an NDArray), other arguments as sent, followed by
   * an {@link EngineInfo} (`rank`, `size`, `comm`, the DistArrays). It may be
   * async; its values must be JSON values, bigints or NDArrays.
   *
   * @param fn The function.
   * @param args Its arguments.
   * @returns The engines' values.
   * @throws {EngineError} When it throws on some engine.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Context } from "./context.ts";
   * await using ctx = await Context.start({ engines: 1, launcher: null });
   * const a = await ctx.ones([10]);
   * assert.deepEqual(await ctx.apply((local: { size: number }, k: number) => local.size * k, [a, 3]), [30]);
   * ```
   */
  async apply<T>(
    // deno-lint-ignore no-explicit-any
    fn: (...args: any[]) => T | Promise<T>,
    args: readonly unknown[] = [],
  ): Promise<T[]> {
    if (typeof fn !== "function") throw new TypeError(`Invalid fn: expected a function`);
    if (!Array.isArray(args)) throw new TypeError(`Invalid args: expected an array`);
    const { header, tail } = this.#encode({ args });
    return await this.#send({ ...header, op: "apply", src: fn.toString() }, tail) as T[];
  }

  /**
   * Makes every engine import a plugin module once (dist/engine_plugin.ts), whose
   * commands can then be sent: stream/'s `LazyArrayProxy` loads its engine side so.
   *
   * @param module The module's URL (as `new URL("./x.ts", import.meta.url).href`).
   * @throws {EngineError} When the import fails on some engine.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Context } from "./context.ts";
   * await using ctx = await Context.start({ engines: 1, launcher: null });
   * await ctx.loadPlugin(new URL("./engine_plugin.ts", import.meta.url).href);
   * assert.equal((await ctx.ping())[0].arrays, 0);
   * ```
   */
  async loadPlugin(module: string): Promise<void> {
    if (typeof module !== "string" || !URL.canParse(module)) {
      throw new TypeError(`Invalid plugin module "${module}": expected a URL`);
    }
    let loading = this.#plugins.get(module);
    if (!loading) {
      loading = this.#send({ op: "load", module });
      this.#plugins.set(module, loading);
      loading.catch(() => this.#plugins.delete(module));
    }
    await loading;
  }

  /**
   * Asks every engine how it is: its rank, the world size, its pid and how many arrays it holds.
   *
   * @returns One record per engine.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Context } from "./context.ts";
   * await using ctx = await Context.start({ engines: 1, launcher: null });
   * assert.equal((await ctx.ping())[0].size, 1);
   * ```
   */
  async ping(): Promise<{ rank: number; size: number; pid: number; arrays: number }[]> {
    return await this.#send({ op: "ping", all: true }) as {
      rank: number;
      size: number;
      pid: number;
      arrays: number;
    }[];
  }

  /**
   * Ends the engines: a shutdown command, then signals to any engine still running
   * after 5 s; the launcher is waited for. Idempotent; after a failure it only
   * cleans up.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Context, EngineError } from "./mod.ts";
   * const ctx = await Context.start({ engines: 1, launcher: null });
   * await ctx.close();
   * await assert.rejects(ctx.ones([2]), EngineError);
   * ```
   */
  async close(): Promise<void> {
    this.#ending = true;
    this.#closing ??= this.#end(true);
    await this.#closing;
  }

  /** Same as {@link Context.close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
