// Runs alone (one process: SelfComm) and under any launcher and rank count:
//   deno test -A tests/dist/comm_mpi_test.ts
//   timeout 120 mpiexec.mpich -n 3 deno test -A tests/dist/comm_mpi_test.ts
//   timeout 120 mpirun.openmpi --allow-run-as-root --oversubscribe -n 3 deno test -A ...
// Every rank runs the same tests in the same order; the last one finalizes MPI.

import assert from "node:assert/strict";
import {
  type CommBuffer,
  dimsCreate,
  init,
  MpiComm,
  type ReduceOp,
  SelfComm,
} from "../../dist/comm.ts";
import { MpiError } from "../../core/errors.ts";
import { mpiTest as test, underMpi, world } from "../_mpi.ts";
import { detectLauncher, loadMpi } from "../../ffi/mpi.ts";

const { rank, size } = world;

type Ctor = { new (n: number): CommBuffer; name: string };
const ALL: Ctor[] = [
  Int8Array,
  Uint8Array,
  Int16Array,
  Uint16Array,
  Int32Array,
  Uint32Array,
  BigInt64Array,
  BigUint64Array,
  Float32Array,
  Float64Array,
];
const isBig = (c: Ctor) => c === BigInt64Array || c === BigUint64Array;
function make(ctor: Ctor, values: number[]): CommBuffer {
  const a = new ctor(values.length);
  values.forEach((v, i) => (a as unknown as (number | bigint)[])[i] = isBig(ctor) ? BigInt(v) : v);
  return a;
}
const nums = (a: CommBuffer): number[] => Array.from(a as ArrayLike<number | bigint>, Number);
function range(n: number): number[];
function range<T>(n: number, f: (i: number) => T): T[];
function range(n: number, f: (i: number) => unknown = (i) => i): unknown[] {
  return Array.from({ length: n }, (_, i) => f(i));
}

test("init() returns the same world on every call, an MpiComm exactly under a launcher", async () => {
  assert.equal(await init(), world);
  assert.equal(world instanceof MpiComm, underMpi);
  assert.equal(world instanceof SelfComm, !underMpi);
  assert.ok(rank >= 0 && rank < size);
  if (underMpi) {
    const lib = (world as MpiComm).library;
    const want = detectLauncher() === "openmpi" ? "openmpi" : "mpich";
    assert.equal(lib.abi, want);
    const sizes = world.allgatherJson(size);
    assert.deepEqual(sizes, range(size, () => size));
  }
});

test("allreduce() sums rank-dependent arrays in every MPI datatype", () => {
  for (const ctor of ALL) {
    const send = make(ctor, range(5, (i) => rank + i));
    const out = world.allreduce(send, null, "sum");
    assert.equal(out.constructor, ctor, ctor.name);
    assert.deepEqual(nums(out), range(5, (i) => size * i + (size * (size - 1)) / 2), ctor.name);
  }
});

test("allreduce() sums int64 and uint64 beyond 2^53 exactly", () => {
  const big = 2n ** 60n + BigInt(rank);
  const s = world.allreduce(new BigInt64Array([big, -big]));
  const want = 2n ** 60n * BigInt(size) + BigInt((size * (size - 1)) / 2);
  assert.deepEqual([...s], [want, -want]);
  const u = world.allreduce(new BigUint64Array([2n ** 63n + BigInt(rank)]), null, "max");
  assert.equal(u[0], 2n ** 63n + BigInt(size - 1));
});

test("allreduce() applies every reduction operation", () => {
  const ranks = range(size, (r) => r);
  const cases: [ReduceOp, Ctor, (r: number) => number, number][] = [
    ["sum", Float32Array, (r) => r + 0.5, ranks.reduce((a, r) => a + r + 0.5, 0)],
    ["prod", Int32Array, (r) => r + 2, ranks.reduce((a, r) => a * (r + 2), 1)],
    ["min", Float64Array, (r) => 10 - r, 10 - (size - 1)],
    ["max", Int16Array, (r) => -r * 3, 0],
    ["min", BigInt64Array, (r) => -r, 0 - (size - 1)],
    ["land", Uint8Array, (r) => (r === size - 1 ? 0 : 1), 0],
    ["land", Int32Array, () => 7, 1],
    ["lor", Uint8Array, (r) => (r === size - 1 ? 1 : 0), 1],
    ["lor", Int32Array, () => 0, 0],
    [
      "band",
      Uint32Array,
      (r) => 0xff ^ (1 << r),
      ranks.reduce((a, r) => a & (0xff ^ (1 << r)), 0xff),
    ],
    ["bor", Uint16Array, (r) => 1 << r, ranks.reduce((a, r) => a | (1 << r), 0)],
  ];
  for (const [op, ctor, f, want] of cases) {
    const out = world.allreduce(make(ctor, [f(rank), f(rank)]), null, op);
    // a one-rank logical reduction is a copy (MPI leaves the value as given)
    const expect = size === 1 && (op === "land" || op === "lor") ? f(0) : want;
    assert.deepEqual(nums(out), [expect, expect], `${op} ${ctor.name}`);
  }
});

