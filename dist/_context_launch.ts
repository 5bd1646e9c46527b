// How a Context (dist/context.ts) gets its engines: it launches them under
// MPI and waits for each rank to connect back with the token (`launch`), or
// connects to engines started by hand with `--listen` (`attachLinks`).

import { EngineError } from "./engine_error.ts";
import {
  formatAddress,
  type Frame,
  FrameWriter,
  parseAddress,
  readFrames,
} from "./_context_wire.ts";

/** One engine's connection. */
export interface Link {
  readonly rank: number;
  readonly pid: number;
  readonly conn: Deno.Conn;
  readonly out: FrameWriter;
  readonly frames: AsyncGenerator<Frame>;
}

/** A launched job: the launcher process and what it printed on stderr lately. */
export interface Job {
  readonly child: Deno.ChildProcess;
  /** The last few KiB of the engines' stderr. */
  stderrTail(): string;
  /** Resolves when the stderr pump has ended. */
  readonly pumped: Promise<void>;
}

/** Options of `launch`, validated by the caller. */
export interface LaunchOptions {
  readonly engines: number;
  readonly launcher: readonly string[] | null;
  readonly denoArgs: readonly string[];
  readonly transport: "tcp" | "unix";
  readonly output: "inherit" | "null";
  readonly startTimeoutMs: number;
  /** Extra environment of the launcher. */
  readonly env: Record<string, string>;
}

const ENGINE_SCRIPT = new URL("./_engine.ts", import.meta.url);

/** A random token (128 bits, hex). */
function newToken(): string {
  const b = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
}

function scriptArg(): string {
  return ENGINE_SCRIPT.protocol === "file:"
    ? decodeURIComponent(ENGINE_SCRIPT.pathname)
    : ENGINE_SCRIPT.href;
}

/** Keeps the tail of a byte stream (and forwards it to our stderr when asked). */
function pumpStderr(stream: ReadableStream<Uint8Array>, forward: boolean) {
  let tail = "";
  const decoder = new TextDecoder();
  const pumped = (async () => {
    for await (const chunk of stream) {
      if (forward) {
        try {
          await Deno.stderr.write(chunk);
        } catch {
          // our stderr is gone
        }
      }
      tail = (tail + decoder.decode(chunk, { stream: true })).slice(-4096);
    }
  })().catch(() => {});
  return { pumped, stderrTail: () => tail };
}

/** Races a promise against a deadline (rejecting with `onTimeout()`). */
export function withDeadline<T>(p: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(onTimeout()), ms);
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

/** Closes links, ignoring errors. */
export function closeLinks(links: Iterable<Link>): void {
  for (const l of links) {
    try {
      l.conn.close();
    } catch {
      // already closed
    }
  }
}

/**
 * Launches the engines and waits for every rank to connect with the token.
 * On any failure the launcher is killed and an EngineError (`start`) thrown.
 */
