// LazyArrayProxy (stream/lazy_proxy.ts): a .npy file and a netCDF file
// (examples/t2m.cdl through ncgen) opened through a Context of 2 engines under
// mpiexec.mpich, and of one engine without MPI. Means and stds over axes equal
// the in-process LazyArray results bit for bit (the stream engine gives the
// same bits for any rank count); `to()` writes the same bytes as the
// in-process `to()`; large results stay remote as DistArrayProxy objects; a
// bad locator is an EngineError naming the file; each of 2 engines reads about
// half of the file's bytes (its own chunks, from /proc/self/io); no engine
// process is left.
// A normal single-process test file (it launches the engines itself).

import assert from "node:assert/strict";
import { Context, DistArrayProxy, EngineError } from "../../dist/mod.ts";
import { LazyArray, LazyArrayProxy, open } from "../../stream/mod.ts";
import { fromArray, type NDArray } from "../../core/ndarray.ts";
import { rand } from "../../core/random.ts";
import { writeNpy } from "../../io/npy.ts";
import { hasCommand, ROOT, tempDir } from "../_util.ts";

const MPICH = hasCommand("mpiexec.mpich");
const NCGEN = hasCommand("ncgen");

function alive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(Deno.readTextFileSync(`/proc/${pid}/stat`));
  } catch {
    return false;
  }
}

