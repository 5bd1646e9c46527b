// MpiComm: the communicator over libmpi (MPICH or Open MPI ABI) and the life
// of the MPI world (init, end-of-job agreement, finalize). Its Comm methods
// are documented once, on the Comm interface (dist/comm.ts).

import { MpiError } from "../core/errors.ts";
import { bindSignalDefaults, type Handle, loadMpi, type Mpi } from "../ffi/mpi.ts";
import { installJobGuards } from "./_abort.ts";
import {
  allgatherJsonOn,
  alloc,
  allreduceNumberOn,
  atLeast,
  bcastJsonOn,
  checkColor,
  checkDims,
  checkOp,
  checkRank,
  checkTag,
  count,
  datatypeName,
  extent,
  gatherJsonOn,
  intArray,
  packed,
  sameKind,
} from "./_comm_util.ts";
import type {
  AllgathervOptions,
  AlltoallvOptions,
  CartComm,
  Comm,
  CommBuffer,
  GathervOptions,
  RecvStatus,
  ReduceOp,
  Request,
  ScattervOptions,
  Shift,
} from "./comm.ts";

interface MpiState {
  readonly mpi: Mpi;
  /** A duplicate of the world used only to agree on the end of the job. */
  readonly control: Handle;
  /** The world was disposed: communicators refuse further use; MPI_Finalize follows at exit. */
  disposed: boolean;
  finalized: boolean;
}

let state: MpiState | null = null;
/** Requests in flight: they (and so their buffers) stay reachable until completion. */
const pending = new Set<MpiRequest>();
const INTERNAL: unique symbol = Symbol("MpiComm.internal");

/** What the MpiComm being constructed wraps (so that its public constructor names no ffi/ type). */
let making: { readonly mpi: Mpi; readonly handle: Handle; readonly world: boolean } | null = null;

function makeComm<C extends MpiComm>(make: () => C, mpi: Mpi, handle: Handle, world: boolean): C {
  making = { mpi, handle, world };
  try {
    return make();
  } finally {
    making = null;
  }
}

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

