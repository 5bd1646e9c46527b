/**
 * Communicators: the world of ranks a distributed computation runs on.
 *
 * {@link init} returns an {@link MpiComm} over libmpi (MPICH or Open MPI,
 * through Deno FFI) when the process was started by an MPI launcher, and a
 * {@link SelfComm} (one rank, no native library) otherwise. Both implement
 * {@link Comm}.
 *
 * MPI calls block the JavaScript thread, so every {@link Comm} method is
 * synchronous and returns plain values; only {@link init} is async. Typed
 * arrays go to MPI without copies, and their MPI datatype follows from their
 * class through the dtype table (`Float32Array` -> `MPI_FLOAT`,
 * `Uint8Array` -> `MPI_UINT8_T`, `BigInt64Array` -> `MPI_INT64_T`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { init } from "./comm.ts";
 * await using world = await init();
 * const total = world.allreduce(new Float64Array([world.rank + 1]), null, "sum");
 * assert.equal(total[0], (world.size * (world.size + 1)) / 2);
 * ```
 *
 * @module
 */

import { DTYPE_NAMES, type DTypeInfo, DTYPES } from "../core/dtype.ts";
import { MpiError } from "../core/errors.ts";
import {
  type DatatypeName,
  detectLauncher,
  type Handle,
  loadMpi,
  type Mpi,
  type MpiOpName,
} from "../ffi/mpi.ts";
import { installFatalHandlers } from "./_abort.ts";

/** A reduction operation: arithmetic, logical (`land`, `lor`) or bitwise (`band`, `bor`). */
export type ReduceOp = "sum" | "prod" | "min" | "max" | "land" | "lor" | "band" | "bor";

/** The typed arrays a communicator moves (every dtype with an MPI datatype). */
export type CommBuffer =
  | Int8Array
  | Uint8Array
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | BigInt64Array
  | BigUint64Array
  | Float32Array
  | Float64Array;

/** What a completed receive reports. */
export interface RecvStatus {
  /** The rank the message came from. */
  readonly source: number;
  /** The message's tag. */
  readonly tag: number;
  /** Elements received. */
  readonly count: number;
}

/**
 * A nonblocking send or receive. It holds a reference to its buffer until it
 * completes, so the buffer cannot be collected while MPI uses it.
 */
export interface Request {
  /** Whether the operation has completed (after `wait()` or a successful `test()`). */
  readonly done: boolean;
  /**
   * Blocks until the operation completes.
   *
   * @returns For a receive, its status; for a send, this rank, the tag and the elements sent.
   */
  wait(): RecvStatus;
  /**
   * Checks for completion without blocking.
   *
   * @returns The status when complete, else null.
   */
  test(): RecvStatus | null;
}

/** Options of {@link Comm.gatherv}. */
export interface GathervOptions<T extends CommBuffer> {
  /** Root rank (default 0). */
  root?: number;
  /**
   * Elements from each rank, used at the root. When omitted they are
   * gathered first: omit them on every rank or on none.
   */
  counts?: readonly number[];
  /** Offsets (in elements) in the receive buffer; default: packed in rank order. */
  displs?: readonly number[];
  /** Receive buffer at the root; allocated when omitted. */
  recv?: T | null;
}

/** Options of {@link Comm.allgatherv}. */
export interface AllgathervOptions<T extends CommBuffer> {
  /** Elements from each rank; gathered first when omitted (omit on every rank or on none). */
  counts?: readonly number[];
  /** Offsets (in elements) in the receive buffer; default: packed in rank order. */
  displs?: readonly number[];
  /** Receive buffer; allocated when omitted. */
  recv?: T | null;
}

/** Options of {@link Comm.scatterv}. */
export interface ScattervOptions {
  /** Root rank (default 0). */
  root?: number;
  /** Elements for each rank; required at the root. */
  counts?: readonly number[];
  /** Offsets (in elements) in the send buffer; default: packed in rank order. */
  displs?: readonly number[];
}

/** Options of {@link Comm.alltoallv}. */
export interface AlltoallvOptions<T extends CommBuffer> {
  /** Elements received from each rank; exchanged first when omitted (on every rank or none). */
  recvCounts?: readonly number[];
  /** Offsets (in elements) in the send buffer; default: packed. */
  sendDispls?: readonly number[];
  /** Offsets (in elements) in the receive buffer; default: packed. */
  recvDispls?: readonly number[];
  /** Receive buffer; allocated when omitted. */
  recv?: T | null;
}

/** Neighbours along one axis of a Cartesian grid; null where the grid ends (not periodic). */
export interface Shift {
  /** The rank that sends to this one (`MPI_Cart_shift`'s `rank_source`). */
  readonly source: number | null;
  /** The rank this one sends to (`MPI_Cart_shift`'s `rank_dest`). */
  readonly dest: number | null;
}

/**
 * A communicator: a group of ranks and the collective and point-to-point
 * operations between them. Every method is synchronous (MPI blocks the
 * thread). Collectives must be called by every rank, in the same order.
 */
