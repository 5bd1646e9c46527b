/**
 * The one write path of every writer (DESIGN.md, contract 6): an output is
 * written under a temporary name in its target's directory and published by
 * one rename when it is complete, so a failed run never leaves an output
 * that looks complete.
 *
 * Temporary names have one recognisable form,
 * `.NAME.tessera-tmp-<pid>-<8 hex>` next to `NAME` (see {@link tempPath},
 * {@link parseTempName}), so that temporaries left by a killed process can be
 * found and removed later.
 *
 * {@link PendingOutput} is the whole life of one output: `begin` (refuse an
 * existing target unless `overwrite`, choose the temporary), `commit` (the
 * rename), `abort` (remove the temporary). It carries the locator's object
 * (`file.h5:/a/b`) so that a commit can later publish a single object inside
 * a container; today an output always replaces the whole file or store.
 *
 * @module
 */

/** The mark every temporary name carries. */
export const TEMP_MARK = ".tessera-tmp-";

/** The parts of a temporary name, as {@link parseTempName} returns them. */
export interface TempName {
  /** The name of the target (`x.npy` for `.x.npy.tessera-tmp-...`). */
  readonly target: string;
  /** The process that created it. */
  readonly pid: number;
  /** The random part (8 hex digits). */
  readonly token: string;
}

function split(path: string): { dir: string; base: string } {
  const slash = path.lastIndexOf("/");
  return { dir: path.slice(0, slash + 1), base: path.slice(slash + 1) };
}

/**
 * A fresh random token for {@link tempPath}: this process id and 8 hex digits.
 * Ranks that must agree on one temporary share the token of one rank.
 *
 * @returns `<pid>-<8 hex>`.
 *
 * @example
 * ```ts
 * import { tempToken } from "./output.ts";
 * if (!/^\d+-[0-9a-f]{8}$/.test(tempToken())) throw new Error("bad token");
 * ```
 */
export function tempToken(): string {
  const hex = crypto.getRandomValues(new Uint32Array(1))[0].toString(16).padStart(8, "0");
  return `${Deno.pid}-${hex}`;
}

/**
 * The temporary name of `target`: `.NAME.tessera-tmp-<pid>-<8 hex>` in the
 * same directory (so the final rename is atomic).
 *
 * @param target The path of the output.
 * @param token The `<pid>-<hex>` part (default: a new {@link tempToken}).
 * @returns The temporary path.
 *
 * @example
 * ```ts
 * import { parseTempName, tempPath } from "./output.ts";
 * import assert from "node:assert/strict";
 * const t = tempPath("out/x.npy", "42-0000abcd");
 * assert.equal(t, "out/.x.npy.tessera-tmp-42-0000abcd");
 * assert.deepEqual(parseTempName(t), { target: "x.npy", pid: 42, token: "0000abcd" });
 * ```
 */
export function tempPath(target: string, token: string = tempToken()): string {
  const { dir, base } = split(target.length > 1 ? target.replace(/\/+$/, "") : target);
  return `${dir}.${base}${TEMP_MARK}${token}`;
}

const TEMP_NAME = /^\.(.+)\.tessera-tmp-(\d+)-([0-9a-f]{8})$/;

/**
 * Reads a temporary name made by {@link tempPath}.
 *
 * @param path A path or a file name.
 * @returns Its target name, pid and token, or null when it is not a temporary name.
 *
 * @example
 * ```ts
 * import { parseTempName } from "./output.ts";
 * if (parseTempName("x.npy") !== null) throw new Error("not a temporary");
 * ```
 */