test("allreduce() works in place and into a given buffer", () => {
  const a = new Float64Array([rank, 1]);
  assert.equal(world.allreduce(a, a, "sum"), a);
  assert.deepEqual([...a], [(size * (size - 1)) / 2, size]);
  const into = new Int32Array(1);
  assert.equal(world.allreduce(new Int32Array([rank]), into, "max"), into);
  assert.equal(into[0], size - 1);
  assert.equal(world.allreduceNumber(rank * 1.5, "sum"), 1.5 * (size * (size - 1)) / 2);
  assert.equal(world.allreduceNumber(rank, "min"), 0);
});

test("allreduce() rejects mismatched buffers and arrays without an MPI datatype", () => {
  assert.throws(
    () => world.allreduce(new Float32Array(2), new Float64Array(2) as unknown as Float32Array),
    TypeError,
  );
  assert.throws(() => world.allreduce(new Float32Array(2), new Float32Array(1)), RangeError);
  assert.throws(() => world.allreduce(new Float32Array(2), null, "xor" as ReduceOp), TypeError);
  assert.throws(
    () => world.allreduce(new Uint8ClampedArray(2) as unknown as Uint8Array),
    /Cannot communicate a "Uint8ClampedArray"/,
  );
});

test("reduce() delivers the result at the root only, in place at the root too", () => {
  const root = size - 1;
  const out = world.reduce(new Int32Array([rank, 2 * rank]), null, "sum", root);
  const s = (size * (size - 1)) / 2;
  if (rank === root) assert.deepEqual([...out!], [s, 2 * s]);
  else assert.equal(out, null);
  const a = new Float32Array([rank + 1]);
  const r2 = world.reduce(a, rank === 0 ? a : null, "prod", 0);
  if (rank === 0) {
    assert.equal(r2, a);
    assert.equal(a[0], range(size, (r) => r + 1).reduce((x, y) => x * y, 1));
  } else assert.equal(r2, null);
});

test("bcast() and bcastJson() copy the root's data to every rank", () => {
  const root = size - 1;
  const buf = rank === root ? new Float64Array([1.5, -2, 3e300]) : new Float64Array(3);
  assert.equal(world.bcast(buf, root), buf);
  assert.deepEqual([...buf], [1.5, -2, 3e300]);
  const v = world.bcastJson(rank === 0 ? { shape: [2, 3], name: "t2m", ok: true } : null, 0);
  assert.deepEqual(v, { shape: [2, 3], name: "t2m", ok: true });
  assert.throws(() => world.bcast(buf, size), RangeError);
});

test("gather() and allgather() collect blocks in rank order", () => {
  const send = new Int16Array([rank, -rank]);
  const all = world.allgather(send);
  assert.deepEqual([...all], range(size).flatMap((r) => [r, 0 - r]));
  const g = world.gather(send, null, 0);
  if (rank === 0) assert.deepEqual([...g!], [...all]);
  else assert.equal(g, null);
  assert.deepEqual(
    world.gatherJson({ r: rank }, 0),
    rank === 0 ? range(size, (r) => ({ r })) : null,
  );
  assert.deepEqual(world.allgatherJson(`rank${rank}`), range(size, (r) => `rank${r}`));
});

