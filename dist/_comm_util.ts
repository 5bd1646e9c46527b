// Argument checks and JSON/number collectives shared by SelfComm and MpiComm
// (dist/self_comm.ts, dist/mpi_comm.ts): both classes check arguments with
// the same functions, so with the same messages, whatever the transport.

import { DTYPE_NAMES, type DTypeInfo, DTYPES } from "../core/dtype.ts";
import type { DatatypeName, MpiOpName } from "../ffi/mpi.ts";
import type { Comm, CommBuffer, ReduceOp } from "./comm.ts";

const MAX_COUNT = 2 ** 31 - 1;
const OPS: ReadonlySet<string> = new Set<ReduceOp>([
  "sum",
  "prod",
  "min",
  "max",
  "land",
  "lor",
  "band",
  "bor",
]);

/** TypedArray class -> MPI datatype, derived from the dtype table (bool shares Uint8Array with uint8, which wins). */
const DATATYPE_OF: ReadonlyMap<unknown, DatatypeName> = (() => {
  const m = new Map<unknown, DatatypeName>();
  for (const name of DTYPE_NAMES) {
    const row: DTypeInfo = DTYPES[name];
    if (row.mpi === null || row.kind === "b") continue;
    m.set(row.array, row.mpi as DatatypeName);
  }
  return m;
})();

export function datatypeName(buf: CommBuffer): DatatypeName {
  const name = DATATYPE_OF.get(buf?.constructor);
  if (!name) {
    const kind = buf?.constructor?.name ?? typeof buf;
    throw new TypeError(
      `Cannot communicate a "${kind}": expected a typed array with an MPI datatype`,
    );
  }
  return name;
}

export function count(n: number, what: string): number {
  if (n > MAX_COUNT) {
    throw new RangeError(
      `Cannot communicate ${n} elements in ${what}: MPI counts stop at ${MAX_COUNT}`,
    );
  }
  return n;
}

export function checkRank(r: number, size: number, what: string): number {
  if (!Number.isInteger(r) || r < 0 || r >= size) {
    throw new RangeError(`Invalid ${what} "${r}": expected an integer in [0, ${size})`);
  }
  return r | 0; // Deno FFI rejects -0 for an i32 parameter
}

export function checkTag(tag: number): number {
  if (!Number.isInteger(tag) || tag < 0 || tag > 32767) {
    throw new RangeError(`Invalid tag "${tag}": expected an integer in [0, 32767]`);
  }
  return tag | 0;
}

export function checkOp(op: string): MpiOpName {
  if (!OPS.has(op)) {
    throw new TypeError(`Unknown reduction "${op}": expected one of ${[...OPS].join(", ")}`);
  }
  return op as MpiOpName;
}

export function alloc<T extends CommBuffer>(like: T, length: number): T {
  const Ctor = like.constructor as new (n: number) => T;
  return new Ctor(length);
}

export function sameKind(a: CommBuffer, b: CommBuffer, what: string): void {
  if (a.constructor !== b.constructor) {
    throw new TypeError(
      `Mismatched buffers in ${what}: "${a.constructor.name}" and "${b.constructor.name}"`,
    );
  }
}

export function atLeast(buf: CommBuffer, n: number, what: string): void {
  if (buf.length < n) {
    throw new RangeError(
      `Receive buffer too small in ${what}: "${buf.length}" elements, need ${n}`,
    );
  }
}

export function intArray(values: readonly number[], size: number, what: string): Int32Array {
  if (values.length !== size) {
    throw new RangeError(`Invalid ${what} "[${values.join(",")}]": expected ${size} entries`);
  }
  for (const v of values) {
    if (!Number.isInteger(v) || v < 0 || v > MAX_COUNT) {
      throw new RangeError(`Invalid ${what} "[${values.join(",")}]": entries must be counts`);
    }
  }
  return Int32Array.from(values);
}

export function packed(counts: readonly number[]): number[] {
  const out: number[] = [];
  let at = 0;
  for (const c of counts) {
    out.push(at);
    at += c;
  }
  return out;
}

export function extent(counts: ArrayLike<number>, displs: ArrayLike<number>): number {
  let n = 0;
  for (let i = 0; i < counts.length; i++) n = Math.max(n, displs[i] + counts[i]);
  return n;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function toJsonBytes(value: unknown): Uint8Array {
  return encoder.encode(JSON.stringify(value) ?? "null");
}

export function bcastJsonOn<T>(comm: Comm, value: T, root: number): T {
  const len = new Float64Array(1);
  let bytes: Uint8Array | null = null;
  if (comm.rank === root) {
    bytes = toJsonBytes(value);
    len[0] = bytes.length;
  }
  comm.bcast(len, root);
  bytes ??= new Uint8Array(len[0]);
  comm.bcast(bytes, root);
  return JSON.parse(decoder.decode(bytes)) as T;
}

function splitJson<T>(bytes: Uint8Array, counts: ArrayLike<number>): T[] {
  const out: T[] = [];
  let at = 0;
  for (let i = 0; i < counts.length; i++) {
    out.push(JSON.parse(decoder.decode(bytes.subarray(at, at + counts[i]))) as T);
    at += counts[i];
  }
  return out;
}

export function gatherJsonOn<T>(comm: Comm, value: T, root: number): T[] | null {
  const bytes = toJsonBytes(value);
  const counts = comm.gather(new Int32Array([bytes.length]), null, root);
  const all = comm.gatherv(bytes, { root, counts: counts ? [...counts] : [] });
  return all && counts ? splitJson<T>(all, counts) : null;
}

export function allgatherJsonOn<T>(comm: Comm, value: T): T[] {
  const bytes = toJsonBytes(value);
  const counts = comm.allgather(new Int32Array([bytes.length]));
  return splitJson<T>(comm.allgatherv(bytes, { counts: [...counts] }), counts);
}

export function allreduceNumberOn(comm: Comm, x: number, op: ReduceOp): number {
  return comm.allreduce(new Float64Array([x]), null, op)[0];
}

export function checkDims(dims: readonly number[], size: number): void {
  let product = 1;
  for (const d of dims) {
    if (!Number.isInteger(d) || d < 1) {
      throw new RangeError(
        `Invalid grid "[${dims.join(",")}]": dimensions must be positive integers`,
      );
    }
    product *= d;
  }
  if (product !== size) {
    throw new RangeError(
      `Invalid grid "[${dims.join(",")}]": it has ${product} cells for ${size} ranks`,
    );
  }
}

export function checkColor(color: number | null): void {
  if (color !== null && (!Number.isInteger(color) || color < 0)) {
    throw new RangeError(`Invalid color "${color}": expected a non-negative integer or null`);
  }
}
