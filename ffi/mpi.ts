// Raw bindings to libmpi for both ABIs in use on Linux:
//
// - MPICH ABI (MPICH, Intel MPI, MVAPICH; libmpich.so.12 / libmpi.so.12):
//   handles are C `int`s with fixed values from mpich's mpi.h.
// - Open MPI ABI (libmpi.so.40): handles are pointers, the ADDRESSES of
//   globals such as `ompi_mpi_comm_world` (mpi.h: `#define MPI_COMM_WORLD
//   OMPI_PREDEFINED_GLOBAL(MPI_Comm, ompi_mpi_comm_world)` = `&ompi_mpi_comm_world`).
//
// How the address of a global is obtained: in Deno 2.9 a static declared
// `{ type: "pointer" }` in the `Deno.dlopen` interface yields the address of
// the symbol (what `dlsym` returns), not the pointer stored at it. This was
// verified against libc's `dlsym` for `ompi_mpi_comm_world` (a zeroed .bss
// object before MPI_Init) and `ompi_mpi_double` (.data); tests/ffi/mpi_test.ts
// keeps checking it, so a change of Deno's semantics fails loudly instead of
// passing garbage handles to Open MPI.
//
// Internal to the project: only dist/ uses this file.

import { type DType, DTYPES } from "../core/dtype.ts";
import { openLibrary, pinLibrary } from "./_library.ts";

/** The two MPI ABIs. */
export type MpiAbi = "mpich" | "openmpi";

/** Which launcher started this process, as far as the environment tells. */
export type Launcher = "mpich" | "openmpi" | "pmix" | "slurm";

/** An MPI handle: a C `int` (MPICH ABI) or a pointer (Open MPI ABI). */
export type Handle = number | Deno.PointerValue;

/** The reduction operations exposed by the project. */
export type MpiOpName = "sum" | "prod" | "min" | "max" | "land" | "lor" | "band" | "bor";

/** Names of the MPI datatypes named in the dtype table's `mpi` column. */
export type MpiDatatypeName = NonNullable<(typeof DTYPES)[DType]["mpi"]>;

/** Every MPI datatype the bindings resolve: the dtype table's, plus bytes and `int`. */
export type DatatypeName = MpiDatatypeName | "MPI_BYTE" | "MPI_INT";

/**
 * The libmpi symbol table for handle type `H` (`"i32"` for the MPICH ABI,
 * `"pointer"` for Open MPI). Each entry carries the C prototype.
 */
