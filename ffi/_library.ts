// Native library discovery shared by the MPI and HDF5 bindings: an
// environment override, then candidates; one error listing every path tried.

import { NativeError } from "../core/errors.ts";

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
 * Opens the first library that loads: `Deno.env.get(envVar)` when set (and
 * then only it), else each candidate in order. Candidates may be bare
 * sonames (resolved by the dynamic loader) or absolute paths.
 */
export function openLibrary<S extends Deno.ForeignLibraryInterface>(
  library: string,
  envVar: string,
  candidates: readonly string[],
  symbols: S,
): { lib: Deno.DynamicLibrary<S>; path: string } {
  const override = Deno.env.get(envVar);
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
