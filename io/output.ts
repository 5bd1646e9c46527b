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
 * rename; a directory target is swapped: the old one is renamed away first
 * and removed after), `abort` (remove the temporary). The target may be a
 * whole file, a whole store, a copy of an HDF5 file or the directory of one
 * Zarr array inside its store (stream/_output.ts decides).
 *
 * Durability: against faults of the process (crash, signal, killed rank) the
 * temporary and the rename suffice (the page cache outlives a process). A
 * commit that replaces a target or publishes `into` an existing container
 * syncs the new data, renames, then syncs the directory (one pass, never per
 * chunk), so a power loss never loses what was there; a new output is synced
 * only with `sync: true` or `TESSERA_SYNC=1` ({@link syncOption}). Files
 * inside a temporary ({@link insideTemp}) need no temporary of their own.
 *
 * One writer per output: {@link OutputLock} is an exclusive lock file
 * `.NAME.tessera-lock` beside the target, holding the pid and host of its
 * writer; a stale lock of a dead process on this host is taken over.
 *
 * Every temporary and lock of this process is in a registry that
 * {@link cleanPendingOutputs} empties: while any is pending, SIGINT and
 * SIGTERM remove them and exit with 130 and 143 (the MPI abort path of
 * dist/_abort.ts calls it too). {@link removeStaleTemps} removes the
 * temporaries of a target left by processes that no longer run (kill -9).
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

import { insideTemp, syncDir, syncOption, syncTree } from "./_sync.ts";
import { exists, existsSync, removePath, removeSync, split } from "./_paths.ts";
export { exists, removePath } from "./_paths.ts";
export { _syncCounts, insideTemp, syncOption } from "./_sync.ts";

// ---------------------------------------------------------------- registry

/** Synchronous clean-ups of this process's pending temporaries and locks. */
const pending = new Set<() => void>();

/**
 * Adds a clean-up; while any is registered, SIGINT and SIGTERM run them all
 * and exit 130 / 143 (a temporary or lock never outlives a signal).
 */
function register(clean: () => void): () => void {
  pending.add(clean);
  guardSignals();
  return () => {
    pending.delete(clean);
    guardSignals();
  };
}

/**
 * Removes every temporary and releases every lock this process holds for
 * outputs not yet committed (synchronous, never throws): what a signal
 * handler or an abort path runs before the process ends.
 *
 * @returns How many clean-ups ran.
 *
 * @example
 * ```ts
 * import { cleanPendingOutputs, exists, PendingOutput } from "./output.ts";
 * const dir = await Deno.makeTempDir();
 * const out = await PendingOutput.begin(`${dir}/x.bin`);
 * await Deno.writeTextFile(out.temp, "partial");
 * cleanPendingOutputs();
 * if (await exists(out.temp)) throw new Error("temporary left");
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export function cleanPendingOutputs(): number {
  const all = [...pending];
  pending.clear();
  for (const clean of all) {
    try {
      clean();
    } catch {
      // best effort: the process is ending
    }
  }
  return all.length;
}

const SIGNALS: readonly [Deno.Signal, number][] = [["SIGINT", 130], ["SIGTERM", 143]];
const handlers: [Deno.Signal, () => void][] = [];

/** Installs the signal listeners while clean-ups are pending, removes them after. */
function guardSignals(): void {
  if (pending.size > 0 && handlers.length === 0) {
    for (const [signal, code] of SIGNALS) {
      const handler = (): void => {
        cleanPendingOutputs();
        Deno.exit(code);
      };
      try {
        Deno.addSignalListener(signal, handler);
        handlers.push([signal, handler]);
      } catch {
        // no such signal here (Windows: SIGTERM)
      }
    }
  } else if (pending.size === 0) {
    for (const [signal, handler] of handlers.splice(0)) {
      try {
        Deno.removeSignalListener(signal, handler);
      } catch {
        // already gone
      }
    }
  }
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
  /** Sync a new target at the commit too (default `TESSERA_SYNC`; a replaced one always is). */
  readonly sync?: boolean;
  /** The commit publishes an object into an existing container (synced as a replacement). */
  readonly into?: boolean;
}

