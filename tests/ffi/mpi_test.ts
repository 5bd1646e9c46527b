import assert from "node:assert/strict";
import { detectLauncher, mpiCandidates } from "../../ffi/mpi.ts";

const OMPI = "/usr/lib/x86_64-linux-gnu/libmpi.so.40";
const hasOmpi = (() => {
  try {
    return Deno.statSync(OMPI).isFile;
  } catch {
    return false;
  }
})();

Deno.test("detectLauncher() recognises mpiexec, mpirun, PMIx and srun environments", () => {
  assert.equal(detectLauncher({}), null);
  assert.equal(detectLauncher({ PMI_RANK: "0", PMI_SIZE: "2" }), "mpich");
  assert.equal(detectLauncher({ HYDRA_CONTROL_FD: "5" }), "mpich");
  assert.equal(detectLauncher({ OMPI_COMM_WORLD_SIZE: "2", PMIX_RANK: "0" }), "openmpi");
  assert.equal(detectLauncher({ PMIX_RANK: "1" }), "pmix");
  assert.equal(detectLauncher({ SLURM_PROCID: "0", SLURM_STEP_NUM_TASKS: "4" }), "slurm");
  assert.equal(detectLauncher({ SLURM_PROCID: "0", SLURM_NTASKS: "1" }), null);
});

Deno.test("mpiCandidates() puts the launcher's own library first", () => {
  assert.equal(mpiCandidates("openmpi")[0], "libmpi.so.40");
  assert.equal(mpiCandidates("pmix")[0], "libmpi.so.40");
  assert.deepEqual(mpiCandidates("mpich").slice(0, 3), [
    "libmpich.so.12",
    "libmpi.so.12",
    "libmpi.so.40",
  ]);
  assert.equal(mpiCandidates(null)[0], "libmpich.so.12");
});

// The Open MPI binding relies on this: a `pointer` static is the symbol's address.
Deno.test({
  name: "Deno.dlopen() pointer statics give the address of an Open MPI global, as dlsym does",
  ignore: !hasOmpi,
  fn() {
    const lib = Deno.dlopen(
      OMPI,
      {
        ompi_mpi_comm_world: { type: "pointer" },
        ompi_mpi_double: { type: "pointer" },
      } as const,
    );
    const libc = Deno.dlopen(
      "libc.so.6",
      {
        dlopen: { parameters: ["buffer", "i32"], result: "pointer" },
        dlsym: { parameters: ["pointer", "buffer"], result: "pointer" },
      } as const,
    );
    try {
      const cstr = (s: string) => new TextEncoder().encode(`${s}\0`);
      const handle = libc.symbols.dlopen(cstr(OMPI), 2);
      for (const name of ["ompi_mpi_comm_world", "ompi_mpi_double"] as const) {
        const viaDlsym = Deno.UnsafePointer.value(libc.symbols.dlsym(handle, cstr(name)));
        assert.notEqual(viaDlsym, 0n);
        assert.equal(Deno.UnsafePointer.value(lib.symbols[name]), viaDlsym, name);
      }
    } finally {
      lib.close();
      libc.close();
    }
  },
});