function symbolTable<H extends "i32" | "pointer">(h: H) {
  return {
    // int MPI_Init(int *argc, char ***argv)
    MPI_Init: { parameters: ["pointer", "pointer"], result: "i32" },
    // int MPI_Initialized(int *flag)
    MPI_Initialized: { parameters: ["buffer"], result: "i32" },
    // int MPI_Finalized(int *flag)
    MPI_Finalized: { parameters: ["buffer"], result: "i32" },
    // int MPI_Finalize(void)
    MPI_Finalize: { parameters: [], result: "i32" },
    // int MPI_Abort(MPI_Comm comm, int errorcode)
    MPI_Abort: { parameters: [h, "i32"], result: "i32" },
    // int MPI_Error_string(int errorcode, char *string, int *resultlen)
    MPI_Error_string: { parameters: ["i32", "buffer", "buffer"], result: "i32" },
    // int MPI_Get_library_version(char *version, int *resultlen)
    MPI_Get_library_version: { parameters: ["buffer", "buffer"], result: "i32", optional: true },
    // double MPI_Wtime(void)
    MPI_Wtime: { parameters: [], result: "f64" },
    // int MPI_Comm_rank(MPI_Comm comm, int *rank)
    MPI_Comm_rank: { parameters: [h, "buffer"], result: "i32" },
    // int MPI_Comm_size(MPI_Comm comm, int *size)
    MPI_Comm_size: { parameters: [h, "buffer"], result: "i32" },
    // int MPI_Comm_set_errhandler(MPI_Comm comm, MPI_Errhandler errhandler)
    MPI_Comm_set_errhandler: { parameters: [h, h], result: "i32" },
    // int MPI_Comm_split(MPI_Comm comm, int color, int key, MPI_Comm *newcomm)
    MPI_Comm_split: { parameters: [h, "i32", "i32", "buffer"], result: "i32" },
    // int MPI_Comm_dup(MPI_Comm comm, MPI_Comm *newcomm)
    MPI_Comm_dup: { parameters: [h, "buffer"], result: "i32" },
    // int MPI_Comm_free(MPI_Comm *comm)
    MPI_Comm_free: { parameters: ["buffer"], result: "i32" },
    // int MPI_Barrier(MPI_Comm comm)
    MPI_Barrier: { parameters: [h], result: "i32" },
    // int MPI_Bcast(void *buffer, int count, MPI_Datatype datatype, int root, MPI_Comm comm)
    MPI_Bcast: { parameters: ["buffer", "i32", h, "i32", h], result: "i32" },
    // int MPI_Reduce(const void *sendbuf, void *recvbuf, int count, MPI_Datatype datatype,
    //                MPI_Op op, int root, MPI_Comm comm)
    MPI_Reduce: { parameters: ["buffer", "buffer", "i32", h, h, "i32", h], result: "i32" },
    // MPI_Reduce with sendbuf = MPI_IN_PLACE (a pointer constant)
    MPI_Reduce_in_place: {
      name: "MPI_Reduce",
      parameters: ["pointer", "buffer", "i32", h, h, "i32", h],
      result: "i32",
    },
    // int MPI_Allreduce(const void *sendbuf, void *recvbuf, int count, MPI_Datatype datatype,
    //                   MPI_Op op, MPI_Comm comm)
    MPI_Allreduce: { parameters: ["buffer", "buffer", "i32", h, h, h], result: "i32" },
    // MPI_Allreduce with sendbuf = MPI_IN_PLACE (a pointer constant)
    MPI_Allreduce_in_place: {
      name: "MPI_Allreduce",
      parameters: ["pointer", "buffer", "i32", h, h, h],
      result: "i32",
    },
    // int MPI_Gather(const void *sendbuf, int sendcount, MPI_Datatype sendtype, void *recvbuf,
    //                int recvcount, MPI_Datatype recvtype, int root, MPI_Comm comm)
    MPI_Gather: {
      parameters: ["buffer", "i32", h, "buffer", "i32", h, "i32", h],
      result: "i32",
    },
    // int MPI_Gatherv(const void *sendbuf, int sendcount, MPI_Datatype sendtype, void *recvbuf,
    //                 const int recvcounts[], const int displs[], MPI_Datatype recvtype,
    //                 int root, MPI_Comm comm)
    MPI_Gatherv: {
      parameters: ["buffer", "i32", h, "buffer", "buffer", "buffer", h, "i32", h],
      result: "i32",
    },
    // int MPI_Allgather(const void *sendbuf, int sendcount, MPI_Datatype sendtype,
    //                   void *recvbuf, int recvcount, MPI_Datatype recvtype, MPI_Comm comm)
    MPI_Allgather: { parameters: ["buffer", "i32", h, "buffer", "i32", h, h], result: "i32" },
    // int MPI_Allgatherv(const void *sendbuf, int sendcount, MPI_Datatype sendtype,
    //                    void *recvbuf, const int recvcounts[], const int displs[],
    //                    MPI_Datatype recvtype, MPI_Comm comm)
    MPI_Allgatherv: {
      parameters: ["buffer", "i32", h, "buffer", "buffer", "buffer", h, h],
      result: "i32",
    },
    // int MPI_Scatter(const void *sendbuf, int sendcount, MPI_Datatype sendtype, void *recvbuf,
    //                 int recvcount, MPI_Datatype recvtype, int root, MPI_Comm comm)
    MPI_Scatter: {
      parameters: ["buffer", "i32", h, "buffer", "i32", h, "i32", h],
      result: "i32",
    },
    // int MPI_Scatterv(const void *sendbuf, const int sendcounts[], const int displs[],
    //                  MPI_Datatype sendtype, void *recvbuf, int recvcount,
    //                  MPI_Datatype recvtype, int root, MPI_Comm comm)
    MPI_Scatterv: {
      parameters: ["buffer", "buffer", "buffer", h, "buffer", "i32", h, "i32", h],
      result: "i32",
    },
    // int MPI_Alltoall(const void *sendbuf, int sendcount, MPI_Datatype sendtype,
    //                  void *recvbuf, int recvcount, MPI_Datatype recvtype, MPI_Comm comm)
    MPI_Alltoall: { parameters: ["buffer", "i32", h, "buffer", "i32", h, h], result: "i32" },
    // int MPI_Alltoallv(const void *sendbuf, const int sendcounts[], const int sdispls[],
    //                   MPI_Datatype sendtype, void *recvbuf, const int recvcounts[],
    //                   const int rdispls[], MPI_Datatype recvtype, MPI_Comm comm)
    MPI_Alltoallv: {
      parameters: ["buffer", "buffer", "buffer", h, "buffer", "buffer", "buffer", h, h],
      result: "i32",
    },
    // int MPI_Send(const void *buf, int count, MPI_Datatype datatype, int dest, int tag,
    //              MPI_Comm comm)
    MPI_Send: { parameters: ["buffer", "i32", h, "i32", "i32", h], result: "i32" },
    // int MPI_Recv(void *buf, int count, MPI_Datatype datatype, int source, int tag,
    //              MPI_Comm comm, MPI_Status *status)
    MPI_Recv: { parameters: ["buffer", "i32", h, "i32", "i32", h, "buffer"], result: "i32" },
    // int MPI_Isend(const void *buf, int count, MPI_Datatype datatype, int dest, int tag,
    //               MPI_Comm comm, MPI_Request *request)
    MPI_Isend: { parameters: ["buffer", "i32", h, "i32", "i32", h, "buffer"], result: "i32" },
    // int MPI_Irecv(void *buf, int count, MPI_Datatype datatype, int source, int tag,
    //               MPI_Comm comm, MPI_Request *request)
    MPI_Irecv: { parameters: ["buffer", "i32", h, "i32", "i32", h, "buffer"], result: "i32" },
    // int MPI_Wait(MPI_Request *request, MPI_Status *status)
    MPI_Wait: { parameters: ["buffer", "buffer"], result: "i32" },
    // int MPI_Test(MPI_Request *request, int *flag, MPI_Status *status)
    MPI_Test: { parameters: ["buffer", "buffer", "buffer"], result: "i32" },
    // int MPI_Get_count(const MPI_Status *status, MPI_Datatype datatype, int *count)
    MPI_Get_count: { parameters: ["buffer", h, "buffer"], result: "i32" },
    // int MPI_Dims_create(int nnodes, int ndims, int dims[])
    MPI_Dims_create: { parameters: ["i32", "i32", "buffer"], result: "i32" },
    // int MPI_Cart_create(MPI_Comm comm_old, int ndims, const int dims[], const int periods[],
    //                     int reorder, MPI_Comm *comm_cart)
    MPI_Cart_create: {
      parameters: [h, "i32", "buffer", "buffer", "i32", "buffer"],
      result: "i32",
    },
    // int MPI_Cart_coords(MPI_Comm comm, int rank, int maxdims, int coords[])
    MPI_Cart_coords: { parameters: [h, "i32", "i32", "buffer"], result: "i32" },
    // int MPI_Cart_rank(MPI_Comm comm, const int coords[], int *rank)
    MPI_Cart_rank: { parameters: [h, "buffer", "buffer"], result: "i32" },
    // int MPI_Cart_shift(MPI_Comm comm, int direction, int disp, int *rank_source,
    //                    int *rank_dest)
    MPI_Cart_shift: { parameters: [h, "i32", "i32", "buffer", "buffer"], result: "i32" },
  } as const satisfies Deno.ForeignLibraryInterface;
}

