// SelfComm: the one-rank communicator of a process no MPI launcher started.
// Its methods are documented once, on the Comm interface (dist/comm.ts).

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
  datatypeName,
  gatherJsonOn,
  intArray,
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
  readonly rank: number = 0;
  readonly size: number = 1;
  #queue: Message[] = [];

  barrier(): void {}

  bcast<T extends CommBuffer>(buf: T, root = 0): T {
    datatypeName(buf);
    checkRank(root, 1, "root");
    return buf;
  }

  reduce<T extends CommBuffer>(send: T, recv: T | null = null, op: ReduceOp = "sum", root = 0): T {
    checkRank(root, 1, "root");
    return this.allreduce(send, recv, op);
  }

  allreduce<T extends CommBuffer>(send: T, recv: T | null = null, op: ReduceOp = "sum"): T {
    datatypeName(send);
    checkOp(op);
    const out = recv ?? alloc(send, send.length);
    sameKind(send, out, "allreduce");
    atLeast(out, send.length, "allreduce");
    if (out !== send) (out as Float64Array).set(send as Float64Array);
    return out;
  }

  gather<T extends CommBuffer>(send: T, recv: T | null = null, root = 0): T {
    checkRank(root, 1, "root");
    return this.allreduce(send, recv);
  }

  gatherv<T extends CommBuffer>(send: T, options: GathervOptions<T> = {}): T {
    checkRank(options.root ?? 0, 1, "root");
    return this.allgatherv(send, options);
  }

  allgather<T extends CommBuffer>(send: T, recv: T | null = null): T {
    return this.allreduce(send, recv);
  }

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

  scatter<T extends CommBuffer>(send: T | null, recv: T, root = 0): T {
    checkRank(root, 1, "root");
    return this.scatterv(send, recv, { counts: [recv.length] });
  }

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

  alltoall<T extends CommBuffer>(send: T, recv: T | null = null): T {
    return this.allreduce(send, recv);
  }

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

  send(buf: CommBuffer, dest: number, tag = 0): void {
    datatypeName(buf);
    checkRank(dest, 1, "destination");
    this.#queue.push({ tag: checkTag(tag), data: buf.slice() });
  }

  recv(buf: CommBuffer, source: number | null = null, tag: number | null = null): RecvStatus {
    const s = this.#take(buf, source, tag);
    if (!s) throw new Error("Cannot receive in a one-rank world: no matching message was sent");
    return s;
  }

  isend(buf: CommBuffer, dest: number, tag = 0): Request {
    this.send(buf, dest, tag);
    const status = { source: 0, tag, count: buf.length };
    return new SelfRequest(() => status);
  }

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

  split(color: number, _key?: number): Comm;
  split(color: number | null, _key?: number): Comm | null;
  split(color: number | null, _key?: number): Comm | null {
    checkColor(color);
    return color === null ? null : new SelfComm();
  }

  dup(): Comm {
    return new SelfComm();
  }

  free(): void {}

  cartCreate(dims: readonly number[], periods: readonly boolean[] = []): CartComm {
    checkDims(dims, 1);
    return new SelfCartComm(dims, dims.map((_, i) => periods[i] ?? false));
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

  /** Does nothing: a one-rank world holds no resources. */
  [Symbol.dispose](): void {}

  /** Does nothing: a one-rank world holds no resources. */
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
