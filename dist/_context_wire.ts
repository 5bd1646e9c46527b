// The wire format between a Context (dist/context.ts) and its engines
// (dist/_engine.ts): length-prefixed frames over a local stream socket, each a
// JSON header and a binary tail. A frame is
//
//   u32 LE header length | u32 LE tail length | header (UTF-8 JSON) | tail
//
// Values are encoded to JSON with tags for what JSON cannot hold: bigints
// (`{$b}`), non-finite numbers (`{$n}`), NDArrays (`{$nd: {dtype, shape, at,
// bytes}}`, their elements in the tail) and references to arrays held by the
// engines (`{$ref: id}`).

import { type DType, DTYPES } from "../core/dtype.ts";
import { fromTypedArray, NDArray } from "../core/ndarray.ts";
import { ARRAY_OPS } from "../core/ops.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** One frame: its JSON header and its binary tail. */
export interface Frame {
  readonly header: Record<string, unknown>;
  readonly tail: Uint8Array;
}

/** Largest header or tail accepted (1 GiB header, 16 GiB tail: a sanity bound, not a budget). */
const MAX_HEADER = 1 << 30;

/** Encodes one frame. */
export function encodeFrame(header: Record<string, unknown>, tail?: Uint8Array): Uint8Array {
  const json = encoder.encode(JSON.stringify(header));
  const t = tail ?? new Uint8Array(0);
  const out = new Uint8Array(8 + json.length + t.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, json.length, true);
  view.setUint32(4, t.length, true);
  out.set(json, 8);
  out.set(t, 8 + json.length);
  return out;
}

/**
 * Reads frames from a stream: yields each complete frame, returns at the end
 * of the stream (a partial frame at the end is a `RangeError`).
 */
export async function* readFrames(stream: ReadableStream<Uint8Array>): AsyncGenerator<Frame> {
  let buf = new Uint8Array(0);
  // chunks read but not yet joined to `buf` (joined once a whole frame is there:
  // a large frame is copied once, not once per chunk)
  let chunks: Uint8Array[] = [];
  let chunked = 0;
  const reader = stream.getReader();
  try {
    while (true) {
      let need = 8;
      while (buf.length >= 8) {
        const view = new DataView(buf.buffer, buf.byteOffset, 8);
        const h = view.getUint32(0, true);
        const t = view.getUint32(4, true);
        if (h > MAX_HEADER) throw new RangeError(`Invalid frame: header of ${h} bytes`);
        need = 8 + h + t;
        if (buf.length < need) break;
        const header = JSON.parse(decoder.decode(buf.subarray(8, 8 + h)));
        const tail = buf.slice(8 + h, need);
        buf = buf.subarray(need);
        need = 8;
        yield { header, tail };
      }
      const { value, done } = await reader.read();
      if (done) {
        if (buf.length || chunked) {
          throw new RangeError(`Invalid frame: stream ended inside a frame`);
        }
        return;
      }
      chunks.push(value);
      chunked += value.length;
      if (buf.length + chunked >= need) {
        const next = new Uint8Array(buf.length + chunked);
        next.set(buf);
        let at = buf.length;
        for (const c of chunks) {
          next.set(c, at);
          at += c.length;
        }
        buf = next;
        chunks = [];
        chunked = 0;
      }
    }
  } finally {
    reader.releaseLock();
  }
}

/** Collects the binary parts of an encoded value. */
export class TailWriter {
  readonly #parts: Uint8Array[] = [];
  #length = 0;

  /** Appends bytes; returns their offset in the tail. */
  add(bytes: Uint8Array): number {
    const at = this.#length;
    this.#parts.push(bytes);
    this.#length += bytes.length;
    return at;
  }