test("gatherv() collects rank-dependent counts, with gathered or given counts", () => {
  const send = new Float32Array(rank + 1).fill(rank);
  const want = range(size).flatMap((r) => range(r + 1, () => r));
  const g = world.gatherv(send, { root: 0 });
  if (rank === 0) assert.deepEqual([...g!], want);
  else assert.equal(g, null);
  // explicit counts and displacements leaving one gap element after each block
  const counts = range(size, (r) => r + 1);
  const displs = range(size, (r) => (r * (r + 1)) / 2 + r);
  const root = size - 1;
  const h = world.gatherv(send, { root, counts, displs });
  if (rank === root) {
    const expect = new Array(displs[size - 1] + size).fill(0);
    range(size).forEach((r) => expect.fill(r, displs[r], displs[r] + r + 1));
    assert.deepEqual([...h!], expect);
  } else assert.equal(h, null);
});

test("allgatherv() collects rank-dependent counts on every rank", () => {
  const send = new BigInt64Array(size - rank).fill(BigInt(rank * 10));
  const all = world.allgatherv(send);
  assert.deepEqual(
    [...all],
    range(size).flatMap((r) => range(size - r, () => r * 10)).map(BigInt),
  );
});

test("scatter() and scatterv() deal blocks from the root", () => {
  const root = size - 1;
  const data = rank === root ? Uint32Array.from(range(2 * size, (i) => i * 3)) : null;
  const got = world.scatter(data, new Uint32Array(2), root);
  assert.deepEqual([...got], [rank * 6, rank * 6 + 3]);
  const counts = range(size, (r) => r + 1);
  const total = counts.reduce((a, b) => a + b, 0);
  const src = rank === 0 ? Float64Array.from(range(total, (i) => i + 0.25)) : null;
  const mine = world.scatterv(src, new Float64Array(rank + 1), { counts, root: 0 });
  const start = (rank * (rank + 1)) / 2;
  assert.deepEqual([...mine], range(rank + 1, (i) => start + i + 0.25));
});

test("alltoall() and alltoallv() exchange a block with every rank", () => {
  const send = Int32Array.from(range(size, (j) => rank * 100 + j));
  assert.deepEqual([...world.alltoall(send)], range(size, (r) => r * 100 + rank));
  // rank r sends j + 1 elements of value r * 100 + j to rank j
  const sendCounts = range(size, (j) => j + 1);
  const data = Float64Array.from(range(size).flatMap((j) => range(j + 1, () => rank * 100 + j)));
  const got = world.alltoallv(data, sendCounts);
  assert.deepEqual([...got], range(size).flatMap((r) => range(rank + 1, () => r * 100 + rank)));
  const again = world.alltoallv(data, sendCounts, {
    recvCounts: range(size, () => rank + 1),
    recv: new Float64Array(size * (rank + 1)),
  });
  assert.deepEqual([...again], [...got]);
});

test("send() and recv() pass tagged messages around a ring", () => {
  const right = (rank + 1) % size;
  const left = (rank - 1 + size) % size;
  const msg = Float64Array.from([rank, rank + 0.5, 7]);
  const buf = new Float64Array(8);
  let st;
  if (rank % 2 === 0) {
    world.send(msg, right, 5);
    st = world.recv(buf, null, null);
  } else {
    st = world.recv(buf, left, 5);
    world.send(msg, right, 5);
  }
  assert.deepEqual(st, { source: left, tag: 5, count: 3 });
  assert.deepEqual([...buf.subarray(0, 3)], [left, left + 0.5, 7]);
});

test("isend() and irecv() complete a ring and keep small buffers alive", () => {
  const right = (rank + 1) % size;
  const left = (rank - 1 + size) % size;
  const small = new Int8Array(1);
  const large = new Float64Array(10_000);
  const r1 = world.irecv(small, left, 1);
  const r2 = world.irecv(large, left, 2);
  const s1 = world.isend(Int8Array.of(rank), right, 1);
  const s2 = world.isend(Float64Array.from(range(10_000, (i) => i * rank)), right, 2);
  // churn the heap while the requests are in flight
  for (let i = 0; i < 2000; i++) new Float64Array(16).fill(i);
  let st: ReturnType<typeof r1.test> = null;
  while (!(st = r1.test())) { /* poll */ }
  assert.deepEqual(st, { source: left, tag: 1, count: 1 });
  assert.deepEqual(r2.wait(), { source: left, tag: 2, count: 10_000 });
  assert.equal(s1.wait().count, 1);
  assert.equal(s2.wait().tag, 2);
  assert.ok(r1.done && r2.done && s1.done && s2.done);
  assert.equal(small[0], left);
  assert.equal(large[9_999], 9_999 * left);
});