/** Sleeps the thread (no event loop turn) between polls of the end-of-job agreement. */
function nap(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * Every rank tells every other that it reached the end, on the control
 * communicator, and waits up to `timeoutMs` for the others.
 *
 * @returns The ranks that did not arrive in time (empty when all did).
 */
function agreeOnEnd(rank: number, size: number, timeoutMs: number): number[] {
  const { mpi, control } = state!;
  const dt = mpi.datatype(datatypeName(new Int32Array(0)));
  const token = new Int32Array(size);
  pin(token);
  const cells: { rank: number; cell: Uint8Array; recv: boolean; done: boolean }[] = [];
  for (let r = 0; r < size; r++) {
    if (r === rank) continue;
    const send = new Uint8Array(8);
    const recv = new Uint8Array(8);
    const from = token.subarray(r, r + 1);
    check(
      mpi.fn.MPI_Isend(token.subarray(rank, rank + 1), 1, dt, r, 1, control, send),
      "MPI_Isend",
    );
    check(mpi.fn.MPI_Irecv(from, 1, dt, r, 1, control, recv), "MPI_Irecv");
    cells.push({ rank: r, cell: send, recv: false, done: false });
    cells.push({ rank: r, cell: recv, recv: true, done: false });
  }
  const flag = new Int32Array(1);
  const status = new Uint8Array(mpi.c.statusBytes);
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    for (const c of cells) {
      if (c.done) continue;
      check(mpi.fn.MPI_Test(c.cell, flag, status), "MPI_Test");
      c.done = flag[0] !== 0;
    }
    const missing = cells.filter((c) => c.recv && !c.done).map((c) => c.rank);
    if (cells.every((c) => c.done)) return [];
    if (performance.now() > deadline) return missing.length ? missing : [rank];
    nap(2);
  }
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
  readonly rank: number;
  readonly size: number;
  #mpi: Mpi;
  #handle: Handle;
  #world: boolean;
  #freed = false;

  /**
   * Not for callers: use {@link init}.
   *
   * @param internal The module's private token.
   */
  constructor(internal: typeof INTERNAL) {
    if (internal !== INTERNAL || !making) throw new TypeError("MpiComm is created by init()");
    const { mpi, handle, world } = making;
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
    if (state?.finalized || state?.disposed) {
      throw new Error("Cannot use a communicator after MPI_Finalize: the world was disposed");
    }
    if (this.#freed) throw new Error("Cannot use a communicator after free()");
    return this.#handle;
  }

  #dt(buf: CommBuffer): Handle {
    return this.#mpi.datatype(datatypeName(buf));
  }

  barrier(): void {
    check(this.#mpi.fn.MPI_Barrier(this.#h), "MPI_Barrier");
  }

  bcast<T extends CommBuffer>(buf: T, root = 0): T {
    const h = this.#h;
    root = checkRank(root, this.size, "root");
    const n = count(buf.length, "MPI_Bcast");
    check(this.#mpi.fn.MPI_Bcast(buf, n, this.#dt(buf), root, h), "MPI_Bcast");
    return buf;
  }

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

  send(buf: CommBuffer, dest: number, tag = 0): void {
    const h = this.#h;
    dest = checkRank(dest, this.size, "destination");
    const n = count(buf.length, "MPI_Send");
    check(this.#mpi.fn.MPI_Send(buf, n, this.#dt(buf), dest, checkTag(tag), h), "MPI_Send");
  }

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

  split(color: number, key?: number): Comm;
  split(color: number | null, key?: number): Comm | null;
  split(color: number | null, key: number = this.rank): Comm | null {
    const h = this.#h;
    checkColor(color);
    if (!Number.isInteger(key)) throw new RangeError(`Invalid key "${key}": expected an integer`);
    const cell = new Uint8Array(8);
    const col = color === null ? this.#mpi.c.undefined : color | 0;
    check(this.#mpi.fn.MPI_Comm_split(h, col, key | 0, cell), "MPI_Comm_split");
    const handle = this.#mpi.readHandle(cell);
    if (this.#mpi.sameHandle(handle, this.#mpi.commNull)) return null;
    return makeComm(() => new MpiComm(INTERNAL), this.#mpi, handle, false);
  }

  dup(): Comm {
    const cell = new Uint8Array(8);
    check(this.#mpi.fn.MPI_Comm_dup(this.#h, cell), "MPI_Comm_dup");
    return makeComm(() => new MpiComm(INTERNAL), this.#mpi, this.#mpi.readHandle(cell), false);
  }

  free(): void {
    if (this.#world) {
      throw new TypeError("Cannot free the world communicator: dispose it to finalize MPI");
    }
    if (this.#freed || state?.finalized || state?.disposed) return;
    this.#freed = true;
    check(this.#mpi.fn.MPI_Comm_free(this.#mpi.handleCell(this.#handle)), "MPI_Comm_free");
  }

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
    const handle = this.#mpi.readHandle(cell);
    return makeComm(() => new MpiCartComm(INTERNAL, dims, p), this.#mpi, handle, false);
  }

  allreduceNumber(x: number, op: ReduceOp = "sum"): number {
    return allreduceNumberOn(this, x, op);
  }

  bcastJson<T>(value: T, root = 0): T {
    return bcastJsonOn(this, value, root);
  }

  gatherJson<T>(value: T, root = 0): T[] | null {
    return gatherJsonOn(this, value, root);
  }

  allgatherJson<T>(value: T): T[] {
    return allgatherJsonOn(this, value);
  }

  /**
   * Frees a derived communicator. For the world, marks MPI finished (every
   * communicator refuses further use) and leaves `MPI_Finalize` to the end
   * of the process: a scope left by an exception must not finalize, which
   * would block while other ranks wait in a collective; the exception then
   * reaches the fatal-error handler, which aborts the job.
   */
  [Symbol.dispose](): void {
    if (!this.#world) this.free();
    else if (state) state.disposed = true;
  }

  /** Like `[Symbol.dispose]`, for `await using world = await init()`. */
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

  constructor(internal: typeof INTERNAL, dims: readonly number[], periods: readonly boolean[]) {
    super(internal);
    this.#mpi = making!.mpi;
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

/** The libmpi functions that may block until other ranks take part. */
const BLOCKING = [
  "MPI_Barrier",
  "MPI_Bcast",
  "MPI_Reduce",
  "MPI_Reduce_in_place",
  "MPI_Allreduce",
  "MPI_Allreduce_in_place",
  "MPI_Gather",
  "MPI_Gatherv",
  "MPI_Allgather",
  "MPI_Allgatherv",
  "MPI_Scatter",
  "MPI_Scatterv",
  "MPI_Alltoall",
  "MPI_Alltoallv",
  "MPI_Send",
  "MPI_Recv",
  "MPI_Wait",
  "MPI_Comm_split",
  "MPI_Comm_dup",
  "MPI_Comm_free",
  "MPI_Cart_create",
  "MPI_Finalize",
] as const;

/**
 * The library with its blocking functions wrapped so that SIGINT and SIGTERM
 * keep their default action (terminate; the launcher then ends the job)
 * while this rank may wait in libmpi, where the job guards' listeners cannot
 * run. The switch is made at the first blocking call of a synchronous run of
 * JavaScript and undone by a microtask when that run ends, so the listeners
 * (which print the cause) are back whenever the event loop turns, and a loop
 * of many small collectives costs four `sigaction` calls, not four per call.
 */
function killableWhileBlocked(mpi: Mpi): Mpi {
  const signals = bindSignalDefaults();
  if (!signals) return mpi;
  let armed = false;
  const disarm = (): void => {
    armed = false;
    signals.leave();
  };
  const fn: Record<string, unknown> = { ...mpi.fn };
  for (const name of BLOCKING) {
    const f = mpi.fn[name] as unknown as (...args: unknown[]) => number;
    fn[name] = (...args: unknown[]): number => {
      if (!armed) {
        armed = true;
        signals.enter();
        queueMicrotask(disarm);
      }
      return f(...args);
    };
  }
  return { ...mpi, fn: fn as unknown as Mpi["fn"] };
}

/**
 * Loads and initializes libmpi and returns the world. Installs the job
 * guards (dist/_abort.ts): any way this rank ends early ends the whole job.
 *
 * @returns The world communicator.
 */
export function startMpi(): MpiComm {
  const raw = loadMpi();
  const flag = new Int32Array(1);
  const fail = (rc: number, symbol: string): void => {
    if (rc !== 0) throw new MpiError(symbol, rc, raw.errorString(rc));
  };
  fail(raw.fn.MPI_Initialized(flag), "MPI_Initialized");
  if (!flag[0]) fail(raw.fn.MPI_Init(null, null), "MPI_Init");
  const world = raw.commWorld;
  fail(raw.fn.MPI_Comm_set_errhandler(world, raw.errorsReturn), "MPI_Comm_set_errhandler");
  const cell = new Uint8Array(8);
  fail(raw.fn.MPI_Comm_dup(world, cell), "MPI_Comm_dup");
  fail(raw.fn.MPI_Comm_rank(world, flag), "MPI_Comm_rank");
  const rank = flag[0];
  fail(raw.fn.MPI_Comm_size(world, flag), "MPI_Comm_size");
  const size = flag[0];
  // the guards' signal listeners first: the blocking-call wrapper saves and
  // restores the signal handlers they install
  installJobGuards({
    rank,
    size,
    abort: (code) => {
      if (!state?.finalized) raw.fn.MPI_Abort(world, code);
    },
    agree: (timeoutMs) => agreeOnEnd(rank, size, timeoutMs),
    finalize,
    finalized: () => state?.finalized ?? true,
  });
  const mpi = killableWhileBlocked(raw);
  state = { mpi, control: mpi.readHandle(cell), disposed: false, finalized: false };
  return makeComm(() => new MpiComm(INTERNAL), mpi, world, true);
}