/**
 * One output being written under its temporary name: published by
 * {@link PendingOutput.commit}, discarded by {@link PendingOutput.abort}.
 * Until then the temporary is in the registry of {@link cleanPendingOutputs}.
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
  #unregister: () => void;
  readonly #sync: boolean;
  readonly #into: boolean;

  private constructor(
    target: string,
    object: string | null,
    temp: string,
    durability: { sync: boolean; into: boolean },
  ) {
    this.target = target;
    this.object = object;
    this.temp = temp;
    this.#sync = durability.sync;
    this.#into = durability.into;
    this.#unregister = register(() => removeSync(temp));
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
      { sync: syncOption(options.sync, target), into: options.into === true },
    );
  }

  /**
   * The pending output of another process (rank 0 of an MPI job): its
   * temporary is in this process's clean-up registry too, so that this
   * process's abort path removes it; {@link PendingOutput.forget} takes it
   * out once the owner has committed or aborted. Never commits.
   *
   * @param target The owner's target.
   * @param temp The owner's temporary.
   * @returns A pending output that can only be forgotten or aborted.
   *
   * @example
   * ```ts
   * import { cleanPendingOutputs, PendingOutput } from "./output.ts";
   * const m = PendingOutput.mirror("/tmp/x.npy", "/tmp/.x.npy.tessera-tmp-1-0000abcd");
   * m.forget();
   * if (cleanPendingOutputs() !== 0) throw new Error("still registered");
   * ```
   */
  static mirror(target: string, temp: string): PendingOutput {
    const out = new PendingOutput(target, null, temp, { sync: false, into: false });
    out.#done = true;
    return out;
  }

  /** Takes the temporary out of the clean-up registry without touching it (idempotent). */
  forget(): void {
    this.#unregister();
  }

  /**
   * Publishes the temporary: a file is renamed over the target; a directory
   * (a Zarr store or array) is swapped in: the old one is renamed away to a
   * temporary name first and removed after, so the target is at every moment
   * absent, old or new. When the target exists, the output goes `into` an
   * existing container, or `sync` is asked, the temporary's files and
   * directories are synced before the rename and the directory after it. On
   * failure the temporary is removed and the error rethrown.
   *
   * @returns When the target is in place.
   */
  async commit(): Promise<void> {
    if (this.#done) throw new Error(`Output "${this.target}" was already committed or aborted`);
    this.#done = true;
    try {
      this.#publishSync();
    } catch (e) {
      await removePath(this.temp).catch(() => {});
      throw e;
    } finally {
      this.#unregister();
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
      this.#publishSync();
    } catch (e) {
      removeSync(this.temp);
      throw e;
    } finally {
      this.#unregister();
    }
  }

  #publishSync(): void {
    const st = Deno.lstatSync(this.temp);
    // what the user had (a replaced target, the rest of a container) must survive a power loss
    // (inside another temporary: that one's commit syncs the whole of it)
    const durable = !insideTemp(`${this.target}/`) &&
      (this.#sync || this.#into || existsSync(this.target));
    if (durable) syncTree(this.temp, st.isFile);
    if (st.isFile) {
      Deno.renameSync(this.temp, this.target);
      if (durable) syncDir(this.target);
      return;
    }
    let old: string | null = null;
    if (existsSync(this.target)) {
      old = tempPath(this.target);
      Deno.renameSync(this.target, old);
      // from here until the rename below the old version must not be lost
      const restore = register(() => {
        try {
          Deno.renameSync(old as string, this.target);
        } catch {
          // the new one is in place
        }
      });
      try {
        Deno.renameSync(this.temp, this.target);
      } catch (e) {
        Deno.renameSync(old, this.target);
        throw e;
      } finally {
        restore();
      }
      removeSync(old);
    } else {
      Deno.renameSync(this.temp, this.target);
    }
    if (durable) syncDir(this.target);
  }

  /** {@link PendingOutput.abort}, synchronously (idempotent; never throws). */
  abortSync(): void {
    this.#done = true;
    this.#unregister();
    removeSync(this.temp);
  }

  /**
   * Discards the temporary (idempotent; never throws).
   *
   * @returns When it is gone.
   */
  async abort(): Promise<void> {
    this.#done = true;
    this.#unregister();
    await removePath(this.temp).catch(() => {});
  }
}

/**
 * Whether a process of this host runs with `pid` (Linux: `/proc`); true when
 * it cannot be told.
 *
 * @param pid A process id.
 * @returns False only when the process is known to be gone.
 *
 * @example
 * ```ts
 * import { processAlive } from "./output.ts";
 * if (!processAlive(Deno.pid)) throw new Error("this process is alive");
 * ```
 */
export function processAlive(pid: number): boolean {
  if (pid === Deno.pid) return true;
  if (Deno.build.os !== "linux") return true;
  try {
    Deno.statSync(`/proc/${pid}`);
    return true;
  } catch (e) {
    return !(e instanceof Deno.errors.NotFound);
  }
}