/** The libmpi functions for the MPICH ABI (`int` handles). */
export const MPICH_SYMBOLS = symbolTable("i32");

/** The libmpi functions for the Open MPI ABI (pointer handles). */
export const OMPI_SYMBOLS = symbolTable("pointer");

type WidenArgs<A extends readonly unknown[]> = {
  [I in keyof A]: Deno.PointerValue extends A[I] ? Handle : A[I];
};
type Widen<T> = {
  [K in keyof T]: T[K] extends (...args: infer A) => infer R ? (...args: WidenArgs<A>) => R
    : T[K];
};

/** The loaded functions with handle parameters typed as {@link Handle}. */
export type MpiSymbols = Widen<Deno.StaticForeignLibraryInterface<typeof OMPI_SYMBOLS>>;

/** The MPICH ABI's handle values (mpich 4.0 `mpi.h`; unchanged since MPICH 3.x). */
const MPICH_HANDLES = {
  MPI_COMM_WORLD: 0x44000000,
  MPI_COMM_SELF: 0x44000001,
  MPI_COMM_NULL: 0x04000000,
  MPI_REQUEST_NULL: 0x2c000000,
  MPI_ERRORS_RETURN: 0x54000001,
} as const;

const MPICH_DATATYPES = {
  MPI_C_BOOL: 0x4c00013f,
  MPI_INT8_T: 0x4c000137,
  MPI_INT16_T: 0x4c000238,
  MPI_INT32_T: 0x4c000439,
  MPI_INT64_T: 0x4c00083a,
  MPI_UINT8_T: 0x4c00013b,
  MPI_UINT16_T: 0x4c00023c,
  MPI_UINT32_T: 0x4c00043d,
  MPI_UINT64_T: 0x4c00083e,
  MPI_FLOAT: 0x4c00040a,
  MPI_DOUBLE: 0x4c00080b,
  MPI_BYTE: 0x4c00010d,
  MPI_INT: 0x4c000405,
} as const satisfies Record<DatatypeName, number>;

