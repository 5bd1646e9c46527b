// The "workers stopped mid-run" check shared by the threads tests: a std over
// axis 0 on 3 threads whose compute workers are stopped every few blocks
// (jobs in flight; they start again for later blocks) must give the bits of
// one thread, the stopped blocks computed again on the main thread.

import assert from "node:assert/strict";
import { SelfComm } from "../../dist/comm.ts";
import type { LazyArray } from "../../stream/mod.ts";
import { closeComputeWorkers } from "../../stream/_parallel.ts";
import { bits } from "../_util.ts";

/**
 * Asserts that `src.std({ axis: 0 })` on 3 threads, its workers stopped
 * whenever the blocks done are 1 modulo `every` (at least 3 times), has the
 * bits of one thread.
 */
export async function sameBitsWhenWorkersStop(src: LazyArray, every: number): Promise<void> {
  const comm = new SelfComm();
  const one = await src.std({ axis: 0 }).compute({ comm, threads: 1 });
  let stops = 0;
  const got = await src.std({ axis: 0 }).compute({
    comm,
    threads: 3,
    onProgress: (p) => {
      if (p.chunksDone % every === 1) {
        closeComputeWorkers();
        stops++;
      }
    },
  });
  assert.ok(stops >= 3, `workers stopped ${stops} times`);
  assert.deepEqual(bits(got), bits(one));
}
