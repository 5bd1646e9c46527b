// Writes that never leave a complete-looking file behind: the data goes to a
// hidden temporary sibling (same directory, so the rename is atomic) that is
// renamed over the target only once everything is written.

/** A hidden temporary name next to `path`: `dir/.name.<8 hex>.tmp`. */
export function tempSibling(path: string): string {
  const slash = path.lastIndexOf("/");
  return `${path.slice(0, slash + 1)}.${path.slice(slash + 1)}.${
    crypto.randomUUID().slice(0, 8)
  }.tmp`;
}

/**
 * Creates a temporary sibling of `path`, lets `fill` write it, then renames
 * it over `path`. On any failure the temporary is closed and removed and the
 * error is rethrown; `path` is untouched.
 *
 * @param path The target file.
 * @param fill Writes the contents into the open temporary file.
 * @param openError Maps a failure to create the temporary to the error to throw.
 */
export async function writeViaTemp(
  path: string,
  fill: (file: Deno.FsFile) => Promise<void>,
  openError: (e: unknown) => unknown = (e) => e,
): Promise<void> {
  const tmp = tempSibling(path);
  let file: Deno.FsFile;
  try {
    file = await Deno.open(tmp, { write: true, createNew: true });
  } catch (e) {
    throw openError(e);
  }
  try {
    await fill(file);
    file.close();
    await Deno.rename(tmp, path);
  } catch (e) {
    try {
      file.close();
    } catch {
      // already closed
    }
    await Deno.remove(tmp).catch(() => {});
    throw e;
  }
}
