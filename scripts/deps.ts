// Installs (or explains how to install) the system packages the tests and
// benchmarks use: MPI, HDF5 and the Python peers. Idempotent: packages that
// are present are not touched. Used by scripts/test.ts and bench scripts.
//
//   deno run -A scripts/deps.ts          # install what is missing
//   deno run -A scripts/deps.ts --check  # only report

/** Debian packages the test suite needs, with what each provides. */
export const PACKAGES: Record<string, string> = {
  "python3-numpy": "NumPy (the reference for core/ and .npy)",
  "python3-h5py": "h5py (HDF5 interop)",
  "python3-zarr": "zarr-python (Zarr interop)",
  "python3-dask": "dask.array (benchmark peer)",
  "python3-numexpr": "numexpr (benchmark peer)",
  "python3-pil": "Pillow (checks that our PNG plots open)",
  "mpich": "MPICH: mpiexec.mpich and libmpich.so.12",
  "openmpi-bin": "Open MPI: mpirun.openmpi and libmpi.so.40",
  "libhdf5-mpich-dev": "parallel libhdf5 for MPICH, and the serial libhdf5",
  "libhdf5-openmpi-dev": "parallel libhdf5 for Open MPI",
  "libhdf5-hl-100": "libhdf5_serial_hl: the dimension scales (H5DS) of netCDF-4 outputs",
  "python3-h5py-mpi": "h5py built with MPI (benchmark peer)",
  "hdf5-tools": "h5dump",
  "netcdf-bin": "ncgen and ncdump (netCDF fixtures and checks)",
  "python3-netcdf4": "netCDF4-python (netCDF interop)",
  "python3-xarray": "xarray (the reference for CF decoding and metadata)",
  "cdo": "CDO (a reference for reductions with missing values)",
  "nco": "NCO (ncrcat, ncwa: references for multi-file and reductions)",
  "libblosc1": "c-blosc, the Blosc library numcodecs uses",
  "libzstd1": "zstd",
  "liblz4-1": "lz4",
  "libdeflate0": "libdeflate (zlib and gzip)",
  "libbz2-1.0": "libbz2 (numcodecs' BZ2)",
  "liblzma5": "liblzma (numcodecs' LZMA)",
  "hdf5-filter-plugin": "libhdf5's LZ4 and BZip2 filter plugins (HDF5 lz4 output, plugin reads)",
  "jupyter-nbconvert": "jupyter nbconvert (executes examples/tessera.ipynb headless)",
  "python3-nbclient": "nbclient (runs the notebook's cells in Deno's kernel)",
  "jupyter-client": "jupyter kernelspec (finds the Deno kernel)",
};

function dpkgInstalled(pkg: string): boolean {
  try {
    const r = new Deno.Command("dpkg-query", {
      args: ["-W", "-f=${Status}", pkg],
      stdout: "piped",
      stderr: "null",
    }).outputSync();
    return r.success && new TextDecoder().decode(r.stdout).includes("install ok installed");
  } catch {
    return false;
  }
}

function have(cmd: string): boolean {
  try {
    return new Deno.Command("sh", { args: ["-c", `command -v ${cmd}`], stdout: "null" })
      .outputSync()
      .success;
  } catch {
    return false;
  }
}

/** The packages of {@link PACKAGES} that are not installed. */
export function missingPackages(): string[] {
  if (!have("dpkg-query")) return Object.keys(PACKAGES);
  return Object.keys(PACKAGES).filter((p) => !dpkgInstalled(p));
}

async function run(cmd: string, args: string[]): Promise<boolean> {
  const p = new Deno.Command(cmd, {
    args,
    stdout: "inherit",
    stderr: "inherit",
    env: { DEBIAN_FRONTEND: "noninteractive" },
  }).spawn();
  return (await p.status).success;
}

/**
 * Installs missing packages with apt-get when running as root on Debian;
 * otherwise prints one line saying what to run. Returns true when everything
 * is installed afterwards.
 */
export async function ensurePackages(log: (s: string) => void = console.error): Promise<boolean> {
  const missing = missingPackages();
  if (missing.length === 0) return true;
  const line = `apt-get install -y ${missing.join(" ")}`;
  const isRoot = Deno.uid?.() === 0;
  if (!have("apt-get")) {
    log(
      `tessera: missing ${
        missing.join(", ")
      }; this is not a Debian system: install the equivalents`,
    );
    return false;
  }
  if (!isRoot) {
    log(`tessera: missing ${missing.join(", ")}; run: sudo apt-get update && sudo ${line}`);
    return false;
  }
  log(`tessera: installing ${missing.join(", ")} with apt-get (once)`);
  if (!(await run("apt-get", ["update", "-qq"]))) {
    log("tessera: apt-get update failed");
    return false;
  }
  const ok = await run("apt-get", ["install", "-y", "-qq", ...missing]);
  if (!ok) log(`tessera: "${line}" failed`);
  return ok && missingPackages().length === 0;
}

if (import.meta.main) {
  if (Deno.args.includes("--check")) {
    const m = missingPackages();
    console.log(m.length ? `missing: ${m.join(" ")}` : "all system packages present");
    Deno.exit(m.length ? 1 : 0);
  }
  Deno.exit((await ensurePackages()) ? 0 : 1);
}
