// The harness of *_mpi_test.ts files: they run alone (one process, SelfComm)
// and under any launcher and rank count, every rank running the same tests in
// the same order. A failed assertion on one rank would leave the others
// blocked in the next collective until the launcher's timeout, so it is
// reported with its rank and the whole job is aborted instead.

import { type Comm, init } from "../dist/comm.ts";
import { detectLauncher, loadMpi } from "../ffi/mpi.ts";

/** The world communicator (SelfComm when not started by a launcher). */
export const world: Comm = await init();

/** True when the process was started by an MPI launcher. */
export const underMpi: boolean = detectLauncher() !== null;

/** Options of {@link mpiTest}. */
export interface MpiTestOptions {
  /** Passed to Deno.test (e.g. false for tests that leave MPI-owned resources). */
  readonly sanitizeResources?: boolean;
}

/** `Deno.test` that aborts the MPI job when the test fails on this rank. */
export function mpiTest(
  name: string,
  fn: () => void | Promise<void>,
  options: MpiTestOptions = {},
): void {
  Deno.test({
    name,
    ...options,
    fn: async () => {
      try {
        await fn();
      } catch (e) {
        if (underMpi) {
          console.error(`[rank ${world.rank}/${world.size}] test "${name}" failed:`, e);
          const mpi = loadMpi();
          mpi.fn.MPI_Abort(mpi.commWorld, 1);
        }
        throw e;
      }
    },
  });
}
