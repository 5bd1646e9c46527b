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

export { MpiComm } from "./mpi_comm.ts";
export { SelfComm } from "./self_comm.ts";
export { init } from "./world.ts";

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
  /**
   * Blocks until every rank has entered.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { init } from "./comm.ts";
   * await using world = await init();
   * world.barrier();
   * assert.ok(world.rank < world.size);
   * ```
   */
  barrier(): void;
  /**
   * Broadcasts `buf` from `root` into `buf` on every rank.
   *
   * @param buf The data at the root; the receive buffer elsewhere (same length).
   * @param root Root rank (default 0).
   * @returns `buf`.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { init } from "./comm.ts";
   * await using world = await init();
   * const buf = new Float64Array(2);
   * if (world.rank === 0) buf.set([1.5, 2.5]);
   * world.bcast(buf, 0);
   * assert.deepEqual([...buf], [1.5, 2.5]);
   * ```
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
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { init } from "./comm.ts";
   * await using world = await init();
   * const max = world.reduce(new Int32Array([world.rank]), null, "max", 0);
   * if (world.rank === 0) assert.deepEqual(max, new Int32Array([world.size - 1]));
   * else assert.equal(max, null);
   * ```
   */
  reduce<T extends CommBuffer>(send: T, recv?: T | null, op?: ReduceOp, root?: number): T | null;
  /**
   * Element-wise reduction, result on every rank.
   *
   * @param send This rank's contribution.
   * @param recv Result buffer (may be `send`, in place); allocated when null.
   * @param op Operation (default `"sum"`).
   * @returns The result.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { init } from "./comm.ts";
   * await using world = await init();
   * const total = world.allreduce(new Float64Array([1, world.rank]), null, "sum");
   * assert.equal(total[0], world.size);
   * ```
   */
  allreduce<T extends CommBuffer>(send: T, recv?: T | null, op?: ReduceOp): T;
  /**
   * Gathers equal-length blocks to `root`, in rank order.
   *
   * @param send This rank's block.
   * @param recv Buffer of `size * send.length` at the root; allocated when null.
   * @param root Root rank (default 0).
   * @returns The blocks at the root, null elsewhere.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { init } from "./comm.ts";
   * await using world = await init();
   * const all = world.gather(new Int32Array([world.rank]), null, 0);
   * if (world.rank === 0) assert.deepEqual([...all!], [...Array(world.size).keys()]);
   * else assert.equal(all, null);
   * ```
   */
  gather<T extends CommBuffer>(send: T, recv?: T | null, root?: number): T | null;
  /**
   * Gathers blocks of any length to the root.
   *
   * @param send This rank's block.
   * @param options Root, counts, displacements, receive buffer.
   * @returns The blocks at the root, null elsewhere.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { init } from "./comm.ts";
   * await using world = await init();
   * // rank r sends r + 1 copies of r
   * const all = world.gatherv(new Int32Array(world.rank + 1).fill(world.rank), { root: 0 });
   * if (world.rank === 0) assert.equal(all!.length, (world.size * (world.size + 1)) / 2);
   * ```
   */
  gatherv<T extends CommBuffer>(send: T, options?: GathervOptions<T>): T | null;
  /**
   * Gathers equal-length blocks to every rank.
   *
   * @param send This rank's block.
   * @param recv Buffer of `size * send.length`; allocated when null.
   * @returns The blocks in rank order.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { init } from "./comm.ts";
   * await using world = await init();
   * const ranks = world.allgather(new Int32Array([world.rank]));
   * assert.deepEqual([...ranks], [...Array(world.size).keys()]);
   * ```
   */
  allgather<T extends CommBuffer>(send: T, recv?: T | null): T;
  /**
   * Gathers blocks of any length to every rank.
   *
   * @param send This rank's block.
   * @param options Counts, displacements, receive buffer.
   * @returns The blocks.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { init } from "./comm.ts";
   * await using world = await init();
   * const all = world.allgatherv(new Uint8Array(world.rank + 1).fill(7));
   * assert.equal(all.length, (world.size * (world.size + 1)) / 2);
   * ```
   */
  allgatherv<T extends CommBuffer>(send: T, options?: AllgathervOptions<T>): T;
  /**
   * Scatters equal-length blocks from the root: rank `i` gets block `i`.
   *
   * @param send `size * recv.length` elements at the root; ignored elsewhere (may be null).
   * @param recv This rank's block.
   * @param root Root rank (default 0).
   * @returns `recv`.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { init } from "./comm.ts";
   * await using world = await init();
   * const send = world.rank === 0
   *   ? Float32Array.from({ length: world.size }, (_, i) => i * 10)
   *   : null;
   * const mine = world.scatter(send, new Float32Array(1), 0);
   * assert.equal(mine[0], world.rank * 10);
   * ```
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
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { init } from "./comm.ts";
   * await using world = await init();
   * // rank r gets r + 1 elements
   * const counts = Array.from({ length: world.size }, (_, r) => r + 1);
   * const send = world.rank === 0 ? new Int16Array(counts.reduce((a, b) => a + b)).fill(3) : null;
   * const mine = world.scatterv(send, new Int16Array(world.rank + 1), { root: 0, counts });
   * assert.ok(mine.every((v) => v === 3));
   * ```
   */
  scatterv<T extends CommBuffer>(send: T | null, recv: T, options?: ScattervOptions): T;
  /**
   * Every rank sends block `j` of `send` to rank `j`.
   *
   * @param send `size` equal blocks.
   * @param recv Receive buffer (same length); allocated when null.
   * @returns Block `i` of the result came from rank `i`.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { init } from "./comm.ts";
   * await using world = await init();
   * // block j goes to rank j
   * const send = Int32Array.from({ length: world.size }, (_, j) => world.rank * 100 + j);
   * const got = world.alltoall(send);
   * assert.deepEqual([...got], Array.from({ length: world.size }, (_, i) => i * 100 + world.rank));
   * ```
   */
  alltoall<T extends CommBuffer>(send: T, recv?: T | null): T;
  /**
   * Every rank sends `sendCounts[j]` elements to rank `j`.
   *
   * @param send The data for every rank, packed unless `sendDispls` says otherwise.
   * @param sendCounts Elements for each rank.
   * @param options Receive counts, displacements, receive buffer.
   * @returns The data received, from rank 0 first.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { init } from "./comm.ts";
   * await using world = await init();
   * // one element to every rank, holding the sender's rank
   * const send = new Float64Array(world.size).fill(world.rank);
   * const got = world.alltoallv(send, new Array(world.size).fill(1));
   * assert.deepEqual([...got], [...Array(world.size).keys()]);
   * ```
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
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { init } from "./comm.ts";
   * await using world = await init();
   * const last = world.size - 1;
   * if (world.rank === 0) world.send(new Int32Array([42]), last, 5);
   * if (world.rank === last) {
   *   const buf = new Int32Array(1);
   *   world.recv(buf, 0, 5);
   *   assert.equal(buf[0], 42);
   * }
   * ```
   */
  send(buf: CommBuffer, dest: number, tag?: number): void;
  /**
   * Receives into `buf` (blocking).
   *
   * @param buf Receive buffer (at least as long as the message).
   * @param source Source rank; null or omitted for any.
   * @param tag Tag; null or omitted for any.
   * @returns Where the message came from and how many elements it had.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { init } from "./comm.ts";
   * await using world = await init();
   * const next = (world.rank + 1) % world.size;
   * const prev = (world.rank + world.size - 1) % world.size;
   * const sent = world.isend(new Int32Array([world.rank]), next, 1);
   * const buf = new Int32Array(1);
   * const status = world.recv(buf, prev, 1);
   * sent.wait();
   * assert.deepEqual([buf[0], status.source, status.count], [prev, prev, 1]);
   * ```
   */
  recv(buf: CommBuffer, source?: number | null, tag?: number | null): RecvStatus;
  /**
   * Starts a send.
   *
   * @param buf The data; do not modify it before the request completes.
   * @param dest Destination rank.
   * @param tag Message tag (default 0).
   * @returns The request.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { init } from "./comm.ts";
   * await using world = await init();
   * const next = (world.rank + 1) % world.size;
   * const prev = (world.rank + world.size - 1) % world.size;
   * const got = new Float64Array(1);
   * const r = world.irecv(got, prev, 2);
   * world.isend(new Float64Array([world.rank]), next, 2).wait();
   * assert.equal(r.wait().source, prev);
   * assert.equal(got[0], prev);
   * ```
   */
  isend(buf: CommBuffer, dest: number, tag?: number): Request;
  /**
   * Starts a receive.
   *
   * @param buf Receive buffer.
   * @param source Source rank; null or omitted for any.
   * @param tag Tag; null or omitted for any.
   * @returns The request.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { init } from "./comm.ts";
   * await using world = await init();
   * const next = (world.rank + 1) % world.size;
   * const prev = (world.rank + world.size - 1) % world.size;
   * const got = new Int8Array(1);
   * const r = world.irecv(got, null, null); // any source, any tag
   * world.isend(new Int8Array([world.rank]), next, 9).wait();
   * const status = r.wait();
   * assert.equal(r.done, true);
   * assert.deepEqual([status.source, status.tag, got[0]], [prev, 9, prev]);
   * ```
   */
  irecv(buf: CommBuffer, source?: number | null, tag?: number | null): Request;
  /**
   * Splits into sub-communicators, one per color, ranked by `key` then by
   * rank. Collective.
   *
   * @param color A non-negative color, or null to take part in no sub-communicator.
   * @param key Ordering key (default: this rank).
   * @returns This rank's sub-communicator; null when `color` is null.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { init } from "./comm.ts";
   * await using world = await init();
   * // even and odd ranks
   * using half = world.split(world.rank % 2);
   * assert.equal(half.size, Math.ceil((world.size - (world.rank % 2)) / 2));
   * assert.equal(world.split(null), null);
   * ```
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
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { init } from "./comm.ts";
   * await using world = await init();
   * using copy = world.dup();
   * assert.equal(copy.rank, world.rank);
   * assert.equal(copy.allreduceNumber(1), world.size);
   * ```
   */
  dup(): Comm;
  /**
   * Frees a communicator made by `split`, `dup` or `cartCreate`. Idempotent. Collective.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { init } from "./comm.ts";
   * await using world = await init();
   * const copy = world.dup();
   * copy.free();
   * copy.free(); // idempotent
   * ```
   */
  free(): void;
  /**
   * Arranges the ranks in a Cartesian grid, in C (row-major) order, without
   * reordering. Collective. `dims` must multiply to `size` (see {@link dimsCreate}).
   *
   * @param dims Ranks along each axis.
   * @param periods Whether each axis wraps around (default: none).
   * @returns The grid communicator.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { dimsCreate, init } from "./comm.ts";
   * await using world = await init();
   * using grid = world.cartCreate(dimsCreate(world.size, 2), [true, false]);
   * assert.equal(grid.rankOf(grid.coords()), world.rank);
   * ```
   */
  cartCreate(dims: readonly number[], periods?: readonly boolean[]): CartComm;
  /**
   * Reduces one number over all ranks (as float64).
   *
   * @param x This rank's number.
   * @param op Operation (default `"sum"`).
   * @returns The result, on every rank.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { init } from "./comm.ts";
   * await using world = await init();
   * assert.equal(world.allreduceNumber(world.rank, "max"), world.size - 1);
   * ```
   */
  allreduceNumber(x: number, op?: ReduceOp): number;
  /**
   * Broadcasts a JSON-serializable value from the root.
   *
   * @param value The value at the root; ignored elsewhere.
   * @param root Root rank (default 0).
   * @returns The root's value (parsed from JSON) on every rank.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { init } from "./comm.ts";
   * await using world = await init();
   * const config = world.bcastJson(world.rank === 0 ? { steps: 3 } : null);
   * assert.deepEqual(config, { steps: 3 });
   * ```
   */
  bcastJson<T>(value: T, root?: number): T;
  /**
   * Gathers one JSON-serializable value per rank to the root.
   *
   * @param value This rank's value.
   * @param root Root rank (default 0).
   * @returns The values in rank order at the root, null elsewhere.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { init } from "./comm.ts";
   * await using world = await init();
   * const names = world.gatherJson(`r${world.rank}`, 0);
   * const expected = Array.from({ length: world.size }, (_, r) => `r${r}`);
   * assert.deepEqual(names, world.rank === 0 ? expected : null);
   * ```
   */
  gatherJson<T>(value: T, root?: number): T[] | null;
  /**
   * Gathers one JSON-serializable value per rank to every rank.
   *
   * @param value This rank's value.
   * @returns The values in rank order.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { init } from "./comm.ts";
   * await using world = await init();
   * const all = world.allgatherJson({ rank: world.rank });
   * assert.deepEqual(all.map((x) => x.rank), [...Array(world.size).keys()]);
   * ```
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
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { init } from "./comm.ts";
   * await using world = await init();
   * using grid = world.cartCreate([world.size, 1]);
   * assert.deepEqual(grid.coords(), [world.rank, 0]);
   * ```
   */
  coords(rank?: number): number[];
  /**
   * The rank at grid coordinates (wrapped on periodic axes).
   *
   * @param coords One coordinate per axis.
   * @returns The rank.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { init } from "./comm.ts";
   * await using world = await init();
   * using grid = world.cartCreate([1, world.size], [false, true]);
   * assert.equal(grid.rankOf([0, world.size]), 0); // the periodic axis wraps around
   * ```
   */
  rankOf(coords: readonly number[]): number;
  /**
   * The neighbours of this rank `disp` steps along `direction`.
   *
   * @param direction The axis.
   * @param disp Steps (default 1; negative goes backwards).
   * @returns Source and destination ranks, null past a non-periodic edge.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { init } from "./comm.ts";
   * await using world = await init();
   * using ring = world.cartCreate([world.size], [true]);
   * const { source, dest } = ring.shift(0, 1);
   * assert.equal(dest, (world.rank + 1) % world.size);
   * assert.equal(source, (world.rank + world.size - 1) % world.size);
   * ```
   */
  shift(direction: number, disp?: number): Shift;
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
