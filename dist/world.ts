// init(): the world communicator, with libmpi's bindings (dist/mpi_comm.ts)
// loaded only when a launcher started the process.

import { granted } from "../core/permissions.ts";
import { detectLauncher } from "../ffi/mpi.ts";
import type { Comm } from "./comm.ts";
import { SelfComm } from "./self_comm.ts";

let worldPromise: Promise<Comm> | null = null;

function wantsMpi(): boolean {
  let forced: string | undefined;
  try {
    // asked without prompting: no env access means no launcher to detect
    if (!granted({ name: "env" })) return false;
    forced = Deno.env.get("TESSERA_MPI");
    if (forced === "1") return true;
    if (forced === "0") return false;
    return detectLauncher() !== null;
  } catch {
    // no --allow-env: nothing tells us about a launcher
    return false;
  }
}

/**
 * The world communicator. Under an MPI launcher it is an `MpiComm`
 * (libmpi is loaded and initialized on the first call), otherwise a
 * {@link SelfComm}. Launcher rule: `OMPI_COMM_WORLD_SIZE` (Open MPI),
 * `PMI_RANK`/`PMI_SIZE`/`HYDRA_*` (MPICH Hydra), `PMIX_RANK` (PMIx), or
 * `SLURM_PROCID` with more than one task in the step (`srun`);
 * `TESSERA_MPI=1` / `TESSERA_MPI=0` force either way. Every call returns the
 * same world. Under MPI, any way one rank ends early ends the whole job
 * (`MPI_Abort`, non-zero exit) with the cause printed once as
 * `[rank R/N] ...`: an uncaught error or unhandled rejection (with or without
 * `await using`), `Deno.exit(n)` with `n != 0`, SIGINT or SIGTERM, and
 * `Deno.exit(0)` while another rank has not reached its end within
 * `TESSERA_MPI_EXIT_TIMEOUT` seconds (default 3). A rank killed outright,
 * or signalled while blocked in libmpi (where no listener can run), dies
 * and its launcher ends the job and names the signal. Disposing the world makes
 * every communicator refuse further use; MPI_Finalize runs when the process
 * ends normally (never while leaving a scope by an exception, when another
 * rank may wait in a collective).
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
  // libmpi's bindings load only under a launcher: a one-process run (the CLI's `info`) never
  // compiles them
  worldPromise ??= wantsMpi()
    ? import("./mpi_comm.ts").then((m): Comm => m.startMpi())
    : Promise.resolve(new SelfComm());
  return worldPromise;
}
