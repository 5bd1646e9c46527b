// LazyArray.median/quantile under MPI: the tiles are dealt over the ranks,
// the histograms summed and the candidates allgathered; the result is the
// NDArray's on every rank. Runs alone too:
//   timeout 300 mpiexec.mpich -n 3 deno test -A tests/stream/quantile_mpi_test.ts

import assert from "node:assert/strict";
import { fromArray } from "../../core/ndarray.ts";
import { lazy } from "../../stream/lazy.ts";
import { mpiTest as test, world } from "../_mpi.ts";

test("LazyArray quantiles over the ranks equal NDArray's on every rank", async () => {
  const vals = Array.from({ length: 60_000 }, (_, i) => (i % 11 === 0 ? NaN : Math.sin(i) * 1e4));
  const a = fromArray(vals, "float64").reshape([60, 1000]);
  const x = lazy(a, { chunks: [10, 500] });
  const qs = [0, 0.2, 0.5, 0.99, 1];
  for (const memory of ["64KiB", "16MiB"]) {
    const got = await x.quantile(qs, { memory, comm: world, skipna: true });
    assert.deepEqual(got.toArray(), a.quantile(qs, { skipna: true }).toArray(), memory);
    const m = await x.median({ memory, comm: world, skipna: true });
    assert.equal(m.get(), a.median({ skipna: true }).get());
    assert.ok(Number.isNaN((await x.median({ memory, comm: world })).get() as number));
  }
});
