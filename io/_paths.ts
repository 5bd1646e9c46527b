// Path helpers of io/output.ts (re-exported there: exists, removePath).

/** Removes a file or directory tree, synchronously; never throws. */
export function removeSync(path: string): void {
  try {
    Deno.removeSync(path, { recursive: true });
  } catch {
    // never created or already gone
  }
}

/** The directory (with its slash) and the name of a path. */
export function split(path: string): { dir: string; base: string } {
  const slash = path.lastIndexOf("/");
  return { dir: path.slice(0, slash + 1), base: path.slice(slash + 1) };
}

/**
 * Whether a path exists (a broken symbolic link counts: it is not followed).
 *
 * @param path The path.
 * @returns True when something is there.
 *
 * @example
 * ```ts
 * import { exists } from "./output.ts";
 * if (await exists("/surely/not/here")) throw new Error("exists?");
 * ```
 */
export async function exists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return false;
    throw e;
  }
}

/** {@link exists}, synchronously. */
export function existsSync(path: string): boolean {
  try {
    Deno.lstatSync(path);
    return true;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return false;
    throw e;
  }
}

/**
 * Removes a file or directory tree; nothing when it does not exist.
 *
 * @param path The path.
 * @returns When it is gone.
 *
 * @example
 * ```ts
 * import { exists, removePath } from "./output.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.mkdir(`${dir}/a/b`, { recursive: true });
 * await removePath(`${dir}/a`);
 * await removePath(`${dir}/a`);
 * if (await exists(`${dir}/a`)) throw new Error("still there");
 * await Deno.remove(dir);
 * ```
 */
export async function removePath(path: string): Promise<void> {
  try {
    await Deno.remove(path, { recursive: true });
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
}