/**
 * Removes the temporaries of `target` (`.NAME.tessera-tmp-<pid>-<hex>...`
 * in its directory) whose process no longer runs: what a killed writer
 * left. Temporaries of live processes are left alone.
 *
 * @param target The path of an output.
 * @returns The paths removed.
 *
 * @example
 * ```ts
 * import { removeStaleTemps, tempPath } from "./output.ts";
 * import assert from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(tempPath(`${dir}/x.npy`, "999999999-0000abcd"), "left by kill -9");
 * await Deno.writeTextFile(tempPath(`${dir}/x.npy`), "mine");
 * assert.equal((await removeStaleTemps(`${dir}/x.npy`)).length, 1);
 * assert.equal([...Deno.readDirSync(dir)].length, 1);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function removeStaleTemps(target: string): Promise<string[]> {
  return await Promise.resolve(removeStaleTempsSync(target));
}

/**
 * {@link removeStaleTemps}, synchronously (for collective code that cannot
 * await between MPI calls).
 *
 * @param target The path of an output.
 * @returns The paths removed.
 *
 * @example
 * ```ts
 * import { removeStaleTempsSync } from "./output.ts";
 * if (removeStaleTempsSync("/surely/not/here/x.h5").length !== 0) throw new Error("removed?");
 * ```
 */
export function removeStaleTempsSync(target: string): string[] {
  const { dir, base } = split(target.length > 1 ? target.replace(/\/+$/, "") : target);
  const prefix = `.${base}${TEMP_MARK}`;
  const removed: string[] = [];
  try {
    for (const e of Deno.readDirSync(dir === "" ? "." : dir)) {
      if (!e.name.startsWith(prefix)) continue;
      const m = /^(\d+)-[0-9a-f]{8}/.exec(e.name.slice(prefix.length));
      if (m === null || processAlive(Number(m[1]))) continue;
      removeSync(`${dir}${e.name}`);
      removed.push(`${dir}${e.name}`);
    }
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
  return removed;
}

/** The mark of a lock file: `.NAME.tessera-lock` beside `NAME`. */
export const LOCK_MARK = ".tessera-lock";

/**
 * This host's name, for lock files: from `Deno.hostname()` when the sys
 * permission is granted, else `/proc/sys/kernel/hostname`, else "".
 */
function hostName(): string {
  try {
    if (Deno.permissions.querySync({ name: "sys", kind: "hostname" }).state === "granted") {
      return Deno.hostname();
    }
    const proc = "/proc/sys/kernel/hostname";
    if (Deno.permissions.querySync({ name: "read", path: proc }).state === "granted") {
      return Deno.readTextFileSync(proc).trim();
    }
  } catch {
    // fall through
  }
  return "";
}

/** A lock file that names no holder this long after it was made is abandoned (ms). */
const ABANDONED_MS = 10_000;

/** Who holds a lock, as {@link OutputLock.holder} reads it from the lock file. */
export interface LockHolder {
  /** The writer's process id. */
  readonly pid: number;
  /** The writer's host name ("" when unknown). */
  readonly host: string;
}

function readHolder(path: string): LockHolder | null {
  try {
    const [pid, host = ""] = Deno.readTextFileSync(path).trim().split(" ");
    // an empty file is a lock its creator is writing this very moment
    return /^[1-9]\d*$/.test(pid) ? { pid: Number(pid), host } : null;
  } catch {
    return null;
  }
}

/**
 * An exclusive lock on one output: the file `.NAME.tessera-lock` beside the
 * target, created atomically (`createNew`) and holding `<pid> <host>`. A
 * lock left by a process of this host that no longer runs is taken over; a
 * live holder makes {@link OutputLock.acquire} fail with `Deno.errors.Busy`
 * naming it. Released by {@link OutputLock.release} (idempotent) and by
 * {@link cleanPendingOutputs}; while held, SIGINT and SIGTERM clean up and
 * exit with 130 and 143.
 *
 * @example
 * ```ts
 * import { OutputLock } from "./output.ts";
 * import assert from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * const lock = OutputLock.acquire(`${dir}/x.h5`);
 * assert.equal(lock.path, `${dir}/.x.h5.tessera-lock`);
 * assert.throws(() => OutputLock.acquire(`${dir}/x.h5`), Deno.errors.Busy);
 * lock.release();
 * OutputLock.acquire(`${dir}/x.h5`).release();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export class OutputLock {
  /** The lock file. */
  readonly path: string;
  #held = true;
  #unregister: () => void;

  private constructor(path: string) {
    this.path = path;
    this.#unregister = register(() => this.#drop());
  }

  /**
   * The lock file of `target`.
   *
   * @param target An output path.
   * @returns `.NAME.tessera-lock` in the same directory.
   */
  static pathOf(target: string): string {
    const { dir, base } = split(target.length > 1 ? target.replace(/\/+$/, "") : target);
    return `${dir}.${base}${LOCK_MARK}`;
  }

  /**
   * Takes the lock of `target`.
   *
   * @param target The output path (a file or a store).
   * @param locator The text naming the output in messages (default: the target).
   * @returns The held lock.
   * @throws {Deno.errors.Busy} When a live process holds it.
   */
  static acquire(target: string, locator: string = target): OutputLock {
    const path = OutputLock.pathOf(target);
    const host = hostName();
    // the clean-up (and with it the signal listeners) goes in before the lock file exists: a
    // SIGTERM landing between its creation and the listeners (seen under load) would end the
    // process by the default action and leave the lock behind
    let created = false;
    const unregister = register(() => created && removeSync(path));
    try {
      // a lock file with no holder yet is either being written by its creator this very
      // moment or was left by a writer killed between creating and writing it: look again
      // shortly, until #checkHolder clears it as abandoned (10 s)
      const until = Date.now() + ABANDONED_MS + 2_000;
      for (let attempt = 0; attempt < 3 || Date.now() < until; attempt++) {
        const lock = OutputLock.#create(path, host, () => created = true);
        if (lock !== null) return lock;
        if (OutputLock.#checkHolder(path, host, locator) === "unknown" && attempt >= 2) {
          Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50);
        }
      }
      throw new Deno.errors.Busy(`Cannot write "${locator}": could not take the lock "${path}"`);
    } catch (e) {
      if (created) removeSync(path);
      throw e;
    } finally {
      unregister(); // the lock's own clean-up is registered by then
    }
  }

  /** Creates the lock file, or returns null when one exists. */
  static #create(path: string, host: string, made: () => void): OutputLock | null {
    try {
      using f = Deno.openSync(path, { write: true, createNew: true });
      made();
      f.writeSync(new TextEncoder().encode(`${Deno.pid} ${host}\n`));
      return new OutputLock(path);
    } catch (e) {
      if (!(e instanceof Deno.errors.AlreadyExists)) throw e;
      return null;
    }
  }

  /**
   * Clears a stale or abandoned lock file, or throws Busy naming its live
   * holder; "unknown" when the file names no holder yet (look again).
   */
  static #checkHolder(path: string, host: string, locator: string): "cleared" | "unknown" {
    const holder = readHolder(path);
    if (holder === null) {
      // being written by its creator this very moment, or garbage: look again
      const st = (() => {
        try {
          return Deno.statSync(path);
        } catch {
          return null;
        }
      })();
      if (st === null) return "cleared";
      if (Date.now() - (st.mtime?.getTime() ?? 0) > ABANDONED_MS) {
        removeSync(path);
        return "cleared";
      }
      return "unknown";
    }
    const here = holder.host === host || holder.host === "";
    if (here && holder.pid !== Deno.pid && !processAlive(holder.pid)) {
      removeSync(path); // stale: its writer is gone
      return "cleared";
    }
    throw new Deno.errors.Busy(
      `Cannot write "${locator}": it is being written by process ${holder.pid}${
        holder.host ? ` on ${holder.host}` : ""
      } (lock "${path}"); remove the lock if that process is gone`,
    );
  }

  /** Releases the lock (idempotent). */
  release(): void {
    this.#unregister();
    this.#drop();
  }

  #drop(): void {
    if (!this.#held) return;
    this.#held = false;
    removeSync(this.path);
  }
}