  /** The tail. */
  bytes(): Uint8Array {
    const out = new Uint8Array(this.#length);
    let at = 0;
    for (const p of this.#parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  }
}

/**
 * Encodes a value as JSON with tags. `refOf` names the objects that travel as
 * references (a proxy on the client); other class instances are refused.
 */
export function encodeValue(
  value: unknown,
  tail: TailWriter,
  refOf: (x: object) => number | null = () => null,
): unknown {
  if (value === null || value === undefined) return null;
  switch (typeof value) {
    case "boolean":
    case "string":
      return value;
    case "number":
      return Number.isFinite(value) && !Object.is(value, -0) ? value : { $n: String(value) };
    case "bigint":
      return { $b: value.toString() };
    case "function":
    case "symbol":
      throw new TypeError(`Cannot send a ${typeof value} to or from the engines`);
  }
  const obj = value as object;
  const ref = refOf(obj);
  if (ref !== null) return { $ref: ref };
  if (obj instanceof NDArray) {
    const data = obj.toTypedArray();
    const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice();
    return {
      $nd: { dtype: obj.dtype, shape: obj.shape, at: tail.add(bytes), bytes: bytes.length },
    };
  }
  if (ArrayBuffer.isView(obj) && !(obj instanceof DataView)) {
    return encodeValue(fromTypedArray(obj as never), tail, refOf);
  }
  if (Array.isArray(obj)) return obj.map((x) => encodeValue(x, tail, refOf));
  const proto = Object.getPrototypeOf(obj);
  if (proto !== Object.prototype && proto !== null) {
    throw new TypeError(
      `Cannot send a ${proto?.constructor?.name ?? "class instance"} to or from the engines: ` +
        `only JSON values, bigints, NDArrays and array proxies travel`,
    );
  }
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj)) out[k] = encodeValue(v, tail, refOf);
  return out;
}

/** Decodes a value encoded by {@link encodeValue}; `deref` resolves `{$ref}`. */
export function decodeValue(
  json: unknown,
  tail: Uint8Array,
  deref: (id: number) => unknown,
): unknown {
  if (json === null || typeof json !== "object") return json;
  if (Array.isArray(json)) return json.map((x) => decodeValue(x, tail, deref));
  const o = json as Record<string, unknown>;
  if (typeof o.$n === "string") return Number(o.$n);
  if (typeof o.$b === "string") return BigInt(o.$b);
  if (typeof o.$ref === "number") return deref(o.$ref);
  if (o.$nd && typeof o.$nd === "object") {
    const { dtype, shape, at, bytes } = o.$nd as {
      dtype: DType;
      shape: number[];
      at: number;
      bytes: number;
    };
    const info = DTYPES[dtype];
    if (!info) throw new TypeError(`Invalid array on the wire: unknown dtype "${dtype}"`);
    const copy = tail.slice(at, at + bytes);
    const data = new info.array(copy.buffer, 0, bytes / info.array.BYTES_PER_ELEMENT);
    return fromTypedArray(data, shape, dtype);
  }
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) out[k] = decodeValue(v, tail, deref);
  return out;
}

/** An error as it travels: enough to rebuild its name, message and stack. */
export interface WireError {
  readonly name: string;
  readonly message: string;
  readonly stack?: string;
}

/** The wire form of a thrown value. */
export function wireError(e: unknown): WireError {
  if (e instanceof Error) return { name: e.name, message: e.message, stack: e.stack };
  return { name: "Error", message: `Uncaught ${typeof e === "string" ? e : Deno.inspect(e)}` };
}

/** A socket address: `host:port` (TCP) or `unix:/path` (a Unix socket). */
export function parseAddress(address: string): Deno.ConnectOptions | Deno.UnixConnectOptions {
  if (typeof address !== "string") {
    throw new TypeError(`Invalid engine address: expected a string, got ${typeof address}`);
  }
  if (address.startsWith("unix:")) return { transport: "unix", path: address.slice(5) };
  const m = /^\[?([^\]]*?)\]?:(\d+)$/.exec(address);
  if (!m || Number(m[2]) > 65535) {
    throw new TypeError(`Invalid engine address "${address}": expected host:port or unix:/path`);
  }
  return { transport: "tcp", hostname: m[1] || "127.0.0.1", port: Number(m[2]) };
}

/** The text form of a listener's address (see {@link parseAddress}). */
export function formatAddress(addr: Deno.Addr): string {
  if (addr.transport === "unix" || addr.transport === "unixpacket") return `unix:${addr.path}`;
  const a = addr as Deno.NetAddr;
  return a.hostname.includes(":") ? `[${a.hostname}]:${a.port}` : `${a.hostname}:${a.port}`;
}

/** Writes frames to a connection one after another (frames never interleave). */
export class FrameWriter {
  readonly #writer: WritableStreamDefaultWriter<Uint8Array>;
  #chain: Promise<void> = Promise.resolve();
  #failed: unknown = null;

  constructor(stream: WritableStream<Uint8Array>) {
    this.#writer = stream.getWriter();
  }

  /** Queues a frame; the promise settles when it is written (rejects if the socket is gone). */
  write(header: Record<string, unknown>, tail?: Uint8Array): Promise<void> {
    const bytes = encodeFrame(header, tail);
    const done = this.#chain.then(async () => {
      if (this.#failed) throw this.#failed;
      try {
        await this.#writer.write(bytes);
      } catch (e) {
        this.#failed = e;
        throw e;
      }
    });
    this.#chain = done.catch(() => {});
    return done;
  }

  /** Closes the stream after the queued frames (errors ignored). */
  async close(): Promise<void> {
    await this.#chain.catch(() => {});
    await this.#writer.close().catch(() => {});
  }
}

/** The hand-written DistArray methods a proxy forwards (besides the generated ones of ARRAY_OPS). */
export const HAND_METHODS = [
  "astype",
  "clip",
  "copy",
  "exchangeHalos",
  "get",
  "redistribute",
  "reduce",
  "set",
  "slice",
  "toNDArray",
] as const;

/** Every DistArray method an engine runs for a proxy. */
export const PROXY_METHODS: ReadonlySet<string> = new Set([
  ...HAND_METHODS,
  ...Object.entries(ARRAY_OPS).filter(([, op]) =>
    op.kind === "unary" || op.kind === "binary" || op.kind === "reduction" || op.kind === "scan"
  ).map(([name]) => name),
]);