export async function launch(options: LaunchOptions): Promise<{ links: Link[]; job: Job }> {
  const token = newToken();
  let unixPath: string | null = null;
  let listener: Deno.Listener;
  if (options.transport === "unix") {
    const dir = await Deno.makeTempDir({ prefix: "tessera-context-" });
    unixPath = `${dir}/engines.sock`;
    listener = Deno.listen({ transport: "unix", path: unixPath });
  } else {
    listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  }
  const address = formatAddress(listener.addr);
  const engineArgv = [Deno.execPath(), "run", ...options.denoArgs, scriptArg()];
  engineArgv.push("--connect", address);
  const argv = options.launcher
    ? [...options.launcher, "-n", String(options.engines), ...engineArgv]
    : engineArgv;
  let child: Deno.ChildProcess;
  try {
    child = new Deno.Command(argv[0], {
      args: argv.slice(1),
      env: { ...options.env, TESSERA_CONTEXT_TOKEN: token },
      stdin: "null",
      stdout: options.output,
      stderr: "piped",
    }).spawn();
  } catch (e) {
    listener.close();
    throw new EngineError(`Cannot start the engines with "${argv[0]}": ${e}`, {
      reason: "start",
      cause: e,
    });
  }
  const { pumped, stderrTail } = pumpStderr(child.stderr, options.output === "inherit");
  const job: Job = { child, stderrTail, pumped };
  const links = new Map<number, Link>();
  let allIn!: () => void;
  const connected = new Promise<void>((resolve) => (allIn = resolve));
  const accepting = (async () => {
    for await (const conn of listener) {
      // each connection says hello on its own, so a silent one cannot block the others
      (async () => {
        const frames = readFrames(conn.readable);
        const first = await withDeadline(
          frames.next(),
          options.startTimeoutMs,
          () => new Error("no hello"),
        ).catch(() => null);
        const h = first && !first.done ? first.value.header : null;
        const rank = h?.rank as number;
        if (
          !h || h.token !== token || !Number.isInteger(rank) || rank < 0 ||
          rank >= options.engines || h.size !== options.engines || links.has(rank)
        ) {
          conn.close();
          return;
        }
        links.set(rank, {
          rank,
          pid: h.pid as number,
          conn,
          out: new FrameWriter(conn.writable),
          frames,
        });
        if (links.size === options.engines) allIn();
      })();
    }
  })().catch(() => {});
  const exited = child.status.then((s) => {
    throw new EngineError(
      `The engines exited (code ${s.code}) before all ${options.engines} connected` +
        (stderrTail() ? `: ${stderrTail().trim().slice(-1000)}` : ""),
      { reason: "start" },
    );
  });
  try {
    await withDeadline(
      Promise.race([connected, exited]),
      options.startTimeoutMs,
      () =>
        new EngineError(
          `The engines did not connect within ${options.startTimeoutMs} ms ` +
            `(${links.size} of ${options.engines})`,
          { reason: "start" },
        ),
    );
  } catch (e) {
    try {
      child.kill("SIGKILL");
    } catch {
      // already gone
    }
    await child.status;
    await pumped;
    closeLinks(links.values());
    throw e;
  } finally {
    exited.catch(() => {});
    listener.close();
    await accepting;
    if (unixPath) {
      await Deno.remove(unixPath.replace(/\/[^/]*$/, ""), { recursive: true }).catch(() => {});
    }
  }
  return { links: [...links.values()].sort((a, b) => a.rank - b.rank), job };
}

async function hello(
  address: string,
  token: string,
): Promise<{ link: Link; header: Record<string, unknown> }> {
  const conn = await Deno.connect(parseAddress(address) as Deno.ConnectOptions);
  const out = new FrameWriter(conn.writable);
  const frames = readFrames(conn.readable);
  await out.write({ op: "hello", token });
  const first = await frames.next();
  const h = first.done ? null : first.value.header;
  if (!h || h.op !== "hello") {
    conn.close();
    throw new EngineError(
      `Engine at ${address} refused the connection: ${h?.message ?? "it closed the connection"}`,
      { reason: "start" },
    );
  }
  return { link: { rank: h.rank as number, pid: h.pid as number, conn, out, frames }, header: h };
}

/** Connects to engines started with `--listen` (rank 0 at `address`). */
export async function attachLinks(
  address: string,
  token: string,
  timeoutMs: number,
): Promise<Link[]> {
  const links: Link[] = [];
  const work = (async () => {
    const first = await hello(address, token);
    links.push(first.link);
    const addresses = first.header.addresses as string[];
    for (let r = 1; r < addresses.length; r++) links.push((await hello(addresses[r], token)).link);
  })();
  try {
    await withDeadline(
      work,
      timeoutMs,
      () =>
        new EngineError(`Could not attach to the engines at ${address} within ${timeoutMs} ms`, {
          reason: "start",
        }),
    );
  } catch (e) {
    work.catch(() => {});
    closeLinks(links);
    if (e instanceof EngineError) throw e;
    throw new EngineError(`Cannot attach to the engines at ${address}: ${e}`, {
      reason: "start",
      cause: e,
    });
  }
  return links.sort((a, b) => a.rank - b.rank);
}