const MPICH_OPS = {
  max: 0x58000001,
  min: 0x58000002,
  sum: 0x58000003,
  prod: 0x58000004,
  land: 0x58000005,
  band: 0x58000006,
  lor: 0x58000007,
  bor: 0x58000008,
} as const satisfies Record<MpiOpName, number>;

const OPS: readonly MpiOpName[] = Object.keys(MPICH_OPS) as MpiOpName[];

const DATATYPES: readonly DatatypeName[] = Object.keys(MPICH_DATATYPES) as DatatypeName[];

/** Open MPI's global behind an MPI constant (`MPI_DOUBLE` -> `ompi_mpi_double`). */
function ompiGlobal(name: string): string {
  return `ompi_${name.toLowerCase()}`;
}

/** The Open MPI ABI's globals, read as statics (whose value in Deno 2.9 is their address). */
const OMPI_GLOBALS: Record<string, { type: "pointer"; optional: true }> = Object.fromEntries(
  [
    ...Object.keys(MPICH_HANDLES).filter((n) => n !== "MPI_REQUEST_NULL").map(ompiGlobal),
    "ompi_request_null",
    ...DATATYPES.map(ompiGlobal),
    ...OPS.map((op) => `ompi_mpi_op_${op}`),
  ].map((n) => [n, { type: "pointer", optional: true }]),
);

/** Scalar constants and the MPI_Status layout of one ABI. */
export interface AbiConstants {
  readonly anySource: number;
  readonly anyTag: number;
  readonly procNull: number;
  readonly undefined: number;
  /** `sizeof(MPI_Status)`. */
  readonly statusBytes: number;
  /** Byte offset of `MPI_SOURCE` in MPI_Status. */
  readonly statusSource: number;
  /** Byte offset of `MPI_TAG` in MPI_Status. */
  readonly statusTag: number;
  /** Byte offset of `MPI_ERROR` in MPI_Status. */
  readonly statusError: number;
}

const ABI_CONSTANTS: Record<MpiAbi, AbiConstants> = {
  // typedef struct MPI_Status { int count_lo; int count_hi_and_cancelled;
  //   int MPI_SOURCE; int MPI_TAG; int MPI_ERROR; } MPI_Status;   (20 bytes)
  mpich: {
    anySource: -2,
    anyTag: -1,
    procNull: -1,
    undefined: -32766,
    statusBytes: 20,
    statusSource: 8,
    statusTag: 12,
    statusError: 16,
  },
  // struct ompi_status_public_t { int MPI_SOURCE; int MPI_TAG; int MPI_ERROR;
  //   int _cancelled; size_t _ucount; };   (24 bytes)
  openmpi: {
    anySource: -1,
    anyTag: -1,
    procNull: -2,
    undefined: -32766,
    statusBytes: 24,
    statusSource: 0,
    statusTag: 4,
    statusError: 8,
  },
};