export interface Comm extends Disposable, AsyncDisposable {
  /** This process's rank, `0 <= rank < size`. */
  readonly rank: number;
  /** Number of ranks. */
  readonly size: number;
  /** Blocks until every rank has entered. */
  barrier(): void;
  /**
   * Broadcasts `buf` from `root` into `buf` on every rank.
   *
   * @param buf The data at the root; the receive buffer elsewhere (same length).
   * @param root Root rank (default 0).
   * @returns `buf`.
   */
  bcast<T extends CommBuffer>(buf: T, root?: number): T;
  /**
   * Element-wise reduction to `root`.
   *
   * @param send This rank's contribution.
   * @param recv Result buffer at the root (may be `send`); allocated when null.
   * @param op Operation (default `"sum"`).
   * @param root Root rank (default 0).
   * @returns The result at the root, null elsewhere.
   */
  reduce<T extends CommBuffer>(send: T, recv?: T | null, op?: ReduceOp, root?: number): T | null;
  /**
   * Element-wise reduction, result on every rank.
   *
   * @param send This rank's contribution.
   * @param recv Result buffer (may be `send`, in place); allocated when null.
   * @param op Operation (default `"sum"`).
   * @returns The result.
   */
  allreduce<T extends CommBuffer>(send: T, recv?: T | null, op?: ReduceOp): T;
  /**
   * Gathers equal-length blocks to `root`, in rank order.
   *
   * @param send This rank's block.
   * @param recv Buffer of `size * send.length` at the root; allocated when null.
   * @param root Root rank (default 0).
   * @returns The blocks at the root, null elsewhere.
   */
  gather<T extends CommBuffer>(send: T, recv?: T | null, root?: number): T | null;
  /**
   * Gathers blocks of any length to the root.
   *
   * @param send This rank's block.
   * @param options Root, counts, displacements, receive buffer.
   * @returns The blocks at the root, null elsewhere.
   */
  gatherv<T extends CommBuffer>(send: T, options?: GathervOptions<T>): T | null;
  /**
   * Gathers equal-length blocks to every rank.
   *
   * @param send This rank's block.
   * @param recv Buffer of `size * send.length`; allocated when null.
   * @returns The blocks in rank order.
   */
  allgather<T extends CommBuffer>(send: T, recv?: T | null): T;
  /**
   * Gathers blocks of any length to every rank.
   *
   * @param send This rank's block.
   * @param options Counts, displacements, receive buffer.
   * @returns The blocks.
   */
  allgatherv<T extends CommBuffer>(send: T, options?: AllgathervOptions<T>): T;
  /**
   * Scatters equal-length blocks from the root: rank `i` gets block `i`.
   *
   * @param send `size * recv.length` elements at the root; ignored elsewhere (may be null).
   * @param recv This rank's block.
   * @param root Root rank (default 0).
   * @returns `recv`.
   */
  scatter<T extends CommBuffer>(send: T | null, recv: T, root?: number): T;
  /**
   * Scatters blocks of any length from the root; rank `i` gets `counts[i]`
   * elements, which must equal its `recv.length`.
   *
   * @param send The data at the root; ignored elsewhere (may be null).
   * @param recv This rank's block.
   * @param options Root, counts (required at the root), displacements.
   * @returns `recv`.
   */
  scatterv<T extends CommBuffer>(send: T | null, recv: T, options?: ScattervOptions): T;
  /**
   * Every rank sends block `j` of `send` to rank `j`.
   *
   * @param send `size` equal blocks.
   * @param recv Receive buffer (same length); allocated when null.
   * @returns Block `i` of the result came from rank `i`.
   */
  alltoall<T extends CommBuffer>(send: T, recv?: T | null): T;
  /**
   * Every rank sends `sendCounts[j]` elements to rank `j`.
   *
   * @param send The data for every rank, packed unless `sendDispls` says otherwise.
   * @param sendCounts Elements for each rank.
   * @param options Receive counts, displacements, receive buffer.
   * @returns The data received, from rank 0 first.
   */
  alltoallv<T extends CommBuffer>(
    send: T,
    sendCounts: readonly number[],
    options?: AlltoallvOptions<T>,
  ): T;
  /**
   * Sends `buf` to `dest` (blocking).
   *
   * @param buf The data.
   * @param dest Destination rank.
   * @param tag Message tag (default 0).
   */
  send(buf: CommBuffer, dest: number, tag?: number): void;
  /**
   * Receives into `buf` (blocking).
   *
   * @param buf Receive buffer (at least as long as the message).
   * @param source Source rank; null or omitted for any.
   * @param tag Tag; null or omitted for any.
   * @returns Where the message came from and how many elements it had.
   */
  recv(buf: CommBuffer, source?: number | null, tag?: number | null): RecvStatus;
  /**
   * Starts a send.
   *
   * @param buf The data; do not modify it before the request completes.
   * @param dest Destination rank.
   * @param tag Message tag (default 0).
   * @returns The request.
   */
  isend(buf: CommBuffer, dest: number, tag?: number): Request;
  /**
   * Starts a receive.
   *
   * @param buf Receive buffer.
   * @param source Source rank; null or omitted for any.
   * @param tag Tag; null or omitted for any.
   * @returns The request.
   */
  irecv(buf: CommBuffer, source?: number | null, tag?: number | null): Request;
  /**
   * Splits into sub-communicators, one per color, ranked by `key` then by
   * rank. Collective.
   *
   * @param color A non-negative color, or null to take part in no sub-communicator.
   * @param key Ordering key (default: this rank).
   * @returns This rank's sub-communicator; null when `color` is null.
   */
  split(color: number, key?: number): Comm;
  /**
   * Splits into sub-communicators; a null color takes part in none.
   *
   * @param color A non-negative color, or null.
   * @param key Ordering key (default: this rank).
   * @returns This rank's sub-communicator, or null when `color` is null.
   */
  split(color: number | null, key?: number): Comm | null;
  /**
   * Duplicates the communicator (same group, separate message space). Collective.
   *
   * @returns The new communicator.
   */
  dup(): Comm;
  /** Frees a communicator made by `split`, `dup` or `cartCreate`. Idempotent. Collective. */
  free(): void;
  /**
   * Arranges the ranks in a Cartesian grid, in C (row-major) order, without
   * reordering. Collective. `dims` must multiply to `size` (see {@link dimsCreate}).
   *
   * @param dims Ranks along each axis.
   * @param periods Whether each axis wraps around (default: none).
   * @returns The grid communicator.
   */
  cartCreate(dims: readonly number[], periods?: readonly boolean[]): CartComm;
  /**
   * Reduces one number over all ranks (as float64).
   *
   * @param x This rank's number.
   * @param op Operation (default `"sum"`).
   * @returns The result, on every rank.
   */
  allreduceNumber(x: number, op?: ReduceOp): number;
  /**
   * Broadcasts a JSON-serializable value from the root.
   *
   * @param value The value at the root; ignored elsewhere.
   * @param root Root rank (default 0).
   * @returns The root's value (parsed from JSON) on every rank.
   */
  bcastJson<T>(value: T, root?: number): T;
  /**
   * Gathers one JSON-serializable value per rank to the root.
   *
   * @param value This rank's value.
   * @param root Root rank (default 0).
   * @returns The values in rank order at the root, null elsewhere.
   */
  gatherJson<T>(value: T, root?: number): T[] | null;
  /**
   * Gathers one JSON-serializable value per rank to every rank.
   *
   * @param value This rank's value.
   * @returns The values in rank order.
   */
  allgatherJson<T>(value: T): T[];
}

/** A communicator whose ranks form a Cartesian grid (from {@link Comm.cartCreate}). */
export interface CartComm extends Comm {
  /** Ranks along each axis. */
  readonly dims: readonly number[];
  /** Whether each axis wraps around. */
  readonly periods: readonly boolean[];
  /**
   * The grid coordinates of a rank.
   *
   * @param rank A rank (default: this one).
   * @returns One coordinate per axis.
   */
  coords(rank?: number): number[];
  /**
   * The rank at grid coordinates (wrapped on periodic axes).
   *
   * @param coords One coordinate per axis.
   * @returns The rank.
   */
  rankOf(coords: readonly number[]): number;
  /**
   * The neighbours of this rank `disp` steps along `direction`.
   *
   * @param direction The axis.
   * @param disp Steps (default 1; negative goes backwards).
   * @returns Source and destination ranks, null past a non-periodic edge.
   */
  shift(direction: number, disp?: number): Shift;
}

// ---------------------------------------------------------------------------
// shared helpers

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

function datatypeName(buf: CommBuffer): DatatypeName {
  const name = DATATYPE_OF.get(buf?.constructor);
  if (!name) {
    const kind = buf?.constructor?.name ?? typeof buf;
    throw new TypeError(
      `Cannot communicate a "${kind}": expected a typed array with an MPI datatype`,
    );
  }
  return name;
}

function count(n: number, what: string): number {
  if (n > MAX_COUNT) {
    throw new RangeError(
      `Cannot communicate ${n} elements in ${what}: MPI counts stop at ${MAX_COUNT}`,
    );
  }
  return n;
}

function checkRank(r: number, size: number, what: string): number {
  if (!Number.isInteger(r) || r < 0 || r >= size) {
    throw new RangeError(`Invalid ${what} "${r}": expected an integer in [0, ${size})`);
  }
  return r | 0; // Deno FFI rejects -0 for an i32 parameter
}

function checkTag(tag: number): number {
  if (!Number.isInteger(tag) || tag < 0 || tag > 32767) {
    throw new RangeError(`Invalid tag "${tag}": expected an integer in [0, 32767]`);
  }
  return tag | 0;
}

function checkOp(op: string): MpiOpName {
  if (!OPS.has(op)) {
    throw new TypeError(`Unknown reduction "${op}": expected one of ${[...OPS].join(", ")}`);
  }
  return op as MpiOpName;
}

function alloc<T extends CommBuffer>(like: T, length: number): T {
  const Ctor = like.constructor as new (n: number) => T;
  return new Ctor(length);
}