async function assertGone(pids: readonly number[]): Promise<void> {
  const deadline = Date.now() + 5000;
  while (pids.some(alive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  assert.deepEqual(pids.filter(alive), [], `left running: ${pids}`);
}

/** Same dtype, shape and bytes. */
function assertSameBits(remote: unknown, local: NDArray, what: string): void {
  assert.ok(!(remote instanceof DistArrayProxy), `${what}: came back`);
  const r = remote as NDArray;
  assert.equal(r.dtype, local.dtype, what);
  assert.deepEqual(r.shape, local.shape, what);
  const bytes = (a: NDArray) => {
    const t = a.toTypedArray();
    return new Uint8Array(t.buffer, t.byteOffset, t.byteLength);
  };
  assert.deepEqual(bytes(r), bytes(local), what);
}

/** The same graph in process and through the context: mean and std over each axis. */
async function checkReductions(remote: LazyArrayProxy, local: LazyArray, what: string) {
  const memory = "8MiB";
  assert.deepEqual(remote.shape, local.shape);
  assert.equal(remote.dtype, local.dtype);
  for (const axis of [null, ...local.shape.map((_, i) => i), [0, local.ndim - 1]]) {
    const o = axis === null ? {} : { axis };
    assertSameBits(
      await (await remote.mean(o)).compute({ memory }),
      await local.mean(o).compute({ memory }),
      `${what} mean(${JSON.stringify(axis)})`,
    );
    assertSameBits(
      await (await remote.std({ ...o, ddof: 1 })).compute({ memory }),
      await local.std({ ...o, ddof: 1 }).compute({ memory }),
      `${what} std(${JSON.stringify(axis)})`,
    );
  }
  // a graph of element-wise ops, a slice and astype
  const r =
    await (await (await (await remote.slice("1:, ::2")).mul(2)).sub(remote.size > 0 ? 1 : 0))
      .astype("float32");
  const l = local.slice("1:, ::2").mul(2).sub(1).astype("float32");
  assertSameBits(
    await (await r.sum({ axis: 0 })).compute({ memory }),
    await l.sum({ axis: 0 }).compute({ memory }),
    `${what} graph`,
  );
}

async function npyFile(dir: string): Promise<string> {
  const path = `${dir}/x.npy`;
  await writeNpy(path, rand([40, 12, 10], { seed: 3 }).astype("float32"));
  return path;
}

async function ncFile(dir: string): Promise<string> {
  const out = await new Deno.Command("ncgen", {
    args: ["-4", "-o", `${dir}/t2m.nc`, `${ROOT}/examples/t2m.cdl`],
  }).output();
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
  return `${dir}/t2m.nc:/t2m`;
}

async function checkContext(ctx: Context, dir: string): Promise<void> {
  // .npy, with a chunk grid that gives each engine several blocks
  const npy = await npyFile(dir);
  const opts = { chunks: [5, 12, 10] };
  using local = await open(npy, opts);
  const remote = await ctx.open(npy, opts);
  assert.ok(remote instanceof LazyArrayProxy);
  assert.equal(String(remote), "LazyArrayProxy<float32>[40,12,10]");
  await checkReductions(remote, local, "npy");
  // to(): the engines write collectively; the same bytes as in process
  await (await remote.sqrt()).to(`${dir}/remote.npy`);
  await local.sqrt().to(`${dir}/local.npy`);
  assert.deepEqual(
    await Deno.readFile(`${dir}/remote.npy`),
    await Deno.readFile(`${dir}/local.npy`),
  );
  // a large result stays on the engines; toDistArray keeps it there too
  const big = await (await remote.add(1)).compute({ memory: "8MiB" });
  assert.ok(big instanceof DistArrayProxy, "19 200 bytes > the 4 KiB limit");
  assertSameBits(await big.toNDArray(), await local.add(1).compute(), "large compute");
  const d = await (await remote.mul(2)).toDistArray({ dist: "cnn" });
  assert.match(d.distribution, /\(cnn\)/);
  assertSameBits(await d.toNDArray(), await local.mul(2).compute(), "toDistArray");
  // a scan
  assertSameBits(
    await (await (await remote.cumsum({ axis: 0 })).sum({ axis: 0 })).compute(),
    await local.cumsum({ axis: 0 }).sum({ axis: 0 }).compute(),
    "cumsum",
  );
  // an NDArray operand and order statistics
  const w = fromArray(Array.from({ length: 10 }, (_, i) => i), "float32");
  assertSameBits(
    await (await (await remote.mul(w)).max({ axis: 0 })).compute(),
    await local.mul(w).max({ axis: 0 }).compute(),
    "mul(NDArray)",
  );
  assertSameBits(
    await remote.quantile([0.25, 0.5], { memory: "8MiB" }),
    await local.quantile([0.25, 0.5], { memory: "8MiB" }),
    "quantile",
  );

  // netCDF: CF-decoded (scale_factor/add_offset, fill value -> NaN)
  if (NCGEN) {
    const nc = await ncFile(dir);
    using lnc = await open(nc);
    const rnc = await ctx.open(nc);
    assert.equal(rnc.dtype, lnc.dtype);
    await checkReductions(rnc, lnc, "netCDF");
    await (await rnc.mean({ axis: 0 })).to(`${dir}/remote.h5:/clim`);
    await lnc.mean({ axis: 0 }).to(`${dir}/local.h5:/clim`);
    using a = await open(`${dir}/remote.h5:/clim`);
    using b = await open(`${dir}/local.h5:/clim`);
    assertSameBits(await a.compute(), await b.compute(), "netCDF to()");
  }

  // a bad locator: an EngineError naming the file; the context still works
  const missing = `${dir}/no_such_file.npy`;
  await assert.rejects(ctx.open(missing), (e: unknown) => {
    assert.ok(e instanceof EngineError);
    assert.equal(e.reason, "throw");
    assert.ok(e.message.includes(missing), e.message);
    return true;
  });
  // bad options are refused on the client
  await assert.rejects(remote.compute({ comm: null } as never), TypeError);
  await assert.rejects(remote.compute({ onProgress: () => {} } as never), TypeError);
  assert.equal(ctx.failure, null);
  remote.free();
}

Deno.test({
  name: "Context.open under mpiexec.mpich: 2 engines give the in-process LazyArray bits",
  ignore: !MPICH,
  fn: async () => {
    await using dir = await tempDir();
    let pids: number[];
    {
      await using ctx = await Context.start({
        engines: 2,
        launcher: "mpiexec.mpich",
        resultLimitBytes: 4096,
      });
      pids = [...ctx.pids, ctx.launcherPid!];
      await checkContext(ctx, dir.path);
    }
    await assertGone(pids);
  },
});

/** Bytes each engine has read so far (`rchar` of /proc/self/io). */
function bytesRead(ctx: Context): Promise<number[]> {
  return ctx.apply(() => Number(/rchar: (\d+)/.exec(Deno.readTextFileSync("/proc/self/io"))![1]));
}

Deno.test({
  name: "Context.open under mpiexec.mpich: each of 2 engines reads its own chunks (half the bytes)",
  ignore: !MPICH || (() => {
    try {
      Deno.readTextFileSync("/proc/self/io");
      return false;
    } catch {
      return true;
    }
  })(),
  fn: async () => {
    await using dir = await tempDir();
    const path = `${dir.path}/big.npy`;
    await writeNpy(path, rand([100, 100, 100], { seed: 1 }).astype("float32"));
    let pids: number[];
    // the engines' reads counted by rchar: pread, not the pages a reduction maps (io/_map.ts)
    const mmap = Deno.env.get("TESSERA_MMAP");
    Deno.env.set("TESSERA_MMAP", "0");
    try {
      await using ctx = await Context.start({ engines: 2, launcher: "mpiexec.mpich" });
      const a = await ctx.open(path, { chunks: [10, 100, 100] });
      const s = await a.sum();
      const before = await bytesRead(ctx);
      const sum = await s.compute({ memory: "64MiB" }) as NDArray;
      const after = await bytesRead(ctx);
      using local = await open(path, { chunks: [10, 100, 100] });
      assertSameBits(sum, await local.sum().compute(), "sum");
      const data = 100 * 100 * 100 * 4;
      for (const [rank, n] of after.map((x, i) => x - before[i]).entries()) {
        assert.ok(n > 0.45 * data && n < 0.6 * data, `engine ${rank} read ${n} of ${data} bytes`);
      }
      pids = [...ctx.pids, ctx.launcherPid!];
    } finally {
      if (mmap === undefined) Deno.env.delete("TESSERA_MMAP");
      else Deno.env.set("TESSERA_MMAP", mmap);
    }
    await assertGone(pids);
  },
});

Deno.test({
  name: "Context.open with one engine without MPI gives the in-process LazyArray bits",
  fn: async () => {
    await using dir = await tempDir();
    const ctx = await Context.start({ engines: 1, launcher: null, resultLimitBytes: 4096 });
    const pids = [...ctx.pids];
    await checkContext(ctx, dir.path);
    await ctx.close();
    await assertGone(pids);
  },
});