/** A loaded libmpi: functions, handles and ABI facts. */
export interface Mpi {
  /** Which ABI the loaded library has. */
  readonly abi: MpiAbi;
  /** The path (or soname) that was loaded. */
  readonly path: string;
  /** The functions. */
  readonly fn: MpiSymbols;
  /** Scalar constants and the status layout. */
  readonly c: AbiConstants;
  /** `MPI_COMM_WORLD`. */
  readonly commWorld: Handle;
  /** `MPI_COMM_SELF`. */
  readonly commSelf: Handle;
  /** `MPI_COMM_NULL`. */
  readonly commNull: Handle;
  /** `MPI_REQUEST_NULL`. */
  readonly requestNull: Handle;
  /** `MPI_ERRORS_RETURN`. */
  readonly errorsReturn: Handle;
  /** `MPI_IN_PLACE` as a pointer (MPICH `(void *)-1`, Open MPI `(void *)1`). */
  readonly inPlace: Deno.PointerValue;
  /** The handle of an MPI datatype. */
  datatype(name: DatatypeName): Handle;
  /** The handle of a reduction operation. */
  op(name: MpiOpName): Handle;
  /** Reads the handle stored in an 8-byte cell written by MPI (`MPI_Comm *`, `MPI_Request *`). */
  readHandle(cell: Uint8Array): Handle;
  /** An 8-byte cell holding a handle, for functions taking `MPI_Comm *`. */
  handleCell(handle: Handle): Uint8Array;
  /** Whether two handles are the same object. */
  sameHandle(a: Handle, b: Handle): boolean;
  /** `MPI_Error_string` of a return code. */
  errorString(code: number): string;
  /** `MPI_Get_library_version`, or the path when the symbol is missing. */
  version(): string;
}

/**
 * Which launcher started this process, from its environment:
 * `OMPI_COMM_WORLD_SIZE` -> Open MPI's mpirun; `PMI_RANK`/`PMI_SIZE` or any
 * `HYDRA_*` -> MPICH's Hydra; `PMIX_RANK` -> a PMIx launcher (Open MPI 5,
 * `srun --mpi=pmix`); `SLURM_PROCID` with more than one task in the step
 * (`SLURM_STEP_NUM_TASKS`, else `SLURM_NTASKS`) -> `srun`. Null otherwise.
 *
 * @param env The environment (defaults to the process's).
 * @returns The launcher, or null when the process was not started by one.
 */
export function detectLauncher(env: Record<string, string> = Deno.env.toObject()): Launcher | null {
  if (env.OMPI_COMM_WORLD_SIZE !== undefined) return "openmpi";
  if (
    env.PMI_RANK !== undefined || env.PMI_SIZE !== undefined ||
    Object.keys(env).some((k) => k.startsWith("HYDRA_"))
  ) return "mpich";
  if (env.PMIX_RANK !== undefined) return "pmix";
  const tasks = Number(env.SLURM_STEP_NUM_TASKS ?? env.SLURM_NTASKS ?? "1");
  if (env.SLURM_PROCID !== undefined && tasks > 1) return "slurm";
  return null;
}

const MPICH_FIRST = ["libmpich.so.12", "libmpi.so.12", "libmpi.so.40", "libmpich.so", "libmpi.so"];
const OMPI_FIRST = ["libmpi.so.40", "libmpich.so.12", "libmpi.so.12", "libmpi.so", "libmpich.so"];

/**
 * The libmpi candidates in the order tried for a launcher: Open MPI's and
 * PMIx launchers put `libmpi.so.40` first, everything else the MPICH ABI.
 *
 * @param launcher The detected launcher.
 * @returns Sonames for the dynamic loader.
 */