/** Options of {@link writeViaTemp} and {@link writeFileAtomic}. */
export interface WriteViaTempOptions {
  /** Maps a failure to create the temporary to the error to throw. */
  readonly openError?: (e: unknown) => unknown;
  /** Sync a new file at the commit (default: `TESSERA_SYNC`); a replaced one always is. */
  readonly sync?: boolean;
}

/**
 * Creates the temporary file of `path`, lets `fill` write it, then renames
 * it over `path`. On any failure the temporary is closed and removed and the
 * error is rethrown; `path` is untouched. An existing `path` is replaced.
 *
 * @param path The target file.
 * @param fill Writes the contents into the open temporary file.
 * @param options `openError` maps a failure to create the temporary to the
 *   error to throw; `sync` syncs a new file at the commit (a replaced one always is).
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
  options: WriteViaTempOptions = {},
): Promise<void> {
  const openError = options.openError ?? ((e: unknown): unknown => e);
  const out = PendingOutput.at(path, { sync: options.sync });
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
 * @param options `sync` (see {@link writeViaTemp}).
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
export async function writeFileAtomic(
  path: string,
  bytes: Uint8Array,
  options: WriteViaTempOptions = {},
): Promise<void> {
  await writeViaTemp(path, async (file) => {
    for (let at = 0; at < bytes.length;) at += await file.write(bytes.subarray(at));
  }, options);
}
