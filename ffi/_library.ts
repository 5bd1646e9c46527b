// Native library discovery shared by the MPI and HDF5 bindings: an
// environment override, then candidates; one error listing every path tried.

import { NativeError } from "../core/errors.ts";
import { optionalEnv } from "../core/permissions.ts";

/** A failed discovery: every path tried, and the variable that overrides them. */
export class LibraryNotFoundError extends NativeError {
  /** Paths tried, in order, each with why it failed. */
  readonly tried: readonly string[];
  /**
   * @param library Human name (`libmpi`).
   * @param envVar The override variable (`TESSERA_MPI_LIB`).
   * @param tried Each path tried with its failure.
   */
  constructor(library: string, envVar: string, tried: string[]) {
    super(
      library,
      "dlopen",
      -1,
      `cannot load ${library}; tried:\n  ${
        tried.join("\n  ")
      }\nSet ${envVar} to the library's path`,
    );
    this.name = "LibraryNotFoundError";
    this.tried = tried;
  }
}

/**
 * Opens the first library that loads: the variable `envVar` when set and
 * readable without prompting (and
 * then only it), else each candidate in order. Candidates may be bare
 * sonames (resolved by the dynamic loader) or absolute paths.
 */
export function openLibrary<S extends Deno.ForeignLibraryInterface>(
  library: string,
  envVar: string,
  candidates: readonly string[],
  symbols: S,
): { lib: Deno.DynamicLibrary<S>; path: string } {
  // the override is optional: without env access to it, the candidates are tried
  const override = optionalEnv(envVar);
  const paths = override ? [override] : candidates;
  const tried: string[] = [];
  for (const path of paths) {
    try {
      return { lib: Deno.dlopen(path, symbols), path };
    } catch (e) {
      tried.push(`${path}: ${e instanceof Error ? e.message.split("\n")[0] : String(e)}`);
    }
  }
  throw new LibraryNotFoundError(library, envVar, tried);
}

const LIBC = {
  // void *dlopen(const char *filename, int flags)
  dlopen: { parameters: ["buffer", "i32"], result: "pointer" },
} as const satisfies Deno.ForeignLibraryInterface;

const RTLD_NOW = 2;
const RTLD_GLOBAL = 0x100;
const RTLD_NODELETE = 0x1000;

/**
 * Opens `path` once more through libc's dlopen with RTLD_NODELETE (and
 * RTLD_GLOBAL when asked), so the library is never unmapped: HDF5 and MPI
 * leave thread-exit and atexit hooks behind, and when Deno closes its own
 * handle at shutdown a thread ending later would jump into unmapped code
 * (seen as a SIGSEGV after every test had passed). RTLD_GLOBAL is what MPI
 * libraries expect: Open MPI's plugins resolve libmpi's symbols globally.
 * On a libc without dlopen this does nothing.
 */
export function pinLibrary(path: string, options: { global?: boolean } = {}): void {
  let libc: Deno.DynamicLibrary<typeof LIBC> | null = null;
  try {
    libc = Deno.dlopen("libc.so.6", LIBC);
    const flags = RTLD_NOW | RTLD_NODELETE | (options.global ? RTLD_GLOBAL : 0);
    libc.symbols.dlopen(new TextEncoder().encode(`${path}\0`), flags);
  } catch {
    // not glibc: the plain Deno.dlopen is all we have
  } finally {
    libc?.close();
  }
}
