// An engine of a Context (dist/context.ts): one process of an MPI job that
// holds DistArrays and runs, collectively with the other engines, the commands
// a client sends over a local socket (frames of dist/_context_wire.ts).
//
// Launched by `Context.start` as
//
//   mpiexec -n N deno run -A dist/_engine.ts --connect 127.0.0.1:PORT
//
// with the token in TESSERA_CONTEXT_TOKEN: every rank connects to the client
// and says hello with the token. Started by hand for `Context.attach`:
//
//   TESSERA_CONTEXT_TOKEN=secret mpiexec -n N deno run -A dist/_engine.ts --listen 127.0.0.1:7000
//
// every rank listens (rank 0 on the given address, the others on a free port
// of the same host) and accepts one client that knows the token; rank 0 tells
// it where the others are. The engines end on the client's `shutdown`; when
// the client's connection closes without one, the engine exits with code 3
// (under MPI, Deno.exit ends the whole job: dist/_abort.ts).

import { type Comm, init } from "./comm.ts";
import { DistArray } from "./dist_array.ts";
import { NDArray } from "../core/ndarray.ts";
import { type DType, DTYPES } from "../core/dtype.ts";
import { ARRAY_OPS } from "../core/ops.ts";
import {
  decodeValue,
  encodeValue,
  formatAddress,
  type Frame,
  FrameWriter,
  parseAddress,
  PROXY_METHODS,
  readFrames,
  TailWriter,
  wireError,
} from "./_context_wire.ts";
import { engineCommand, type EngineHost } from "./engine_plugin.ts";

/** What a function run by `Context.apply` gets after its arguments. */
interface EngineInfo {
  readonly rank: number;
  readonly size: number;
  readonly comm: Comm;
  readonly arrays: readonly DistArray[];
}

type Creator = (comm: Comm, shape: number[], options: Record<string, unknown>) => DistArray;

const CREATORS: Record<string, Creator> = {
  empty: (c, s, o) => DistArray.empty(c, s, o),
  zeros: (c, s, o) => DistArray.zeros(c, s, o),
  ones: (c, s, o) => DistArray.ones(c, s, o),
  full: (c, s, o) => DistArray.full(c, s, o as { value: number }),
  fromFunction: (c, s, o) =>
    DistArray.fromFunction(c, s, { ...o, fn: compile(o.fn as string) as () => number }),
  rand: (c, s, o) => DistArray.rand(c, s, o),
  randn: (c, s, o) => DistArray.randn(c, s, o),
  normal: (c, s, o) => DistArray.normal(c, s, o),
  uniform: (c, s, o) => DistArray.uniform(c, s, o),
  randint: (c, s, o) => DistArray.randint(c, s, o as { high: number }),
};

/** Turns a function's source text back into a function (no closure travels with it). */
function compile(src: unknown): (...args: unknown[]) => unknown {
  if (typeof src !== "string") throw new TypeError(`Invalid function: expected source text`);
  const fn = new Function(`"use strict"; return (${src});`)();
  if (typeof fn !== "function") throw new TypeError(`Invalid function: the source is not one`);
  return fn;
}

/** A command's value that every rank sends (not only rank 0). */
class PerRank {
  constructor(readonly value: unknown) {}
}

/** The engine state: the arrays held, by the ids the client gave them. */
class Engine {
  readonly #comm: Comm;
  /** DistArrays, and the objects plugins keep (LazyArrays). */
  readonly #arrays = new Map<number, unknown>();

  constructor(comm: Comm) {
    this.#comm = comm;
  }