export function mpiCandidates(launcher: Launcher | null): string[] {
  return launcher === "openmpi" || launcher === "pmix" ? [...OMPI_FIRST] : [...MPICH_FIRST];
}

const PROBE = {
  // the Open MPI ABI's world communicator object (absent from MPICH ABI libraries)
  ompi_mpi_comm_world: { type: "pointer", optional: true },
  // int MPI_Init(int *argc, char ***argv): present in every libmpi
  MPI_Init: { parameters: ["pointer", "pointer"], result: "i32" },
} as const satisfies Deno.ForeignLibraryInterface;

/**
 * Promotes an already loaded library to RTLD_GLOBAL, as MPI libraries expect:
 * Open MPI's plugins (mca_*.so) and some MPICH network modules resolve
 * symbols of libmpi from the global scope (Deno.dlopen loads with
 * RTLD_LOCAL), and pins it so it is never unmapped at shutdown.
 */
function makeGlobal(path: string): void {
  pinLibrary(path, { global: true });
}

let loaded: Mpi | null = null;

/**
 * Loads libmpi once: `TESSERA_MPI_LIB`, else {@link mpiCandidates} for the
 * detected launcher. The ABI is told by the presence of `ompi_mpi_comm_world`.
 *
 * @returns The loaded library.
 * @throws {LibraryNotFoundError} When no candidate loads.
 */
export function loadMpi(): Mpi {
  if (loaded) return loaded;
  const probe = openLibrary("libmpi", "TESSERA_MPI_LIB", mpiCandidates(detectLauncher()), PROBE);
  const path = probe.path;
  const abi: MpiAbi = probe.lib.symbols.ompi_mpi_comm_world === null ? "mpich" : "openmpi";
  makeGlobal(path);
  // keep the probe open: closing it would only drop a reference count
  loaded = abi === "mpich" ? bindMpich(path) : bindOmpi(path);
  return loaded;
}

function int32At(buf: Uint8Array, offset: number): number {
  return new DataView(buf.buffer, buf.byteOffset, buf.byteLength).getInt32(offset, true);
}

function common(fn: MpiSymbols, path: string): Pick<Mpi, "errorString" | "version"> {
  return {
    errorString(code: number): string {
      const text = new Uint8Array(1024);
      const len = new Int32Array(1);
      if (fn.MPI_Error_string(code, text, len) !== 0) return `unknown MPI error ${code}`;
      return new TextDecoder().decode(text.subarray(0, Math.max(0, len[0]))).trim();
    },
    version(): string {
      if (!fn.MPI_Get_library_version) return path;
      const text = new Uint8Array(8192);
      const len = new Int32Array(1);
      if (fn.MPI_Get_library_version(text, len) !== 0) return path;
      return new TextDecoder().decode(text.subarray(0, Math.max(0, len[0]))).trim();
    },
  };
}

function bindMpich(path: string): Mpi {
  const lib = Deno.dlopen(path, MPICH_SYMBOLS);
  const fn = lib.symbols as unknown as MpiSymbols;
  return {
    abi: "mpich",
    path,
    fn,
    c: ABI_CONSTANTS.mpich,
    commWorld: MPICH_HANDLES.MPI_COMM_WORLD,
    commSelf: MPICH_HANDLES.MPI_COMM_SELF,
    commNull: MPICH_HANDLES.MPI_COMM_NULL,
    requestNull: MPICH_HANDLES.MPI_REQUEST_NULL,
    errorsReturn: MPICH_HANDLES.MPI_ERRORS_RETURN,
    inPlace: Deno.UnsafePointer.create(0xffffffffffffffffn),
    datatype: (name) => MPICH_DATATYPES[name],
    op: (name) => MPICH_OPS[name],
    readHandle: (cell) => int32At(cell, 0),
    handleCell: (handle) => new Uint8Array(new Int32Array([handle as number, 0]).buffer),
    sameHandle: (a, b) => a === b,
    ...common(fn, path),
  };
}