export function parseTempName(path: string): TempName | null {
  const m = TEMP_NAME.exec(split(path).base);
  return m ? { target: m[1], pid: Number(m[2]), token: m[3] } : null;
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

function existsSync(path: string): boolean {
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

/** Options of {@link PendingOutput.begin}. */
export interface BeginOptions {
  /** The object inside a container (`/a/b` of `file.h5:/a/b`), or null for a whole file. */
  readonly object?: string | null;
  /** Replace an existing target (default false: refuse with `AlreadyExists`). */
  readonly overwrite?: boolean;
  /** The text naming the output in messages (default: the target path). */
  readonly locator?: string;
  /** The `<pid>-<hex>` token of the temporary (default: a new one; ranks share rank 0's). */
  readonly token?: string;
  /** Appended to the temporary name (e.g. `.zarr`, for code that reads the format off it). */
  readonly suffix?: string;
  /** The option that allows replacing, named in the refusal (default `overwrite: true`). */
  readonly overwriteHint?: string;
}

/**
 * One output being written under its temporary name: published by
 * {@link PendingOutput.commit}, discarded by {@link PendingOutput.abort}.
 *
 * @example
 * ```ts
 * import { PendingOutput } from "./output.ts";
 * import assert from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * const out = await PendingOutput.begin(`${dir}/a.txt`);
 * await Deno.writeTextFile(out.temp, "hello");
 * await out.commit();
 * assert.equal(await Deno.readTextFile(`${dir}/a.txt`), "hello");
 * await assert.rejects(() => PendingOutput.begin(`${dir}/a.txt`), Deno.errors.AlreadyExists);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export class PendingOutput {
  /** The path published by the commit. */
  readonly target: string;
  /** The object inside the target, or null for the whole file or store. */
  readonly object: string | null;
  /** The temporary path written until the commit. */
  readonly temp: string;
  #done = false;

  private constructor(target: string, object: string | null, temp: string) {
    this.target = target;
    this.object = object;
    this.temp = temp;
  }

  /**
   * Starts an output: refuses an existing target unless `overwrite`, and
   * names the temporary (nothing is created: the writer creates it).
   *
   * @param target The file or store to publish.
   * @param options Object, overwrite, token, suffix and the locator for messages.
   * @returns The pending output.
   * @throws {Deno.errors.AlreadyExists} When the target exists and `overwrite` is not set.
   */
  static async begin(target: string, options: BeginOptions = {}): Promise<PendingOutput> {
    if (!options.overwrite && await exists(target)) {
      throw new Deno.errors.AlreadyExists(
        `Cannot write "${options.locator ?? target}": "${target}" exists; pass ${
          options.overwriteHint ?? "overwrite: true"
        } to replace it`,
      );
    }
    return PendingOutput.at(target, options);
  }

  /**
   * A pending output without the existence check (the caller decided).
   *
   * @param target The file or store to publish.
   * @param options Object, token and suffix.
   * @returns The pending output.
   */
  static at(target: string, options: BeginOptions = {}): PendingOutput {
    return new PendingOutput(
      target,
      options.object ?? null,
      `${tempPath(target, options.token)}${options.suffix ?? ""}`,
    );
  }

  /**
   * Publishes the temporary: replaces the target by one rename (a directory
   * target, such as a Zarr store, is removed first). On failure the
   * temporary is removed and the error rethrown.
   *
   * @returns When the target is in place.
   */
  async commit(): Promise<void> {
    if (this.#done) throw new Error(`Output "${this.target}" was already committed or aborted`);
    this.#done = true;
    try {
      try {
        await Deno.rename(this.temp, this.target);
      } catch (e) {
        // rename cannot replace a directory (Zarr stores) or a directory by a file
        if (!(await exists(this.target))) throw e;
        await removePath(this.target);
        await Deno.rename(this.temp, this.target);
      }
    } catch (e) {
      await removePath(this.temp).catch(() => {});
      throw e;
    }
  }

  /**
   * {@link PendingOutput.commit}, synchronously (for collective code that
   * cannot await between MPI calls).
   */
  commitSync(): void {
    if (this.#done) throw new Error(`Output "${this.target}" was already committed or aborted`);
    this.#done = true;
    try {
      try {
        Deno.renameSync(this.temp, this.target);
      } catch (e) {
        if (!existsSync(this.target)) throw e;
        Deno.removeSync(this.target, { recursive: true });
        Deno.renameSync(this.temp, this.target);
      }
    } catch (e) {
      try {
        Deno.removeSync(this.temp, { recursive: true });
      } catch {
        // already gone
      }
      throw e;
    }
  }

  /**
   * Discards the temporary (idempotent; never throws).
   *
   * @returns When it is gone.
   */
  async abort(): Promise<void> {
    this.#done = true;
    await removePath(this.temp).catch(() => {});
  }
}

/**
 * Creates the temporary file of `path`, lets `fill` write it, then renames
 * it over `path`. On any failure the temporary is closed and removed and the
 * error is rethrown; `path` is untouched. An existing `path` is replaced.
 *
 * @param path The target file.
 * @param fill Writes the contents into the open temporary file.
 * @param openError Maps a failure to create the temporary to the error to throw.
 * @returns When the file is in place.
 *
 * @example
 * ```ts
 * import { writeViaTemp } from "./output.ts";
 * import assert from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * await writeViaTemp(`${dir}/b.bin`, async (f) => {
 *   await f.write(new Uint8Array([1, 2, 3]));
 * });
 * assert.deepEqual([...await Deno.readFile(`${dir}/b.bin`)], [1, 2, 3]);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function writeViaTemp(
  path: string,
  fill: (file: Deno.FsFile) => Promise<void>,
  openError: (e: unknown) => unknown = (e) => e,
): Promise<void> {
  const out = PendingOutput.at(path);
  let file: Deno.FsFile;
  try {
    file = await Deno.open(out.temp, { write: true, createNew: true });
  } catch (e) {
    throw openError(e);
  }
  try {
    await fill(file);
  } catch (e) {
    try {
      file.close();
    } catch {
      // already closed
    }
    await out.abort();
    throw e;
  }
  file.close();
  await out.commit();
}

/**
 * Writes bytes to a file through its temporary name (see {@link writeViaTemp}).
 *
 * @param path The target file.
 * @param bytes The contents.
 * @returns When the file is in place.
 *
 * @example
 * ```ts
 * import { writeFileAtomic } from "./output.ts";
 * import assert from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * await writeFileAtomic(`${dir}/c.txt`, new TextEncoder().encode("hi"));
 * assert.equal(await Deno.readTextFile(`${dir}/c.txt`), "hi");
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function writeFileAtomic(path: string, bytes: Uint8Array): Promise<void> {
  await writeViaTemp(path, async (file) => {
    for (let at = 0; at < bytes.length;) at += await file.write(bytes.subarray(at));
  });
}