  #object(id: number): unknown {
    const a = this.#arrays.get(id);
    if (a === undefined) {
      throw new RangeError(`Unknown array id ${id}: it was freed or never created`);
    }
    return a;
  }

  #array(id: number): DistArray {
    const a = this.#object(id);
    if (!(a instanceof DistArray)) {
      throw new TypeError(`Array id ${id} is not a DistArray (${a?.constructor?.name})`);
    }
    return a;
  }

  /** What a plugin's command sees of the engine. */
  #host(h: Record<string, unknown>, tail: Uint8Array, limit: number): EngineHost {
    const out = h.out as number;
    return {
      comm: this.#comm,
      get: (id) => this.#object(id),
      result: (value) => this.#result(value, out, limit),
      keep: (value) => {
        this.#arrays.set(out, value);
        return out;
      },
      decode: (json) => decodeValue(json, tail, (id) => this.#object(id)),
    };
  }

  /** A result: DistArrays are kept (a proxy goes back); NDArrays over the limit become DistArrays. */
  #result(value: unknown, out: number, limit: number): unknown {
    if (value instanceof NDArray && value.size * DTYPES[value.dtype as DType].bytes > limit) {
      value = DistArray.fromNDArray(this.#comm, this.#comm.rank === 0 ? value : null);
    }
    if (value instanceof DistArray) {
      this.#arrays.set(out, value);
      return {
        $proxy: {
          id: out,
          shape: value.shape,
          dtype: value.dtype,
          distribution: String(value.distribution),
        },
      };
    }
    return value;
  }

  /** Runs one command; returns the value to send back (`undefined`: nothing from this rank). */
  async run(h: Record<string, unknown>, tail: Uint8Array): Promise<unknown> {
    const comm = this.#comm;
    const deref = (id: number) => this.#array(id);
    const limit = typeof h.limit === "number" ? h.limit : Infinity;
    const out = h.out as number;
    switch (h.op) {
      case "create": {
        const make = CREATORS[h.kind as string];
        if (!make) throw new TypeError(`Unknown creation function "${h.kind}"`);
        const options = decodeValue(h.options, tail, deref) as Record<string, unknown>;
        return this.#result(make(comm, h.shape as number[], options), out, limit);
      }
      case "scatter": {
        const array = comm.rank === 0 ? decodeValue(h.array, tail, deref) as NDArray : null;
        const options = decodeValue(h.options, tail, deref) as Record<string, unknown>;
        return this.#result(DistArray.fromNDArray(comm, array, options), out, limit);
      }
      case "ufunc": {
        const operands = decodeValue(h.operands, tail, deref) as DistArray[];
        return this.#result(DistArray.ufunc(h.name as string, operands), out, limit);
      }
      case "call": {
        const method = h.method as string;
        if (!PROXY_METHODS.has(method)) throw new TypeError(`Unknown DistArray method "${method}"`);
        const target = this.#array(h.target as number);
        const args = decodeValue(h.args, tail, deref) as unknown[];
        if (method === "toNDArray") return target.toNDArray(0);
        const f = (target as unknown as Record<string, (...a: unknown[]) => unknown>)[method];
        const value = f.apply(target, args);
        // an axis reduction is a DistArray: small ones come back whole, as NDArrays do
        const reduction = method === "reduce" ||
          (ARRAY_OPS as Record<string, { kind: string }>)[method]?.kind === "reduction";
        if (reduction && value instanceof DistArray && value.nbytes <= limit) {
          return value.toNDArray(0);
        }
        return this.#result(value, out, limit);
      }
      case "apply": {
        const fn = compile(h.src);
        const arrays: DistArray[] = [];
        const args = decodeValue(h.args, tail, (id) => {
          const a = this.#array(id);
          arrays.push(a);
          return a.local;
        }) as unknown[];
        const info: EngineInfo = { rank: comm.rank, size: comm.size, comm, arrays };
        return new PerRank(await fn(...args, info));
      }
      case "free":
        // a plugin's object is dropped, not closed: others may be derived from it (the
        // files a LazyArray source holds close with the engine)
        for (const id of h.ids as number[]) this.#arrays.delete(id);
        return null;
      case "load": {
        // a plugin module: it registers its commands when imported (dist/engine_plugin.ts)
        if (typeof h.module !== "string") throw new TypeError(`Invalid plugin module`);
        await import(h.module);
        return null;
      }
      case "ping":
        return new PerRank({
          rank: comm.rank,
          size: comm.size,
          pid: Deno.pid,
          arrays: this.#arrays.size,
        });
      default: {
        const command = engineCommand(h.op as string);
        if (!command) throw new TypeError(`Unknown engine command "${h.op}"`);
        return await command(this.#host(h, tail, limit), h);
      }
    }
  }
}

/** Serves one client connection until its shutdown (true) or its end (false). */
async function serve(comm: Comm, frames: AsyncGenerator<Frame>, out: FrameWriter) {
  const engine = new Engine(comm);
  for await (const { header, tail } of frames) {
    const id = header.id;
    if (header.op === "shutdown") {
      await out.write({ id, ok: true, value: null }).catch(() => {});
      return true;
    }
    try {
      const value = await engine.run(header, tail);
      const all = value instanceof PerRank;
      const send = all ? value.value : value;
      const t = new TailWriter();
      const json = all || comm.rank === 0 ? encodeValue(send, t) : null;
      await out.write({ id, ok: true, value: json }, t.bytes());
    } catch (e) {
      await out.write({ id, ok: false, error: wireError(e) }).catch(() => {});
    }
  }
  return false;
}

/** Connects to a client, or accepts one, and checks the token. */
async function connect(comm: Comm, mode: string, address: string, token: string) {
  const hello = { op: "hello", token, rank: comm.rank, size: comm.size, pid: Deno.pid };
  if (mode === "--connect") {
    const conn = await Deno.connect(parseAddress(address) as Deno.ConnectOptions);
    const out = new FrameWriter(conn.writable);
    await out.write(hello);
    return { conn, out, frames: readFrames(conn.readable) };
  }
  const where = parseAddress(address);
  const mine = comm.rank === 0 || where.transport === "unix" ? where : { ...where, port: 0 };
  if (where.transport === "unix" && comm.rank > 0) {
    (mine as Deno.UnixConnectOptions).path = `${where.path}.${comm.rank}`;
  }
  const listener = Deno.listen(mine as Deno.TcpListenOptions);
  const addresses = comm.allgatherJson(formatAddress(listener.addr));
  if (comm.rank === 0) console.log(`tessera engines listening: ${addresses[0]}`);
  for await (const conn of listener) {
    const frames = readFrames(conn.readable);
    const first = await frames.next().catch(() => null);
    const out = new FrameWriter(conn.writable);
    if (!first || first.done || first.value.header.token !== token) {
      await out.write({ op: "refused", message: "Wrong token" }).catch(() => {});
      await out.close();
      continue;
    }
    await out.write({ ...hello, token: undefined, addresses });
    return { conn, out, frames }; // leaving the loop closes the listener
  }
  throw new Error(`Engine listener on ${address} closed before a client attached`);
}

async function main(): Promise<void> {
  const [mode, address] = Deno.args;
  const token = Deno.env.get("TESSERA_CONTEXT_TOKEN") ?? "";
  if ((mode !== "--connect" && mode !== "--listen") || !address) {
    throw new TypeError(`Usage: _engine.ts --connect HOST:PORT | --listen HOST:PORT`);
  }
  if (!token) throw new TypeError(`TESSERA_CONTEXT_TOKEN is not set`);
  const comm = await init();
  const { conn, out, frames } = await connect(comm, mode, address, token);
  const shutdown = await serve(comm, frames, out);
  if (!shutdown) Deno.exit(3); // the client is gone: end the job
  await out.close();
  try {
    conn.close();
  } catch {
    // already closed by the client
  }
  await comm[Symbol.asyncDispose]();
}

if (import.meta.main) await main();