function bindOmpi(path: string): Mpi {
  const lib = Deno.dlopen(path, { ...OMPI_SYMBOLS, ...OMPI_GLOBALS });
  const statics = lib.symbols as unknown as Record<string, Deno.PointerValue>;
  const global = (name: string): Deno.PointerObject => {
    const p = statics[name];
    if (p === null || p === undefined) {
      throw new TypeError(`Cannot bind Open MPI "${path}": symbol "${name}" is missing`);
    }
    return p;
  };
  const datatypes = new Map(DATATYPES.map((n) => [n, global(ompiGlobal(n))]));
  const ops = new Map(OPS.map((op) => [op, global(`ompi_mpi_op_${op}`)]));
  const fn = lib.symbols as unknown as MpiSymbols;
  return {
    abi: "openmpi",
    path,
    fn,
    c: ABI_CONSTANTS.openmpi,
    commWorld: global("ompi_mpi_comm_world"),
    commSelf: global("ompi_mpi_comm_self"),
    commNull: global("ompi_mpi_comm_null"),
    requestNull: global("ompi_request_null"),
    errorsReturn: global("ompi_mpi_errors_return"),
    inPlace: Deno.UnsafePointer.create(1n),
    datatype: (name) => datatypes.get(name)!,
    op: (name) => ops.get(name)!,
    readHandle: (cell) =>
      Deno.UnsafePointer.create(
        new DataView(cell.buffer, cell.byteOffset, 8).getBigUint64(0, true),
      ),
    handleCell: (handle) =>
      new Uint8Array(
        new BigUint64Array([Deno.UnsafePointer.value(handle as Deno.PointerValue)]).buffer,
      ),
    sameHandle: (a, b) =>
      Deno.UnsafePointer.value(a as Deno.PointerValue) ===
        Deno.UnsafePointer.value(b as Deno.PointerValue),
    ...common(fn, path),
  };
}

/** Switches SIGINT and SIGTERM to their default action and back (libc `sigaction`). */
export interface SignalDefaults {
  /** Makes SIGINT and SIGTERM terminate the process, saving the current handlers. */
  enter(): void;
  /** Restores the handlers saved by `enter`. */
  leave(): void;
}

/**
 * Binds libc's `sigaction` to switch SIGINT and SIGTERM to their default
 * action around blocking MPI calls: a Deno signal listener cannot run while
 * the JavaScript thread is blocked in libmpi, so without the switch a rank
 * waiting in a collective that never completes would ignore both signals.
 *
 * @returns The switch, or null where libc cannot be loaded (Windows).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { bindSignalDefaults } from "./mpi.ts";
 * const signals = bindSignalDefaults();
 * assert.ok(signals === null || typeof signals.enter === "function");
 * ```
 */
export function bindSignalDefaults(): SignalDefaults | null {
  const path = Deno.build.os === "darwin"
    ? "libSystem.B.dylib"
    : Deno.build.os === "linux"
    ? "libc.so.6"
    : null;
  if (path === null) return null;
  let lib;
  try {
    lib = Deno.dlopen(
      path,
      {
        // int sigaction(int signum, const struct sigaction *act, struct sigaction *oldact)
        sigaction: { parameters: ["i32", "pointer", "pointer"], result: "i32" },
      } as const,
    );
  } catch {
    return null;
  }
  const sigaction = lib.symbols.sigaction;
  const SIGINT = 2;
  const SIGTERM = 15;
  // an all-zero struct sigaction is SIG_DFL with an empty mask and no flags (Linux, macOS)
  // (pointers to buffers kept alive here: they never move, and the calls stay on FFI's fast path)
  const cells = new Uint8Array(3 * 256);
  const at = (i: number): Deno.PointerValue => Deno.UnsafePointer.of(cells.subarray(i * 256));
  const [dfl, oldInt, oldTerm] = [at(0), at(1), at(2)];
  let depth = 0;
  return {
    enter(): void {
      if (depth++ > 0) return;
      sigaction(SIGINT, dfl, oldInt);
      sigaction(SIGTERM, dfl, oldTerm);
    },
    leave(): void {
      if (--depth > 0) return;
      sigaction(SIGINT, oldInt, null);
      sigaction(SIGTERM, oldTerm, null);
    },
  };
}