test("recv() throws MpiError when the message does not fit", () => {
  if (size === 1) {
    world.send(new Int32Array(4), 0, 9);
    assert.throws(() => world.recv(new Int32Array(2), 0, 9), RangeError);
    return;
  }
  if (rank === 0) world.send(new Int32Array([1, 2, 3, 4]), 1, 9);
  if (rank === 1) {
    const e = assert.throws(() => world.recv(new Int32Array(2), 0, 9), (e: unknown) => {
      assert.ok(e instanceof MpiError);
      assert.equal(e.name, "MpiError");
      assert.equal(e.symbol, "MPI_Recv");
      assert.equal(e.library, "libmpi");
      assert.ok(e.code > 0);
      assert.match(e.message, /^MPI_Recv failed \(libmpi, code \d+\): .*trunc/is);
      return true;
    });
    void e;
  }
  world.barrier();
});

test("split() groups ranks by color and orders them by key", () => {
  const sub = world.split(rank % 2, -rank);
  const same = range(size).filter((r) => r % 2 === rank % 2);
  assert.equal(sub.size, same.length);
  assert.equal(sub.rank, same.length - 1 - same.indexOf(rank));
  assert.equal(sub.allreduceNumber(rank), same.reduce((a, b) => a + b, 0));
  sub.free();
  sub.free();
  if (underMpi) assert.throws(() => sub.barrier(), /after free/);
  const none = world.split(rank === 0 ? null : 3);
  if (rank === 0) assert.equal(none, null);
  else {
    assert.equal(none!.size, size - 1);
    assert.equal(none!.rank, rank - 1);
    none!.free();
  }
});

test("dup() gives the same group with a separate message space", () => {
  using d = world.dup();
  assert.equal(d.rank, rank);
  assert.equal(d.size, size);
  assert.deepEqual(d.allgatherJson(rank), range(size));
  if (underMpi) assert.throws(() => world.free(), TypeError);
});

test("dimsCreate() balances grids like MPI_Dims_create", () => {
  assert.deepEqual(dimsCreate(12, 2), [4, 3]);
  assert.deepEqual(dimsCreate(16, 3), [4, 2, 2]);
  assert.deepEqual(dimsCreate(7, 2), [7, 1]);
  assert.deepEqual(dimsCreate(24, [0, 3, 0]), [4, 3, 2]);
  assert.deepEqual(dimsCreate(1, 0), []);
  assert.throws(() => dimsCreate(10, [3, 0]), RangeError);
  if (!underMpi || rank !== 0) return;
  const mpi = loadMpi();
  for (let n = 1; n <= 64; n++) {
    for (let k = 1; k <= 3; k++) {
      const d = new Int32Array(k);
      assert.equal(mpi.fn.MPI_Dims_create(n, k, d), 0);
      assert.deepEqual(dimsCreate(n, k), [...d], `n=${n} k=${k}`);
    }
  }
});

test("cartCreate() lays ranks out in C order with coords, rankOf and shift", () => {
  const dims = dimsCreate(size, 2);
  const cart = world.cartCreate(dims, [true, false]);
  assert.deepEqual(cart.dims, dims);
  const c = [Math.floor(rank / dims[1]), rank % dims[1]];
  assert.deepEqual(cart.coords(), c);
  assert.deepEqual(range(size, (r) => cart.rankOf(cart.coords(r))), range(size));
  assert.equal(cart.rankOf([c[0] + dims[0], c[1]]), rank);
  const s0 = cart.shift(0, 1);
  assert.equal(s0.dest, cart.rankOf([(c[0] + 1) % dims[0], c[1]]));
  assert.equal(s0.source, cart.rankOf([(c[0] - 1 + dims[0]) % dims[0], c[1]]));
  const s1 = cart.shift(1, 1);
  assert.equal(s1.dest, c[1] + 1 < dims[1] ? rank + 1 : null);
  assert.equal(s1.source, c[1] > 0 ? rank - 1 : null);
  assert.equal(cart.allreduceNumber(1), size);
  assert.throws(() => world.cartCreate([size + 1]), RangeError);
  cart.free();
});

// must stay last: finalizes MPI
test("world[Symbol.asyncDispose]() finalizes MPI and later calls throw", async () => {
  world.barrier();
  await world[Symbol.asyncDispose]();
  if (underMpi) assert.throws(() => world.barrier(), /after MPI_Finalize/);
  else assert.doesNotThrow(() => world.barrier());
});