function sameKind(a: CommBuffer, b: CommBuffer, what: string): void {
  if (a.constructor !== b.constructor) {
    throw new TypeError(
      `Mismatched buffers in ${what}: "${a.constructor.name}" and "${b.constructor.name}"`,
    );
  }
}

function atLeast(buf: CommBuffer, n: number, what: string): void {
  if (buf.length < n) {
    throw new RangeError(
      `Receive buffer too small in ${what}: "${buf.length}" elements, need ${n}`,
    );
  }
}

function intArray(values: readonly number[], size: number, what: string): Int32Array {
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

function packed(counts: readonly number[]): number[] {
  const out: number[] = [];
  let at = 0;
  for (const c of counts) {
    out.push(at);
    at += c;
  }
  return out;
}

function extent(counts: ArrayLike<number>, displs: ArrayLike<number>): number {
  let n = 0;
  for (let i = 0; i < counts.length; i++) n = Math.max(n, displs[i] + counts[i]);
  return n;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function toJsonBytes(value: unknown): Uint8Array {
  return encoder.encode(JSON.stringify(value) ?? "null");
}

function bcastJsonOn<T>(comm: Comm, value: T, root: number): T {
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

function gatherJsonOn<T>(comm: Comm, value: T, root: number): T[] | null {
  const bytes = toJsonBytes(value);
  const counts = comm.gather(new Int32Array([bytes.length]), null, root);
  const all = comm.gatherv(bytes, { root, counts: counts ? [...counts] : [] });
  return all && counts ? splitJson<T>(all, counts) : null;
}

function allgatherJsonOn<T>(comm: Comm, value: T): T[] {
  const bytes = toJsonBytes(value);
  const counts = comm.allgather(new Int32Array([bytes.length]));
  return splitJson<T>(comm.allgatherv(bytes, { counts: [...counts] }), counts);
}

function allreduceNumberOn(comm: Comm, x: number, op: ReduceOp): number {
  return comm.allreduce(new Float64Array([x]), null, op)[0];
}

function checkDims(dims: readonly number[], size: number): void {
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

/**
 * Factors `nnodes` ranks into a grid with `MPI_Dims_create` semantics: axes
 * given as non-zero are kept, the others are filled as evenly as possible and
 * in non-increasing order. Pure TypeScript, so the grid is the same with any
 * MPI library or none.
 *
 * @param nnodes Number of ranks.
 * @param dims Number of axes, or one entry per axis (0 = free, else fixed).
 * @returns Ranks along each axis; their product is `nnodes`.
 * @throws {RangeError} When the fixed axes do not divide `nnodes`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { dimsCreate } from "./comm.ts";
 * assert.deepEqual(dimsCreate(12, 2), [4, 3]);
 * assert.deepEqual(dimsCreate(12, [0, 2, 0]), [3, 2, 2]);
 * ```
 */
export function dimsCreate(nnodes: number, dims: number | readonly number[]): number[] {
  const out = typeof dims === "number" ? new Array<number>(dims).fill(0) : [...dims];
  if (!Number.isInteger(nnodes) || nnodes < 1) {
    throw new RangeError(`Invalid node count "${nnodes}": expected a positive integer`);
  }
  let fixed = 1;
  const free: number[] = [];
  out.forEach((d, i) => {
    if (!Number.isInteger(d) || d < 0) {
      throw new RangeError(`Invalid dims "[${out.join(",")}]": entries must be non-negative`);
    }
    if (d === 0) free.push(i);
    else fixed *= d;
  });
  if (nnodes % fixed !== 0 || (free.length === 0 && fixed !== nnodes)) {
    throw new RangeError(
      `Cannot arrange ${nnodes} ranks in "[${out.join(",")}]": the fixed axes do not divide it`,
    );
  }
  const best = balancedFactors(nnodes / fixed, free.length);
  free.forEach((axis, i) => out[axis] = best[i]);
  return out;
}

/** The factorization of `n` into `k` non-increasing factors with the smallest spread. */
function balancedFactors(n: number, k: number): number[] {
  if (k === 0) return [];
  let best: number[] | null = null;
  const cur: number[] = [];
  const walk = (rest: number, slots: number, maxFactor: number): void => {
    if (slots === 1) {
      if (rest > maxFactor) return;
      const cand = [...cur, rest];
      if (!best || cand[0] - rest < best[0] - best[best.length - 1]) best = cand;
      return;
    }
    for (let f = Math.min(maxFactor, rest); f >= 1; f--) {
      if (rest % f !== 0 || f ** slots < rest) continue;
      cur.push(f);
      walk(rest / f, slots - 1, f);
      cur.pop();
    }
  };
  walk(n, k, n);
  return best!;
}

// ---------------------------------------------------------------------------
// SelfComm

interface Message {
  readonly tag: number;
  readonly data: CommBuffer;
}

class SelfRequest implements Request {
  #done: RecvStatus | null;
  #poll: () => RecvStatus | null;
  constructor(poll: () => RecvStatus | null) {
    this.#poll = poll;
    this.#done = poll();
  }
  get done(): boolean {
    return this.#done !== null;
  }
  wait(): RecvStatus {
    const s = this.test();
    if (!s) throw new Error("Cannot wait on a receive in a one-rank world: no matching send");
    return s;
  }
  test(): RecvStatus | null {
    this.#done ??= this.#poll();
    return this.#done;
  }
}

/**
 * The one-rank communicator used when no MPI launcher started the process:
 * collectives are copies, messages to self are queued. No native library.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { SelfComm } from "./comm.ts";
 * using comm = new SelfComm();
 * assert.deepEqual(comm.allgather(new Int32Array([7])), new Int32Array([7]));
 * assert.deepEqual(comm.gatherJson({ a: 1 }), [{ a: 1 }]);
 * ```
 */
export class SelfComm implements Comm {
  /** Always 0. */
  readonly rank: number = 0;
  /** Always 1. */
  readonly size: number = 1;
  #queue: Message[] = [];

  /** Does nothing: one rank is always synchronized. */
  barrier(): void {}

  /**
   * {@link Comm.bcast} on one rank.
   *
   * @param buf The data.
   * @param root Must be 0.
   * @returns `buf`.
   */
  bcast<T extends CommBuffer>(buf: T, root = 0): T {
    datatypeName(buf);
    checkRank(root, 1, "root");
    return buf;
  }

  /**
   * {@link Comm.reduce} on one rank.
   *
   * @param send The contribution.
   * @param recv Result buffer; allocated when null.
   * @param op Operation.
   * @param root Must be 0.
   * @returns A copy of `send`.
   */
  reduce<T extends CommBuffer>(send: T, recv: T | null = null, op: ReduceOp = "sum", root = 0): T {
    checkRank(root, 1, "root");
    return this.allreduce(send, recv, op);
  }

  /**
   * {@link Comm.allreduce} on one rank.
   *
   * @param send The contribution.
   * @param recv Result buffer; allocated when null.
   * @param op Operation.
   * @returns A copy of `send`.
   */
  allreduce<T extends CommBuffer>(send: T, recv: T | null = null, op: ReduceOp = "sum"): T {
    datatypeName(send);
    checkOp(op);
    const out = recv ?? alloc(send, send.length);
    sameKind(send, out, "allreduce");
    atLeast(out, send.length, "allreduce");
    if (out !== send) (out as Float64Array).set(send as Float64Array);
    return out;
  }

  /**
   * {@link Comm.gather} on one rank.
   *
   * @param send The block.
   * @param recv Result buffer; allocated when null.
   * @param root Must be 0.
   * @returns A copy of `send`.
   */
  gather<T extends CommBuffer>(send: T, recv: T | null = null, root = 0): T {
    checkRank(root, 1, "root");
    return this.allreduce(send, recv);
  }

  /**
   * {@link Comm.gatherv} on one rank.
   *
   * @param send The block.
   * @param options Counts, displacements, receive buffer.
   * @returns The block placed at its displacement.
   */
  gatherv<T extends CommBuffer>(send: T, options: GathervOptions<T> = {}): T {
    checkRank(options.root ?? 0, 1, "root");
    return this.allgatherv(send, options);
  }

  /**
   * {@link Comm.allgather} on one rank.
   *
   * @param send The block.
   * @param recv Result buffer; allocated when null.
   * @returns A copy of `send`.
   */
  allgather<T extends CommBuffer>(send: T, recv: T | null = null): T {
    return this.allreduce(send, recv);
  }

  /**
   * {@link Comm.allgatherv} on one rank.
   *
   * @param send The block.
   * @param options Counts, displacements, receive buffer.
   * @returns The block placed at its displacement.
   */
  allgatherv<T extends CommBuffer>(send: T, options: AllgathervOptions<T> = {}): T {
    datatypeName(send);
    const counts = intArray(options.counts ?? [send.length], 1, "counts");
    const displs = intArray(options.displs ?? [0], 1, "displs");
    if (counts[0] !== send.length) {
      throw new RangeError(`Invalid counts "[${counts[0]}]": rank 0 sends ${send.length}`);
    }
    const out = options.recv ?? alloc(send, displs[0] + counts[0]);
    sameKind(send, out, "allgatherv");
    atLeast(out, displs[0] + counts[0], "allgatherv");
    (out as Float64Array).set(send as Float64Array, displs[0]);
    return out;
  }

  /**
   * {@link Comm.scatter} on one rank.
   *
   * @param send The data.
   * @param recv This rank's block.
   * @param root Must be 0.
   * @returns `recv` filled from `send`.
   */
  scatter<T extends CommBuffer>(send: T | null, recv: T, root = 0): T {
    checkRank(root, 1, "root");
    return this.scatterv(send, recv, { counts: [recv.length] });
  }

  /**
   * {@link Comm.scatterv} on one rank.
   *
   * @param send The data.
   * @param recv This rank's block.
   * @param options Counts, displacements.
   * @returns `recv` filled from `send`.
   */
  scatterv<T extends CommBuffer>(send: T | null, recv: T, options: ScattervOptions = {}): T {
    checkRank(options.root ?? 0, 1, "root");
    if (!send) throw new TypeError("Cannot scatter from a null buffer at the root");
    sameKind(send, recv, "scatterv");
    const counts = intArray(options.counts ?? [recv.length], 1, "counts");
    const displs = intArray(options.displs ?? [0], 1, "displs");
    atLeast(recv, counts[0], "scatterv");
    atLeast(send, displs[0] + counts[0], "scatterv");
    (recv as Float64Array).set(
      (send as Float64Array).subarray(displs[0], displs[0] + counts[0]),
    );
    return recv;
  }

  /**
   * {@link Comm.alltoall} on one rank.
   *
   * @param send One block.
   * @param recv Result buffer; allocated when null.
   * @returns A copy of `send`.
   */
  alltoall<T extends CommBuffer>(send: T, recv: T | null = null): T {
    return this.allreduce(send, recv);
  }

  /**
   * {@link Comm.alltoallv} on one rank.
   *
   * @param send The data.
   * @param sendCounts One count.
   * @param options Receive counts, displacements, receive buffer.
   * @returns The data sent to self.
   */
  alltoallv<T extends CommBuffer>(
    send: T,
    sendCounts: readonly number[],
    options: AlltoallvOptions<T> = {},
  ): T {
    const sc = intArray(sendCounts, 1, "sendCounts");
    const sd = intArray(options.sendDispls ?? [0], 1, "sendDispls");
    atLeast(send, sd[0] + sc[0], "alltoallv");
    return this.allgatherv((send as Float64Array).subarray(sd[0], sd[0] + sc[0]) as T, {
      counts: options.recvCounts ?? [sc[0]],
      displs: options.recvDispls,
      recv: options.recv,
    });
  }

  /**
   * Queues a copy of `buf` for a later receive on this rank.
   *
   * @param buf The data.
   * @param dest Must be 0.
   * @param tag Message tag.
   */
  send(buf: CommBuffer, dest: number, tag = 0): void {
    datatypeName(buf);
    checkRank(dest, 1, "destination");
    this.#queue.push({ tag: checkTag(tag), data: buf.slice() });
  }

  /**
   * Takes the first queued message with a matching tag.
   *
   * @param buf Receive buffer.
   * @param source 0, or null for any.
   * @param tag Tag, or null for any.
   * @returns The message's status.
   */
  recv(buf: CommBuffer, source: number | null = null, tag: number | null = null): RecvStatus {
    const s = this.#take(buf, source, tag);
    if (!s) throw new Error("Cannot receive in a one-rank world: no matching message was sent");
    return s;
  }

  /**
   * {@link Comm.isend} on one rank.
   *
   * @param buf The data.
   * @param dest Must be 0.
   * @param tag Message tag.
   * @returns A completed request.
   */
  isend(buf: CommBuffer, dest: number, tag = 0): Request {
    this.send(buf, dest, tag);
    const status = { source: 0, tag, count: buf.length };
    return new SelfRequest(() => status);
  }

  /**
   * {@link Comm.irecv} on one rank.
   *
   * @param buf Receive buffer.
   * @param source 0, or null for any.
   * @param tag Tag, or null for any.
   * @returns A request that completes when a matching message is queued.
   */
  irecv(buf: CommBuffer, source: number | null = null, tag: number | null = null): Request {
    datatypeName(buf);
    return new SelfRequest(() => this.#take(buf, source, tag));
  }

  #take(buf: CommBuffer, source: number | null, tag: number | null): RecvStatus | null {
    datatypeName(buf);
    if (source !== null) checkRank(source, 1, "source");
    const i = this.#queue.findIndex((m) => tag === null || m.tag === tag);
    if (i < 0) return null;
    const m = this.#queue[i];
    sameKind(m.data, buf, "recv");
    atLeast(buf, m.data.length, "recv");
    this.#queue.splice(i, 1);
    (buf as Float64Array).set(m.data as Float64Array);
    return { source: 0, tag: m.tag, count: m.data.length };
  }

  /**
   * {@link Comm.split} on one rank.
   *
   * @param color A color, or null.
   * @param _key Ignored.
   * @returns A new one-rank communicator, or null when `color` is null.
   */
  split(color: number, _key?: number): Comm;
  split(color: number | null, _key?: number): Comm | null;
  split(color: number | null, _key?: number): Comm | null {
    if (color !== null && (!Number.isInteger(color) || color < 0)) {
      throw new RangeError(`Invalid color "${color}": expected a non-negative integer or null`);
    }
    return color === null ? null : new SelfComm();
  }

  /**
   * {@link Comm.dup} on one rank.
   *
   * @returns A new one-rank communicator.
   */
  dup(): Comm {
    return new SelfComm();
  }

  /** Does nothing. */
  free(): void {}

  /**
   * {@link Comm.cartCreate} on one rank.
   *
   * @param dims Every entry must be 1.
   * @param periods Whether each axis wraps around.
   * @returns A one-cell grid.
   */
  cartCreate(dims: readonly number[], periods: readonly boolean[] = []): CartComm {
    checkDims(dims, 1);
    return new SelfCartComm(dims, dims.map((_, i) => periods[i] ?? false));
  }

  /**
   * {@link Comm.allreduceNumber} on one rank.
   *
   * @param x The number.
   * @param op Operation.
   * @returns `x`.
   */
  allreduceNumber(x: number, op: ReduceOp = "sum"): number {
    return allreduceNumberOn(this, x, op);
  }

  /**
   * {@link Comm.bcastJson} on one rank.
   *
   * @param value A JSON-serializable value.
   * @param root Must be 0.
   * @returns A JSON copy of `value`.
   */
  bcastJson<T>(value: T, root = 0): T {
    return bcastJsonOn(this, value, root);
  }

  /**
   * {@link Comm.gatherJson} on one rank.
   *
   * @param value A JSON-serializable value.
   * @param root Must be 0.
   * @returns `[value]` (a JSON copy).
   */
  gatherJson<T>(value: T, root = 0): T[] | null {
    return gatherJsonOn(this, value, root);
  }

  /**
   * {@link Comm.allgatherJson} on one rank.
   *
   * @param value A JSON-serializable value.
   * @returns `[value]` (a JSON copy).
   */
  allgatherJson<T>(value: T): T[] {
    return allgatherJsonOn(this, value);
  }

  /** Does nothing. */
  [Symbol.dispose](): void {}

  /** Does nothing. */
  [Symbol.asyncDispose](): Promise<void> {
    return Promise.resolve();
  }
}

class SelfCartComm extends SelfComm implements CartComm {
  readonly dims: readonly number[];
  readonly periods: readonly boolean[];
  constructor(dims: readonly number[], periods: readonly boolean[]) {
    super();
    this.dims = Object.freeze([...dims]);
    this.periods = Object.freeze([...periods]);
  }
  coords(rank = 0): number[] {
    checkRank(rank, 1, "rank");
    return this.dims.map(() => 0);
  }
  rankOf(coords: readonly number[]): number {
    if (coords.length !== this.dims.length) {
      throw new RangeError(`Invalid coordinates "[${coords}]": expected ${this.dims.length}`);
    }
    coords.forEach((c, i) => {
      if (!Number.isInteger(c) || (!this.periods[i] && c !== 0)) {
        throw new RangeError(`Invalid coordinates "[${coords}]": axis ${i} has 1 rank`);
      }
    });
    return 0;
  }
  shift(direction: number, disp = 1): Shift {
    checkRank(direction, this.dims.length, "direction");
    const there = this.periods[direction] || disp === 0 ? 0 : null;
    return { source: there, dest: there };
  }
}

// ---------------------------------------------------------------------------
// MpiComm

interface MpiState {
  readonly mpi: Mpi;
  finalized: boolean;
}

let state: MpiState | null = null;
let worldPromise: Promise<Comm> | null = null;
/** Requests in flight: they (and so their buffers) stay reachable until completion. */
const pending = new Set<MpiRequest>();
const INTERNAL: unique symbol = Symbol("MpiComm.internal");

function check(rc: number, symbol: string): void {
  if (rc === 0) return;
  const text = state ? state.mpi.errorString(rc) : `error ${rc}`;
  throw new MpiError(symbol, rc, text);
}

function finalize(): void {
  if (!state || state.finalized) return;
  state.finalized = true;
  const flag = new Int32Array(1);
  state.mpi.fn.MPI_Finalized(flag);
  if (!flag[0]) check(state.mpi.fn.MPI_Finalize(), "MPI_Finalize");
}

/** Makes a typed array's backing store off-heap and so immovable (small arrays live on V8's heap). */
function pin(buf: CommBuffer): void {
  void buf.buffer;
}

class MpiRequest implements Request {
  #mpi: Mpi;
  #cell = new Uint8Array(8);
  #status: Uint8Array;
  #buf: CommBuffer | null;
  #datatype: Handle;
  #send: RecvStatus | null;
  #result: RecvStatus | null = null;

  constructor(mpi: Mpi, buf: CommBuffer, datatype: Handle, send: RecvStatus | null) {
    this.#mpi = mpi;
    this.#buf = buf;
    this.#datatype = datatype;
    this.#send = send;
    this.#status = new Uint8Array(mpi.c.statusBytes);
  }

  get cell(): Uint8Array {
    return this.#cell;
  }

  get done(): boolean {
    return this.#result !== null;
  }

  wait(): RecvStatus {
    if (this.#result) return this.#result;
    check(this.#mpi.fn.MPI_Wait(this.#cell, this.#status), "MPI_Wait");
    return this.#complete();
  }

  test(): RecvStatus | null {
    if (this.#result) return this.#result;
    const flag = new Int32Array(1);
    check(this.#mpi.fn.MPI_Test(this.#cell, flag, this.#status), "MPI_Test");
    return flag[0] ? this.#complete() : null;
  }

  #complete(): RecvStatus {
    pending.delete(this);
    this.#buf = null;
    this.#result = this.#send ?? readStatus(this.#mpi, this.#status, this.#datatype);
    return this.#result;
  }
}

function readStatus(mpi: Mpi, status: Uint8Array, datatype: Handle): RecvStatus {
  const view = new DataView(status.buffer, status.byteOffset, status.byteLength);
  const n = new Int32Array(1);
  check(mpi.fn.MPI_Get_count(status, datatype, n), "MPI_Get_count");
  return {
    source: view.getInt32(mpi.c.statusSource, true),
    tag: view.getInt32(mpi.c.statusTag, true),
    count: n[0],
  };
}

/**
 * A communicator over libmpi (MPICH or Open MPI ABI, chosen by the library
 * loaded). Made by {@link init} (the world), `split`, `dup` and `cartCreate`;
 * errors come back as return codes (`MPI_ERRORS_RETURN`) and are thrown as
 * {@link MpiError}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { init, MpiComm } from "./comm.ts";
 * await using world = await init();
 * // without an MPI launcher the world is a SelfComm
 * assert.equal(world instanceof MpiComm, Deno.env.get("PMI_RANK") !== undefined ||
 *   Deno.env.get("OMPI_COMM_WORLD_SIZE") !== undefined);
 * ```
 */
export class MpiComm implements Comm {
  /** This process's rank. */
  readonly rank: number;
  /** Number of ranks. */
  readonly size: number;
  #mpi: Mpi;
  #handle: Handle;
  #world: boolean;
  #freed = false;

  /**
   * Not for callers: use {@link init}.
   *
   * @param internal The module's private token.
   * @param mpi The loaded library.
   * @param handle The communicator handle.
   * @param world Whether this is `MPI_COMM_WORLD`.
   */
  constructor(internal: typeof INTERNAL, mpi: Mpi, handle: Handle, world: boolean) {
    if (internal !== INTERNAL) throw new TypeError("MpiComm is created by init()");
    this.#mpi = mpi;
    this.#handle = handle;
    this.#world = world;
    check(mpi.fn.MPI_Comm_set_errhandler(handle, mpi.errorsReturn), "MPI_Comm_set_errhandler");
    const out = new Int32Array(1);
    check(mpi.fn.MPI_Comm_rank(handle, out), "MPI_Comm_rank");
    this.rank = out[0];
    check(mpi.fn.MPI_Comm_size(handle, out), "MPI_Comm_size");
    this.size = out[0];
  }

  /** The loaded library's path and ABI, and MPI_Get_library_version's text. */
  get library(): { path: string; abi: "mpich" | "openmpi"; version: string } {
    return { path: this.#mpi.path, abi: this.#mpi.abi, version: this.#mpi.version() };
  }

  get #h(): Handle {
    if (state?.finalized) throw new Error("Cannot use a communicator after MPI_Finalize");
    if (this.#freed) throw new Error("Cannot use a communicator after free()");
    return this.#handle;
  }

  #dt(buf: CommBuffer): Handle {
    return this.#mpi.datatype(datatypeName(buf));
  }

  /** Blocks until every rank has entered (`MPI_Barrier`). */
  barrier(): void {
    check(this.#mpi.fn.MPI_Barrier(this.#h), "MPI_Barrier");
  }

  /**
   * `MPI_Bcast`.
   *
   * @param buf The data at the root; the receive buffer elsewhere.
   * @param root Root rank.
   * @returns `buf`.
   */
  bcast<T extends CommBuffer>(buf: T, root = 0): T {
    const h = this.#h;
    root = checkRank(root, this.size, "root");
    const n = count(buf.length, "MPI_Bcast");
    check(this.#mpi.fn.MPI_Bcast(buf, n, this.#dt(buf), root, h), "MPI_Bcast");
    return buf;
  }

  /**
   * `MPI_Reduce` (in place at the root when `recv === send`).
   *
   * @param send This rank's contribution.
   * @param recv Result buffer at the root; allocated when null.
   * @param op Operation.
   * @param root Root rank.
   * @returns The result at the root, null elsewhere.
   */
  reduce<T extends CommBuffer>(
    send: T,
    recv: T | null = null,
    op: ReduceOp = "sum",
    root = 0,
  ): T | null {
    const h = this.#h;
    root = checkRank(root, this.size, "root");
    const mpiOp = this.#mpi.op(checkOp(op));
    const dt = this.#dt(send);
    const n = count(send.length, "MPI_Reduce");
    if (this.rank !== root) {
      check(this.#mpi.fn.MPI_Reduce(send, null, n, dt, mpiOp, root, h), "MPI_Reduce");
      return null;
    }
    const out = recv ?? alloc(send, n);
    sameKind(send, out, "reduce");
    atLeast(out, n, "reduce");
    const rc = out === send
      ? this.#mpi.fn.MPI_Reduce_in_place(this.#mpi.inPlace, out, n, dt, mpiOp, root, h)
      : this.#mpi.fn.MPI_Reduce(send, out, n, dt, mpiOp, root, h);
    check(rc, "MPI_Reduce");
    return out;
  }

  /**
   * `MPI_Allreduce` (in place when `recv === send`).
   *
   * @param send This rank's contribution.
   * @param recv Result buffer; allocated when null.
   * @param op Operation.
   * @returns The result.
   */
  allreduce<T extends CommBuffer>(send: T, recv: T | null = null, op: ReduceOp = "sum"): T {
    const h = this.#h;
    const mpiOp = this.#mpi.op(checkOp(op));
    const dt = this.#dt(send);
    const n = count(send.length, "MPI_Allreduce");
    const out = recv ?? alloc(send, n);
    sameKind(send, out, "allreduce");
    atLeast(out, n, "allreduce");
    const rc = out === send
      ? this.#mpi.fn.MPI_Allreduce_in_place(this.#mpi.inPlace, out, n, dt, mpiOp, h)
      : this.#mpi.fn.MPI_Allreduce(send, out, n, dt, mpiOp, h);
    check(rc, "MPI_Allreduce");
    return out;
  }

  /**
   * `MPI_Gather`.
   *
   * @param send This rank's block.
   * @param recv Buffer at the root; allocated when null.
   * @param root Root rank.
   * @returns The blocks at the root, null elsewhere.
   */
  gather<T extends CommBuffer>(send: T, recv: T | null = null, root = 0): T | null {
    const h = this.#h;
    root = checkRank(root, this.size, "root");
    const dt = this.#dt(send);
    const n = count(send.length, "MPI_Gather");
    let out: T | null = null;
    if (this.rank === root) {
      out = recv ?? alloc(send, count(n * this.size, "MPI_Gather"));
      sameKind(send, out, "gather");
      atLeast(out, n * this.size, "gather");
    }
    check(this.#mpi.fn.MPI_Gather(send, n, dt, out, n, dt, root, h), "MPI_Gather");
    return out;
  }

  /**
   * `MPI_Gatherv`.
   *
   * @param send This rank's block.
   * @param options Root, counts, displacements, receive buffer.
   * @returns The blocks at the root, null elsewhere.
   */
  gatherv<T extends CommBuffer>(send: T, options: GathervOptions<T> = {}): T | null {
    const h = this.#h;
    const root = checkRank(options.root ?? 0, this.size, "root");
    const dt = this.#dt(send);
    const n = count(send.length, "MPI_Gatherv");
    let counts = options.counts;
    if (!counts) {
      const all = this.gather(new Int32Array([n]), null, root);
      counts = all ? [...all] : undefined;
    }
    let out: T | null = null;
    let c: Int32Array | null = null;
    let d: Int32Array | null = null;
    if (this.rank === root) {
      c = intArray(counts!, this.size, "counts");
      d = intArray(options.displs ?? packed(counts!), this.size, "displs");
      const need = extent(c, d);
      out = options.recv ?? alloc(send, count(need, "MPI_Gatherv"));
      sameKind(send, out, "gatherv");
      atLeast(out, need, "gatherv");
    }
    check(this.#mpi.fn.MPI_Gatherv(send, n, dt, out, c, d, dt, root, h), "MPI_Gatherv");
    return out;
  }

  /**
   * `MPI_Allgather`.
   *
   * @param send This rank's block.
   * @param recv Receive buffer; allocated when null.
   * @returns The blocks in rank order.
   */
  allgather<T extends CommBuffer>(send: T, recv: T | null = null): T {
    const h = this.#h;
    const dt = this.#dt(send);
    const n = count(send.length, "MPI_Allgather");
    const out = recv ?? alloc(send, count(n * this.size, "MPI_Allgather"));
    sameKind(send, out, "allgather");
    atLeast(out, n * this.size, "allgather");
    check(this.#mpi.fn.MPI_Allgather(send, n, dt, out, n, dt, h), "MPI_Allgather");
    return out;
  }

  /**
   * `MPI_Allgatherv`.
   *
   * @param send This rank's block.
   * @param options Counts, displacements, receive buffer.
   * @returns The blocks.
   */
  allgatherv<T extends CommBuffer>(send: T, options: AllgathervOptions<T> = {}): T {
    const h = this.#h;
    const dt = this.#dt(send);
    const n = count(send.length, "MPI_Allgatherv");
    const counts = options.counts ?? [...this.allgather(new Int32Array([n]))];
    const c = intArray(counts, this.size, "counts");
    const d = intArray(options.displs ?? packed(counts), this.size, "displs");
    const need = extent(c, d);
    const out = options.recv ?? alloc(send, count(need, "MPI_Allgatherv"));
    sameKind(send, out, "allgatherv");
    atLeast(out, need, "allgatherv");
    check(this.#mpi.fn.MPI_Allgatherv(send, n, dt, out, c, d, dt, h), "MPI_Allgatherv");
    return out;
  }

  /**
   * `MPI_Scatter`.
   *
   * @param send The data at the root.
   * @param recv This rank's block.
   * @param root Root rank.
   * @returns `recv`.
   */
  scatter<T extends CommBuffer>(send: T | null, recv: T, root = 0): T {
    const h = this.#h;
    root = checkRank(root, this.size, "root");
    const dt = this.#dt(recv);
    const n = count(recv.length, "MPI_Scatter");
    if (this.rank === root) {
      if (!send) throw new TypeError("Cannot scatter from a null buffer at the root");
      sameKind(send, recv, "scatter");
      atLeast(send, n * this.size, "scatter");
    }
    const from = this.rank === root ? send : null;
    check(this.#mpi.fn.MPI_Scatter(from, n, dt, recv, n, dt, root, h), "MPI_Scatter");
    return recv;
  }

  /**
   * `MPI_Scatterv`.
   *
   * @param send The data at the root.
   * @param recv This rank's block.
   * @param options Root, counts (required at the root), displacements.
   * @returns `recv`.
   */
  scatterv<T extends CommBuffer>(send: T | null, recv: T, options: ScattervOptions = {}): T {
    const h = this.#h;
    const root = checkRank(options.root ?? 0, this.size, "root");
    const dt = this.#dt(recv);
    const n = count(recv.length, "MPI_Scatterv");
    let c: Int32Array | null = null;
    let d: Int32Array | null = null;
    let from: T | null = null;
    if (this.rank === root) {
      if (!send) throw new TypeError("Cannot scatter from a null buffer at the root");
      if (!options.counts) throw new TypeError("Cannot scatterv without counts at the root");
      sameKind(send, recv, "scatterv");
      c = intArray(options.counts, this.size, "counts");
      d = intArray(options.displs ?? packed(options.counts), this.size, "displs");
      atLeast(send, extent(c, d), "scatterv");
      from = send;
    }
    check(this.#mpi.fn.MPI_Scatterv(from, c, d, dt, recv, n, dt, root, h), "MPI_Scatterv");
    return recv;
  }

  /**
   * `MPI_Alltoall`.
   *
   * @param send `size` equal blocks.
   * @param recv Receive buffer; allocated when null.
   * @returns The blocks received, from rank 0 first.
   */
  alltoall<T extends CommBuffer>(send: T, recv: T | null = null): T {
    const h = this.#h;
    const dt = this.#dt(send);
    if (send.length % this.size !== 0) {
      throw new RangeError(
        `Invalid alltoall buffer of "${send.length}" elements: not a multiple of ${this.size} ranks`,
      );
    }
    const n = count(send.length / this.size, "MPI_Alltoall");
    const out = recv ?? alloc(send, send.length);
    sameKind(send, out, "alltoall");
    atLeast(out, send.length, "alltoall");
    check(this.#mpi.fn.MPI_Alltoall(send, n, dt, out, n, dt, h), "MPI_Alltoall");
    return out;
  }

  /**
   * `MPI_Alltoallv`.
   *
   * @param send The data for every rank.
   * @param sendCounts Elements for each rank.
   * @param options Receive counts, displacements, receive buffer.
   * @returns The data received.
   */
  alltoallv<T extends CommBuffer>(
    send: T,
    sendCounts: readonly number[],
    options: AlltoallvOptions<T> = {},
  ): T {
    const h = this.#h;
    const dt = this.#dt(send);
    const sc = intArray(sendCounts, this.size, "sendCounts");
    const sd = intArray(options.sendDispls ?? packed(sendCounts), this.size, "sendDispls");
    atLeast(send, extent(sc, sd), "alltoallv");
    const recvCounts = options.recvCounts ?? [...this.alltoall(sc)];
    const rc = intArray(recvCounts, this.size, "recvCounts");
    const rd = intArray(options.recvDispls ?? packed(recvCounts), this.size, "recvDispls");
    const need = extent(rc, rd);
    const out = options.recv ?? alloc(send, count(need, "MPI_Alltoallv"));
    sameKind(send, out, "alltoallv");
    atLeast(out, need, "alltoallv");
    check(this.#mpi.fn.MPI_Alltoallv(send, sc, sd, dt, out, rc, rd, dt, h), "MPI_Alltoallv");
    return out;
  }

  /**
   * `MPI_Send`.
   *
   * @param buf The data.
   * @param dest Destination rank.
   * @param tag Message tag.
   */
  send(buf: CommBuffer, dest: number, tag = 0): void {
    const h = this.#h;
    dest = checkRank(dest, this.size, "destination");
    const n = count(buf.length, "MPI_Send");
    check(this.#mpi.fn.MPI_Send(buf, n, this.#dt(buf), dest, checkTag(tag), h), "MPI_Send");
  }

  /**
   * `MPI_Recv`.
   *
   * @param buf Receive buffer.
   * @param source Source rank, or null for any.
   * @param tag Tag, or null for any.
   * @returns The message's status.
   */
  recv(buf: CommBuffer, source: number | null = null, tag: number | null = null): RecvStatus {
    const h = this.#h;
    const c = this.#mpi.c;
    const src = source === null ? c.anySource : checkRank(source, this.size, "source");
    const t = tag === null ? c.anyTag : checkTag(tag);
    const dt = this.#dt(buf);
    const status = new Uint8Array(c.statusBytes);
    const n = count(buf.length, "MPI_Recv");
    check(this.#mpi.fn.MPI_Recv(buf, n, dt, src, t, h, status), "MPI_Recv");
    return readStatus(this.#mpi, status, dt);
  }

  /**
   * `MPI_Isend`.
   *
   * @param buf The data; left untouched until the request completes.
   * @param dest Destination rank.
   * @param tag Message tag.
   * @returns The request.
   */
  isend(buf: CommBuffer, dest: number, tag = 0): Request {
    const h = this.#h;
    dest = checkRank(dest, this.size, "destination");
    const dt = this.#dt(buf);
    const n = count(buf.length, "MPI_Isend");
    pin(buf);
    const req = new MpiRequest(this.#mpi, buf, dt, { source: this.rank, tag, count: n });
    check(this.#mpi.fn.MPI_Isend(buf, n, dt, dest, checkTag(tag), h, req.cell), "MPI_Isend");
    pending.add(req);
    return req;
  }

  /**
   * `MPI_Irecv`.
   *
   * @param buf Receive buffer; kept alive until the request completes.
   * @param source Source rank, or null for any.
   * @param tag Tag, or null for any.
   * @returns The request.
   */
  irecv(buf: CommBuffer, source: number | null = null, tag: number | null = null): Request {
    const h = this.#h;
    const c = this.#mpi.c;
    const src = source === null ? c.anySource : checkRank(source, this.size, "source");
    const t = tag === null ? c.anyTag : checkTag(tag);
    const dt = this.#dt(buf);
    const n = count(buf.length, "MPI_Irecv");
    pin(buf);
    const req = new MpiRequest(this.#mpi, buf, dt, null);
    check(this.#mpi.fn.MPI_Irecv(buf, n, dt, src, t, h, req.cell), "MPI_Irecv");
    pending.add(req);
    return req;
  }

  /**
   * `MPI_Comm_split`.
   *
   * @param color A non-negative color, or null (`MPI_UNDEFINED`).
   * @param key Ordering key (default: this rank).
   * @returns The sub-communicator, or null when `color` is null.
   */
  split(color: number, key?: number): Comm;
  split(color: number | null, key?: number): Comm | null;
  split(color: number | null, key: number = this.rank): Comm | null {
    const h = this.#h;
    if (color !== null && (!Number.isInteger(color) || color < 0)) {
      throw new RangeError(`Invalid color "${color}": expected a non-negative integer or null`);
    }
    if (!Number.isInteger(key)) throw new RangeError(`Invalid key "${key}": expected an integer`);
    const cell = new Uint8Array(8);
    const col = color === null ? this.#mpi.c.undefined : color | 0;
    check(this.#mpi.fn.MPI_Comm_split(h, col, key | 0, cell), "MPI_Comm_split");
    const handle = this.#mpi.readHandle(cell);
    if (this.#mpi.sameHandle(handle, this.#mpi.commNull)) return null;
    return new MpiComm(INTERNAL, this.#mpi, handle, false);
  }

  /**
   * `MPI_Comm_dup`.
   *
   * @returns The duplicate.
   */
  dup(): Comm {
    const cell = new Uint8Array(8);
    check(this.#mpi.fn.MPI_Comm_dup(this.#h, cell), "MPI_Comm_dup");
    return new MpiComm(INTERNAL, this.#mpi, this.#mpi.readHandle(cell), false);
  }

  /** `MPI_Comm_free`; idempotent, and a no-op after MPI_Finalize. The world cannot be freed. */
  free(): void {
    if (this.#world) {
      throw new TypeError("Cannot free the world communicator: dispose it to finalize MPI");
    }
    if (this.#freed || state?.finalized) return;
    this.#freed = true;
    check(this.#mpi.fn.MPI_Comm_free(this.#mpi.handleCell(this.#handle)), "MPI_Comm_free");
  }

  /**
   * `MPI_Cart_create` without reordering.
   *
   * @param dims Ranks along each axis (product = size).
   * @param periods Whether each axis wraps around.
   * @returns The grid communicator.
   */
  cartCreate(dims: readonly number[], periods: readonly boolean[] = []): CartComm {
    const h = this.#h;
    checkDims(dims, this.size);
    const p = dims.map((_, i) => periods[i] ?? false);
    const cell = new Uint8Array(8);
    const rc = this.#mpi.fn.MPI_Cart_create(
      h,
      dims.length,
      Int32Array.from(dims),
      Int32Array.from(p, Number),
      0,
      cell,
    );
    check(rc, "MPI_Cart_create");
    return new MpiCartComm(INTERNAL, this.#mpi, this.#mpi.readHandle(cell), dims, p);
  }

  /**
   * {@link Comm.allreduceNumber} over MPI.
   *
   * @param x This rank's number.
   * @param op Operation.
   * @returns The result on every rank.
   */
  allreduceNumber(x: number, op: ReduceOp = "sum"): number {
    return allreduceNumberOn(this, x, op);
  }

  /**
   * {@link Comm.bcastJson} over MPI.
   *
   * @param value The value at the root.
   * @param root Root rank.
   * @returns The root's value on every rank.
   */
  bcastJson<T>(value: T, root = 0): T {
    return bcastJsonOn(this, value, root);
  }

  /**
   * {@link Comm.gatherJson} over MPI.
   *
   * @param value This rank's value.
   * @param root Root rank.
   * @returns The values at the root, null elsewhere.
   */
  gatherJson<T>(value: T, root = 0): T[] | null {
    return gatherJsonOn(this, value, root);
  }

  /**
   * {@link Comm.allgatherJson} over MPI.
   *
   * @param value This rank's value.
   * @returns The values in rank order.
   */
  allgatherJson<T>(value: T): T[] {
    return allgatherJsonOn(this, value);
  }

  /** Frees a derived communicator; for the world, finalizes MPI. */
  [Symbol.dispose](): void {
    if (this.#world) finalize();
    else this.free();
  }

  /** Like `[Symbol.dispose]`: `await using world = await init()` finalizes MPI at scope end. */
  [Symbol.asyncDispose](): Promise<void> {
    this[Symbol.dispose]();
    return Promise.resolve();
  }

  /** The raw handle, for the project's other native bindings (parallel HDF5). */
  get handle(): number | Deno.PointerValue {
    return this.#h;
  }
}

class MpiCartComm extends MpiComm implements CartComm {
  readonly dims: readonly number[];
  readonly periods: readonly boolean[];
  #mpi: Mpi;

  constructor(
    internal: typeof INTERNAL,
    mpi: Mpi,
    handle: Handle,
    dims: readonly number[],
    periods: readonly boolean[],
  ) {
    super(internal, mpi, handle, false);
    this.#mpi = mpi;
    this.dims = Object.freeze([...dims]);
    this.periods = Object.freeze([...periods]);
  }

  coords(rank: number = this.rank): number[] {
    rank = checkRank(rank, this.size, "rank");
    const out = new Int32Array(this.dims.length);
    check(
      this.#mpi.fn.MPI_Cart_coords(this.handle, rank, this.dims.length, out),
      "MPI_Cart_coords",
    );
    return [...out];
  }

  rankOf(coords: readonly number[]): number {
    if (coords.length !== this.dims.length || !coords.every(Number.isInteger)) {
      throw new RangeError(
        `Invalid coordinates "[${coords}]": expected ${this.dims.length} integers`,
      );
    }
    coords.forEach((c, i) => {
      if (!this.periods[i] && (c < 0 || c >= this.dims[i])) {
        throw new RangeError(
          `Invalid coordinates "[${coords}]": axis ${i} has ${this.dims[i]} ranks`,
        );
      }
    });
    const out = new Int32Array(1);
    check(this.#mpi.fn.MPI_Cart_rank(this.handle, Int32Array.from(coords), out), "MPI_Cart_rank");
    return out[0];
  }

  shift(direction: number, disp = 1): Shift {
    direction = checkRank(direction, this.dims.length, "direction");
    if (!Number.isInteger(disp)) throw new RangeError(`Invalid displacement "${disp}"`);
    const src = new Int32Array(1);
    const dst = new Int32Array(1);
    check(
      this.#mpi.fn.MPI_Cart_shift(this.handle, direction, disp | 0, src, dst),
      "MPI_Cart_shift",
    );
    const proc = this.#mpi.c.procNull;
    return { source: src[0] === proc ? null : src[0], dest: dst[0] === proc ? null : dst[0] };
  }
}

function wantsMpi(): boolean {
  let forced: string | undefined;
  try {
    forced = Deno.env.get("TESSERA_MPI");
    if (forced === "1") return true;
    if (forced === "0") return false;
    return detectLauncher() !== null;
  } catch {
    // no --allow-env: nothing tells us about a launcher
    return false;
  }
}

function startMpi(): MpiComm {
  const mpi = loadMpi();
  state = { mpi, finalized: false };
  const flag = new Int32Array(1);
  check(mpi.fn.MPI_Initialized(flag), "MPI_Initialized");
  if (!flag[0]) check(mpi.fn.MPI_Init(null, null), "MPI_Init");
  const world = new MpiComm(INTERNAL, mpi, mpi.commWorld, true);
  installFatalHandlers(world.rank, world.size, () => {
    if (!state?.finalized) mpi.fn.MPI_Abort(mpi.commWorld, 1);
  });
  globalThis.addEventListener("unload", () => finalize());
  return world;
}

/**
 * The world communicator. Under an MPI launcher it is an {@link MpiComm}
 * (libmpi is loaded and initialized on the first call), otherwise a
 * {@link SelfComm}. Launcher rule: `OMPI_COMM_WORLD_SIZE` (Open MPI),
 * `PMI_RANK`/`PMI_SIZE`/`HYDRA_*` (MPICH Hydra), `PMIX_RANK` (PMIx), or
 * `SLURM_PROCID` with more than one task in the step (`srun`);
 * `TESSERA_MPI=1` / `TESSERA_MPI=0` force either way. Every call returns the
 * same world. Under MPI, an uncaught error or unhandled rejection on any rank
 * is printed once as `[rank R/N] ...` and aborts the whole job
 * (`MPI_Abort`); MPI is finalized when the world is disposed or at exit.
 *
 * @returns The world communicator.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { init } from "./comm.ts";
 * await using world = await init();
 * assert.equal(await init(), world);
 * assert.deepEqual(world.allgatherJson(world.rank).length, world.size);
 * ```
 */
export function init(): Promise<Comm> {
  worldPromise ??= Promise.resolve().then((): Comm => wantsMpi() ? startMpi() : new SelfComm());
  return worldPromise;
}
